"""The Digit canvas: its pure helpers (checked against torch) and the page through AppTest."""
from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

import playground.parsing as parsing
from playground.paths import MODELS_DIR
from playground.plots import digits as plots
from tests.chart_marks import page_chart, read_chart
from playground.digits import load_model, preprocess
from playground.digits.explain import (contribution_map, contribution_summary, explorer_query, linear_templates,
                                       logits_table)
from playground.digits.images import (BLUE, contribution_image, diverging_rgb, drawing_thumbnail, enlarge,
                                      LIGHT_GRID_LINE, pixel_grid, RED, WHITE)
from playground.digits.mistakes import mistake_caption, mistakes, page_count, page_of, sort_mistakes
from playground.digits.models import logits_for_forms, predict_logits, probabilities
from playground.digits.reading import classify, rule_from_card
import playground.digits.weights as model_files
from playground.digits.weights import card_rows, load_card, rebuild_command

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CANVAS_KEY = "digits_canvas_0"


# ---------------------------------------------------------------- drawings as the canvas sends them

def canvas_png(draw=None, background=(0, 0, 0, 255)) -> str:
    """A 280×280 RGBA canvas image (white ink on black) as the PNG data URL the component returns."""
    image = Image.new("RGBA", (280, 280), background)
    if draw is not None:
        draw(ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def draw_one(d: ImageDraw.ImageDraw) -> None:
    d.line([(150, 45), (135, 235)], fill=(255, 255, 255, 255), width=20)


def draw_zero(d: ImageDraw.ImageDraw) -> None:
    d.ellipse([(85, 40), (195, 240)], outline=(255, 255, 255, 255), width=20)


def component_value(data_url: str | None) -> dict:
    """The canvas component's session-state value: Fabric JSON plus the PNG data URL."""
    return {"drawing": {"raw": {"version": "6.0.0", "objects": []}, "data": data_url}, "backgroundFit": None}


def canvas_image(draw) -> np.ndarray:
    """The RGBA array ``st_canvas(...).image_data`` would hand the page for this drawing."""
    encoded = canvas_png(draw).split(",", 1)[1]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))


# ---------------------------------------------------------------- AppTest helpers

def digits_page(query: dict[str, str] | None = None, drawing: str | None = None) -> AppTest:
    """Run the app on the digits page (optionally with URL params and an injected canvas drawing)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/digits.py")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if drawing is not None:
        at.session_state[CANVAS_KEY] = component_value(drawing)
    return at.run()


def prediction(at: AppTest) -> str | None:
    values = [m.value for m in at.metric if m.label == "Prediction"]
    return values[0] if values else None


def prediction_delta(at: AppTest) -> str:
    return next(m.proto.delta for m in at.metric if m.label == "Prediction")


def markdown_text(at: AppTest) -> str:
    parts = [el.value for kind in ("info", "warning", "error", "success", "caption", "markdown")
             for el in at.get(kind) if isinstance(getattr(el, "value", None), str)]
    return "\n".join(parts)


def chart(at: AppTest, key: str) -> dict:
    matches = [el for el in at.get("plotly_chart") if el.proto.id.endswith(f"-{key}")]
    assert len(matches) == 1, f"expected one chart {key!r}"
    return json.loads(matches[0].proto.spec)


def logits_frame(at: AppTest) -> pd.DataFrame:
    return next(table.value for table in at.table if "logit" in table.value.columns)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ---------------------------------------------------------------- pure helpers, against torch

def test_classify_reads_a_drawing_on_one_thread_like_the_batch_path():
    model, image = load_model("cnn"), canvas_image(draw_one)
    torch.set_num_threads(2)
    reading = classify(image, model, rule_from_card(load_card("cnn")))
    # one thread, process-wide and deliberately not restored, so concurrent sessions cannot undo each other
    assert torch.get_num_threads() == 1
    form = preprocess(image)
    np.testing.assert_array_equal(reading.form, form)
    in_a_batch = logits_for_forms(np.stack([form, np.zeros_like(form)]), model)[0]
    np.testing.assert_allclose(reading.logits, in_a_batch, rtol=1e-5, atol=1e-5)
    assert (reading.verdict, reading.digit) == ("digit", 1)


def test_logits_table_matches_torch_softmax_at_each_temperature():
    z = np.array([1.5, -2.0, 0.3, 7.1, 2.2, -0.4, 0.0, 6.9, -3.3, 1.0])
    for temperature in (0.5, 1.0, 3.0):
        table = logits_table(z, temperature).to_pandas()
        assert list(table["digit"]) == [str(d) for d in range(10)]
        np.testing.assert_allclose(table["p (T = 1)"], F.softmax(torch.tensor(z), 0).numpy(), atol=1e-12)
        if temperature != 1:
            np.testing.assert_allclose(table[f"p (T = {temperature:g})"],
                                       F.softmax(torch.tensor(z) / temperature, 0).numpy(), atol=1e-12)
        else:
            assert table.shape[1] == 3


def test_explorer_query_is_read_back_by_the_explorer():
    z = np.array([1.23456, -20.5, 0.001234, 1e-7, 12345.678, -3.0, 0.0, 2.5, -0.75, 9.99])
    query = explorer_query(z, 2.5, 4)
    parsed = parsing.parse_logits(query["logits"])
    assert len(parsed) == 10 and np.allclose(parsed, z, rtol=5e-4, atol=1e-12)
    assert parsing.parse_class_names(query["classes"]) == [str(d) for d in range(10)]
    assert parsing.parse_temperature(query["T"]) == 2.5 and query["target"] == "4"


def test_contributions_add_up_to_the_linear_models_logits():
    model = load_model("linear")
    form = preprocess(canvas_image(draw_zero))
    templates = linear_templates(model.linear.weight.numpy())
    torch_logits = model(torch.from_numpy(form).reshape(1, 784)).double().numpy()[0]
    bias = model.linear.bias.double().numpy()
    for digit in range(10):
        total = contribution_map(form, templates, digit).sum()
        assert total + bias[digit] == pytest.approx(torch_logits[digit], abs=1e-4)
    assert "= " + f"{torch_logits[0]:+.2f}" in contribution_summary(0, total=torch_logits[0] - bias[0], bias=bias[0])
    with pytest.raises(ValueError):
        linear_templates(np.zeros((10, 783)))


def test_mistakes_sorting_and_paging():
    logits = np.array([[5.0, 0, 0], [0, 1.0, 0.9], [0, 0, 3.0], [0.2, 0.1, 0], [0, 4.0, 0]])
    labels = np.array([0, 2, 2, 1, 0])
    table = mistakes(logits, labels)
    assert list(table["index"]) == [1, 3, 4]
    expected_p = F.softmax(torch.tensor(logits[[1, 3, 4]]), 1).max(1).values.numpy()
    np.testing.assert_allclose(table["probability"], expected_p, atol=1e-12)
    assert list(table["predicted"]) == [1, 0, 1] and list(table["true"]) == [2, 1, 0]
    assert list(sort_mistakes(table, "most confident first")["index"]) == [4, 1, 3]
    assert list(sort_mistakes(table, "least confident first")["index"]) == [3, 1, 4]
    assert page_count(0, 24) == 1 and page_count(48, 24) == 2 and page_count(49, 24) == 3
    big = pd.DataFrame({"index": range(50)})
    assert list(page_of(big, 3, 24)["index"]) == [48, 49]
    assert list(page_of(big, 99, 24)["index"]) == [48, 49]  # past the end: the last page
    assert mistake_caption(next(table.itertuples())) == "true 2 → 1 (44.0%)"


def test_contribution_images_use_one_diverging_scale():
    values = np.array([[-2.0, -1.0, 0.0, 1.0, 4.0]])
    rgb = diverging_rgb(values, limit=2.0)
    halfway_blue, halfway_red = (140, 174, 210), (212, 136, 145)  # (white + end) / 2, halves to even
    assert [tuple(int(v) for v in c) for c in rgb[0]] == [BLUE, halfway_blue, WHITE, halfway_red, RED]
    image = contribution_image(np.zeros((28, 28)), limit=0.0)
    assert image.shape == (225, 225, 3) and tuple(image[4, 4]) == WHITE
    assert tuple(image[0, 4]) == LIGHT_GRID_LINE


def test_pixel_grid_and_enlarge_keep_pixels_visible():
    form = np.zeros((28, 28), dtype=np.float32)
    form[0, 0], form[27, 27] = 1.0, 0.5
    grid = pixel_grid(form, cell=8)
    assert grid.shape == (225, 225, 3) and grid.dtype == np.uint8
    assert tuple(grid[4, 4]) == (255, 255, 255) and tuple(grid[0, 4]) == (71, 85, 105)
    assert tuple(grid[220, 220]) == (128, 128, 128) and tuple(grid[20, 20]) == (0, 0, 0)
    big = enlarge(np.array([[0, 255], [128, 0]], dtype=np.uint8), 3)
    assert big.shape == (6, 6) and big[0, 3] == 255 and big[3, 0] == 128


def test_card_rows_read_the_shipped_card():
    rows = dict(card_rows(load_card("linear")))
    assert rows["Parameters"] == "7,850"
    assert rows["MNIST test accuracy"] == f"{load_card('linear')['mnist_test_accuracy']:.2%}"
    assert rows["Command"].startswith("python -m playground.digits.train --model linear")
    nested = dict(card_rows({"augmentation": {"affine": "p=0.9", "blur": {"p": 0.15}}, "parameters": 5}))
    assert nested["Augmentation"] == "affine: p=0.9; blur: p: 0.15" and nested["MNIST test accuracy"] == "—"


def test_figures_highlight_and_lay_out_tiles():
    p = np.array([0.02, 0.5, 0.02, 0.02, 0.02, 0.02, 0.02, 0.34, 0.02, 0.02])
    colors = [bar["fill"] for bar in read_chart(plots.probability_bars(p, top=1, runner_up=7)).bars]
    assert colors[1] == plots.TOP_COLOR and colors[7] == plots.RUNNER_UP_COLOR
    assert {c for i, c in enumerate(colors) if i not in (1, 7)} == {plots.OTHER_COLOR}
    z, owner = plots.mosaic(np.arange(3 * 2 * 2).reshape(3, 2, 2), columns=2, gutter=1, row_gutter=2)
    assert z.shape == (6, 5) and np.isnan(z[2:4]).all() and np.isnan(z[:, 2]).all()
    assert owner[0, 3] == 1 and owner[4, 0] == 2 and owner[4, 3] == -1
    fig = plots.template_grid(np.random.default_rng(1).normal(size=(10, 28, 28)))
    assert len(fig.data) == 1 and fig.data[0].zmid == 0 and len(fig.layout.annotations) == 10


# ---------------------------------------------------------------- the page through AppTest

def test_empty_canvas_shows_the_prompt():
    at = digits_page({"model": "linear"})
    assert_clean(at)
    assert prediction(at) is None
    assert "Draw a digit" in markdown_text(at)
    blank = digits_page({"model": "linear"}, drawing=canvas_png())
    assert_clean(blank)
    assert prediction(blank) is None and "Draw a digit" in markdown_text(blank)


@pytest.mark.parametrize("model", ["linear", "cnn"])
def test_injected_one_is_predicted(model):
    at = digits_page({"model": model}, drawing=canvas_png(draw_one))
    assert_clean(at)
    assert prediction(at) == "1"
    expected = probabilities(predict_logits(canvas_image(draw_one), load_model(model)))
    assert prediction_delta(at) == f"{expected[1]:.1%}"
    bars = page_chart(at, "digits_bars")
    np.testing.assert_allclose(bars.series()["p"][1], expected, atol=1e-9)
    assert bars.bars[1]["fill"] == plots.TOP_COLOR and bars.texts["sp-value"][1] == f"{expected[1]:.0%}"
    np.testing.assert_allclose(logits_frame(at)["logit"], predict_logits(canvas_image(draw_one),
                                                                             load_model(model)), atol=1e-9)


def test_temperature_reshapes_the_probabilities_shown():
    at = digits_page({"model": "linear", "T": "4"}, drawing=canvas_png(draw_zero))
    assert_clean(at)
    logits = predict_logits(canvas_image(draw_zero), load_model("linear"))
    warm = F.softmax(torch.tensor(logits) / 4.0, 0).numpy()
    np.testing.assert_allclose(page_chart(at, "digits_bars").series()["p"][1], warm, atol=1e-9)
    np.testing.assert_allclose(logits_frame(at)["p (T = 4)"], warm, atol=1e-9)
    assert prediction(at) == str(int(np.argmax(logits))) and prediction_delta(at) == f"{warm.max():.1%}"
    at.select_slider(key="digits_T").set_value(1.0).run()
    assert_clean(at)
    assert "p (T = 4)" not in logits_frame(at).columns
    assert at.query_params["T"] == "1"


def test_unreadable_drawing_warns_without_a_traceback():
    def flood(d: ImageDraw.ImageDraw) -> None:
        d.rectangle([(10, 10), (270, 270)], fill=(255, 255, 255, 255))

    at = digits_page({"model": "linear"}, drawing=canvas_png(flood))
    assert_clean(at)
    assert prediction(at) is None
    assert any("cannot be read" in w.value and "almost all ink" in w.value for w in at.warning)


def test_clear_button_mounts_a_fresh_canvas():
    at = digits_page({"model": "linear"}, drawing=canvas_png(draw_one))
    assert prediction(at) == "1"
    at.button[[b.label for b in at.button].index("Clear")].click().run()
    assert_clean(at)
    assert at.session_state["digits_canvas_version"] == 1
    assert prediction(at) is None and "Draw a digit" in markdown_text(at)


def test_model_switch_shows_its_card():
    at = digits_page({"model": "linear"})
    assert_clean(at)
    assert at.expander[0].label == "Model card: Softmax regression (the course's model)"
    card = at.expander[0].dataframe[0].value
    assert dict(zip(card.iloc[:, 0], card["value"]))["Parameters"] == "7,850"
    assert "The rows of W" in json.dumps(chart(at, "digits_templates")["layout"]["title"])
    at.radio(key="digits_model").set_value("cnn").run()
    assert_clean(at)
    assert at.query_params["model"] == "cnn"
    assert at.expander[0].label == "Model card: CNN"
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-digits_templates")]


def test_an_unreadable_model_card_stops_the_model_with_one_error(tmp_path, monkeypatch):
    """The card holds the weights' checksum: without it the weights are not trusted, and one error names the card."""
    monkeypatch.setattr(model_files, "MODELS_DIR", tmp_path)
    (tmp_path / "linear.pt").write_bytes((MODELS_DIR / "linear.pt").read_bytes())
    (tmp_path / "linear.json").write_text("{not json")
    at = digits_page({"model": "linear"}, drawing=canvas_png(draw_one))
    assert_clean(at)
    assert not [m for m in at.metric if m.label == "Prediction"]
    assert len(at.error) == 1 and str(tmp_path / "linear.json") in at.error[0].value


def test_a_model_that_cannot_load_does_not_invite_drawing(tmp_path, monkeypatch):
    """The error stands alone: no "Draw a digit" prompt beside a model that cannot read one."""
    monkeypatch.setattr(model_files, "MODELS_DIR", tmp_path)
    at = digits_page({"model": "cnn"})
    assert_clean(at)
    assert len(at.error) == 1 and "missing" in at.error[0].value
    assert not [info for info in at.info if "Draw a digit" in info.value]  # the prompt, not the page's caption


def test_missing_weights_show_the_rebuild_command(tmp_path, monkeypatch):
    monkeypatch.setattr(model_files, "MODELS_DIR", tmp_path)
    (tmp_path / "linear.pt").write_bytes(b"not a torch file")
    card = json.loads((MODELS_DIR / "linear.json").read_text())  # a card that vouches for these bytes
    card["sha256"] = hashlib.sha256(b"not a torch file").hexdigest()
    (tmp_path / "linear.json").write_text(json.dumps(card))
    for model, word in [("linear", "corrupt"), ("cnn", "missing")]:
        at = digits_page({"model": model}, drawing=canvas_png(draw_one))
        assert_clean(at)
        assert len(at.error) == 1 and word in at.error[0].value
        assert rebuild_command(model) in at.error[0].value and at.code[0].value == rebuild_command(model)
        assert prediction(at) is None
    at.switch_page("pages/softmax.py").run()  # the other pages still work
    assert_clean(at)
    assert at.title[0].value != "Digit canvas"


def draw_hash(d: ImageDraw.ImageDraw) -> None:
    for line in [(110, 40, 90, 240), (190, 40, 170, 240), (40, 100, 240, 100), (40, 180, 240, 180)]:
        d.line(line, fill=(255, 255, 255, 255), width=18)


def test_the_softmax_regression_does_not_call_a_hash_sign_a_sure_digit():
    at = digits_page({"model": "linear"}, drawing=canvas_png(draw_hash))
    assert_clean(at)
    assert prediction(at) == "Not a digit" or " or " in prediction(at)  # a linear model can do less: see README
    assert not at.success


def test_a_hash_sign_is_not_a_digit_and_the_page_says_why_the_bars_still_crown_one():
    at = digits_page({"model": "cnn"}, drawing=canvas_png(draw_hash))
    assert_clean(at)
    assert prediction(at) == "Not a digit"
    assert not at.success  # a neutral colour, not green
    assert "always sum to 1" in markdown_text(at) and "none of these" in markdown_text(at)
    assert page_chart(at, "digits_scores").bars  # its score against the real digits
    assert "of the real MNIST test digits score lower" in markdown_text(at)


def test_temperature_changes_the_bars_but_not_the_verdict():
    cold, hot = (digits_page({"model": "cnn", "T": t}, drawing=canvas_png(draw_one)) for t in ("0.5", "5"))
    assert prediction(cold) == prediction(hot) == "1"
    assert prediction_delta(cold) != prediction_delta(hot)  # the probability moves with T


def test_explorer_button_hands_over_the_logits_temperature_and_predicted_digit():
    at = digits_page({"model": "linear", "T": "2"}, drawing=canvas_png(draw_one))
    assert prediction(at) == "1"
    logits = logits_frame(at)["logit"].to_numpy()
    at.button[[b.label for b in at.button].index("Open these logits in the Softmax explorer")].click().run()
    assert_clean(at)
    sent = [float(v) for v in at.query_params["logits"].split(",")]
    assert len(sent) == 10 and np.allclose(sent, logits, rtol=5e-4)
    assert at.query_params["classes"] == ",".join(str(d) for d in range(10))
    box = next(t for t in at.text_area if t.label.startswith("Logits"))
    assert np.allclose(parsing.parse_logits(box.value), sent)
    assert at.query_params["T"] == "2" and at.select_slider[0].value == 2.0  # not back at T = 1
    assert at.query_params["target"] == "1" and at.selectbox[0].value == 1  # the predicted digit is the true class
    ours = next(m.value for m in at.metric if m.label.startswith("−log p_y"))
    assert float(ours) < 1.0  # the loss of the predicted digit, not of class 0


def test_bad_url_values_warn_and_fall_back():
    at = digits_page({"model": "resnet", "T": "-3"})
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "model=resnet" in warnings and "T=-3" in warnings
    assert at.radio(key="digits_model").value == "cnn"


def test_mistakes_gallery_pages_and_sorts():
    at = digits_page({"model": "linear"})
    assert not at.get("image") and not at.number_input  # the gallery waits to be asked for
    at.toggle(key="digits_gallery_on").set_value(True).run()
    assert_clean(at)
    images, labels = dg_test_set()
    logits = logits_for_forms(images.astype(np.float32) / 255.0, load_model("linear"))
    wrong = int((logits.argmax(1) != labels).sum())
    assert f"misreads {wrong:,} of the 10,000" in markdown_text(at)
    captions = at.get("image")[-1].captions
    assert len(captions) == 24 and all(c.startswith("true ") for c in captions)
    at.radio(key="digits_gallery_order").set_value("least confident first").run()
    at.number_input(key="digits_gallery_page_linear").set_value(2).run()
    assert_clean(at)
    table = sort_mistakes(mistakes(logits, labels), "least confident first")
    expected = [mistake_caption(row) for row in table.iloc[24:48].itertuples()]
    assert at.get("image")[-1].captions == expected


def dg_test_set():
    from playground.digits.mnist import load_mnist
    return load_mnist("test")


def test_drawing_thumbnail_is_a_small_grayscale_copy_of_the_ink():
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[40:240, 130:150, :3] = 255  # a white "1" on black
    thumb = drawing_thumbnail(canvas)
    assert thumb.shape == (140, 140) and thumb.dtype == np.uint8
    assert thumb[20:120, 65:75].min() == 255 and thumb[:, :60].max() == 0
    transparent = np.zeros_like(canvas)
    transparent[..., 3] = canvas[..., 0]  # the same ink in alpha on a transparent background
    np.testing.assert_array_equal(drawing_thumbnail(transparent), thumb)


def test_the_shared_mnist_test_set_is_read_only():
    """Every session shares one copy: no page can change the digits another session reads."""
    from pages._digits_models import cached_test_set

    images, labels = cached_test_set()
    with pytest.raises(ValueError, match="read-only"):
        images[0, 0, 0] = 255
    with pytest.raises(ValueError, match="read-only"):
        labels[0] = 3
