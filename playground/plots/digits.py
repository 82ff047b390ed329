"""Charts for the Digit canvas page: data in, figure out, no Streamlit. The probability bars are SVG
(``playground.plots.svg``), the weight templates a Plotly heatmap.

Small multiples (the templates) are drawn as one heatmap of a mosaic with NaN gutters rather than
many subplots: one trace is much faster to build and to send.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go

from playground.i18n import _
from playground.plots.svg import Series, bar_chart

TOP_COLOR = "#4f46e5"
NOT_DIGIT_COLOR = "#cbd5e1"  # score bins where the page says "not a digit"
RUNNER_UP_COLOR = "#f59e0b"
OTHER_COLOR = "#94a3b8"
GUTTER = 3  # NaN pixels between the columns of a mosaic
ROW_GUTTER = 8  # NaN pixels between its rows, room for the tile titles
DIVERGING = "RdBu_r"  # red = pushes toward the class, blue = pushes away


def probability_bars(probs: npt.ArrayLike, top: int, runner_up: int | None = None,
                     title: str | None = None) -> str:
    """SVG bars of the 10 class probabilities (redrawn on every stroke, so no Plotly); the top class, and a
    runner-up when given, highlighted. ``title`` (the y axis) defaults to "probabilities"."""
    p = np.asarray(probs, dtype=np.float64)
    colors = [OTHER_COLOR] * len(p)
    if runner_up is not None:
        colors[runner_up] = RUNNER_UP_COLOR
    colors[top] = TOP_COLOR
    return bar_chart([str(i) for i in range(len(p))], [Series("p", p, colors)], y_range=(0.0, 1.0),
                     y_ticks=(0.0, 0.25, 0.5, 0.75, 1.0), y_label=_("probabilities") if title is None else title,
                     aria_label=_("Probability of each digit"),
                     chart_id="digits_bars", value_format="{:.0%}", tick_format="{:.0%}", height=240, legend=False)


def score_bins(test_scores: npt.ArrayLike, drawing_score: float, score_name: str,
               bins: int = 9) -> np.ndarray:
    """Bin edges for the score chart: 0.1 to 1 for the max softmax probability (never below 1/10), else
    evenly across the real digits' scores and the drawing's."""
    if score_name == "msp":
        return np.linspace(0.1, 1.0, bins + 1)
    values = np.asarray(test_scores, dtype=np.float64)
    low, high = min(values.min(), drawing_score), max(values.max(), drawing_score)
    return np.linspace(np.floor(low), np.ceil(high), bins + 1)


def score_chart(test_scores: npt.ArrayLike, drawing_score: float, not_digit_below: float, score_name: str) -> str:
    """SVG bars over score bins (each named by its lower edge): the share of real MNIST test digits in each
    (grey where the page says "not a digit"), and a full-height amber bar at the bin of this drawing's score."""
    values = np.asarray(test_scores, dtype=np.float64)
    edges = score_bins(values, drawing_score, score_name)
    counts = np.histogram(np.clip(values, edges[0], edges[-1]), edges)[0]
    share = counts / max(len(values), 1)
    mine = np.zeros(len(share))
    mine[int(np.clip(np.searchsorted(edges, drawing_score, side="right") - 1, 0, len(share) - 1))] = 1.0
    colors = [NOT_DIGIT_COLOR if high <= not_digit_below else TOP_COLOR for high in edges[1:]]
    series = [Series(_("real digits"), share, colors), Series(_("your drawing"), mine, RUNNER_UP_COLOR)]
    return bar_chart([f"{low:.2g}" for low in edges[:-1]], series, y_range=(0.0, 1.0), y_ticks=(0.0, 0.5, 1.0),
                     y_label=_("share of real digits"),
                     aria_label=_("Scores of real MNIST test digits and of this drawing"),
                     chart_id="digits_scores", value_format="{:.0%}", tick_format="{:.0%}", height=190)


def _square_axes(fig: go.Figure) -> None:
    """Hide the axes, keep pixels square and put row 0 at the top, like an image."""
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")


def mosaic(tiles: npt.ArrayLike, columns: int, gutter: int = GUTTER,
           row_gutter: int = ROW_GUTTER) -> tuple[np.ndarray, np.ndarray]:
    """Lay (N, h, w) tiles on a grid with NaN gutters; returns (z, tile index per cell, -1 in gutters)."""
    tiles = np.asarray(tiles, dtype=np.float64)
    n, h, w = tiles.shape
    rows = -(-n // columns)
    z = np.full((rows * (h + row_gutter) - row_gutter, columns * (w + gutter) - gutter), np.nan)
    owner = np.full(z.shape, -1, dtype=int)
    for i in range(n):
        r, c = divmod(i, columns)
        top, left = r * (h + row_gutter), c * (w + gutter)
        z[top: top + h, left: left + w] = tiles[i]
        owner[top: top + h, left: left + w] = i
    return z, owner


def _tile_labels(owner: np.ndarray, names: Sequence[str]) -> np.ndarray:
    lookup = np.array([*names, ""], dtype=object)
    return lookup[owner]  # owner -1 picks the trailing "" for gutters


def _mosaic_figure(tiles: np.ndarray, names: Sequence[str], columns: int, zmax: float, height: int,
                   title: str, hover_value: str, scale_title: str) -> go.Figure:
    """One diverging heatmap of the tiles on one shared scale, each tile titled, the scale labelled right
    under the tiles, and the tile's name and value on hover."""
    z, owner = mosaic(tiles, columns)
    h, w = tiles.shape[1:]
    fig = go.Figure(go.Heatmap(
        z=z, customdata=_tile_labels(owner, names), colorscale=DIVERGING, zmin=-zmax, zmax=zmax, zmid=0,
        hoverongaps=False,
        colorbar=dict(orientation="h", thickness=12, len=0.6, y=-0.02, yanchor="top", title=dict(text=scale_title,
                      side="bottom")),
        hovertemplate="%{customdata}: " + hover_value + " = %{z:.3f}<extra></extra>",
    ))
    for i, name in enumerate(names):
        r, c = divmod(i, columns)
        fig.add_annotation(x=c * (w + GUTTER) + (w - 1) / 2, y=r * (h + ROW_GUTTER) - 0.6, text=name,
                           showarrow=False, yanchor="bottom", font=dict(size=12))
    _square_axes(fig)
    fig.update_layout(height=height, margin=dict(l=4, r=4, t=50, b=70), title=title)
    return fig


def template_grid(templates: npt.ArrayLike) -> go.Figure:
    """The 10 rows of W as 28×28 templates in a 2×5 grid, large, on one diverging colour scale centred at 0.

    The scale ends at the 99th percentile of |w|, so a few extreme pixels do not wash out every template's
    shape (stronger weights show at full colour; hovering gives the exact value).
    """
    t = np.asarray(templates, dtype=np.float64)
    zmax = float(np.percentile(np.abs(t), 99)) or 1.0
    return _mosaic_figure(t, [_("digit {d}").format(d=d) for d in range(len(t))], columns=5, zmax=zmax, height=520,
                          title=_("The rows of W: one 28×28 template per digit"), hover_value="w",
                          scale_title=_("weight w (one scale for all ten; red raises that digit's logit, blue "
                                        "lowers it; full colour from ±{zmax:.2f})").format(zmax=zmax))
