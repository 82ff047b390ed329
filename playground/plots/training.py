"""Figures for the Training lab: loss curves (live, compared, by hand) and per-sample probabilities.

Pure Plotly: plain numbers in, ``go.Figure`` out. NaN and inf losses are drawn as marked
points at the top of the finite range rather than passed to Plotly, so no chart ever breaks.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
CLASS_NAMES = ["class 0", "class 1", "class 2"]


def finite_or_none(values: Sequence[float]) -> list[float | None]:
    """Values with NaN/inf replaced by ``None`` (a gap Plotly can draw)."""
    return [v if math.isfinite(v) else None for v in values]


def non_finite_points(values: Sequence[float], log_y: bool = False) -> tuple[list[int], list[float], list[str]]:
    """``(epochs, y positions, labels)`` for NaN/inf losses, pinned at the largest finite loss."""
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not log_y)]
    top = max(finite, default=1.0)
    points = [(i, "NaN" if math.isnan(v) else ("+inf" if v > 0 else "-inf"))
              for i, v in enumerate(values) if not math.isfinite(v)]
    return [i for i, _ in points], [top] * len(points), [label for _, label in points]


def _layout(fig: go.Figure, title: str, log_y: bool, y_title: str = "loss") -> go.Figure:
    fig.update_layout(title=title, height=340, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
                      hovermode="x unified")
    fig.update_xaxes(title="epoch", rangemode="tozero")
    fig.update_yaxes(title=y_title + (" (log scale)" if log_y else ""), type="log" if log_y else "linear",
                     exponentformat="e" if log_y else "none")
    return fig


def _add_loss_trace(fig: go.Figure, losses: Sequence[float], name: str, color: str, log_y: bool,
                    dash: str | None = None) -> None:
    fig.add_trace(go.Scatter(x=list(range(len(losses))), y=finite_or_none(losses), mode="lines",
                             name=name, line=dict(color=color, width=2, dash=dash)))
    xs, ys, labels = non_finite_points(losses, log_y)
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=labels, textposition="top center",
                                 marker=dict(symbol="x", size=12, color=color), name=f"{name}: not finite",
                                 hovertemplate="epoch %{x}: loss %{text}<extra></extra>"))


def loss_curve_figure(losses: Sequence[float], *, log_y: bool = False, title: str = "Training loss") -> go.Figure:
    """The current run's loss per epoch, with non-finite losses marked by an x."""
    fig = go.Figure()
    _add_loss_trace(fig, losses, "loss", PALETTE[0], log_y)
    fig.update_traces(selector=dict(mode="lines"), mode="lines+markers" if len(losses) <= 60 else "lines",
                      marker=dict(size=5))
    fig.update_layout(showlegend=False)
    return _layout(fig, title, log_y)


def comparison_figure(runs: Sequence[tuple[str, Sequence[float]]], *, log_y: bool = True) -> go.Figure:
    """Loss curves of several runs overlaid, one colour per run, labelled (e.g. by lr)."""
    fig = go.Figure()
    for index, (label, losses) in enumerate(runs):
        _add_loss_trace(fig, losses, label, PALETTE[index % len(PALETTE)], log_y)
    return _layout(fig, "Runs compared (same initial weights)", log_y)


def probabilities_figure(probs: Sequence[Sequence[float]], y_true: Sequence[int]) -> go.Figure:
    """Heatmap of each training sample's predicted probabilities; the true class is outlined."""
    rows = [[float(p) for p in row] for row in probs]
    samples = [f"sample {i}" for i in range(len(rows))]
    classes = CLASS_NAMES[: len(rows[0])] if rows else CLASS_NAMES
    text = [[f"{p:.2f}" if math.isfinite(p) else "NaN" for p in row] for row in rows]
    fig = go.Figure(go.Heatmap(z=[[p if math.isfinite(p) else None for p in row] for row in rows],
                               x=classes, y=samples, zmin=0, zmax=1, colorscale="Blues", text=text,
                               texttemplate="%{text}", colorbar=dict(title="p", thickness=12),
                               hovertemplate="%{y}, %{x}: p = %{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[classes[int(c)] for c in y_true], y=samples, mode="markers",
                             marker=dict(symbol="square-open", size=34, color="#d62728", line=dict(width=3)),
                             name="true class", hovertemplate="%{y}: true class is %{x}<extra></extra>"))
    fig.update_layout(title="Probabilities per sample (red box: true class)",
                      height=340, margin=dict(l=10, r=10, t=50, b=10), showlegend=False)
    fig.update_yaxes(autorange="reversed")
    return fig


def low_level_figure(hand_losses: Sequence[float], reference_losses: Sequence[float], *,
                     log_y: bool = False) -> go.Figure:
    """The by-hand one-hot loss and ``F.cross_entropy`` at the same weights, overlaid."""
    fig = go.Figure()
    _add_loss_trace(fig, hand_losses, "by hand (one-hot)", PALETTE[3], log_y)
    _add_loss_trace(fig, reference_losses, "F.cross_entropy", PALETTE[0], log_y, dash="dot")
    return _layout(fig, "By hand vs F.cross_entropy", log_y)
