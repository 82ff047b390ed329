"""The explorer's class-name editor: a table to rename classes, started afresh when names arrive from outside."""
from __future__ import annotations

import pandas as pd
import streamlit as st

import playground.parsing as parsing
from playground.i18n import _

NAMES_KEY = "softmax_class_names"
EDITOR_NAMES_KEY, EDITOR_VERSION_KEY = "_softmax_editor_names", "_softmax_editor_version"


def class_names_editor(n: int) -> list[str]:
    """Editable class names; names that arrive from outside (URL, hand-off) start a fresh editor."""
    stored = st.session_state.get(NAMES_KEY) or []
    names = parsing.class_names_for(stored, n)
    if stored and len(stored) != n:
        st.caption(_("softmax.class_names_do_not_fit").format(names=len(stored), n=n))
    if names != st.session_state.get(EDITOR_NAMES_KEY):
        st.session_state[EDITOR_VERSION_KEY] = st.session_state.get(EDITOR_VERSION_KEY, 0) + 1
    st.caption(_("softmax.class_names_label"))
    edited = st.data_editor(
        pd.DataFrame({"class name": names}), key=f"softmax_classes_v{st.session_state[EDITOR_VERSION_KEY]}",
        num_rows="fixed", width="stretch",
        column_config={"class name": st.column_config.TextColumn(  # the column's key stays English
            _("class name"), max_chars=parsing.MAX_CLASS_NAME_CHARS, required=True, validate=r"^[^,]+$",
            help=_("Rename a class (no commas)."))},
    )
    names = parsing.class_names_for(list(edited["class name"]), n)
    st.session_state[EDITOR_NAMES_KEY] = names
    # the defaults are kept as [] (as in the URL), so they follow a change of language
    st.session_state[NAMES_KEY] = [] if names == parsing.default_class_names(n) else names
    return names
