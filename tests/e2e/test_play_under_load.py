"""A class pressing Play at once, on a real server: every run finishes and each student redraws less often.

The students are protocol-level tabs (``bench/streamlit_client.py``: the reruns and the run_every timer a
browser sends), so a dozen fit next to the server. Their timers start at ten ticks a second; the server must
slow them (the pace it sends, and the ticks it holds back) so that no run starves.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench.streamlit_client import StreamlitTab
from playground.training_lab import EPOCHS_DEFAULT, TICKS_PER_RUN

PLAYERS = 12
WAIT_SECONDS = 120.0  # a run takes ~10 s at any pace; this only bounds a hung test


async def play_one_run(url: str) -> StreamlitTab:
    """Open the lab, press Play, and wait until the run's last epoch is shown and the timer has stopped."""
    tab = StreamlitTab(url, timeout=WAIT_SECONDS)
    await tab.open("training")
    await tab.click("tr_play", settle=False)  # the timer keeps the session busy; the epochs are the answer
    await tab.wait_for_metric("Epoch", lambda value: value == f"{EPOCHS_DEFAULT} / {EPOCHS_DEFAULT}")
    for _ in range(100):  # the run's last redraw asks for a full run, which stops the timer
        if not tab.auto_rerunning:
            break
        await asyncio.sleep(0.1)
    return tab


async def a_class_plays(url: str) -> list[StreamlitTab]:
    tabs = await asyncio.gather(*(play_one_run(url) for _ in range(PLAYERS)))
    await asyncio.gather(*(tab.close() for tab in tabs))
    return tabs


def test_a_class_pressing_play_together_all_finish_at_a_shared_pace(fresh_app_url):
    with ThreadPoolExecutor(1) as thread:  # a loop of its own: Playwright's sync API keeps one running here
        tabs = thread.submit(asyncio.run, a_class_plays(fresh_app_url)).result()
    for tab in tabs:
        assert tab.exceptions == []
        assert not tab.auto_rerunning, "the Play timer still runs after the run finished"
    # Alone, a run redraws TICKS_PER_RUN times (ten a second); sharing the server, each student's redraws are
    # spaced out and advance more epochs each. (A class that starved the server would not finish above.)
    redraws = sorted(tab.stats.fragment_runs_started for tab in tabs)
    assert redraws[len(redraws) // 2] < TICKS_PER_RUN / 2, redraws
    ticks_sent = sum(tab.stats.auto_reruns_sent for tab in tabs)
    assert ticks_sent < PLAYERS * TICKS_PER_RUN, "the server never slowed the browsers' timers"
