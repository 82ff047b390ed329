"""Every page runs inside app.py's navigation frame."""
from __future__ import annotations

import streamlit as st


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
