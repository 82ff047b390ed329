"""AppTest of the Softmax explorer through the real navigation frame (``app.py``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

import playground.softmax as sm
import playground.parsing as parsing
from tests.chart_marks import page_chart

APP = str(Path(__file__).resolve().parents[1] / "app.py")
COURSE = np.array([1.0, 2.0, 3.0])
TEN_LOGITS = "1.2,-0.3,0.5,2.2,-1,0,0.7,3.1,-2,0.4"
DIGIT_NAMES = ",".join(str(d) for d in range(10))


def explorer(query: dict[str, str] | None = None) -> AppTest:
    """Run the app on the explorer page, optionally with URL query parameters."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/softmax.py")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def bars(at: AppTest) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Class names, softmax bars and sigmoid bars of the main chart."""
    (names, soft), (_, sig) = page_chart(at, "softmax_bars").series().values()
    return names, soft, sig


def steps_p_column(at: AppTest) -> list[str]:
    """The p column of the step-by-step table as displayed (formatted text)."""
    return list(at.table[0].value["p = e^(z − max) / sum"])


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def url(at: AppTest) -> dict[str, str]:
    """The query parameters the page left in the URL."""
    return {key: (value[0] if isinstance(value, list) else value) for key, value in at.query_params.items()}


def torch_softmax(z) -> np.ndarray:
    return torch.softmax(torch.tensor(np.asarray(z, float)), dim=0).numpy()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# --- defaults --------------------------------------------------------------------------------

def test_default_values_render():
    at = explorer()
    assert_clean(at)
    assert not at.error and not at.warning
    assert at.text_area(key="softmax_logits_text").value == "1, 2, 3"
    assert steps_p_column(at)[:3] == ["0.0900", "0.2447", "0.6652"]
    names, soft, sig = bars(at)
    assert names == ["class 0", "class 1", "class 2"]
    np.testing.assert_allclose(soft, torch_softmax(COURSE), atol=1e-12)
    np.testing.assert_allclose(sig, torch.sigmoid(torch.tensor(COURSE)).numpy(), atol=1e-12)
    assert metric(at, "softmax sum") == "1.0000"
    assert metric(at, "sigmoid sum") == f"{torch.sigmoid(torch.tensor(COURSE)).sum().item():.4f}"
    assert metric(at, "argmax") == "class 2"


def test_loss_panel_matches_torch_for_the_default_true_class():
    at = explorer()
    expected = F.cross_entropy(torch.tensor(COURSE[None]), torch.tensor([0])).item()
    assert metric(at, "−log p_y (NumPy, via log-softmax)") == f"{expected:.6f}"
    assert metric(at, "F.cross_entropy (PyTorch)") == f"{expected:.6f}"
    gradient = page_chart(at, "softmax_gradient").series()["p − y"][1]
    np.testing.assert_allclose(gradient, torch_softmax(COURSE) - np.eye(3)[0], atol=1e-12)


def test_url_follows_the_widgets():
    at = explorer()
    at.text_area(key="softmax_logits_text").input("2, 0, -1").run()
    at.select_slider(key="softmax_T").set_value(2.0).run()
    at.selectbox(key="softmax_target").set_value(2).run()
    assert_clean(at)
    assert url(at) == {"logits": "2,0,-1", "T": "2", "shift": "0", "target": "2", "classes": "", "lang": "en"}


# --- typing logits ---------------------------------------------------------------------------

def test_typing_new_logits_updates_bars_and_numbers():
    at = explorer()
    at.text_area(key="softmax_logits_text").input("0 0\n0, 0").run()
    assert_clean(at)
    names, soft, _ = bars(at)
    assert len(names) == 4
    np.testing.assert_allclose(soft, [0.25] * 4, atol=1e-15)
    assert steps_p_column(at)[:4] == ["0.2500"] * 4


@pytest.mark.parametrize("text, message", [
    ("1, abc, 3", "'abc' is not a number"),
    ("", "empty"),
    ("1, nan", "'nan' is not a finite number"),
    ("7", "at least 2"),
    (", ".join(["1"] * 25), "at most 20"),
    ("1, 1e999", "'1e999' is too large"),
])
def test_bad_input_shows_an_error_and_keeps_the_last_good_chart(text, message):
    at = explorer()
    at.text_area(key="softmax_logits_text").input("0, 0").run()
    at.text_area(key="softmax_logits_text").input(text).run()
    assert_clean(at)
    assert len(at.error) == 1 and message in at.error[0].value
    _, soft, _ = bars(at)
    np.testing.assert_allclose(soft, [0.5, 0.5])
    assert url(at)["logits"] == "0,0"  # the shared link keeps the last good logits


def test_overflow_button_shows_naive_failure_and_stable_result():
    at = explorer()
    next(b for b in at.button if "Overflow" in b.label).click().run()
    assert_clean(at)
    assert at.text_area(key="softmax_logits_text").value == parsing.OVERFLOW_EXAMPLE_TEXT
    assert any("overflowed" in info.value for info in at.info)
    naive_vs_stable = at.table[1].value
    assert list(naive_vs_stable["e^z"]) == ["inf", "1", "0"]
    assert list(naive_vs_stable["naive e^z / Σ e^z"]) == ["nan", "0", "0"]
    assert list(naive_vs_stable["stable softmax"]) == ["1.0000", "0.0000", "0.0000"]
    np.testing.assert_array_equal(bars(at)[1], [1.0, 0.0, 0.0])


def test_temperature_reshapes_bars_but_keeps_the_argmax():
    at = explorer()
    tops = {}
    for temperature in (0.1, 1.0, 10.0):
        at.select_slider(key="softmax_T").set_value(temperature).run()
        assert_clean(at)
        _, soft, _ = bars(at)
        np.testing.assert_allclose(soft, torch_softmax(COURSE / temperature), atol=1e-12)
        assert metric(at, "argmax") == "class 2"
        tops[temperature] = soft.max()
        sweep = page_chart(at, "softmax_sweep")
        assert sweep.markers == [temperature] and list(sweep.lines) == ["class 0", "class 1", "class 2"]
    assert tops[0.1] > tops[1.0] > tops[10.0]


def test_shift_moves_sigmoid_but_not_softmax():
    at = explorer()
    _, soft_before, sig_before = bars(at)
    at.slider(key="softmax_shift").set_value(3.0).run()
    assert_clean(at)
    _, soft_after, sig_after = bars(at)
    np.testing.assert_allclose(soft_after, soft_before, atol=1e-15)
    np.testing.assert_allclose(sig_after, torch.sigmoid(torch.tensor(COURSE + 3)).numpy(), atol=1e-12)
    assert np.abs(sig_after - sig_before).max() > 0.1
    assert float(metric(at, "softmax change")) < 1e-12


def test_removing_logits_resets_an_impossible_true_class():
    at = explorer()
    at.selectbox(key="softmax_target").set_value(2).run()
    at.text_area(key="softmax_logits_text").input("1, 2").run()
    assert_clean(at)
    assert at.selectbox(key="softmax_target").value == 0
    assert any("does not exist" in w.value for w in at.warning)


def test_renamed_class_appears_in_the_charts_and_url():
    at = explorer()
    editor_key = at.data_editor[0].key
    at.session_state[editor_key] = {"edited_rows": {1: {"class name": "dog"}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    assert_clean(at)
    assert bars(at)[0] == ["class 0", "dog", "class 2"]
    assert url(at)["classes"] == "class 0,dog,class 2"


# --- URL state -------------------------------------------------------------------------------

def test_url_parameters_are_honoured():
    at = explorer({"logits": "4,1,0.5", "T": "2", "shift": "1.5", "target": "1", "classes": "cat,dog,bird"})
    assert_clean(at)
    assert not at.warning and not at.error
    assert at.text_area(key="softmax_logits_text").value == "4, 1, 0.5"
    assert at.select_slider(key="softmax_T").value == 2.0
    assert at.slider(key="softmax_shift").value == 1.5
    assert at.selectbox(key="softmax_target").value == 1
    used = (np.array([4.0, 1.0, 0.5]) + 1.5) / 2.0
    names, soft, _ = bars(at)
    assert names == ["cat", "dog", "bird"]
    np.testing.assert_allclose(soft, torch_softmax(used), atol=1e-12)
    expected = F.cross_entropy(torch.tensor(used[None]), torch.tensor([1])).item()
    assert metric(at, "F.cross_entropy (PyTorch)") == f"{expected:.6f}"


@pytest.mark.parametrize("query, widget_key, default", [
    ({"logits": "abc"}, "softmax_logits_text", "1, 2, 3"),
    ({"logits": "1,nan"}, "softmax_logits_text", "1, 2, 3"),
    ({"logits": "1e400,1"}, "softmax_logits_text", "1, 2, 3"),
    ({"logits": ",".join(["1"] * 50)}, "softmax_logits_text", "1, 2, 3"),
    ({"logits": "1," * 1500}, "softmax_logits_text", "1, 2, 3"),
    ({"T": "0"}, "softmax_T", 1.0),
    ({"T": "-3"}, "softmax_T", 1.0),
    ({"T": "inf"}, "softmax_T", 1.0),
    ({"T": "1e308"}, "softmax_T", 1.0),
    ({"T": "hot"}, "softmax_T", 1.0),
    ({"shift": "1e9"}, "softmax_shift", 0.0),
    ({"shift": "nan"}, "softmax_shift", 0.0),
    ({"target": "-1"}, "softmax_target", 0),
    ({"target": "1.5"}, "softmax_target", 0),
    ({"target": "99"}, "softmax_target", 0),
    ({"classes": "a,,b"}, None, None),
    ({"classes": "x" * 300}, None, None),
])
def test_bad_url_values_fall_back_to_defaults_with_a_warning(query, widget_key, default):
    at = explorer(query)
    assert_clean(at)
    assert not at.error
    assert len(at.warning) == 1 and list(query)[0] in at.warning[0].value
    if widget_key == "softmax_T":
        assert at.select_slider(key=widget_key).value == default
    elif widget_key == "softmax_shift":
        assert at.slider(key=widget_key).value == default
    elif widget_key == "softmax_target":
        assert at.selectbox(key=widget_key).value == default
    elif widget_key:
        assert at.text_area(key=widget_key).value == default
    np.testing.assert_allclose(bars(at)[1], torch_softmax(COURSE), atol=1e-12)


def test_valid_target_beyond_the_logits_warns_and_uses_class_0():
    at = explorer({"logits": "1,2,3", "target": "7"})
    assert_clean(at)
    assert at.selectbox(key="softmax_target").value == 0
    assert any("does not exist" in w.value for w in at.warning)


def test_off_grid_url_values_snap_to_the_sliders():
    at = explorer({"T": "0.33", "shift": "0.3"})
    assert_clean(at)
    assert not at.warning
    assert at.select_slider(key="softmax_T").value == 0.3
    assert at.slider(key="softmax_shift").value == 0.5


@pytest.mark.parametrize("query, n_warnings", [
    ({"classes": "<b>x</b>,**y**,ñ 😀"}, 0),
    ({"logits": "", "T": "", "shift": "", "target": "", "classes": ""}, 4),
    ({"logits": "1,2,3\n4", "T": " 2 ", "target": "0x1"}, 1),
    ({"logits": "\u0661,\u0662"}, 1),  # Arabic-Indic digits: float() would take them, the explorer does not
])
def test_odd_url_values_never_crash(query, n_warnings):
    at = explorer(query)
    assert_clean(at)
    assert not at.error
    assert len(at.warning) == n_warnings
    assert len(bars(at)[0]) >= 2


def test_class_count_mismatch_falls_back_to_default_names():
    at = explorer({"logits": "1,2,3", "classes": "a,b"})
    assert_clean(at)
    assert bars(at)[0] == ["class 0", "class 1", "class 2"]


def test_digit_canvas_handoff_overrides_what_the_user_had():
    at = explorer()
    at.text_area(key="softmax_logits_text").input("5, 6").run()
    at.select_slider(key="softmax_T").set_value(0.5).run()
    at.switch_page("pages/digits.py").run()
    # What st.switch_page("pages/softmax.py", query_params={...}) on the Digit canvas does:
    at.query_params.clear()
    at.query_params["logits"] = TEN_LOGITS
    at.query_params["classes"] = DIGIT_NAMES
    at.switch_page("pages/softmax.py").run()
    assert_clean(at)
    assert at.select_slider(key="softmax_T").value == 1.0  # view settings start fresh
    assert not at.warning and not at.error
    logits = np.array([float(v) for v in TEN_LOGITS.split(",")])
    names, soft, _ = bars(at)
    assert names == [str(d) for d in range(10)]
    np.testing.assert_allclose(soft, torch_softmax(logits), atol=1e-12)
    assert at.text_area(key="softmax_logits_text").value == parsing.format_logits(logits)
    assert metric(at, "argmax") == str(int(np.argmax(logits)))


def test_loss_panel_shows_numpy_at_once_and_pytorch_when_torch_has_loaded(monkeypatch):
    """A freshly started server is still importing torch: the page must not wait for it."""
    monkeypatch.setattr(sm, "torch_cross_entropy_if_loaded", lambda logits, target, wait=0.05: None)
    at = explorer()
    assert not at.exception
    expected = F.cross_entropy(torch.tensor(COURSE[None]), torch.tensor([0])).item()
    assert metric(at, "−log p_y (NumPy, via log-softmax)") == f"{expected:.6f}"
    assert metric(at, "F.cross_entropy (PyTorch)") == "loading…"
    monkeypatch.undo()
    at.run()
    assert metric(at, "F.cross_entropy (PyTorch)") == f"{expected:.6f}"
