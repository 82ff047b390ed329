"""Train the course's softmax classifier with plain SGD, one inspectable epoch at a time.

The ``Trainer`` is the single training engine (in the spirit of minGPT's Trainer): it holds
the model, optimizer, data and history, advances with ``step(n)`` and reports through return
values and callbacks, so a notebook, a benchmark and the Streamlit page all drive the same
code. ``train`` and ``train_low_level`` are thin loops over it. Each epoch reproduces the
plain PyTorch loop exactly (forward, ``zero_grad``, ``backward``, ``SGD.step``), and a
non-finite loss stops training instead of raising.
"""
from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from playground.torch_runtime import use_one_thread
from playground.training.data import course_data, low_level_data, standardize
from playground.training.learning_rate import checked_learning_rate
from playground.training.model import LowLevelSoftmax, one_hot_cross_entropy

LossFn = Callable[[Tensor, Tensor], Tensor]
Callback = Callable[["Trainer", "EpochRecord | None"], None]
CALLBACK_EVENTS = ("on_epoch_end", "on_train_end")
_CHUNK_EPOCHS = 1024  # epochs run back to back before their records are built (bounds held tensors)


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: the loss *before* its update (as the course prints it) and the state it came from.

    ``W`` (features x classes) and ``b`` are copies of the weights that produced ``loss``;
    ``grad_norm`` is the L2 norm of the loss gradient over all parameters (NaN when training
    stopped before the backward pass). ``metrics`` holds any extra monitors' values.
    """

    epoch: int
    loss: float
    accuracy: float
    grad_norm: float
    W: Tensor
    b: Tensor
    metrics: Mapping[str, float] = field(default_factory=dict)


class Trainer:
    """Model + SGD optimizer + data + history, advanced ``n`` epochs at a time with ``step(n)``.

    Training stops by itself after ``epochs`` epochs (if given) or at the first non-finite
    loss, which is recorded (with ``stop_reason``) rather than raised.
    """

    def __init__(self, model: nn.Module, lr: float, x: Tensor, y: Tensor, *, epochs: int | None = None,
                 l2: float = 0.0, loss_fn: LossFn = F.cross_entropy,
                 monitors: Mapping[str, LossFn] | None = None) -> None:
        self.model = model
        self.lr = checked_learning_rate(lr)
        self.x, self.y = x, y
        self.epochs = epochs
        self.l2 = float(l2)
        self.loss_fn = loss_fn
        self.monitors = dict(monitors or {})
        self.optimizer = torch.optim.SGD(model.parameters(), lr=self.lr, weight_decay=self.l2)
        self.history: list[EpochRecord] = []
        self.stop_reason: str | None = None
        self._params = [p for p in model.parameters() if p.requires_grad]
        self._callbacks: dict[str, list[Callback]] = {event: [] for event in CALLBACK_EVENTS}
        self._ended = False

    def add_callback(self, event: str, fn: Callback) -> None:
        """Call ``fn(trainer, record)`` on ``on_epoch_end``, or ``fn(trainer, None)`` on ``on_train_end``."""
        if event not in self._callbacks:
            raise ValueError(f"unknown event {event!r}; use one of {', '.join(CALLBACK_EVENTS)}")
        self._callbacks[event].append(fn)

    @property
    def epoch(self) -> int:
        """How many epochs have run."""
        return len(self.history)

    @property
    def diverged(self) -> bool:
        """True when training stopped on a non-finite loss."""
        return self.stop_reason is not None

    @property
    def finished(self) -> bool:
        """True when no further epoch will run (target reached or loss not finite)."""
        return self._done()

    def step(self, n: int = 1) -> list[EpochRecord]:
        """Run up to ``n`` more epochs and return their records (fewer if training finishes).

        Epochs run back to back in chunks; each chunk's records are then built together
        (accuracy and gradient norm in one batched pass, which keeps ``train()`` close to the
        plain loop's speed) and ``on_epoch_end`` fires for each, in order.
        """
        new: list[EpochRecord] = []
        use_one_thread()
        while len(new) < n and not self.finished:
            raw: list[_RawEpoch] = []
            while len(raw) < min(n - len(new), _CHUNK_EPOCHS) and not self._done(pending=len(raw)):
                raw.append(self._run_epoch(self.epoch + len(raw)))
            for record in self._records(raw):
                self.history.append(record)
                new.append(record)
                self._fire("on_epoch_end", record)
        if self.finished and not self._ended:
            self._ended = True
            self._fire("on_train_end", None)
        return new

    def _done(self, pending: int = 0) -> bool:
        return self.diverged or (self.epochs is not None and self.epoch + pending >= self.epochs)

    def _fire(self, event: str, record: EpochRecord | None) -> None:
        for fn in self._callbacks[event]:
            fn(self, record)

    def _run_epoch(self, epoch: int) -> _RawEpoch:
        """One epoch of the plain loop; keeps the loss, logits, gradients and a copy of the weights."""
        logits = self.model(self.x)
        loss = self.loss_fn(logits, self.y)
        loss_value = loss.item()
        with torch.no_grad():
            W, b = (t.clone() for t in self.model.weight_and_bias())
        if not math.isfinite(loss_value):
            self.stop_reason = f"the loss became {loss_value} at epoch {epoch}"
            return _RawEpoch(epoch, loss_value, logits.detach(), None, W, b)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        # set_to_none gives every backward fresh gradient tensors and SGD never writes into them,
        # so keeping references (no copies) is safe until the records are built.
        grads = [p.grad for p in self._params]
        self.optimizer.step()
        return _RawEpoch(epoch, loss_value, logits.detach(), grads, W, b)

    def _records(self, raw: list[_RawEpoch]) -> list[EpochRecord]:
        """Build the records of a chunk of epochs, computing accuracy and gradient norms in batch."""
        if not raw:
            return []
        with torch.no_grad():
            correct = (torch.stack([r.logits for r in raw]).argmax(dim=-1) == self.y).sum(dim=-1).tolist()
            stepped = [r.grads for r in raw if r.grads is not None]
            norms = (torch.stack([torch.stack(g).pow(2).flatten(1).sum(1) for g in zip(*stepped)]).sum(0)
                     .sqrt().tolist() if stepped else [])
            metrics = [{name: fn(r.logits, self.y).item() for name, fn in self.monitors.items()} for r in raw]
        norms += [math.nan] * (len(raw) - len(norms))
        return [EpochRecord(r.epoch, r.loss, c / len(self.y), g, r.W, r.b, m)
                for r, c, g, m in zip(raw, correct, norms, metrics)]


class _RawEpoch(NamedTuple):
    """What one epoch leaves before its record is built: the loss, outputs, gradients and weights."""

    epoch: int
    loss: float
    logits: Tensor
    grads: list[Tensor] | None
    W: Tensor
    b: Tensor


def train(model: nn.Module, lr: float, epochs: int, x: Tensor | None = None, y: Tensor | None = None, *,
          l2: float = 0.0, standardized: bool = False,
          callbacks: Mapping[str, Callback] | None = None) -> list[EpochRecord]:
    """Train ``model`` with ``F.cross_entropy`` and plain SGD; one record per epoch.

    ``x``/``y`` default to the course's training set; ``standardized`` scales ``x`` by its own
    mean and std; ``l2`` is SGD weight decay (an L2 penalty of ``l2/2 * ||w||^2``).
    """
    if x is None or y is None:
        data = course_data()
        x, y = data.x_train, data.y_train
    if standardized:
        (x,) = standardize(x)
    trainer = Trainer(model, lr, x, y, epochs=epochs, l2=l2)
    for event, fn in (callbacks or {}).items():
        trainer.add_callback(event, fn)
    return trainer.step(epochs)


def train_low_level(epochs: int = 1000, lr: float = 0.1) -> list[EpochRecord]:
    """The course's by-hand loop (``for epoch in range(epochs + 1)``) with the one-hot loss.

    Each record's ``metrics["cross_entropy"]`` is ``F.cross_entropy`` at the same weights,
    so the two losses can be compared step by step.
    """
    x, y = low_level_data()
    trainer = Trainer(LowLevelSoftmax(), lr, x, y, epochs=epochs + 1, loss_fn=one_hot_cross_entropy,
                      monitors={"cross_entropy": F.cross_entropy})
    return trainer.step(epochs + 1)


_LOW_LEVEL = threading.Lock()  # students opening the same history wait for one training, then share it


def low_level_history(epochs: int, lr: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The by-hand loop's losses, ``F.cross_entropy`` at the same weights, and each epoch's W (4, 3) and b (1,)
    as read-only arrays (cached: shared by every student who opens the by-hand section)."""
    with _LOW_LEVEL:
        return _low_level_history(epochs, lr)


@functools.lru_cache(maxsize=16)
def _low_level_history(epochs: int, lr: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    records = train_low_level(epochs=epochs, lr=lr)
    arrays = (np.array([r.loss for r in records], dtype=np.float64),
              np.array([r.metrics["cross_entropy"] for r in records], dtype=np.float64),
              np.stack([r.W.detach().double().numpy() for r in records]),
              np.stack([r.b.detach().double().numpy() for r in records]))
    for array in arrays:
        array.setflags(write=False)
    return arrays


def evaluate(model: nn.Module, x: Tensor, y: Tensor) -> tuple[float, float]:
    """``(cross-entropy loss, accuracy in [0, 1])`` of ``model`` on ``(x, y)``; NaN-safe, never raises."""
    use_one_thread()
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    return loss, accuracy
