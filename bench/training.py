"""Benchmark the Training lab: ``train()`` against the plain torch loop, and one Play tick.

Run with ``python bench/training.py`` (from the repo root). Both loops run in this process,
interleaved, on one torch intra-op thread (the tensors are 8x3; ``Trainer.step`` does the same),
so a busy machine slows both alike; medians are reported and their ratio (target <= 1.5).
The tick is timed directly: ``live_frame`` (advance a few epochs and build the figures, exactly
what the page's fragment calls) plus the Plotly-to-JSON work ``st.plotly_chart`` does.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plotly.io as pio  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from playground.training import SoftmaxClassifier, course_data, train  # noqa: E402
from playground.training_lab import LabConfig, TrainingLab, live_frame  # noqa: E402


def plain_torch_loop(lr: float, epochs: int) -> list[float]:
    """The course's loop, recording each epoch's loss like ``train()`` does."""
    x, y = course_data()[:2]
    torch.manual_seed(1)
    model = nn.Linear(3, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        cost = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        losses.append(cost.item())
    return losses


def playground_train(lr: float, epochs: int) -> list[float]:
    """``playground.training.train`` from the same seed."""
    torch.manual_seed(1)
    return [r.loss for r in train(SoftmaxClassifier(), lr, epochs)]


def timed(fn, *args) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of this process)`` of one call; CPU time is steadier on a shared machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_train(epochs: int, repeats: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of the plain loop and of ``train()``, interleaved repeat by repeat."""
    assert max(abs(a - b) for a, b in zip(plain_torch_loop(0.1, 50), playground_train(0.1, 50))) <= 1e-6
    samples: dict[str, list[tuple[float, float]]] = {"plain": [], "train": []}
    for _ in range(repeats):
        samples["plain"].append(timed(plain_torch_loop, 0.1, epochs))
        samples["train"].append(timed(playground_train, 0.1, epochs))
    return {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
            for name, runs in samples.items()}


def tick_once(lab: TrainingLab) -> None:
    """One Play tick as the page runs it: advance, build the figures, serialise them for the browser."""
    if not lab.playing:
        lab.play()
    frame = live_frame(lab, log_y=True)
    for figure in (frame.loss_figure, frame.samples_figure):
        pio.to_json(figure.to_dict(), validate=False)


def bench_tick(epochs: int, ticks: int) -> float:
    """Median seconds of one tick over runs of ``epochs`` epochs (about 100 ticks per run)."""
    lab = TrainingLab(LabConfig(lr=0.1, epochs=epochs))
    tick_once(lab)  # warm-up
    return statistics.median(timed(tick_once, lab)[0] for _ in range(ticks))


def main() -> None:
    """Print epochs/s of both loops, their ratio, and the tick time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--ticks", type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread, "
          f"{args.epochs} epochs x {args.repeats} interleaved repeats")
    medians = bench_train(args.epochs, args.repeats)
    for name, label in (("plain", "plain torch loop"), ("train", "train()")):
        wall, cpu = medians[name]
        print(f"{label:17}: {args.epochs / wall:6.0f} epochs/s wall (median {wall * 1e3:6.1f} ms), "
              f"{args.epochs / cpu:6.0f} epochs/s CPU (median {cpu * 1e3:6.1f} ms)")
    (plain_wall, plain_cpu), (ours_wall, ours_cpu) = medians["plain"], medians["train"]
    print(f"ratio train/plain: {ours_wall / plain_wall:.2f} wall, {ours_cpu / plain_cpu:.2f} CPU  (target <= 1.5)")
    for epochs in (20, 5000):
        tick = bench_tick(epochs, args.ticks)
        print(f"fragment tick    : median {tick * 1e3:.1f} ms  (run of {epochs} epochs, "
              f"live_frame + figure JSON, {args.ticks} ticks; budget 100 ms)")


if __name__ == "__main__":
    main()
