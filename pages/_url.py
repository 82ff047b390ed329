"""Keeping widget state and the URL in step, so a link can be shared.

The rule: the URL wins when it changed from outside (a shared link, a hand-off from another page); otherwise
the widgets win and the URL follows them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from pages._language import note_language_in_url
from playground.i18n import current_language
from playground.urlstate import ParamSpec, parse_params


def _url_values(specs: list[ParamSpec]) -> dict[str, str]:
    return {s.key: st.query_params.get(s.key) for s in specs if s.key in st.query_params}


def seed_state_from_url(page_id: str, specs: list[ParamSpec], widget_keys: Mapping[str, str]) -> list[str]:
    """Copy URL values into ``st.session_state`` when the URL changed from outside, then fill in the defaults.

    ``widget_keys`` maps a URL key to the session-state key of its widget. Returns the
    warnings for values that were invalid (they fall back to the default).
    """
    warnings = _seed_from_url(page_id, specs, widget_keys)
    for spec in specs:
        st.session_state.setdefault(widget_keys[spec.key], spec.default)
    return warnings


def _seed_from_url(page_id: str, specs: list[ParamSpec], widget_keys: Mapping[str, str]) -> list[str]:
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
    """Put the page's current values in the URL so the link can be shared, and only them: keys another page
    left there (the Back button after a hand-off) are dropped."""
    formatted = {s.key: s.format(values[s.key]) for s in specs}
    wanted = formatted | {"lang": current_language()}  # a shared link keeps its language
    note_language_in_url(wanted["lang"])
    if set(st.query_params) - set(wanted):
        st.query_params.from_dict(wanted)
    elif {key: st.query_params.get(key) for key in wanted} != wanted:
        st.query_params.update(wanted)
    st.session_state[f"_url_seen_{page_id}"] = formatted
