"""Benchmark: median AppTest rerun time of the Softmax explorer, and its ratio to a one-line page.

Run from the repo root: ``python bench/softmax_page.py [--runs N]``. It prints figures; it is not a test.
Both pages are measured in the same process and run, after one warm-up run each (imports, caches).
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

ONE_LINE_PAGE = "import streamlit as st\nst.write(1)"


def rerun_times(at: AppTest, runs: int) -> list[float]:
    """Seconds per ``at.run()`` after a warm-up run; fails loudly if the page raised."""
    at.run()
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].value}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].value}")
    return times


def explorer_app() -> AppTest:
    """The explorer as users reach it: through app.py's navigation."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/softmax.py")
    return at


def main() -> None:
    """Measure both pages and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed reruns per page (default 30)")
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    baseline = statistics.median(rerun_times(AppTest.from_string(ONE_LINE_PAGE, default_timeout=120), args.runs))
    explorer = statistics.median(rerun_times(explorer_app(), args.runs))
    print(f"runs per page: {args.runs}")
    print(f"one-line page      median rerun: {baseline * 1000:8.1f} ms")
    print(f"softmax explorer   median rerun: {explorer * 1000:8.1f} ms")
    print(f"ratio explorer / one-line page:  {explorer / baseline:8.1f}x")


if __name__ == "__main__":
    main()
