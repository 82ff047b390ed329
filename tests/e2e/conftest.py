"""Browser fixtures: a real ``streamlit run app.py`` server and Debian's chromium via Playwright.

When ``CI=true`` a missing browser is a failure, not a skip: CI must run these tests.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from harness.browser import CHROMIUM_ARGS
from harness.server import free_port, start_streamlit, stop, wait_healthy
from tests.e2e.browser import ARTIFACTS_DIR



@contextmanager
def running_app(log_name: str = "streamlit-server.log") -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free localhost port; yield its base URL, stop it after."""
    port = free_port()
    with open(ARTIFACTS_DIR.parent / log_name, "w") as log:
        server = start_streamlit(port, log=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, server, timeout=60.0, poll=0.3)
            yield url
        finally:
            stop(server)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """One app server for the whole test session."""
    with running_app() as url:
        yield url


@pytest.fixture()
def fresh_app_url() -> Iterator[str]:
    """A server of its own that no browser has visited yet (for first-request behaviour)."""
    with running_app("streamlit-fresh-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; fails under CI if it is missing, else skips."""
    executable = shutil.which("chromium")
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh desktop-sized browser tab."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


@pytest.fixture()
def phone_page(browser):
    """A fresh phone-sized tab with touch enabled."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()
