"""Parse a page's URL query parameters into typed values, falling back to defaults.

Pages put their shareable state (logits, learning rate, ...) in the URL. Anything can
arrive there, so each parameter has a parser that raises ``ValueError`` on bad input;
``parse_params`` turns such failures into the default plus a readable warning (Markdown, with every URL
value escaped: see ``playground.markdown``).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from playground.i18n import _
from playground.markdown import code_span, escape_markdown

MAX_PARAM_CHARS = 2000
MAX_REASON_CHARS = 160  # a parser's message may quote the whole value; keep the warning readable


@dataclass(frozen=True)
class ParamSpec:
    """One URL parameter: its key, default, parser (str -> value) and formatter (value -> str)."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    format: Callable[[Any], str] = str


def parse_params(raw: Mapping[str, str], specs: list[ParamSpec]) -> tuple[dict[str, Any], list[str]]:
    """Return ``({key: value}, warnings)``; absent keys take defaults, invalid ones warn.

    The warnings are Markdown: the value is shown as a code span and the parser's reason is escaped."""
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for spec in specs:
        values[spec.key] = spec.default
        if spec.key not in raw:
            continue
        text = str(raw[spec.key])
        try:
            if len(text) > MAX_PARAM_CHARS:
                raise ValueError(_("it is {length} characters long").format(length=len(text)))
            values[spec.key] = spec.parse(text)
        except (ValueError, TypeError, OverflowError) as err:
            shown = text if len(text) <= 40 else text[:37] + "..."
            reason = str(err) if len(str(err)) <= MAX_REASON_CHARS else str(err)[:MAX_REASON_CHARS - 3] + "..."
            default = spec.format(spec.default)
            message = (_("Ignored URL parameter {parameter} ({reason}); using the default {default}.") if default
                       else _("Ignored URL parameter {parameter} ({reason}); using the default."))
            warnings.append(message.format(parameter=code_span(f"{spec.key}={shown}"), reason=escape_markdown(reason),
                                           default=escape_markdown(default)))
    return values, warnings


def finite_float(lo: float, hi: float) -> Callable[[str], float]:
    """Parser for a finite float in ``[lo, hi]``."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError(_("not a number")) from None
        if not math.isfinite(value):
            raise ValueError(_("not a finite number"))
        if not lo <= value <= hi:
            raise ValueError(_("outside {lo:g} to {hi:g}").format(lo=lo, hi=hi))
        return value

    return parse


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """Parser for a whole number in ``[lo, hi]``."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ValueError(_("not a whole number")) from None
        if not lo <= value <= hi:
            raise ValueError(_("outside {lo} to {hi}").format(lo=lo, hi=hi))
        return value

    return parse


def boolean(text: str) -> bool:
    """Parser for on/off flags: 1/0, true/false, yes/no, on/off."""
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(_("not true/false"))


def format_boolean(value: bool) -> str:
    """Formatter matching ``boolean``."""
    return "1" if value else "0"


def one_of(options: list[str]) -> Callable[[str], str]:
    """Parser accepting only the given option strings."""

    def parse(text: str) -> str:
        if text not in options:
            raise ValueError(_("not one of {options}").format(options=", ".join(options)))
        return text

    return parse
