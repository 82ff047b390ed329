"""Korean and English: the catalogs are complete and current, and every page speaks the language asked for."""
from __future__ import annotations

import gettext
import re
import string
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from playground.i18n import _, language_of_locale, use_language
from playground.paths import LOCALES_DIR, REPO_ROOT
from tests.app_pages import PAGE_FILES, open_page

POT = LOCALES_DIR / "messages.pot"
KO_PO = LOCALES_DIR / "ko" / "LC_MESSAGES" / "messages.po"
KO_MO = KO_PO.with_suffix(".mo")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SWITCH = ("Language / 언어", "한국어")  # the language switch names both languages in both


def catalog(path):
    with open(path, "rb") as file:
        return read_po(file)


def msgids(cat) -> set[str]:
    return {message.id for message in cat if message.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_catalog_is_current_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
                    "--no-location", "--sort-output", "-o", str(fresh), "."], cwd=REPO_ROOT, check=True,
                   capture_output=True)
    in_code = msgids(catalog(fresh))
    assert in_code, "no message is marked for translation"
    assert msgids(catalog(POT)) == in_code, "locales/messages.pot is out of date: see README, Languages"
    assert msgids(catalog(KO_PO)) == in_code, "locales/ko/.../messages.po is out of date: see README, Languages"


def test_every_message_has_a_korean_translation_with_the_same_fields():
    untranslated = [m.id for m in catalog(KO_PO) if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    for message in catalog(KO_PO):
        if message.id:
            assert fields(message.string) == fields(message.id), message.id


def test_the_compiled_catalog_is_the_current_one():
    with open(KO_MO, "rb") as file:
        compiled = gettext.GNUTranslations(file)
    for message in catalog(KO_PO):
        if message.id:
            assert compiled.gettext(message.id) == message.string, f"{KO_MO} is stale: run pybabel compile"


def test_the_language_follows_the_locale_and_is_per_thread():
    assert [language_of_locale(x) for x in ("ko-KR", "ko", "ko_KR.UTF-8", "en-US", "de", None, "")] == \
        ["ko", "ko", "ko", "en", "en", "en", "en"]
    use_language("ko")
    assert HANGUL.search(_("Softmax explorer"))
    use_language("xx")  # unknown: English
    assert _("Softmax explorer") == "Softmax explorer"


def page_texts(at) -> list[str]:
    """Every piece of text a student reads on the page (not numbers alone, not the language switch)."""
    texts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "success", "warning", "error",
                 "button", "metric", "radio", "toggle", "slider", "select_slider", "selectbox", "number_input",
                 "text_area", "expander"):
        for element in at.get(kind):
            text = getattr(element, "label", None) or getattr(element, "value", None)
            if isinstance(text, str) and re.search(r"[A-Za-z\uac00-\ud7a3]{3}", text) and text not in SWITCH:
                texts.append(text)
    return texts


@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_every_page_in_korean_and_in_english(page):
    korean = open_page(page, {"lang": "ko"})
    assert not korean.exception, [e.value for e in korean.exception]
    texts = page_texts(korean)
    english_only = [t for t in texts if not HANGUL.search(t)]
    assert len(english_only) <= 0.1 * len(texts), english_only  # nearly every text element holds Hangul
    english = open_page(page, {"lang": "en"})
    assert not english.exception, [e.value for e in english.exception]
    assert [t for t in page_texts(english) if HANGUL.search(t)] == []
