"""Overview: what softmax classification is, and a card per page."""
from __future__ import annotations

import streamlit as st

from pages._navigation import require_navigation_frame
from playground.i18n import _

require_navigation_frame()
st.title(_("Softmax Playground"))
st.markdown(_(
    "A **softmax classifier** turns a vector of scores (*logits*) into probabilities "
    "that are positive and sum to 1: $p_i = e^{z_i} / \\sum_j e^{z_j}$. It is trained by "
    "minimising the **cross-entropy** $-\\log p_y$ of the true class $y$, whose gradient "
    "with respect to the logits is simply $p - \\text{onehot}(y)$. "
    "Each page lets you touch one part of that story."
))
cards = [
    ("pages/softmax.py", _("Softmax explorer"), ":material/bar_chart:",
     _("Type logits and watch softmax, sigmoid, temperature, overflow and the cross-entropy gradient.")),
    ("pages/training.py", _("Training lab"), ":material/model_training:",
     _("Train the course's 3-feature classifier live; see a learning rate overshoot, stall or converge.")),
    ("pages/digits.py", _("Digit canvas"), ":material/draw:",
     _("Draw a digit and watch an MNIST model's ten probabilities change as you draw.")),
]
for column, (path, label, icon, blurb) in zip(st.columns(len(cards)), cards):
    with column.container(border=True):
        st.page_link(path, label=label, icon=icon)
        st.caption(blurb)
