"""The chart component: shows a server-drawn SVG chart (``playground.plots.svg``) without remounting it."""
from __future__ import annotations

import contextlib
from typing import Any

import streamlit as st

# Sets the chart's markup with one native innerHTML, only when it changed. st.markdown would parse the SVG
# in JavaScript (remark, rehype-raw) and rebuild it as React nodes on every rerun; st.html sanitises with
# DOMPurify's HTML profile, which drops SVG. The charts escape all of their text, so nothing a student types
# can become markup.
_CHART_VIEW = st.components.v2.component(
    "playground_chart",
    html='<div class="sp-chart-host"></div>',
    js="""export default function ({ data, parentElement }) {
  const host = parentElement.querySelector(".sp-chart-host");
  if (host && host.__shown !== data) {
    host.innerHTML = data;
    host.__shown = data;
  }
}""",
    isolate_styles=False,  # the page's font and text colour, which the SVG's currentColor follows
)


def show_chart(chart_html: str, key: str, where: Any = None) -> None:
    """Show a server-drawn SVG chart (``playground.plots.svg``) here, or in the column ``where``.

    ``key`` keeps the chart's place between reruns, so an edit replaces its markup rather than remounting it.
    """
    with where if where is not None else contextlib.nullcontext():
        _CHART_VIEW(data=chart_html, key=key)
