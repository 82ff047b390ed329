"""Softmax and its companions in float64 NumPy, written to match ``torch.nn.functional``.

Each function is small enough to read next to its formula; ``naive_softmax`` is deliberately unstable, so
the page can show why the max trick matters. Parsing what a student types is in ``playground.parsing``, the
explorer's tables in ``playground.tables``.
"""
from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike


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
    from playground.torch_runtime import torch_if_loaded

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
