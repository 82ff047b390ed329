"""The Digit canvas's mistakes gallery: the MNIST test digits a model gets wrong, sorted and paged."""
from __future__ import annotations

import streamlit as st

from pages._digits_models import cached_mistakes, cached_test_set
from pages._language import fragment
from playground.digits.images import enlarge
from playground.digits.mistakes import mistake_caption, page_count, page_of, SORT_ORDERS, sort_mistakes
from playground.digits.mnist import MnistFileError
from playground.digits.weights import MODEL_NAMES
from playground.i18n import _

GALLERY_KEY = "digits_gallery_on"
GALLERY_PAGE_SIZE = 24
ORDER_KEY = "digits_gallery_order"


@fragment
def mistakes_gallery(kind: str, models_dir: str) -> None:
    """The MNIST test digits this model gets wrong, sortable by confidence and paged (on request)."""
    st.subheader(_("Mistakes gallery"))
    model_name = _(MODEL_NAMES[kind])
    if not st.toggle(_("Show the MNIST test digits the {model} gets wrong").format(model=model_name), key=GALLERY_KEY):
        st.caption(_("digits.gallery_cost"))
        return
    try:
        table = cached_mistakes(kind, models_dir)
    except MnistFileError as err:
        st.error(_("The mistakes gallery needs the MNIST test set: {error}").format(error=err))
        return
    st.caption(_("The {model} misreads {n:,} of the 10,000 MNIST test digits.").format(model=model_name, n=len(table)))
    order_col, page_col = st.columns(2)
    order = order_col.radio(_("Sort by confidence"), list(SORT_ORDERS), format_func={k: _(k) for k in SORT_ORDERS}.get,
                            key=ORDER_KEY, horizontal=True)
    pages = page_count(len(table), GALLERY_PAGE_SIZE)
    page = page_col.number_input(_("Page (of {pages})").format(pages=pages), 1, pages, 1,
                                 key=f"digits_gallery_page_{kind}")
    shown = page_of(sort_mistakes(table, order), page, GALLERY_PAGE_SIZE)
    images = cached_test_set()[0]
    st.image([enlarge(images[i], 3) for i in shown["index"]], width=84,
             caption=[mistake_caption(row) for row in shown.itertuples()])
