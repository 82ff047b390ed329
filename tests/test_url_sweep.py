"""AppTest sweep: every page opened with hostile query strings renders without an exception element.

Garbage, negative, huge, repeated keys, unicode, empty and very long values. Where a value had to be
ignored the page says so with a warning naming the parameter; unknown keys are silently ignored.
"""
from __future__ import annotations


import pytest

from tests.app_pages import open_page

TITLES = {"overview": "Softmax Playground", "softmax": "Softmax explorer", "training": "Training lab",
          "digits": "Digit canvas"}
LONG = "1," * 3000

# (page, case name, query params, keys that must be named in a warning)
CASES = [
    ("overview", "garbage", {"logits": "abc", "page": "../../etc/passwd", "%00": "\x00"}, []),
    ("overview", "unicode", {"名前": "値", "T": "∞"}, []),
    ("softmax", "garbage", {"logits": "abc", "T": "xyz", "shift": "?", "target": "one", "classes": ",,,"},
     ["logits", "T", "shift", "target", "classes"]),
    ("softmax", "negative", {"T": "-1", "shift": "-100", "target": "-3"}, ["T", "shift", "target"]),
    ("softmax", "huge", {"logits": "1e309,2", "T": "1e308", "target": "99999999999999999999"},
     ["logits", "T", "target"]),
    ("softmax", "repeated keys", {"logits": ["1,2", "zzz"], "T": ["2", "2"]}, ["logits"]),
    ("softmax", "unicode", {"logits": "١,٢,٣", "T": "∞", "classes": "猫,犬,🐦"}, ["T"]),
    ("softmax", "empty", {"logits": "", "T": "", "shift": "", "target": ""}, ["logits", "T", "shift", "target"]),
    ("softmax", "very long", {"logits": LONG, "classes": "x" * 5000}, ["logits", "classes"]),
    ("softmax", "nan and inf", {"logits": "nan,inf,-inf", "shift": "nan", "T": "inf"}, ["logits", "shift", "T"]),
    ("softmax", "unknown keys", {"foo": "bar", "": "x"}, []),
    ("training", "garbage", {"lr": "fast", "epochs": "many", "seed": "abc", "norm": "maybe", "l2": "?"},
     ["lr", "epochs", "seed", "norm", "l2"]),
    ("training", "negative", {"lr": "-0.1", "epochs": "-5", "seed": "-1"}, ["lr", "epochs", "seed"]),
    ("training", "huge", {"lr": "1e30", "epochs": "1000000000", "seed": "99999999999999999999"},
     ["lr", "epochs", "seed"]),
    ("training", "repeated keys", {"epochs": ["10", "abc"], "norm": ["1", "0"]}, ["epochs"]),
    ("training", "unicode", {"lr": "０.１", "norm": "はい", "seed": "٣"}, ["norm"]),
    ("training", "empty", {"lr": "", "epochs": "", "seed": "", "norm": "", "l2": ""},
     ["lr", "epochs", "seed", "norm", "l2"]),
    ("training", "very long", {"seed": "9" * 5000, "lr": LONG}, ["seed", "lr"]),
    ("training", "nan and inf", {"lr": "nan", "epochs": "inf"}, ["lr", "epochs"]),
    ("digits", "garbage", {"model": "resnet", "T": "hot"}, ["model", "T"]),
    ("digits", "negative", {"model": "linear", "T": "-2"}, ["T"]),
    ("digits", "huge", {"model": "linear", "T": "1e400"}, ["T"]),
    ("digits", "repeated keys", {"model": ["linear", "cnn", "nope"]}, ["model"]),
    ("digits", "unicode", {"model": "cnn\u200b", "T": "１"}, ["model"]),
    ("digits", "empty", {"model": "", "T": ""}, ["model", "T"]),
    ("digits", "very long", {"model": "linear" * 400, "T": "1" * 2001}, ["model", "T"]),
]


@pytest.mark.parametrize(("page", "query", "warned_keys"),
                         [pytest.param(p, q, w, id=f"{p}-{name}") for p, name, q, w in CASES])
def test_hostile_query_string_renders_with_warnings_and_no_exception(page, query, warned_keys):
    """No exception element, the page's title is there, and each ignored value is named in a warning."""
    at = open_page(page, query)
    assert not at.exception, [e.value for e in at.exception]
    assert TITLES[page] in [t.value for t in at.title]
    warnings = " ".join(w.value for w in at.warning)
    for key in warned_keys:
        assert f"`{key}=" in warnings, f"no warning for {key!r}: {warnings!r}"
    if not warned_keys:
        assert "Ignored URL parameter" not in warnings


def test_a_bad_link_does_not_stick_after_the_user_moves_on():
    """After a warned-about link, the next rerun (the user clicking around) shows no stale warning."""
    at = open_page("softmax", {"T": "xyz"})
    assert any("`T=" in w.value for w in at.warning)
    at.run()
    assert not at.exception
    assert not any("Ignored URL parameter" in w.value for w in at.warning)
