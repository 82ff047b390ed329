"""Why a model reads a drawing as it does: its logits, the linear model's templates and each pixel's share."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from playground.digits.reading import CLASS_NAMES
from playground.i18n import _
from playground.parsing import format_number
from playground.softmax import softmax as probabilities


def logits_table(logits: np.ndarray, temperature: float) -> pa.Table:
    """The 10 logits with their softmax probabilities at T = 1 and (when different) at ``temperature``.

    An Arrow table of full-precision floats: ``st.table`` shows it as it is (4 decimals, right-aligned).
    """
    z = np.asarray(logits, dtype=np.float64)
    columns = {_("digit"): list(CLASS_NAMES), _("logit"): z, "p (T = 1)": probabilities(z)}
    if temperature != 1:
        columns[f"p (T = {temperature:g})"] = probabilities(z, temperature)
    return pa.table(columns)


def explorer_query(logits: np.ndarray, temperature: float, target: int) -> dict[str, str]:
    """Query params that open the Softmax explorer on these 10 logits, with the digit names, the temperature
    and ``target`` (the predicted digit) as the true class. Every explorer key is given (shift 0), so the
    explorer has nothing to add to its URL, and no extra step to go Back through."""
    return {"logits": ",".join(f"{v:.4g}" for v in np.asarray(logits, dtype=np.float64)),
            "classes": ",".join(CLASS_NAMES), "T": format_number(temperature), "target": str(int(target)),
            "shift": format_number(0.0)}


def linear_templates(weight: np.ndarray) -> np.ndarray:
    """The rows of W (10, 784) of the softmax regression as (10, 28, 28) images."""
    w = np.asarray(weight, dtype=np.float64)
    if w.shape != (10, 784):
        raise ValueError(f"expected W of shape (10, 784), got {w.shape}")
    return w.reshape(10, 28, 28)


def contribution_map(form: np.ndarray, templates: np.ndarray, digit: int) -> np.ndarray:
    """Per-pixel contribution w_c ⊙ x of the input to class ``digit``; it sums to logit minus bias."""
    return np.asarray(templates[digit], dtype=np.float64) * np.asarray(form, dtype=np.float64)


def contribution_summary(digit: int, total: float, bias: float) -> str:
    """How one logit of the softmax regression adds up: Σ w·x plus the bias."""
    return _("logit of {digit} = Σ w·x ({total:+.2f}) + bias ({bias:+.2f}) = {logit:+.2f}").format(
        digit=digit, total=total, bias=bias, logit=total + bias)
