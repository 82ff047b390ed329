"""Streamlit glue shared by the pages: keeping widget state and the URL in step.

The rule: the URL wins when it changed from outside (a shared link, a hand-off from
another page); otherwise the widgets win and the URL follows them.
"""
from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from playground.urlstate import ParamSpec, parse_params


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


def _url_values(specs: list[ParamSpec]) -> dict[str, str]:
    return {s.key: st.query_params.get(s.key) for s in specs if s.key in st.query_params}


def seed_state_from_url(page_id: str, specs: list[ParamSpec], widget_keys: Mapping[str, str]) -> list[str]:
    """Copy URL values into ``st.session_state`` when the URL changed from outside.

    ``widget_keys`` maps a URL key to the session-state key of its widget. Returns the
    warnings for values that were invalid (they fall back to the default).
    """
    seen_key = f"_url_seen_{page_id}"
    raw = _url_values(specs)
    if st.session_state.get(seen_key) == raw:
        return []
    st.session_state[seen_key] = raw
    if not raw:
        return []
    values, warnings = parse_params(raw, specs)
    for spec in specs:
        if spec.key in raw:
            st.session_state[widget_keys[spec.key]] = values[spec.key]
    return warnings


def write_state_to_url(page_id: str, specs: list[ParamSpec], values: Mapping[str, Any]) -> None:
    """Put the page's current values in the URL so the link can be shared."""
    formatted = {s.key: s.format(values[s.key]) for s in specs}
    if _url_values(specs) != formatted:
        st.query_params.update(formatted)
    st.session_state[f"_url_seen_{page_id}"] = formatted


def require_navigation_frame() -> None:
    """Run this page inside app.py's navigation, even when a fresh server's first request is a deep link.

    Streamlit treats a ``pages/`` folder as a legacy multipage app until some session calls
    ``st.navigation``; a first request for ``/softmax`` would otherwise run the page bare (no frame, no
    layout, file names in the sidebar). Switching the legacy mode off and rerunning goes through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
