"""Test-only helpers for driving the Streamlit app in chromium: opening a page, spotting errors, screenshots.

Launch flags, waiting for reruns and drawing live in ``harness.browser`` (the benches use them too)."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from harness.browser import wait_for_app_run

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)


def open_page(page, app_url: str, path: str = "", query: str = "") -> None:
    """Navigate to a page of the app (``path`` like "softmax") and wait for its first run."""
    url = f"{app_url}/{path}" + (f"?{query}" if query else "")
    page.goto(url)
    wait_for_app_run(page)


def assert_no_exception(page) -> None:
    """Fail if Streamlit rendered any exception element."""
    count = page.locator("[data-testid='stException']").count()
    assert count == 0, page.locator("[data-testid='stException']").first.inner_text()


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the whole page under test-artifacts/screenshots/.

    Streamlit scrolls inside its main area, so a full-page capture would stop at the viewport: grow the
    viewport to the content's height first, then restore it.
    """
    try:  # lazily loaded element code (charts, metrics) shows skeletons first on a busy machine
        page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", timeout=15_000)
    except PlaywrightTimeout:
        pass  # a screenshot with a placeholder still shows the rest of the page
    size = page.viewport_size
    height = page.evaluate(
        "() => (document.querySelector('[data-testid=stMainBlockContainer]') || document.body).scrollHeight"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height) + 120)})
    page.wait_for_timeout(600)  # let Plotly re-layout at the new size
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path
