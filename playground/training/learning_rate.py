"""The Training lab's learning rate: its range, the course's presets, and one validator for every way in."""
from __future__ import annotations

import math

from playground.i18n import _, N_

LR_MIN, LR_MAX, LR_DEFAULT = 1e-10, 1e5, 0.1
PRESETS = {N_("Overshoot"): 1e5, N_("Stall"): 1e-10, N_("Good"): 0.1}  # the course's three lessons (show with _)


def checked_learning_rate(value: object, lo: float = 0.0, hi: float = math.inf) -> float:
    """``value`` as a learning rate SGD can use (a finite number > 0, within ``[lo, hi]``), or ``ValueError``
    saying plainly what is wrong: the one set of rules for the trainer, the lab and the URL."""
    try:
        lr = float(str(value).strip())
    except ValueError:
        raise ValueError(_("the learning rate is not a number")) from None
    if not math.isfinite(lr):
        raise ValueError(_("the learning rate must be a finite number"))
    if lr <= 0:
        raise ValueError(_("the learning rate must be positive"))
    if not lo <= lr <= hi:
        raise ValueError(_("the learning rate must be between {lo:g} and {hi:g}").format(lo=lo, hi=hi))
    return lr


def parse_learning_rate(value: object) -> float:
    """A learning rate within the lab's slider, ``[1e-10, 1e5]``, or ``ValueError`` saying what is wrong."""
    return checked_learning_rate(value, LR_MIN, LR_MAX)


def check_learning_rate(value: object) -> tuple[float, str | None]:
    """``(usable lr, message)``: absurd values (not a number, <= 0, > 1e5) fall back to 0.1 with a message."""
    try:
        return parse_learning_rate(value), None
    except ValueError as err:
        return LR_DEFAULT, _("Ignored learning rate {value!r}: {reason}; using {default:g}.").format(
            value=value, reason=err, default=LR_DEFAULT)


def format_lr(lr: float) -> str:
    """Compact learning-rate text: 0.1, 0.003, 1e5, 1e-10."""
    text = f"{lr:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def round_learning_rate(lr: float) -> float:
    """The learning rate to 3 significant digits, so slider positions give clean numbers (0.1, not 0.10000002)."""
    return float(f"{lr:.3g}")
