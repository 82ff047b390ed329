"""playground.training against plain PyTorch: the course's loop, the by-hand loop, verdicts, options, lab."""
from __future__ import annotations

import json
import math
import sys
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from playground.plots.training import comparison_figure, display_series, loss_curve_figure, probabilities_figure
from playground.torch_runtime import use_one_thread
from playground.training import course_data, evaluate, model_from_seed, SoftmaxClassifier, train, train_low_level
from playground.training.model import initial_state
from playground.training.trainer import Trainer
from playground.training.data import low_level_data, standardize
from playground.training.lab import bounded_position, LabConfig, MAX_RUNS, TrainingLab
from playground.training.learning_rate import check_learning_rate, format_lr
from playground.training.run import player_payload, record_run, RunKey
from playground.training.sgd_step import format_short, samples_frame, sgd_step_breakdown, weights_frame
from playground.training.verdict import judge

TOL = 1e-6


@pytest.fixture(autouse=True)
def one_torch_thread():
    """The reference loops run on tiny tensors too: keep them off the (busy, shared) OpenMP pool."""
    use_one_thread()
    yield


def plain_torch_losses(lr: float, epochs: int, seed: int = 1, weight_decay: float = 0.0,
                       x: torch.Tensor | None = None) -> tuple[list[float], nn.Linear]:
    """The course's loop written out: nn.Linear(3, 3), SGD, F.cross_entropy, zero_grad/backward/step."""
    data = course_data()
    x = data.x_train if x is None else x
    torch.manual_seed(seed)
    model = nn.Linear(3, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    for _ in range(epochs):
        cost = F.cross_entropy(model(x), data.y_train)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        losses.append(cost.item())
    return losses, model


def seeded_classifier(seed: int = 1) -> SoftmaxClassifier:
    torch.manual_seed(seed)
    return SoftmaxClassifier()


# --- data and model -----------------------------------------------------------------------------

def test_course_data_is_exactly_the_course():
    x_train, y_train, x_test, y_test = course_data()
    assert x_train.dtype == torch.float32 and x_test.dtype == torch.float32
    assert y_train.dtype == torch.int64 and y_test.dtype == torch.int64
    assert x_train.tolist() == [[1, 2, 1], [1, 3, 2], [1, 3, 4], [1, 5, 5], [1, 7, 5], [1, 2, 5], [1, 6, 6],
                                [1, 7, 7]]
    assert y_train.tolist() == [2, 2, 2, 1, 1, 1, 0, 0]
    assert x_test.tolist() == [[2, 1, 1], [3, 1, 2], [3, 3, 4]] and y_test.tolist() == [2, 2, 2]
    x4, y4 = low_level_data()
    assert x4.tolist() == [[1, 2, 1, 1], [2, 1, 3, 2], [3, 1, 3, 4], [4, 1, 5, 5], [1, 7, 5, 5], [1, 2, 5, 6],
                           [1, 6, 6, 6], [1, 7, 7, 7]]
    assert y4.tolist() == y_train.tolist()


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_classifier_is_a_default_initialised_linear_returning_logits(seed):
    model = seeded_classifier(seed)
    torch.manual_seed(seed)
    reference = nn.Linear(3, 3)
    assert [type(m) for m in model.modules()] == [SoftmaxClassifier, nn.Linear]
    assert torch.equal(model.linear.weight, reference.weight) and torch.equal(model.linear.bias, reference.bias)
    x = course_data().x_train
    assert torch.equal(model(x), reference(x))
    assert not torch.allclose(model(x).sum(dim=1), torch.ones(8))  # logits, not probabilities


def test_initial_state_is_cached_per_seed_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    state = initial_state(7)
    assert torch.equal(torch.rand(3), expected_next)
    assert initial_state(7) is state
    assert torch.equal(model_from_seed(7).linear.weight, seeded_classifier(7).linear.weight)
    a, b = model_from_seed(7), model_from_seed(7)
    with torch.no_grad():
        a.linear.weight.add_(1.0)
    assert torch.equal(b.linear.weight, seeded_classifier(7).linear.weight)  # copies, not shared
    assert not torch.equal(model_from_seed(8).linear.weight, b.linear.weight)


def reference_initial_state(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The course's own initialisation: ``torch.manual_seed(seed)`` then ``nn.Linear(3, 3)``."""
    torch.manual_seed(seed)
    layer = nn.Linear(3, 3)
    return layer.weight.detach().clone(), layer.bias.detach().clone()


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when two float32 tensors hold the very same bit patterns (stricter than ``torch.equal``)."""
    return a.dtype == b.dtype == torch.float32 and torch.equal(a.view(torch.int32), b.view(torch.int32))


SEEDS_FOR_EQUALITY = [*range(300), 2**31 - 1, 2**32 + 5, 2**53 + 1, 2**63 - 1, 12_345_678_901]


def test_initial_state_is_bit_for_bit_manual_seed_then_nn_linear():
    """For many seeds (small, 32-bit edge, huge), the private-generator draw equals the global-RNG one."""
    for seed in SEEDS_FOR_EQUALITY:
        weight, bias = reference_initial_state(seed)
        state = initial_state(seed)
        assert set(state) == {"linear.weight", "linear.bias"}
        assert same_bits(state["linear.weight"], weight), seed
        assert same_bits(state["linear.bias"], bias), seed


def test_drawing_an_initial_state_neither_reads_nor_advances_the_global_rng():
    """Fresh (uncached) seeds: the global generator's state is the same before and after."""
    torch.manual_seed(2024)
    torch.rand(5)
    before = torch.get_rng_state()
    states = [initial_state(seed) for seed in range(70_000, 70_040)]
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(99)  # a different global state must not change what a seed gives
    assert all(same_bits(initial_state(seed)["linear.weight"], reference_initial_state(seed)[0])
               for seed in range(70_040, 70_045))
    assert all(not torch.equal(s["linear.weight"], states[0]["linear.weight"]) for s in states[1:])


def test_initial_state_is_right_while_other_threads_use_the_global_rng():
    """Other sessions seed and draw from the global generator concurrently; no seed may get their numbers.

    Seeds are fresh (never asked for before), so each is drawn here rather than served from the cache.
    """
    seeds = list(range(90_000, 90_400))
    expected = {seed: reference_initial_state(seed) for seed in seeds}
    stop = threading.Event()
    failures: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            i = offset
            while not stop.is_set():
                torch.manual_seed(i)
                nn.Linear(3, 3)
                torch.rand(16)
                i += 2
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            failures.append(err)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, as a busy server does
    threads = [threading.Thread(target=hammer, args=(k,), daemon=True) for k in range(2)]
    try:
        for thread in threads:
            thread.start()
        got = {seed: initial_state(seed) for seed in seeds}
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        sys.setswitchinterval(interval)
    assert not failures, failures
    wrong = [seed for seed in seeds if not (same_bits(got[seed]["linear.weight"], expected[seed][0])
                                            and same_bits(got[seed]["linear.bias"], expected[seed][1]))]
    assert not wrong, f"{len(wrong)} of {len(seeds)} seeds got other weights, e.g. {wrong[:5]}"


# --- the reference test and the records ---------------------------------------------------------

def test_reference_seed_1_twenty_epochs_lr_0_1_matches_the_plain_torch_loop():
    expected, reference_model = plain_torch_losses(0.1, 20)
    model = seeded_classifier(1)
    records = train(model, 0.1, 20)
    assert len(records) == 20
    assert [r.epoch for r in records] == list(range(20))
    assert max(abs(r.loss - e) for r, e in zip(records, expected)) <= TOL
    assert abs(records[0].loss - 2.203667) < 1e-6  # the course's printed "Epoch 0/20 Cost: 2.203667"
    assert torch.allclose(model.linear.weight, reference_model.weight, atol=TOL)
    assert torch.allclose(model.linear.bias, reference_model.bias, atol=TOL)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_each_record_holds_the_state_before_its_update(l2):
    model = seeded_classifier(1)
    records = train(model, 0.1, 5, l2=l2)
    x, y = course_data().x_train, course_data().y_train
    for record in records:
        logits = x @ record.W + record.b
        assert abs(F.cross_entropy(logits, y).item() - record.loss) <= TOL
        assert record.accuracy == pytest.approx((logits.argmax(1) == y).float().mean().item())
        W = record.W.T.clone().requires_grad_()
        b = record.b.clone().requires_grad_()
        F.cross_entropy(F.linear(x, W, b), y).backward()
        assert record.grad_norm == pytest.approx(math.sqrt(W.grad.pow(2).sum() + b.grad.pow(2).sum()), rel=1e-5)
    assert not torch.equal(records[0].W, records[-1].W)
    assert torch.equal(records[0].W, seeded_classifier(1).linear.weight.T)  # a copy: later steps did not touch it


def test_step_in_chunks_equals_train_and_fires_callbacks():
    x, y = course_data().x_train, course_data().y_train
    trainer = Trainer(seeded_classifier(1), 0.1, x, y, epochs=20)
    seen, ended = [], []
    trainer.add_callback("on_epoch_end", lambda t, r: seen.append(r.epoch))
    trainer.add_callback("on_train_end", lambda t, r: ended.append(t.epoch))
    first, second, third = trainer.step(7), trainer.step(100), trainer.step(5)
    assert (len(first), len(second), len(third)) == (7, 13, 0)
    assert trainer.finished and not trainer.diverged
    assert seen == list(range(20)) and ended == [20]
    expected = train(seeded_classifier(1), 0.1, 20)
    one_by_one = Trainer(seeded_classifier(1), 0.1, x, y, epochs=20)
    singles = [record for _ in range(20) for record in one_by_one.step(1)]
    for chunked in (trainer.history, singles):
        assert [(r.loss, r.accuracy, r.grad_norm) for r in chunked] == [
            (r.loss, r.accuracy, r.grad_norm) for r in expected]
        assert all(torch.equal(a.W, b.W) and torch.equal(a.b, b.b) for a, b in zip(chunked, expected))
    with pytest.raises(ValueError, match="unknown event"):
        trainer.add_callback("on_batch_end", lambda t, r: None)


def test_chunk_boundaries_do_not_change_the_records(monkeypatch):
    import playground.training.trainer as trainer_module

    expected = train(seeded_classifier(1), 0.1, 20)
    monkeypatch.setattr(trainer_module, "_CHUNK_EPOCHS", 3)
    seen: list[int] = []
    got = train(seeded_classifier(1), 0.1, 20, callbacks={"on_epoch_end": lambda t, r: seen.append(t.epoch)})
    assert seen == list(range(1, 21))  # fired after each record joined the history, in order
    assert [(r.epoch, r.loss, r.accuracy, r.grad_norm) for r in got] == [
        (r.epoch, r.loss, r.accuracy, r.grad_norm) for r in expected]


@pytest.mark.parametrize("lr", [0.0, -0.1, math.nan, math.inf])
def test_trainer_rejects_unusable_learning_rates(lr):
    with pytest.raises(ValueError, match="learning rate must be (positive|a finite number)"):
        Trainer(seeded_classifier(), lr, *course_data()[:2])


# --- the low-level form -------------------------------------------------------------------------

def test_low_level_loss_equals_f_cross_entropy_at_every_step():
    records = train_low_level(epochs=1000, lr=0.1)
    assert len(records) == 1001  # for epoch in range(epochs + 1)
    assert abs(records[0].loss - math.log(3)) <= TOL  # zero weights: uniform probabilities
    x, y = low_level_data()
    W = torch.zeros((4, 3), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([W, b], lr=0.1)
    for record in records:
        cost = F.cross_entropy(x @ W + b, y)
        assert abs(record.loss - cost.item()) <= TOL, record.epoch
        assert abs(record.metrics["cross_entropy"] - cost.item()) <= TOL
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
    assert records[-1].loss < records[0].loss and records[-1].b.shape == (1,)


def test_low_level_hand_written_loss_becomes_nan_without_raising_at_huge_lr():
    records = train_low_level(epochs=50, lr=1e5)
    assert math.isnan(records[-1].loss) and len(records) < 51
    assert math.isfinite(records[-1].metrics["cross_entropy"])  # the stable form survives the same weights


# --- non-finite losses --------------------------------------------------------------------------

@pytest.mark.parametrize("lr", [1e10, 1e30])
def test_huge_learning_rates_do_not_raise_and_are_judged_diverged(lr):
    records = train(seeded_classifier(1), lr, 30)
    losses = [r.loss for r in records]
    assert losses[0] == pytest.approx(2.203667, abs=1e-6)
    assert judge(losses).kind == "diverged"


def test_non_finite_loss_stops_training_and_is_recorded():
    model = seeded_classifier(1)
    trainer = Trainer(model, 1e38, *course_data()[:2], epochs=20)
    records = trainer.step(20)
    assert len(records) == 2 and math.isfinite(records[0].loss) and math.isnan(records[1].loss)
    assert trainer.diverged and trainer.finished and "nan" in trainer.stop_reason
    assert math.isnan(records[1].grad_norm)
    assert trainer.step(5) == []
    verdict = judge([r.loss for r in records])
    assert verdict.kind == "diverged" and "NaN" in verdict.explanation
    loss, accuracy = evaluate(model, *course_data()[2:])
    assert math.isnan(loss) and 0.0 <= accuracy <= 1.0


# --- verdicts on synthetic histories ------------------------------------------------------------

@pytest.mark.parametrize(("losses", "kind"), [
    ([2.2, 1.2, 1.1, 1.05, 1.0, 0.98], "converging"),
    ([2.2, 2.2 - 1e-9, 2.2 - 2e-9, 2.2 - 3e-9, 2.2 - 4e-9, 2.2 - 5e-9], "stalled"),
    ([2.2] * 40, "stalled"),
    ([2.2, 2.2, 2.2], "pending"),
    ([2.2], "pending"),
    ([], "pending"),
    ([2.2, 1.0, 2.0, 0.9, 1.9, 0.8, 1.7], "oscillating"),
    ([2.2, 2.5, 2.8, 3.0], "oscillating"),
    ([2.2, 800.0, 2400.0, 290.0, 1700.0], "diverged"),
    ([2.2, 1.0, math.nan], "diverged"),
    ([2.2, math.inf], "diverged"),
    ([math.nan], "diverged"),
])
def test_verdicts_on_synthetic_histories(losses, kind):
    verdict = judge(losses)
    assert verdict.kind == kind
    assert verdict.explanation.endswith(".") and len(verdict.explanation) > 30
    assert verdict.title


def test_verdicts_of_the_three_presets():
    assert judge([r.loss for r in train(seeded_classifier(1), 1e5, 20)]).kind == "diverged"
    assert judge([r.loss for r in train(seeded_classifier(1), 1e-10, 20)]).kind == "stalled"
    assert judge([r.loss for r in train(seeded_classifier(1), 0.1, 20)]).kind == "converging"
    assert judge([r.loss for r in train(seeded_classifier(1), 0.5, 20)]).kind == "oscillating"


# --- options: standardisation and L2 ------------------------------------------------------------

def test_standardize_uses_training_statistics_and_survives_a_constant_column():
    data = course_data()
    x_train, x_test = standardize(data.x_train, data.x_test)
    assert torch.equal(x_train[:, 0], torch.zeros(8))  # constant column: centred, not NaN
    assert torch.allclose(x_train[:, 1:].mean(0), torch.zeros(2), atol=1e-6)
    assert torch.allclose(x_train[:, 1:].std(0), torch.ones(2), atol=1e-6)
    mean, std = data.x_train[:, 1:].mean(0), data.x_train[:, 1:].std(0)
    assert torch.allclose(x_test[:, 1:], (data.x_test[:, 1:] - mean) / std)


def test_standardised_training_matches_the_plain_loop_on_scaled_features():
    x = course_data().x_train
    scaled = x.clone()
    scaled[:, 1:] = (x[:, 1:] - x[:, 1:].mean(0)) / x[:, 1:].std(0)
    scaled[:, 0] = 0.0
    expected, _ = plain_torch_losses(0.1, 20, x=scaled)
    got = [r.loss for r in train(seeded_classifier(1), 0.1, 20, standardized=True)]
    assert max(abs(a - b) for a, b in zip(got, expected)) <= TOL
    assert got[-1] < [r.loss for r in train(seeded_classifier(1), 0.1, 20)][-1]  # the tip helps here


def test_l2_is_sgd_weight_decay_and_an_explicit_penalty():
    expected, reference = plain_torch_losses(0.1, 30, weight_decay=0.05)
    model = seeded_classifier(1)
    got = [r.loss for r in train(model, 0.1, 30, l2=0.05)]
    assert max(abs(a - b) for a, b in zip(got, expected)) <= TOL
    assert torch.allclose(model.linear.weight, reference.weight, atol=TOL)
    penalised = seeded_classifier(1)  # the same update as minimising loss + l2/2 * ||theta||^2
    optimizer = torch.optim.SGD(penalised.parameters(), lr=0.1)
    x, y = course_data()[:2]
    for _ in range(30):
        penalty = sum(p.pow(2).sum() for p in penalised.parameters())
        cost = F.cross_entropy(penalised(x), y) + 0.05 / 2 * penalty
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
    assert torch.allclose(model.linear.weight, penalised.linear.weight, atol=1e-5)
    plain = seeded_classifier(1)
    train(plain, 0.1, 30)
    assert model.linear.weight.norm() < plain.linear.weight.norm()


def test_evaluate_matches_torch():
    model = seeded_classifier(1)
    train(model, 0.1, 50)
    x_test, y_test = course_data()[2:]
    loss, accuracy = evaluate(model, x_test, y_test)
    logits = model(x_test)
    assert loss == pytest.approx(F.cross_entropy(logits, y_test).item(), abs=TOL)
    assert accuracy == pytest.approx((logits.argmax(1) == y_test).float().mean().item())


# --- one SGD step, taken apart ------------------------------------------------------------------

@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_sgd_step_breakdown_equals_autograd_and_one_optimizer_step(l2):
    model = seeded_classifier(1)
    x, y = course_data()[:2]
    step = sgd_step_breakdown(model, x, y, lr=0.1, l2=l2)
    cost = F.cross_entropy(model(x), y)
    cost.backward()
    assert step.loss == pytest.approx(cost.item(), abs=TOL)
    assert torch.allclose(step.probs, F.softmax(model(x), dim=1), atol=TOL)
    assert torch.allclose(step.grad_W, model.linear.weight.grad.T, atol=TOL)
    assert torch.allclose(step.grad_b, model.linear.bias.grad, atol=TOL)
    assert torch.allclose(step.grad_logits.sum(1), torch.zeros(8), atol=TOL)  # p - y sums to 0 per sample
    torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=l2).step()
    assert torch.allclose(step.W_new, model.linear.weight.T, atol=TOL)
    assert torch.allclose(step.b_new, model.linear.bias, atol=TOL)
    assert list(samples_frame(step).columns)[:3] == ["x", "z = xW + b", "p = softmax(z)"]
    assert len(weights_frame(step)) == 12


# --- the lab (per-user state behind the page) ---------------------------------------------------

def play_to_end(lab: TrainingLab) -> None:
    """Press Play in the player (a run is recorded) and let it report the run's end."""
    lab.request("play")
    lab.report({"load": lab.load, "epoch": lab.run.last})


def test_a_recorded_run_is_the_trainers_run_state_by_state():
    run = record_run(RunKey(1, False, 0.0, 30, ((0, 0.1),)))
    records = train(model_from_seed(1), 0.1, 30)
    assert run.last == 30 and not run.diverged
    assert np.allclose(run.loss[:30], [r.loss for r in records], atol=1e-6)
    assert np.allclose(run.accuracy[:30], [r.accuracy for r in records])
    assert np.allclose(run.W[:30], np.stack([r.W.numpy() for r in records]), atol=1e-6)
    final = model_from_seed(1)
    train(final, 0.1, 30)
    loss, accuracy = evaluate(final, *course_data()[:2])
    assert run.loss[30] == pytest.approx(loss, abs=1e-6) and run.accuracy[30] == pytest.approx(accuracy)
    assert np.allclose(run.probabilities[30], F.softmax(final(course_data()[0]), dim=1).detach().numpy(), atol=1e-6)
    assert record_run(RunKey(1, False, 0.0, 30, ((0, 0.1),))) is run  # cached


def test_a_continuation_is_training_resumed_from_that_epochs_weights_with_the_new_lr():
    key = RunKey(1, False, 0.0, 600, ((0, 1e-10),)).continued(300, 0.1)
    assert key.segments == ((0, 1e-10), (300, 0.1))
    run = record_run(key)
    model = model_from_seed(1)
    stall = train(model, 1e-10, 300)
    good = train(model, 0.1, 300)
    assert np.allclose(run.loss[:600], [r.loss for r in stall + good], atol=1e-6)
    assert run.loss[299] == pytest.approx(run.loss[0], abs=1e-5) and run.loss[-1] < 0.7 * run.loss[0]  # takes off
    assert key.continued(300, 0.1) == key and key.continued(100, 1e-10).segments == ((0, 1e-10),)
    assert key.continued(400, 1.0).segments == ((0, 1e-10), (300, 0.1), (400, 1.0))


def test_a_5000_epoch_run_fits_well_under_the_websocket_limit():
    run = record_run(RunKey(1, False, 0.0, 5000, ((0, 0.1),)))
    assert len(json.dumps(player_payload(run, [0] * 8))) < 1_000_000  # server.maxMessageSize is 4 MB


def test_lab_runs_share_initial_weights_and_accumulate():
    lab = TrainingLab(LabConfig(lr=1e5))
    play_to_end(lab)
    lab.configure(LabConfig(lr=0.1))
    assert lab.run is None  # a finished run is not continued: a new lr starts a new run
    play_to_end(lab)
    assert [r.config.lr for r in lab.runs] == [1e5, 0.1]
    assert lab.runs[0].losses[0] == lab.runs[1].losses[0] == pytest.approx(2.203667, abs=1e-6)
    table = lab.runs_table()
    assert list(table["verdict"]) == ["Diverged", "Converging"] and list(table["epochs"]) == [20, 20]
    assert set(table.columns) >= {"lr", "train loss", "train accuracy", "test loss", "test accuracy"}
    assert table["test accuracy"].iloc[1] in (0.0, 1 / 3, 2 / 3, 1.0)  # three test samples
    assert all(isinstance(v, float) for v in lab.runs[1].losses)  # summaries keep floats, no weights
    lab.clear_runs()
    assert lab.runs == [] and lab.runs_table().empty


def test_lab_requests_reports_and_the_run_cap():
    lab = TrainingLab(LabConfig(epochs=3))
    lab.request("step")
    assert lab.run is not None and lab.playhead == 1 and lab.intent == "step"
    lab.report({"load": lab.load, "epoch": 2})
    assert lab.playhead == 2 and lab.step_breakdown().W.tolist() == lab.run.W[2].tolist()
    for _ in range(MAX_RUNS + 3):
        play_to_end(lab)  # each Play without a run records a fresh one with a new number
    assert len(lab.runs) == MAX_RUNS and lab.runs[0].run_id == 5
    assert lab.configure(LabConfig(epochs=3)) is False
    assert lab.configure(LabConfig(epochs=3, seed=2)) is True and lab.run is None and lab.playhead == 0


def test_a_new_lr_mid_run_continues_from_the_playhead_and_keeps_the_runs_place():
    lab = TrainingLab(LabConfig(lr=1e-10, epochs=600))
    lab.request("play")
    lab.report({"load": lab.load, "epoch": 200})
    lab.configure(LabConfig(lr=0.1, epochs=600))
    assert lab.asking and lab.run.key.segments == ((0, 1e-10),)  # the player has played on since: ask it where
    lab.report({"load": lab.load, "epoch": 300})
    assert lab.run.key.segments == ((0, 1e-10), (300, 0.1)) and lab.playhead == 300 and lab.intent == "continue"
    assert not lab.asking
    assert lab.lr_at_playhead() == 0.1
    lab.report({"load": lab.load, "epoch": 600})
    assert [r.label for r in lab.runs] == ["#1 lr=1e-10 → 0.1 @300"]
    assert lab.runs[0].train_loss < 0.7 * lab.runs[0].losses[0]


def test_a_run_that_ended_before_the_player_heard_of_a_new_lr_is_compared_as_it_ran():
    lab = TrainingLab(LabConfig(lr=1e-10, epochs=20))
    lab.request("play")
    lab.configure(LabConfig(lr=0.1, epochs=20))
    lab.report({"load": lab.load, "epoch": 20})  # the player's answer: it had already reached the end
    assert lab.run is None and not lab.asking
    assert [(r.label, r.config.lr) for r in lab.runs] == [("#1 lr=1e-10", 1e-10)]


@pytest.mark.parametrize("value", [None, 5, "12", [1, 2], {"epoch": 3}, {"load": 1, "epoch": 3, "x": 1},
                                   {"load": 2, "epoch": 3}, {"load": 1, "epoch": -1}, {"load": 1, "epoch": 21},
                                   {"load": 1, "epoch": 2.5}, {"load": 1, "epoch": float("nan")},
                                   {"load": 1, "epoch": True}, {"load": 1, "epoch": "3"}, {"load": True, "epoch": 3},
                                   {"load": 1, "epoch": 10**400}])
def test_hostile_player_positions_are_refused(value):
    with pytest.raises(ValueError):
        bounded_position(value, 1, 20)


def test_a_refused_report_leaves_the_playhead_and_says_why():
    lab = TrainingLab()
    lab.report({"load": 0, "epoch": 3})
    assert lab.refused == "Ignored a player position: no run is loaded."
    lab.request("play")
    lab.report({"load": lab.load, "epoch": 10**9})
    assert lab.playhead == 0 and lab.refused.startswith("Ignored a player position: the epoch is outside")
    lab.request("rm -rf")
    assert "not Play, Step or Reset" in lab.refused


def test_sgd_step_table_uses_log_softmax_and_never_shows_negative_zero():
    model = model_from_seed(1)
    with torch.no_grad():
        model.linear.weight.mul_(1e5)
    x, y = course_data()[:2]
    step = sgd_step_breakdown(model, x, y, 1e5)
    losses = [float(v) for v in samples_frame(step)["-log p_y"]]
    assert all(math.isfinite(v) for v in losses)
    assert np.mean(losses) == pytest.approx(F.cross_entropy(model(x), y).item(), rel=1e-3)
    assert format_short(-0.0) == format_short(0.0) == "0"
    assert "-0" not in " ".join(samples_frame(step)["-log p_y"])


@pytest.mark.parametrize("value", [-1, 0, "nan", "inf", 1e6, "fast", None])
def test_absurd_learning_rates_fall_back_with_a_message(value):
    lr, message = check_learning_rate(value)
    assert lr == 0.1 and message and "using 0.1" in message


def test_format_lr():
    assert [format_lr(v) for v in (1e5, 1e-10, 0.1, 0.316)] == ["1e5", "1e-10", "0.1", "0.316"]


# --- figures ------------------------------------------------------------------------------------

def test_figures_mark_non_finite_losses_instead_of_breaking():
    losses = [2.2, 1e6, math.nan]
    fig = loss_curve_figure(losses, log_y=True)
    line, marks = fig.data
    assert line.y[:2].tolist() == [2.2, 1e6] and np.isnan(line.y[2])  # a gap, not a crash
    assert list(marks.x) == [2] and list(marks.text) == ["NaN"] and list(marks.y) == [1e6]
    assert fig.layout.yaxis.type == "log"
    compared = comparison_figure([("a", [1.0, 0.5]), ("b", [1.0, math.inf])], log_y=False)
    assert [t.name for t in compared.data] == ["a", "b", "b: not finite"]
    assert len(loss_curve_figure([]).data[0].y) == 0
    heat = probabilities_figure([[0.2, 0.3, 0.5], [math.nan, 0.5, 0.5]], [2, 0])
    assert [(shape.x0, shape.y0) for shape in heat.layout.shapes] == [(1.5, -0.5), (-0.5, 0.5)]  # true classes
    assert heat.data[0].text[1][0] == "NaN"


def test_long_runs_are_thinned_but_keep_their_extremes():
    losses = [1.0 + (0.5 if i % 2 else -0.5) * math.exp(-i / 2000) for i in range(5000)] + [math.inf]
    x, y = display_series(losses, max_points=1000)
    assert len(x) <= 1002 and x[0] == 0 and x[-1] == 5000 and np.isnan(y[-1])
    finite = np.array(losses[:-1])
    assert np.nanmax(y) == finite.max() and np.nanmin(y) == finite.min()
    assert np.array_equal(y[:-1], finite[x[:-1]])  # real points, not averages
    short_x, short_y = display_series([3.0, 2.0, 1.0])
    assert short_x.tolist() == [0, 1, 2] and short_y.tolist() == [3.0, 2.0, 1.0]
