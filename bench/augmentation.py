"""What each augmentation buys: short CNN runs with one choice added at a time, scored on drawings.

    python bench/augmentation.py [--train 20000] [--epochs 2] [--drawings 2000] [--cache-dir /tmp/redraw-cache]

Every run uses the same seed and training digits; only the augmentation differs (the last run also
sees a re-drawn copy of each training digit, so it takes twice the steps). Prints MNIST
test accuracy and accuracy on re-drawn (canvas-style) MNIST test digits. Short runs rank the choices; they
do not reach the shipped model's accuracy.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from playground.digits.redraw import drawn_forms
from playground.digits.mnist import load_mnist
from playground.digits.train import accuracy, train

VARIANTS = [
    ("none", frozenset(), False),
    ("affine (rotation, scale, shear, translation)", frozenset({"affine"}), False),
    ("affine + thickness", frozenset({"affine", "thickness"}), False),
    ("affine + thickness + blur", frozenset({"affine", "thickness", "blur"}), False),
    ("all + re-drawn training digits (shipped recipe)", frozenset({"affine", "thickness", "blur"}), True),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--drawings", type=int, default=2000)
    parser.add_argument("--cache-dir", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    images, labels = load_mnist("test")
    mnist_forms = images.astype(np.float32) / 255.0
    drawings = drawn_forms(images[-args.drawings:], seed=99)
    print(f"{args.train} training digits, {args.epochs} epochs, {args.drawings} re-drawn test digits (seed 99)")
    print(f"{'augmentation':50s} {'MNIST test':>10s} {'drawings':>9s}")
    for name, augmentations, redraw in VARIANTS:
        model, _ = train("cnn", args.epochs, seed=0, augmentations=augmentations, redraw=redraw,
                         limit=args.train, cache_dir=args.cache_dir)
        print(f"{name:50s} {accuracy(model, mnist_forms, labels) * 100:9.2f}% "
              f"{accuracy(model, drawings, labels[-args.drawings:]) * 100:8.2f}%", flush=True)


if __name__ == "__main__":
    main()
