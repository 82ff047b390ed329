"""Train a Digit canvas model on MNIST and write its weights and model card to ``assets/models``.

    python -m playground.digits.train --model {linear,cnn} [--epochs N] [--seed S]

Deterministic for a seed (and thread count). The CNN also trains on MNIST training digits re-drawn as
canvas strokes (``playground.digits.redraw``), so it has seen what the canvas produces.
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

from playground.digits.augment import augment, AugmentConfig
from playground.digits.models import logits_for_forms, MODEL_KINDS
from playground.digits.redraw import drawn_forms
from playground.digits.mnist import load_mnist
from playground.paths import MODELS_DIR

DEFAULTS = {
    "linear": {"epochs": 30, "lr": 1e-3, "batch": 100, "augment": frozenset(), "redraw": False},
    "cnn": {"epochs": 15, "lr": 3e-3, "batch": 128, "augment": frozenset({"affine", "thickness", "blur"}),
            "redraw": True, "redraw_traces": (1, 1, 2)},
}
DRAWING_EVAL_SEED = 2024  # the seed of the re-drawn test digits reported on the card
DRAWING_EVAL_COUNT = 2000


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


def redrawn_training_forms(images: np.ndarray, seed: int, cache_dir: Path | None, trace_scale: int = 1) -> np.ndarray:
    """Re-drawn copies of the training digits, cached as .npy when ``cache_dir`` is given (they take minutes)."""
    trace = f"-trace{trace_scale}" if trace_scale != 1 else ""
    cache = cache_dir / f"redrawn-train-{len(images)}-seed{seed}{trace}.npy" if cache_dir else None
    if cache is not None and cache.exists():
        return np.load(cache)
    t0 = time.perf_counter()
    sys.stderr.write(f"re-drawing the training digits as canvas strokes (seed {seed}, trace scale {trace_scale})...\n")
    forms = drawn_forms(images, seed=seed, trace_scale=trace_scale)
    sys.stderr.write(f"  done in {time.perf_counter() - t0:.0f}s\n")
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, forms)
    return forms


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
          architecture: dict | None = None, redraw_traces: tuple[int, ...] | None = None) -> tuple[torch.nn.Module, dict]:
    """Train a fresh model (``architecture``, ``redraw_traces``: overrides, for experiments); return it and its card facts."""
    cfg = dict(DEFAULTS[kind], augment=augmentations, redraw=redraw)
    if redraw_traces is not None:
        cfg["redraw_traces"] = tuple(redraw_traces)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    aug_cfg = AugmentConfig(enabled=augmentations)
    x, y, redrawn = training_set(cfg, seed, limit, cache_dir)
    model = MODEL_KINDS[kind](**(architecture or {}))
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
            xb = augment(x[idx].clone(), aug_cfg, gen) if augmentations else x[idx]
            loss = F.cross_entropy(model(xb), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running = 0.98 * running + 0.02 * float(loss) if step else float(loss)
            if step % 20 == 0 or step == steps_per_epoch - 1:
                progress(step + 1, steps_per_epoch, start, f"epoch {epoch + 1}/{epochs}", f"loss {running:.4f}")
    seconds = time.perf_counter() - start
    traces = list(cfg.get("redraw_traces", ())) if cfg["redraw"] else []
    return model.eval(), {"epochs": epochs, "seed": seed, "batch_size": cfg["batch"], "redrawn_training_digits": redrawn,
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


RESULT_FLAGS = ("threads", "augment", "no_redraw", "limit", "widths", "hidden", "redraw_traces")  # change the weights


def reproducing_command(args: argparse.Namespace, epochs: int) -> str:
    """The command for the card: model, epochs and seed, plus every given option that changes the weights."""
    parts = [f"python -m playground.digits.train --model {args.model} --epochs {epochs} --seed {args.seed}"]
    for name in RESULT_FLAGS:
        value = getattr(args, name)
        if value is None or value is False or (name == "threads" and value == 1):
            continue
        flag = "--" + name.replace("_", "-")
        parts.append(flag if value is True else f"{flag} {value}")
    return " ".join(parts)


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
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    kind_defaults = DEFAULTS[args.model]
    augmentations = kind_defaults["augment"] if args.augment is None else frozenset(
        a for a in args.augment.split(",") if a and a != "none")
    architecture = {}
    if args.widths:
        architecture["widths"] = tuple(int(w) for w in args.widths.split(","))
    if args.hidden is not None:
        architecture["hidden"] = args.hidden
    model, facts = train(args.model, args.epochs or kind_defaults["epochs"], args.seed, augmentations,
                         kind_defaults["redraw"] and not args.no_redraw, args.limit, args.cache_dir, architecture,
                         tuple(int(t) for t in args.redraw_traces.split(",")) if args.redraw_traces else None)
    facts["threads"] = args.threads
    facts["command"] = reproducing_command(args, facts["epochs"])
    facts.update(evaluate(model))
    card = save(model, args.model, args.name or args.model, facts, args.out_dir)
    print(json.dumps({k: facts[k] for k in ("mnist_test_accuracy", "drawings_accuracy",
                                            "drawings_accuracy_held_out_trace", "training_seconds")}))
    print(f"wrote {card.with_suffix('.pt')} and {card}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
