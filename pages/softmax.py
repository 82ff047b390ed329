"""Softmax explorer: type logits, see softmax next to sigmoid, temperature, shift, overflow and the loss."""
from __future__ import annotations

import numpy as np
import streamlit as st

import playground.parsing as parsing
import playground.softmax as sm
import playground.tables as tables
from pages._chart import show_chart
from pages._class_names import NAMES_KEY, class_names_editor
from pages._explorer_inputs import (logits_input, OVERFLOW_BUTTON, SHIFT_KEY, T_KEY, temperature_and_shift,
                                    TEXT_KEY)
from pages._navigation import require_navigation_frame
from pages._pytorch_loss import pytorch_loss
from pages._url import seed_state_from_url, write_state_to_url
from playground.i18n import N_, _
from playground.markdown import escape_markdown
from playground.plots.softmax import gradient_bars, probability_bars, temperature_sweep
from playground.urlstate import ParamSpec, bounded_int

PAGE_ID = "softmax"
TARGET_KEY = "softmax_target"
NAIVE_FAILURES = {"overflow": N_("softmax.naive_overflowed"), "underflow": N_("softmax.naive_underflowed")}
URL_SPECS = [
    ParamSpec("logits", parsing.DEFAULT_LOGITS_TEXT, parsing.parse_logits_text, parsing.compact_logits_text),
    ParamSpec("T", 1.0, parsing.parse_temperature, parsing.format_number),
    ParamSpec("shift", 0.0, parsing.parse_shift, parsing.format_number),
    ParamSpec("target", 0, bounded_int(0, parsing.MAX_LOGITS - 1)),
    ParamSpec("classes", [], parsing.parse_class_names, parsing.format_class_names),
]
WIDGET_KEYS = {"logits": TEXT_KEY, "T": T_KEY, "shift": SHIFT_KEY, "target": TARGET_KEY, "classes": NAMES_KEY}


def probabilities_section(z: np.ndarray, names: list[str]) -> None:
    """Main chart: softmax probabilities next to the sigmoid of each logit, with both sums."""
    p, s = sm.softmax(z), sm.sigmoid(z)
    total_soft, total_sig, top = st.columns(3)
    total_soft.metric(_("softmax sum"), f"{p.sum():.4f}", border=True)
    total_sig.metric(_("sigmoid sum"), f"{s.sum():.4f}", border=True)
    top.metric(_("argmax"), escape_markdown(names[int(np.argmax(p))]), border=True)
    show_chart(probability_bars(names, p, s), "softmax_bars")
    st.caption(_("softmax.softmax_or_sigmoid"))


def temperature_section(z_shifted: np.ndarray, names: list[str], temperature: float) -> None:
    """How T reshapes the probabilities while the argmax stays put."""
    st.subheader(_("Temperature: same winner, different confidence"))
    chart, notes = st.columns([2, 1], gap="large")
    show_chart(temperature_sweep(z_shifted, names, temperature), "softmax_sweep", chart)
    p_now, p_one = sm.softmax(z_shifted, temperature), sm.softmax(z_shifted)
    change = p_now.max() - p_one.max()
    notes.metric(_("top probability at T = {temperature:g}").format(temperature=temperature), f"{p_now.max():.4f}",
                 delta=_("{change:+.4f} vs T = 1").format(change=change), delta_color="off",
                 delta_arrow="auto" if abs(change) >= 5e-5 else "off")
    winner = escape_markdown(names[int(np.argmax(p_now))])
    notes.markdown(_("softmax.temperature_keeps_argmax").format(name=winner, n=len(names), uniform=1 / len(names)))


def shift_section(z: np.ndarray, temperature: float, shift: float) -> None:
    """Adding c to every logit leaves softmax unchanged but moves every sigmoid."""
    st.subheader(_("Shift invariance: softmax(z + c) = softmax(z)"))
    base, moved = sm.effective_logits(z, temperature), sm.effective_logits(z, temperature, shift)
    soft_move = np.abs(sm.softmax(moved) - sm.softmax(base)).max()
    sig_move = np.abs(sm.sigmoid(moved) - sm.sigmoid(base)).max()
    left, right, why = st.columns([1, 1, 2])
    left.metric(_("softmax change"), f"{soft_move:.1e}", border=True, help=_("Largest change of any p_i"))
    right.metric(_("sigmoid change"), f"{sig_move:.4f}", border=True, help=_("Largest change of any σ(z_i)"))
    formula = "$e^{z_i + c} / \\sum_j e^{z_j + c} = e^{c} e^{z_i} / (e^{c} \\sum_j e^{z_j})$"
    why.markdown(_("softmax.shift_cancels").format(shift=shift, formula=formula))


def steps_section(z: np.ndarray, names: list[str]) -> None:
    """Stable softmax taken apart with the real numbers (names escaped: ``st.table`` cells render Markdown)."""
    st.subheader(_("Step by step: z → z − max → e^(z − max) → sum → p"))
    # hide_index given, as in the next table: else st.table rebuilds a pandas frame only to look for an index
    st.table(tables.as_text(tables.softmax_steps(z, [escape_markdown(n) for n in names]),
                            {"z": ".6g", "z − max": ".6g", "e^(z − max)": ".6g", "p = e^(z − max) / sum": ".4f"}),
             hide_index=True)


def stability_section(z: np.ndarray, names: list[str]) -> None:
    """Naive exp(z)/sum(exp(z)) next to the stable version; large logits break the naive one."""
    st.subheader(_("Stable vs naive softmax"))
    st.table(tables.as_text(tables.naive_vs_stable(z, [escape_markdown(n) for n in names]),
                            {"z": ".6g", "e^z": ".6g", "naive e^z / Σ e^z": ".6g", "stable softmax": ".4f"},
                            blank_nan=False), hide_index=True)
    failure = sm.naive_failure(z)
    if failure in NAIVE_FAILURES:
        st.info(_(NAIVE_FAILURES[failure]), icon=":material/bolt:")
    else:
        st.success(_("Both agree here. Press *{button}* to see the naive version break.").format(
            button=_(OVERFLOW_BUTTON)), icon=":material/check:")


def loss_section(z: np.ndarray, names: list[str]) -> int:
    """Pick the true class; show −log p_y, torch's F.cross_entropy and the gradient p − y."""
    st.subheader(_("Loss: cross-entropy and its gradient"))
    n = len(names)
    if st.session_state.get(TARGET_KEY, 0) >= n:
        st.warning(_("softmax.target_out_of_range").format(target=st.session_state[TARGET_KEY], n=n))
        st.session_state[TARGET_KEY] = 0
    left, right = st.columns([1, 2], gap="large")
    target = left.selectbox(_("True class y"), list(range(n)), key=TARGET_KEY,
                            format_func=lambda i: f"{i}: {names[i]}")
    ours = sm.cross_entropy(z, target)
    left.metric(_("−log p_y (NumPy, via log-softmax)"), parsing.format_fixed(ours), border=True)
    pytorch_loss(left, z, target, ours)
    if sm.softmax(z)[target] == 0.0:
        left.caption(_("softmax.log_softmax_keeps_finite"))
    show_chart(gradient_bars(names, sm.cross_entropy_gradient(z, target), target), "softmax_gradient", right)
    right.caption(_("softmax.gradient_caption"))
    return target


def identity_section(first_logit: float) -> None:
    """With two classes [z, 0], softmax is exactly the sigmoid of z."""
    st.subheader(_("Two classes: softmax([z, 0])[0] = σ(z)"))
    soft, sig = sm.two_class_identity(first_logit)
    z_text = parsing.format_number(first_logit)
    st.markdown(_("softmax.two_classes_example").format(z=z_text, soft=soft, sig=sig, difference=abs(soft - sig)))
    st.latex(r"\frac{e^{z}}{e^{z} + e^{0}} = \frac{1}{1 + e^{-z}} = \sigma(z)")


require_navigation_frame()
url_warnings = seed_state_from_url(PAGE_ID, URL_SPECS, WIDGET_KEYS)
st.title(_("Softmax explorer"))
st.caption(_("softmax.intro"))
for warning in url_warnings:
    st.warning(warning, icon=":material/link_off:")
inputs, main = st.columns([1, 2], gap="large")
with inputs:
    logits = logits_input()
    temperature, shift = temperature_and_shift()
    class_names = class_names_editor(len(logits))
used_logits = sm.effective_logits(logits, temperature, shift)
with main:
    probabilities_section(used_logits, class_names)
temperature_section(logits + shift, class_names, temperature)
shift_section(logits, temperature, shift)
steps_section(used_logits, class_names)
stability_section(used_logits, class_names)
true_class = loss_section(used_logits, class_names)
identity_section(float(logits[0]))
write_state_to_url(PAGE_ID, URL_SPECS, {"logits": parsing.format_logits(logits), "T": temperature, "shift": shift,
                                        "target": true_class, "classes": class_names})
