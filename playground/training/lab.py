"""Per-user state of the Training lab: the loaded recorded run, its playhead, lr changes and the finished runs.

The page keeps one ``TrainingLab`` in ``st.session_state`` and only calls these methods; the browser's player
plays the loaded run and reports its playhead, which this class bounds before use.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import torch
import torch.nn.functional as F

from playground.i18n import _, N_
from playground.training import evaluate, model_from_seed
from playground.training.learning_rate import LR_DEFAULT, format_lr
from playground.training.data import CourseData
from playground.training.run import record_run, RecordedRun, run_data, RunKey, segments_label
from playground.training.sgd_step import sgd_step_breakdown, SgdStepBreakdown
from playground.training.verdict import judge, RunVerdict

EPOCHS_DEFAULT, EPOCHS_MAX = 20, 5000
L2_STRENGTH = 0.01
MAX_RUNS = 8
REQUESTS = ("play", "step", "reset")  # what the player asks the server for when it has no run to play
COLUMNS = (N_("run"), "lr", N_("epochs"), N_("seed"), N_("standardised"), "L2", N_("train loss"),
           N_("train accuracy"), N_("test loss"), N_("test accuracy"), N_("verdict"))  # the runs table's headers


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
    """A finished run, kept small: its loss curve as floats plus end-of-training metrics and verdict."""

    run_id: int
    config: LabConfig
    segments: tuple[tuple[int, float], ...]
    losses: tuple[float, ...]
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    verdict: RunVerdict

    @property
    def label(self) -> str:
        """Legend label: run number and its learning rates (``lr=1e-10 → 0.1 @300`` after a change)."""
        return f"#{self.run_id} {segments_label(self.segments, format_lr)}"


def lab_data(standardized: bool) -> CourseData:
    """Course data for the lab (read-only tensors shared by all runs)."""
    return run_data(standardized)


def run_key(config: LabConfig) -> RunKey:
    """The key of a fresh run of ``config``."""
    return RunKey(config.seed, config.standardized, config.weight_decay, config.epochs, ((0, config.lr),))


def bounded_position(value: object, load: int, last: int) -> int:
    """The epoch of a player report ``{"load": load, "epoch": k}`` with 0 <= k <= last, or ``ValueError``."""
    if not isinstance(value, dict) or set(value) != {"load", "epoch"}:
        raise ValueError(_("it is not a {load, epoch} pair"))
    if value["load"] != load or isinstance(value["load"], bool):
        raise ValueError(_("it is for a run that is no longer loaded"))
    epoch = value["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, (int, float)):
        raise ValueError(_("the epoch is not a number"))
    if not 0 <= epoch <= last:  # before any conversion: a huge int must not reach float()
        raise ValueError(_("the epoch is outside 0 to {last}").format(last=last))
    if epoch != int(epoch):
        raise ValueError(_("the epoch is not a whole number"))
    return int(epoch)


class TrainingLab:
    """The loaded run (recorded on the server, played in the browser), its playhead and the finished runs."""

    def __init__(self, config: LabConfig | None = None) -> None:
        self.config = config or LabConfig()
        self.runs: list[RunSummary] = []
        self.run: RecordedRun | None = None
        self.load = 0  # changes with every run handed to the player, so stale reports are told apart
        self.intent = "reset"  # what the player does with a newly loaded run: play, step, reset or continue
        self.start = 0  # where the player puts the playhead on a newly loaded run
        self.playhead = 0  # the epoch the player last reported
        self.refused: str | None = None  # why the last player report was ignored
        self.asking = False  # the lr changed mid-run: the player is asked for its playhead, to continue from there
        self._run_id = 0
        self._next_id = 1

    @property
    def data(self) -> CourseData:
        """The (possibly standardised) data of the current configuration."""
        return lab_data(self.config.standardized)

    def configure(self, config: LabConfig) -> bool:
        """Adopt a new configuration. A new lr mid-run asks the player where it is; other changes unload the run."""
        if config == self.config:
            return False
        lr_only = replace(self.config, lr=config.lr) == config
        self.config = config
        if self.run is not None and lr_only and (self.asking or self.playhead < self.run.last):
            self.asking = True  # the player may have moved on since its last report: its answer decides
        else:
            self._unload()
        return True

    def _continue_at_playhead(self) -> None:
        """Continue the loaded run from the playhead with the configured lr (a run already at its end starts over)."""
        self.asking = False
        if self.playhead == self.run.last:
            self._archive()  # it ended before the player heard of the new lr: compare it as it ran
        else:
            try:
                self._load(record_run(self.run.key.continued(self.playhead, self.config.lr)), "continue",
                           self.playhead, keep_id=True)
                return
            except ValueError:
                pass  # too many changes, or no finite weights to continue from: start over
        self._unload()

    def _unload(self) -> None:
        self.run, self.playhead, self.asking = None, 0, False
        self.load += 1

    def request(self, action: object) -> None:
        """The player's Play, Step or Reset without a run to play: record a fresh run of the configuration."""
        if action not in REQUESTS:
            self.refused = _("Ignored a player request: it is not Play, Step or Reset.")
            return
        run = record_run(run_key(self.config))
        self._load(run, str(action), min(1 if action == "step" else 0, run.last), keep_id=False)
        if self.playhead == run.last:
            self._archive()

    def report(self, value: object) -> None:
        """The player's playhead (Pause, Step, a scrub's end, the run's end): bounded, or refused with a message."""
        if self.run is None:
            self.refused = _("Ignored a player position: no run is loaded.")
            return
        try:
            self.playhead = bounded_position(value, self.load, self.run.last)
        except ValueError as err:
            self.refused = _("Ignored a player position: {reason}.").format(reason=err)
            return
        self.refused = None
        if self.asking:
            self._continue_at_playhead()
        elif self.playhead == self.run.last:
            self._archive()

    def clear_runs(self) -> None:
        """Forget all finished runs."""
        self.runs.clear()

    @property
    def losses(self) -> list[float]:
        """The loaded run's loss per weight state up to the playhead."""
        return [] if self.run is None else self.run.loss[: self.playhead + 1].tolist()

    def lr_at_playhead(self) -> float:
        """The learning rate of the update that follows the playhead."""
        if self.run is None:
            return self.config.lr
        return [lr for start, lr in self.run.key.segments if start <= self.playhead][-1]

    def verdict(self) -> RunVerdict:
        """The loaded run's verdict up to the playhead."""
        return judge(self.losses)

    def model(self) -> torch.nn.Module:
        """A copy of the model at the playhead (the seed's initial weights when no run is loaded)."""
        return model_from_seed(self.config.seed) if self.run is None else self.run.model_at(self.playhead)

    def probabilities(self) -> torch.Tensor:
        """Softmax probabilities of each training sample at the playhead."""
        with torch.no_grad():
            return F.softmax(self.model()(self.data.x_train), dim=1)

    def step_breakdown(self) -> SgdStepBreakdown:
        """The SGD step that follows the playhead, taken apart."""
        return sgd_step_breakdown(self.model(), self.data.x_train, self.data.y_train, self.lr_at_playhead(),
                                  self.config.weight_decay)

    def runs_table(self) -> pd.DataFrame:
        """One row per finished run: learning rates, final losses and accuracies, and verdict (headers in the
        language of this run, in the order of ``COLUMNS``)."""
        rows = [(r.label, r.config.lr, len(r.losses) - 1, r.config.seed, r.config.standardized, r.config.l2,
                 r.train_loss, r.train_accuracy, r.test_loss, r.test_accuracy, r.verdict.title) for r in self.runs]
        return pd.DataFrame(rows, columns=[_(name) for name in COLUMNS])

    def _load(self, run: RecordedRun, intent: str, start: int, *, keep_id: bool) -> None:
        if not keep_id or not self._run_id:
            self._run_id = self._next_id
            self._next_id += 1
        self.run, self.intent, self.start, self.playhead = run, intent, start, start
        self.load += 1
        self.refused = None

    def _archive(self) -> None:
        """Put the loaded run in 'Runs compared', in place of its earlier version (before an lr change), if any."""
        run, data = self.run, lab_data(self.config.standardized)
        final = run.model_at(run.last)
        test_loss, test_accuracy = evaluate(final, data.x_test, data.y_test)
        losses = run.loss.tolist()
        config = replace(self.config, lr=run.key.lr)  # the run's own last lr, even if one is pending
        summary = RunSummary(self._run_id, config, run.key.segments, tuple(losses),
                             float(run.loss[-1]), float(run.accuracy[-1]), test_loss, test_accuracy, judge(losses))
        places = [i for i, r in enumerate(self.runs) if r.run_id == self._run_id]
        if places:
            self.runs[places[0]] = summary
        else:
            self.runs.append(summary)
            del self.runs[:-MAX_RUNS]
