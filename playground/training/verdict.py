"""Judge a loss history: diverged, oscillating, stalled or converging, with a sentence a student gets.

The rules read only the list of losses, so they work the same on a live run, a finished
run and a synthetic history in a test. NaN and inf are valid inputs, never errors.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from playground.i18n import _, N_

DIVERGE_FACTOR = 10.0      # ending this many times above the start counts as diverged
RISE_TOLERANCE = 1e-7      # relative rise ignored as float noise
OSCILLATION_SHARE = 0.1    # this share of rising steps (and at least 2) means oscillating
STALL_TOLERANCE = 1e-3     # relative change below this over the whole run means stalled
STALL_MIN_EPOCHS = 5       # ... judged only after this many epochs


@dataclass(frozen=True)
class RunVerdict:
    """A verdict ``kind`` (diverged, oscillating, stalled, converging, pending) and its explanation."""

    kind: str
    explanation: str

    @property
    def title(self) -> str:
        """Short label for banners and tables, in the language of this run."""
        return _(TITLES[self.kind])


TITLES = {
    "diverged": N_("Diverged"),
    "oscillating": N_("Oscillating / overshooting"),
    "stalled": N_("Stalled"),
    "converging": N_("Converging"),
    "pending": N_("Too early to tell"),
}


def judge(losses: Sequence[float]) -> RunVerdict:
    """The verdict for a loss history (one loss per epoch, first = before any update)."""
    losses = [float(v) for v in losses]
    bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    if bad is not None:
        return _non_finite(losses[bad], bad)
    if len(losses) < 2:
        return RunVerdict("pending", _("Train for at least two epochs to see which way the loss goes."))
    first, last = losses[0], losses[-1]
    if last > DIVERGE_FACTOR * max(first, 1e-12):
        return RunVerdict("diverged", _("The loss ended {ratio:.3g} times higher than it started: each "
                                        "step is so large that it jumps past the minimum and lands somewhere worse, "
                                        "so the loss explodes. Lower the learning rate.").format(ratio=last / first))
    change = _relative_change(first, last)
    biggest_step = max(_relative_change(a, b) for a, b in zip(losses, losses[1:]))
    if max(change, biggest_step) < STALL_TOLERANCE:
        if len(losses) < STALL_MIN_EPOCHS:
            return RunVerdict("pending", _("The loss has barely moved after {n} epochs; run a few more to "
                                           "tell a slow start from a stall.").format(n=len(losses)))
        return RunVerdict("stalled", _("Over {n} epochs the loss changed by only {change:.1e} of its value: the "
                                       "steps are so small that the weights hardly move. Raise the learning "
                                       "rate.").format(n=len(losses), change=change))
    rises = count_rises(losses)
    steps = len(losses) - 1
    if last > first or (rises >= 2 and rises >= OSCILLATION_SHARE * steps):
        return RunVerdict("oscillating", _("The loss went up on {rises} of {steps} steps (from {first:.4g} to "
                                           "{last:.4g}): the steps are too big, so they overshoot and bounce "
                                           "across the valley instead of settling. Try a smaller learning "
                                           "rate.").format(rises=rises, steps=steps, first=first, last=last))
    return RunVerdict("converging", _("The loss fell from {first:.4g} to {last:.4g} and kept going down: the "
                                      "learning rate is in a good range.").format(first=first, last=last))


def count_rises(losses: Sequence[float]) -> int:
    """How many epochs raised the loss by more than float noise."""
    return sum(b > a + RISE_TOLERANCE * abs(a) for a, b in zip(losses, losses[1:]))


def _relative_change(a: float, b: float) -> float:
    return abs(b - a) / max(abs(a), 1e-12)


def _non_finite(value: float, epoch: int) -> RunVerdict:
    if math.isnan(value):
        text = _("The loss became NaN (not a number) at epoch {epoch}: the steps were so large that the numbers "
                 "overflowed, so training stopped there. Lower the learning rate.")
    else:
        text = _("The loss became infinite at epoch {epoch}: the steps were so large that the numbers "
                 "overflowed, so training stopped there. Lower the learning rate.")
    return RunVerdict("diverged", text.format(epoch=epoch))
