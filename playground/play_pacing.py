"""How often the Training lab's Play redraws when many students play at once on one server.

One student gets ten redraws a second. Each redraw is a Streamlit fragment run on the server, and one
server process runs Python on one core at a time, so a whole class pressing Play together would ask for
hundreds of runs a second and stall everything (bench/classroom.py with headless students showed it at a
dozen players: a fragment run slower than the timer is cut short by the next tick, so none finishes). Instead the server shares a fixed budget of redraws a second among the players: each run
still takes the same ~10 s of wall time, it just advances more epochs per redraw.
"""
from __future__ import annotations

import threading

BASE_TICK_SECONDS = 0.1  # ten redraws a second while few students play
SERVER_TICKS_PER_SECOND = 30.0  # redraws a second the whole server spends on Play, shared among players
REPACE_RATIO = 1.5  # change a player's pace only when it is this far off, so it does not flap


def tick_seconds(players: int) -> float:
    """Seconds between redraws for each of ``players`` students playing at once."""
    return max(BASE_TICK_SECONDS, max(players, 1) / SERVER_TICKS_PER_SECOND)


def needs_new_pace(current: float, wanted: float) -> bool:
    """True when ``wanted`` differs from ``current`` by at least REPACE_RATIO either way."""
    return max(current, wanted) >= REPACE_RATIO * min(current, wanted) * (1 - 1e-9)


class PlayerBoard:
    """The sessions playing right now, shared by every session of a server.

    A player checks in when it presses Play and on every redraw, and leaves when it stops. The window (longer
    than a run) only forgets players whose tab closed mid-run, and still counts players whose redraws are
    slow because the server is busy: that is when the count matters most.
    """

    def __init__(self, window_seconds: float = 15.0) -> None:
        self.window_seconds = window_seconds
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()

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
