"""Train a Digit canvas model on MNIST and write its weights and model card to ``assets/models``.

    python -m playground.digits.train --model {linear,cnn} [--epochs N] [--seed S]
    python -m playground.digits.train --model cnn --outlier-exposure [--from BASE.pt] [--epochs N]

Deterministic for a seed (and thread count). The CNN also trains on MNIST training digits re-drawn as
canvas strokes (``playground.digits.redraw``), so it has seen what the canvas produces.

``--outlier-exposure`` trains from scratch, or fine-tunes trained weights (``--from``), as in Hendrycks, Mazeika & Dietterich, "Deep
Anomaly Detection with Outlier Exposure" (ICLR 2019): each batch of digits comes with drawings that are not
digits (``playground.digits.nondigits``, train seed), and the loss adds λ times their cross-entropy to the uniform
distribution, so the model learns to give non-digits flat logits. Every run then chooses the verdict rule of
``playground.digits.reading`` (a score and two thresholds) on a validation split and writes it on the card.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from playground.digits.augment import AugmentConfig, augment
from playground.digits.mnist import load_mnist
from playground.digits.models import load_model, MODEL_KINDS, logits_for_forms
from playground.digits.nondigits import TEST_SEED, TRAIN_SEED, VALIDATION_SEED, nondigit_forms
from playground.digits.reading import VerdictRule, score
from playground.digits.redraw import drawn_forms
from playground.digits.weights import VERDICT_SCORES
from playground.paths import MODELS_DIR

DEFAULTS = {
    "linear": {"epochs": 30, "lr": 1e-3, "batch": 100, "augment": frozenset(), "redraw": False},
    "cnn": {"epochs": 15, "lr": 3e-3, "batch": 128, "augment": frozenset({"affine", "thickness", "blur"}),
            "redraw": True, "redraw_traces": (1, 1, 2)},
}
DRAWING_EVAL_SEED = 2024  # the seed of the re-drawn test digits reported on the card
DRAWING_EVAL_COUNT = 2000

# Outlier exposure: λ and the non-digits, and the epochs and peak lr of a short fine-tune of trained weights
# (``--from``, sized to take at most 35 min on one thread). λ is the OE paper's 0.5 for the CNN. The linear model cannot both read digits and flatten its logits on
# non-digits, so its λ is much smaller (the note on its card says how it was chosen).
OE_DEFAULTS = {
    "linear": {"epochs": 5, "lr": 1e-3, "outliers": 20_000, "outlier_batch": 50, "oe_weight": 0.01,
               "lambda_note": "λ = 0.01: the largest of 0.5, 0.1, 0.05, 0.02, 0.01 that keeps MNIST test accuracy at "
                              "the linear model's 92.5% target; the only choice made "
                              "with a test set, and not one of the verdict rule"},
    "cnn": {"epochs": 3, "lr": 5e-4, "outliers": 20_000, "outlier_batch": 64, "oe_weight": 0.5,
            "lambda_note": "λ = 0.5, the OE paper's value"},
}
OE_WEIGHT = 0.5  # λ, the OE paper's value
OE_LOSS = "CE(digits) + λ · mean over the batch's non-digits of (−mean_k log softmax_k)"

# The verdict rule is chosen on a validation split: training digits re-drawn with a seed no training copy used,
# and non-digits of the validation seed. Never on the test sets below.
VALIDATION_REDRAW_SEED = 7_777
VALIDATION_DIGITS = 3000
VALIDATION_NONDIGITS = 2000
NOT_DIGIT_QUANTILE = 0.005  # not_digit_below: this share of validation digits falls below it (the target is ≤ 1%)
MAX_NONDIGITS_AS_DIGIT = {"linear": 0.35, "cnn": 0.05}  # sure_from: at most this share of validation non-digits reaches it
TEST_NONDIGITS = 1000


def progress(done: int, total: int, start: float, label: str, extra: str = "") -> None:
    """Draw a one-line progress bar on stderr."""
    width = 30
    filled = int(width * done / max(total, 1))
    elapsed = time.perf_counter() - start
    eta = elapsed / done * (total - done) if done else 0.0
    bar = "#" * filled + "-" * (width - filled)
    sys.stderr.write(f"\r{label} [{bar}] {done}/{total} {elapsed:5.0f}s eta {eta:4.0f}s {extra}   ")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def accuracy(model: torch.nn.Module, forms: np.ndarray, labels: np.ndarray) -> float:
    """Share of ``forms`` (N, 28, 28) in [0, 1] whose argmax logit equals the label."""
    model.eval()
    return float((logits_for_forms(forms, model).argmax(1) == labels).mean())


def cached_forms(cache: Path | None, what: str, make) -> np.ndarray:
    """``make()``'s forms, kept as .npy at ``cache`` when given (re-drawing and drawing take minutes)."""
    if cache is not None and cache.exists():
        return np.load(cache)
    t0 = time.perf_counter()
    sys.stderr.write(f"{what}...\n")
    forms = make()
    sys.stderr.write(f"  done in {time.perf_counter() - t0:.0f}s\n")
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, forms)
    return forms


def redrawn_training_forms(images: np.ndarray, seed: int, cache_dir: Path | None, trace_scale: int = 1) -> np.ndarray:
    """Re-drawn copies of the training digits, cached in ``cache_dir`` when given."""
    trace = f"-trace{trace_scale}" if trace_scale != 1 else ""
    cache = cache_dir / f"redrawn-train-{len(images)}-seed{seed}{trace}.npy" if cache_dir else None
    return cached_forms(cache, f"re-drawing the training digits as canvas strokes (seed {seed}, trace scale "
                               f"{trace_scale})", lambda: drawn_forms(images, seed=seed, trace_scale=trace_scale))


def outlier_forms(count: int, seed: int, cache_dir: Path | None) -> np.ndarray:
    """``count`` non-digit drawings of ``seed`` in MNIST form, cached in ``cache_dir`` when given."""
    cache = cache_dir / f"nondigits-{count}-seed{seed}.npy" if cache_dir else None
    return cached_forms(cache, f"drawing {count} non-digits (seed {seed})", lambda: nondigit_forms(count, seed)[0])


def training_set(kind_cfg: dict, seed: int, limit: int | None,
                 cache_dir: Path | None = None) -> tuple[torch.Tensor, torch.Tensor, int]:
    """MNIST training digits (plus re-drawn copies, each with its own styles) as (N, 1, 28, 28) float tensors."""
    images, labels = load_mnist("train")
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = images.astype(np.float32) / 255.0
    y = labels
    redrawn = 0
    if kind_cfg["redraw"]:
        copies = [redrawn_training_forms(images, seed + 1 + c, cache_dir, trace)
                  for c, trace in enumerate(kind_cfg.get("redraw_traces", (1,)))]
        x = np.concatenate([x, *copies])
        y = np.concatenate([y] + [labels] * len(copies))
        redrawn = sum(len(c) for c in copies)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y), redrawn


def train(kind: str, epochs: int, seed: int, augmentations: frozenset[str], redraw: bool,
          limit: int | None = None, cache_dir: Path | None = None,
          architecture: dict | None = None, redraw_traces: tuple[int, ...] | None = None,
          start_from: dict | None = None, outliers: np.ndarray | None = None, outlier_batch: int = 0,
          oe_weight: float = OE_WEIGHT, lr: float | None = None) -> tuple[torch.nn.Module, dict]:
    """Train a model (``architecture``, ``redraw_traces``: overrides, for experiments); return it and its card facts.

    ``start_from``: a state_dict to fine-tune instead of fresh weights. ``outliers``: non-digit forms (N, 28, 28);
    each step adds ``outlier_batch`` of them to the digits (augmented alike) and ``oe_weight`` times their
    cross-entropy to the uniform distribution to the loss.
    """
    cfg = dict(DEFAULTS[kind], augment=augmentations, redraw=redraw)
    if redraw_traces is not None:
        cfg["redraw_traces"] = tuple(redraw_traces)
    if lr is not None:
        cfg["lr"] = lr
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    aug_cfg = AugmentConfig(enabled=augmentations)
    x, y, redrawn = training_set(cfg, seed, limit, cache_dir)
    model = MODEL_KINDS[kind](**(architecture or {}))
    if start_from is not None:
        model.load_state_dict(start_from)
    ox = torch.from_numpy(outliers).unsqueeze(1) if outliers is not None else None
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=1e-4 if kind == "cnn" else 0.0)
    steps_per_epoch = (len(x) + cfg["batch"] - 1) // cfg["batch"]
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg["lr"], total_steps=epochs * steps_per_epoch)
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        running = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * cfg["batch"]: (step + 1) * cfg["batch"]]
            xb = x[idx]
            if ox is not None:
                xb = torch.cat([xb, ox[torch.randint(len(ox), (outlier_batch,), generator=gen)]])
            if augmentations:
                xb = augment(xb.clone(), aug_cfg, gen)
            logits = model(xb)
            loss = F.cross_entropy(logits[:len(idx)], y[idx])
            if ox is not None:  # cross-entropy to the uniform distribution over the ten digits
                loss = loss + oe_weight * -F.log_softmax(logits[len(idx):], dim=1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running = 0.98 * running + 0.02 * float(loss) if step else float(loss)
            if step % 20 == 0 or step == steps_per_epoch - 1:
                progress(step + 1, steps_per_epoch, start, f"epoch {epoch + 1}/{epochs}", f"loss {running:.4f}")
    seconds = time.perf_counter() - start
    traces = list(cfg.get("redraw_traces", ())) if cfg["redraw"] else []
    facts = {}
    if ox is not None:
        facts["outlier_exposure"] = {
            "paper": "Hendrycks, Mazeika & Dietterich, Deep Anomaly Detection with Outlier Exposure, ICLR 2019",
            "loss": OE_LOSS, "lambda": oe_weight, "outliers": len(ox), "outlier_seed": TRAIN_SEED,
            "outliers_per_batch": outlier_batch, "digits_per_batch": cfg["batch"], "epochs": epochs,
            "outliers_made_by": "playground.digits.nondigits (20 kinds), augmented like the digits",
        }
    return model.eval(), {**facts, "epochs": epochs, "seed": seed, "batch_size": cfg["batch"], "redrawn_training_digits": redrawn,
                          "redraw_trace_scales": traces,
                          "optimizer": f"AdamW(max_lr={cfg['lr']}) with one-cycle schedule", "training_seconds": round(seconds, 1),
                          "augmentation": aug_cfg.describe() if augmentations else "none"}


def evaluate(model: torch.nn.Module) -> dict:
    """MNIST test accuracy, and accuracy on re-drawn MNIST test digits (canvas-style).

    The held-out re-drawing traces the skeleton at 3× (84×84), a scale no training copy used.
    """
    images, labels = load_mnist("test")
    subset, subset_labels = images[:DRAWING_EVAL_COUNT], labels[:DRAWING_EVAL_COUNT]
    forms = drawn_forms(subset, seed=DRAWING_EVAL_SEED)
    held_out = drawn_forms(subset, seed=DRAWING_EVAL_SEED, trace_scale=3)
    return {
        "mnist_test_accuracy": round(accuracy(model, images.astype(np.float32) / 255.0, labels), 5),
        "drawings_accuracy": round(accuracy(model, forms, subset_labels), 5),
        "drawings_accuracy_held_out_trace": round(accuracy(model, held_out, subset_labels), 5),
        "drawings_eval": f"{DRAWING_EVAL_COUNT} MNIST test digits re-drawn as strokes (seed {DRAWING_EVAL_SEED}); "
                         "held out: the same digits traced at 3× scale",
    }


VALIDATION_DESCRIPTION = (
    f"{VALIDATION_DIGITS} MNIST training digits (a seeded pick) re-drawn as strokes with redraw seed "
    f"{VALIDATION_REDRAW_SEED}, which no training copy used (their pixels were seen in training, so they may score "
    f"a little more digit-like than new drawings), and {VALIDATION_NONDIGITS} non-digits of validation seed "
    f"{VALIDATION_SEED}; no test data")


def validation_split(cache_dir: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validation digits (forms, labels) and non-digit forms: what the verdict rule is chosen on."""
    images, labels = load_mnist("train")
    pick = np.random.default_rng(VALIDATION_REDRAW_SEED).permutation(len(images))[:VALIDATION_DIGITS]
    digits = drawn_forms(images[pick], seed=VALIDATION_REDRAW_SEED)
    return digits, labels[pick], outlier_forms(VALIDATION_NONDIGITS, VALIDATION_SEED, cache_dir)


def verdict_shares(verdicts: np.ndarray, right: np.ndarray | None = None) -> dict[str, float]:
    """Share of each verdict; with ``right`` (argmax == label) "digit" splits into digit_and_right / _wrong."""
    shares = {name: float(np.mean(verdicts == name)) for name in ("digit", "unsure", "not_a_digit")}
    if right is not None:
        shares["digit_and_right"] = float(np.mean((verdicts == "digit") & right))
        shares["digit_and_wrong"] = float(np.mean((verdicts == "digit") & ~right))
    return {key: round(value, 5) for key, value in shares.items()}


def choose_rule(digit_logits: np.ndarray, labels: np.ndarray, nondigit_logits: np.ndarray,
                max_nondigits_as_digit: float) -> tuple[VerdictRule, dict]:
    """The verdict rule, on validation logits. For each score: sure_from is the lowest threshold that at most
    ``max_nondigits_as_digit`` of the non-digits reach; not_digit_below leaves NOT_DIGIT_QUANTILE of the digits
    below it, or is sure_from when that is lower (then any threshold between the two meets both caps, and the
    lowest keeps the most real digits). The score whose rule gives more "digit and right" wins."""
    right = digit_logits.argmax(1) == labels
    best, report = None, {}
    for name in VERDICT_SCORES:
        digits, others = score(digit_logits, name), score(nondigit_logits, name)
        not_digit_below = float(np.quantile(digits, NOT_DIGIT_QUANTILE))
        allowed = int(np.floor(max_nondigits_as_digit * len(others)))
        above = np.sort(others)[::-1]
        sure_from = float(np.nextafter(above[allowed], np.inf)) if allowed < len(above) else float(above[-1])
        rule = VerdictRule(name, min(not_digit_below, sure_from), sure_from)
        figures = {"digits": verdict_shares(rule.verdicts(digit_logits), right),
                   "nondigits": verdict_shares(rule.verdicts(nondigit_logits))}
        report[name] = {"not_digit_below": rule.not_digit_below, "sure_from": rule.sure_from, **figures}
        if best is None or figures["digits"]["digit_and_right"] > report[best.score]["digits"]["digit_and_right"]:
            best = rule
    return best, report


def verdict_figures(verdicts_of, digit_logits: np.ndarray, labels: np.ndarray, nondigit_logits: np.ndarray,
                    kinds: list[str]) -> dict:
    """Verdict shares on re-drawn digits and on non-digits (overall and per kind); ``verdicts_of(logits)``."""
    on_digits = verdicts_of(digit_logits)
    on_others = verdicts_of(nondigit_logits)
    kinds = np.asarray(kinds)
    return {
        "digits": verdict_shares(on_digits, digit_logits.argmax(1) == labels),
        "nondigits": verdict_shares(on_others),
        "nondigits_shown_as_digit_by_kind": {kind: round(float(np.mean(on_others[kinds == kind] == "digit")), 4)
                                             for kind in dict.fromkeys(kinds.tolist())},
    }


def verdict_figures_on_test_sets(model: torch.nn.Module, verdicts_of, cache_dir: Path | None = None) -> dict:
    """``verdict_figures`` on the test sets: the card's re-drawn test digits and TEST_NONDIGITS test-seed non-digits."""
    images, labels = load_mnist("test")
    digits = drawn_forms(images[:DRAWING_EVAL_COUNT], seed=DRAWING_EVAL_SEED)
    nondigits, kinds = nondigit_forms(TEST_NONDIGITS, TEST_SEED)
    model.eval()
    return verdict_figures(verdicts_of, logits_for_forms(digits, model), labels[:DRAWING_EVAL_COUNT],
                           logits_for_forms(nondigits, model), kinds)


def rule_facts(model: torch.nn.Module, kind: str, cap: float | None, cache_dir: Path | None) -> dict:
    """The card's verdict rule, chosen on the validation split, with its validation and test figures."""
    digits, labels, nondigits = validation_split(cache_dir)
    cap = MAX_NONDIGITS_AS_DIGIT[kind] if cap is None else cap
    rule, candidates = choose_rule(logits_for_forms(digits, model), labels, logits_for_forms(nondigits, model), cap)
    return {
        "verdict_score": rule.score, "not_digit_below": rule.not_digit_below, "sure_from": rule.sure_from,
        "verdict_rule": f"score < not_digit_below: not_a_digit; below sure_from: unsure; else digit. Chosen on "
                        f"validation: sure_from is the lowest score at most {cap:.0%} of the non-digits reach; "
                        f"not_digit_below leaves {NOT_DIGIT_QUANTILE:.1%} of the digits below it, or equals "
                        "sure_from when that is lower (no unsure band: the lowest threshold that meets both caps "
                        "keeps the most real digits); of msp and logsumexp, the score with more validation digits "
                        "read 'digit and right' is used",
        "verdict_validation": VALIDATION_DESCRIPTION,
        "verdict_validation_figures": candidates,
        "verdict_test_figures": {
            "description": f"{DRAWING_EVAL_COUNT} MNIST test digits re-drawn (seed {DRAWING_EVAL_SEED}) and "
                           f"{TEST_NONDIGITS} non-digits of test seed {TEST_SEED}; not used to choose anything",
            **verdict_figures_on_test_sets(model, rule.verdicts)},
    }


def rechoose_rule(weights: Path, kind: str, cap: float | None, cache_dir: Path | None) -> Path:
    """Choose the verdict rule again for trained weights and rewrite it on their card (the weights stay as they are).

    The weights load as the page loads them (checksum against the card, weights_only), from ``<kind>.pt``."""
    if weights.name != f"{kind}.pt":
        raise SystemExit(f"--choose-rule needs the {kind} model's weights file, {kind}.pt, not {weights.name}")
    card_path = weights.with_suffix(".json")
    card = json.loads(card_path.read_text())
    card.update(rule_facts(load_model(kind, weights.parent), kind, cap, cache_dir))
    card["verdict_rule_command"] = (f"python -m playground.digits.train --model {kind} --choose-rule {weights}"
                                    + (f" --max-nondigits-as-digit {cap}" if cap is not None else ""))
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return card_path


def save(model: torch.nn.Module, kind: str, name: str, facts: dict, out_dir: Path) -> Path:
    """Write ``<name>.pt`` (state_dict) and ``<name>.json`` (model card)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = out_dir / f"{name}.pt"
    torch.save(model.state_dict(), weights)
    card = {
        "name": name,
        "kind": kind,
        "architecture": getattr(model, "SUMMARY", type(model).__name__),
        "parameters": sum(p.numel() for p in model.parameters()),
        **facts,
        "torch_version": torch.__version__,
        "weights_bytes": weights.stat().st_size,
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "command": facts.get("command") or f"python -m playground.digits.train --model {kind} --epochs {facts['epochs']} "
                                           f"--seed {facts['seed']}",
    }
    card_path = out_dir / f"{name}.json"
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return card_path


RESULT_FLAGS = ("threads", "augment", "no_redraw", "limit", "widths", "hidden", "redraw_traces",  # change the weights
                "outlier_exposure", "start_from", "oe_weight", "outliers", "outlier_batch", "lr",
                "max_nondigits_as_digit")  # (the last changes the card's verdict rule)
FLAG_NAMES = {"start_from": "--from"}


def reproducing_command(args: argparse.Namespace, epochs: int) -> str:
    """The command for the card: model, epochs and seed, plus every given option that changes the weights."""
    parts = [f"python -m playground.digits.train --model {args.model} --epochs {epochs} --seed {args.seed}"]
    for name in RESULT_FLAGS:
        value = getattr(args, name, None)
        if value is None or value is False or (name == "threads" and value == 1):
            continue
        flag = FLAG_NAMES.get(name, "--" + name.replace("_", "-"))
        parts.append(flag if value is True else f"{flag} {value}")
    return " ".join(parts)


def fine_tune_base(weights: Path, parser: argparse.ArgumentParser) -> dict:
    """The card facts of the weights a fine-tune starts from; their sha256 must match their card's."""
    base = {"weights": str(weights), "sha256": hashlib.sha256(weights.read_bytes()).hexdigest()}
    base_card = weights.with_suffix(".json")
    if base_card.exists():
        card_facts = json.loads(base_card.read_text())
        if card_facts.get("sha256") != base["sha256"]:
            parser.error(f"{weights} does not match the sha256 on {base_card}")
        base.update({k: card_facts[k] for k in ("epochs", "training_seconds", "command", "mnist_test_accuracy",
                                                 "drawings_accuracy") if k in card_facts})
    return base


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=sorted(MODEL_KINDS), required=True)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (results are deterministic per seed and thread count)")
    parser.add_argument("--cache-dir", type=Path, help="keep the re-drawn training digits here between runs")
    parser.add_argument("--augment", help="comma list from affine,thickness,blur; 'none' for no augmentation")
    parser.add_argument("--no-redraw", action="store_true", help="do not add re-drawn digits (CNN)")
    parser.add_argument("--limit", type=int, help="use only the first N training digits (quick experiments)")
    parser.add_argument("--name", help="file name stem (default: the model kind)")
    parser.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--widths", help="CNN experiments: conv widths, e.g. 24,48,96 (the app loads only the default)")
    parser.add_argument("--hidden", type=int, help="CNN experiments: hidden layer size, 0 for none")
    parser.add_argument("--redraw-traces", help="CNN experiments: one trace scale per re-drawn copy, e.g. 1,1,2,4")
    parser.add_argument("--outlier-exposure", action="store_true",
                        help="outlier exposure (non-digits pushed to uniform), from scratch or fine-tuning --from")
    parser.add_argument("--from", dest="start_from", type=Path, help="weights (.pt) to fine-tune")
    parser.add_argument("--oe-weight", type=float, help="outlier exposure: λ (default: 0.5 for the CNN, 0.01 linear)")
    parser.add_argument("--outliers", type=int, help="outlier exposure: how many train-seed non-digits")
    parser.add_argument("--outlier-batch", type=int, help="outlier exposure: non-digits per batch")
    parser.add_argument("--lr", type=float, help="peak learning rate (one-cycle)")
    parser.add_argument("--max-nondigits-as-digit", type=float,
                        help="verdict rule: share of validation non-digits allowed a 'digit' verdict "
                             f"(default {MAX_NONDIGITS_AS_DIGIT})")
    parser.add_argument("--choose-rule", type=Path, metavar="WEIGHTS",
                        help="only choose the verdict rule again for these trained weights, and rewrite their card")
    args = parser.parse_args(argv)
    if args.choose_rule is not None:
        card = rechoose_rule(args.choose_rule, args.model, args.max_nondigits_as_digit, args.cache_dir)
        print(json.dumps({k: json.loads(card.read_text())[k] for k in ("verdict_score", "not_digit_below", "sure_from",
                                                                       "verdict_test_figures")}))
        return 0
    if args.start_from is not None and not args.outlier_exposure:
        parser.error("--from is for an --outlier-exposure fine-tune")
    torch.set_num_threads(args.threads)
    kind_defaults = DEFAULTS[args.model]
    augmentations = kind_defaults["augment"] if args.augment is None else frozenset(
        a for a in args.augment.split(",") if a and a != "none")
    architecture = {}
    if args.widths:
        architecture["widths"] = tuple(int(w) for w in args.widths.split(","))
    if args.hidden is not None:
        architecture["hidden"] = args.hidden
    oe, base = {}, {}
    if args.outlier_exposure:
        oe_defaults = OE_DEFAULTS[args.model]
        oe = {"outliers": outlier_forms(args.outliers or oe_defaults["outliers"], TRAIN_SEED, args.cache_dir),
              "outlier_batch": args.outlier_batch or oe_defaults["outlier_batch"],
              "oe_weight": oe_defaults["oe_weight"] if args.oe_weight is None else args.oe_weight}
    if args.start_from is not None:
        base = fine_tune_base(args.start_from, parser)
        oe.update(start_from=torch.load(args.start_from, map_location="cpu", weights_only=True),
                  lr=args.lr or oe_defaults["lr"])
        kind_defaults = {**kind_defaults, "epochs": oe_defaults["epochs"]}
    elif args.lr:
        oe["lr"] = args.lr
    model, facts = train(args.model, args.epochs or kind_defaults["epochs"], args.seed, augmentations,
                         kind_defaults["redraw"] and not args.no_redraw, args.limit, args.cache_dir, architecture,
                         tuple(int(t) for t in args.redraw_traces.split(",")) if args.redraw_traces else None, **oe)
    if args.outlier_exposure:
        facts["outlier_exposure"]["lambda_note"] = (OE_DEFAULTS[args.model]["lambda_note"] if args.oe_weight is None
                                                    else "λ given on the command line")
    if base:
        facts["fine_tuned_from"] = base
        facts["optimizer"] += " (fine-tune)"
        facts["budget"] = "the fine-tune is sized to take at most 35 minutes on one thread (epochs, outliers per batch)"
        if "training_seconds" in base:
            facts["training_seconds_with_base"] = round(base["training_seconds"] + facts["training_seconds"], 1)
    facts["threads"] = args.threads
    facts["command"] = reproducing_command(args, facts["epochs"])
    facts.update(evaluate(model))
    facts.update(rule_facts(model, args.model, args.max_nondigits_as_digit, args.cache_dir))
    card = save(model, args.model, args.name or args.model, facts, args.out_dir)
    print(json.dumps({k: facts[k] for k in ("mnist_test_accuracy", "drawings_accuracy",
                                            "drawings_accuracy_held_out_trace", "training_seconds", "verdict_score",
                                            "not_digit_below", "sure_from") if k in facts}))
    print(json.dumps(facts["verdict_test_figures"]))
    print(f"wrote {card.with_suffix('.pt')} and {card}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
