"""Charts for the Softmax explorer, as inline SVG (``playground.plots.svg``): data in, HTML out, no Streamlit.

The explorer redraws all three charts on every edit, so they are drawn on the server as a few kilobytes
of SVG rather than as Plotly figures (see ``playground.plots.svg`` for why).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from playground.plots.svg import LINE_PALETTE, Series, bar_chart, line_chart
from playground.i18n import _
from playground.parsing import TEMPERATURE_OPTIONS
from playground.softmax import softmax

SOFTMAX_COLOR = "#4f46e5"
SIGMOID_COLOR = "#f59e0b"
TARGET_COLOR = "#dc2626"
OTHER_COLOR = "#64748b"
SWEEP_POINTS = 121
PROBABILITY_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
SWEEP_TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20)


def probability_bars(class_names: Sequence[str], softmax_p: npt.ArrayLike, sigmoid_p: npt.ArrayLike) -> str:
    """Grouped bars: softmax probability of each class next to the sigmoid of its logit alone."""
    softmax_p, sigmoid_p = np.asarray(softmax_p, float), np.asarray(sigmoid_p, float)
    return bar_chart(
        [str(name) for name in class_names],
        [Series(_("softmax (sum = {total:.4f})").format(total=softmax_p.sum()), softmax_p, SOFTMAX_COLOR),
         Series(_("sigmoid of each logit alone (sum = {total:.4f})").format(total=sigmoid_p.sum()), sigmoid_p,
                SIGMOID_COLOR)],
        y_range=(0.0, 1.0), y_ticks=PROBABILITY_TICKS, y_label=_("probability"),
        aria_label=_("Softmax probability and sigmoid of each class"), chart_id="softmax_bars",
    )


def temperature_sweep(logits: npt.ArrayLike, class_names: Sequence[str], temperature: float) -> str:
    """Softmax probability of every class as the temperature goes from 0.05 to 20 (log x-axis)."""
    grid = np.geomspace(TEMPERATURE_OPTIONS[0], TEMPERATURE_OPTIONS[-1], SWEEP_POINTS)
    z = np.asarray(logits, float)
    probabilities = softmax(z[np.newaxis, :] / grid[:, np.newaxis])
    lines = [Series(str(name), probabilities[:, index], LINE_PALETTE[index % len(LINE_PALETTE)])
             for index, name in enumerate(class_names)]
    return line_chart(
        grid, lines, y_range=(0.0, 1.0), y_ticks=PROBABILITY_TICKS, y_label=_("softmax probability"),
        x_ticks=SWEEP_TICKS, log_x=True, marker_x=temperature,
        x_label=_("temperature T (log scale); dashed line: T = {temperature:g}").format(temperature=temperature),
        aria_label=_("Softmax probability of each class as the temperature changes"), chart_id="softmax_sweep",
    )


def gradient_bars(class_names: Sequence[str], gradient: npt.ArrayLike, target: int) -> str:
    """Bars of the cross-entropy gradient ``p - onehot(y)``; the true class is highlighted."""
    gradient = np.asarray(gradient, float)
    colors = [TARGET_COLOR if i == target else OTHER_COLOR for i in range(len(gradient))]
    return bar_chart(
        [str(name) for name in class_names], [Series("p − y", gradient, colors)],
        y_range=(-1.2, 1.2), y_ticks=(-1.0, -0.5, 0.0, 0.5, 1.0), y_label="∂L/∂z = p − y",
        aria_label=_("Cross-entropy gradient p − y of each logit"), chart_id="softmax_gradient", legend=False,
    )
