"""The Training lab in a real chromium: the server records a run once, the browser's player plays it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from harness.browser import wait_for_app_run
from tests.e2e.browser import assert_no_exception, screenshot

pytestmark = pytest.mark.e2e
RUN_TIMEOUT = 60_000
PLAYER = ".st-key-tr_player"


def open_training(page, app_url: str, query: str = "") -> None:
    """Open the Training lab (optionally with a query string) and wait for its player."""
    page.goto(f"{app_url}/training" + (f"?{query}" if query else ""))
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    page.locator(f"{PLAYER} .sp-epoch").wait_for(timeout=RUN_TIMEOUT)


def epoch_text(page) -> str:
    return page.locator(f"{PLAYER} .sp-epoch").inner_text().strip()


def epoch_shown(page) -> int:
    """The player's current epoch, from its ``Epoch k / N`` text."""
    return int(re.fullmatch(r"Epoch (\d+) / \d+", epoch_text(page)).group(1))


def player_button(page, label: str):
    return page.locator(f"{PLAYER} button", has_text=re.compile(rf"^{label}$"))


def wait_for_run(page, last: int) -> None:
    """Wait until the server's run has reached the player (its scrubber spans the run)."""
    page.wait_for_function(f"(last) => document.querySelector('{PLAYER} .sp-scrub').max === String(last)",
                           arg=last, timeout=RUN_TIMEOUT)


def sgd_step_epoch(page) -> int:
    """The epoch the 'One SGD step' section shows."""
    text = page.locator("[data-testid='stExpander']").filter(has_text="One SGD step").inner_text()
    return int(re.search(r"For the weights at epoch (\d+)", text).group(1))


def open_sgd_step(page) -> None:
    page.locator("[data-testid='stExpander'] summary").filter(has_text="One SGD step").click()
    wait_for_app_run(page, timeout=RUN_TIMEOUT)


def test_play_pause_step_and_scrub_in_the_browser(page, app_url):
    open_training(page, app_url, "lr=0.5&epochs=3000")
    open_sgd_step(page)
    assert epoch_text(page) == "Epoch 0 / 3000"
    player_button(page, "Play").click()
    wait_for_run(page, 3000)
    seen = set(page.evaluate("""async () => {  // the epoch moves on every animation frame, no server rerun
        const seen = [];
        for (let i = 0; i < 30; i++) {
            seen.push(document.querySelector('.st-key-tr_player .sp-epoch').innerText);
            await new Promise(requestAnimationFrame);
        }
        return seen;
    }"""))
    assert len(seen) >= 10, seen
    player_button(page, "Pause").click()
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    paused_at = epoch_shown(page)
    assert 0 < paused_at < 3000
    page.wait_for_timeout(300)
    assert epoch_shown(page) == paused_at  # paused: the playhead stays
    expect(page.locator("[data-testid='stExpander']").filter(has_text="One SGD step")).to_contain_text(
        f"For the weights at epoch {paused_at}", timeout=RUN_TIMEOUT)  # Pause reported the epoch to the server
    player_button(page, "Step").click()
    assert epoch_shown(page) == paused_at + 1
    expect(page.locator("[data-testid='stExpander']").filter(has_text="One SGD step")).to_contain_text(
        f"For the weights at epoch {paused_at + 1}", timeout=RUN_TIMEOUT)
    scrub = page.locator(f"{PLAYER} .sp-scrub")
    scrub.evaluate("(el) => { el.value = '120'; el.dispatchEvent(new Event('input', {bubbles: true}));"
                   " el.dispatchEvent(new Event('change', {bubbles: true})); }")
    assert epoch_text(page) == "Epoch 120 / 3000"
    expect(page.locator("[data-testid='stExpander']").filter(has_text="One SGD step")).to_contain_text(
        "For the weights at epoch 120", timeout=RUN_TIMEOUT)
    player_button(page, "Reset").click()
    assert epoch_text(page) == "Epoch 0 / 3000"
    assert_no_exception(page)
    screenshot(page, "training-paused")


def test_an_lr_change_mid_run_continues_and_the_runs_are_compared(page, app_url):
    open_training(page, app_url, "lr=1e-10&epochs=600")
    player_button(page, "Play").click()
    wait_for_run(page, 600)
    page.wait_for_function("() => +document.querySelector('.st-key-tr_player').querySelector('.sp-player')"
                           ".dataset.epoch >= 150", timeout=RUN_TIMEOUT)
    page.get_by_role("button", name="Good (0.1)", exact=True).click()  # grabbing the lr reports the playhead
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    expect(page.locator(f"{PLAYER} .sp-loss-title")).to_be_visible()
    segments = page.wait_for_function(
        "() => { const p = document.querySelector('.st-key-tr_player .sp-player').__player;"
        " return p && p.run && p.run.segments.length === 2 && p.run.segments; }", timeout=RUN_TIMEOUT).json_value()
    assert segments[0] == [0, 1e-10] and segments[1][1] == 0.1 and 150 <= segments[1][0] < 600, segments
    page.wait_for_function("() => document.querySelector('.st-key-tr_player .sp-epoch').innerText"
                           " === 'Epoch 600 / 600'", timeout=RUN_TIMEOUT)  # kept playing to the end
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    label = f"#1 lr=1e-10 → 0.1 @{segments[1][0]}"
    expect(page.locator(".st-key-tr_comparison .legend")).to_contain_text(label, timeout=RUN_TIMEOUT)
    banner = page.locator("[data-testid='stAlert']").filter(has_text="End of the run")
    expect(banner).to_contain_text("Converging", timeout=RUN_TIMEOUT)
    assert "lr=0.1" in page.url
    open_training(page, app_url, "lr=100000&epochs=20")  # a second run, Overshoot, joins the comparison
    player_button(page, "Play").click()
    wait_for_run(page, 20)
    page.wait_for_function("() => document.querySelector('.st-key-tr_player .sp-epoch').innerText"
                           " === 'Epoch 20 / 20'", timeout=RUN_TIMEOUT)
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    assert_no_exception(page)
    screenshot(page, "training-compared")


def test_an_lr_change_while_paused_continues_from_the_paused_epoch(page, app_url):
    """Paused, the player has reported its playhead already; its answer to the new lr must still arrive."""
    open_training(page, app_url, "lr=1e-10&epochs=600")
    player_button(page, "Play").click()
    wait_for_run(page, 600)
    page.wait_for_function("() => +document.querySelector('.st-key-tr_player').querySelector('.sp-player')"
                           ".dataset.epoch >= 100", timeout=RUN_TIMEOUT)
    player_button(page, "Pause").click()
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    paused = epoch_shown(page)
    page.get_by_role("button", name="Good (0.1)", exact=True).click()
    segments = page.wait_for_function(
        "() => { const p = document.querySelector('.st-key-tr_player .sp-player').__player;"
        " return p && p.run && p.run.segments.length === 2 && p.run.segments; }", timeout=RUN_TIMEOUT).json_value()
    assert segments == [[0, 1e-10], [paused, 0.1]], (segments, paused)
    assert_no_exception(page)


def test_phone_layout(phone_page, app_url):
    page = phone_page
    open_training(page, app_url, "epochs=2000")
    player_button(page, "Play").click()
    wait_for_run(page, 2000)
    page.locator(f"{PLAYER} .sp-loss").scroll_into_view_if_needed()
    play, chart = player_button(page, "Pause").bounding_box(), page.locator(f"{PLAYER} .sp-loss").bounding_box()
    height = page.viewport_size["height"]
    assert play["y"] >= 0 and chart["y"] + chart["height"] <= height, (play, chart)  # both on screen while playing
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # nothing overflows sideways
    player_button(page, "Pause").click()
    page.wait_for_function("() => document.querySelector('.st-key-tr_player .sp-epoch').innerText !== ''")
    wait_for_app_run(page, timeout=RUN_TIMEOUT)
    page.wait_for_timeout(300)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "training-phone")
    assert_no_exception(page)


def test_phone_runs_table_stays_on_screen(phone_page, app_url):
    """Two finished runs on a phone: the table of runs scrolls inside its own box, the page never sideways."""
    page = phone_page
    open_training(page, app_url, "epochs=30")
    for preset in ("Overshoot (1e5)", "Good (0.1)"):
        page.get_by_role("button", name=preset).click()
        wait_for_app_run(page, timeout=RUN_TIMEOUT)
        player_button(page, "Play").click()
        page.wait_for_function(f"() => document.querySelector('{PLAYER} .sp-epoch').innerText.trim() === 'Epoch 30 / 30'",
                               timeout=RUN_TIMEOUT)
        wait_for_app_run(page, timeout=RUN_TIMEOUT)
    table = page.locator("[data-testid='stDataFrame']")
    expect(table).to_be_visible(timeout=RUN_TIMEOUT)
    table.scroll_into_view_if_needed()
    box, width = table.bounding_box(), page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    screenshot(page, "training-phone-runs")
    assert_no_exception(page)


def test_absurd_url_values_warn_and_fall_back(page, app_url):
    open_training(page, app_url, "lr=-5&epochs=abc&seed=1&norm=maybe")
    main = page.locator("[data-testid='stMain']")
    for text in ("the learning rate must be positive", "Ignored URL parameter epochs=abc", "norm=maybe",
                 "lr = 0.1", "Epoch 0 / 20"):
        expect(main).to_contain_text(text, timeout=RUN_TIMEOUT)
    assert_no_exception(page)
    screenshot(page, "training-bad-url")


def test_a_shared_link_is_the_fresh_servers_first_request(page, fresh_app_url):
    open_training(page, fresh_app_url, "lr=100000&epochs=7&seed=3&norm=1&l2=1")
    nav = page.locator("[data-testid='stSidebarNav']")
    for title in ("Overview", "Training lab"):  # the real navigation frame, not the pages/ folder listing
        expect(nav).to_contain_text(title, timeout=RUN_TIMEOUT)
    main = page.locator("[data-testid='stMain']")
    for text in ("lr = 1e5", "Epoch 0 / 7"):
        expect(main).to_contain_text(text, timeout=RUN_TIMEOUT)
    assert page.get_by_role("switch", name="Standardise features").is_checked()
    assert_no_exception(page)
