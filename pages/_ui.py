"""Streamlit glue shared by the pages: keeping widget state and the URL in step.

The rule: the URL wins when it changed from outside (a shared link, a hand-off from
another page); otherwise the widgets win and the URL follows them.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from collections.abc import Callable, Mapping
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


# The Training lab's run player (``pages/_run_player.js``): plays a recorded run on <canvas> in the browser.
# Colours follow the page's text colour (currentColor), so a dark theme can follow later.
_RUN_PLAYER = st.components.v2.component(
    "playground_run_player",
    html='<div class="sp-player"></div>',
    css="""
.sp-player { color: inherit; font-size: 0.9rem; }
.sp-controls { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin-bottom: 0.3rem; }
.sp-controls button, .sp-controls select { font: inherit; color: inherit; background: transparent; border-radius: 0.5rem;
  border: 1px solid color-mix(in srgb, currentColor 30%, transparent); padding: 0.3rem 0.8rem; min-height: 2.2rem; }
.sp-controls .sp-play { font-weight: 600; min-width: 5rem; }
.sp-epoch { font-variant-numeric: tabular-nums; font-weight: 600; margin-left: auto; }
.sp-scrub { width: 100%; margin: 0.2rem 0; }
.sp-readout { min-height: 1.4rem; font-variant-numeric: tabular-nums; }
.sp-charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.sp-charts figure { flex: 1 1 300px; min-width: 0; margin: 0; }
.sp-charts figcaption { font-weight: 600; margin: 0.3rem 0; }
""",
    js=(Path(__file__).parent / "_run_player.js").read_text(encoding="utf-8"),
    isolate_styles=False,  # the page's font and text colour, which the canvases read
)


def run_player(data: dict, key: str, on_position: Callable[[], None], on_request: Callable[[], None]) -> None:
    """Mount the run player with ``data`` (``playground.training_run.player_payload`` and the playhead to start at).

    ``on_position`` runs when the player reports its playhead, ``on_request`` when it asks for a run.
    """
    _RUN_PLAYER(data=data, key=key, on_position_change=on_position, on_request_change=on_request)


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
