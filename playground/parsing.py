"""Text in and out of the explorer: logits, temperature, shift and class names, each bounded and checked."""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

from playground.i18n import N_, _
from playground.softmax import validate_temperature

# Roughly log-spaced, "nice" temperatures for a log-scale slider from 0.05 to 20.
TEMPERATURE_OPTIONS: tuple[float, ...] = (
    0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8,
    1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0,
)
MIN_LOGITS = 2
MAX_LOGITS = 20
MAX_ABS_LOGIT = 1e6
MAX_CLASS_NAME_CHARS = 24
DEFAULT_LOGITS_TEXT = "1, 2, 3"
OVERFLOW_EXAMPLE_TEXT = "1000, 0, -1000"
SHIFT_LIMIT = 10.0
SHIFT_STEP = 0.5
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # ASCII digits only
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,\s]+")
DEFAULT_CLASS_NAME = N_("class {index}")  # translated where the names are made


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float: ``3`` rather than ``3.0``."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def format_fixed(value: float, decimals: int = 6) -> str:
    """``value`` to ``decimals`` places with no negative zero: a loss that rounds to 0 reads as PyTorch prints it."""
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def format_logits(logits: Sequence[float]) -> str:
    """Logits as the text box shows them: ``1, 2, 3``."""
    return ", ".join(format_number(v) for v in logits)


def _parse_token(token: str) -> float:
    """One logit from one token, with a message naming the token when it is not usable."""
    if _NON_FINITE.fullmatch(token):
        raise ValueError(
            _("'{token}' is not a finite number: logits must be ordinary numbers like 2.5 or -1.").format(token=token))
    if not _NUMBER.fullmatch(token):
        raise ValueError(
            _("'{token}' is not a number. Type numbers like 2.5 or -1e3, separated by commas, spaces or new lines.")
            .format(token=token)
        )
    value = float(token)
    if not abs(value) <= MAX_ABS_LOGIT:
        raise ValueError(
            _("'{token}' is too large: keep every logit between -{limit:,.0f} and {limit:,.0f}.")
            .format(token=token, limit=MAX_ABS_LOGIT)
        )
    return value


def parse_logits(text: str) -> list[float]:
    """Parse logits separated by commas, spaces or new lines; ``ValueError`` says what to fix."""
    tokens = [t for t in _SEPARATORS.split(str(text).strip()) if t]
    if not tokens:
        raise ValueError(_("The logits box is empty: type at least 2 numbers, for example 1, 2, 3."))
    if len(tokens) > MAX_LOGITS:
        raise ValueError(_("You typed {n} values; the explorer takes at most {limit} logits.")
                         .format(n=len(tokens), limit=MAX_LOGITS))
    values = [_parse_token(t) for t in tokens]
    if len(values) < MIN_LOGITS:
        raise ValueError(
            _("Softmax compares logits, so it needs at least {minimum}; you typed only '{token}'.")
            .format(minimum=MIN_LOGITS, token=tokens[0])
        )
    return values


def parse_logits_text(text: str) -> str:
    """URL parser for the logits: check them and return them as the text box shows them."""
    return format_logits(parse_logits(text))


def compact_logits_text(text: str) -> str:
    """URL formatter for the logits text: ``1,2,3`` (no spaces)."""
    return ",".join(format_number(v) for v in parse_logits(text))


def nearest_temperature(temperature: float) -> float:
    """The slider option closest to ``temperature`` on a log scale (raises if T is not > 0)."""
    log_t = math.log(validate_temperature(temperature))
    return min(TEMPERATURE_OPTIONS, key=lambda option: abs(math.log(option) - log_t))


def parse_temperature(text: str) -> float:
    """URL parser for T: a finite number in the slider's range, snapped to its nearest option."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(_("not a number")) from None
    lo, hi = TEMPERATURE_OPTIONS[0], TEMPERATURE_OPTIONS[-1]
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValueError(_("temperature must be between {lo:g} and {hi:g}").format(lo=lo, hi=hi))
    return nearest_temperature(value)


def parse_shift(text: str) -> float:
    """URL parser for the shift c: a number in ``[-10, 10]`` rounded to the slider's 0.5 step."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(_("not a number")) from None
    if not math.isfinite(value) or abs(value) > SHIFT_LIMIT:
        raise ValueError(_("shift must be between {lo:g} and {hi:g}").format(lo=-SHIFT_LIMIT, hi=SHIFT_LIMIT))
    return round(value / SHIFT_STEP) * SHIFT_STEP


def default_class_names(n: int) -> list[str]:
    """``["class 0", "class 1", ...]`` for ``n`` logits (in the page's language)."""
    return [_(DEFAULT_CLASS_NAME).format(index=i) for i in range(n)]


def parse_class_names(text: str) -> list[str]:
    """URL parser for class names, comma-separated; empty text means "use the defaults"."""
    if not text.strip():
        return []
    names = [name.strip() for name in text.split(",")]
    if len(names) > MAX_LOGITS:
        raise ValueError(_("more than {limit} class names").format(limit=MAX_LOGITS))
    if any(not name or len(name) > MAX_CLASS_NAME_CHARS for name in names):
        raise ValueError(_("each class name needs 1 to {limit} characters").format(limit=MAX_CLASS_NAME_CHARS))
    return names


def format_class_names(names: Sequence[str]) -> str:
    """URL formatter for class names: comma-separated, empty when they are the defaults."""
    return "" if list(names) == default_class_names(len(names)) else ",".join(names)


def class_names_for(names: Sequence[str] | None, n: int) -> list[str]:
    """Cleaned, distinct names when there is one per logit, otherwise the default names."""
    if not names or len(names) != n:
        return default_class_names(n)
    result: list[str] = []
    for index, name in enumerate(names):
        cleaned = str(name if name is not None else "").replace(",", " ").strip()[:MAX_CLASS_NAME_CHARS]
        if not cleaned or cleaned in result:
            cleaned = f"{cleaned} ({index})".strip() if cleaned else _(DEFAULT_CLASS_NAME).format(index=index)
        result.append(cleaned)
    return result
