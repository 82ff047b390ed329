"""Read the server-drawn SVG charts (``playground.plots.svg``) back into names and numbers for tests."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import numpy as np

from playground.plots.svg import PLOT_BOX


@dataclass
class ChartMarks:
    """What one chart draws: bars (series, category, exact value, colour), lines, texts by class, markers."""

    chart_id: str = ""
    bars: list[dict[str, str]] = field(default_factory=list)
    lines: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (N, 2) points in [0, 1] × [0, 1], y up
    texts: dict[str, list[str]] = field(default_factory=dict)  # text class -> contents, in drawing order
    markers: list[float] = field(default_factory=list)

    def series(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Bar series in drawing order: name -> (categories, exact values)."""
        out: dict[str, tuple[list[str], list[float]]] = {}
        for bar in self.bars:
            categories, values = out.setdefault(bar["data-series"], ([], []))
            categories.append(bar["data-category"])
            values.append(float(bar["data-value"]))
        return {name: (categories, np.array(values)) for name, (categories, values) in out.items()}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.charts: list[ChartMarks] = []
        self._text_class: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "figure" and "sp-chart" in a.get("class", ""):
            self.charts.append(ChartMarks(a.get("data-chart", "")))
        elif not self.charts:
            return
        chart = self.charts[-1]
        if tag == "rect" and "data-value" in a:
            chart.bars.append(a)
        elif tag == "polyline":
            points = np.array([[float(v) for v in pair.split(",")] for pair in a["points"].split()]) / PLOT_BOX
            points[:, 1] = 1 - points[:, 1]
            chart.lines[a["data-series"]] = points
        elif tag == "line" and "data-marker" in a:
            chart.markers.append(float(a["data-marker"]))
        elif tag == "text":
            self._text_class = a.get("class", "")

    def handle_data(self, data: str) -> None:
        if self._text_class is not None and self.charts:
            self.charts[-1].texts.setdefault(self._text_class, []).append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "text":
            self._text_class = None


def read_charts(html: str) -> list[ChartMarks]:
    """Every chart in an HTML string, in order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.charts


def read_chart(html: str) -> ChartMarks:
    """The one chart in an HTML string."""
    charts = read_charts(html)
    assert len(charts) == 1, f"expected one chart, found {len(charts)}"
    return charts[0]


def page_chart(at: Any, chart_id: str) -> ChartMarks:
    """The SVG chart ``chart_id`` as an AppTest page showed it (through ``pages._chart.show_chart``)."""
    shown = [json.loads(element.proto.json) for element in at.get("bidi_component")
             if element.proto.component_name == "playground_chart"]
    charts = [chart for html in shown for chart in read_charts(html) if chart.chart_id == chart_id]
    assert len(charts) == 1, f"expected one chart {chart_id!r}, found {len(charts)}"
    return charts[0]
