"""Classroom load test: N students use all three pages at once against one `streamlit run app.py`.

    python bench/classroom.py [--sessions 30] [--cycles 3] [--stagger 0.5] [--think 1] [--model cnn|linear]

Modelled on Streamlit's e2e_playwright/load_testing: one server on a free localhost port, one chromium,
N browser contexts driven concurrently with asyncio, server RSS and threads sampled with psutil in a
thread. Each student: opens the explorer and types three sets of logits; opens the training lab,
presses Play, lets it run, presses Pause; opens the digit canvas and draws three digits (clearing
after each). Prints sessions failed (stException, timeout, disconnect), p50/p95 rerun latency per
action (action → updated element), page loads, server RSS (start, peak, end; children included) and
threads, and with --cycles the RSS growth from cycle to cycle. Targets (issue 6): 0 failed, p95 ≤ 300 ms
for explorer and digit updates, peak RSS ≤ 690 MB, growth < 5 %. The browser and the server share
this machine's cores, so latencies are pessimistic; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import os
import shutil
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright, expect

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from playground.paths import MODELS_DIR  # noqa: E402
from tests.e2e.browser import CHROMIUM_ARGS  # noqa: E402
from tests.e2e.server import free_port, start_streamlit, stop, wait_healthy  # noqa: E402

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


class SessionFailed(Exception):
    """A student's session broke; ``kind`` is stException, timeout, disconnect or error."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


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
    argmax = metric_value(tab, "argmax")
    for text, expected in LOGIT_SETS:
        await box.fill(text)

        async def commit() -> None:
            await box.press("Control+Enter")

        await timed(result, "explorer: new logits → argmax", commit,
                    lambda expected=expected: expect(argmax).to_have_text(expected, timeout=timeout_ms))
        await wait_idle(tab, timeout_ms)
    await check_page(tab, "explorer")


async def training_part(tab, url: str, result: SessionResult, timeout_ms: float) -> None:
    """Open the training lab, press Play, let it train ~1.5 s, press Pause."""
    play, pause = tab.locator(".st-key-tr_play button"), tab.locator(".st-key-tr_pause button")
    await open_page(tab, result, f"{url}/training?epochs=300", "load training",
                    lambda: play.wait_for(state="visible", timeout=timeout_ms), timeout_ms)
    epoch = metric_value(tab, "Epoch")
    await timed(result, "training: Play → first epochs", play.click,
                lambda: expect(epoch).not_to_have_text("0 / 300", timeout=timeout_ms))
    first = int((await epoch.inner_text()).split("/")[0])
    started = time.perf_counter()
    await tab.wait_for_timeout(1500)
    if await pause.is_enabled():
        await timed(result, "training: Pause → stopped", pause.click,
                    lambda: expect(play).to_be_enabled(timeout=timeout_ms))
    done = int((await epoch.inner_text()).split("/")[0])
    result.epochs_per_second = (done - first) / (time.perf_counter() - started)
    await wait_idle(tab, timeout_ms)
    await check_page(tab, "training")


async def draw(tab, stroke, left: float = 60, top: float = 40, size: float = 180) -> None:
    """One mouse stroke on the canvas in small steps, after hovering (the canvas toolbar slides away)."""
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
    prediction = tab.locator("[data-testid='stMetricLabel']", has_text="Prediction")
    for stroke in DIGIT_STROKES.values():
        await draw(tab, stroke)
        await timed(result, "digits: stroke → prediction", tab.mouse.up,
                    lambda: prediction.wait_for(state="visible", timeout=timeout_ms))
        await wait_idle(tab, timeout_ms)
        await check_page(tab, "digits")
        await timed(result, "digits: Clear → empty", tab.get_by_role("button", name="Clear").click,
                    lambda: prediction.wait_for(state="detached", timeout=timeout_ms))
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
    except (PlaywrightTimeout, AssertionError) as err:  # expect() raises AssertionError when it times out
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


def report_cycle(cycle: int, results: list[SessionResult], seconds: float, samples) -> dict[str, float]:
    """Print one cycle's failures, latencies and server figures; return its RSS figures."""
    failed = [r for r in results if r.failure]
    print(f"\ncycle {cycle}: {len(results) - len(failed)}/{len(results)} sessions completed in {seconds:.1f} s; "
          f"sessions failed: {len(failed)}")
    by_kind: dict[str, int] = defaultdict(int)
    for r in failed:
        by_kind[r.failure.kind] += 1
        print(f"  session {r.sid} failed: {r.failure}")
    if failed:
        print("  failures by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    kinds = sorted({k for r in results for k in r.latencies})
    print(f"  {'action (ms)':38s} {'n':>4s} {'p50':>7s} {'p95':>7s} {'max':>7s}")
    for kind in kinds:
        values = [v for r in results for v in r.latencies.get(kind, [])]
        print(f"  {kind:38s} {len(values):4d} {percentile(values, 50):7.0f} {percentile(values, 95):7.0f} "
              f"{max(values):7.0f}")
    cpu_kinds = sorted({k for r in results for k in r.server_cpu_ms})
    if cpu_kinds:
        print("  server CPU per action (one session, so it is all this student's; includes a 0.3 s settle):")
        for kind in cpu_kinds:
            values = [v for r in results for v in r.server_cpu_ms.get(kind, [])]
            print(f"    {kind:36s} median {np.median(values):6.0f} ms CPU")
    rates = [r.epochs_per_second for r in results if r.epochs_per_second is not None]
    if rates:
        print(f"  training lab while playing: {np.median(rates):.1f} epochs/s per student (median; a quiet server "
              "gives one tick of epochs_per_tick(300) epochs every TICK_SECONDS)")
    rss = [s[1] for s in samples]
    threads = [s[2] for s in samples]
    figures = {"start": rss[0], "peak": max(rss), "end": rss[-1]}
    print(f"  server RSS: start {figures['start']:.0f} MB, peak {figures['peak']:.0f} MB, end {figures['end']:.0f} MB "
          f"(after the sessions closed and the disconnected-session TTL passed); threads: max {max(threads)}, "
          f"end {threads[-1]}")
    cpu_seconds = samples[-1][3] - samples[0][3]
    actions = sum(len(v) for r in results for v in r.latencies.values())
    per_student = cpu_seconds / seconds / len(results)
    print(f"  server CPU per student acting at this pace: {per_student:.1%} of one core, so one core keeps up with "
          f"about {1 / per_student:.0f} such students when their browsers run elsewhere" if per_student > 0 else "")
    print(f"  server CPU: {cpu_seconds:.1f} s over {seconds:.0f} s ({cpu_seconds / seconds:.0%} of one core), "
          f"{1000 * cpu_seconds / max(actions, 1):.0f} ms per page load or action on average; "
          f"(peak − start) / N = {(figures['peak'] - figures['start']) / len(results):.0f} MB per session "
          "(in cycle 1 this includes the one-off imports and caches)")
    return figures


def report_targets(cycles: list[dict[str, float]], all_results: list[SessionResult]) -> None:
    """Compare with the issue's targets."""
    failed = sum(1 for r in all_results if r.failure)
    fast_kinds = ("explorer: new logits → argmax", "digits: stroke → prediction")
    print("\ntargets:")
    print(f"  failed sessions: {failed} (target 0)")
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
        if args.sessions == 1:
            SERVER.append(psutil.Process(server.pid))
        print(f"classroom: {args.sessions} sessions x {args.cycles} cycle(s), model {args.model}, think time "
              f"{args.think:g} s, server pid {server.pid} on port {port}; {os.cpu_count()} cores shared by the "
              f"server and chromium (load average now {os.getloadavg()[0]:.1f})")
        print(f"server healthy after {time.perf_counter() - started:.1f} s; idle RSS {sampler.sample()[1]:.0f} MB")
        async with async_playwright() as pw:
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            print(f"first visit (landing page on a fresh server): {await first_visit(browser, url, timeout_ms):.1f} s")
            cycles: list[dict[str, float]] = []
            all_results: list[SessionResult] = []
            for cycle in range(1, args.cycles + 1):
                t0, machine0 = time.monotonic(), psutil.cpu_times()
                results = await asyncio.gather(*[
                    student(browser, url, sid, args.model, sid * args.stagger, timeout_ms)
                    for sid in range(args.sessions)])
                seconds = time.monotonic() - t0
                await asyncio.sleep(args.session_ttl + args.settle)  # let closed sessions expire
                cycles.append(report_cycle(cycle, results, seconds, sampler.window(t0, time.monotonic())))
                print(f"  whole machine during the cycle: {machine_busy(machine0, psutil.cpu_times()):.0%} of all cores "
                      f"busy (server, chromium and anything else running)")
                all_results.extend(results)
            await browser.close()
        report_targets(cycles, all_results)
    finally:
        if sampler:
            sampler.stop()
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30, help="concurrent students (default 30)")
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
