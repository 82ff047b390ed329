"""The Training lab's two detail sections: one SGD step taken apart, and the course's training by hand.

Each computes only while its expander is open, and follows the player's last reported epoch.
"""
from __future__ import annotations

import math

import streamlit as st

from playground.i18n import _
from playground.plots.training import low_level_figure
from playground.training.lab import TrainingLab
from playground.training.sgd_step import format_short, samples_frame, weights_frame
from playground.training.trainer import low_level_history

SGD_STEP_KEY, LOW_LEVEL_KEY = "tr_sgd_step", "tr_low_level_open"


def sgd_step_section(lab: TrainingLab) -> None:
    """The next SGD step for the current weights, with every intermediate number."""
    section = st.expander(_("One SGD step, taken apart"), icon=":material/calculate:", key=SGD_STEP_KEY,
                          on_change="rerun")
    if not section.open:  # computed only for a student who opened it
        return
    with section:
        step = lab.step_breakdown()
        st.caption(_("training.step_shows_epoch"))
        st.markdown(_("training.step_formulas").format(epoch=lab.playhead, loss=format_short(step.loss)))
        st.table(samples_frame(step))
        decay = f" + {step.l2:g}\\,W" if step.l2 else ""
        st.markdown(_("training.step_update").format(lr=step.lr, decay=decay))
        st.table(weights_frame(step).map(format_short))


def low_level_section(lab: TrainingLab, log_y: bool) -> None:
    """The course's training "by hand" (4 features, zero init, one-hot loss) at the current lr."""
    section = st.expander(_("The same thing by hand (low-level)"), icon=":material/handyman:", key=LOW_LEVEL_KEY,
                          on_change="rerun")
    if not section.open:  # trains every epoch again: only for a student who opened it
        return
    config = lab.config
    with section:
        st.markdown(_("training.low_level_code").format(epochs=config.epochs, lr=config.lr))
        hand, reference, weights, biases = low_level_history(config.epochs, config.lr)
        finite = [abs(a - b) for a, b in zip(hand, reference) if math.isfinite(a) and math.isfinite(b)]
        st.plotly_chart(low_level_figure(hand, reference, log_y=log_y), key="tr_low_level",
                        config={"displayModeBar": False})
        at = min(lab.playhead, len(hand) - 1)
        W, b = weights[at], biases[at]
        st.markdown(_("training.low_level_weights").format(
            epoch=at, hand=format_short(hand[at]), reference=format_short(reference[at]), b=format_short(b[0])))
        st.table({_("class {c}").format(c=j): [format_short(row[j]) for row in W] for j in range(3)})
        stopped = "" if len(finite) == len(hand) else " " + _("training.low_level_log_zero")
        st.caption(_("training.low_level_difference").format(n=len(finite), difference=max(finite, default=0.0))
                   + stopped)
