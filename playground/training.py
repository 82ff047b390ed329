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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from playground.threads import single_threaded
from playground.training_data import course_data, low_level_data, standardize

__all__ = ["EpochRecord", "LowLevelSoftmax", "SoftmaxClassifier", "Trainer", "checked_learning_rate", "course_data",
           "evaluate", "initial_state", "model_from_seed", "one_hot_cross_entropy", "train", "train_low_level"]

LossFn = Callable[[Tensor, Tensor], Tensor]
Callback = Callable[["Trainer", "EpochRecord | None"], None]
CALLBACK_EVENTS = ("on_epoch_end", "on_train_end")
_CHUNK_EPOCHS = 1024  # epochs run back to back before their records are built (bounds held tensors)


class SoftmaxClassifier(nn.Module):
    """The course's model: a single ``nn.Linear(3, 3)`` returning logits (no softmax inside)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 3)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``x @ W + b``."""
        return self.linear(x)

    def weight_and_bias(self) -> tuple[Tensor, Tensor]:
        """``(W, b)`` with W shaped (features, classes) so that logits = x @ W + b."""
        return self.linear.weight.t(), self.linear.bias


@functools.lru_cache(maxsize=256)
def initial_state(seed: int) -> dict[str, Tensor]:
    """The state_dict of the first ``SoftmaxClassifier`` drawn after ``torch.manual_seed(seed)``.

    Drawn from a private generator (never the global RNG, which other sessions use concurrently)
    and cached per seed, so every run of a seed starts from it. Treat the result as read-only.
    """
    return _draw_initial_state(int(seed))


def _draw_initial_state(seed: int) -> dict[str, Tensor]:
    """``nn.Linear(3, 3)``'s own initialisation, replayed on ``torch.Generator().manual_seed(seed)``.

    Same draws in the same order as ``reset_parameters`` after ``torch.manual_seed(seed)``, so
    the numbers are identical, without reading or advancing the global generator.
    """
    generator = torch.Generator().manual_seed(seed)
    weight, bias = torch.empty(3, 3), torch.empty(3)
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    bound = 1 / math.sqrt(weight.shape[1])  # 1 / sqrt(fan_in), as reset_parameters computes it
    nn.init.uniform_(bias, -bound, bound, generator=generator)
    return {"linear.weight": weight, "linear.bias": bias}


def model_from_seed(seed: int) -> SoftmaxClassifier:
    """A fresh ``SoftmaxClassifier`` loaded with the seed's initial weights (its own copy)."""
    model = SoftmaxClassifier()
    model.load_state_dict(initial_state(seed))
    return model


class LowLevelSoftmax(nn.Module):
    """The course's hand-made model: ``W = zeros(4, 3)``, ``b = zeros(1)``, logits ``x @ W + b``."""

    def __init__(self, features: int = 4, classes: int = 3) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.zeros(features, classes))
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x: Tensor) -> Tensor:
        """Logits with the single scalar bias broadcast over all classes, as in the course."""
        return x @ self.W + self.b

    def weight_and_bias(self) -> tuple[Tensor, Tensor]:
        """``(W, b)`` as trained."""
        return self.W, self.b


def one_hot_cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """The course's hand-written loss: ``(y_one_hot * -log(softmax(z))).sum(1).mean()``."""
    y_one_hot = torch.zeros_like(logits).scatter_(1, y.unsqueeze(1), 1)
    return (y_one_hot * -torch.log(F.softmax(logits, dim=1))).sum(dim=1).mean()


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


def checked_learning_rate(value: object, lo: float = 0.0, hi: float = math.inf) -> float:
    """``value`` as a learning rate SGD can use (a finite number > 0, within ``[lo, hi]``), or ``ValueError``
    saying plainly what is wrong: the one set of rules for the trainer, the lab and the URL."""
    try:
        lr = float(str(value).strip())
    except ValueError:
        raise ValueError("the learning rate is not a number") from None
    if not math.isfinite(lr):
        raise ValueError("the learning rate must be a finite number")
    if lr <= 0:
        raise ValueError("the learning rate must be positive")
    if not lo <= lr <= hi:
        raise ValueError(f"the learning rate must be between {lo:g} and {hi:g}")
    return lr


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
        with single_threaded():
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


def evaluate(model: nn.Module, x: Tensor, y: Tensor) -> tuple[float, float]:
    """``(cross-entropy loss, accuracy in [0, 1])`` of ``model`` on ``(x, y)``; NaN-safe, never raises."""
    with torch.no_grad(), single_threaded():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    return loss, accuracy
