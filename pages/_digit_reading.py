"""What the Digit canvas says of a drawing: the prediction, the verdict in words, the ten bars and the evidence."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from pages._chart import show_chart
from playground.digits.mnist import MnistFileError
from playground.digits.preprocessing import DrawingError
from playground.digits.reading import classify, DigitReading, VerdictRule
from playground.i18n import _, N_
from playground.plots import digits as plots
from playground.softmax import softmax

if TYPE_CHECKING:
    from torch import nn

SCORE_NAMES = {"msp": N_("top probability at T = 1 (the maximum softmax probability)"),
               "logsumexp": N_("log Σ exp(logits) (how strongly the logits point anywhere at all)")}


def prediction_metric(reading: DigitReading, probs: np.ndarray) -> None:
    """The headline: the digit, "4 or 9", or "Not a digit", with the top probability."""
    top, second = reading.top_two
    value = {"digit": str(top), "unsure": _("{top} or {second}").format(top=top, second=second),
             "not_a_digit": _("Not a digit")}[reading.verdict]
    description = {"digit": _("probability"), "unsure": _("probability of {top}").format(top=top),
                   "not_a_digit": _("on {top}, the highest bar all the same").format(top=top)}[reading.verdict]
    st.metric(_("Prediction"), value, delta=f"{probs[top]:.1%}", delta_color="off", delta_arrow="off",
              delta_description=description)


def verdict_message(reading: DigitReading, probs: np.ndarray, model_name: str) -> None:
    """The verdict in a sentence: green for a digit, amber for two candidates, plain for not a digit."""
    top, second = reading.top_two
    if reading.verdict == "digit":
        st.success(_("It reads a **{top}** with probability {p:.1%}.").format(top=top, p=probs[top]))
    elif reading.verdict == "unsure":
        st.warning(_("digits.verdict_unsure").format(top=top, p=probs[top], second=second, q=probs[second],
                                                     model=model_name))
    else:
        with st.container(border=True):
            st.markdown(_("digits.verdict_not_a_digit").format(model=model_name, top=top))


def evidence(reading: DigitReading, rule: VerdictRule, test_scores_of: Callable[[], np.ndarray]) -> None:
    """This drawing's score against the scores of the 10,000 real MNIST test digits (read only now, after the
    prediction is on screen: the first time, the model reads them all)."""
    try:
        test_scores = test_scores_of()
    except MnistFileError as err:
        st.caption(_("The evidence chart needs the MNIST test set: {error}").format(error=err))
        return
    below = float((test_scores < reading.score).mean())
    show_chart(plots.score_chart(test_scores, reading.score, rule.not_digit_below, rule.score), "digits_scores")
    st.caption(_("digits.score_chart_caption").format(name=_(SCORE_NAMES[rule.score]), score=reading.score,
                                                      below=below, threshold=rule.not_digit_below))


def show_reading(reading: DigitReading, temperature: float, rule: VerdictRule,
                 test_scores_of: Callable[[], np.ndarray], model_name: str) -> None:
    """Prediction first (a phone shows it right under the canvas), then the words, the bars and the evidence."""
    probs = softmax(reading.logits, temperature)
    prediction_metric(reading, probs)
    verdict_message(reading, probs, model_name)
    top, second = reading.top_two
    title = _("probabilities") if temperature == 1 else _("probabilities at T = {t:g}").format(t=temperature)
    show_chart(plots.probability_bars(probs, top, second if reading.verdict == "unsure" else None, title),
               "digits_bars")
    if reading.verdict == "digit":
        with st.expander(_("Why a digit? Its score against 10,000 real ones"), key="digits_why_a_digit"):
            evidence(reading, rule, test_scores_of)
    else:
        evidence(reading, rule, test_scores_of)


def read_canvas(image: np.ndarray, model: nn.Module, rule: VerdictRule) -> tuple[DigitReading | None, str | None]:
    """The reading of the drawing (None when there is no ink), or why it cannot be read."""
    try:
        reading = classify(image, model, rule)
    except DrawingError as err:
        return None, str(err)
    return (None if reading.verdict == "empty" else reading), None
