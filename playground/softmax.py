"""Softmax and its companions in float64 NumPy, written to match ``torch.nn.functional``.

The explorer page and the tests use these functions; each one is small enough to read
next to its formula. ``naive_softmax`` is deliberately unstable so the page can show why
the max trick matters.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

ArrayLike = npt.ArrayLike

MIN_LOGITS = 2
MAX_LOGITS = 20
MAX_ABS_LOGIT = 1e6
MAX_CLASS_NAME_CHARS = 24
DEFAULT_LOGITS_TEXT = "1, 2, 3"
OVERFLOW_EXAMPLE_TEXT = "1000, 0, -1000"
# Roughly log-spaced, "nice" temperatures for a log-scale slider from 0.05 to 20.
TEMPERATURE_OPTIONS: tuple[float, ...] = (
    0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8,
    1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0,
)
SHIFT_LIMIT = 10.0
SHIFT_STEP = 0.5

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # ASCII digits only
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,\s]+")


# --- the maths -------------------------------------------------------------------------------

def validate_temperature(temperature: float) -> float:
    """Return ``temperature`` as a float, or raise ``ValueError`` unless it is finite and > 0."""
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"Temperature must be a number, got {temperature!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"Temperature must be a finite number greater than 0, got {temperature!r}.")
    return value


def _as_logits(logits: ArrayLike, allow_non_finite: bool = False) -> np.ndarray:
    """Logits as a float64 array with at least one value on the last axis; NaN/inf refused unless allowed."""
    try:
        z = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("Logits must be numbers.") from None
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ValueError("Logits must be a non-empty vector of numbers.")
    if not allow_non_finite and not np.isfinite(z).all():
        raise ValueError("Logits must be finite numbers (no NaN or infinity).")
    return z


def _shifted(z: np.ndarray, temperature: float) -> np.ndarray:
    """``z / T − max(z / T)``, in PyTorch's order of operations so the results round as F.softmax's do.

    Where ``z / T`` overflows (huge logits at a small T) it uses ``(z − max z) / T`` instead: equal in exact
    arithmetic, and finite, where PyTorch would return NaN. A gap beyond float64 becomes -inf (exp 0).
    """
    t = validate_temperature(temperature)
    with np.errstate(over="ignore"):
        scaled = z / t
        if np.isfinite(scaled).all():
            return scaled - scaled.max(axis=-1, keepdims=True)
        return (z - z.max(axis=-1, keepdims=True)) / t


def softmax(logits: ArrayLike, temperature: float = 1.0) -> np.ndarray:
    """Stable softmax of ``logits / temperature`` over the last axis (the max is subtracted before exp)."""
    shifted = _shifted(_as_logits(logits), temperature)
    with np.errstate(under="ignore"):
        exps = np.exp(shifted)
    return exps / exps.sum(axis=-1, keepdims=True)


def naive_softmax(logits: ArrayLike) -> np.ndarray:
    """Textbook ``exp(z) / sum(exp(z))`` without the max trick; may return inf/nan, never raises."""
    z = _as_logits(logits, allow_non_finite=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        exps = np.exp(z)
        return exps / exps.sum(axis=-1, keepdims=True)


def sigmoid(logits: ArrayLike) -> np.ndarray:
    """Logistic sigmoid of each logit on its own, evaluated without overflow for either sign."""
    z = _as_logits(logits)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out


def log_softmax(logits: ArrayLike, temperature: float = 1.0) -> np.ndarray:
    """``log(softmax(z / T))`` computed as ``z - max - log(sum(exp(z - max)))`` so it stays finite."""
    shifted = _shifted(_as_logits(logits), temperature)
    with np.errstate(under="ignore"):
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_target(target: int, n_classes: int) -> int:
    """Return ``target`` if it is a whole-number class index below ``n_classes``."""
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)):
        raise ValueError(f"The true class must be a whole-number index, got {target!r}.")
    if not 0 <= target < n_classes:
        raise ValueError(f"The true class must be between 0 and {n_classes - 1}, got {target}.")
    return int(target)


def _as_vector(logits: ArrayLike) -> np.ndarray:
    """Logits as a 1-D float64 vector (the loss functions work on one example)."""
    z = _as_logits(logits)
    if z.ndim != 1:
        raise ValueError(f"Expected one vector of logits, got an array of shape {z.shape}.")
    return z


def cross_entropy(logits: ArrayLike, target: int) -> float:
    """Cross-entropy ``-log p_y`` of one example, via log-softmax (like ``F.cross_entropy``)."""
    z = _as_vector(logits)
    return float(-log_softmax(z)[_check_target(target, z.size)])


def cross_entropy_gradient(logits: ArrayLike, target: int) -> np.ndarray:
    """Gradient of the cross-entropy with respect to the logits: ``softmax(z) - onehot(y)``."""
    z = _as_vector(logits)
    onehot = np.zeros_like(z)
    onehot[_check_target(target, z.size)] = 1.0
    return softmax(z) - onehot


def torch_cross_entropy(logits: ArrayLike, target: int) -> float:
    """The same loss computed by ``torch.nn.functional.cross_entropy`` in float64, for comparison."""
    import torch  # imported lazily: only the loss panel needs torch
    import torch.nn.functional as F

    z = _as_vector(logits)
    y = _check_target(target, z.size)
    return float(F.cross_entropy(torch.tensor(z).unsqueeze(0), torch.tensor([y])))


def torch_cross_entropy_if_loaded(logits: ArrayLike, target: int, wait: float = 0.05) -> float | None:
    """``torch_cross_entropy`` once torch has been imported (waiting at most ``wait`` s); else None, import started."""
    from playground.lazy_torch import torch_if_loaded

    return None if torch_if_loaded(wait) is None else torch_cross_entropy(logits, target)


def effective_logits(logits: ArrayLike, temperature: float = 1.0, shift: float = 0.0) -> np.ndarray:
    """The logits the explorer feeds to every function: ``(z + shift) / temperature``."""
    return (_as_logits(logits) + float(shift)) / validate_temperature(temperature)


def two_class_identity(z: float) -> tuple[float, float]:
    """Return ``(softmax([z, 0])[0], sigmoid(z))``: two-class softmax is the sigmoid."""
    return float(softmax([z, 0.0])[0]), float(sigmoid([z])[0])


def naive_failure(logits: ArrayLike) -> str | None:
    """Why naive softmax fails on these logits ("overflow"/"underflow"), or None if it is fine."""
    z = _as_vector(logits)
    with np.errstate(over="ignore", under="ignore"):
        exps = np.exp(z)
    if np.isinf(exps).any():
        return "overflow"
    if exps.sum() == 0.0:
        return "underflow"
    return None


# --- tables for the page ---------------------------------------------------------------------

def softmax_steps(logits: ArrayLike, class_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The stable softmax taken apart, as columns: one row per class plus a last row with the sums (NaN
    where a sum means nothing)."""
    z = _as_vector(logits)
    shifted = z - z.max()
    exps = np.exp(shifted)
    p = exps / exps.sum()
    return {"class": np.array([*class_names, "sum"], dtype=object), "z": np.append(z, np.nan),
            "z − max": np.append(shifted, np.nan), "e^(z − max)": np.append(exps, exps.sum()),
            "p = e^(z − max) / sum": np.append(p, p.sum())}


def naive_vs_stable(logits: ArrayLike, class_names: Sequence[str]) -> dict[str, np.ndarray]:
    """Side by side, as columns: ``e^z``, the naive softmax and the stable softmax for each class."""
    z = _as_vector(logits)
    with np.errstate(over="ignore", under="ignore"):
        exps = np.exp(z)
    return {"class": np.array(list(class_names), dtype=object), "z": z, "e^z": exps,
            "naive e^z / Σ e^z": naive_softmax(z), "stable softmax": softmax(z)}


def as_text(table: Mapping[str, npt.ArrayLike], formats: Mapping[str, str], blank_nan: bool = True) -> pa.Table:
    """The columns ready to show, with the listed ones formatted as text, as an Arrow table.

    ``st.table`` sends an Arrow table as it is, so building it straight from the columns skips a pandas
    DataFrame and its conversion on every rerun of the explorer.
    NaN marks "not applicable" (blank) unless ``blank_nan`` is False, where it is a result to show.
    """
    columns = {}
    for name, values in table.items():
        spec = formats.get(name)
        columns[name] = values if spec is None else [
            "" if blank_nan and math.isnan(v) else format(v, spec) for v in np.asarray(values, dtype=float).tolist()]
    return pa.table(columns)


# --- parsing what a student types (or a URL carries) -----------------------------------------

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
        raise ValueError(f"'{token}' is not a finite number: logits must be ordinary numbers like 2.5 or -1.")
    if not _NUMBER.fullmatch(token):
        raise ValueError(
            f"'{token}' is not a number. Type numbers like 2.5 or -1e3, separated by commas, spaces or new lines."
        )
    value = float(token)
    if not abs(value) <= MAX_ABS_LOGIT:
        raise ValueError(
            f"'{token}' is too large: keep every logit between -{MAX_ABS_LOGIT:,.0f} and {MAX_ABS_LOGIT:,.0f}."
        )
    return value


def parse_logits(text: str) -> list[float]:
    """Parse logits separated by commas, spaces or new lines; ``ValueError`` says what to fix."""
    tokens = [t for t in _SEPARATORS.split(str(text).strip()) if t]
    if not tokens:
        raise ValueError("The logits box is empty: type at least 2 numbers, for example 1, 2, 3.")
    if len(tokens) > MAX_LOGITS:
        raise ValueError(f"You typed {len(tokens)} values; the explorer takes at most {MAX_LOGITS} logits.")
    values = [_parse_token(t) for t in tokens]
    if len(values) < MIN_LOGITS:
        raise ValueError(
            f"Softmax compares logits, so it needs at least {MIN_LOGITS}; you typed only '{tokens[0]}'."
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
        raise ValueError("not a number") from None
    lo, hi = TEMPERATURE_OPTIONS[0], TEMPERATURE_OPTIONS[-1]
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValueError(f"temperature must be between {lo:g} and {hi:g}")
    return nearest_temperature(value)


def parse_shift(text: str) -> float:
    """URL parser for the shift c: a number in ``[-10, 10]`` rounded to the slider's 0.5 step."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value) or abs(value) > SHIFT_LIMIT:
        raise ValueError(f"shift must be between {-SHIFT_LIMIT:g} and {SHIFT_LIMIT:g}")
    return round(value / SHIFT_STEP) * SHIFT_STEP


def default_class_names(n: int) -> list[str]:
    """``["class 0", "class 1", ...]`` for ``n`` logits."""
    return [f"class {i}" for i in range(n)]


def parse_class_names(text: str) -> list[str]:
    """URL parser for class names, comma-separated; empty text means "use the defaults"."""
    if not text.strip():
        return []
    names = [name.strip() for name in text.split(",")]
    if len(names) > MAX_LOGITS:
        raise ValueError(f"more than {MAX_LOGITS} class names")
    if any(not name or len(name) > MAX_CLASS_NAME_CHARS for name in names):
        raise ValueError(f"each class name needs 1 to {MAX_CLASS_NAME_CHARS} characters")
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
            cleaned = f"{cleaned} ({index})".strip() if cleaned else f"class {index}"
        result.append(cleaned)
    return result
