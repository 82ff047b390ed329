"""Classroom load test: N students use all three pages at once against one `streamlit run app.py`.

    python bench/classroom.py [--sessions 30] [--headless-students 0] [--cycles 3] [--stagger 0.5] [--think 1]
                              [--model cnn|linear]

Modelled on Streamlit's e2e_playwright/load_testing: one server on a free localhost port, one chromium,
N browser contexts driven concurrently with asyncio, server RSS and threads sampled with psutil in a
thread. Each student: opens the explorer and types three sets of logits; opens the training lab,
presses Play, lets it run, presses Pause; opens the digit canvas and draws three digits (clearing
after each). Prints sessions failed (stException, timeout, disconnect), p50/p95 rerun latency per
action (action → updated element), page loads, server RSS (start, peak, end; children included) and
threads, and with --cycles the RSS growth from cycle to cycle. Targets (issue 6): 0 failed, p95 ≤ 300 ms
for explorer and digit updates, peak RSS ≤ 690 MB, growth < 5 %. The browser and the server share
this machine's cores, so latencies are pessimistic; asserts nothing.

Hybrid class (--headless-students M): on a small machine chromium, not the server, runs out of CPU long
before 30 browser contexts. So N real browsers measure what a student sees (their latencies are the
ones reported and judged against the targets), and M protocol-level students (harness/protocol.py:
Python websocket clients speaking Streamlit's own protocol, no browser) add the server load of the rest
of the class. Each headless student makes the browser student's visit at the same pace: it fetches the
app's JS and CSS (a fresh browser context), and for each page the page itself, the health and
host-config requests and a fresh websocket session; it commits the same three logits; presses Play,
sends the fragment reruns the frontend's run_every timer sends while it plays (~1.5 s) and presses
Pause; sends three drawings as the canvas does (Fabric JSON and a 280×280 PNG, one fragment rerun per
stroke) and presses Clear after each. Their failures (exception element, wrong argmax, prediction not
shown or not cleared, timeout, disconnect) are reported as "headless students failed: k/M", their
latencies, training fragments and traffic separately. `--sessions 2 --headless-students 28` puts 30
sessions on the server, 2 of them real browsers; the browsers join spread evenly over the class's
--stagger slots.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from playground.paths import MODELS_DIR  # noqa: E402
from harness.browser import CHROMIUM_ARGS  # noqa: E402
from harness.canvas import canvas_state  # noqa: E402
from harness.protocol import ProtocolFailure, StreamlitTab, fetch_assets  # noqa: E402
from harness.server import free_port, start_streamlit, stop, wait_healthy  # noqa: E402

MB = 1024 * 1024
APP = "[data-testid='stApp']"
IDLE = f"{APP}[data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']"
CANVAS = "canvas.upper-canvas"
LOGIT_SETS = [("3, 1, 0", "class 0"), ("0, 1, 5, 2", "class 2"), ("2, 9, 1", "class 1")]
DIGIT_STROKES = {  # one stroke each, unit coordinates inside a 180 px box
    "1": [(0.55, 0.0), (0.45, 1.0)],
    "7": [(0.0, 0.0), (1.0, 0.0), (0.4, 1.0)],
    "0": [(0.5 + 0.32 * np.sin(2 * np.pi * k / 36), 0.5 - 0.5 * np.cos(2 * np.pi * k / 36)) for k in range(38)],
}
TARGET_P95_MS, TARGET_PEAK_MB, TARGET_GROWTH = 300.0, 690.0, 0.05


class SessionFailed(ProtocolFailure):
    """A browser student's session broke; ``kind`` is stException, timeout, disconnect or error."""


@dataclass
class SessionResult:
    """What one student saw: latencies per action kind, page loads, and the failure if any."""

    sid: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failure: SessionFailed | None = None
    epochs_per_second: float | None = None
    server_cpu_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


# --- the server and its sampler --------------------------------------------------------------

class ServerSampler:
    """Samples the server's RSS (with child processes) and thread count in a background thread."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, float, int, float]] = []  # (time, rss MB, threads, cpu seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> tuple[float, float, int, float]:
        """One (time, RSS MB of the server and its children, server threads, server CPU seconds) sample."""
        rss = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                rss += child.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        cpu = self.process.cpu_times()
        return time.monotonic(), rss / MB, self.process.num_threads(), cpu.user + cpu.system

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self.sample())
            except psutil.NoSuchProcess:
                return
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def window(self, start: float, end: float) -> list[tuple[float, float, int, float]]:
        """Samples taken between two monotonic times."""
        return [s for s in self.samples if start <= s[0] <= end]


# --- one student -----------------------------------------------------------------------------

async def wait_idle(tab, timeout_ms: float) -> None:
    """Connected and the script not running (checked twice, 50 ms apart, to skip the gap between runs)."""
    await tab.wait_for_selector(IDLE, timeout=timeout_ms)
    await tab.wait_for_timeout(50)
    await tab.wait_for_selector(IDLE, timeout=timeout_ms)


async def check_page(tab, where: str) -> None:
    """Raise SessionFailed if the page shows an exception element."""
    exceptions = tab.locator("[data-testid='stException']")
    if await exceptions.count():
        raise SessionFailed("stException", f"{where}: {(await exceptions.first.inner_text())[:200]}")


THINK_SECONDS = [1.0]  # a student's pause before each action; set from --think
SERVER: list[psutil.Process] = []  # the server, when its CPU time per action can be attributed (one session)


def server_cpu_seconds() -> float:
    """The server's user + system CPU seconds so far, or 0 when not attributing."""
    if not SERVER:
        return 0.0
    times = SERVER[0].cpu_times()
    return times.user + times.system


async def timed(result: SessionResult, kind: str, action, settled) -> None:
    """Pause like a student, run ``action`` then ``settled`` (waits for the updated element); record ms.

    With one session, also record the server CPU the action cost (a short settle lets the rerun finish).
    """
    await asyncio.sleep(THINK_SECONDS[0])
    cpu0 = server_cpu_seconds()
    start = time.perf_counter()
    await action()
    await settled()
    result.latencies[kind].append((time.perf_counter() - start) * 1000)
    if SERVER:
        await asyncio.sleep(0.3)
        result.server_cpu_ms[kind].append((server_cpu_seconds() - cpu0) * 1000)


# Playwright's expect() and wait_for() re-check with a back-off (at about 0, 20, 70, 170, 270, 770, 1270 ms),
# so an update that lands at 180 ms is seen at ~270 ms and one at 280 ms at ~770 ms. Latencies are timed
# with a check in the page on every animation frame instead: to within a frame (~17 ms).
METRIC_IS = """([label, value]) => [...document.querySelectorAll("[data-testid='stMetric']")].some((m) =>
  m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === label &&
  m.querySelector("[data-testid='stMetricValue']")?.innerText.trim() === value)"""
METRIC_IS_NOT = """([label, value]) => [...document.querySelectorAll("[data-testid='stMetric']")].some((m) =>
  m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === label &&
  (m.querySelector("[data-testid='stMetricValue']")?.innerText.trim() ?? value) !== value)"""
METRIC_SHOWN = """(label) => [...document.querySelectorAll("[data-testid='stMetricLabel']")].some(
  (l) => l.innerText.trim() === label)"""
TEXT_IS_NOT = """([selector, value]) => { const e = document.querySelector(selector); return !!e && e.innerText.trim() !== value; }"""
BUTTON_ENABLED = """(selector) => { const b = document.querySelector(selector); return !!b && !b.disabled; }"""


def until(tab, predicate: str, arg, timeout_ms: float) -> Callable[[], Awaitable[object]]:
    """A wait for ``predicate(arg)`` to hold in the page, checked every animation frame."""
    return lambda: tab.wait_for_function(predicate, arg=arg, polling="raf", timeout=timeout_ms)


async def open_page(tab, result: SessionResult, url: str, kind: str, ready, timeout_ms: float) -> None:
    """Navigate, wait for the page's main element and an idle script; record the load time."""
    start = time.perf_counter()
    await tab.goto(url, timeout=timeout_ms)
    await ready()
    await wait_idle(tab, timeout_ms)
    result.latencies[kind].append((time.perf_counter() - start) * 1000)
    await check_page(tab, kind)


def metric_value(tab, label: str):
    """The value element of the st.metric whose label is ``label``."""
    metric = tab.locator("[data-testid='stMetric']").filter(  # exact: "Epoch" must not match "Loss, last epoch"
        has=tab.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))
    return metric.locator("[data-testid='stMetricValue']")


async def explorer_part(tab, url: str, result: SessionResult, timeout_ms: float) -> None:
    """Open the explorer and type three sets of logits; the argmax metric must follow each."""
    box = tab.get_by_role("textbox", name="Logits").first
    await open_page(tab, result, f"{url}/softmax", "load explorer",
                    lambda: box.wait_for(state="visible", timeout=timeout_ms), timeout_ms)
    for text, expected in LOGIT_SETS:
        await box.fill(text)

        async def commit() -> None:
            await box.press("Control+Enter")

        await timed(result, "explorer: new logits → argmax", commit,
                    until(tab, METRIC_IS, ["argmax", expected], timeout_ms))
        await wait_idle(tab, timeout_ms)
    await check_page(tab, "explorer")


async def training_part(tab, url: str, result: SessionResult, timeout_ms: float) -> None:
    """Open the training lab, press Play in the player (the server records the run), let it play ~1.5 s, Pause."""
    player = ".st-key-tr_player"
    play = tab.locator(f"{player} .sp-play")
    await open_page(tab, result, f"{url}/training?epochs=300", "load training",
                    lambda: play.wait_for(state="visible", timeout=timeout_ms), timeout_ms)
    epoch = tab.locator(f"{player} .sp-epoch")
    await timed(result, "training: Play → first epochs", play.click,
                until(tab, TEXT_IS_NOT, [f"{player} .sp-epoch", "Epoch 0 / 300"], timeout_ms))
    first = int((await epoch.inner_text()).split()[1])
    started = time.perf_counter()
    await tab.wait_for_timeout(1500)
    if (await play.inner_text()).strip() == "Pause":
        await play.click()
    done = int((await epoch.inner_text()).split()[1])
    result.epochs_per_second = (done - first) / (time.perf_counter() - started)
    await wait_idle(tab, timeout_ms)
    await check_page(tab, "training")


async def draw(tab, stroke, left: float = 60, top: float = 40, size: float = 180) -> None:
    """One mouse stroke on the canvas in small steps, after resting on it for a moment as a person does."""
    canvas = tab.locator(CANVAS)
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    x0, y0 = box["x"] + left, box["y"] + top
    await tab.mouse.move(box["x"] + 140, box["y"] + 200)
    await tab.wait_for_timeout(300)
    await tab.mouse.move(x0 + stroke[0][0] * size, y0 + stroke[0][1] * size)
    await tab.mouse.down()
    for (ax, ay), (bx, by) in zip(stroke, stroke[1:]):
        for i in range(1, 9):
            t = i / 8
            await tab.mouse.move(x0 + (ax + (bx - ax) * t) * size, y0 + (ay + (by - ay) * t) * size)


async def digits_part(tab, url: str, model: str, result: SessionResult, timeout_ms: float) -> None:
    """Open the digit canvas and draw three digits, clearing after each."""
    await open_page(tab, result, f"{url}/digits?model={model}", "load digits",
                    lambda: tab.locator(CANVAS).wait_for(state="visible", timeout=timeout_ms), timeout_ms)
    for stroke in DIGIT_STROKES.values():
        await draw(tab, stroke)
        await timed(result, "digits: stroke → prediction", tab.mouse.up,
                    until(tab, METRIC_SHOWN, "Prediction", timeout_ms))
        await wait_idle(tab, timeout_ms)
        await check_page(tab, "digits")
        await timed(result, "digits: Clear → empty", tab.get_by_role("button", name="Clear").click,
                    until(tab, f"(label) => !({METRIC_SHOWN})(label)", "Prediction", timeout_ms))
        await wait_idle(tab, timeout_ms)


async def student(browser, url: str, sid: int, model: str, delay: float, timeout_ms: float) -> SessionResult:
    """One student's whole visit in a fresh browser context; failures are recorded, not raised."""
    result = SessionResult(sid)
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    try:
        for name, part in (("explorer visit (whole)", lambda: explorer_part(tab, url, result, timeout_ms)),
                           ("training visit (whole)", lambda: training_part(tab, url, result, timeout_ms)),
                           ("digits visit (whole)", lambda: digits_part(tab, url, model, result, timeout_ms))):
            cpu0 = server_cpu_seconds()
            await part()
            if SERVER:
                result.server_cpu_ms[name].append((server_cpu_seconds() - cpu0) * 1000)
    except SessionFailed as failure:
        result.failure = failure
    except PlaywrightTimeout as err:
        state = await connection_state(tab)
        kind = "timeout" if state == "CONNECTED" else "disconnect"
        result.failure = SessionFailed(kind, f"connection {state}; {str(err).splitlines()[0][:160]}")
    except PlaywrightError as err:
        result.failure = SessionFailed("error", str(err).splitlines()[0][:200])
    finally:
        await context.close()
    return result


async def connection_state(tab) -> str:
    """The app's websocket state as the frontend reports it (CONNECTED, DISCONNECTED_FOREVER, ...)."""
    try:
        return await tab.locator(APP).get_attribute("data-test-connection-state", timeout=2000) or "unknown"
    except PlaywrightError:
        return "unknown"


# --- headless (protocol-level) students ------------------------------------------------------

LOGITS_LABEL = "Logits"  # the explorer's text area; its label starts with this, as the browser finds it
PLAYER_KEY, CLEAR_LABEL, CANVAS_KEY = "tr_player", "Clear", "digits_canvas_"
PLAY_SECONDS = 1.5  # the browser student's wait between Play and Pause
DRAW_SECONDS = 0.5  # about what the browser student's hover and mouse moves take before each stroke ends
PAGE_LOADS = {"softmax": "load explorer", "training": "load training", "digits": "load digits"}


@dataclass
class HeadlessResult:
    """What one protocol-level student saw: latencies, training-fragment traffic, failure if any."""

    hid: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failure: SessionFailed | None = None
    fragment_runs_playing: list[int] = field(default_factory=list)  # fragment runs started while playing
    auto_reruns_sent: list[int] = field(default_factory=list)  # fragment reruns the timer sent meanwhile
    epochs_per_second: list[float] = field(default_factory=list)
    forward_msgs: int = 0
    bytes_received: int = 0
    full_runs_started: int = 0
    full_runs_finished: int = 0  # FINISHED_SUCCESSFULLY; the rest were interrupted by a newer run


async def headless_timed(result: HeadlessResult, kind: str, action: Callable[[], Awaitable[None]]) -> None:
    """Pause like a student, then run ``action`` (which returns when the rerun is done); record ms."""
    await asyncio.sleep(THINK_SECONDS[0])
    start = time.perf_counter()
    await action()
    result.latencies[kind].append((time.perf_counter() - start) * 1000)


def check_tab(tab: StreamlitTab, where: str) -> None:
    """Raise SessionFailed if the session showed an exception element (or a compile error)."""
    if tab.exceptions:
        raise SessionFailed("stException", f"{where}: {tab.exceptions[0][:200]}")


def expect_metric(tab: StreamlitTab, label: str, expected: str | None, where: str) -> None:
    """Raise SessionFailed unless the page's metric ``label`` reads ``expected`` (None: absent; "": present)."""
    value = tab.metric(label)
    if (value is None) != (expected is None) or (expected and value != expected):
        raise SessionFailed("wrong", f"{where}: metric {label!r} is {value!r}, expected "
                                     f"{'absent' if expected is None else expected or 'present'}")


async def headless_visit(url: str, page: str, query: str, result: HeadlessResult, timeout: float,
                         actions: Callable[[StreamlitTab], Awaitable[None]]) -> None:
    """Load a page (HTTP requests, a new websocket session, its first run; timed), run ``actions(tab)``,
    check for exception elements, close the tab and add up its traffic."""
    tab = StreamlitTab(url, timeout)
    try:
        start = time.perf_counter()
        await tab.open(page, query)
        result.latencies[PAGE_LOADS[page]].append((time.perf_counter() - start) * 1000)
        check_tab(tab, PAGE_LOADS[page])
        await actions(tab)
        check_tab(tab, page)
    finally:
        await tab.close()
        result.forward_msgs += tab.stats.forward_msgs
        result.bytes_received += tab.stats.bytes_received
        result.full_runs_started += tab.stats.full_runs_started
        result.full_runs_finished += tab.stats.full_runs


async def headless_explorer(tab: StreamlitTab, result: HeadlessResult) -> None:
    """Commit three sets of logits; the argmax metric must follow each."""
    for text, expected in LOGIT_SETS:
        await headless_timed(result, "explorer: new logits → argmax",
                             lambda text=text: tab.set_text(LOGITS_LABEL, text))
        check_tab(tab, "explorer")
        expect_metric(tab, "argmax", expected, f"explorer, logits {text!r}")


async def headless_training(tab: StreamlitTab, result: HeadlessResult) -> None:
    """Press Play in the player (one trigger: the server records the run and sends it), play ~1.5 s, Pause."""
    async def play() -> None:
        await tab.trigger(PLAYER_KEY, "request", "play")

    await headless_timed(result, "training: Play → run loaded", play)
    runs0 = tab.stats.fragment_runs_started + tab.stats.full_runs_started
    await asyncio.sleep(PLAY_SECONDS)  # the browser plays; the server hears nothing
    result.fragment_runs_playing.append(tab.stats.fragment_runs_started + tab.stats.full_runs_started - runs0)
    result.auto_reruns_sent.append(0)
    load = json.loads(tab.widget(PLAYER_KEY).value)["load"]
    epochs = round(PLAY_SECONDS * 30)  # a 300-epoch run plays at 30 epochs/s at 1x
    await headless_timed(result, "training: Pause → reported",
                         lambda: tab.set_json(PLAYER_KEY, {"position": {"load": load, "epoch": epochs}}))
    result.epochs_per_second.append(epochs / PLAY_SECONDS)


async def headless_digits(tab: StreamlitTab, result: HeadlessResult) -> None:
    """Draw three digits (one canvas update each), clearing after each; the prediction must come and go."""
    for name, stroke in DIGIT_STROKES.items():
        await asyncio.sleep(DRAW_SECONDS)
        await headless_timed(result, "digits: stroke → prediction",
                             lambda stroke=stroke: tab.set_json(CANVAS_KEY, canvas_state(stroke)))
        check_tab(tab, "digits")
        expect_metric(tab, "Prediction", "", f"digits, after drawing a {name}")
        await headless_timed(result, "digits: Clear → empty", lambda: tab.click(CLEAR_LABEL))
        expect_metric(tab, "Prediction", None, f"digits, after clearing the {name}")


async def headless_student(url: str, hid: int, model: str, delay: float, timeout: float) -> HeadlessResult:
    """A protocol-level student: the browser student's visit (explorer, training lab, digit canvas).

    Starts by fetching the app's JS and CSS, as a fresh browser context does. Stops at the first
    failure, which is recorded, not raised.
    """
    result = HeadlessResult(hid)
    await asyncio.sleep(delay)
    try:
        await fetch_assets(url, timeout)
        await headless_visit(url, "softmax", "", result, timeout, lambda tab: headless_explorer(tab, result))
        await headless_visit(url, "training", "epochs=300", result, timeout, lambda tab: headless_training(tab, result))
        await headless_visit(url, "digits", f"model={model}", result, timeout, lambda tab: headless_digits(tab, result))
    except SessionFailed as failure:
        result.failure = failure
    except ProtocolFailure as failure:
        result.failure = SessionFailed(failure.kind, failure.detail)
    except OSError as err:  # the HTTP part of a page load
        result.failure = SessionFailed("disconnect", f"HTTP: {err!r}"[:200])
    return result


def join_times(browsers: int, headless: int, stagger: float) -> tuple[list[float], list[float]]:
    """Join delays for the browser and headless students: one --stagger slot each, browsers spread evenly."""
    total = browsers + headless
    browser_slots = sorted({round(i * total / browsers) for i in range(browsers)}) if browsers else []
    other_slots = [slot for slot in range(total) if slot not in browser_slots]
    return [slot * stagger for slot in browser_slots], [slot * stagger for slot in other_slots]


# --- the class -------------------------------------------------------------------------------

async def first_visit(browser, url: str, timeout_ms: float) -> float:
    """Open the landing page once, as the teacher does, so the server runs the app's navigation.

    A fresh server whose very first request is a deep link (/softmax) runs pages/ as a v1 multipage app.
    """
    context = await browser.new_context()
    tab = await context.new_page()
    start = time.perf_counter()
    await tab.goto(url, timeout=timeout_ms)
    await wait_idle(tab, timeout_ms)
    elapsed = time.perf_counter() - start
    await context.close()
    return elapsed


def machine_busy(before, after) -> float:
    """Share of all cores' time spent not idle between two psutil.cpu_times() readings."""
    idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
    total = sum(after) - sum(before)
    return 1 - idle / total if total > 0 else float("nan")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def print_failures(failed: list[tuple[str, SessionFailed]]) -> None:
    """One line per failed student, then the count per kind."""
    by_kind: dict[str, int] = defaultdict(int)
    for who, failure in failed:
        by_kind[failure.kind] += 1
        print(f"  {who} failed: {failure}")
    if failed:
        print("  failures by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))


def print_latencies(latencies: list[dict[str, list[float]]], indent: str = "  ") -> None:
    """p50/p95/max per action kind over all the given students."""
    kinds = sorted({k for per_student in latencies for k in per_student})
    print(f"{indent}{'action (ms)':38s} {'n':>4s} {'p50':>7s} {'p95':>7s} {'max':>7s}")
    for kind in kinds:
        values = [v for per_student in latencies for v in per_student.get(kind, [])]
        print(f"{indent}{kind:38s} {len(values):4d} {percentile(values, 50):7.0f} {percentile(values, 95):7.0f} "
              f"{max(values):7.0f}")


def report_headless(headless: list[HeadlessResult]) -> None:
    """The protocol-level students: failures, their own latencies, training fragments, traffic."""
    failed = [r for r in headless if r.failure]
    print(f"  headless students failed: {len(failed)}/{len(headless)}")
    print_failures([(f"headless student {r.hid}", r.failure) for r in failed])
    print("  headless students (protocol level; NOT in the targets; an action's time runs until the session is "
          "idle again):")
    print_latencies([r.latencies for r in headless], indent="    ")
    runs = [n for r in headless for n in r.fragment_runs_playing]
    if runs:
        print(f"    training while playing ({PLAY_SECONDS:g} s): {np.median(runs):.0f} runs started by the server "
              f"(median per student; max {max(runs)}; the browser plays)")
    started, finished = sum(r.full_runs_started for r in headless), sum(r.full_runs_finished for r in headless)
    print(f"    traffic: {sum(r.forward_msgs for r in headless)} ForwardMsgs, "
          f"{sum(r.bytes_received for r in headless) / MB:.1f} MB received; full runs: {started} started, "
          f"{finished} finished (the others were cut short by a newer run)")


def report_cycle(cycle: int, results: list[SessionResult], headless: list[HeadlessResult], seconds: float,
                 samples, load_cpu_seconds: float) -> dict[str, float]:
    """Print one cycle's failures, latencies and server figures; return its RSS figures."""
    failed = [r for r in results if r.failure]
    print(f"\ncycle {cycle}: {len(results) - len(failed)}/{len(results)} browser sessions completed in "
          f"{seconds:.1f} s; sessions failed: {len(failed)}")
    print_failures([(f"session {r.sid}", r.failure) for r in failed])
    print_latencies([r.latencies for r in results])
    cpu_kinds = sorted({k for r in results for k in r.server_cpu_ms})
    if cpu_kinds:
        print("  server CPU per action (one session, so it is all this student's; includes a 0.3 s settle):")
        for kind in cpu_kinds:
            values = [v for r in results for v in r.server_cpu_ms.get(kind, [])]
            print(f"    {kind:36s} median {np.median(values):6.0f} ms CPU")
    rates = [r.epochs_per_second for r in results if r.epochs_per_second is not None]
    if rates:
        print(f"  training lab while playing: {np.median(rates):.1f} epochs/s per student (median; a quiet server "
              "plays a 300-epoch run in about 10 s at ten redraws a second, fewer when many play at once)")
    if headless:
        report_headless(headless)
    sessions = len(results) + len(headless)
    rss = [s[1] for s in samples]
    threads = [s[2] for s in samples]
    figures = {"start": rss[0], "peak": max(rss), "end": rss[-1]}
    print(f"  server RSS: start {figures['start']:.0f} MB, peak {figures['peak']:.0f} MB, end {figures['end']:.0f} MB "
          f"(after the sessions closed and the disconnected-session TTL passed); threads: max {max(threads)}, "
          f"end {threads[-1]}")
    cpu_seconds = samples[-1][3] - samples[0][3]
    actions = sum(len(v) for r in [*results, *headless] for v in r.latencies.values())
    per_student = cpu_seconds / seconds / sessions
    print(f"  server CPU per student acting at this pace: {per_student:.1%} of one core, so one core keeps up with "
          f"about {1 / per_student:.0f} such students when their browsers run elsewhere" if per_student > 0 else "")
    print(f"  server CPU: {cpu_seconds:.1f} s over {seconds:.0f} s ({cpu_seconds / seconds:.0%} of one core), "
          f"{1000 * cpu_seconds / max(actions, 1):.0f} ms per page load or action on average; "
          f"(peak − start) / {sessions} sessions = {(figures['peak'] - figures['start']) / sessions:.0f} MB per "
          "session (in cycle 1 this includes the one-off imports and caches)")
    if headless:
        print(f"  this bench process (headless students' clients, Playwright's driver calls): {load_cpu_seconds:.1f} s "
              "CPU, on the same cores as the server")
    return figures


def report_targets(cycles: list[dict[str, float]], all_results: list[SessionResult],
                   all_headless: list[HeadlessResult]) -> None:
    """Compare with the issue's targets."""
    failed = sum(1 for r in all_results if r.failure)
    fast_kinds = ("explorer: new logits → argmax", "digits: stroke → prediction")
    print("\ntargets (latencies: browser sessions only):")
    print(f"  failed sessions: {failed} (target 0)")
    if all_headless:
        failed_headless = sum(1 for r in all_headless if r.failure)
        print(f"  failed headless students: {failed_headless} of {len(all_headless)} over all cycles (target 0)")
    for kind in fast_kinds:
        values = [v for r in all_results for v in r.latencies.get(kind, [])]
        p95 = percentile(values, 95)
        print(f"  p95 {kind}: {p95:.0f} ms (target ≤ {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'MISSED'})")
    peak = max(c["peak"] for c in cycles)
    print(f"  peak server RSS: {peak:.0f} MB (target ≤ {TARGET_PEAK_MB:.0f} MB: "
          f"{'met' if peak <= TARGET_PEAK_MB else 'MISSED'})")
    for previous, (index, current) in zip(cycles, enumerate(cycles[1:], start=2)):
        growth = current["end"] / previous["end"] - 1
        print(f"  RSS growth cycle {index - 1} → {index} (end of cycle): {growth:+.1%} "
              f"(target < {TARGET_GROWTH:.0%}: {'met' if growth < TARGET_GROWTH else 'MISSED'})")


async def run_cycle(browser, url: str, args: argparse.Namespace,
                    timeout_ms: float) -> tuple[list[SessionResult], list[HeadlessResult], float]:
    """One class: the browser and the headless students, each one visit; returns both and the seconds taken."""
    browser_delays, headless_delays = join_times(args.sessions, args.headless_students, args.stagger)
    t0 = time.monotonic()
    results, headless = await asyncio.gather(
        asyncio.gather(*[student(browser, url, sid, args.model, delay, timeout_ms)
                         for sid, delay in enumerate(browser_delays)]),
        asyncio.gather(*[headless_student(url, hid, args.model, delay, args.timeout)
                         for hid, delay in enumerate(headless_delays)]))
    return list(results), list(headless), time.monotonic() - t0


def bench_cpu_seconds() -> float:
    """This process's user + system CPU seconds (the headless students' clients run here)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


async def run_class(args: argparse.Namespace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    timeout_ms = args.timeout * 1000
    started = time.perf_counter()
    server = start_streamlit(port, ["--server.disconnectedSessionTTL", str(args.session_ttl)])
    sampler: ServerSampler | None = None
    try:
        wait_healthy(url, server, timeout=120.0)
        sampler = ServerSampler(server.pid)
        sampler.start()
        if args.sessions == 1 and not args.headless_students:
            SERVER.append(psutil.Process(server.pid))
        headless_note = (f" + {args.headless_students} headless (protocol-level) students adding server load"
                         if args.headless_students else "")
        print(f"classroom: {args.sessions} browser sessions{headless_note} x {args.cycles} cycle(s), model "
              f"{args.model}, think time {args.think:g} s, server pid {server.pid} on port {port}; "
              f"{os.cpu_count()} cores shared by the server and chromium (load average now "
              f"{os.getloadavg()[0]:.1f})")
        print(f"server healthy after {time.perf_counter() - started:.1f} s; idle RSS {sampler.sample()[1]:.0f} MB")
        async with async_playwright() as pw:
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            print(f"first visit (landing page on a fresh server): {await first_visit(browser, url, timeout_ms):.1f} s")
            cycles: list[dict[str, float]] = []
            all_results: list[SessionResult] = []
            all_headless: list[HeadlessResult] = []
            for cycle in range(1, args.cycles + 1):
                t0, machine0, load0 = time.monotonic(), psutil.cpu_times(), bench_cpu_seconds()
                results, headless, seconds = await run_cycle(browser, url, args, timeout_ms)
                load_cpu = bench_cpu_seconds() - load0
                await asyncio.sleep(args.session_ttl + args.settle)  # let closed sessions expire
                cycles.append(report_cycle(cycle, results, headless, seconds, sampler.window(t0, time.monotonic()),
                                           load_cpu))
                print(f"  whole machine during the cycle: {machine_busy(machine0, psutil.cpu_times()):.0%} of all cores "
                      f"busy (server, chromium and anything else running)")
                all_results.extend(results)
                all_headless.extend(headless)
            await browser.close()
        report_targets(cycles, all_results, all_headless)
    finally:
        if sampler:
            sampler.stop()
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30,
                        help="concurrent browser students, whose latencies are measured (default 30)")
    parser.add_argument("--headless-students", type=int, default=0, metavar="M",
                        help="also run M protocol-level students (websocket clients, no browser) that make the "
                             "same visit and add the server load of the rest of the class; their failures are "
                             "reported, their latencies kept apart (default 0)")
    parser.add_argument("--cycles", type=int, default=1, help="run the whole class this many times (default 1)")
    parser.add_argument("--stagger", type=float, default=0.5, help="seconds between students joining (default 0.5)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds any one wait may take (default 90)")
    parser.add_argument("--session-ttl", type=int, default=5,
                        help="server.disconnectedSessionTTL in s, so closed sessions free their state (default 5)")
    parser.add_argument("--settle", type=float, default=5.0, help="extra seconds after each cycle (default 5)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a student pauses before each action (default 1; 0 for a stress test)")
    parser.add_argument("--model", choices=["cnn", "linear"],
                        default="cnn" if (MODELS_DIR / "cnn.pt").exists() else "linear")
    args = parser.parse_args()
    THINK_SECONDS[0] = args.think
    asyncio.run(run_class(args))


if __name__ == "__main__":
    main()
