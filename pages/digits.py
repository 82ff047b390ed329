"""Digit canvas: draw a digit, watch the ten probabilities, and see why the model thinks so.

No torch at import (see pages/_digits_models.py): on a fresh server the canvas shows while torch loads.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

import playground.digits.weights as model_files
from pages._canvas import CANVAS_HELPERS_JS, CANVAS_VERSION_KEY, draw_canvas, read_drawing
from pages._digit_reading import read_canvas, show_reading
from pages._digits_models import cached_rule, cached_test_scores, load_or_explain, model_card, model_is_usable
from pages._language import fragment
from pages._linear_insides import contributions, templates_section
from pages._mistakes_gallery import mistakes_gallery
from pages._navigation import require_navigation_frame
from pages._url import seed_state_from_url, write_state_to_url
from playground.digits.explain import explorer_query, logits_table
from playground.digits.images import drawing_thumbnail, pixel_grid
from playground.digits.weights import MODEL_LABELS, MODEL_NAMES
from playground.digits.reading import DigitReading
from playground.i18n import _, current_language
from playground.parsing import format_number, parse_temperature, TEMPERATURE_OPTIONS
from playground.urlstate import ParamSpec, one_of

PAGE_ID = "digits"
MODEL_KEY, T_KEY = "digits_model", "digits_T"
URL_SPECS = [
    ParamSpec("model", "cnn", one_of(list(MODEL_LABELS))),
    ParamSpec("T", 1.0, parse_temperature, format_number),
]
WIDGET_KEYS = {"model": MODEL_KEY, "T": T_KEY}
EXPLORER_KEY = "digits_explorer_query"


def init_state() -> None:
    """Seed model and temperature from the URL (warning on bad values), then fill in the defaults."""
    for warning in seed_state_from_url(PAGE_ID, URL_SPECS, WIDGET_KEYS):
        st.warning(warning)
    st.session_state.setdefault(CANVAS_VERSION_KEY, 0)


def prompt_to_draw() -> None:
    """What the result column says before there is ink on the canvas."""
    st.info(_("digits.prompt_to_draw"), icon=":material/draw:")


def what_the_model_sees(image: np.ndarray, form: np.ndarray) -> None:
    """Raw drawing thumbnail next to the enlarged 28×28 input the model reads."""
    st.subheader(_("What the model sees"))
    raw, seen = st.columns(2)
    raw.image(drawing_thumbnail(image), caption=_("your drawing (280×280, shown at half size)"), width=140)
    seen.image(pixel_grid(form), caption=_("the 28×28 input, one square per pixel"), width=225)
    st.caption(_("digits.preprocessing_steps"))


def temperature_and_logits(reading: DigitReading | None) -> float:
    """Temperature slider, the 10 logits as a table, and the hand-off to the Softmax explorer."""
    st.subheader(_("Logits and temperature"))
    temperature = st.select_slider(_("Temperature T (probabilities = softmax(logits / T))"), TEMPERATURE_OPTIONS,
                                   key=T_KEY)
    st.caption(_("digits.temperature_effect"))
    if reading is None:
        st.caption(_("Draw a digit to see its 10 logits."))
        return temperature
    # A static table: ten rows need no interactive grid, and the Arrow table goes out as it is.
    st.table(logits_table(reading.logits, temperature), hide_index=True)
    # The request is kept in session state (not the button's return value) so it survives a rerun on the way.
    st.button(_("Open these logits in the Softmax explorer"), icon=":material/bar_chart:", key="digits_to_explorer",
              on_click=st.session_state.__setitem__,
              args=(EXPLORER_KEY, explorer_query(reading.logits, temperature, reading.top_two[0])))
    return temperature


@fragment
def drawing_section(kind: str, models_dir: str) -> None:
    """Everything that depends on the drawing; a stroke reruns only this fragment, prediction first.

    The canvas and the prompt come before the model: on a fresh server, loading it waits for torch's import.
    """
    if EXPLORER_KEY in st.session_state:  # "Open these logits in the Softmax explorer" was pressed
        st.session_state[CANVAS_VERSION_KEY] += 1  # back on this page later, a clean canvas
        query = st.session_state.pop(EXPLORER_KEY) | {"lang": current_language()}  # every key: no extra Back step
        st.switch_page("pages/softmax.py", query_params=query)
    canvas_col, result_col = st.columns(2)
    with canvas_col:
        payload = draw_canvas()
    with result_col:
        image, problem = read_drawing(payload)
        prompt = st.empty()
        with prompt:
            prompt_to_draw()
        model, reading = load_or_explain(kind, models_dir), None
        if model is None:
            prompt.empty()  # no "draw a digit" next to an error saying this model cannot read one
        elif image is not None and problem is None:
            reading, problem = read_canvas(image, model, cached_rule(kind, models_dir))
        if problem is not None:  # one message in the prompt's place; the rest of the page stays as it was
            prompt.warning(_("This drawing cannot be read: {problem}. Press Clear and draw again.").format(
                problem=problem), icon=":material/block:")
        elif reading is not None:
            prompt.empty()
            show_reading(reading, st.session_state.get(T_KEY, 1.0), cached_rule(kind, models_dir),
                         partial(cached_test_scores, kind, models_dir), _(MODEL_NAMES[kind]))
    if model is None:
        return
    if reading is not None:
        what_the_model_sees(image, reading.form)
    temperature = temperature_and_logits(reading)
    write_state_to_url(PAGE_ID, URL_SPECS, {"model": kind, "T": temperature})
    if kind == "linear" and reading is not None:
        contributions(reading, models_dir)


def main() -> None:
    """Lay the page out: model choice, drawing and prediction, model card, the linear model's insides, mistakes."""
    require_navigation_frame()
    st.title(_("Digit canvas"))
    st.caption(_("digits.intro"))
    init_state()
    # Labels translated in this run (AppTest formats the options again later, outside the run's language).
    labels = {key: _(label) for key, label in MODEL_LABELS.items()}
    kind = st.radio(_("Model"), list(MODEL_LABELS), format_func=labels.get, key=MODEL_KEY, horizontal=True)
    models_dir = str(model_files.MODELS_DIR)
    drawing_section(kind, models_dir)
    if model_is_usable(kind, models_dir):
        model_card(kind, models_dir)
        if kind == "linear":
            templates_section(models_dir)
        mistakes_gallery(kind, models_dir)
    st.components.v2.component("digits_canvas_helpers", js=CANVAS_HELPERS_JS)(
        key="digits_canvas_helpers", height=0)  # no visible output: it only helps the canvas (last, so no gap shows)


main()
