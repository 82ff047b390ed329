"""The explorer's tables: softmax step by step, and naive against stable, as text columns for display."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from playground.i18n import N_, _
from playground.softmax import ArrayLike, _as_vector, naive_softmax, softmax


def softmax_steps(logits: ArrayLike, class_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The stable softmax taken apart, as columns: one row per class plus a last row with the sums (NaN
    where a sum means nothing)."""
    z = _as_vector(logits)
    shifted = z - z.max()
    exps = np.exp(shifted)
    p = exps / exps.sum()
    return {N_("class"): np.array([*class_names, _("sum")], dtype=object), "z": np.append(z, np.nan),
            "z − max": np.append(shifted, np.nan), "e^(z − max)": np.append(exps, exps.sum()),
            N_("p = e^(z − max) / sum"): np.append(p, p.sum())}


def naive_vs_stable(logits: ArrayLike, class_names: Sequence[str]) -> dict[str, np.ndarray]:
    """Side by side, as columns: ``e^z``, the naive softmax and the stable softmax for each class."""
    z = _as_vector(logits)
    with np.errstate(over="ignore", under="ignore"):
        exps = np.exp(z)
    return {N_("class"): np.array(list(class_names), dtype=object), "z": z, "e^z": exps,
            N_("naive e^z / Σ e^z"): naive_softmax(z), N_("stable softmax"): softmax(z)}


def as_text(table: Mapping[str, npt.ArrayLike], formats: Mapping[str, str], blank_nan: bool = True) -> pa.Table:
    """The columns ready to show, with the listed ones formatted as text, as an Arrow table.

    ``st.table`` sends an Arrow table as it is, so building it straight from the columns skips a pandas
    DataFrame and its conversion on every rerun of the explorer.
    NaN marks "not applicable" (blank) unless ``blank_nan`` is False, where it is a result to show.
    ``formats`` is keyed by the English column names; the headers shown are in the page's language.
    """
    columns = {}
    for name, values in table.items():
        spec = formats.get(name)
        columns[_(name)] = values if spec is None else [
            "" if blank_nan and math.isnan(v) else format(v, spec) for v in np.asarray(values, dtype=float).tolist()]
    return pa.table(columns)
