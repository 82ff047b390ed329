"""Benchmark the Training lab: ``train()`` against the plain torch loop, and recording a whole run for the player.

Run with ``python bench/training.py`` (from the repo root). Both loops run in this process,
interleaved, on one torch intra-op thread (the tensors are 8x3; ``Trainer.step`` does the same),
so a busy machine slows both alike; medians are reported and their ratio (target <= 1.5).
Recording is timed directly: ``record_run`` (train every epoch, keep each state) plus the player's payload.
The browser side (frames, epochs shown, websocket traffic, server CPU) is ``bench/training_player.py``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from playground.training import SoftmaxClassifier, course_data, train  # noqa: E402
from playground.training.run import player_payload, record_run, RunKey


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


def bench_record(epochs: int, repeats: int) -> tuple[float, int]:
    """Median seconds to record a fresh run of ``epochs`` epochs and build its payload; the payload's JSON size."""
    times, size = [], 0
    for seed in range(100, 100 + repeats):  # a new seed each time: the cache must not answer
        started = time.perf_counter()
        payload = player_payload(record_run(RunKey(seed, False, 0.0, epochs, ((0, 0.1),))), [0] * 8)
        times.append(time.perf_counter() - started)
        size = len(json.dumps(payload))
    return statistics.median(times), size


def main() -> None:
    """Print epochs/s of both loops, their ratio, and the tick time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=9)
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
    for epochs in (20, 3000, 5000):
        seconds, size = bench_record(epochs, 3)
        print(f"record a run     : median {seconds * 1e3:7.1f} ms for {epochs} epochs (record_run + payload, "
              f"3 seeds), payload {size / 1e6:.2f} MB of JSON (server.maxMessageSize 4 MB)")


if __name__ == "__main__":
    main()
