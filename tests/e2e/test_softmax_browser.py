"""The Softmax explorer in a real chromium: typing, bad input, shared links, the hand-off and renaming."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from harness.browser import wait_for_app_run
from tests.e2e.browser import ARTIFACTS_DIR, assert_no_exception, screenshot

pytestmark = pytest.mark.e2e
FIRST_PAINT_MS = 90_000

LOGITS_BOX = "[data-testid='stTextArea'] textarea"


@pytest.fixture(autouse=True)
def patient_expect():
    """Give assertions more than Playwright's 5 s: a first paint is slow on a busy 2-core machine."""
    expect.set_options(timeout=45_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for other test modules


@pytest.fixture(scope="module", autouse=True)
def navigation_ready(browser, app_url):
    """Load the app root once: on a freshly started server Streamlit runs a direct /softmax link as a
    plain ``pages/`` script until app.py has called st.navigation once (reported to the frame owner)."""
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(app_url)
    wait_for_app_run(tab, timeout=FIRST_PAINT_MS)
    context.close()


def open_explorer(page, app_url: str, query: str = "") -> None:
    """Open the explorer from a link, and wait until its charts have drawn.

    The first paint loads the page's element code (data editor, tables, KaTeX), which takes a busy 2-core
    machine far longer than a rerun, hence the longer first wait.
    """
    page.goto(f"{app_url}/softmax" + (f"?{query}" if query else ""))
    wait_for_app_run(page, timeout=FIRST_PAINT_MS)
    expect(page.get_by_role("heading", name="Softmax explorer")).to_be_visible()
    expect(page.locator("[data-testid='stSidebarNav']")).to_contain_text("Training lab")
    expect(main_chart(page).locator("rect[data-value]").first).to_be_visible()


def main_chart(page):
    return page.locator("figure[data-chart='softmax_bars']")


def steps_table(page):
    return page.locator("[data-testid='stTable']").first


def type_logits(page, text: str) -> None:
    """Replace the logits and submit them (Ctrl+Enter is how a text area commits)."""
    box = page.locator(LOGITS_BOX)
    box.fill(text)
    box.press("Control+Enter")


def bar_labels(page) -> list[str]:
    return main_chart(page).locator("text.sp-value").all_text_contents()


def metric_value(page, label: str):
    return page.locator("[data-testid='stMetric']").filter(has_text=label).locator("[data-testid='stMetricValue']")


def test_default_numbers_then_typing_updates_bars_and_numbers(page, app_url):
    open_explorer(page, app_url)
    expect(steps_table(page)).to_contain_text("0.0900")
    expect(steps_table(page)).to_contain_text("0.2447")
    expect(steps_table(page)).to_contain_text("0.6652")
    assert bar_labels(page)[:3] == ["0.0900", "0.2447", "0.6652"]
    expect(metric_value(page, "softmax sum")).to_have_text("1.0000")

    type_logits(page, "0, 0\n0 0")
    expect(steps_table(page)).to_contain_text("0.2500")
    expect(main_chart(page).locator("rect[data-value]")).to_have_count(8)
    assert bar_labels(page)[:4] == ["0.2500"] * 4
    expect(metric_value(page, "sigmoid sum")).to_have_text("2.0000")
    expect(page).to_have_url(re.compile(r"logits=0%2C0%2C0%2C0"))
    assert_no_exception(page)
    screenshot(page, "softmax-typed")


def test_bad_input_shows_an_inline_error_and_keeps_the_last_chart(page, app_url):
    open_explorer(page, app_url)
    type_logits(page, "1, abc, 3")
    error = page.locator("[data-testid='stAlertContentError']")
    expect(error).to_contain_text("'abc' is not a number")
    expect(error).to_contain_text("last valid logits: 1, 2, 3")
    expect(main_chart(page).locator("rect[data-value]")).to_have_count(6)
    assert bar_labels(page)[:3] == ["0.0900", "0.2447", "0.6652"]
    assert_no_exception(page)
    screenshot(page, "softmax-bad-input")

    type_logits(page, "2, 2")
    expect(error).to_have_count(0)
    expect(steps_table(page)).to_contain_text("0.5000")


def test_shared_link_with_overflowing_logits(page, app_url):
    open_explorer(page, app_url, "logits=1000,0,-1000&T=0.5&target=2&classes=cat,dog,bird")
    expect(main_chart(page).locator("text.sp-category")).to_have_text(["cat", "dog", "bird"])
    expect(page.locator("[data-testid='stAlertContentInfo']")).to_contain_text("overflowed")
    naive_table = page.locator("[data-testid='stTable']").nth(1)
    expect(naive_table).to_contain_text("inf")
    expect(naive_table).to_contain_text("nan")
    expect(metric_value(page, "F.cross_entropy (PyTorch)")).to_have_text("4000.000000")
    expect(page.locator("[data-testid='stSlider']").first).to_contain_text("0.5")
    expect(page.locator("[data-testid='stAlertContentWarning']")).to_have_count(0)
    assert_no_exception(page)
    screenshot(page, "softmax-overflow-link")


def test_bad_shared_link_warns_and_falls_back(page, app_url):
    open_explorer(page, app_url, "logits=1,nan&T=0&target=banana")
    warnings = page.locator("[data-testid='stAlertContentWarning']")
    expect(warnings).to_have_count(3)
    expect(page.locator(LOGITS_BOX)).to_have_value("1, 2, 3")
    assert bar_labels(page)[:3] == ["0.0900", "0.2447", "0.6652"]
    assert_no_exception(page)


def test_digit_canvas_handoff_with_ten_logits(page, app_url):
    logits = "1.2,-0.3,0.5,2.2,-1,0,0.7,3.1,-2,0.4"
    open_explorer(page, app_url, f"logits={logits}&classes=0,1,2,3,4,5,6,7,8,9")
    expect(main_chart(page).locator("rect[data-value]")).to_have_count(20)
    expect(main_chart(page).locator("text.sp-category")).to_have_text([str(d) for d in range(10)])
    expect(metric_value(page, "argmax")).to_have_text("7")
    assert_no_exception(page)
    screenshot(page, "softmax-ten-digits")


def test_renaming_a_class_in_the_table_relabels_the_chart(page, app_url):
    open_explorer(page, app_url)
    editor = page.locator("[data-testid='stDataFrame']").first
    box = editor.bounding_box()
    row_height = 35  # Streamlit's default data editor row height; the header is one row
    page.mouse.dblclick(box["x"] + box["width"] * 0.6, box["y"] + row_height * 2 + row_height / 2)
    cell_editor = page.locator("textarea.gdg-input")  # the grid's overlay editor for the clicked cell
    expect(cell_editor).to_have_value("class 1")
    cell_editor.fill("dog")
    cell_editor.press("Enter")
    expect(main_chart(page).locator("text.sp-category")).to_have_text(["class 0", "dog", "class 2"])
    expect(page).to_have_url(re.compile(r"classes=class\+0%2Cdog%2Cclass\+2"))
    assert_no_exception(page)


def test_explorer_on_a_phone(phone_page, app_url):
    open_explorer(phone_page, app_url)
    type_logits(phone_page, "3, 1, 0.2")
    expect(steps_table(phone_page)).to_contain_text("0.8360")
    assert_no_exception(phone_page)
    phone_page.screenshot(path=str(ARTIFACTS_DIR / "softmax-phone.png"))  # the first screen is what matters
