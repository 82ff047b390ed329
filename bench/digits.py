"""Digit pipeline figures: the page's verdicts on digits and non-digits, MNIST accuracy, accuracy on
canvas-style drawings, latency, model load time.

    python bench/digits.py [--nondigits 1000] [--old-ref 17a9eae] [--verdicts-only]
                           [--drawings 10000] [--seed 7] [--repeats 2000] [--trace-scales 1,3]

The verdicts use test sets only (nothing here chooses anything): the card's 2000 MNIST test digits re-drawn
with seed 2024, and test-seed non-digits from ``playground.digits.nondigits``. For each model:
- new: the shipped (outlier-exposure) weights with the verdict rule on their card;
- old: the weights at ``--old-ref`` with the old page's rule ("sure" when top p >= 0.6 and entropy <= 1.5 bits
  shown as "digit", otherwise "not sure"; the old page had no "not a digit");
- old + rule: the old weights with a rule chosen on the validation split the way training chooses it, to tell
  what the thresholds alone do from what the fine-tune does.

Prints figures; asserts nothing. Targets: non-digits shown as a confident digit: CNN <= 10%, linear <= 50%;
CNN re-drawn digits "digit and right" >= 97.5%, "not_a_digit" <= 1%; CNN MNIST test >= 99.5% and drawings
argmax not below the old weights'; linear MNIST >= 92.5%; predict_proba p50 <= 1 ms for the CNN on a 280x280
RGBA canvas; model load <= 200 ms.
"""
from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from playground.digits import load_model, predict_proba, preprocess  # noqa: E402
from playground.digits.mnist import load_mnist  # noqa: E402
from playground.digits.models import logits_for_forms, MODEL_KINDS  # noqa: E402
from playground.digits.nondigits import nondigit_forms, TEST_SEED  # noqa: E402
from playground.digits.reading import rule_from_card  # noqa: E402
from playground.digits.redraw import drawn_forms, random_style, render_skeleton, skeletonize, traced_skeletons  # noqa: E402
from playground.digits.train import (choose_rule, DRAWING_EVAL_COUNT, DRAWING_EVAL_SEED,  # noqa: E402
                                     MAX_NONDIGITS_AS_DIGIT, validation_split, verdict_figures)
from playground.digits.weights import load_card  # noqa: E402


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


OLD_REF = "17a9eae"  # the last commit before outlier exposure
OLD_SURE_PROBABILITY, OLD_SURE_ENTROPY_BITS = 0.6, 1.5  # the page's rule before outlier exposure


def old_page_verdicts(logits: np.ndarray) -> np.ndarray:
    """The old page's verdict (digits_page.read_verdict), vectorised: "digit" when sure, else "unsure"."""
    z = logits - logits.max(1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    entropy = -(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0)).sum(1)
    sure = (p.max(1) >= OLD_SURE_PROBABILITY) & (entropy <= OLD_SURE_ENTROPY_BITS)
    return np.where(sure, "digit", "unsure")


def old_model(kind: str, ref: str) -> torch.nn.Module:
    """The weights of ``kind`` at git ``ref``, loaded weights-only."""
    data = subprocess.run(["git", "show", f"{ref}:assets/models/{kind}.pt"], cwd=REPO, capture_output=True,
                          check=True).stdout
    model = MODEL_KINDS[kind]()
    model.load_state_dict(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
    return model.eval()


def row(label: str, figures: dict, mnist: float, drawings: float) -> str:
    d, o = figures["digits"], figures["nondigits"]
    return (f"{label:<22} {o['digit']:>9.1%} {d['digit_and_right']:>9.1%} {d['unsure']:>7.1%} {d['not_a_digit']:>8.1%} "
            f"{d['digit_and_wrong']:>7.1%} {mnist:>8.2%} {drawings:>9.2%}")


def verdict_report(nondigits: int, old_ref: str) -> None:
    """The page's verdicts on the test sets, new weights against old: non-digits shown as a confident digit
    (overall and per kind), and "digit and right", "unsure", "not a digit" on re-drawn test digits."""
    images, labels = load_mnist("test")
    mnist_forms = images.astype(np.float32) / 255.0
    digits, digit_labels = drawn_forms(images[:DRAWING_EVAL_COUNT], seed=DRAWING_EVAL_SEED), labels[:DRAWING_EVAL_COUNT]
    others, kinds = nondigit_forms(nondigits, TEST_SEED)
    val_digits, val_labels, val_others = validation_split(None)
    print(f"test sets: {DRAWING_EVAL_COUNT} MNIST test digits re-drawn (seed {DRAWING_EVAL_SEED}), "
          f"{nondigits} non-digits (seed {TEST_SEED}); MNIST test {len(images)}")
    per_kind = {}
    for kind in ("cnn", "linear"):
        card = load_card(kind)
        rule = rule_from_card(card)
        models = {"new": (load_model(kind), rule.verdicts), "old (old page rule)": (old_model(kind, old_ref), None)}
        print(f"\n{kind}: new rule {rule}")
        print(f"{'':<22} {'non-digit':>9} {'digit &':>9} {'unsure':>7} {'not a':>8} {'digit &':>7} {'MNIST':>8} "
              f"{'drawings':>9}")
        print(f"{'':<22} {'as digit':>9} {'right':>9} {'':>7} {'digit':>8} {'wrong':>7} {'test':>8} {'argmax':>9}")
        for label, (model, verdicts_of) in models.items():
            d_logits, o_logits = logits_for_forms(digits, model), logits_for_forms(others, model)
            mnist = float((logits_for_forms(mnist_forms, model).argmax(1) == labels).mean())
            drawings = float((d_logits.argmax(1) == digit_labels).mean())
            rules = {label: verdicts_of or old_page_verdicts}
            if verdicts_of is None:
                old_rule, _ = choose_rule(logits_for_forms(val_digits, model), val_labels,
                                          logits_for_forms(val_others, model), MAX_NONDIGITS_AS_DIGIT[kind])
                rules["old + validation rule"] = old_rule.verdicts
            for name, rule_of in rules.items():
                figures = verdict_figures(rule_of, d_logits, digit_labels, o_logits, kinds)
                print(row(name, figures, mnist, drawings))
                short = {"new": "new", "old (old page rule)": "old", "old + validation rule": "old+rule"}[name]
                per_kind[f"{kind} {short}"] = figures["nondigits_shown_as_digit_by_kind"]
            if verdicts_of is None:
                print(f"{'':<22} (old + validation rule: {old_rule})")
    print("\nnon-digits shown as a confident digit, per kind")
    labels_ = list(per_kind)
    print(f"{'kind':<22} " + " ".join(f"{label:>15}" for label in labels_))
    for kind in dict.fromkeys(kinds):
        print(f"{kind:<22} " + " ".join(f"{per_kind[label][kind]:>15.0%}" for label in labels_))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nondigits", type=int, default=1000, help="test-seed non-digits (at least 400)")
    parser.add_argument("--old-ref", default=OLD_REF, help="git ref of the old weights")
    parser.add_argument("--verdicts-only", action="store_true", help="only the verdict figures")
    parser.add_argument("--drawings", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--trace-scales", default="1,3",
                        help="comma-separated skeleton trace scales for the re-drawn test digits (6 takes ~0.07 s each)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    verdict_report(args.nondigits, args.old_ref)
    if args.verdicts_only:
        return

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
