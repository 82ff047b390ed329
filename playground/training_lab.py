"""Per-user state of the Training lab: the current run, the finished runs, and Play/Pause/Step/Reset.

The page keeps one ``TrainingLab`` in ``st.session_state`` and only calls these methods, so all
the behaviour (new runs from the seed's initial weights, archiving finished runs, capping how
many are kept) is plain Python that tests drive without Streamlit.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from playground.play_pacing import BASE_TICK_SECONDS
from playground.plots.training import loss_curve_figure, probabilities_figure
from playground.training import (CourseData, EpochRecord, Trainer, evaluate, model_from_seed,
                                 prepared_course_data, single_threaded)
from playground.training_step import SgdStepBreakdown, sgd_step_breakdown
from playground.training_verdict import Verdict, judge

LR_MIN, LR_MAX, LR_DEFAULT = 1e-10, 1e5, 0.1
PRESETS = {"Overshoot": 1e5, "Stall": 1e-10, "Good": 0.1}  # the course's three lessons
EPOCHS_DEFAULT, EPOCHS_MAX = 20, 5000
L2_STRENGTH = 0.01
MAX_RUNS = 8
TICKS_PER_RUN = 100
MAX_EPOCHS_PER_TICK = 100  # ~30 ms of SGD on this machine: a redraw's work stays small however slow the pace


def parse_learning_rate(value: object) -> float:
    """A learning rate in ``[1e-10, 1e5]``, or ``ValueError`` saying plainly what is wrong with it."""
    try:
        lr = float(str(value).strip())
    except ValueError:
        raise ValueError("the learning rate is not a number") from None
    if math.isnan(lr) or math.isinf(lr):
        raise ValueError("the learning rate must be a finite number")
    if lr <= 0:
        raise ValueError("the learning rate must be positive")
    if not LR_MIN <= lr <= LR_MAX:
        raise ValueError(f"the learning rate must be between {LR_MIN:g} and {LR_MAX:g}")
    return lr


def check_learning_rate(value: object) -> tuple[float, str | None]:
    """``(usable lr, message)``: absurd values (not a number, <= 0, > 1e5) fall back to 0.1 with a message."""
    try:
        return parse_learning_rate(value), None
    except ValueError as err:
        return LR_DEFAULT, f"Ignored learning rate {value!r}: {err}; using {LR_DEFAULT:g}."


def format_lr(lr: float) -> str:
    """Compact learning-rate text: 0.1, 0.003, 1e5, 1e-10."""
    text = f"{lr:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def round_learning_rate(lr: float) -> float:
    """The learning rate to 3 significant digits, so slider positions give clean numbers (0.1, not 0.10000002)."""
    return float(f"{lr:.3g}")


@dataclass(frozen=True)
class LabConfig:
    """What defines a run: lr, epoch budget, seed, and the two course tips (standardise, L2)."""

    lr: float = LR_DEFAULT
    epochs: int = EPOCHS_DEFAULT
    seed: int = 1
    standardized: bool = False
    l2: bool = False

    @property
    def weight_decay(self) -> float:
        """The SGD weight decay the L2 toggle stands for."""
        return L2_STRENGTH if self.l2 else 0.0


@dataclass(frozen=True)
class RunSummary:
    """A finished run, kept small: its curves as floats plus end-of-training metrics and verdict."""

    run_id: int
    config: LabConfig
    losses: tuple[float, ...]
    accuracies: tuple[float, ...]
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    verdict: Verdict

    @property
    def label(self) -> str:
        """Legend label: run number and learning rate."""
        return f"#{self.run_id} lr={format_lr(self.config.lr)}"


@functools.lru_cache(maxsize=2)
def lab_data(standardized: bool) -> CourseData:
    """Course data for the lab (read-only tensors shared by all runs)."""
    return prepared_course_data(standardized)


def epochs_per_tick(epochs: int, tick_seconds: float = BASE_TICK_SECONDS) -> int:
    """Epochs to advance per Play tick, so any budget plays in about ``TICKS_PER_RUN`` base ticks of wall time.

    Slower ticks (many students playing, see ``playground.play_pacing``) advance proportionally more epochs, up
    to MAX_EPOCHS_PER_TICK. The cap matters when a class plays long runs: the pace is set from what a redraw
    costs, training included, so without it a slower pace would mean dearer redraws and a slower pace again.
    Such runs then take longer than usual, which is the honest price of sharing one core.
    """
    share = epochs * tick_seconds / (TICKS_PER_RUN * BASE_TICK_SECONDS)
    wanted = math.ceil(round(share, 9))  # round: 300 epochs at 0.1 s must give 3, not 3.0000000000000004
    return max(1, min(wanted, MAX_EPOCHS_PER_TICK))


class TrainingLab:
    """The current run (a ``Trainer``), the finished runs (at most ``MAX_RUNS``) and the play flag."""

    def __init__(self, config: LabConfig | None = None) -> None:
        self.config = config or LabConfig()
        self.runs: list[RunSummary] = []
        self.playing = False
        self.tick_seconds = BASE_TICK_SECONDS  # the pace Play redraws at (set by the page from the server's load)
        self.last_tick: float | None = None  # time.monotonic() of Play's last advance (None: the next is due now)
        self._next_id = 1
        self.trainer = self._new_trainer()

    @property
    def data(self) -> CourseData:
        """The (possibly standardised) data of the current configuration."""
        return lab_data(self.config.standardized)

    def configure(self, config: LabConfig) -> bool:
        """Adopt a new configuration; a change starts a fresh run (unfinished progress is dropped)."""
        if config == self.config:
            return False
        self.config = config
        self.trainer = self._new_trainer()
        return True

    def play(self) -> None:
        """Start playing; a finished run is replaced by a new one first."""
        if self.trainer.finished:
            self.trainer = self._new_trainer()
        self.playing = True
        self.last_tick = None

    def pause(self) -> None:
        """Stop playing, keeping the run where it is."""
        self.playing = False

    def step(self) -> list[EpochRecord]:
        """Advance one epoch (a finished run is replaced by a new one first)."""
        self.playing = False
        if self.trainer.finished:
            self.trainer = self._new_trainer()
        return self.trainer.step(1)

    def reset(self) -> None:
        """Stop and start the current configuration over from its initial weights."""
        self.playing = False
        self.trainer = self._new_trainer()

    def tick(self, n: int | None = None) -> list[EpochRecord]:
        """Advance a few epochs while playing; playing stops when the run finishes."""
        if not self.playing:
            return []
        records = self.trainer.step(epochs_per_tick(self.config.epochs, self.tick_seconds) if n is None else n)
        self.last_tick = time.monotonic()
        if self.trainer.finished:
            self.playing = False
        return records

    def clear_runs(self) -> None:
        """Forget all finished runs."""
        self.runs.clear()

    @property
    def losses(self) -> list[float]:
        """The current run's loss per epoch."""
        return [r.loss for r in self.trainer.history]

    def verdict(self) -> Verdict:
        """The current run's verdict so far."""
        return judge(self.losses)

    def probabilities(self) -> torch.Tensor:
        """Softmax probabilities of each training sample under the current weights."""
        with torch.no_grad(), single_threaded():
            return F.softmax(self.trainer.model(self.data.x_train), dim=1)

    def step_breakdown(self) -> SgdStepBreakdown:
        """The next SGD step of the current run, taken apart."""
        return sgd_step_breakdown(self.trainer.model, self.data.x_train, self.data.y_train,
                                  self.config.lr, self.config.weight_decay)

    def runs_table(self) -> pd.DataFrame:
        """One row per finished run: lr, final losses and accuracies, and verdict."""
        rows = [{"run": r.label, "lr": r.config.lr, "epochs": len(r.losses), "seed": r.config.seed,
                 "standardised": r.config.standardized, "L2": r.config.l2,
                 "train loss": r.train_loss, "train accuracy": r.train_accuracy,
                 "test loss": r.test_loss, "test accuracy": r.test_accuracy, "verdict": r.verdict.title}
                for r in self.runs]
        return pd.DataFrame(rows, columns=["run", "lr", "epochs", "seed", "standardised", "L2",
                                           "train loss", "train accuracy", "test loss",
                                           "test accuracy", "verdict"])

    def _new_trainer(self) -> Trainer:
        config, data = self.config, self.data
        trainer = Trainer(model_from_seed(config.seed), config.lr, data.x_train, data.y_train,
                          epochs=config.epochs, l2=config.weight_decay)
        trainer.add_callback("on_train_end", functools.partial(self._archive, config))
        return trainer

    def _archive(self, config: LabConfig, trainer: Trainer, _record: EpochRecord | None) -> None:
        data = lab_data(config.standardized)
        train_loss, train_accuracy = evaluate(trainer.model, data.x_train, data.y_train)
        test_loss, test_accuracy = evaluate(trainer.model, data.x_test, data.y_test)
        losses = [r.loss for r in trainer.history]
        self.runs.append(RunSummary(
            self._next_id, config, tuple(losses), tuple(r.accuracy for r in trainer.history),
            train_loss, train_accuracy, test_loss, test_accuracy, judge(losses)))
        self._next_id += 1
        del self.runs[:-MAX_RUNS]


@dataclass(frozen=True)
class LiveFrame:
    """What one Play tick shows: counters, the verdict so far, and the two live figures."""

    epoch: int
    epochs: int
    start_loss: float | None
    loss: float | None
    accuracy: float | None
    verdict: Verdict
    finished: bool
    stopped_playing: bool
    loss_figure: go.Figure
    samples_figure: go.Figure


def live_frame(lab: TrainingLab, log_y: bool) -> LiveFrame:
    """One tick of the live view: advance a few epochs if playing, then build what the page draws."""
    was_playing = lab.playing
    lab.tick()
    trainer, losses = lab.trainer, lab.losses
    return LiveFrame(
        epoch=trainer.epoch, epochs=lab.config.epochs,
        start_loss=losses[0] if losses else None, loss=losses[-1] if losses else None,
        accuracy=trainer.history[-1].accuracy if losses else None,
        verdict=judge(losses), finished=trainer.finished, stopped_playing=was_playing and not lab.playing,
        loss_figure=loss_curve_figure(losses, log_y=log_y, title="Loss of the current run"),
        samples_figure=probabilities_figure(lab.probabilities().tolist(), lab.data.y_train.tolist()),
    )
