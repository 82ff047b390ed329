"""Overview: what softmax classification is, and a card per page."""
from __future__ import annotations

import streamlit as st

from pages._navigation import require_navigation_frame
from playground.i18n import _

require_navigation_frame()
st.title(_("Softmax Playground"))
st.markdown(_("overview.intro"))
cards = [
    ("pages/softmax.py", _("Softmax explorer"), ":material/bar_chart:", _("overview.explorer_blurb")),
    ("pages/training.py", _("Training lab"), ":material/model_training:", _("overview.training_blurb")),
    ("pages/digits.py", _("Digit canvas"), ":material/draw:", _("overview.digits_blurb")),
]
for column, (path, label, icon, blurb) in zip(st.columns(len(cards)), cards):
    with column.container(border=True):
        st.page_link(path, label=label, icon=icon)
        st.caption(blurb)
