"""The explorer's inputs: the logits box with its examples (the last good logits stay when the text is bad),
temperature and shift."""
from __future__ import annotations

import numpy as np
import streamlit as st

import playground.parsing as parsing
from playground.i18n import N_, _
from playground.markdown import escape_markdown

TEXT_KEY, LAST_GOOD_KEY = "softmax_logits_text", "softmax_last_good_logits"
T_KEY, SHIFT_KEY = "softmax_T", "softmax_shift"
EXAMPLES = [(N_("Course example: 1, 2, 3"), parsing.DEFAULT_LOGITS_TEXT, ":material/school:"),
            (N_("Overflow: 1000, 0, -1000"), parsing.OVERFLOW_EXAMPLE_TEXT, ":material/bolt:")]
OVERFLOW_BUTTON = EXAMPLES[1][0]


def _set_logits_text(text: str) -> None:
    """Button callback: put an example into the logits box before the next run draws it."""
    st.session_state[TEXT_KEY] = text


def logits_input() -> np.ndarray:
    """Text box for the logits; bad input shows what to fix and the last good logits stay in use."""
    text = st.text_area(_("Logits z (separate with commas, spaces or new lines)"), key=TEXT_KEY, height=90,
                        persist_state="session", help=_("{minimum} to {maximum} numbers.").format(
                            minimum=parsing.MIN_LOGITS, maximum=parsing.MAX_LOGITS))
    for index, (label, example, icon) in enumerate(EXAMPLES):
        st.button(_(label), on_click=_set_logits_text, args=(example,), width="stretch", icon=icon,
                  key=f"softmax_example_{index}")
    try:
        logits = parsing.parse_logits(text)
        st.session_state[LAST_GOOD_KEY] = logits
    except ValueError as err:
        logits = st.session_state.get(LAST_GOOD_KEY) or parsing.parse_logits(parsing.DEFAULT_LOGITS_TEXT)
        st.error(_("{error}  \nThe charts keep the last valid logits: {logits}.").format(
            error=escape_markdown(err), logits=parsing.format_logits(logits)), icon=":material/error:")
    return np.array(logits, dtype=np.float64)


def temperature_and_shift() -> tuple[float, float]:
    """Log-scale temperature slider and the constant shift c added to every logit."""
    temperature = st.select_slider(_("Temperature T (log scale)"), options=parsing.TEMPERATURE_OPTIONS, key=T_KEY,
                                   format_func=parsing.format_number,
                                   help=_("Every logit is divided by T before softmax: p = softmax(z / T)."))
    shift = st.slider(_("Shift c added to every logit"), -parsing.SHIFT_LIMIT, parsing.SHIFT_LIMIT,
                      step=parsing.SHIFT_STEP, key=SHIFT_KEY)
    return float(temperature), float(shift)
