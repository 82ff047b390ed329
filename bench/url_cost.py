"""Server CPU of one Training-lab page load per URL, against the default page: no URL should cost much more.

Runs the page in-process with AppTest (the same script a browser's request runs) and prints the median
process CPU time of each URL over a few loads, with its ratio to the default page's.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
URLS = ["", "epochs=5000&lr={lr}", "epochs=5000&lr={lr}&norm=1&l2=0.01", "epochs=5000&lr={lr}&seed=123456"]


def load_cpu(query: str) -> float:
    """Process CPU seconds (AppTest runs the script in a thread of its own) of one fresh session's first run of /training?query."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.switch_page("pages/training.py")
    for pair in filter(None, query.split("&")):
        key, value = pair.split("=", 1)
        at.query_params[key] = value
    started = time.process_time()
    at.run()
    return time.process_time() - started


def main(repeats: int = 5) -> None:
    load_cpu("")  # warm imports and caches
    fresh_lrs = iter(f"{10 ** (step / 10):.3g}" for step in range(-99, 50))  # one slider position each
    medians = {}
    for query in URLS:
        # A fresh lr each load, as an attacker would send, so no cache can answer it.
        medians[query] = statistics.median(load_cpu(query.format(lr=next(fresh_lrs))) for _ in range(repeats))
    default = medians[""]
    for query, cpu in medians.items():
        print(f"/training?{query or '(default)':<40} CPU {cpu * 1000:7.1f} ms  ({cpu / default:4.2f}× the default)")


if __name__ == "__main__":
    main()
