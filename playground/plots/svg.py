"""Charts drawn on the server as inline SVG: bars and lines with axes, labels, a legend and hover titles.

The explorer redraws every chart on each edit. As Plotly figures they cost each browser a large library
on first load and Plotly's script and layout on every update; as SVG they are a few kilobytes of markup
(figures in the README, "Classroom and deployment"). x positions are percentages and y positions pixels, so a chart stretches to any
column width while its text keeps its size. Every mark carries its exact value in ``data-`` attributes
(what tests read) and a ``<title>`` (what a hover shows).

No Streamlit here: the pages show the returned HTML with ``pages/_ui.show_chart``, which sets it as the
innerHTML of a small component (``st.html`` sanitises SVG away). Every piece of text goes through
``_escape``, so a class name cannot inject markup.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt

PLOT_LEFT, PLOT_RIGHT = 9.0, 98.0  # % of the chart's width
TOP_GAP, BOTTOM_GAP = 24, 30  # px above the plot (bar labels) and below it (category or tick labels)
AXIS_LABEL_GAP = 18  # px under the tick labels for an x-axis title
MAX_LABELLED_BARS = 12  # more bars than this and the values move to the hover titles only
MAX_NAME_CHARS = 12  # longer category names are cut with "…" under the axis (the title keeps them whole)
LINE_PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880",
                "#ff97ff", "#fecb52")  # Plotly's default sequence, so the colours feel familiar
_MUTED = 'stroke="currentColor" stroke-opacity="0.18"'
PLOT_BOX = 1000  # the line plot's own coordinates, stretched over the plot area


@dataclass(frozen=True)
class Series:
    """One set of bars or one line: its legend name, values and colour (or one colour per bar)."""

    name: str
    values: npt.ArrayLike
    color: str | Sequence[str]

    def colors(self, count: int) -> list[str]:
        return [self.color] * count if isinstance(self.color, str) else list(self.color)


def _escape(text: str) -> str:
    """Text as safe HTML on one line: newlines would let Markdown end the HTML block early."""
    return escape(" ".join(str(text).split()))


def _x_percent(fraction: float) -> str:
    """A position across the plot area (0 = left edge, 1 = right edge) as an SVG percentage."""
    return f"{PLOT_LEFT + fraction * (PLOT_RIGHT - PLOT_LEFT):.3f}%"


def _y_pixel(value: float, y_range: tuple[float, float], height: int) -> float:
    """Pixel row of ``value`` (clipped to the range) in a chart ``height`` px tall."""
    low, high = y_range
    top, bottom = TOP_GAP, height - BOTTOM_GAP
    share = (min(max(value, low), high) - low) / (high - low)
    return bottom - share * (bottom - top)


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"


def _text(x: str, y: float, content: str, anchor: str = "middle", size: int = 12, extra: str = "") -> str:
    return (f'<text x="{x}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="currentColor"{extra}>'
            f"{_escape(content)}</text>")


def _legend(series: Sequence[Series]) -> str:
    """An HTML legend above the chart: it wraps on a narrow screen instead of overlapping the plot."""
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;gap:0.3em;margin-right:1em">'
        f'<span style="width:0.8em;height:0.8em;border-radius:2px;background:{_escape(s.colors(1)[0])}"></span>'
        f"{_escape(s.name)}</span>" for s in series)
    return f'<div class="sp-legend" style="font-size:0.85rem;line-height:1.6">{items}</div>'


def _y_axis(y_range: tuple[float, float], ticks: Sequence[float], tick_format: str, label: str,
            height: int) -> str:
    """Horizontal grid lines with their values at the left, and the axis name above the plot."""
    parts = [_text("0", 12, label, anchor="start", size=11, extra=' fill-opacity="0.75"')]
    for tick in ticks:
        y = _y_pixel(tick, y_range, height)
        parts.append(f'<line x1="{_x_percent(0)}" x2="{_x_percent(1)}" y1="{y:.1f}" y2="{y:.1f}" {_MUTED}/>')
        parts.append(_text(f"{PLOT_LEFT - 1:.1f}%", y + 4, tick_format.format(tick), anchor="end", size=11))
    return "".join(parts)


def _figure(svg_body: str, height: int, aria_label: str, chart_id: str, legend: str = "") -> str:
    """Wrap the marks in an accessible, full-width SVG with the legend above it; ``chart_id`` names it."""
    return (f'<figure class="sp-chart" data-chart="{_escape(chart_id)}" style="margin:0" role="group" '
            f'aria-label="{_escape(aria_label)}">{legend}'
            f'<svg width="100%" height="{height}" role="img" aria-label="{_escape(aria_label)}" '
            f'xmlns="http://www.w3.org/2000/svg" style="display:block;overflow:visible;'
            f'font-variant-numeric:tabular-nums">{svg_body}</svg></figure>')


def _bar(x: str, width: str, base: float, end: float, value: float, category: str, series: Series, color: str,
         value_format: str) -> str:
    """One bar from the zero line (pixel row ``base``) to ``value`` (row ``end``), with its exact value as data
    and its name as a title."""
    title = f"{category} · {series.name}: {value_format.format(value)}"
    return (f'<rect x="{x}" width="{width}" y="{min(base, end):.1f}" height="{abs(base - end):.1f}" '
            f'fill="{_escape(color)}" data-series="{_escape(series.name)}" data-category="{_escape(category)}" '
            f'data-value="{value!r}"><title>{_escape(title)}</title></rect>')


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, y_range: tuple[float, float],
              y_ticks: Sequence[float], y_label: str, aria_label: str, value_format: str = "{:.4f}",
              chart_id: str = "", tick_format: str = "{:g}", height: int = 320, legend: bool = True) -> str:
    """Grouped bars, one group per category, with each value printed at its bar's end when there is room.

    Values beyond ``y_range`` are drawn clipped at its edge; their labels and titles keep the true value.
    """
    names = [str(name) for name in categories]
    columns = [np.asarray(s.values, dtype=np.float64) for s in series]
    if any(column.shape != (len(names),) or not np.isfinite(column).all() for column in columns):
        raise ValueError("each series needs one finite value per category")
    slot = 1.0 / len(names)
    bar_share = 0.8 * slot / len(series)
    labelled = len(names) * len(series) <= MAX_LABELLED_BARS
    label_size = 12 if len(names) * len(series) <= 6 else 10
    parts = [_y_axis(y_range, y_ticks, tick_format, y_label, height)]
    width = f"{bar_share * (PLOT_RIGHT - PLOT_LEFT):.3f}%"
    base = _y_pixel(min(max(0.0, y_range[0]), y_range[1]), y_range, height)
    for j, (s, column) in enumerate(zip(series, columns)):  # series by series, like Plotly's traces
        for i, (name, color) in enumerate(zip(names, s.colors(len(names)))):
            left = i * slot + 0.1 * slot + j * bar_share
            value = float(column[i])
            end = _y_pixel(value, y_range, height)
            parts.append(_bar(_x_percent(left), width, base, end, value, name, s, color, value_format))
            if labelled:
                y = end - 5 if value >= 0 else end + label_size + 2
                parts.append(_text(_x_percent(left + bar_share / 2), y, value_format.format(value),
                                   size=label_size, extra=' class="sp-value"'))
    for i, name in enumerate(names):
        parts.append(_text(_x_percent((i + 0.5) * slot), height - BOTTOM_GAP + 18, _short(name),
                           size=12 if len(names) <= 10 else 10, extra=' class="sp-category"'))
    zero = _y_pixel(0.0, y_range, height)
    parts.append(f'<line x1="{_x_percent(0)}" x2="{_x_percent(1)}" y1="{zero:.1f}" y2="{zero:.1f}" '
                 f'stroke="currentColor" stroke-opacity="0.5"/>')
    return _figure("".join(parts), height, aria_label, chart_id, _legend(series) if legend else "")


def _x_fraction(x: npt.ArrayLike, x_range: tuple[float, float], log_x: bool) -> np.ndarray:
    """Where ``x`` (a value or an array) falls across the plot area, from 0 (left edge) to 1 (right edge)."""
    low, high = x_range
    if log_x:
        return (np.log(x) - np.log(low)) / (np.log(high) - np.log(low))
    return (np.asarray(x, dtype=np.float64) - low) / (high - low)


def line_chart(x: npt.ArrayLike, series: Sequence[Series], *, y_range: tuple[float, float],
               y_ticks: Sequence[float], y_label: str, x_ticks: Sequence[float], x_label: str, aria_label: str,
               chart_id: str = "", log_x: bool = False, marker_x: float | None = None, height: int = 340) -> str:
    """Lines over a shared x (optionally log-scaled), with x ticks, a legend and an optional dashed marker."""
    xs = np.asarray(x, dtype=np.float64)
    x_range = (float(xs[0]), float(xs[-1]))
    plot_height = height - AXIS_LABEL_GAP
    low, high = y_range
    u = _x_fraction(xs, x_range, log_x) * PLOT_BOX
    lines = []
    for s in series:
        y = np.clip(np.asarray(s.values, dtype=np.float64), low, high)
        v = (1 - (y - low) / (high - low)) * PLOT_BOX
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(u, v))
        lines.append(f'<polyline points="{points}" fill="none" stroke="{_escape(s.colors(1)[0])}" stroke-width="2" '
                     f'vector-effect="non-scaling-stroke" data-series="{_escape(s.name)}">'
                     f"<title>{_escape(s.name)}</title></polyline>")
    top, bottom = TOP_GAP, plot_height - BOTTOM_GAP
    parts = [_y_axis(y_range, y_ticks, "{:g}", y_label, plot_height),
             f'<svg x="{_x_percent(0)}" y="{top}" width="{PLOT_RIGHT - PLOT_LEFT:.3f}%" height="{bottom - top}" '
             f'viewBox="0 0 {PLOT_BOX} {PLOT_BOX}" preserveAspectRatio="none" overflow="visible">'
             f'{"".join(lines)}</svg>']
    for tick in x_ticks:
        where = _x_percent(_x_fraction(tick, x_range, log_x))
        parts.append(f'<line x1="{where}" x2="{where}" y1="{top}" y2="{bottom}" {_MUTED}/>')
        parts.append(_text(where, bottom + 16, f"{tick:g}", size=11))
    if marker_x is not None:
        where = _x_percent(_x_fraction(marker_x, x_range, log_x))
        parts.append(f'<line x1="{where}" x2="{where}" y1="{top}" y2="{bottom}" stroke="currentColor" '
                     f'stroke-dasharray="5 4" stroke-width="1.5" data-marker="{marker_x!r}"/>')
    parts.append(_text(_x_percent(0.5), height - 4, x_label, size=12))
    return _figure("".join(parts), height, aria_label, chart_id, _legend(series))
