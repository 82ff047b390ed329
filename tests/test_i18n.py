"""Korean and English: the catalogs are complete and current, and every page speaks the language asked for."""
from __future__ import annotations

import ast
import gettext
import re
import string
import subprocess
import sys
import threading

import pytest
from babel.messages.pofile import read_po

from playground.i18n import _, current_language, language_of_locale, use_language
from playground.paths import LOCALES_DIR, REPO_ROOT
from tests.app_pages import PAGE_FILES, open_page

POT = LOCALES_DIR / "messages.pot"
KO_PO = LOCALES_DIR / "ko" / "LC_MESSAGES" / "messages.po"
EN_PO = LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po"
PROSE_KEY = re.compile(r"(overview|softmax|training|digits)\.[a-z0-9_]+")  # e.g. softmax.shift_cancels
LONGEST_LABEL = 70  # a page's text longer than this is prose: a key whose English is in the en catalog
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
    for po in (KO_PO, EN_PO):
        assert msgids(catalog(po)) == in_code, f"{po} is out of date: see README, Languages"


def english_text() -> dict[str, str]:
    """Every message's English: a prose key's text from the en catalog, any other message its own id."""
    return {m.id: m.string or m.id for m in catalog(EN_PO) if m.id}


def test_every_prose_key_has_english_text_and_nothing_else_is_rewritten():
    for message in catalog(EN_PO):
        if message.id and PROSE_KEY.fullmatch(message.id):
            assert message.string and not message.fuzzy, f"{message.id} has no English text in {EN_PO}"
        elif message.id:
            assert not message.string, f"{message.id!r} is English already: its en msgstr stays empty"


def test_every_message_has_a_korean_translation_with_the_same_fields():
    untranslated = [m.id for m in catalog(KO_PO) if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    english = english_text()
    for message in catalog(KO_PO):
        if message.id:
            assert fields(message.string) == fields(english[message.id]), message.id


def page_messages() -> list[str]:
    """The literal messages the page scripts and their glue pass to ``_`` or ``N_``."""
    found = []
    for path in sorted((REPO_ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_") and node.args \
                    and isinstance(node.args[0], ast.Constant):
                found.append(node.args[0].value)
    return found


def test_a_pages_prose_lives_in_the_catalogs():
    messages = page_messages()
    assert any(PROSE_KEY.fullmatch(m) for m in messages)
    assert [m for m in messages if len(m) > LONGEST_LABEL and not PROSE_KEY.fullmatch(m)] == []


def test_every_page_script_is_short_once_its_prose_is_in_the_catalogs():
    scripts = [REPO_ROOT / "app.py", *(REPO_ROOT / "pages").glob("[!_]*.py")]
    assert len(scripts) == 5
    assert {p.name: n for p in scripts if (n := len(p.read_text().splitlines())) > 150} == {}


@pytest.mark.parametrize("po", [KO_PO, EN_PO], ids=["ko", "en"])
def test_the_compiled_catalog_is_the_current_one(po):
    with open(po.with_suffix(".mo"), "rb") as file:
        compiled = gettext.GNUTranslations(file)
    for message in catalog(po):
        if message.id and message.string:
            assert compiled.gettext(message.id) == message.string, f"{po.with_suffix('.mo')} is stale: run pybabel compile"


def translated_in_a_thread(language: str, message: str) -> str:
    """``_(message)`` in a thread of its own that chose ``language``."""
    result = []
    thread = threading.Thread(target=lambda: (use_language(language), result.append(_(message))))
    thread.start()
    thread.join()
    return result[0]


def test_the_language_follows_the_locale_and_is_per_thread():
    assert [language_of_locale(x) for x in ("ko-KR", "ko", "ko_KR.UTF-8", "en-US", "de", None, "")] == \
        ["ko", "ko", "ko", "en", "en", "en", "en"]
    assert HANGUL.search(translated_in_a_thread("ko", "Softmax explorer"))
    assert HANGUL.search(translated_in_a_thread("ko", "softmax.shift_cancels"))
    assert translated_in_a_thread("xx", "Softmax explorer") == "Softmax explorer"  # unknown: English
    assert translated_in_a_thread("en", "softmax.shift_cancels").startswith("{formula}: the $e^c$ cancels")
    assert current_language() == "en" and _("Softmax explorer") == "Softmax explorer"  # this thread: untouched


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
    assert not [t for t in texts if PROSE_KEY.search(t)], "a prose key shows instead of its text"
    english_only = [t for t in texts if not HANGUL.search(t)]
    assert len(english_only) <= 0.1 * len(texts), english_only  # nearly every text element holds Hangul
    english = open_page(page, {"lang": "en"})
    assert not english.exception, [e.value for e in english.exception]
    english_texts = page_texts(english)
    assert [t for t in english_texts if HANGUL.search(t)] == []
    assert [t for t in english_texts if PROSE_KEY.search(t)] == []
