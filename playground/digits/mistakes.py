"""The MNIST test digits a model gets wrong: a table to sort and page through."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from playground.i18n import _, N_
from playground.softmax import softmax as probabilities

# The English keys are the radio's values; the page shows each one translated, with _().
SORT_ORDERS: dict[str, bool] = {N_("most confident first"): False, N_("least confident first"): True}


def mistakes(logits: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """The misread test digits: index, true and predicted label, and the predicted class's probability."""
    probs = probabilities(np.asarray(logits, dtype=np.float64))
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(labels))
    return pd.DataFrame({
        "index": wrong,
        "true": np.asarray(labels)[wrong].astype(int),
        "predicted": predicted[wrong].astype(int),
        "probability": probs[wrong, predicted[wrong]],
    })


def sort_mistakes(table: pd.DataFrame, order: str) -> pd.DataFrame:
    """Sort the mistakes by the model's confidence (``order`` is a key of SORT_ORDERS), index breaks ties."""
    ordered = table.sort_values(["probability", "index"], ascending=[SORT_ORDERS[order], True], kind="stable")
    return ordered.reset_index(drop=True)


def page_count(n_rows: int, page_size: int) -> int:
    """How many pages ``n_rows`` need at ``page_size`` per page (at least 1)."""
    return max(1, math.ceil(n_rows / page_size))


def page_of(table: pd.DataFrame, page: int, page_size: int) -> pd.DataFrame:
    """Rows of the 1-based ``page``; pages past the end are clamped to the last one."""
    page = min(max(1, page), page_count(len(table), page_size))
    return table.iloc[(page - 1) * page_size: page * page_size]


def mistake_caption(row: Any) -> str:
    """Short caption for one misread digit: true label, predicted label and probability."""
    return _("true {true} → {predicted} ({probability:.1%})").format(
        true=row.true, predicted=row.predicted, probability=row.probability)
