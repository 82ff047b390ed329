"""The session's language: the browser's by default, the sidebar's switch, or a link's ``lang`` key."""
from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from playground.i18n import LANGUAGES, language_of_locale, use_language

LANG_KEY, URL_SEEN_KEY = "lang", "_lang_url_seen"
NAMES = {"ko": "한국어", "en": "English"}
# Korean text breaks lines between words (어절), not inside them; a word wider than its line may still break.
# (!important: Streamlit sets word-break on its paragraphs itself.)
KOREAN_LINE_BREAKS = "<style>.stApp * { word-break: keep-all !important; overflow-wrap: break-word; }</style>"


def choose_language() -> str:
    """Pick this session's language (a new ``lang`` in the URL wins, then the switch, then the browser's
    locale), show the switch in the sidebar, and translate this run into it."""
    from_url = st.query_params.get("lang")
    if from_url in LANGUAGES and from_url != st.session_state.get(URL_SEEN_KEY):
        st.session_state[LANG_KEY] = from_url
    st.session_state[URL_SEEN_KEY] = from_url
    if st.session_state.get(LANG_KEY) not in LANGUAGES:
        st.session_state[LANG_KEY] = language_of_locale(st.context.locale)
    st.sidebar.radio("Language / 언어", list(NAMES), format_func=NAMES.get, key=LANG_KEY, horizontal=True)
    language = apply_language()
    if language == "ko":
        st.html(KOREAN_LINE_BREAKS)  # style only: Streamlit adds it to the page without taking up space
    return language


def apply_language() -> str:
    """Translate this run into the session's language; a fragment calls it first, as its run is a run of its own."""
    language = st.session_state.get(LANG_KEY, "en")
    use_language(language)
    return language


def note_language_in_url(language: str) -> None:
    """The page has put ``lang`` in its URL: that is not a change from outside."""
    st.session_state[URL_SEEN_KEY] = language


def in_language(body: Callable) -> Callable:
    """``body``, run in the session's language: for code that runs outside the page's own run (a widget callback,
    a fragment's rerun), in a thread that has not chosen one."""
    @functools.wraps(body)
    def run(*args, **kwargs):
        apply_language()
        return body(*args, **kwargs)
    return run


def fragment(body: Callable | None = None, **options) -> Callable:
    """``st.fragment`` (with its ``options``) whose every rerun is in the session's language."""
    if body is None:
        return lambda later: fragment(later, **options)
    return st.fragment(in_language(body), **options)
