"""A class pressing Play at once, on a real server: every student gets the whole run, and nothing keeps rerunning.

The students are protocol-level tabs (``harness/protocol.py``). Pressing Play in the player is one trigger
to the server, which records the run (once for the class: runs are cached) and sends it; playing it is the
browser's work, so after that rerun the server hears nothing until the student pauses.
"""
from __future__ import annotations

import asyncio
import base64
import json
from concurrent.futures import ThreadPoolExecutor

from harness.protocol import StreamlitTab

PLAYERS = 12
EPOCHS = 3000
WAIT_SECONDS = 120.0  # only bounds a hung test


def player_data(tab: StreamlitTab) -> dict:
    return json.loads(tab.widget("tr_player").value)


async def press_play(url: str) -> tuple[StreamlitTab, dict, int, int]:
    """Open the lab, press Play in the player; return the tab, the data it got, the whole-page runs Play started,
    and the runs started after it, while playing."""
    tab = StreamlitTab(url, timeout=WAIT_SECONDS)
    await tab.open("training", f"epochs={EPOCHS}")
    await tab.wait_for_widget("tr_player")
    assert player_data(tab)["run"] is None
    full_runs = tab.stats.full_runs_started
    await tab.trigger("tr_player", "request", "play")
    data = player_data(tab)
    full_runs_for_play = tab.stats.full_runs_started - full_runs
    runs = tab.stats.full_runs_started + tab.stats.fragment_runs_started
    await asyncio.sleep(2.0)  # "playing": the browser animates; the server must stay quiet
    return tab, data, full_runs_for_play, tab.stats.full_runs_started + tab.stats.fragment_runs_started - runs


async def a_class_presses_play(url: str) -> list[tuple[StreamlitTab, dict, int, int]]:
    results = await asyncio.gather(*(press_play(url) for _ in range(PLAYERS)))
    await asyncio.gather(*(tab.close() for tab, *_ in results))
    return results


def test_a_class_pressing_play_together_all_get_their_run_and_no_timer(fresh_app_url):
    with ThreadPoolExecutor(1) as thread:  # a loop of its own: Playwright's sync API keeps one running here
        results = thread.submit(asyncio.run, a_class_presses_play(fresh_app_url)).result()
    for tab, data, full_runs_for_play, reruns_while_playing in results:
        assert tab.exceptions == []
        assert full_runs_for_play == 0, "Play reran the whole page, not only the player"
        assert data["intent"] == "play" and data["run"]["last"] == EPOCHS
        assert len(base64.b64decode(data["run"]["loss"])) == 4 * (EPOCHS + 1)
        assert not tab.auto_rerunning, "a timer reruns the page while the browser plays"
        assert reruns_while_playing == 0
    assert len({data["run"]["loss"] for _, data, *_ in results}) == 1  # the same run for every student
