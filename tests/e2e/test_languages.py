"""Korean or English in a real browser: the browser's language by default, the switch, the lang key, and both
surviving navigation and the Digit canvas's hand-off to the explorer."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from harness.browser import SEVEN, draw_with_mouse, wait_for_app_run
from playground.i18n import _, use_language
from tests.e2e.browser import assert_no_exception, open_page, screenshot

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def korean(text: str) -> str:
    use_language("ko")
    try:
        return _(text)
    finally:
        use_language("en")


CAPTION_BREAK = "getComputedStyle(document.querySelector('[data-testid=stCaptionContainer] p')).wordBreak"


def word_break(page) -> str:
    """How the page's first caption breaks its lines: keep-all keeps Korean words whole."""
    return page.evaluate(f"() => {CAPTION_BREAK}")


def wait_for_whole_korean_words(page) -> None:
    """The Korean line-breaking style arrives with the run's other elements: wait for it to apply."""
    page.wait_for_function(f"() => document.querySelector('[data-testid=stCaptionContainer] p') && "
                           f"{CAPTION_BREAK} === 'keep-all'", timeout=20_000)


def url_lang(page) -> str | None:
    return parse_qs(urlparse(page.url).query).get("lang", [None])[0]


def title(page) -> str:
    return page.locator("h1").first.inner_text()


@pytest.fixture()
def context_for(browser):
    contexts = []

    def make(locale: str, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("locale, korean_expected", [("ko-KR", True), ("en-US", False)])
def test_the_browsers_language_is_the_default(context_for, app_url, locale, korean_expected):
    page = context_for(locale)
    open_page(page, app_url, "softmax")
    page.wait_for_function("() => location.search.includes('lang=')", timeout=20_000)
    assert bool(HANGUL.search(title(page))) is korean_expected, title(page)
    assert url_lang(page) == ("ko" if korean_expected else "en")
    if korean_expected:
        wait_for_whole_korean_words(page)
    else:
        assert word_break(page) != "keep-all"  # English keeps Streamlit's own line breaking
    assert_no_exception(page)


def test_the_lang_key_and_the_switch_survive_navigation(context_for, app_url):
    page = context_for("en-US")
    open_page(page, app_url, "training", "lang=ko")  # a shared Korean link, in an English browser
    expect(page.locator("h1").first).to_have_text(korean("Training lab"))
    page.get_by_role("link", name=korean("Digit canvas")).click()  # the sidebar's navigation
    page.wait_for_url("**/digits**")
    wait_for_app_run(page)
    expect(page.locator("h1").first).to_have_text(korean("Digit canvas"))
    page.wait_for_function("() => location.search.includes('lang=ko')", timeout=20_000)
    page.get_by_text("English", exact=True).click()  # the switch
    wait_for_app_run(page)
    expect(page.locator("h1").first).to_have_text("Digit canvas")
    page.wait_for_function("() => location.search.includes('lang=en')", timeout=20_000)
    page.get_by_role("link", name="Softmax explorer").click()
    page.wait_for_url("**/softmax**")
    wait_for_app_run(page)
    expect(page.locator("h1").first).to_have_text("Softmax explorer")
    assert_no_exception(page)


def test_korean_survives_the_hand_off_to_the_explorer(context_for, app_url):
    page = context_for("ko-KR")
    open_page(page, app_url, "digits", "model=cnn")
    draw_with_mouse(page, SEVEN, 60, 40, 180)
    page.wait_for_selector("[data-testid='stMetric']", timeout=20_000)
    wait_for_app_run(page)
    wait_for_whole_korean_words(page)  # still, after the drawing's fragment reran
    screenshot(page, "ko-digits")
    page.get_by_role("button", name=korean("Open these logits in the Softmax explorer")).click()
    page.wait_for_url("**/softmax?**", timeout=20_000)
    wait_for_app_run(page)
    expect(page.locator("h1").first).to_have_text(korean("Softmax explorer"))
    assert url_lang(page) == "ko"
    assert_no_exception(page)
    screenshot(page, "ko-softmax-hand-off")


@pytest.mark.parametrize("path", ["", "softmax", "training", "digits"])
def test_korean_pages_on_a_phone(context_for, app_url, path):
    page = context_for("ko-KR", 390, 844)
    open_page(page, app_url, path)
    assert HANGUL.search(title(page))
    assert_no_exception(page)
    screenshot(page, f"ko-phone-{path or 'overview'}")
