"""What the page says of a drawing: the model's logits for it, and whether it reads as one digit or two."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np


if TYPE_CHECKING:
    from torch import nn

CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))
NOT_SURE_PROBABILITY = 0.6  # below this top probability the page says "not sure"
NOT_SURE_ENTROPY_BITS = 1.5  # above this entropy (max log2(10) ≈ 3.32 bits) the page says "not sure"


@dataclass(frozen=True)
class DigitVerdict:
    """What the page says about one set of probabilities: the top two classes and how sure it is."""

    top: int
    top_probability: float
    runner_up: int
    runner_up_probability: float
    entropy_bits: float
    sure: bool


def drawing_logits(form: np.ndarray, model: nn.Module) -> np.ndarray:
    """The model's 10 logits (float64) for one MNIST-form drawing (28, 28), computed on one thread."""
    # Imported here, not at the top: this module stays torch-free so the page can draw its canvas while torch
    # is still importing; by the time a model exists, torch is loaded and these imports are free.
    from playground.digits.models import logits_for_forms
    from playground.torch_runtime import use_one_thread

    use_one_thread()
    return logits_for_forms(np.asarray(form)[None], model)[0]


def entropy_bits(probs: np.ndarray) -> float:
    """Shannon entropy in bits of a probability vector (0 log 0 counts as 0)."""
    p = np.asarray(probs, dtype=np.float64)
    positive = p[p > 0]
    return float(-(positive * np.log2(positive)).sum())


def top_two(probs: np.ndarray) -> tuple[int, int]:
    """Indices of the most and second most probable classes (ties go to the lower index)."""
    order = np.argsort(-np.asarray(probs, dtype=np.float64), kind="stable")
    return int(order[0]), int(order[1])


def read_verdict(probs: np.ndarray) -> DigitVerdict:
    """Top two classes and whether the model is sure: top p ≥ threshold and entropy ≤ threshold."""
    p = np.asarray(probs, dtype=np.float64)
    top, runner_up = top_two(p)
    entropy = entropy_bits(p)
    sure = p[top] >= NOT_SURE_PROBABILITY and entropy <= NOT_SURE_ENTROPY_BITS
    return DigitVerdict(top, float(p[top]), runner_up, float(p[runner_up]), entropy, bool(sure))


def verdict_text(verdict: DigitVerdict) -> str:
    """One sentence for the reader: the prediction, or "not sure" with the top two."""
    if verdict.sure:
        return f"It reads a **{verdict.top}** with probability {verdict.top_probability:.1%}."
    return (
        f"**Not sure**: {verdict.top} ({verdict.top_probability:.1%}) or {verdict.runner_up} "
        f"({verdict.runner_up_probability:.1%}); entropy {verdict.entropy_bits:.2f} of "
        f"{math.log2(len(CLASS_NAMES)):.2f} bits."
    )
