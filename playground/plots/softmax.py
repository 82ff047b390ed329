"""Plotly figures for the Softmax explorer: data in, ``go.Figure`` out, no Streamlit.

Each figure is built from one dict in a single ``go.Figure(...)`` call: Plotly validates it once,
which is several times faster than ``add_trace``/``update_layout`` step by step (every rerun
of the page rebuilds its figures).
"""
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
SWEEP_POINTS = 121
_LEGEND_ON_TOP = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0)
_MARGIN = dict(l=10, r=10, t=50, b=10)
_HEIGHT = 380


def _bar_text_size(n_classes: int) -> int:
    """Smaller bar labels when there are many classes, so they stay readable."""
    return 12 if n_classes <= 6 else 10 if n_classes <= 12 else 8


def _labelled_bars(names: list[str], values: np.ndarray, name: str, color: str | list[str]) -> dict:
    """One bar trace with its value printed above (or below) each bar to 4 decimals."""
    return dict(type="bar", x=names, y=values, name=name, marker=dict(color=color), texttemplate="%{y:.4f}",
                textposition="outside", textfont=dict(size=_bar_text_size(len(names))), cliponaxis=False)


def probability_bars(class_names: Sequence[str], softmax_p: npt.ArrayLike, sigmoid_p: npt.ArrayLike) -> go.Figure:
    """Grouped bars: softmax probability of each class next to the sigmoid of its logit alone."""
    softmax_p, sigmoid_p = np.asarray(softmax_p, float), np.asarray(sigmoid_p, float)
    names = [str(name) for name in class_names]
    return go.Figure(dict(
        data=[
            _labelled_bars(names, softmax_p, f"softmax (sum = {softmax_p.sum():.4f})", SOFTMAX_COLOR),
            _labelled_bars(names, sigmoid_p, f"sigmoid of each logit alone (sum = {sigmoid_p.sum():.4f})",
                           SIGMOID_COLOR),
        ],
        layout=dict(barmode="group", yaxis=dict(title=dict(text="probability"), range=[0, 1.12]),
                    xaxis=dict(type="category"), legend=_LEGEND_ON_TOP, margin=_MARGIN, height=_HEIGHT),
    ))


def temperature_sweep(logits: npt.ArrayLike, class_names: Sequence[str], temperature: float) -> go.Figure:
    """Softmax probability of every class as the temperature goes from 0.05 to 20 (log x-axis)."""
    grid = np.geomspace(TEMPERATURE_OPTIONS[0], TEMPERATURE_OPTIONS[-1], SWEEP_POINTS)
    z = np.asarray(logits, float)
    probabilities = softmax(z[np.newaxis, :] / grid[:, np.newaxis])
    lines = [dict(type="scatter", mode="lines", x=grid, y=probabilities[:, index], name=str(name))
             for index, name in enumerate(class_names)]
    ticks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
    marker = dict(type="line", xref="x", yref="paper", x0=temperature, x1=temperature, y0=0, y1=1,
                  line=dict(dash="dash", color="#1f2330"))
    return go.Figure(dict(data=lines, layout=dict(
        xaxis=dict(type="log", title=dict(text=f"temperature T (log scale); dashed line: T = {temperature:g}"),
                   tickvals=ticks, ticktext=[f"{t:g}" for t in ticks]),
        yaxis=dict(title=dict(text="softmax probability"), range=[0, 1.02]),
        shapes=[marker], legend=_LEGEND_ON_TOP, margin=_MARGIN, height=_HEIGHT,
    )))


def gradient_bars(class_names: Sequence[str], gradient: npt.ArrayLike, target: int) -> go.Figure:
    """Bars of the cross-entropy gradient ``p - onehot(y)``; the true class is highlighted."""
    gradient = np.asarray(gradient, float)
    names = [str(name) for name in class_names]
    colors = [TARGET_COLOR if i == target else OTHER_COLOR for i in range(len(names))]
    reach = 1.15 * max(1.0, float(np.abs(gradient).max()))
    return go.Figure(dict(
        data=[_labelled_bars(names, gradient, "p − y", colors)],
        layout=dict(yaxis=dict(title=dict(text="∂L/∂z = p − y"), range=[-reach, reach], zeroline=True),
                    xaxis=dict(type="category"), showlegend=False, margin=_MARGIN, height=_HEIGHT),
    ))
