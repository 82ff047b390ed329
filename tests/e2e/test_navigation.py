"""Every page of the app opens in a real browser with no exception."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, open_page, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path, name", [("", "overview"), ("softmax", "softmax"),
                                        ("training", "training"), ("digits", "digits")])
def test_page_opens_without_exception(page, app_url, path, name):
    open_page(page, app_url, path)
    assert page.locator("[data-testid='stMain']").inner_text().strip()
    assert_no_exception(page)
    screenshot(page, f"page-{name}")


def test_deep_link_as_a_fresh_servers_first_request_gets_the_navigation_frame(page, fresh_app_url):
    # Streamlit runs a pages/ folder as a legacy multipage app until st.navigation is called; the
    # pages reroute through app.py so a shared link works even as the server's very first request.
    open_page(page, fresh_app_url, "softmax", "logits=4,5,6")
    nav = page.locator("[data-testid='stSidebarNav']")
    for title in ("Overview", "Softmax explorer", "Training lab", "Digit canvas"):
        assert title in nav.inner_text()
    assert "_ui" not in nav.inner_text() and "ui\n" not in nav.inner_text()
    expect(page.locator("[data-testid='stTextArea'] textarea").first).to_have_value("4, 5, 6", timeout=20_000)  # the page may still be applying the link
    assert_no_exception(page)
