"""Server memory and rerun time when a client sends the digit canvas a PNG whose header claims a huge image.

Starts ``streamlit run app.py`` from a checkout (this one, or ``--repo DIR`` for another commit, to compare),
opens the digit page as protocol-level tabs, draws a 7, then sends each hostile value and prints the server's
RSS before and at its peak (sampled every 5 ms), the slowest rerun, and what the page showed.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from harness.canvas import black_rgba_png, canvas_state, data_url_value  # noqa: E402
from harness.protocol import StreamlitTab  # noqa: E402
from harness.server import free_port, start_streamlit, stop, wait_healthy  # noqa: E402

SEVEN = [(0.1, 0.05), (0.9, 0.05), (0.35, 0.95)]
CASES = [("13000×13000 RGBA, 1 client", 13000, 1), ("13000×13000 RGBA, 2 clients", 13000, 2),
         ("14000×14000 RGBA, 1 client", 14000, 1), ("6000×6000 RGBA, 1 client", 6000, 1)]


async def one_client(url: str, value: dict) -> tuple[float, list[str], list[str]]:
    """Seconds the hostile rerun took, the alerts on the page after it, and any exception shown."""
    tab = StreamlitTab(url, timeout=120)
    try:
        await tab.open("digits", "model=cnn")
        await tab.wait_for_widget("digits_canvas_0")
        await tab.set_json("digits_canvas_0", canvas_state(SEVEN))
        started = time.monotonic()
        await tab.set_json("digits_canvas_0", value)
        alerts = [e.value[:60] for e in tab.elements.values() if e.kind == "alert" and e.value]
        return time.monotonic() - started, alerts, list(tab.exceptions)
    finally:
        await tab.close()


def peak_rss_mb(url: str, process: psutil.Process, clients: int, value: dict) -> tuple[float, list]:
    """Run ``clients`` hostile clients at once while sampling the server's RSS; return the peak and results."""
    samples, done = [process.memory_info().rss / 1e6], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            samples.append(process.memory_info().rss / 1e6)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    async def together() -> list:
        return await asyncio.gather(*(one_client(url, value) for _ in range(clients)))

    try:
        results = asyncio.run(together())
    finally:
        done.set()
        sampler.join()
    return max(samples), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout whose app to serve (default: this one)")
    args = parser.parse_args()
    port = free_port()
    server = start_streamlit(port, cwd=args.repo)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        process = psutil.Process(server.pid)
        asyncio.run(one_client(url, canvas_state(SEVEN)))  # warm: torch and the model
        print(f"server: {args.repo}")
        for name, size, clients in CASES:
            value = data_url_value(black_rgba_png(size))
            before = process.memory_info().rss / 1e6
            peak, results = peak_rss_mb(url, process, clients, value)
            took, alerts, exceptions = max(results)
            print(f"{name:28} message {len(str(value)) / 1e6:.2f} MB  RSS {before:5.0f} → peak {peak:5.0f} MB  "
                  f"rerun {took:5.2f} s  page: {exceptions[:1] or alerts}")
    finally:
        stop(server)


if __name__ == "__main__":
    main()
