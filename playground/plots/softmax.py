"""Plotly figures for the Softmax explorer: data in, ``go.Figure`` out, no Streamlit."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go

from playground.softmax import TEMPERATURE_OPTIONS, softmax

SOFTMAX_COLOR = "#4f46e5"
SIGMOID_COLOR = "#f59e0b"
TARGET_COLOR = "#dc2626"
OTHER_COLOR = "#64748b"
_LAYOUT = dict(
    template="plotly_white", margin=dict(l=10, r=10, t=50, b=10), height=380,
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
)


def _bar_text_size(n_classes: int) -> int:
    """Smaller bar labels when there are many classes, so they stay readable."""
    return 12 if n_classes <= 6 else 10 if n_classes <= 12 else 8


def probability_bars(class_names: Sequence[str], softmax_p: npt.ArrayLike, sigmoid_p: npt.ArrayLike) -> go.Figure:
    """Grouped bars: softmax probability of each class next to the sigmoid of its logit alone."""
    softmax_p, sigmoid_p = np.asarray(softmax_p, float), np.asarray(sigmoid_p, float)
    names = list(class_names)
    text_size = _bar_text_size(len(names))
    fig = go.Figure()
    for label, values, color in [
        (f"softmax (sum = {softmax_p.sum():.4f})", softmax_p, SOFTMAX_COLOR),
        (f"sigmoid of each logit alone (sum = {sigmoid_p.sum():.4f})", sigmoid_p, SIGMOID_COLOR),
    ]:
        fig.add_bar(x=names, y=values, name=label, marker_color=color, texttemplate="%{y:.4f}",
                    textposition="outside", textfont_size=text_size, cliponaxis=False)
    fig.update_layout(barmode="group", yaxis=dict(title="probability", range=[0, 1.12]),
                      xaxis=dict(type="category"), **_LAYOUT)
    return fig


def temperature_sweep(logits: npt.ArrayLike, class_names: Sequence[str], temperature: float) -> go.Figure:
    """Softmax probability of every class as the temperature goes from 0.05 to 20 (log x-axis)."""
    grid = np.geomspace(TEMPERATURE_OPTIONS[0], TEMPERATURE_OPTIONS[-1], 121)
    z = np.asarray(logits, float)
    probabilities = softmax(z[np.newaxis, :] / grid[:, np.newaxis])
    fig = go.Figure()
    for index, name in enumerate(class_names):
        fig.add_scatter(x=grid, y=probabilities[:, index], mode="lines", name=str(name))
    fig.add_vline(x=temperature, line_dash="dash", line_color="#1f2330",
                  annotation_text=f"T = {temperature:g}", annotation_position="top")
    ticks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
    fig.update_layout(xaxis=dict(type="log", title="temperature T (log scale)", tickvals=ticks,
                                 ticktext=[f"{t:g}" for t in ticks]),
                      yaxis=dict(title="softmax probability", range=[0, 1.02]), **_LAYOUT)
    return fig


def gradient_bars(class_names: Sequence[str], gradient: npt.ArrayLike, target: int) -> go.Figure:
    """Bars of the cross-entropy gradient ``p - onehot(y)``; the true class is highlighted."""
    gradient = np.asarray(gradient, float)
    names = list(class_names)
    colors = [TARGET_COLOR if i == target else OTHER_COLOR for i in range(len(names))]
    fig = go.Figure(go.Bar(x=names, y=gradient, marker_color=colors, texttemplate="%{y:.4f}",
                           textposition="outside", textfont_size=_bar_text_size(len(names)),
                           cliponaxis=False, name="p − y"))
    low = min(-1.0, float(gradient.min()))
    high = max(1.0, float(gradient.max()))
    fig.update_layout(yaxis=dict(title="∂L/∂z = p − y", range=[low * 1.15, high * 1.15], zeroline=True),
                      xaxis=dict(type="category"), showlegend=False, **_LAYOUT)
    return fig
