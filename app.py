"""Softmax Playground: the navigation frame. Run with ``streamlit run app.py``."""
from __future__ import annotations

import streamlit as st

from pages._language import choose_language
from pages._warm_up import warm_up
from playground.i18n import _


def run() -> None:
    """Pick the session's language, build the navigation and run the selected page."""
    st.set_page_config(page_title="Softmax Playground", page_icon=":material/functions:", layout="wide")
    warm_up()
    choose_language()
    pages = [
        st.Page("pages/overview.py", title=_("Overview"), icon=":material/home:", default=True),
        st.Page("pages/softmax.py", title=_("Softmax explorer"), icon=":material/bar_chart:", url_path="softmax"),
        st.Page("pages/training.py", title=_("Training lab"), icon=":material/model_training:",
                url_path="training"),
        st.Page("pages/digits.py", title=_("Digit canvas"), icon=":material/draw:", url_path="digits"),
    ]
    st.navigation(pages).run()


if __name__ == "__main__":
    run()
