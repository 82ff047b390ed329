"""Digit pipeline figures: MNIST accuracy, accuracy on canvas-style drawings, latency, model load time.

    python bench/digits.py [--drawings 10000] [--seed 7] [--repeats 2000] [--trace-scales 1,3]

Prints figures; asserts nothing (targets: CNN >= 99.5% MNIST test and on drawings, linear >= 92.5%,
predict_proba p50 <= 1 ms for the CNN on a 280x280 RGBA canvas, model load <= 200 ms).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from playground.digits import load_model, predict_proba, preprocess
from playground.digits.models import logits_for_forms
from playground.digits.redraw import random_style, render_skeleton, skeletonize, traced_skeletons
from playground.digits.mnist import load_mnist
from playground.digits.weights import load_card


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def naive_resize(canvas: np.ndarray) -> np.ndarray:
    """What most digit apps do: shrink the whole canvas to 28x28."""
    gray = Image.fromarray(canvas).convert("L").resize((28, 28), Image.Resampling.BILINEAR)
    return np.asarray(gray, dtype=np.float32) / 255.0


def drawing_accuracy(models: dict, count: int, seed: int, trace_scale: int = 1) -> dict[str, tuple[float, float]]:
    """Accuracy of predict_proba on MNIST test digits re-drawn as canvas strokes, and of a naive resize."""
    images, labels = load_mnist("test")
    rng = np.random.default_rng(seed)
    pick = rng.permutation(len(images))[:count]
    skeletons = traced_skeletons(images[pick], trace_scale)
    correct = {name: 0 for name in models}
    naive_correct = {name: 0 for name in models}
    naive_forms = []
    for skeleton, label in zip(skeletons, labels[pick]):
        canvas = render_skeleton(skeleton, random_style(rng))
        for name, model in models.items():
            correct[name] += int(predict_proba(canvas, model).argmax() == label)
        naive_forms.append(naive_resize(canvas))
    for name, model in models.items():
        naive_correct[name] = int((logits_for_forms(np.stack(naive_forms), model).argmax(1) == labels[pick]).sum())
    return {name: (correct[name] / count, naive_correct[name] / count) for name in models}


def latency(model, repeats: int) -> tuple[list[float], list[float]]:
    """Per-call seconds of predict_proba on a 280x280 RGBA canvas, and of preprocess alone."""
    images, _ = load_mnist("test")
    rng = np.random.default_rng(0)
    canvases = [render_skeleton(s, random_style(rng)) for s in skeletonize(images[:50] > 127)]
    for canvas in canvases[:10]:
        predict_proba(canvas, model)
    total, prep = [], []
    for i in range(repeats):
        canvas = canvases[i % len(canvases)]
        t0 = time.perf_counter()
        preprocess(canvas)
        t1 = time.perf_counter()
        predict_proba(canvas, model)
        t2 = time.perf_counter()
        prep.append(t1 - t0)
        total.append(t2 - t1)
    return total, prep


def trace_note(trace_scale: int) -> str:
    """How the CNN's training used re-drawings traced at this scale (its card lists the scales)."""
    used = load_card("cnn").get("redraw_trace_scales", []).count(trace_scale)
    return f"as {used} training cop{'y was' if used == 1 else 'ies were'}" if used else "a re-drawing no training copy used"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drawings", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--trace-scales", default="1,3",
                        help="comma-separated skeleton trace scales for the re-drawn test digits (6 takes ~0.07 s each)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")

    load_times = {}
    models = {}
    for kind in ("cnn", "linear"):
        t0 = time.perf_counter()
        models[kind] = load_model(kind)
        load_times[kind] = time.perf_counter() - t0
        print(f"model load {kind}: {load_times[kind] * 1e3:.1f} ms")

    # Latency first, in the state the app's server is in (models loaded, nothing else done): after the
    # drawing evaluations below, which allocate and free gigabytes, the same calls measured 15-20% slower.
    for kind in ("cnn", "linear"):
        total, prep = latency(models[kind], args.repeats)
        share = statistics.median(prep) / statistics.median(total)
        print(f"predict_proba {kind} on 280x280 RGBA: p50 {percentile(total, 50) * 1e3:.3f} ms, "
              f"p95 {percentile(total, 95) * 1e3:.3f} ms, preprocessing share {share * 100:.0f}% "
              f"(preprocess p50 {percentile(prep, 50) * 1e3:.3f} ms)")

    images, labels = load_mnist("test")
    forms = images.astype(np.float32) / 255.0
    for kind, model in models.items():
        acc = float((logits_for_forms(forms, model).argmax(1) == labels).mean())
        print(f"MNIST test accuracy {kind}: {acc * 100:.2f}%")

    for trace_scale in (int(scale) for scale in args.trace_scales.split(",")):
        what = f"skeleton traced at {28 * trace_scale}×{28 * trace_scale}, " + trace_note(trace_scale)
        t0 = time.perf_counter()
        for kind, (acc, naive) in drawing_accuracy(models, args.drawings, args.seed, trace_scale).items():
            print(f"drawings accuracy {kind}: {acc * 100:.2f}% with our preprocessing, {naive * 100:.2f}% with a naive "
                  f"whole-canvas resize ({args.drawings} re-drawn test digits, seed {args.seed}, {what})")
        print(f"  (drawing evaluation took {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
