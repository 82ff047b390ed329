"""PyTorch's ``F.cross_entropy`` next to the explorer's own, or a stand-in while a fresh server imports torch."""
from __future__ import annotations

import streamlit as st

import playground.parsing as parsing
import playground.softmax as sm
from pages._language import fragment
from playground.i18n import _


def pytorch_loss(column, z, target: int, ours: float) -> None:
    """PyTorch's F.cross_entropy of logits ``z`` next to ours, or a stand-in while torch is still loading."""
    try:
        torch_loss = sm.torch_cross_entropy_if_loaded(z, target)
    except ImportError as err:
        column.error(_("softmax.pytorch_missing").format(error=err))
        return
    if torch_loss is None:
        with column:
            pytorch_still_loading()
        return
    column.metric("F.cross_entropy (PyTorch)", parsing.format_fixed(torch_loss), border=True)
    column.caption(_("softmax.pytorch_difference").format(difference=abs(ours - torch_loss)))


@fragment(run_every=2.0)
def pytorch_still_loading() -> None:
    """Stands in for PyTorch's loss while a freshly started server imports torch; reruns the page once it has."""
    try:
        loaded = sm.torch_cross_entropy_if_loaded([0.0], 0, wait=0.0) is not None
    except ImportError:
        loaded = True  # the page's full run shows the error
    if loaded:
        st.rerun()
    st.metric("F.cross_entropy (PyTorch)", _("loading…"), border=True)
    st.caption(_("softmax.pytorch_loading"))
