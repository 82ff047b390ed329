"""Inside the softmax regression: which pixels of a drawing pushed which digit, and its ten weight templates."""
from __future__ import annotations

import numpy as np
import streamlit as st

from pages._digits_models import cached_templates
from playground.digits.explain import contribution_map, contribution_summary
from playground.digits.images import contribution_image
from playground.digits.reading import DigitReading
from playground.i18n import _
from playground.plots import digits as plots


def contributions(reading: DigitReading, models_dir: str) -> None:
    """Per-pixel w_c ⊙ x for the predicted class and the runner-up of the softmax regression."""
    st.subheader(_("Which pixels pushed which digit"))
    templates, biases = cached_templates(models_dir)
    digits = reading.top_two
    maps = [contribution_map(reading.form, templates, d) for d in digits]
    limit = max(float(np.abs(m).max()) for m in maps)
    for column, digit, contribution in zip(st.columns(2), digits, maps):
        column.image(contribution_image(contribution, limit), width=225,
                     caption=contribution_summary(digit, contribution.sum(), biases[digit]))
    st.caption(_("digits.contribution_caption").format(limit=limit))


def templates_section(models_dir: str) -> None:
    """The softmax regression's weights, one 28×28 template per digit."""
    st.subheader(_("Inside the softmax regression"))
    st.caption(_("digits.templates_caption"))
    st.plotly_chart(plots.template_grid(cached_templates(models_dir)[0]), config={"displayModeBar": False}, key="digits_templates")
