"""Hostile canvas values sent over the websocket, as any client can: refused before decoding, one warning each.

A protocol-level tab (``harness/protocol.py``) sets the canvas component's value to a PNG data URL
whose header claims a huge image. The server's memory must not follow the claim, the page must warn and
keep working, and a real drawing right after must still be read.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psutil
import pytest

from harness.canvas import black_rgba_png, canvas_state, data_url_value
from harness.protocol import StreamlitTab
from harness.server import free_port, start_streamlit, stop, wait_healthy
from tests.e2e.browser import ARTIFACTS_DIR

CANVAS_KEY = "digits_canvas_0"  # the first canvas (Clear would make a new one)
SEVEN = [(0.1, 0.05), (0.9, 0.05), (0.35, 0.95)]  # a 7 in unit coordinates, drawn by canvas_state as bench/classroom.py does
MAX_GROWTH_MB = 150  # a drawing's decode is about 0.3 MB; an old-code decode of these payloads is gigabytes


HOSTILE = {
    "13000x13000 (0.9 MB message)": lambda: data_url_value(black_rgba_png(13000)),
    "6000x6000 (small message)": lambda: data_url_value(black_rgba_png(6000)),
    "not a PNG": lambda: data_url_value(b"GIF89a" + b"\x00" * 100),
    "drawing is a string": lambda: {"drawing": "x" * 1000},
    "data is a number": lambda: {"drawing": {"raw": None, "data": 12345}},
}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, psutil.Process]]:
    """A server of this module's own, so its memory is this test's alone."""
    port = free_port()
    with open(ARTIFACTS_DIR.parent / "streamlit-hostile-canvas.log", "w") as log:
        process = start_streamlit(port, log=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process, timeout=60.0, poll=0.3)
            yield url, psutil.Process(process.pid)
        finally:
            stop(process)


@contextmanager
def peak_rss_mb(process: psutil.Process, every: float = 0.005) -> Iterator[list[float]]:
    """Sample the server's RSS while the block runs; the list's last item is the peak in MB, at the end."""
    samples = [process.memory_info().rss / 1e6]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            samples.append(process.memory_info().rss / 1e6)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result: list[float] = []
    try:
        yield result
    finally:
        done.set()
        sampler.join()
        result.append(max(samples))


async def send_then_draw(url: str, hostile: dict, process: psutil.Process) -> tuple[float, list[str], str, list[str]]:
    """Open the digit page, draw a 7, send ``hostile``, then draw the 7 again.

    Returns the server's RSS growth in MB over the hostile value, the page's warnings after it, the
    prediction after the real drawing, and any exception the page showed.
    """
    tab = StreamlitTab(url, timeout=60)
    try:
        await tab.open("digits", "model=linear")
        await tab.set_json(CANVAS_KEY, canvas_state(SEVEN))
        await tab.wait_for_metric("Prediction", lambda value: value != "")
        before = process.memory_info().rss / 1e6
        with peak_rss_mb(process) as peak:
            await tab.set_json(CANVAS_KEY, hostile)
        growth = peak[0] - before
        warnings = [e.value for e in tab.elements.values() if e.kind == "alert" and e.value]
        refused_prediction = tab.metric("Prediction")
        await tab.set_json(CANVAS_KEY, canvas_state(SEVEN))
        prediction = await tab.wait_for_metric("Prediction", lambda value: value != "")
        return growth, warnings + ([f"prediction {refused_prediction}"] if refused_prediction else []), prediction, \
            tab.exceptions
    finally:
        await tab.close()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_canvas_value_is_refused_before_decoding(server, name):
    url, process = server
    hostile = HOSTILE[name]()
    with ThreadPoolExecutor(1) as thread:  # a loop of its own: Playwright's sync API may hold this thread's
        growth, after_hostile, prediction, exceptions = thread.submit(
            asyncio.run, send_then_draw(url, hostile, process)).result()
    assert exceptions == []
    assert growth < MAX_GROWTH_MB, f"server RSS grew {growth:.0f} MB on one hostile drawing"
    assert len(after_hostile) == 1 and "cannot be read" in after_hostile[0], after_hostile  # one warning only
    assert prediction == "7"  # the page kept working: the next real drawing is read
