"""The Digit canvas in a real browser: draw digits with the mouse and a finger, clear, hand off to the explorer."""
from __future__ import annotations

import re
from functools import partial
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from playground.i18n import _ as translate, use_language
from playground.paths import MODELS_DIR
from harness.browser import CANVAS, ONE, SEVEN, ZERO, canvas_origin, draw_with_mouse, stroke_points, wait_for_app_run
from tests.e2e.browser import assert_no_exception, open_page, screenshot

pytestmark = pytest.mark.e2e

# Use the CNN when its weights are shipped, else the course's softmax regression.
MODEL = "cnn" if (MODELS_DIR / "cnn.pt").exists() else "linear"
METRIC = "[data-testid='stMetric']"


def draw_with_touch(page, strokes, left, top, size) -> None:
    """Draw strokes with a finger through CDP touch events: start, many moves, end."""
    cx, cy = canvas_origin(page)
    cdp = page.context.new_cdp_session(page)
    for stroke in strokes:
        start = (cx + left + stroke[0][0] * size, cy + top + stroke[0][1] * size)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]})
        for x, y in stroke_points(stroke, cx + left, cy + top, size):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def prediction_after_drawing(page, label: str = "Prediction") -> str:
    """Wait for the "Prediction" metric (``label``, in the page's language) to appear after a drawing on an empty
    canvas; return its value."""
    page.wait_for_selector(METRIC, timeout=20_000)
    wait_for_app_run(page)
    metric = page.locator(METRIC)
    assert metric.locator("[data-testid='stMetricLabel']").inner_text().strip() == label
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def clear(page) -> None:
    """Press the page's own Clear button and wait for the empty-canvas prompt."""
    page.get_by_role("button", name="Clear").click()
    page.wait_for_selector(METRIC, state="detached", timeout=20_000)
    wait_for_app_run(page)
    assert "Draw a digit" in page.locator("[data-testid='stMain']").inner_text()


def ink_pixels(page) -> int:
    """How many bright pixels the canvas's drawing layer holds (0 for a cleared canvas)."""
    return page.locator("canvas.dc-canvas.lower-canvas").evaluate(
        """(c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++; return n; }"""
    )


def test_draw_one_seven_zero_and_clear(page, app_url):
    open_page(page, app_url, "digits", f"model={MODEL}")
    assert "Draw a digit" in page.locator("[data-testid='stMain']").inner_text()
    assert page.locator(METRIC).count() == 0
    # The page's canvas helpers are mounted, and the stroke-end sender finds the toolbar button it presses.
    page.wait_for_function("window.__digitsCanvasHelpers === true")
    expect(page.locator("button[aria-label='Update the app with this drawing']")).to_have_count(1)
    for strokes, (left, top, size), expected in [
        (ONE, (50, 30, 210), "1"),  # tall, centred
        (SEVEN, (130, 120, 130), "7"),  # small, bottom right
        (ZERO, (15, 15, 170), "0"),  # medium, top left
    ]:
        draw_with_mouse(page, strokes, left, top, size)
        assert prediction_after_drawing(page) == expected, f"drew a {expected} at {(left, top, size)}"
        assert_no_exception(page)
        if expected == "1":  # the canvas toolbar's undo and redo reach the app too
            page.get_by_role("button", name="Undo").click()
            page.wait_for_selector(METRIC, state="detached", timeout=20_000)
            page.get_by_role("button", name="Redo").click()
            assert prediction_after_drawing(page) == "1"
        if expected == "7":
            screenshot(page, "digits-desktop")
        assert ink_pixels(page) > 500
        clear(page)
        assert ink_pixels(page) == 0, "Clear left ink on the canvas"
    assert_no_exception(page)


def test_explorer_link_carries_the_logits(page, app_url):
    open_page(page, app_url, "digits", f"model={MODEL}")
    draw_with_mouse(page, SEVEN, 60, 40, 180)
    assert prediction_after_drawing(page) == "7"
    page.get_by_role("button", name="Open these logits in the Softmax explorer").click()
    page.wait_for_url("**/softmax?**", timeout=20_000)
    wait_for_app_run(page)
    query = parse_qs(urlparse(page.url).query)
    sent = [float(v) for v in query["logits"][0].split(",")]
    assert len(sent) == 10 and query["classes"][0] == "0,1,2,3,4,5,6,7,8,9"
    assert max(range(10), key=sent.__getitem__) == 7
    box = page.get_by_role("textbox", name="Logits").first
    expect(box).to_have_value(re.compile(r"\d"))  # the explorer seeds its text box from the URL
    box_values = box.input_value()
    shown = [float(v) for v in box_values.replace(",", " ").split()]
    assert shown == pytest.approx(sent, abs=1e-9), (box_values, sent)
    assert query["target"] == ["7"] and query["T"] == ["1"] and query["lang"] == ["en"]
    assert_no_exception(page)
    page.go_back()  # the browser's Back button: a clean digit page, not one holding the explorer's keys
    page.wait_for_url("**/digits**", timeout=20_000)
    wait_for_app_run(page)
    page.wait_for_function("() => !location.search.includes('logits')", timeout=20_000)
    assert set(parse_qs(urlparse(page.url).query)) <= {"model", "T", "lang"}, page.url
    expect(page.get_by_text("Draw a digit", exact=False).first).to_be_visible()
    assert ink_pixels(page) == 0
    assert_no_exception(page)


def test_softmax_regression_insides_and_mistakes_gallery(page, app_url):
    open_page(page, app_url, "digits", "model=linear")
    draw_with_mouse(page, SEVEN, 70, 50, 170)
    assert prediction_after_drawing(page) == "7"
    main = page.locator("[data-testid='stMain']")
    captions = page.locator("[data-testid='stImageCaption']").all_inner_texts()
    assert any(c.startswith("logit of 7 = Σ w·x") for c in captions), captions  # w ⊙ x for the top class
    assert "Inside the softmax regression" in main.inner_text()
    assert page.locator("figure[data-chart='digits_bars'] rect[data-value]").count() == 10
    assert page.locator("[data-testid='stPlotlyChart']").count() == 1  # the templates
    page.get_by_text("Show the MNIST test digits").click()
    page.wait_for_selector("[data-testid='stImageCaption'] >> text=/true \\d → \\d/", timeout=60_000)
    wait_for_app_run(page, 60_000)
    captions = page.locator("[data-testid='stImageCaption']").all_inner_texts()
    assert len([c for c in captions if c.startswith("true ")]) == 24, captions
    assert_no_exception(page)
    screenshot(page, "digits-desktop-linear")


def ink_pixels_in(page, x0: int, y0: int, x1: int, y1: int) -> int:
    """Bright pixels of the canvas's drawing layer inside the CSS-pixel box [x0, x1) × [y0, y1)."""
    return page.locator("canvas.dc-canvas.lower-canvas").evaluate(
        """(c, [x0, y0, x1, y1]) => { const k = c.width / c.getBoundingClientRect().width;
             const d = c.getContext('2d').getImageData(x0 * k, y0 * k, (x1 - x0) * k, (y1 - y0) * k).data;
             let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++; return n / (k * k); }""",
        [x0, y0, x1, y1],
    )


SEVEN_FROM_THE_CORNER = [[(1.0, 0.0), (0.0, 0.0)], [(1.0, 0.0), (0.45, 1.0)]]  # both strokes start top right


def assert_a_seven_from_the_corner_is_read(page, draw, note: str = "") -> None:
    """Draw a 7 whose two strokes start in the canvas's top-right corner: both must reach the app."""
    draw(page, SEVEN_FROM_THE_CORNER, 40, 8, 225)
    assert prediction_after_drawing(page) == "7", note
    assert ink_pixels_in(page, 200, 0, 280, 24) > 1000, note  # the first stroke's bar, not only a cap


def test_a_mouse_stroke_can_start_in_the_canvas_corner_as_soon_as_the_pointer_arrives(page, app_url):
    # The canvas's toolbar used to slide up out of that corner when the pointer arrived, taking a quick press.
    open_page(page, app_url, "digits", f"model={MODEL}")
    for attempt in ("fresh canvas", "after Clear"):  # Clear mounts a new canvas, which needs the page's style again
        assert_a_seven_from_the_corner_is_read(page, partial(draw_with_mouse, hover_ms=0), attempt)
        toolbar = page.locator(".dc-toolbar").bounding_box()
        canvas = page.locator(CANVAS).bounding_box()
        assert toolbar["y"] >= canvas["y"] + canvas["height"] - 0.5, (attempt, toolbar, canvas)  # a row under it
        clear(page)
    assert_no_exception(page)


def test_a_finger_can_draw_across_the_canvas_top_right_corner(phone_page, app_url):
    # The canvas's toolbar hides over the top-right corner until hovered; a finger cannot hover, so the
    # page must keep that hidden toolbar from taking touches meant for the drawing, and still offer its tools.
    page = phone_page
    open_page(page, app_url, "digits", f"model={MODEL}")
    assert_a_seven_from_the_corner_is_read(page, draw_with_touch)
    ink = ink_pixels(page)
    page.locator("button[aria-label='Undo']").tap()  # the toolbar is shown under the canvas: no hover needed
    for _ in range(50):  # the undo redraws the canvas on its next frame
        if ink_pixels(page) < ink:
            break
        page.wait_for_timeout(100)
    assert 0 < ink_pixels(page) < ink  # the 7's second stroke is gone, its bar stays
    assert_no_exception(page)


@pytest.mark.parametrize("lang", ["en", "ko"])  # Korean text wraps differently: the prediction must still fit
def test_phone_touch_drawing_fits_the_screen(phone_page, app_url, lang):
    page = phone_page
    open_page(page, app_url, "digits", f"model={MODEL}&lang={lang}")
    draw_with_touch(page, ONE, 60, 45, 225)
    use_language(lang)
    label = translate("Prediction")
    use_language("en")
    assert prediction_after_drawing(page, label) == "1"
    assert ink_pixels(page) > 500
    overflow = page.evaluate("""() => { const m = document.querySelector('[data-testid=stMain]');
        return [document.documentElement.scrollWidth, m.scrollWidth, m.clientWidth]; }""")
    assert overflow[0] <= 390 and overflow[1] <= overflow[2] + 1, overflow
    canvas = page.locator(CANVAS).bounding_box()
    shown = page.locator(METRIC).bounding_box()  # the digit and its probability
    height = page.viewport_size["height"]
    assert canvas["y"] >= 0 and shown["y"] + shown["height"] <= height, (canvas, shown)  # no scrolling needed
    assert_no_exception(page)
    screenshot(page, "digits-phone" if lang == "en" else f"digits-phone-{lang}")


DASH = [[(0.0, 0.5), (1.0, 0.5)]]
HASH = [[(0.35, 0.0), (0.25, 1.0)], [(0.75, 0.0), (0.65, 1.0)], [(0.0, 0.33), (1.0, 0.33)], [(0.0, 0.7), (1.0, 0.7)]]


@pytest.mark.parametrize("shape", [DASH, HASH], ids=["dash", "hash"])
def test_a_drawing_that_is_no_digit_is_called_so_in_a_neutral_colour(phone_page, app_url, shape):
    page = phone_page
    open_page(page, app_url, "digits", f"model={MODEL}")
    draw_with_touch(page, shape, 40, 60, 200)
    assert prediction_after_drawing(page) == "Not a digit"
    message = page.get_by_text("This does not look like a digit", exact=False)
    expect(message).to_be_visible()
    assert page.locator("[data-testid='stAlertContentSuccess']").count() == 0  # not green
    expect(page.locator("figure[data-chart='digits_scores']")).to_be_attached()
    assert_no_exception(page)
    screenshot(page, f"digits-phone-not-a-digit-{'dash' if shape is DASH else 'hash'}")
