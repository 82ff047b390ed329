"""A whole training run recorded at once, so the browser can play it back, and lr changes continued from any epoch.

The server trains with the real ``Trainer`` (``nn.Linear(3, 3)``, ``F.cross_entropy``, SGD) and keeps, for each
weight state k (the weights after k updates), the loss, the accuracy, every sample's probabilities and the
weights. Runs are cached by what defines them (``RunKey``), so a class asking for the same run trains it once.
"""
from __future__ import annotations

import base64
import functools
import threading
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from playground.training import model_from_seed, SoftmaxClassifier
from playground.training.trainer import Trainer
from playground.training.data import CourseData, prepared_course_data
from playground.torch_runtime import use_one_thread

MAX_CACHED_RUNS = 24  # a 5000-epoch run holds about 0.8 MB of float32 arrays
MAX_SEGMENTS = 8  # lr changes kept in one run; more start a fresh run from the playhead's weights
_RECORDING = threading.Lock()  # recordings take turns: a class pressing Play at once must not starve other pages


@functools.lru_cache(maxsize=2)
def run_data(standardized: bool) -> CourseData:
    """Course data for the lab (read-only tensors shared by all runs)."""
    return prepared_course_data(standardized)


@dataclass(frozen=True)
class RunKey:
    """What defines a recorded run: seed, data, weight decay, epoch budget and its lr segments ``((start, lr), ...)``."""

    seed: int
    standardized: bool
    weight_decay: float
    epochs: int
    segments: tuple[tuple[int, float], ...]

    @property
    def lr(self) -> float:
        """The learning rate of the last segment (the one the run ends with)."""
        return self.segments[-1][1]

    def continued(self, epoch: int, lr: float) -> RunKey:
        """The key of this run continued from weight state ``epoch`` with ``lr`` (later segments are dropped)."""
        kept = tuple(s for s in self.segments if s[0] < epoch)
        segments = kept if kept and kept[-1][1] == lr else kept + ((int(epoch), float(lr)),)
        if len(segments) > MAX_SEGMENTS:
            raise ValueError(f"a run keeps at most {MAX_SEGMENTS} learning rates")
        return RunKey(self.seed, self.standardized, self.weight_decay, self.epochs, segments)


@dataclass(frozen=True)
class RecordedRun:
    """Per weight state k = 0..last: loss, accuracy, probabilities (samples x classes), W (features x classes), b.

    ``loss[k]`` is the loss of the weights after k updates: for k < last it is the loss epoch k printed before its
    update, as the course does. A run that hit a non-finite loss stops there (``diverged``), before ``epochs``.
    """

    key: RunKey
    loss: np.ndarray
    accuracy: np.ndarray
    probabilities: np.ndarray
    W: np.ndarray
    b: np.ndarray
    diverged: bool

    @property
    def last(self) -> int:
        """The last weight state (the number of updates the run made)."""
        return len(self.loss) - 1

    def model_at(self, epoch: int) -> SoftmaxClassifier:
        """A fresh model holding the weights after ``epoch`` updates (clamped to the run)."""
        k = min(max(int(epoch), 0), self.last)
        model = SoftmaxClassifier()
        with torch.no_grad():
            model.linear.weight.copy_(torch.from_numpy(self.W[k].T.copy()))
            model.linear.bias.copy_(torch.from_numpy(self.b[k].copy()))
        return model


def _state_arrays(model: torch.nn.Module, data: CourseData) -> tuple[float, float, np.ndarray]:
    """Loss, accuracy and probabilities of ``model`` on the training set."""
    with torch.no_grad():
        logits = model(data.x_train)
        loss = F.cross_entropy(logits, data.y_train).item()
        accuracy = (logits.argmax(dim=1) == data.y_train).float().mean().item()
        return loss, accuracy, F.softmax(logits, dim=1).numpy()


def _train_segment(model: torch.nn.Module, lr: float, epochs: int, weight_decay: float, data: CourseData
                   ) -> tuple[list[tuple[float, float, np.ndarray, np.ndarray, np.ndarray]], bool]:
    """Train ``epochs`` epochs with the real ``Trainer``; each weight state's (loss, accuracy, probs, W, b)."""
    trainer = Trainer(model, lr, data.x_train, data.y_train, epochs=epochs, l2=weight_decay)
    records = trainer.step(epochs) if epochs else []
    states = []
    with torch.no_grad():
        stack = torch.stack([r.W for r in records]) if records else torch.empty(0, 3, 3)
        biases = torch.stack([r.b for r in records]) if records else torch.empty(0, 3)
        probabilities = F.softmax(torch.einsum("sf,kfc->ksc", data.x_train, stack) + biases[:, None, :], dim=2)
    for record, probs in zip(records, probabilities.numpy()):
        states.append((record.loss, record.accuracy, probs, record.W.numpy(), record.b.numpy()))
    if not trainer.diverged:
        W, b = (t.detach().clone() for t in model.weight_and_bias())
        loss, accuracy, probs = _state_arrays(model, data)
        states.append((loss, accuracy, probs, W.numpy(), b.numpy()))
    return states, trainer.diverged


def _pack(key: RunKey, states: list, diverged: bool) -> RecordedRun:
    arrays = [np.asarray([s[i] for s in states], dtype=np.float32) for i in range(5)]
    for array in arrays:
        array.flags.writeable = False
    return RecordedRun(key, *arrays, diverged=diverged)


@functools.lru_cache(maxsize=MAX_CACHED_RUNS)
def record_run(key: RunKey) -> RecordedRun:
    """Train the run ``key`` describes (a continuation trains only its last segment) and record every state."""
    data = run_data(key.standardized)
    start, lr = key.segments[-1]
    use_one_thread()
    if len(key.segments) == 1:
        model, prefix = model_from_seed(key.seed), []
    else:
        parent = record_run(RunKey(key.seed, key.standardized, key.weight_decay, key.epochs, key.segments[:-1]))
        if start > parent.last or (parent.diverged and start == parent.last):
            raise ValueError(f"run {key.segments[:-1]} has no finite weights at epoch {start}")
        model = parent.model_at(start)
        prefix = [tuple(a[k] for a in (parent.loss, parent.accuracy, parent.probabilities, parent.W, parent.b))
                  for k in range(start)]
    with _RECORDING:
        states, diverged = _train_segment(model, lr, key.epochs - start, key.weight_decay, data)
    return _pack(key, prefix + states, diverged)


def segments_label(segments: tuple[tuple[int, float], ...], format_lr) -> str:
    """``lr=1e-10 → 0.1 @300``: the run's learning rates and the epochs where they changed."""
    text = f"lr={format_lr(segments[0][1])}"
    for start, lr in segments[1:]:
        text += f" → {format_lr(lr)} @{start}"
    return text


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def player_payload(run: RecordedRun, labels: list[int]) -> dict:
    """The run as the browser player draws it: float32 arrays in base64 plus the lr segments and true classes."""
    return {"last": run.last, "epochs": run.key.epochs, "diverged": run.diverged,
            "segments": [[start, lr] for start, lr in run.key.segments], "labels": labels,
            "classes": int(run.probabilities.shape[2]),
            "loss": _b64(run.loss), "accuracy": _b64(run.accuracy), "probabilities": _b64(run.probabilities)}
