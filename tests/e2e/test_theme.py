"""Light and dark: the app follows the browser's colour scheme, and every page stays readable in both."""
from __future__ import annotations

import pytest

from harness.browser import SEVEN, draw_with_mouse, wait_for_app_run
from tests.e2e.browser import assert_no_exception, open_page, screenshot

PAGES = {"": "", "softmax": "logits=1000,0,-1000", "training": "epochs=20", "digits": "model=linear"}

def luminance(page, selector: str, prop: str) -> float:
    """Relative brightness (0 black, 1 white) of a CSS colour property of the first element matching ``selector``."""
    return page.locator(selector).first.evaluate("""(element, prop) => {
      const [r, g, b] = getComputedStyle(element)[prop].match(/\\d+/g).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    }""", prop)


@pytest.mark.parametrize("scheme, locale", [("light", "en-US"), ("dark", "en-US"), ("light", "ko-KR"),
                                            ("dark", "ko-KR")])
def test_every_page_follows_the_browsers_colour_scheme(browser, app_url, scheme, locale):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, locale=locale)
    page = context.new_page()
    try:
        for name, query in PAGES.items():
            open_page(page, app_url, name, query)
            if name == "digits":
                draw_with_mouse(page, SEVEN, 60, 40, 180)
                page.wait_for_selector("[data-testid='stMetric']", timeout=20_000)
                wait_for_app_run(page)
            background = luminance(page, "[data-testid='stApp']", "backgroundColor")
            text = luminance(page, "h1", "color")
            assert (background > 0.8 and text < 0.3) if scheme == "light" else (background < 0.2 and text > 0.7), \
                (name, scheme, background, text)
            if name in ("softmax", "digits"):  # the SVG charts draw their text in the page's text colour
                chart = luminance(page, "figure.sp-chart text", "fill")
                assert abs(chart - text) < 0.15, (name, scheme, chart, text)
            assert_no_exception(page)
            screenshot(page, f"{scheme}-{locale}-{name or 'overview'}")
    finally:
        context.close()
