"""The Digit canvas page's models: shared cached loading, their cards, the errors that name a broken file,
and the MNIST test set with what is computed from it.

Nothing here imports torch at the top: on a freshly started server the page's canvas shows (and takes strokes)
while torch is still importing, and the first call to ``cached_model`` waits for it.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from playground.digits.mnist import load_mnist
from playground.digits.explain import linear_templates
from playground.digits.mistakes import mistakes
from playground.digits.weights import MODEL_LABELS, MODEL_NAMES
from playground.digits.reading import rule_from_card, score, VerdictRule
from playground.digits.weights import card_rows, load_card, ModelFileError, rebuild_command
from playground.i18n import _, N_

if TYPE_CHECKING:
    from torch import nn


class _Spinner(str):
    """A cache's spinner text, translated when the spinner shows (Streamlit takes ``str()`` of it then): the
    decorator's argument is fixed at import, but each run has its own language."""

    def __str__(self) -> str:
        return _(str.__str__(self))


@st.cache_resource(show_spinner=_Spinner(N_("Loading the model…")))
def cached_model(kind: str, models_dir: str) -> nn.Module:
    """The model for ``kind`` (shared by every session, never mutated)."""
    from playground.digits import load_model  # the first call imports torch

    return load_model(kind, Path(models_dir))


@st.cache_resource(show_spinner=_Spinner(N_("Reading the MNIST test set…")))
def cached_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test images and labels, shared by every session and so made read-only."""
    images, labels = load_mnist("test")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@st.cache_resource(show_spinner=_Spinner(N_("Reading all 10,000 test digits with this model…")))
def cached_test_logits(kind: str, models_dir: str) -> np.ndarray:
    """The model's logits for every MNIST test digit (shared by every session, so made read-only)."""
    from playground.digits.models import logits_for_forms

    images = cached_test_set()[0]
    logits = logits_for_forms(images.astype(np.float32) / 255.0, cached_model(kind, models_dir))
    logits.setflags(write=False)
    return logits


@st.cache_data(show_spinner=False)
def cached_mistakes(kind: str, models_dir: str) -> pd.DataFrame:
    """The model's misread test digits, from predictions over the whole test set (numbers only: the page
    writes their captions in its language)."""
    return mistakes(cached_test_logits(kind, models_dir), cached_test_set()[1])


@st.cache_resource(show_spinner=False)
def cached_rule(kind: str, models_dir: str) -> VerdictRule:
    """The verdict rule on the model's card (a card that fails its checks raises ``ModelFileError``)."""
    return rule_from_card(load_card(kind, Path(models_dir)))


@st.cache_resource(show_spinner=False)
def cached_test_scores(kind: str, models_dir: str) -> np.ndarray:
    """The verdict score of every MNIST test digit: what a real digit scores, for the evidence chart."""
    values = score(cached_test_logits(kind, models_dir), cached_rule(kind, models_dir).score)
    values.setflags(write=False)
    return values


@st.cache_data
def cached_templates(models_dir: str) -> tuple[np.ndarray, np.ndarray]:
    """The softmax regression's W rows as (10, 28, 28) templates and its 10 biases."""
    linear = cached_model("linear", models_dir).linear
    return linear_templates(linear.weight.numpy()), linear.bias.numpy().astype(np.float64)


def explain_model_file_error(kind: str, err: ModelFileError) -> None:
    """What is wrong with the model's files, and the command that rebuilds them."""
    st.error(_("**The {model} cannot be used.** {error}").format(model=_(MODEL_NAMES[kind]), error=err),
             icon=":material/error:")
    st.code(rebuild_command(kind), language="bash", wrap_lines=True)
    st.caption(_("digits.broken_model_advice"))


def load_or_explain(kind: str, models_dir: str) -> nn.Module | None:
    """The cached model, or None after an error that names the file and the rebuild command."""
    try:
        return cached_model(kind, models_dir)
    except ModelFileError as err:
        explain_model_file_error(kind, err)
        return None


def model_is_usable(kind: str, models_dir: str) -> bool:
    """True when the model loads (its error, if any, is already shown beside the canvas)."""
    try:
        cached_model(kind, models_dir)
    except ModelFileError:
        return False
    return True


def model_card(kind: str, models_dir: str) -> None:
    """Parameters, accuracy and training set-up of the chosen model (an error if the card is unreadable)."""
    try:
        card = load_card(kind, Path(models_dir))
    except ModelFileError as err:
        explain_model_file_error(kind, err)
        return
    with st.expander(_("Model card: {model}").format(model=_(MODEL_LABELS[kind])), key=f"digits_card_{kind}"):
        st.dataframe(pd.DataFrame(card_rows(card), columns=["", _("value")]), hide_index=True, width="stretch")
