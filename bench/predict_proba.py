"""predict_proba on one 280x280 canvas drawing: this checkout against another, interleaved in one process.

    python bench/predict_proba.py --against DIR [--model cnn] [--repeats 3000]

DIR is another checkout (an older commit's worktree). Its ``playground`` package is copied under the name
``playground_other`` (imports rewritten), so both versions run side by side, call by call, on one torch
thread. Prints each one's p50 and p95 and the ratio of the p50s (target: this checkout <= 1.10x).
"""
from __future__ import annotations

import argparse
import importlib
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from playground.digits import load_model, predict_proba  # noqa: E402


def import_other(checkout: Path, into: Path):
    """The other checkout's ``playground.digits`` (module or package), imported as ``playground_other``."""
    target = into / "playground_other"
    shutil.copytree(checkout / "playground", target)
    for source in target.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"\bplayground\.", "playground_other.", text)
        source.write_text(re.sub(r"\bfrom playground import\b", "from playground_other import", text), encoding="utf-8")
    sys.path.insert(0, str(into))
    return importlib.import_module("playground_other.digits")


def a_drawing() -> np.ndarray:
    """A white "7" on the black 280x280 RGBA canvas."""
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[60:80, 70:210, :3] = 255
    for row in range(80, 230):
        col = 205 - (row - 80) // 2
        canvas[row, col - 10:col + 10, :3] = 255
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, required=True)
    parser.add_argument("--model", default="cnn", choices=["cnn", "linear"])
    parser.add_argument("--repeats", type=int, default=3000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as scratch:
        other = import_other(args.against.resolve(), Path(scratch))
        ours_model = load_model(args.model)
        other_model = other.load_model(args.model, args.against.resolve() / "assets" / "models")
        canvas = a_drawing()
        np.testing.assert_allclose(predict_proba(canvas, ours_model), other.predict_proba(canvas, other_model),
                                   atol=1e-5)
        times: dict[str, list[float]] = {"this checkout": [], "other": []}
        for _ in range(50):  # warm both
            predict_proba(canvas, ours_model), other.predict_proba(canvas, other_model)
        for i in range(args.repeats):
            pairs = [("this checkout", predict_proba, ours_model), ("other", other.predict_proba, other_model)]
            for name, fn, model in pairs if i % 2 else pairs[::-1]:
                start = time.perf_counter()
                fn(canvas, model)
                times[name].append(time.perf_counter() - start)
    p50 = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:14s} p50 {p50[name] * 1e6:7.0f} us   p95 {np.percentile(t, 95) * 1e6:7.0f} us")
    print(f"model={args.model}, other = {args.against}, {args.repeats} interleaved calls each")
    print(f"this checkout / other, p50: {p50['this checkout'] / p50['other']:.2f}x (target <= 1.10x)")


if __name__ == "__main__":
    main()
