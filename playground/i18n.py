"""Translations with gettext: ``_("text")`` gives the text in the language the page chose for this run.

The catalogs live in ``locales/<lang>/LC_MESSAGES/messages.po`` (compiled to ``.mo`` by Babel; how to add or
change a string is in the README). ``playground`` only marks its messages; the page picks the language per
session and sets it with ``use_language`` at the start of every run (a fragment's too), so one student's
choice never reaches another's page. Messages with values use named fields: ``_("{n} logits").format(n=3)``.

A label or short message is its own English text. A page's longer prose (over 70 characters) is a key such as
``_("softmax.shift_cancels")``, whose English lives in the ``en`` catalog like its Korean in ``ko``, so the page
scripts hold code, not paragraphs.
"""
from __future__ import annotations

import contextvars
import functools
import gettext

from playground.paths import LOCALES_DIR

LANGUAGES: tuple[str, ...] = ("en", "ko")  # English is the source language
DOMAIN = "messages"
_language = contextvars.ContextVar("language", default="en")


@functools.lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``; what it lacks falls back to English, then to the message id."""
    catalog = gettext.translation(DOMAIN, LOCALES_DIR, languages=[language])
    if language != "en":
        catalog.add_fallback(translations("en"))
    return catalog


def language_of_locale(locale: str | None) -> str:
    """``ko``, ``ko-KR``, ``ko_KR.UTF-8`` give Korean; anything else (or nothing) English."""
    language = (locale or "").lower().replace("_", "-").split("-")[0]
    return language if language in LANGUAGES else "en"


def use_language(language: str) -> None:
    """Translate this thread's messages into ``language`` from now on (unknown languages give English)."""
    _language.set(language if language in LANGUAGES else "en")


def current_language() -> str:
    """The language ``_`` translates into in this thread."""
    return _language.get()


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(_language.get()).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined (a constant); translate it with ``_`` where shown."""
    return message
