"""Driving the Streamlit app in chromium, for the browser tests and the benches: launch flags, waiting for
reruns, drawing digits on the canvas with the mouse."""
from __future__ import annotations

import math

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]


def wait_for_app_run(page, timeout: float = 30_000) -> None:
    """Wait until the app is connected and the script is not running."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_timeout(150)  # let the last deltas paint
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


CANVAS = "canvas.upper-canvas"

# Digits as strokes in unit coordinates (0..1 inside the box the digit is drawn in).
ONE = [[(0.55, 0.0), (0.45, 1.0)]]
SEVEN = [[(0.0, 0.0), (1.0, 0.0), (0.4, 1.0)]]
ZERO = [[(0.5 + 0.32 * math.sin(2 * math.pi * k / 36), 0.5 - 0.5 * math.cos(2 * math.pi * k / 36))
         for k in range(38)]]


def canvas_origin(page) -> tuple[float, float]:
    """Page coordinates of the drawing canvas's top-left corner (scrolled into view, 280×280 checked)."""
    canvas = page.locator(CANVAS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and round(box["width"]) == 280 and round(box["height"]) == 280, box
    return box["x"], box["y"]


def stroke_points(stroke, left, top, size, step_px=8.0):
    """Page coordinates along a stroke's segments, in small steps (at most ``step_px``) like a real hand."""
    for (ax, ay), (bx, by) in zip(stroke, stroke[1:]):
        steps = max(1, math.ceil(math.hypot(bx - ax, by - ay) * size / step_px))
        for i in range(1, steps + 1):
            t = i / steps
            yield left + (ax + (bx - ax) * t) * size, top + (ay + (by - ay) * t) * size


def draw_with_mouse(page, strokes, left, top, size, hover_ms: int = 400) -> None:
    """Draw strokes with the mouse inside the canvas: move, down, many small moves, up.

    The pointer rests on the canvas for ``hover_ms`` first, as a person's does; 0 presses as soon as it arrives.
    """
    cx, cy = canvas_origin(page)
    page.mouse.move(cx + 140, cy + 200)
    if hover_ms:
        page.wait_for_timeout(hover_ms)
    for stroke in strokes:
        page.mouse.move(cx + left + stroke[0][0] * size, cy + top + stroke[0][1] * size)
        page.mouse.down()
        for x, y in stroke_points(stroke, cx + left, cy + top, size):
            page.mouse.move(x, y)
        page.mouse.up()
