"""Play's pace: ten redraws a second for a few players, a shared budget for a whole class."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from playground.play_pacing import (BASE_TICK_SECONDS, SERVER_TICKS_PER_SECOND, PlayerBoard, needs_new_pace,
                                    tick_seconds)
from playground.training_lab import TICKS_PER_RUN, epochs_per_tick


def test_few_players_get_ten_redraws_a_second_and_a_class_shares_the_budget():
    assert tick_seconds(0) == tick_seconds(1) == BASE_TICK_SECONDS == 0.1
    few = int(SERVER_TICKS_PER_SECOND * BASE_TICK_SECONDS)
    assert tick_seconds(few) == BASE_TICK_SECONDS
    for players in (10, 30, 100):
        assert abs(players / tick_seconds(players) - SERVER_TICKS_PER_SECOND) < 1e-9  # the whole budget, no more


def test_a_run_takes_the_same_wall_time_at_any_pace():
    for epochs in (100, 300, 5000):
        for players in (1, 30):
            tick = tick_seconds(players)
            ticks_needed = -(-epochs // epochs_per_tick(epochs, tick))
            wall = ticks_needed * tick
            assert abs(wall - TICKS_PER_RUN * BASE_TICK_SECONDS) <= tick, (epochs, players, wall)


def test_pace_changes_only_when_far_off():
    assert not needs_new_pace(0.1, 0.12) and not needs_new_pace(0.5, 0.4)
    assert needs_new_pace(0.1, 0.15) and needs_new_pace(0.5, 0.1)


def test_board_counts_players_seen_recently_and_forgets_the_rest():
    board = PlayerBoard(window_seconds=2.0)
    assert board.heartbeat("a", now=0.0) == 1
    assert board.heartbeat("b", now=1.0) == 2
    assert board.heartbeat("a", now=1.5) == 2
    assert board.heartbeat("c", now=3.2) == 2  # b was last seen 2.2 s ago
    board.leave("c")
    assert board.heartbeat("a", now=3.3) == 1


def test_board_is_safe_from_many_sessions_at_once():
    board = PlayerBoard(window_seconds=60.0)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: board.heartbeat(f"p{i % 30}", now=float(i % 7)), range(3000)))
    assert board.heartbeat("p0", now=7.0) == 30
