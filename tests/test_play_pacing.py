"""Play's pace: ten redraws a second for a few players, a shared budget for a whole class."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from playground.play_pacing import (ASSUMED_REDRAW_SECONDS, BASE_TICK_SECONDS, PLAY_CPU_SHARE, PlayerBoard,
                                    hold_until_due, needs_new_pace, seconds_until_due, tick_seconds)
from playground.training_lab import EPOCHS_MAX, MAX_EPOCHS_PER_TICK, TICKS_PER_RUN, TrainingLab, epochs_per_tick


def test_one_player_gets_ten_redraws_a_second_and_a_class_shares_the_budget():
    assert tick_seconds(0) == tick_seconds(1) == BASE_TICK_SECONDS == 0.1
    for cost in (0.005, ASSUMED_REDRAW_SECONDS, 0.08):
        for players in (10, 30, 100):
            cpu_share = players * cost / tick_seconds(players, cost)  # CPU seconds of redraws per second
            assert cpu_share == pytest.approx(PLAY_CPU_SHARE)  # the whole share, no more


def test_a_dearer_redraw_slows_the_pace():
    assert tick_seconds(30, 0.06) == pytest.approx(2 * tick_seconds(30, 0.03))
    assert tick_seconds(1, 0.001) == BASE_TICK_SECONDS  # never faster than ten a second


def test_a_tick_that_comes_early_waits_for_the_rest_of_its_interval():
    assert seconds_until_due(None, 3.0, now=100.0) == 0.0  # the first redraw after Play is due at once
    assert seconds_until_due(99.0, 3.0, now=100.0) == pytest.approx(2.0)
    assert seconds_until_due(90.0, 3.0, now=100.0) == 0.0


def test_play_starts_due_and_each_tick_restarts_the_interval():
    lab = TrainingLab()
    lab.play()
    assert lab.last_tick is None
    lab.tick()
    first = lab.last_tick
    assert first is not None and seconds_until_due(first, 5.0, first + 1.0) == pytest.approx(4.0)
    lab.play()  # pressing Play again (a new run) does not wait for the old interval
    assert lab.last_tick is None


def test_board_averages_the_measured_cost_of_a_redraw():
    board = PlayerBoard()
    assert board.redraw_seconds == ASSUMED_REDRAW_SECONDS
    for _ in range(60):
        board.record_redraw(0.09)
    assert board.redraw_seconds == pytest.approx(0.09, rel=1e-3)
    for player in "abc":
        pace = board.pace(player, now=0.0)
    assert pace == pytest.approx(tick_seconds(3, board.redraw_seconds))


def test_a_run_takes_the_same_wall_time_at_any_pace():
    for epochs, players in ((100, 1), (100, 30), (300, 1), (300, 30), (EPOCHS_MAX, 1)):
        tick = tick_seconds(players)
        ticks_needed = -(-epochs // epochs_per_tick(epochs, tick))
        wall = ticks_needed * tick
        assert abs(wall - TICKS_PER_RUN * BASE_TICK_SECONDS) <= tick, (epochs, players, wall)


def test_a_class_playing_the_longest_runs_trains_at_most_the_cap_per_redraw():
    tick = tick_seconds(30)
    assert epochs_per_tick(EPOCHS_MAX, tick) == MAX_EPOCHS_PER_TICK
    assert EPOCHS_MAX / MAX_EPOCHS_PER_TICK * tick > TICKS_PER_RUN * BASE_TICK_SECONDS  # so such runs take longer


def test_the_pace_settles_when_a_redraw_costs_more_the_more_epochs_it_trains():
    """The board measures whole redraws, training included; a slower pace trains more per redraw. The cap
    keeps that loop from running away (a class of 13 playing 5000-epoch runs once drove it to 2 s a redraw)."""
    draw_seconds, epoch_seconds = 0.03, 0.0003  # about this machine: a redraw's charts, and one SGD epoch
    for players in (1, 13, 30):
        tick = BASE_TICK_SECONDS
        for _ in range(200):
            tick = tick_seconds(players, draw_seconds + epoch_seconds * epochs_per_tick(EPOCHS_MAX, tick))
        worst = tick_seconds(players, draw_seconds + epoch_seconds * MAX_EPOCHS_PER_TICK)
        assert tick <= worst + 1e-9
        assert tick_seconds(players, draw_seconds + epoch_seconds * epochs_per_tick(EPOCHS_MAX, tick)) == \
            pytest.approx(tick)  # a fixed point: the pace no longer moves


def test_the_browser_timer_is_re_armed_only_when_far_off():
    assert not needs_new_pace(0.1, 0.25) and not needs_new_pace(0.5, 0.2)
    assert needs_new_pace(0.1, 0.3) and needs_new_pace(0.9, 0.3)


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


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, now: float) -> None:
        self.now, self.sleeps = now, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_held_tick_sleeps_in_slices_and_offers_a_yield_point_after_each():
    clock, yields = FakeClock(now=10.05), []
    hold_until_due(10.0, 0.3, lambda: yields.append(clock.now), clock=clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(10.3)
    assert max(clock.sleeps) <= 0.1 + 1e-12 and len(yields) == len(clock.sleeps) == 3


def test_a_click_during_a_held_tick_ends_the_wait_at_once():
    class Click(Exception):
        """Stands for Streamlit's RerunException, raised at an element update when Pause is clicked."""

    clock = FakeClock(now=0.0)

    def clicked() -> None:
        raise Click

    with pytest.raises(Click):
        hold_until_due(0.0, 3.0, clicked, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [0.1]


def test_a_due_tick_is_not_held():
    clock = FakeClock(now=5.0)
    hold_until_due(None, 3.0, lambda: None, clock=clock, sleep=clock.sleep)
    hold_until_due(1.0, 3.0, lambda: None, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


def test_redraws_take_turns_and_a_failed_redraw_gives_its_turn_up():
    board, inside, most = PlayerBoard(), [], []

    def redraw(i: int) -> int:
        with board.redraw_turn():
            inside.append(i)
            most.append(len(inside))
            time.sleep(0.01)  # a redraw's work; the others wait without CPU
            inside.remove(i)
        return i

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(redraw, range(8))) == list(range(8))
    assert max(most) == 1
    with pytest.raises(RuntimeError), board.redraw_turn():
        raise RuntimeError("a click interrupts the run")
    assert board.redraw_turn().acquire(timeout=1)  # released by the failed redraw
