"""Benchmark the Training lab's browser player: what one student sees and costs, and a class pressing Play.

Run with ``python bench/training_player.py`` (from the repo root; needs Debian's chromium). One server, then:
1. One chromium student plays a 3000-epoch run: chart frames/s and distinct epochs shown per second (counted
   in the page on every animation frame), websocket frames from the server and the server's CPU over 2.5 s of
   play, and how many frames the epoch still moves after Pause.
2. A class: an explorer edit's rerun (a protocol-level student) on the idle server, then while 30
   protocol-level students press Play together (each a run of its own seed, so the cache cannot answer).
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from harness.browser import CHROMIUM_ARGS, wait_for_app_run  # noqa: E402
from harness.protocol import StreamlitTab  # noqa: E402
from harness.server import free_port, start_streamlit, stop, wait_healthy  # noqa: E402

PLAY_SECONDS = 2.5
SAMPLE = """async (seconds) => {  // every animation frame: the player's frame counter and the epoch it shows
    const host = document.querySelector('.st-key-tr_player .sp-player');
    const epochs = new Set(), start = performance.now(), frames0 = +host.dataset.frames;
    let ticks = 0;
    while (performance.now() - start < seconds * 1000) {
        await new Promise(requestAnimationFrame);
        epochs.add(host.dataset.epoch); ticks++;
    }
    const elapsed = (performance.now() - start) / 1000;
    return {frames: (+host.dataset.frames - frames0) / elapsed, epochs: epochs.size / elapsed, ticks: ticks / elapsed};
}"""
PAUSE = """async () => {  // click Pause, then count the animation frames in which the epoch still changes
    const host = document.querySelector('.st-key-tr_player .sp-player');
    host.querySelector('.sp-play').click();
    const at = host.dataset.epoch;
    let moved = 0;
    for (let i = 0; i < 10; i++) { await new Promise(requestAnimationFrame); if (host.dataset.epoch !== at) moved++; }
    return {moved, paused_at: +at, playing: host.dataset.playing};
}"""


def one_student(url: str, server: psutil.Process, epochs: int) -> None:
    """A chromium student plays a run; print frames, epochs, websocket frames, server CPU and Pause."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        received: list[float] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda _: received.append(time.monotonic())))
        page.goto(f"{url}/training?epochs={epochs}&lr=0.1&speed=1")
        wait_for_app_run(page, timeout=60_000)
        page.locator(".st-key-tr_player .sp-play").click()
        page.wait_for_function(f"() => document.querySelector('.st-key-tr_player .sp-scrub').max === '{epochs}'",
                               timeout=60_000)
        wait_for_app_run(page, timeout=60_000)
        started, cpu0 = time.monotonic(), server.cpu_times()
        seen = page.evaluate(SAMPLE, PLAY_SECONDS)
        cpu1 = server.cpu_times()
        frames = sum(1 for t in received if started <= t <= started + PLAY_SECONDS)
        cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
        print(f"one student, {epochs}-epoch run at 1x: {seen['frames']:.1f} chart frames/s (target >= 30), "
              f"{seen['epochs']:.1f} distinct epochs shown/s (target >= 25), {seen['ticks']:.1f} animation frames/s")
        print(f"  websocket frames from the server in {PLAY_SECONDS} s of play: {frames} (target <= 3); "
              f"server CPU over them: {cpu:.3f} s (target <= 0.3)")
        pause = page.evaluate(PAUSE)
        print(f"  Pause: the epoch changed in {pause['moved']} of the 10 frames after the click "
              f"(paused at {pause['paused_at']}, playing={pause['playing']}; target: 0, frozen within one frame)")
        browser.close()


async def explorer_edits(url: str, count: int) -> list[float]:
    """Seconds from an explorer edit to its rerun's end, for ``count`` alternating edits."""
    tab = StreamlitTab(url)
    await tab.open("softmax")
    times = []
    for i in range(count):
        started = time.perf_counter()
        await tab.set_text("Logits", "1, 2, 3" if i % 2 else "3, 1, 0.5")
        times.append(time.perf_counter() - started)
    await tab.close()
    return times


async def open_lab(url: str, seed: int, epochs: int) -> StreamlitTab:
    tab = StreamlitTab(url, timeout=180)
    await tab.open("training", f"epochs={epochs}&seed={seed}")
    return tab


async def press_play(tab: StreamlitTab) -> float:
    started = time.perf_counter()
    await tab.trigger("tr_player", "request", "play")
    seconds = time.perf_counter() - started
    assert not tab.exceptions, tab.exceptions
    await tab.close()
    return seconds


def wait_until_quiet(server: psutil.Process, limit: float = 120.0) -> None:
    """Wait until the server's CPU stays under 10% of a core for a second (or ``limit`` seconds pass)."""
    deadline = time.monotonic() + limit
    while server.cpu_percent(interval=1.0) >= 10 and time.monotonic() < deadline:
        pass


async def edits_while(url: str, task: asyncio.Future, least: int) -> list[float]:
    """Explorer edits (at least ``least``) for as long as ``task`` runs."""
    times = []
    while not task.done() or len(times) < least:
        times += await explorer_edits(url, 2)
    return times


async def press_play_together(url: str, seeds: range, epochs: int) -> asyncio.Future:
    """Open one lab per seed (not timed), then press Play in all of them at once; the presses' future."""
    tabs = await asyncio.gather(*(open_lab(url, seed, epochs) for seed in seeds))
    return asyncio.ensure_future(asyncio.gather(*(press_play(tab) for tab in tabs)))


async def a_class(url: str, server: psutil.Process, students: int, epochs: int, edits: int) -> None:
    """Server CPU per Play press; explorer edits on the idle server, then while ``students`` press Play together."""
    wait_until_quiet(server)  # the app's warm-up (torch's import, models) has finished
    await explorer_edits(url, 30)  # warm: the first twenty-odd reruns after start are slower
    idle = await explorer_edits(url, edits)
    cpu = sum(server.cpu_times()[:2])
    await (await press_play_together(url, range(5000, 5000 + students), epochs))
    per_press = (sum(server.cpu_times()[:2]) - cpu) / students
    play = await press_play_together(url, range(1000, 1000 + students), epochs)
    busy = await edits_while(url, play, edits)
    loads = play.result()
    p95 = lambda xs: statistics.quantiles(xs, n=20)[-1]  # noqa: E731
    print(f"class: {students} protocol-level students press Play together ({epochs}-epoch runs, one seed each)")
    print(f"  server CPU per Play press: {per_press * 1e3:.0f} ms")
    print(f"  explorer edit rerun p95: idle {p95(idle) * 1e3:.0f} ms ({len(idle)} edits), while the class loads runs "
          f"{p95(busy) * 1e3:.0f} ms ({len(busy)} edits): {p95(busy) / p95(idle):.2f}x (target <= 1.5x)")
    print(f"  Play → run loaded: median {statistics.median(loads):.2f} s, max {max(loads):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--class-epochs", type=int, default=300)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout whose app to serve (another commit's worktree, to compare)")
    parser.add_argument("--class-only", action="store_true", help="skip the one-student browser figures")
    args = parser.parse_args()
    port = free_port()
    print(f"server: {args.repo}")
    with open("/tmp/training_player_bench.log", "w") as log:
        server = start_streamlit(port, log=log, cwd=args.repo)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, server, timeout=60)
            process = psutil.Process(server.pid)
            if not args.class_only:
                one_student(url, process, args.epochs)
            asyncio.run(a_class(url, process, args.students, args.class_epochs, args.edits))
        finally:
            stop(server)


if __name__ == "__main__":
    main()
