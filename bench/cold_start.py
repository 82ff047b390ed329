"""Cold start: from `streamlit run app.py` to an interactive explorer, and to the first digit prediction.

    python bench/cold_start.py [--runs 3] [--model cnn|linear] [--deep-link]

Each run starts a fresh server on a free localhost port (chromium is launched beforehand, so its own
start-up is not counted) and prints:
  * server → first page / explorer interactive: from Popen to the landing page, then (via its card link)
    the explorer's logits box, visible with the script idle (target: first page ≤ 4 s); ``--deep-link``
    opens /softmax as the very first request instead, so the explorer is the first page;
  * digit page open → first prediction: from clicking "Digit canvas" in the sidebar (``--model linear``:
    opening its URL) until the "Prediction"
    metric shows after one stroke, split into page-ready and stroke → prediction. The target (≤ 1.5 s)
    is judged without the time the simulated student spends drawing (mouse steps at the browser's pace),
    which is the student's, not the app's; both figures are printed. Opening the page by URL instead (a
    full page load, as a shared link does) is timed separately, up to the canvas.
Asserts nothing; prints the median over runs as well.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from playground.paths import MODELS_DIR  # noqa: E402
from harness.browser import CHROMIUM_ARGS, SEVEN, draw_with_mouse  # noqa: E402
from harness.server import free_port, start_streamlit, stop, wait_healthy  # noqa: E402

APP_READY = "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']"
CANVAS = "canvas.upper-canvas"
METRIC_LABEL = "[data-testid='stMetricLabel']"
TARGET_FIRST_PAGE_S, TARGET_PREDICTION_S = 4.0, 1.5


def wait_idle(tab) -> None:
    """Connected and the script not running (checked twice, 50 ms apart, to skip the gap between runs)."""
    tab.wait_for_selector(APP_READY, timeout=60_000)
    tab.wait_for_timeout(50)
    tab.wait_for_selector(APP_READY, timeout=60_000)


def navigation_entries(tab) -> list[str]:
    """The sidebar's page names: the app's four titles, or file names when Streamlit fell back to pages/."""
    nav = tab.locator("[data-testid='stSidebarNav']")
    return nav.inner_text().split("\n") if nav.count() else []


def one_run(browser, first_path: str, model: str) -> dict[str, float]:
    """Start a server, time the first page, the explorer and the first digit prediction, stop the server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    t0 = time.perf_counter()
    server = start_streamlit(port)
    try:
        wait_healthy(url, server, poll=0.02)
        t_listening = time.perf_counter()
        tab.goto(f"{url}/{first_path}")
        if first_path:  # a deep link straight to the explorer
            tab.get_by_role("textbox", name="Logits").first.wait_for(state="visible", timeout=120_000)
            wait_idle(tab)
            t_first = t_explorer = time.perf_counter()
        else:  # the landing page, then its card link to the explorer (what a class is given)
            tab.get_by_role("heading", name="Softmax Playground").wait_for(state="visible", timeout=120_000)
            wait_idle(tab)
            t_first = time.perf_counter()
            tab.get_by_role("link", name="Softmax explorer").last.click()
            tab.get_by_role("textbox", name="Logits").first.wait_for(state="visible", timeout=120_000)
            wait_idle(tab)
            t_explorer = time.perf_counter()
        entries = [e for e in navigation_entries(tab) if e.strip()]
        if entries and "Softmax explorer" not in entries:
            print(f"  NOTE: the sidebar lists {entries}: Streamlit ran pages/ as a v1 multipage app "
                  "(the first request to a fresh server was a deep link)", flush=True)

        t_open = time.perf_counter()
        if model == "cnn":  # as a student opens it: the sidebar link, inside the running app
            tab.locator("[data-testid='stSidebarNav'] a", has_text="Digit canvas").click()
        else:  # the linear model is chosen by URL
            tab.goto(f"{url}/digits?model={model}")
        tab.locator(CANVAS).wait_for(state="visible", timeout=120_000)
        t_canvas = time.perf_counter()
        draw_with_mouse(tab, SEVEN, 60, 40, 180, hover_ms=0)
        t_stroke = time.perf_counter()
        tab.locator(METRIC_LABEL, has_text="Prediction").wait_for(state="visible", timeout=120_000)
        t_prediction = time.perf_counter()
        wait_idle(tab)
        t_idle = time.perf_counter()
        exceptions = tab.locator("[data-testid='stException']").count()
        t_reload = time.perf_counter()
        tab.goto(f"{url}/digits?model={model}")  # a shared link: the browser loads the whole app again
        tab.locator(CANVAS).wait_for(state="visible", timeout=120_000)
        t_reloaded = time.perf_counter()
        exceptions += tab.locator("[data-testid='stException']").count()
    finally:
        context.close()
        stop(server)
    return {"server listening": t_listening - t0, "server → first page interactive": t_first - t0,
            "server → explorer interactive": t_explorer - t0,
            "digits open → canvas visible": t_canvas - t_open, "stroke → prediction": t_prediction - t_stroke,
            "digits open → first prediction": t_prediction - t_open,
            "digits open → prediction, minus drawing": (t_canvas - t_open) + (t_prediction - t_stroke),
            "time spent drawing the stroke": t_stroke - t_canvas,
            "digits open → page idle": t_idle - t_open,
            "digits by URL (full page load) → canvas": t_reloaded - t_reload, "exceptions": float(exceptions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh servers to time (default 3)")
    parser.add_argument("--model", choices=["cnn", "linear"],
                        default="cnn" if (MODELS_DIR / "cnn.pt").exists() else "linear")
    parser.add_argument("--deep-link", action="store_true",
                        help="open /softmax as the very first request instead of the landing page")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    results: list[dict[str, float]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for run in range(args.runs):
            result = one_run(browser, "softmax" if args.deep_link else "", args.model)
            results.append(result)
            print(f"run {run + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.items() if k != "exceptions")
                  + f", exceptions {result['exceptions']:.0f}", flush=True)
        browser.close()
    print(f"\nmedian of {args.runs} runs (model {args.model}):")
    for key in results[0]:
        if key != "exceptions":
            print(f"  {key:40s} {statistics.median(r[key] for r in results):6.2f} s")
    first_page = statistics.median(r["server → first page interactive"] for r in results)
    prediction = statistics.median(r["digits open → prediction, minus drawing"] for r in results)
    print(f"  targets: first page interactive ≤ {TARGET_FIRST_PAGE_S:g} s "
          f"({'met' if first_page <= TARGET_FIRST_PAGE_S else 'MISSED'}), "
          f"first prediction ≤ {TARGET_PREDICTION_S:g} s after the page opens, not counting the student's drawing "
          f"({'met' if prediction <= TARGET_PREDICTION_S else 'MISSED'})")


if __name__ == "__main__":
    main()
