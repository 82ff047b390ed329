"""Training lab: train the course's softmax classifier live and watch the learning rate matter."""
from __future__ import annotations

import math

import streamlit as st

from pages._language import fragment
from pages._navigation import require_navigation_frame
from pages._run_player import player_value, run_player
from pages._training_details import LOW_LEVEL_KEY, low_level_section, SGD_STEP_KEY, sgd_step_section
from pages._url import seed_state_from_url, write_state_to_url
from playground.plots.training import comparison_figure
from playground.i18n import _
from playground.training.lab import EPOCHS_DEFAULT, EPOCHS_MAX, L2_STRENGTH, LabConfig, TrainingLab
from playground.training.learning_rate import (check_learning_rate, format_lr, LR_DEFAULT, LR_MAX, LR_MIN,
                                               parse_learning_rate, PRESETS, round_learning_rate)
from playground.training.run import player_payload
from playground.urlstate import ParamSpec, boolean, bounded_int, format_boolean

PAGE_ID = "training"
LAB_KEY, PLAYER_KEY = "training_lab", "tr_player"
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
    return st.session_state.get(LAB_KEY) or st.session_state.setdefault(LAB_KEY, TrainingLab())


def on_position() -> None:
    """The player reported its playhead (Pause, Step, a scrub's end, the run's end, the lr grabbed)."""
    get_lab().report(player_value(PLAYER_KEY, "position"))


def on_answer() -> None:
    """The player answered the lab's ask (the lr changed mid-run) with its playhead, moved or not."""
    get_lab().report(player_value(PLAYER_KEY, "answer"))


def on_request() -> None:
    """The player asked for a run (Play, Step or Reset with none loaded)."""
    if (action := player_value(PLAYER_KEY, "request")) is not None:
        get_lab().request(action)


def set_preset(lr: float) -> None:
    """Preset button callback: move the log-lr slider to ``lr``."""
    st.session_state[WIDGETS["lr"]] = math.log10(lr)


def settings_section() -> tuple[LabConfig, bool]:
    """Learning rate (log slider + presets), epochs, seed and the course tips; returns the config and log-y."""
    left, right = st.columns([3, 2])
    with left:
        exponent = st.slider(_("Learning rate, log₁₀ scale (1e-10 to 1e5)"), math.log10(LR_MIN),
                             math.log10(LR_MAX), step=0.1, format="10^%.1f", key=WIDGETS["lr"])
        lr, problem = check_learning_rate(round_learning_rate(10 ** exponent))
        if problem:
            st.warning(problem)
        st.markdown(_("Learning rate **lr = {lr}**").format(lr=format_lr(lr)))
        presets = st.columns(len(PRESETS))
        for column, (name, value) in zip(presets, PRESETS.items()):
            column.button(f"{_(name)} ({format_lr(value)})", key=f"tr_preset_{name}", on_click=set_preset,
                          args=(value,), width="stretch")
    with right:
        numbers = st.columns(2)
        epochs = numbers[0].number_input(_("Epochs"), 1, EPOCHS_MAX, step=10, key=WIDGETS["epochs"])
        seed = numbers[1].number_input(_("Seed (initial weights)"), 0, 2**31 - 1, step=1, key=WIDGETS["seed"])
        norm = st.toggle(_("Standardise features"), key=WIDGETS["norm"],
                         help=_("Scale each feature by the training mean and std (course tip)."))
        l2 = st.toggle(_("L2 penalty (weight decay {strength:g})").format(strength=L2_STRENGTH), key=WIDGETS["l2"],
                       help=_("SGD weight decay: adds {strength:g}·w to each gradient (course tip).").format(
                           strength=L2_STRENGTH))
        log_y = st.toggle(_("Log y-axis for loss charts"), value=True, key="tr_log_y")
    write_state_to_url(PAGE_ID, SPECS, {"lr": exponent, "epochs": epochs, "seed": seed, "norm": norm, "l2": l2})
    return LabConfig(lr=lr, epochs=int(epochs), seed=int(seed), standardized=norm, l2=l2), log_y


def rest_of_page(lab: TrainingLab) -> tuple:
    """What the sections below the player show of the lab: the finished runs, and the playhead if a detail is open."""
    details_open = st.session_state.get(SGD_STEP_KEY) or st.session_state.get(LOW_LEVEL_KEY)
    return tuple((run.run_id, run.segments) for run in lab.runs), lab.playhead if details_open else None


@fragment
def player_section(lab: TrainingLab, log_y: bool, shown: tuple) -> None:
    """The run player and its verdict: a player's request reruns only this, unless the page below must change."""
    if rest_of_page(lab) != shown:  # a run ended (Runs compared) or an open detail follows the playhead
        st.rerun(scope="app")
    targets = lab.data.y_train.tolist()
    run = None if lab.run is None else player_payload(lab.run, targets)
    run_player({"run": run, "load": lab.load, "intent": lab.intent, "position": lab.start, "ask": lab.asking,
                "epochs": lab.config.epochs, "log_y": log_y, "targets": targets, "classes": 3},
               key=PLAYER_KEY, on_position=on_position, on_answer=on_answer, on_request=on_request)
    if lab.refused:
        st.warning(lab.refused)
    if lab.run is not None:
        verdict = lab.verdict()
        where = _("End of the run: **{title}.** {explanation}") if lab.playhead == lab.run.last else _(
            "So far (epoch {epoch}): **{title}.** {explanation}")
        BANNERS[verdict.kind](where.format(epoch=lab.playhead, title=verdict.title, explanation=verdict.explanation))


def comparison_section(lab: TrainingLab, log_y: bool) -> None:
    """Finished runs overlaid on one chart, a table of their results, and a Clear button."""
    st.subheader(_("Runs compared"))
    if not lab.runs:
        st.caption(_("Finished runs appear here. Try the three presets one after another."))
        return
    with st.container(key="tr_comparison"):
        st.plotly_chart(comparison_figure([(r.label, r.losses) for r in lab.runs], log_y=log_y),
                        key="tr_compare_chart", config={"displayModeBar": False})
    st.dataframe(lab.runs_table(), hide_index=True, key="tr_runs_table",
                 column_config={"lr": st.column_config.NumberColumn(format="%.3g"),
                                **{_(name): st.column_config.NumberColumn(format="percent" if "acc" in name else "%.4g")
                                   for name in ("train loss", "test loss", "train accuracy", "test accuracy")}})
    st.caption(_("training.comparison_caption"))
    st.button(_("Clear runs"), icon=":material/delete:", on_click=lab.clear_runs, key="tr_clear")


def main() -> None:
    """Lay out the page: settings, the run player, comparison, details."""
    require_navigation_frame()
    st.title(_("Training lab"))
    st.caption(_("training.intro"))
    for warning in seed_state_from_url(PAGE_ID, SPECS, WIDGETS):
        st.warning(warning)
    config, log_y = settings_section()
    lab = get_lab()
    lab.configure(config)
    player_section(lab, log_y, rest_of_page(lab))
    comparison_section(lab, log_y)
    sgd_step_section(lab)
    low_level_section(lab, log_y)


main()
