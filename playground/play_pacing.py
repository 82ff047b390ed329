"""How often the Training lab's Play redraws when many students play at once on one server.

One student gets ten redraws a second. Each redraw is a Streamlit fragment run on the server, and one
server process runs Python on one core at a time, so a whole class pressing Play together would ask for
hundreds of runs a second and leave no time for anything else. So Play may use only ``PLAY_CPU_SHARE`` of
that core: the server measures what a redraw costs and spaces each player's redraws so that all of them
together stay within the share. A run still takes about 10 s of wall time; it just advances more epochs per
redraw (up to ``training_lab.MAX_EPOCHS_PER_TICK``).

Redraws also take turns (``PlayerBoard.redraw_turn``): when a class presses Play together, every player's
first redraw is due at once, and Python's threads share the core by turns, so thirty redraws computing side
by side made every other student's rerun (an explorer edit, a stroke) wait about thirty times longer.

After each redraw the server holds that run until the player's next redraw is due (``seconds_until_due``);
timer ticks arriving meanwhile merge into one, so the share holds whatever the browser's timer does.
Holding after drawing, not before, keeps the live view from fading as stale while it waits. The browser's
timer can only be re-armed by a full run of the page, which costs more CPU than many held ticks, so it
follows the pace only when far off (``REPACE_RATIO``).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

BASE_TICK_SECONDS = 0.1  # ten redraws a second while few students play
PLAY_CPU_SHARE = 0.3  # at most this share of the server's Python core goes to Play redraws
ASSUMED_REDRAW_SECONDS = 0.03  # CPU seconds per redraw until the server has measured some
REDRAW_SMOOTHING = 0.2  # weight of the newest measurement in the running average
REPACE_RATIO = 3.0  # re-arm a browser's timer (a full run) only when it is this far off the server's pace
WAIT_SLICE_SECONDS = 0.1  # a held run looks for clicks this often


def tick_seconds(players: int, redraw_seconds: float = ASSUMED_REDRAW_SECONDS) -> float:
    """Seconds between redraws for each of ``players`` students, when one redraw costs ``redraw_seconds`` of CPU."""
    return max(BASE_TICK_SECONDS, max(players, 1) * redraw_seconds / PLAY_CPU_SHARE)


def needs_new_pace(current: float, wanted: float) -> bool:
    """True when ``wanted`` differs from ``current`` by at least REPACE_RATIO either way."""
    return max(current, wanted) >= REPACE_RATIO * min(current, wanted) * (1 - 1e-9)


def seconds_until_due(last_redraw: float | None, tick: float, now: float) -> float:
    """How long a redraw must wait so it comes ``tick`` seconds after the last one (0 for the first)."""
    return 0.0 if last_redraw is None else max(0.0, last_redraw + tick - now)


def hold_until_due(last_redraw: float | None, tick: float, between_slices: Callable[[], object], *,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], object] = time.sleep) -> None:
    """Sleep (no CPU) until a redraw is due, in short slices with ``between_slices()`` after each.

    The page passes an element update there: that is where Streamlit lets a click (Pause, a slider) interrupt
    the run, by raising, so holding never delays the student's own actions by more than a slice.
    """
    while (wait := seconds_until_due(last_redraw, tick, clock())) > 0:
        sleep(min(wait, WAIT_SLICE_SECONDS))
        between_slices()


class PlayerBoard:
    """The sessions playing right now and what a redraw costs, shared by every session of a server.

    A player checks in when it presses Play and on every redraw, and leaves when it stops. The window (longer
    than a run) only forgets players whose tab closed mid-run, and still counts players whose redraws are
    slow because the server is busy: that is when the count matters most.
    """

    def __init__(self, window_seconds: float = 15.0) -> None:
        self.window_seconds = window_seconds
        self.redraw_seconds = ASSUMED_REDRAW_SECONDS  # running average of the CPU seconds one redraw takes
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._redraw_turn = threading.Lock()

    def heartbeat(self, player: str, now: float) -> int:
        """Record that ``player`` is playing at time ``now``; return how many players are active."""
        with self._lock:
            self._last_seen[player] = now
            for other, seen in list(self._last_seen.items()):
                if now - seen > self.window_seconds:
                    del self._last_seen[other]
            return len(self._last_seen)

    def leave(self, player: str) -> None:
        """Forget ``player`` (paused or finished)."""
        with self._lock:
            self._last_seen.pop(player, None)

    def record_redraw(self, cpu_seconds: float) -> None:
        """Fold one redraw's measured CPU time into the running average (a slower machine slows the pace)."""
        with self._lock:
            self.redraw_seconds += REDRAW_SMOOTHING * (cpu_seconds - self.redraw_seconds)

    def pace(self, player: str, now: float) -> float:
        """Check ``player`` in and return the seconds between its redraws that keep Play within its share."""
        return tick_seconds(self.heartbeat(player, now), self.redraw_seconds)

    def redraw_turn(self) -> threading.Lock:
        """Hold this (``with``) while a Play redraw trains and builds its figures: one redraw computes at a time.

        Waiting for the turn costs no CPU, so the other students' reruns share the core with one redraw
        instead of with every player's.
        """
        return self._redraw_turn
