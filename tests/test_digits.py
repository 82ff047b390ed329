"""The drawn-digit pipeline: preprocessing into MNIST form, shipped weights, safe loading, threads."""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.digits import load_model, predict_proba, preprocess
from playground.digits.models import DigitCNN, logits_for_forms, predict_logits, SoftmaxRegression
from playground.digits.preprocessing import DrawingError
from playground.digits.weights import load_card, ModelFileError
from playground.digits.redraw import DrawStyle, render_skeleton, skeletonize
from playground.digits.mnist import load_mnist
from playground.paths import MODELS_DIR, REPO_ROOT
from playground.digits.models import MODEL_KINDS, probabilities
from playground.digits.redraw import redraw
from playground.digits.weights import KINDS


@pytest.fixture(scope="module")
def mnist_test():
    return load_mnist("test")


def draw(image28: np.ndarray, height: float, centre: tuple[float, float], stroke_ratio: float = 0.11) -> np.ndarray:
    """Re-draw an MNIST digit on a 280×280 RGBA canvas, stroke width proportional to its height."""
    style = DrawStyle(stroke=height * stroke_ratio, height=height, slant=0.0, centre_x=centre[0], centre_y=centre[1])
    return render_skeleton(skeletonize((image28 > 127)[None])[0], style)


def centre_of_mass(form: np.ndarray) -> tuple[float, float]:
    mass = form.sum()
    return float(form.sum(1) @ np.arange(28)) / mass, float(form.sum(0) @ np.arange(28)) / mass


# --- preprocess --------------------------------------------------------------------------------------


def test_same_digit_at_two_sizes_and_places_gives_nearly_the_same_form(mnist_test):
    images, _ = mnist_test
    for image in images[:5]:
        small = preprocess(draw(image, height=90, centre=(60, 70)))
        large = preprocess(draw(image, height=230, centre=(150, 150)))
        assert np.corrcoef(small.ravel(), large.ravel())[0, 1] > 0.9


def test_output_is_mnist_form_with_mass_at_the_centre(mnist_test):
    images, _ = mnist_test
    form = preprocess(draw(images[0], height=120, centre=(200, 80)))
    assert form.shape == (28, 28) and form.dtype == np.float32
    assert form.min() >= 0.0 and form.max() <= 1.0 and form.max() > 0.5
    row, col = centre_of_mass(form)
    assert abs(row - 14.0) < 0.05 and abs(col - 14.0) < 0.05


def test_digit_fits_a_20_pixel_box(mnist_test):
    images, _ = mnist_test
    form = preprocess(draw(images[1], height=200, centre=(140, 140)))
    rows = np.flatnonzero((form > 0.05).any(1))
    cols = np.flatnonzero((form > 0.05).any(0))
    assert max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) in (20, 21, 22)


def test_mnist_digits_keep_their_shape(mnist_test):
    images, _ = mnist_test
    for image in images[:20]:
        form = preprocess(image)
        assert np.corrcoef(form.ravel(), image.ravel() / 255.0)[0, 1] > 0.8


def test_empty_and_speck_canvases_give_none():
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    assert preprocess(canvas) is None
    canvas[100:103, 100:103, :3] = 255  # a 3×3 speck
    assert preprocess(canvas) is None
    assert preprocess(np.zeros((280, 280, 4), np.uint8)) is None  # fully transparent


def test_transparent_background_and_dark_ink_read_like_white_on_black(mnist_test):
    images, _ = mnist_test
    canvas = draw(images[2], height=150, centre=(140, 140))
    reference = preprocess(canvas)
    ink_in_alpha = np.zeros_like(canvas)
    ink_in_alpha[..., 3] = canvas[..., 0]  # black ink on a transparent background
    dark_on_light = canvas.copy()
    dark_on_light[..., :3] = 255 - canvas[..., :3]
    for variant in (ink_in_alpha, dark_on_light, canvas[..., 0], canvas[..., 0].astype(np.float64) / 255):
        np.testing.assert_allclose(preprocess(variant), reference, atol=0.02)


def test_half_transparent_ink_on_an_opaque_canvas_counts_half(mnist_test):
    images, _ = mnist_test
    canvas = draw(images[2], height=150, centre=(140, 140))
    half_alpha = canvas.copy()
    half_alpha[..., 3] = np.where(canvas[..., 0] > 0, 128, 255)  # semi-transparent strokes, opaque background
    half_ink = canvas.copy()
    half_ink[..., :3] = (canvas[..., :3].astype(np.uint16) * 128 // 255).astype(np.uint8)
    np.testing.assert_allclose(preprocess(half_alpha), preprocess(half_ink), atol=0.02)
    padded = np.zeros((300, 300, 4), np.uint8)
    padded[..., 3] = 255
    padded[10:290, 10:290] = canvas
    np.testing.assert_allclose(preprocess(padded[10:290, 10:290]), preprocess(canvas), atol=1e-6)  # a strided view


def test_an_opaque_canvas_read_from_its_buffer_gives_the_same_form_as_its_grayscale(mnist_test):
    images, _ = mnist_test
    canvases = [draw(images[i], height=h, centre=c) for i, h, c in
                ((3, 90, (60, 200)), (4, 240, (140, 140)), (5, 150, (200, 90)))]
    touching = np.roll(draw(images[6], height=200, centre=(140, 140)), 120, axis=1)  # ink on the border
    for canvas in [*canvases, touching]:
        np.testing.assert_array_equal(preprocess(canvas), preprocess(canvas[..., 0]))  # same pixels, same resize


def test_a_dot_is_not_a_digit():
    canvas = np.zeros((280, 280), np.uint8)
    yy, xx = np.mgrid[:280, :280]
    canvas[(yy - 140) ** 2 + (xx - 140) ** 2 <= 10**2] = 255
    assert preprocess(canvas) is None


def test_an_all_white_canvas_is_blank_and_a_mostly_ink_one_is_rejected_clearly():
    # all white, no border to tell ink from paper: read as dark ink on white paper, i.e. nothing drawn
    assert preprocess(np.full((280, 280, 4), 255, np.uint8)) is None
    half = np.zeros((280, 280), np.uint8)
    half[20:260, 20:260] = 255  # mostly ink inside a dark border
    with pytest.raises(DrawingError, match="almost all ink"):
        preprocess(half)


def test_one_pixel_line_is_handled():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[40:240, 140] = 255  # a one-pixel-wide vertical stroke: a thin "1"
    form = preprocess(canvas)
    assert form.shape == (28, 28) and np.isfinite(form).all() and 0 <= form.min() <= form.max() <= 1


@pytest.mark.parametrize("bad", [
    np.zeros((1, 2000), np.uint8),
    np.zeros((2000, 1, 4), np.uint8),
    np.zeros((28, 28, 2), np.uint8),
    np.zeros((28, 28, 5), np.uint8),
    np.zeros((4, 28, 28, 1), np.uint8),
    np.full((28, 28), "x"),
    np.zeros((28, 28), np.complex64),
    np.full((28, 28), np.nan),
    np.full((28, 28), -3.0),
    np.full((28, 28), 1e300),  # finite, but beyond float32
    [[0] * 28] * 28,
])
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_degenerate_inputs_raise_a_clear_value_error(bad):
    with pytest.raises(ValueError) as info:
        preprocess(bad)
    assert isinstance(info.value, DrawingError) and len(str(info.value)) > 10


# --- shipped weights ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, cls", [("linear", SoftmaxRegression), ("cnn", DigitCNN)])
def test_shipped_weights_load_with_weights_only_and_are_small(kind, cls):
    path = MODELS_DIR / f"{kind}.pt"
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert set(state) == set(cls().state_dict())
    assert path.stat().st_size <= 1_000_000
    model = load_model(kind)
    assert not model.training and isinstance(model, cls)
    card = load_card(kind)
    assert card["kind"] == kind and card["parameters"] == sum(p.numel() for p in cls().parameters())


@pytest.mark.parametrize("kind, target", [("linear", 0.925), ("cnn", 0.995)])
def test_shipped_weights_reach_the_accuracy_targets(kind, target, mnist_test):
    images, labels = mnist_test
    logits = logits_for_forms(images.astype(np.float32) / 255.0, load_model(kind))
    accuracy = float((logits.argmax(1) == labels).mean())
    assert accuracy >= target - 0.002, f"{kind}: {accuracy:.4f}"


def card_vouching_for(models_dir: Path, kind: str) -> None:
    """Copy the shipped card for ``kind`` into ``models_dir`` with the sha256 of the weights there."""
    card = json.loads((MODELS_DIR / f"{kind}.json").read_text())
    card["sha256"] = hashlib.sha256((models_dir / f"{kind}.pt").read_bytes()).hexdigest()
    (models_dir / f"{kind}.json").write_text(json.dumps(card))


def test_missing_and_corrupt_weights_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(ModelFileError, match=r"cnn\.pt.*missing.*python -m playground.digits.train --model cnn"):
        load_model("cnn", models_dir=tmp_path)
    (tmp_path / "linear.pt").write_bytes(b"not a torch file at all")
    with pytest.raises(ModelFileError, match=r"linear\.json"):  # weights with no card to check them against
        load_card("linear", models_dir=tmp_path)
    with pytest.raises(ModelFileError, match=r"linear\.json.*--model linear"):
        load_model("linear", models_dir=tmp_path)
    card_vouching_for(tmp_path, "linear")  # a card whose checksum matches the garbage: torch.load refuses it
    with pytest.raises(ModelFileError, match=r"linear\.pt.*corrupt.*--model linear"):
        load_model("linear", models_dir=tmp_path)
    shutil.copy(MODELS_DIR / "linear.pt", tmp_path / "cnn.pt")  # a real file with the wrong shapes
    card_vouching_for(tmp_path, "cnn")
    with pytest.raises(ModelFileError, match="do not match"):
        load_model("cnn", models_dir=tmp_path)
    with pytest.raises(ValueError, match="model kind"):
        load_model("resnet")


# --- prediction ---------------------------------------------------------------------------------------


def test_drawn_digits_are_recognised_with_high_probability(mnist_test):
    images, labels = mnist_test
    model = load_model("cnn")
    for image, label in zip(images[:10], labels[:10]):
        proba = predict_proba(draw(image, height=160, centre=(150, 130)), model)
        assert proba.shape == (10,) and abs(proba.sum() - 1) < 1e-9
        assert proba.argmax() == label and proba[label] > 0.8


def test_prediction_does_not_mutate_the_model_and_needs_ink():
    model = load_model("linear")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    blank = np.zeros((280, 280, 4), np.uint8)
    with pytest.raises(DrawingError, match="no ink"):
        predict_logits(blank, model)
    canvas = blank.copy()
    canvas[60:220, 130:150] = 255
    predict_proba(canvas, model)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_predictions_from_8_threads_match_serial_ones(mnist_test):
    images, _ = mnist_test
    model = load_model("cnn")
    canvases = [draw(image, height=100 + 10 * i, centre=(140, 140)) for i, image in enumerate(images[:16])]
    serial = [predict_proba(c, model) for c in canvases]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda c: predict_proba(c, model), canvases * 4))
    for i, proba in enumerate(threaded):
        np.testing.assert_allclose(proba, serial[i % len(serial)], rtol=1e-6, atol=1e-9)


def test_a_drawing_read_alone_gets_the_probabilities_it_gets_in_a_batch(mnist_test):
    images, _ = mnist_test
    model = load_model("cnn")
    canvases = [draw(image, height=100 + 10 * i, centre=(140, 140)) for i, image in enumerate(images[:20])]
    in_a_batch = probabilities(logits_for_forms(np.stack([preprocess(c) for c in canvases]), model))
    alone = np.stack([predict_proba(c, model) for c in canvases])
    np.testing.assert_allclose(alone, in_a_batch, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.stack([predict_logits(c, model) for c in canvases]),
                               logits_for_forms(np.stack([preprocess(c) for c in canvases]), model), atol=1e-4)


def test_folding_batchnorm_into_the_convs_keeps_the_logits(mnist_test):
    images, _ = mnist_test
    forms = images[:200].astype(np.float32) / 255.0
    unfused = DigitCNN()
    unfused.load_state_dict(torch.load(MODELS_DIR / "cnn.pt", weights_only=True))
    unfused.eval()
    fused = load_model("cnn")
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    reference = logits_for_forms(forms, unfused)
    np.testing.assert_allclose(logits_for_forms(forms, fused), reference, atol=1e-4)
    alone = np.stack([logits_for_forms(form, fused)[0] for form in forms[:50]])  # batches of one
    np.testing.assert_allclose(alone, reference[:50], atol=1e-4)


@pytest.mark.parametrize("hidden, first_linear", [(24, "Linear(288 → 24)"), (0, "Linear(288 → 10)")])
def test_folding_keeps_the_logits_of_a_cnn_with_or_without_a_hidden_layer(hidden, first_linear):
    torch.manual_seed(0)
    model = DigitCNN(widths=(8, 16, 32), hidden=hidden)
    for module in model.modules():  # non-trivial BatchNorm statistics, as after training
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    forms = np.random.default_rng(0).random((16, 28, 28), dtype=np.float32)  # ink up to the border: the padding
    before = logits_for_forms(forms, model)
    model.fold_for_inference()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) and first_linear in model.SUMMARY
    np.testing.assert_allclose(logits_for_forms(forms, model), before, atol=1e-4)
    np.testing.assert_allclose(logits_for_forms(forms[:1], model), before[:1], atol=1e-4)  # a batch of one
    model.fold_for_inference()  # a second fold changes nothing
    np.testing.assert_allclose(logits_for_forms(forms, model), before, atol=1e-4)


def test_a_finer_trace_redraws_the_same_digit(mnist_test):
    """Tracing the skeleton on the 2× upsampled digit is a second re-drawing of the same shape."""
    from playground.digits.redraw import drawn_forms, redraw

    images, _ = mnist_test
    coarse_skeletons, styles = redraw(images[:8], seed=3)
    fine_skeletons, fine_styles = redraw(images[:8], seed=3, trace_scale=2)
    assert coarse_skeletons.shape == (8, 28, 28) and fine_skeletons.shape == (8, 56, 56)
    assert styles == fine_styles  # same seed, same strokes, sizes and places
    coarse, fine = drawn_forms(images[:8], seed=3), drawn_forms(images[:8], seed=3, trace_scale=2)
    for a, b in zip(coarse, fine):
        assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.8


def test_thinning_in_chunks_gives_the_same_skeletons(mnist_test, monkeypatch):
    """Large batches are thinned in chunks (memory); the chunks must not change a single pixel."""
    import playground.digits.redraw as drawing

    images, _ = mnist_test
    whole, _ = redraw(images[:40], seed=5, trace_scale=2)
    monkeypatch.setattr(drawing, "SKELETON_CHUNK_PIXELS", 7 * 56 * 56)  # chunks of 7 digits, the last one short
    chunked, _ = redraw(images[:40], seed=5, trace_scale=2)
    np.testing.assert_array_equal(chunked, whole)


def test_model_kinds_match_the_torch_free_list():
    """The page checks kinds before torch is imported (KINDS); the classes must match it."""
    assert tuple(MODEL_KINDS) == KINDS


def test_the_digit_page_helpers_do_not_import_torch():
    """The canvas must render while torch is still importing: its page's helpers must not pull torch in."""
    modules = "mistakes, images, explain, reading, weights, preprocessing, canvas_png"
    code = f"import sys; from playground.digits import {modules}; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT).returncode == 0
    # and the page's own glue (all but the canvas, which imports only inside a Streamlit runtime)
    glue = "_digits_models, _digit_reading, _mistakes_gallery, _linear_insides, _language, _url, _navigation"
    code = f"import sys; from pages import {glue}; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True).returncode == 0


def test_the_model_card_command_repeats_every_option_that_changes_the_weights(capsys):
    """A card's command must reproduce its weights: defaults stay implicit, overrides (even hidden 0) are listed."""
    from playground.digits.train import main, reproducing_command

    parser_defaults = dict(threads=1, augment=None, no_redraw=False, limit=None, widths=None, hidden=None,
                           redraw_traces=None)
    plain = argparse.Namespace(model="cnn", seed=0, **parser_defaults)
    assert reproducing_command(plain, 15) == "python -m playground.digits.train --model cnn --epochs 15 --seed 0"
    custom = argparse.Namespace(**{**vars(plain), "threads": 2, "hidden": 0, "no_redraw": True,
                                   "redraw_traces": "1,2"})
    command = reproducing_command(custom, 3)
    assert command == ("python -m playground.digits.train --model cnn --epochs 3 --seed 0 --threads 2 --no-redraw "
                       "--hidden 0 --redraw-traces 1,2")
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    assert all(flag in usage for flag in ("--threads", "--no-redraw", "--hidden", "--redraw-traces"))  # real flags
