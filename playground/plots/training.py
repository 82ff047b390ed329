"""Figures for the Training lab: loss curves (live, compared, by hand) and per-sample probabilities.

Pure Plotly: plain numbers in, ``go.Figure`` out. NaN and inf losses are drawn as marked
points at the top of the finite range rather than passed to Plotly, so no chart ever breaks.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from playground.i18n import _, N_

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
MAX_POINTS = 1500


def display_series(values: Sequence[float], max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """``(epochs, losses)`` to draw: NaN gaps for non-finite values, long runs thinned to ~``max_points``.

    Thinning keeps each bucket's lowest and highest point, so oscillations stay visible; numpy
    arrays also spare Plotly its per-element validation, which keeps a Play tick cheap.
    """
    y = np.asarray(values, dtype=np.float64).reshape(-1)
    y = np.where(np.isfinite(y), y, np.nan)
    x = np.arange(len(y))
    if len(y) <= max_points:
        return x, y
    size = math.ceil(len(y) / (max_points // 2))
    padded = np.full(math.ceil(len(y) / size) * size, np.nan)
    padded[: len(y)] = y
    buckets = padded.reshape(-1, size)
    starts = np.arange(len(buckets)) * size
    lows = starts + np.argmin(np.where(np.isnan(buckets), np.inf, buckets), axis=1)
    highs = starts + np.argmax(np.where(np.isnan(buckets), -np.inf, buckets), axis=1)
    keep = np.unique(np.concatenate([lows, highs, [len(y) - 1]]))
    keep = keep[keep < len(y)]
    return keep, y[keep]


def non_finite_points(values: Sequence[float], log_y: bool = False) -> tuple[list[int], list[float], list[str]]:
    """``(epochs, y positions, labels)`` for NaN/inf losses, pinned at the largest finite loss."""
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not log_y)]
    top = max(finite, default=1.0)
    points = [(i, "NaN" if math.isnan(v) else ("+inf" if v > 0 else "-inf"))
              for i, v in enumerate(values) if not math.isfinite(v)]
    return [i for i, _ in points], [top] * len(points), [label for _, label in points]


def _layout(title: str, log_y: bool, **extra: object) -> dict:
    """Shared layout for loss charts, as one dict (one validation pass is much cheaper than updates)."""
    extra.setdefault("height", 340)
    return dict(title=dict(text=title), margin=dict(l=10, r=10, t=50, b=10),
                legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
                hovermode="x unified", xaxis=dict(title=dict(text=_("epoch")), rangemode="tozero"),
                yaxis=dict(title=dict(text=_("loss (log scale)") if log_y else _("loss")),
                           type="log" if log_y else "linear", exponentformat="e" if log_y else "none"),
                **extra)


def loss_traces(losses: Sequence[float], name: str, color: str, log_y: bool, *, dash: str | None = None,
                markers: bool = False) -> list[dict]:
    """A loss line (gaps at non-finite values) plus, if any, x markers labelled NaN/inf."""
    x, y = display_series(losses)
    traces = [dict(type="scatter", x=x, y=y,
                   mode="lines+markers" if markers else "lines", name=name,
                   line=dict(color=color, width=2, dash=dash), marker=dict(size=5))]
    xs, ys, labels = non_finite_points(losses, log_y)
    if xs:
        traces.append(dict(type="scatter", x=xs, y=ys, mode="markers+text", text=labels,
                           textposition="top center", marker=dict(symbol="x", size=12, color=color),
                           name=_("{name}: not finite").format(name=name),
                           hovertemplate=_("epoch %{x}: loss %{text}") + "<extra></extra>"))
    return traces


def loss_curve_figure(losses: Sequence[float], *, log_y: bool = False, title: str = N_("Training loss")) -> go.Figure:
    """The current run's loss per epoch, with non-finite losses marked by an x (``title`` shown with ``_``)."""
    traces = loss_traces(losses, _("loss"), PALETTE[0], log_y, markers=len(losses) <= 60)
    return go.Figure(data=traces, layout=_layout(_(title), log_y, showlegend=False))


def comparison_figure(runs: Sequence[tuple[str, Sequence[float]]], *, log_y: bool = True) -> go.Figure:
    """Loss curves of several runs overlaid, one colour per run, labelled (e.g. by lr)."""
    traces = [trace for index, (label, losses) in enumerate(runs)
              for trace in loss_traces(losses, label, PALETTE[index % len(PALETTE)], log_y)]
    return go.Figure(data=traces, layout=_layout(_("Runs compared (same initial weights)"), log_y,
                                                   showlegend=True))


def probabilities_figure(probs: Sequence[Sequence[float]], y_true: Sequence[int]) -> go.Figure:
    """Heatmap of each training sample's predicted probabilities; the true class's cell is outlined in red."""
    rows = [[float(p) for p in row] for row in probs]
    samples = [_("sample {i}").format(i=i) for i in range(len(rows))]
    classes = [_("class {c}").format(c=c) for c in range(len(rows[0]) if rows else 3)]
    text = [[f"{p:.2f}" if math.isfinite(p) else "NaN" for p in row] for row in rows]
    heatmap = dict(type="heatmap", z=[[p if math.isfinite(p) else None for p in row] for row in rows],
                   x=classes, y=samples, zmin=0, zmax=1, colorscale="Blues", text=text,
                   texttemplate="%{text}", colorbar=dict(title=dict(text="p"), thickness=12),
                   hovertemplate="%{y}, %{x}: p = %{text}<extra></extra>")
    outlines = [dict(type="rect", xref="x", yref="y", x0=int(c) - 0.5, x1=int(c) + 0.5, y0=i - 0.5, y1=i + 0.5,
                     line=dict(color="#d62728", width=3)) for i, c in enumerate(y_true)]
    layout = dict(title=dict(text=_("Probabilities per sample (red box: true class)")), height=340,
                  margin=dict(l=10, r=10, t=50, b=10), showlegend=False, shapes=outlines,
                  yaxis=dict(autorange="reversed"))
    return go.Figure(data=[heatmap], layout=layout)


def low_level_figure(hand_losses: Sequence[float], reference_losses: Sequence[float], *,
                     log_y: bool = False) -> go.Figure:
    """The by-hand one-hot loss, and below it, on its own axis, its difference from ``F.cross_entropy``.

    The two losses agree to float rounding, so drawn together they would merge into one zig-zag band.
    """
    hand, reference = (np.asarray(v, dtype=np.float64) for v in (hand_losses, reference_losses))
    with np.errstate(invalid="ignore"):
        difference = np.where(np.isfinite(hand) & np.isfinite(reference), hand - reference, np.nan)
    x, y = display_series(difference)
    traces = loss_traces(hand_losses, _("by hand (one-hot)"), PALETTE[3], log_y)
    traces.append(dict(type="scatter", x=x, y=y, mode="lines", name=_("by hand − F.cross_entropy"),
                       line=dict(color=PALETTE[0], width=1), xaxis="x", yaxis="y2"))
    layout = _layout(_("By hand, and its difference from F.cross_entropy"), log_y, height=420)
    layout["yaxis"]["domain"] = [0.42, 1.0]
    layout["yaxis2"] = dict(domain=[0.0, 0.3], anchor="x", title=dict(text=_("difference")), exponentformat="e",
                            zeroline=True)
    layout["xaxis"]["anchor"] = "y2"
    return go.Figure(data=traces, layout=layout)
