"""Training lab: train the course's softmax classifier live and watch the learning rate matter."""
from __future__ import annotations

import contextlib
import math
import time
import uuid

import streamlit as st

from pages._ui import require_navigation_frame, seed_state_from_url, write_state_to_url
from playground.play_pacing import BASE_TICK_SECONDS, PlayerBoard, hold_until_due, needs_new_pace
from playground.plots.training import comparison_figure, low_level_figure
from playground.training import train_low_level
from playground.training_lab import (EPOCHS_DEFAULT, EPOCHS_MAX, L2_STRENGTH, LR_DEFAULT, LR_MAX, LR_MIN,
                                     PRESETS, LabConfig, TrainingLab, check_learning_rate, format_lr, live_frame,
                                     parse_learning_rate, round_learning_rate)
from playground.training_step import samples_frame, weights_frame
from playground.urlstate import ParamSpec, boolean, bounded_int, format_boolean

PAGE_ID = "training"
LAB_KEY, PLAYER_KEY, TIMER_KEY = "training_lab", "training_player_id", "training_timer_seconds"
FULL_RUN_KEY = "training_full_run"
WIDGETS = {"lr": "tr_lr_exp", "epochs": "tr_epochs", "seed": "tr_seed", "norm": "tr_norm", "l2": "tr_l2"}
SPECS = [
    ParamSpec("lr", math.log10(LR_DEFAULT), lambda text: math.log10(parse_learning_rate(text)),
              lambda exponent: f"{round_learning_rate(10 ** exponent):g}"),
    ParamSpec("epochs", EPOCHS_DEFAULT, bounded_int(1, EPOCHS_MAX)),
    ParamSpec("seed", 1, bounded_int(0, 2**31 - 1)),
    ParamSpec("norm", False, boolean, format_boolean),
    ParamSpec("l2", False, boolean, format_boolean),
]
BANNERS = {"diverged": st.error, "oscillating": st.warning, "stalled": st.warning,
           "converging": st.success, "pending": st.info}


def get_lab() -> TrainingLab:
    """This user's lab, kept in session state."""
    if LAB_KEY not in st.session_state:
        st.session_state[LAB_KEY] = TrainingLab()
    return st.session_state[LAB_KEY]


@st.cache_resource
def player_board() -> PlayerBoard:
    """Who is playing on this server right now (shared by all sessions; see playground.play_pacing)."""
    return PlayerBoard()


def pace_play(lab: TrainingLab, full_run: bool) -> bool:
    """Share the server's Play budget: set this session's redraw interval; True when the browser's timer is far off.

    The server's pace applies at once (each redraw holds its run until the next is due, and advances epochs
    for the interval). The browser's timer changes only in a full run, which costs more than the ticks it saves, so a
    fragment run asks for one only when the timer is REPACE_RATIO off.
    """
    player = st.session_state.setdefault(PLAYER_KEY, uuid.uuid4().hex)
    if not lab.playing:
        player_board().leave(player)
        return False
    wanted = player_board().pace(player, time.monotonic())
    if full_run:
        st.session_state[TIMER_KEY] = wanted  # this run re-arms the fragment's timer at ``wanted``
    timer = st.session_state.get(TIMER_KEY, BASE_TICK_SECONDS)
    lab.tick_seconds = max(wanted, timer)  # redraws come no faster than the server or the timer allows
    return needs_new_pace(timer, wanted)


def set_preset(lr: float) -> None:
    """Preset button callback: move the log-lr slider to ``lr``."""
    st.session_state[WIDGETS["lr"]] = math.log10(lr)


def settings_section() -> tuple[LabConfig, bool]:
    """Learning rate (log slider + presets), epochs, seed and the course tips; returns the config and log-y."""
    for spec in SPECS:
        st.session_state.setdefault(WIDGETS[spec.key], spec.default)
    left, right = st.columns([3, 2])
    with left:
        exponent = st.slider("Learning rate, log₁₀ scale (1e-10 to 1e5)", math.log10(LR_MIN), math.log10(LR_MAX),
                             step=0.1, format="10^%.1f", key=WIDGETS["lr"])
        lr, problem = check_learning_rate(round_learning_rate(10 ** exponent))
        if problem:
            st.warning(problem)
        st.markdown(f"Learning rate **lr = {format_lr(lr)}**")
        presets = st.columns(len(PRESETS))
        for column, (name, value) in zip(presets, PRESETS.items()):
            column.button(f"{name} ({format_lr(value)})", key=f"tr_preset_{name}", on_click=set_preset, args=(value,),
                          width="stretch")
    with right:
        numbers = st.columns(2)
        epochs = numbers[0].number_input("Epochs", 1, EPOCHS_MAX, step=10, key=WIDGETS["epochs"])
        seed = numbers[1].number_input("Seed (initial weights)", 0, 2**31 - 1, step=1, key=WIDGETS["seed"])
        norm = st.toggle("Standardise features", key=WIDGETS["norm"],
                         help="Scale each feature by the training mean and std (course tip).")
        l2 = st.toggle(f"L2 penalty (weight decay {L2_STRENGTH:g})", key=WIDGETS["l2"],
                       help=f"SGD weight decay: adds {L2_STRENGTH:g}·w to each gradient (course tip).")
        log_y = st.toggle("Log y-axis for loss charts", value=True, key="tr_log_y")
    write_state_to_url(PAGE_ID, SPECS, {"lr": exponent, "epochs": epochs, "seed": seed, "norm": norm, "l2": l2})
    return LabConfig(lr=lr, epochs=int(epochs), seed=int(seed), standardized=norm, l2=l2), log_y


def controls_section(lab: TrainingLab) -> None:
    """Play, Pause, Step and Reset, as in TensorFlow Playground."""
    buttons = st.columns(4)
    buttons[0].button("Play", icon=":material/play_arrow:", type="primary", on_click=lab.play,
                      disabled=lab.playing, width="stretch", key="tr_play")
    buttons[1].button("Pause", icon=":material/pause:", on_click=lab.pause, disabled=not lab.playing,
                      width="stretch", key="tr_pause")
    buttons[2].button("Step", icon=":material/skip_next:", on_click=lab.step, width="stretch", key="tr_step")
    buttons[3].button("Reset", icon=":material/restart_alt:", on_click=lab.reset, width="stretch", key="tr_reset")


def live_view(lab: TrainingLab, log_y: bool) -> None:
    """Advance a few epochs if playing, then draw the counter, verdict, loss curve and per-sample view."""
    if pace_play(lab, full_run=False):
        st.rerun()  # a full run re-arms the fragment's timer at the new pace
    timer_tick = lab.playing and not st.session_state.pop(FULL_RUN_KEY, False)
    with player_board().redraw_turn() if lab.playing else contextlib.nullcontext():
        started = time.thread_time()
        frame = live_frame(lab, log_y)
    metrics = st.columns(4)
    metrics[0].metric("Epoch", f"{frame.epoch} / {frame.epochs}")
    metrics[1].metric("Loss at start", "–" if frame.start_loss is None else f"{frame.start_loss:.4g}")
    metrics[2].metric("Loss, last epoch", "–" if frame.loss is None else f"{frame.loss:.4g}")
    metrics[3].metric("Accuracy, last epoch", "–" if frame.accuracy is None else f"{frame.accuracy:.0%}")
    status = "" if frame.finished else "So far: "
    BANNERS[frame.verdict.kind](f"{status}**{frame.verdict.title}.** {frame.verdict.explanation}")
    curve, samples = st.columns(2)
    curve.plotly_chart(frame.loss_figure, key="tr_loss_curve")
    samples.plotly_chart(frame.samples_figure, key="tr_samples")
    slot = st.empty()  # drawn in every run, so the live view's layout is the same in full and fragment runs
    if timer_tick:
        player_board().record_redraw(time.thread_time() - started)
    if frame.stopped_playing:
        st.rerun()  # run finished: refresh the comparison and stop the timer
    if timer_tick:  # the browser may tick faster than this session's pace: hold this run until the next redraw is due
        hold_until_due(lab.last_tick, lab.tick_seconds, slot.empty)  # after drawing, so nothing shows as stale


def comparison_section(lab: TrainingLab, log_y: bool) -> None:
    """Finished runs overlaid on one chart, a table of their results, and a Clear button."""
    st.subheader("Runs compared")
    if not lab.runs:
        st.caption("Finished runs appear here. Try the three presets one after another.")
        return
    with st.container(key="tr_comparison"):
        st.plotly_chart(comparison_figure([(r.label, r.losses) for r in lab.runs], log_y=log_y),
                        key="tr_compare_chart")
    st.dataframe(lab.runs_table(), hide_index=True, key="tr_runs_table",
                 column_config={"lr": st.column_config.NumberColumn(format="%.3g"),
                                "train loss": st.column_config.NumberColumn(format="%.4g"),
                                "test loss": st.column_config.NumberColumn(format="%.4g"),
                                "train accuracy": st.column_config.NumberColumn(format="percent"),
                                "test accuracy": st.column_config.NumberColumn(format="percent")})
    st.caption("Losses and accuracies in the table use each run's final weights (after its last update); "
               "the curves show every epoch's loss before its update, as the course prints them. "
               "The course's test set has only class-2 samples, so test accuracy is all or nothing.")
    st.button("Clear runs", icon=":material/delete:", on_click=lab.clear_runs, key="tr_clear")


def sgd_step_section(lab: TrainingLab) -> None:
    """The next SGD step for the current weights, with every intermediate number."""
    section = st.expander("One SGD step, taken apart", icon=":material/calculate:", key="tr_sgd_step",
                          on_change="rerun")
    if not section.open:  # computed only for a student who opened it
        return
    with section:
        step = lab.step_breakdown()
        if lab.playing:
            st.caption("Training is playing: this shows the weights when the page last fully ran. Pause to inspect.")
        st.markdown(
            f"For the weights at epoch {lab.trainer.epoch}: logits $z = xW + b$, probabilities "
            f"$p = \\mathrm{{softmax}}(z)$, loss $L = -\\frac{{1}}{{N}}\\sum \\log p_y = {step.loss:.6g}$. "
            "The gradient of the loss with respect to the logits is $p - y$ (one-hot $y$), so "
            "$\\partial L/\\partial W = x^\\top (p - y)/N$ and $\\partial L/\\partial b$ is the mean of $p - y$.")
        st.table(samples_frame(step))
        decay = f" + {step.l2:g}\\,W" if step.l2 else ""
        st.markdown(f"Update with lr = {step.lr:.3g}: $W \\leftarrow W - \\mathrm{{lr}}\\,"
                    f"(\\partial L/\\partial W{decay})$, likewise for $b$.")
        st.table(weights_frame(step).map(lambda v: f"{v:.6g}"))


@st.cache_data(max_entries=16, show_spinner=False)
def low_level_losses(epochs: int, lr: float) -> tuple[list[float], list[float]]:
    """The by-hand loop's losses and ``F.cross_entropy`` at the same weights (cached per epochs and lr)."""
    records = train_low_level(epochs=epochs, lr=lr)
    return [r.loss for r in records], [r.metrics["cross_entropy"] for r in records]


def low_level_section(config: LabConfig, log_y: bool) -> None:
    """The course's training "by hand" (4 features, zero init, one-hot loss) at the current lr."""
    section = st.expander("The same thing by hand (low-level)", icon=":material/handyman:", key="tr_low_level_open",
                          on_change="rerun")
    if not section.open:  # trains every epoch again: only for a student who opened it
        return
    with section:
        st.markdown("`W = torch.zeros((4, 3), requires_grad=True)`, `b = torch.zeros(1, requires_grad=True)`, "
                    "`optimizer = optim.SGD([W, b], lr)`, loss `(y_one_hot * -torch.log(F.softmax(x @ W + b, "
                    f"dim=1))).sum(dim=1).mean()`, run for `range({config.epochs} + 1)` at lr = {config.lr:.3g}.")
        hand, reference = low_level_losses(config.epochs, config.lr)
        finite = [abs(a - b) for a, b in zip(hand, reference) if math.isfinite(a) and math.isfinite(b)]
        st.plotly_chart(low_level_figure(hand, reference, log_y=log_y), key="tr_low_level")
        st.caption(f"Largest difference from F.cross_entropy over {len(finite)} finite steps: "
                   f"{max(finite, default=0.0):.2e}." + ("" if len(finite) == len(hand) else
                   " The hand-written loss hit log(0) and stopped: F.cross_entropy uses a stable log-softmax."))


def main() -> None:
    """Lay out the page: settings, controls, live view (a fragment while playing), comparison, details."""
    require_navigation_frame()
    st.title("Training lab")
    st.caption("Train the course's softmax classifier (3 features, 3 classes, 8 samples) with plain SGD. "
               "Overshoot explodes, Stall never moves, Good falls smoothly; every run of a seed starts "
               "from the same initial weights.")
    for warning in seed_state_from_url(PAGE_ID, SPECS, WIDGETS):
        st.warning(warning)
    config, log_y = settings_section()
    lab = get_lab()
    lab.configure(config)
    controls_section(lab)
    pace_play(lab, full_run=True)
    st.session_state[FULL_RUN_KEY] = True  # live_view draws at once in a full run; only timer ticks wait
    st.fragment(run_every=lab.tick_seconds if lab.playing else None)(live_view)(lab, log_y)
    comparison_section(lab, log_y)
    sgd_step_section(lab)
    low_level_section(config, log_y)


main()
