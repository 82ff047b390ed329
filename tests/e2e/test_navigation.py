"""Every page of the app opens in a real browser with no exception."""
from __future__ import annotations

import pytest

from tests.e2e.browser import assert_no_exception, open_page, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path, name", [("", "overview"), ("softmax", "softmax"),
                                        ("training", "training"), ("digits", "digits")])
def test_page_opens_without_exception(page, app_url, path, name):
    open_page(page, app_url, path)
    assert page.locator("[data-testid='stMain']").inner_text().strip()
    assert_no_exception(page)
    screenshot(page, f"page-{name}")
