"""Where the digit models' weights and cards live, and the errors that name them, without importing torch.

The Digit canvas page reads cards and checks model kinds before torch has finished importing, so that
its canvas shows at once on a freshly started server; ``playground.digits`` builds on these.
"""
from __future__ import annotations

import json
import math
import re
import reprlib
from pathlib import Path
from typing import Any

from playground.i18n import _, N_
from playground.paths import MODELS_DIR

KINDS: tuple[str, ...] = ("linear", "cnn")
# The values are English message ids: the page shows them with _() (the keys are the URL's and the radio's values).
# Here, not in models.py: the page imports them before torch has loaded.
MODEL_LABELS: dict[str, str] = {"linear": N_("Softmax regression (the course's model)"), "cnn": N_("CNN")}
MODEL_NAMES: dict[str, str] = {"linear": N_("softmax regression"), "cnn": N_("CNN")}  # inside a sentence


class ModelFileError(RuntimeError):
    """Shipped weights are missing or unreadable; the message names the file and the rebuild command."""


TRAIN = "python -m playground.digits.train"
# What rebuilds the shipped weights: each card's own command (the softmax regression's after its base model).
REBUILD_COMMANDS = {
    "cnn": f"{TRAIN} --model cnn --epochs 15 --seed 0 --redraw-traces 1,1,2,1 --outlier-exposure",
    "linear": f"{TRAIN} --model linear --epochs 30 --seed 0 --out-dir base && "
              f"{TRAIN} --model linear --epochs 5 --seed 0 --outlier-exposure --from base/linear.pt",
}


def rebuild_command(kind: str) -> str:
    """The shell command that retrains and rewrites the weights for ``kind``."""
    return REBUILD_COMMANDS[kind]


def check_kind(kind: str) -> None:
    """Raise ValueError unless ``kind`` is one of KINDS."""
    if kind not in KINDS:
        raise ValueError(f"model kind must be one of {sorted(KINDS)}, not {kind!r}")


def weights_path(kind: str, models_dir: Path | None = None) -> Path:
    """Where the state_dict for ``kind`` lives."""
    return (models_dir or MODELS_DIR) / f"{kind}.pt"


def card_path(kind: str, models_dir: Path | None = None) -> Path:
    """Where the model card (JSON) for ``kind`` lives, beside its weights."""
    return (models_dir or MODELS_DIR) / f"{kind}.json"


_SHA256 = re.compile(r"[0-9a-f]{64}")
VERDICT_SCORES: tuple[str, ...] = ("msp", "logsumexp")  # see playground.digits.reading.score
_TEXT, _INTEGER, _COUNT, _NUMBER, _FRACTION = "text", "integer", "count", "finite number", "fraction in [0, 1]"
REQUIRED_CARD_FIELDS: dict[str, str] = {
    "name": _TEXT, "kind": _TEXT, "architecture": _TEXT, "parameters": _COUNT, "epochs": _COUNT, "seed": _INTEGER,
    "mnist_test_accuracy": _FRACTION, "sha256": _TEXT,
    "verdict_score": _TEXT, "not_digit_below": _NUMBER, "sure_from": _NUMBER,  # the verdict rule (playground.digits.reading)
}
OPTIONAL_CARD_FIELDS: dict[str, str] = {  # checked when present: the page formats them as numbers
    "drawings_accuracy": _FRACTION, "drawings_accuracy_held_out_trace": _FRACTION, "training_seconds": _NUMBER,
    "redrawn_training_digits": _COUNT, "weights_bytes": _COUNT, "batch_size": _COUNT, "threads": _COUNT,
    "optimizer": _TEXT, "torch_version": _TEXT, "command": _TEXT,
}

# How a card error names each sort of value: "its epochs is 'ten', not a count".
_EXPECTED = {_TEXT: N_("text"), _INTEGER: N_("an integer"), _COUNT: N_("a count"), _NUMBER: N_("a finite number"),
             _FRACTION: N_("a fraction in [0, 1]")}


def _has_type(value: Any, expected: str) -> bool:
    """True when a card value is of the expected sort (bools are not numbers)."""
    if expected == _TEXT:
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if expected in (_INTEGER, _COUNT):
        return isinstance(value, int) and (expected == _INTEGER or value >= 0)
    return math.isfinite(value) and (expected == _NUMBER or 0 <= value <= 1)


def card_problem(card: Any, kind: str) -> str | None:
    """What makes ``card`` unusable for ``kind`` (wrong shape, missing or mistyped field), or None if it is valid."""
    if not isinstance(card, dict):
        return _("it holds a JSON {type}, not an object").format(type=type(card).__name__)
    missing = [key for key in REQUIRED_CARD_FIELDS if key not in card]
    if missing:
        return _("it lacks {fields}").format(fields=", ".join(missing))
    for key, expected in {**REQUIRED_CARD_FIELDS, **OPTIONAL_CARD_FIELDS}.items():
        if key in card and not _has_type(card[key], expected):
            return _("its {key} is {value}, not {expected}").format(key=key, value=reprlib.repr(card[key]),
                                                                     expected=_(_EXPECTED[expected]))
    if card["kind"] != kind:
        return _("it describes a {found} model, not {kind}").format(found=reprlib.repr(card["kind"]), kind=repr(kind))
    if card["verdict_score"] not in VERDICT_SCORES:
        return _("its verdict_score {value} is not one of {names}").format(value=reprlib.repr(card["verdict_score"]),
                                                                           names=", ".join(VERDICT_SCORES))
    if card["not_digit_below"] > card["sure_from"]:
        return _("its not_digit_below {low} is above its sure_from {high}").format(low=card["not_digit_below"],
                                                                                   high=card["sure_from"])
    if card["verdict_score"] == "msp" and not 0 <= card["not_digit_below"] <= card["sure_from"] <= 1:
        return _("its msp thresholds are not probabilities in [0, 1]")
    if not _SHA256.fullmatch(card["sha256"]):
        return _("its sha256 {value} is not 64 lowercase hex digits").format(value=reprlib.repr(card["sha256"]))
    return None


def load_card(kind: str, models_dir: Path | None = None) -> dict[str, Any]:
    """Return the validated model card (JSON beside the weights), or raise ModelFileError naming the file."""
    check_kind(kind)
    path = card_path(kind, models_dir)
    try:
        card = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        message = _("Model card {path} is missing or unreadable ({error}). Rebuild it with: {command}")
        raise ModelFileError(message.format(path=path, error=type(err).__name__, command=rebuild_command(kind))) from None
    problem = card_problem(card, kind)
    if problem is not None:
        raise ModelFileError(_("Model card {path} is not a valid card: {problem}. Rebuild it with: {command}").format(
            path=path, problem=problem, command=rebuild_command(kind)))
    return card


def _readable(value: Any) -> str:
    """A card value as one line: nested settings become "name: setting; name: setting"."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_readable(item)}" for key, item in value.items())
    return str(value)


def card_rows(card: dict[str, Any]) -> list[tuple[str, str]]:
    """The model card as (label, value) rows a student can read: size, accuracy, training set-up."""
    def pct(key: str) -> str:
        value = card.get(key)
        return f"{value:.2%}" if isinstance(value, (int, float)) else "—"

    seconds = card.get("training_seconds")
    return [
        (_("Architecture"), str(card.get("architecture", "—"))),
        (_("Parameters"), f"{card.get('parameters', 0):,}"),
        (_("MNIST test accuracy"), pct("mnist_test_accuracy")),
        (_("Accuracy on re-drawn digits"), pct("drawings_accuracy")),
        (_("Epochs"), str(card.get("epochs", "—"))),
        (_("Optimizer"), str(card.get("optimizer", "—"))),
        (_("Augmentation"), _readable(card.get("augmentation", "—"))),
        (_("Re-drawn training digits"), f"{card.get('redrawn_training_digits', 0):,}"),
        (_("Seed"), str(card.get("seed", "—"))),
        (_("Training time"), "—" if seconds is None else _("{seconds:.0f} s").format(seconds=seconds)),
        ("PyTorch", str(card.get("torch_version", "—"))),
        (_("Command"), str(card.get("command", "—"))),
    ]
