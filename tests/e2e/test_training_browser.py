"""The Training lab in a real chromium: Overshoot explodes, Good converges, both curves are compared."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, screenshot, wait_for_app_run

pytestmark = pytest.mark.e2e
FINISH_TIMEOUT = 90_000  # a 10-epoch run plays in 10 ticks of 0.1 s; generous for a busy 2-core CI machine
RUN_TIMEOUT = 60_000


def open_training(page, app_url: str, query: str = "") -> None:
    """Open the Training lab (optionally with a query string) and wait for its first run."""
    page.goto(f"{app_url}/training" + (f"?{query}" if query else ""))
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    page.get_by_text("Training lab").first.wait_for()


def metric_text(page, label: str) -> str:
    """The displayed value of the ``st.metric`` whose label is ``label``."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^{re.escape(label)}$")))
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def epoch_shown(page) -> int:
    """The epoch counter's current value."""
    return int(metric_text(page, "Epoch").split("/")[0])


def click_button(page, label: str, wait: bool = True) -> None:
    """Click a Streamlit button by its visible label and (unless playing) wait for the rerun to finish."""
    page.get_by_role("button", name=label, exact=True).click()
    if wait:
        wait_for_app_run(page, timeout=RUN_TIMEOUT)


def wait_for_banner(page, title: str, timeout: float = FINISH_TIMEOUT) -> str:
    """Wait for the verdict banner of a *finished* run (no "So far") and return its text."""
    banner = page.locator("[data-testid='stAlert']").filter(has_text=re.compile(rf"^{re.escape(title)}\."))
    banner.first.wait_for(state="visible", timeout=timeout)
    return banner.first.inner_text()


def open_expanders(page) -> None:
    """Expand every st.expander (a client-side toggle, no rerun) so screenshots show their content."""
    for summary in page.locator("[data-testid='stExpander'] summary").all():
        summary.click()


def comparison_curves(page) -> int:
    """How many runs the comparison chart's legend lists."""
    return page.locator(".st-key-tr_comparison .legend .traces").count()


def test_overshoot_then_good_are_compared(page, app_url):
    open_training(page, app_url, "epochs=10")  # ten ticks per run keep the test short on a busy machine
    click_button(page, "Overshoot (1e5)")
    expect(page.locator("[data-testid='stMain']")).to_contain_text("lr = 1e5")
    click_button(page, "Play", wait=False)
    verdict = wait_for_banner(page, "Diverged")
    assert "higher than it started" in verdict or "overflowed" in verdict
    page.get_by_text("10 / 10").first.wait_for()
    start, now = float(metric_text(page, "Loss at start")), float(metric_text(page, "Loss, last epoch"))
    assert now > 1000 * start, (start, now)  # the loss rose by orders of magnitude
    assert_no_exception(page)
    screenshot(page, "training-overshoot")

    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    click_button(page, "Good (0.1)")
    click_button(page, "Play", wait=False)
    wait_for_banner(page, "Converging")
    page.wait_for_function(
        "() => document.querySelectorAll('.st-key-tr_comparison .legend .traces').length === 2")
    legend = page.locator(".st-key-tr_comparison .legend").text_content()
    assert "lr=1e5" in legend and "lr=0.1" in legend, legend
    assert comparison_curves(page) == 2
    assert "?" in page.url and "lr=0.1" in page.url
    assert_no_exception(page)
    open_expanders(page)
    screenshot(page, "training-compared")


def test_play_redraws_live_and_pause_stops(page, app_url):
    open_training(page, app_url, "lr=0.5&epochs=5000")
    click_button(page, "Play", wait=False)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while len(seen - {0}) < 4 and time.monotonic() < deadline:
        seen.add(epoch_shown(page))
        page.wait_for_timeout(30)
    assert len(seen - {0}) >= 4, f"the epoch counter did not move live while playing: {sorted(seen)}"
    assert max(seen) < 5000, "finished before we could see it play"
    page.get_by_text("Log y-axis for loss charts").click()  # the rest of the page stays usable while playing
    before = max(seen)
    page.wait_for_function("""(before) => {
        const label = [...document.querySelectorAll("[data-testid='stMetric']")]
            .find(m => m.querySelector("[data-testid='stMetricLabel']").innerText.trim() === "Epoch");
        return label && parseInt(label.querySelector("[data-testid='stMetricValue']").innerText) > before;
    }""", arg=before, timeout=FINISH_TIMEOUT)
    # the loss charts are redrawn while playing: wait (Playwright's retrying expect) for one to have its axes
    expect(page.locator("[data-testid='stPlotlyChart'] .yaxislayer-above").first).to_be_attached(timeout=RUN_TIMEOUT)
    click_button(page, "Pause")
    page.wait_for_timeout(400)  # a tick requested just before Pause may still run once (it cannot advance)
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    paused_at = epoch_shown(page)
    assert 0 < paused_at < 5000
    states = page.evaluate("""async () => {  // 15 tick intervals: while paused the fragment must not rerun
        const seen = new Set();
        for (let i = 0; i < 60; i++) {
            seen.add(document.querySelector("[data-testid='stApp']").getAttribute("data-test-script-state"));
            await new Promise(resolve => setTimeout(resolve, 25));
        }
        return [...seen];
    }""")
    assert states == ["notRunning"], states
    assert epoch_shown(page) == paused_at
    assert page.get_by_role("button", name="Play", exact=True).is_enabled()
    assert page.locator("[data-testid='stAlert']").filter(has_text="So far").count() == 1
    click_button(page, "Step")
    assert epoch_shown(page) == paused_at + 1
    assert_no_exception(page)
    screenshot(page, "training-paused")


def test_absurd_url_values_warn_and_fall_back(page, app_url):
    open_training(page, app_url, "lr=-5&epochs=abc&seed=1&norm=maybe")
    main = page.locator("[data-testid='stMain']")
    for text in ("the learning rate must be positive", "Ignored URL parameter epochs=abc", "norm=maybe",
                 "lr = 0.1", "0 / 20"):
        expect(main).to_contain_text(text, timeout=RUN_TIMEOUT)
    assert_no_exception(page)
    screenshot(page, "training-bad-url")


def test_a_shared_link_is_the_fresh_servers_first_request(page, fresh_app_url):
    open_training(page, fresh_app_url, "lr=100000&epochs=7&seed=3&norm=1&l2=1")
    nav = page.locator("[data-testid='stSidebarNav']")
    for title in ("Overview", "Training lab"):  # the real navigation frame, not the pages/ folder listing
        expect(nav).to_contain_text(title, timeout=RUN_TIMEOUT)
    main = page.locator("[data-testid='stMain']")
    for text in ("lr = 1e5", "0 / 7"):
        expect(main).to_contain_text(text, timeout=RUN_TIMEOUT)
    assert page.get_by_role("switch", name="Standardise features").is_checked()
    assert_no_exception(page)
