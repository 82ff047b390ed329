"""One reading of a drawing: a digit, a digit that could be either of two, not a digit at all, or nothing drawn.

Softmax must share all of its belief among the ten digits, so the probabilities alone cannot say "none of
these". The models were fine-tuned with outlier exposure (``python -m playground.digits.train
--outlier-exposure``): besides the digits they saw drawings that are not digits (``playground.digits.nondigits``)
and learned to give those flat logits. One score of the logits then tells a digit from a non-digit; the score
and its two thresholds were chosen on a validation split and are written on the model card.
The verdict always uses the T = 1 logits, so the page's temperature slider never changes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from playground.digits.preprocessing import preprocess
from playground.digits.weights import VERDICT_SCORES
from playground.softmax import softmax

if TYPE_CHECKING:
    from torch import nn

CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))


def top_two(probabilities: np.ndarray) -> tuple[int, int]:
    """The most and second most probable classes (ties go to the lower index)."""
    first, second = np.argsort(-np.asarray(probabilities), kind="stable")[:2]
    return int(first), int(second)


def _logsumexp(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=-1, keepdims=True)
    return (top + np.log(np.exp(logits - top).sum(axis=-1, keepdims=True)))[..., 0]


def score(logits: np.ndarray, name: str) -> np.ndarray:
    """The digit-likeness score of logits (..., 10), higher for digits.

    "msp": the maximum softmax probability; "logsumexp": log Σ exp(logits), the negative of the energy score.
    """
    z = np.asarray(logits, dtype=np.float64)
    if name == "msp":
        return softmax(z).max(axis=-1)
    if name == "logsumexp":
        return _logsumexp(z)
    raise ValueError(f"score must be one of {VERDICT_SCORES}, not {name!r}")


@dataclass(frozen=True)
class VerdictRule:
    """One score and two thresholds: below ``not_digit_below`` not a digit, from ``sure_from`` a digit, unsure
    between."""

    score: str
    not_digit_below: float
    sure_from: float

    def __post_init__(self) -> None:
        if self.score not in VERDICT_SCORES:
            raise ValueError(f"score must be one of {VERDICT_SCORES}, not {self.score!r}")
        if not self.not_digit_below <= self.sure_from:
            raise ValueError(f"not_digit_below {self.not_digit_below} is above sure_from {self.sure_from}")

    def verdicts(self, logits: np.ndarray) -> np.ndarray:
        """The verdicts ("not_a_digit", "unsure" or "digit") of logits (N, 10), as a string array (N,)."""
        return self.verdicts_of_scores(score(logits, self.score))

    def verdicts_of_scores(self, scores: np.ndarray) -> np.ndarray:
        """The verdicts of scores already taken with ``self.score``."""
        return np.where(scores < self.not_digit_below, "not_a_digit",
                        np.where(scores < self.sure_from, "unsure", "digit"))


def rule_from_card(card: dict[str, Any]) -> VerdictRule:
    """The verdict rule written on a model card (``load_card`` has checked its fields)."""
    return VerdictRule(card["verdict_score"], float(card["not_digit_below"]), float(card["sure_from"]))


@dataclass(frozen=True)
class DigitReading:
    """What a drawing reads as, and what it was decided on.

    ``digit`` and ``runner_up`` are the top two classes for "digit" and "unsure", None otherwise;
    ``probabilities`` are the T = 1 softmax; ``form`` is the 28×28 input the model read. An empty canvas has
    no form, empty arrays and a NaN score.
    """

    verdict: str
    probabilities: np.ndarray
    logits: np.ndarray
    score: float
    form: np.ndarray | None = None

    @property
    def top_two(self) -> tuple[int, int]:
        """The most and second most probable classes, whatever the verdict (ties go to the lower index)."""
        return top_two(self.probabilities)

    @property
    def digit(self) -> int | None:
        """The digit read: the most probable class for "digit" and "unsure", None otherwise."""
        return self.top_two[0] if self.verdict in ("digit", "unsure") else None

    @property
    def runner_up(self) -> int | None:
        """The second candidate: the second most probable class for "digit" and "unsure", None otherwise."""
        return self.top_two[1] if self.verdict in ("digit", "unsure") else None


def reading_of_logits(logits: np.ndarray, rule: VerdictRule, form: np.ndarray | None = None) -> DigitReading:
    """The reading of one drawing's 10 logits."""
    z = np.asarray(logits, dtype=np.float64)
    value = float(score(z, rule.score))
    return DigitReading(str(rule.verdicts_of_scores(np.array([value]))[0]), softmax(z), z, value, form)


def classify(image: np.ndarray, model: nn.Module, rule: VerdictRule) -> DigitReading:
    """Read a canvas image (RGBA or grayscale, as ``preprocess`` takes) with a loaded model and its card's rule.

    Raises ``DrawingError`` for an image that cannot be a drawing (see ``preprocess``).
    """
    form = preprocess(image)
    if form is None:
        return DigitReading("empty", np.zeros(0), np.zeros(0), float("nan"))
    # Imported here: this module stays torch-free, so the page can draw its canvas while torch is still
    # importing; by the time a model exists, torch is loaded and these imports are free.
    from playground.digits.models import logits_for_forms
    from playground.torch_runtime import use_one_thread

    use_one_thread()
    return reading_of_logits(logits_for_forms(form[None], model)[0], rule, form)
