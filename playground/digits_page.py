"""Pure helpers behind the Digit canvas page: verdicts, entropy, contributions, the mistakes gallery.

No Streamlit here: the page passes arrays in and shows what comes out, so all of it is testable alone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from PIL import Image

from playground.preprocess import ink_map
from playground.softmax import softmax as probabilities

if TYPE_CHECKING:
    from torch import nn

CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))
NOT_SURE_PROBABILITY = 0.6  # below this top probability the page says "not sure"
NOT_SURE_ENTROPY_BITS = 1.5  # above this entropy (max log2(10) ≈ 3.32 bits) the page says "not sure"
MODEL_LABELS: dict[str, str] = {"linear": "Softmax regression (the course's model)", "cnn": "CNN"}
MODEL_NAMES: dict[str, str] = {"linear": "softmax regression", "cnn": "CNN"}  # inside a sentence
SORT_ORDERS: dict[str, bool] = {"most confident first": False, "least confident first": True}


# Mounted once on the Digit canvas page, this script helps the canvas component in two ways:
# - The canvas sends a drawing to the app 200 ms after the last change (a debounce in its frontend). The script
#   presses the toolbar's own "Update the app with this drawing" button as soon as a stroke ends, so the
#   prediction need not wait for that timer. If the button is not found (another version of the component),
#   the debounced send still happens.
# - The toolbar waits, invisible, over the canvas's top-right corner until the canvas is hovered, and then
#   slides up above it. A finger cannot hover, so on a phone that corner swallowed strokes (or pressed an
#   unseen "Reset canvas"); with a mouse, a quick press there while the toolbar slid away was lost too. The
#   script adds a style to each canvas's shadow root that puts the toolbar in a row of its own under the canvas.
CANVAS_HELPERS_JS = """
// The toolbar becomes a row of its own under the canvas, always shown: never over the drawing, and reachable
// without hovering (which a finger cannot do). "!important": a remounted canvas (Clear) may render its own
// stylesheet after this one, and its hover rules are more specific.
const TOOLBAR_CSS = ".dc-toolbar{position:static!important;opacity:1!important;pointer-events:auto!important;" +
  "justify-content:flex-end!important;padding:.25rem 0 0!important}";

function styleCanvasToolbars() {
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot;
    if (root && !root.querySelector("style[data-digits-toolbar]")) {
      const style = document.createElement("style");
      style.dataset.digitsToolbar = "";
      style.textContent = TOOLBAR_CSS;  // only .dc-* rules: other components ignore it
      root.append(style);
    }
  }
}

export default function () {
  if (window.__digitsCanvasHelpers) return;
  window.__digitsCanvasHelpers = true;
  document.addEventListener("pointerup", (event) => {
    const canvas = event.composedPath().find(
      (el) => el instanceof HTMLCanvasElement && el.classList.contains("upper-canvas"));
    const button = canvas?.getRootNode().querySelector(
      'button[aria-label="Update the app with this drawing"]');
    if (button) setTimeout(() => button.click(), 0);  // after the canvas has added the stroke
  }, true);
  let queued = false;  // a new canvas (Clear remounts it) gets the style within a frame
  new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => { queued = false; styleCanvasToolbars(); });
    }
  }).observe(document.body, { childList: true, subtree: true });
  styleCanvasToolbars();
}
"""


@dataclass(frozen=True)
class DigitVerdict:
    """What the page says about one set of probabilities: the top two classes and how sure it is."""

    top: int
    top_probability: float
    runner_up: int
    runner_up_probability: float
    entropy_bits: float
    sure: bool


def drawing_logits(form: np.ndarray, model: nn.Module) -> np.ndarray:
    """The model's 10 logits (float64) for one MNIST-form drawing (28, 28), computed on one thread."""
    # Imported here, not at the top: this module stays torch-free so the page can draw its canvas while torch
    # is still importing; by the time a model exists, torch is loaded and these imports are free.
    from playground.digits import logits_for_forms
    from playground.threads import single_threaded

    with single_threaded():
        return logits_for_forms(np.asarray(form)[None], model)[0]


def entropy_bits(probs: np.ndarray) -> float:
    """Shannon entropy in bits of a probability vector (0 log 0 counts as 0)."""
    p = np.asarray(probs, dtype=np.float64)
    positive = p[p > 0]
    return float(-(positive * np.log2(positive)).sum())


def top_two(probs: np.ndarray) -> tuple[int, int]:
    """Indices of the most and second most probable classes (ties go to the lower index)."""
    order = np.argsort(-np.asarray(probs, dtype=np.float64), kind="stable")
    return int(order[0]), int(order[1])


def read_verdict(probs: np.ndarray) -> DigitVerdict:
    """Top two classes and whether the model is sure: top p ≥ threshold and entropy ≤ threshold."""
    p = np.asarray(probs, dtype=np.float64)
    top, runner_up = top_two(p)
    entropy = entropy_bits(p)
    sure = p[top] >= NOT_SURE_PROBABILITY and entropy <= NOT_SURE_ENTROPY_BITS
    return DigitVerdict(top, float(p[top]), runner_up, float(p[runner_up]), entropy, bool(sure))


def verdict_text(verdict: DigitVerdict) -> str:
    """One sentence for the reader: the prediction, or "not sure" with the top two."""
    if verdict.sure:
        return f"It reads a **{verdict.top}** with probability {verdict.top_probability:.1%}."
    return (
        f"**Not sure**: {verdict.top} ({verdict.top_probability:.1%}) or {verdict.runner_up} "
        f"({verdict.runner_up_probability:.1%}); entropy {verdict.entropy_bits:.2f} of "
        f"{math.log2(len(CLASS_NAMES)):.2f} bits."
    )


def logits_table(logits: np.ndarray, temperature: float) -> pa.Table:
    """The 10 logits with their softmax probabilities at T = 1 and (when different) at ``temperature``.

    An Arrow table of full-precision floats: ``st.table`` shows it as it is (4 decimals, right-aligned).
    """
    z = np.asarray(logits, dtype=np.float64)
    columns = {"digit": list(CLASS_NAMES), "logit": z, "p (T = 1)": probabilities(z)}
    if temperature != 1:
        columns[f"p (T = {temperature:g})"] = probabilities(z, temperature)
    return pa.table(columns)


def explorer_query(logits: np.ndarray) -> dict[str, str]:
    """Query params that open the Softmax explorer on these 10 logits with the digit names."""
    return {"logits": ",".join(f"{v:.4g}" for v in np.asarray(logits, dtype=np.float64)),
            "classes": ",".join(CLASS_NAMES)}


def linear_templates(weight: np.ndarray) -> np.ndarray:
    """The rows of W (10, 784) of the softmax regression as (10, 28, 28) images."""
    w = np.asarray(weight, dtype=np.float64)
    if w.shape != (10, 784):
        raise ValueError(f"expected W of shape (10, 784), got {w.shape}")
    return w.reshape(10, 28, 28)


def contribution_map(form: np.ndarray, templates: np.ndarray, digit: int) -> np.ndarray:
    """Per-pixel contribution w_c ⊙ x of the input to class ``digit``; it sums to logit minus bias."""
    return np.asarray(templates[digit], dtype=np.float64) * np.asarray(form, dtype=np.float64)


def contribution_summary(digit: int, total: float, bias: float) -> str:
    """How one logit of the softmax regression adds up: Σ w·x plus the bias."""
    return f"logit of {digit} = Σ w·x ({total:+.2f}) + bias ({bias:+.2f}) = {total + bias:+.2f}"


def mistakes(logits: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """The misread test digits: index, true and predicted label, and the predicted class's probability."""
    probs = probabilities(np.asarray(logits, dtype=np.float64))
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(labels))
    return pd.DataFrame({
        "index": wrong,
        "true": np.asarray(labels)[wrong].astype(int),
        "predicted": predicted[wrong].astype(int),
        "probability": probs[wrong, predicted[wrong]],
    })


def sort_mistakes(table: pd.DataFrame, order: str) -> pd.DataFrame:
    """Sort the mistakes by the model's confidence (``order`` is a key of SORT_ORDERS), index breaks ties."""
    ordered = table.sort_values(["probability", "index"], ascending=[SORT_ORDERS[order], True], kind="stable")
    return ordered.reset_index(drop=True)


def page_count(n_rows: int, page_size: int) -> int:
    """How many pages ``n_rows`` need at ``page_size`` per page (at least 1)."""
    return max(1, math.ceil(n_rows / page_size))


def page_of(table: pd.DataFrame, page: int, page_size: int) -> pd.DataFrame:
    """Rows of the 1-based ``page``; pages past the end are clamped to the last one."""
    page = min(max(1, page), page_count(len(table), page_size))
    return table.iloc[(page - 1) * page_size: page * page_size]


def mistake_caption(row: Any) -> str:
    """Short caption for one misread digit: true label, predicted label and probability."""
    return f"true {row.true} → {row.predicted} ({row.probability:.1%})"


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement of a (H, W) image in [0, 1] or [0, 255] to uint8, so pixels stay crisp."""
    values = np.asarray(image, dtype=np.float64)
    scaled = values * 255.0 if values.max(initial=0.0) <= 1.0 else values
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8).repeat(factor, axis=0).repeat(factor, axis=1)


GRID_LINE = (71, 85, 105)  # slate, between the pixels of the input
LIGHT_GRID_LINE = (226, 232, 240)  # between the pixels of the contribution maps
BLUE, WHITE, RED = (33, 102, 172), (247, 247, 247), (178, 24, 43)  # the ends and middle of RdBu


def grid_image(rgb: np.ndarray, cell: int = 8, line: tuple[int, int, int] = GRID_LINE) -> np.ndarray:
    """An (H, W, 3) uint8 image enlarged to ``cell``-px squares with 1-px grid lines, so each pixel shows."""
    big = np.asarray(rgb, dtype=np.uint8).repeat(cell, axis=0).repeat(cell, axis=1)
    out = np.empty((big.shape[0] + 1, big.shape[1] + 1, 3), dtype=np.uint8)
    out[:] = line
    out[:-1, :-1] = big
    out[::cell, :] = line
    out[:, ::cell] = line
    return out


def drawing_thumbnail(image: np.ndarray, size: int = 140) -> np.ndarray:
    """The canvas drawing as a small grayscale (size, size) uint8 image: cheap for the server to encode."""
    ink = Image.fromarray(np.rint(ink_map(image) * 255).astype(np.uint8))
    return np.asarray(ink.resize((size, size), Image.Resampling.BOX))


def pixel_grid(form: np.ndarray, cell: int = 8) -> np.ndarray:
    """The 28×28 input (white ink on black) as an RGB image with a visible grid between its pixels."""
    gray = enlarge(form, 1)
    return grid_image(np.repeat(gray[:, :, None], 3, axis=2), cell)


def diverging_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """Values on a blue–white–red scale as RGB uint8: -limit is blue, 0 white, +limit red (clipped)."""
    t = np.clip(np.asarray(values, dtype=np.float64) / (limit or 1.0), -1.0, 1.0)[..., None]
    white = np.array(WHITE, dtype=np.float64)
    toward = np.where(t >= 0, np.array(RED, dtype=np.float64), np.array(BLUE, dtype=np.float64))
    return np.rint(white + (toward - white) * np.abs(t)).astype(np.uint8)


def contribution_image(contribution: np.ndarray, limit: float, cell: int = 8) -> np.ndarray:
    """A w ⊙ x map as an enlarged blue–white–red image; pass one ``limit`` to compare several maps."""
    return grid_image(diverging_rgb(contribution, limit), cell, LIGHT_GRID_LINE)


def _readable(value: Any) -> str:
    """A card value as one line: nested settings become "name: setting; name: setting"."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_readable(item)}" for key, item in value.items())
    return str(value)


def card_rows(card: dict[str, Any]) -> list[tuple[str, str]]:
    """The model card as (label, value) rows a student can read: size, accuracy, training set-up."""
    def pct(key: str) -> str:
        value = card.get(key)
        return f"{value:.2%}" if isinstance(value, (int, float)) else "—"

    return [
        ("Architecture", str(card.get("architecture", "—"))),
        ("Parameters", f"{card.get('parameters', 0):,}"),
        ("MNIST test accuracy", pct("mnist_test_accuracy")),
        ("Accuracy on re-drawn digits", pct("drawings_accuracy")),
        ("Epochs", str(card.get("epochs", "—"))),
        ("Optimizer", str(card.get("optimizer", "—"))),
        ("Augmentation", _readable(card.get("augmentation", "—"))),
        ("Re-drawn training digits", f"{card.get('redrawn_training_digits', 0):,}"),
        ("Seed", str(card.get("seed", "—"))),
        ("Training time", f"{card['training_seconds']:.0f} s" if "training_seconds" in card else "—"),
        ("PyTorch", str(card.get("torch_version", "—"))),
        ("Command", str(card.get("command", "—"))),
    ]
