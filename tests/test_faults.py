"""Fault tests: broken assets, absurd settings and bad canvas data give a clear message, never a traceback.

Each fault is injected without touching the real assets (the page reads ``playground.digits.weights.MODELS_DIR``
and ``playground.digits.mnist.MNIST_DIR`` at run time, so tests point them at a temporary folder), and after
each fault the other pages of the same session must still work.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import shutil
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

import playground.digits.mnist as mnist
import playground.digits.weights as model_files
from playground.digits.weights import ModelFileError
from playground.paths import MODELS_DIR
from playground.plots.training import loss_curve_figure
from playground.training.lab import LabConfig, TrainingLab
from tests.component_values import send_to_player
from playground.digits import load_model
from playground.digits.mnist import load_mnist
from playground.digits.models import DigitCNN, MODEL_KINDS, SoftmaxRegression
from playground.digits.weights import load_card, rebuild_command

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GALLERY_TOGGLE = "digits_gallery_on"
OTHER_PAGES = {"pages/softmax.py": "Softmax explorer", "pages/training.py": "Training lab"}


def run_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """Run the app on ``page`` through the real navigation frame."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def assert_other_pages_work(at: AppTest) -> None:
    """In the same session, the explorer and the training lab render with no exception."""
    for page, title in OTHER_PAGES.items():
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert title in [t.value for t in at.title]


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


# --- weights ---------------------------------------------------------------------------------

def _missing(folder: Path) -> None:
    """No weights at all."""


def _vouched(folder: Path, kind: str, weights: bytes) -> None:
    """Write ``weights`` as ``kind``'s file with a card whose sha256 vouches for them (so loading goes on to torch)."""
    (folder / f"{kind}.pt").write_bytes(weights)
    card = json.loads((MODELS_DIR / f"{kind}.json").read_text())
    card["sha256"] = hashlib.sha256(weights).hexdigest()
    (folder / f"{kind}.json").write_text(json.dumps(card))


def _garbage(folder: Path) -> None:
    """Weights files that are not torch files."""
    for kind in MODEL_KINDS:
        _vouched(folder, kind, b"\x80\x04 this is not a state dict" * 10)


def _mismatched(folder: Path) -> None:
    """Valid torch files holding the other model's weights."""
    for kind, other in (("linear", DigitCNN), ("cnn", SoftmaxRegression)):
        buffer = io.BytesIO()
        torch.save(other().state_dict(), buffer)
        _vouched(folder, kind, buffer.getvalue())


def _truncated(folder: Path) -> None:
    """The real linear weights cut in half, as after an interrupted copy."""
    data = (MODELS_DIR / "linear.pt").read_bytes()
    for kind in MODEL_KINDS:
        _vouched(folder, kind, data[: len(data) // 2])


def _corrupt_card(folder: Path) -> None:
    """Good linear weights but an unreadable model card."""
    shutil.copy(MODELS_DIR / "linear.pt", folder / "linear.pt")
    (folder / "linear.json").write_text("{not json")


@pytest.mark.parametrize("kind", ["linear", "cnn"])
@pytest.mark.parametrize(("make_fault", "words"), [
    (_missing, "missing"), (_garbage, "corrupt"), (_mismatched, "do not match"), (_truncated, "corrupt")],
    ids=["missing", "garbage", "mismatched", "truncated"])
def test_broken_weights_show_an_error_with_the_rebuild_command(tmp_path, monkeypatch, kind, make_fault, words):
    """The digit page names the file, what is wrong and the command that rebuilds it; other pages work."""
    make_fault(tmp_path)
    monkeypatch.setattr(model_files, "MODELS_DIR", tmp_path)
    at = run_page("pages/digits.py", {"model": kind})
    assert not at.exception, [e.value for e in at.exception]
    message = errors(at)
    assert str(tmp_path / f"{kind}.pt") in message and words in message
    assert rebuild_command(kind) in message
    if kind == "cnn":  # the default model: the page a class lands on
        assert_other_pages_work(at)


def test_corrupt_model_card_shows_an_error(tmp_path, monkeypatch):
    """Good weights with an unreadable card: an error naming the card, no exception."""
    _corrupt_card(tmp_path)
    monkeypatch.setattr(model_files, "MODELS_DIR", tmp_path)
    at = run_page("pages/digits.py", {"model": "linear"})
    assert not at.exception, [e.value for e in at.exception]
    assert str(tmp_path / "linear.json") in errors(at)
    assert_other_pages_work(at)


# --- damaged weights and malformed cards -----------------------------------------------------

def copy_model_files(folder: Path, kind: str) -> tuple[Path, Path]:
    """The shipped weights and card of ``kind`` copied into ``folder``; returns (weights, card) paths."""
    weights, card = folder / f"{kind}.pt", folder / f"{kind}.json"
    shutil.copy(MODELS_DIR / f"{kind}.pt", weights)
    shutil.copy(MODELS_DIR / f"{kind}.json", card)
    return weights, card


def flip_one_weight_bit(weights: Path) -> None:
    """Flip the lowest bit of a float in the middle of the largest tensor: torch still reads the file."""
    data = bytearray(weights.read_bytes())
    largest = max(zipfile.ZipFile(io.BytesIO(bytes(data))).infolist(), key=lambda info: info.file_size)
    name_length, extra_length = struct.unpack_from("<HH", data, largest.header_offset + 26)
    start = largest.header_offset + 30 + name_length + extra_length
    data[start + largest.file_size // 8 * 4] ^= 0x01  # a float's least significant byte (little endian)
    weights.write_bytes(bytes(data))


def write_non_finite_weights(weights: Path, card: Path, value: float) -> None:
    """Put ``value`` into one weight and save it, with the card's sha256 updated to match the new file."""
    state = torch.load(weights, weights_only=True)
    name = next(key for key, tensor in state.items() if tensor.is_floating_point())
    state[name].view(-1)[0] = value
    torch.save(state, weights)
    facts = json.loads(card.read_text())
    facts["sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    card.write_text(json.dumps(facts))


def card_without(key: str) -> Callable[[dict], object]:
    """A card edit that removes ``key``."""
    def drop(card: dict) -> dict:
        return {k: v for k, v in card.items() if k != key}
    return drop


MALFORMED_CARDS: dict[str, Callable[[dict], object]] = {
    "empty list": lambda card: [],
    "parameters many": lambda card: {"parameters": "many"},
    "no sha256": card_without("sha256"),
    "sha256 not hex": lambda card: {**card, "sha256": "z" * 64},
    "sha256 too short": lambda card: {**card, "sha256": card["sha256"][:63]},
    "other kind": lambda card: {**card, "kind": "cnn"},
    "parameters text in a full card": lambda card: {**card, "parameters": "many"},
    "accuracy text": lambda card: {**card, "mnist_test_accuracy": "high"},
    "training seconds text": lambda card: {**card, "training_seconds": "long"},
    "no kind": card_without("kind"),
}


def write_malformed_card(card: Path, name: str) -> None:
    """Rewrite ``card`` as the malformed card ``name`` of MALFORMED_CARDS."""
    card.write_text(json.dumps(MALFORMED_CARDS[name](json.loads(card.read_text()))))


@pytest.mark.parametrize("kind", ["linear", "cnn"])
def test_a_flipped_bit_in_the_weights_fails_the_card_sha256(tmp_path, kind):
    """One flipped bit that torch itself reads without complaint: the card's sha256 catches it."""
    weights, _ = copy_model_files(tmp_path, kind)
    load_model(kind, tmp_path)  # the intact copy loads
    flip_one_weight_bit(weights)
    torch.load(weights, weights_only=True)  # control: the damage is silent to torch
    with pytest.raises(ModelFileError) as caught:
        load_model(kind, tmp_path)
    message = str(caught.value)
    assert str(weights) in message and "sha256" in message and rebuild_command(kind) in message


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("kind", ["linear", "cnn"])
def test_non_finite_weights_with_a_matching_card_are_refused(tmp_path, kind, value):
    """NaN or infinite weights, saved with a card whose sha256 matches: refused, naming the file and the fix."""
    weights, card = copy_model_files(tmp_path, kind)
    write_non_finite_weights(weights, card, value)
    with pytest.raises(ModelFileError) as caught:
        load_model(kind, tmp_path)
    message = str(caught.value)
    assert str(weights) in message and "non-finite" in message and rebuild_command(kind) in message


@pytest.mark.parametrize("name", list(MALFORMED_CARDS))
def test_a_card_of_the_wrong_shape_raises_model_file_error(tmp_path, name):
    """Valid JSON that is not a usable card: ModelFileError naming the card and the rebuild command."""
    _, card = copy_model_files(tmp_path, "linear")
    load_card("linear", tmp_path)  # the intact copy is a valid card
    write_malformed_card(card, name)
    with pytest.raises(ModelFileError) as caught:
        load_card("linear", tmp_path)
    assert str(card) in str(caught.value) and rebuild_command("linear") in str(caught.value)


DAMAGED_FILES = {
    "flipped bit": lambda weights, card: flip_one_weight_bit(weights),
    "nan weights": lambda weights, card: write_non_finite_weights(weights, card, math.nan),
    "card []": lambda weights, card: write_malformed_card(card, "empty list"),
    "card parameters many": lambda weights, card: write_malformed_card(card, "parameters many"),
    "card without sha256": lambda weights, card: write_malformed_card(card, "no sha256"),
}


@pytest.mark.parametrize(("kind", "damage"), [
    *[("linear", name) for name in DAMAGED_FILES], ("cnn", "flipped bit"), ("cnn", "nan weights")])
def test_damaged_model_files_show_an_error_on_the_digit_page(tmp_path, monkeypatch, kind, damage):
    """The digit page shows an error naming the damaged file and no exception; the other pages still run."""
    weights, card = copy_model_files(tmp_path, kind)
    DAMAGED_FILES[damage](weights, card)
    monkeypatch.setattr(model_files, "MODELS_DIR", tmp_path)
    at = run_page("pages/digits.py", {"model": kind})
    assert not at.exception, [e.value for e in at.exception]
    damaged = card if damage.startswith("card") else weights
    assert str(damaged) in errors(at) and rebuild_command(kind) in errors(at)
    assert_other_pages_work(at)


# --- MNIST -----------------------------------------------------------------------------------

@pytest.fixture()
def no_mnist(tmp_path, monkeypatch):
    """MNIST points at an empty folder; caches that may hold the test set are cleared before and after."""
    monkeypatch.setattr(mnist, "MNIST_DIR", tmp_path)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    st.cache_resource.clear()
    st.cache_data.clear()


def test_missing_mnist_leaves_the_canvas_and_other_pages_working(no_mnist):
    """Without the MNIST files the digit page (gallery off, the default) and the other pages still work."""
    at = run_page("pages/digits.py", {"model": "linear"})
    assert not at.exception, [e.value for e in at.exception]
    assert "Model" in [r.label for r in at.radio] and not at.error
    assert_other_pages_work(at)


def test_missing_mnist_shows_an_error_in_the_gallery(no_mnist):
    """Turning the mistakes gallery on without MNIST shows an error naming the missing file."""
    at = run_page("pages/digits.py", {"model": "linear"})
    at.toggle(key=GALLERY_TOGGLE).set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "MNIST" in errors(at) and str(no_mnist) in errors(at)


# --- training at an absurd learning rate -----------------------------------------------------

def test_training_at_lr_1e30_stops_with_a_diverged_verdict():
    """lr = 1e30 (far past the slider): the loss explodes, the verdict is diverged, nothing raises."""
    lab = TrainingLab(LabConfig(lr=1e30, epochs=50))
    lab.request("play")
    lab.report({"load": lab.load, "epoch": lab.run.last})
    assert lab.verdict().kind == "diverged"
    assert lab.losses[-1] > 1e20 or not math.isfinite(lab.losses[-1])
    assert lab.runs and lab.runs[-1].verdict.kind == "diverged"
    table = lab.runs_table()
    assert table["verdict"].iloc[-1] == "Diverged"
    for log_y in (True, False):
        loss_curve_figure(lab.losses, log_y=log_y, title="lr 1e30").to_json()
    step = lab.step_breakdown()  # the step the page shows after the last epoch: the diverged loss, not a crash
    assert step.lr == 1e30 and step.loss == pytest.approx(lab.losses[-1], rel=1e-6)
    assert step.loss > 1e20 or not math.isfinite(step.loss)


def test_training_page_plays_an_overshooting_run_to_a_diverged_banner():
    """The page's own Overshoot preset (the largest lr it allows), played to the end: an error banner."""
    at = run_page("pages/training.py", {"epochs": "30"})
    at.button(key="tr_preset_Overshoot").click().run()
    send_to_player(at, trigger="play")
    lab = at.session_state["training_lab"]
    send_to_player(at, state={"position": {"load": lab.load, "epoch": lab.run.last}})
    assert not at.exception, [e.value for e in at.exception]
    assert "Diverged" in errors(at)
    assert_other_pages_work(at)


# --- canvas data of the wrong shape ----------------------------------------------------------

def png_data_url(pixels: np.ndarray, mode: str) -> str:
    """A data URL like the canvas sends, holding ``pixels`` as a PNG."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode=mode).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def canvas_module():
    """The streamlit_drawable_canvas module (importable only once a Streamlit runtime has registered it)."""
    if "streamlit_drawable_canvas" not in sys.modules:
        run_page("pages/digits.py", {"model": "linear"})
    import streamlit_drawable_canvas

    return streamlit_drawable_canvas


@pytest.fixture()
def fake_canvas(canvas_module, monkeypatch):
    """Make the page's canvas report a chosen data URL as its image (the real canvas still renders)."""
    real = canvas_module.st_canvas

    def use(data_url: str) -> None:
        def fake(*args, **kwargs):
            real(*args, **kwargs)
            return canvas_module.CanvasResult(json_data=None, image_data_url=data_url, return_image_data=True)

        monkeypatch.setattr(canvas_module, "st_canvas", fake)

    return use


def mnist_digit_canvas() -> tuple[np.ndarray, int]:
    """The first MNIST test digit, white on black, enlarged to a 280×280 RGBA canvas image."""
    images, labels = load_mnist("test")
    ink = np.kron(images[0], np.ones((10, 10), dtype=np.uint8))
    return np.dstack([ink, ink, ink, np.full_like(ink, 255)]), int(labels[0])


def test_a_real_drawing_gives_a_prediction(fake_canvas):
    """Control for the canvas fault tests: a proper canvas image gives the Prediction metric."""
    canvas, label = mnist_digit_canvas()
    fake_canvas(png_data_url(canvas, "RGBA"))
    at = run_page("pages/digits.py", {"model": "linear"})
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.metric if m.label == "Prediction"] == [str(label)]


def test_a_drawing_without_mnist_still_gets_its_prediction(fake_canvas, no_mnist):
    """Without the MNIST files a drawing is still read; only the evidence chart, which compares it with the
    real test digits, says it needs them."""
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[40:240, 130:150, :3] = 255  # a white "1" on black
    fake_canvas(png_data_url(canvas, "RGBA"))
    at = run_page("pages/digits.py", {"model": "cnn"})
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.metric if m.label == "Prediction"] == ["1"]
    assert any("needs the MNIST test set" in c.value for c in at.caption)


WRONG_SHAPES = {
    "tiny 5x3": (np.full((5, 3, 4), 255, dtype=np.uint8), "RGBA"),
    "two channels": (np.full((280, 280, 2), 128, dtype=np.uint8), "LA"),
    "one long row": (np.full((8, 5000), 255, dtype=np.uint8), "L"),
    "one pixel": (np.full((1, 1, 4), 255, dtype=np.uint8), "RGBA"),
}


@pytest.mark.parametrize("name", list(WRONG_SHAPES))
def test_canvas_image_of_the_wrong_shape_shows_a_message(fake_canvas, name):
    """A canvas value of the wrong shape: a message saying why it cannot be read, no prediction, no exception."""
    pixels, mode = WRONG_SHAPES[name]
    fake_canvas(png_data_url(pixels, mode))
    at = run_page("pages/digits.py", {"model": "linear"})
    assert not at.exception, [e.value for e in at.exception]
    messages = " ".join(m.value for m in [*at.warning, *at.error])
    assert "cannot be read" in messages
    assert not [m for m in at.metric if m.label == "Prediction"]
    assert_other_pages_work(at)


@pytest.mark.parametrize("payload", ["data:image/png;base64,AAAA", "data:image/png;base64,not base64!"])
def test_canvas_payload_that_is_not_an_image_shows_a_message(fake_canvas, payload):
    """A corrupt canvas payload (not a PNG) is reported like any unreadable drawing."""
    fake_canvas(payload)
    at = run_page("pages/digits.py", {"model": "linear"})
    assert not at.exception, [e.value for e in at.exception]
    assert "cannot be read" in " ".join(m.value for m in [*at.warning, *at.error])
