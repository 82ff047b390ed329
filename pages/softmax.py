"""Softmax explorer: type logits, see softmax next to sigmoid, temperature, shift, overflow and the loss."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pages._ui import require_navigation_frame, seed_state_from_url, show_chart, write_state_to_url
import playground.softmax as sm
import playground.parsing as parsing
import playground.tables as tables
from playground.markdown import escape_markdown
from playground.plots.softmax import gradient_bars, probability_bars, temperature_sweep
from playground.urlstate import ParamSpec, bounded_int

PAGE_ID = "softmax"
TEXT_KEY, T_KEY, SHIFT_KEY = "softmax_logits_text", "softmax_T", "softmax_shift"
TARGET_KEY, NAMES_KEY = "softmax_target", "softmax_class_names"
LAST_GOOD_KEY = "softmax_last_good_logits"
EDITOR_NAMES_KEY, EDITOR_VERSION_KEY = "_softmax_editor_names", "_softmax_editor_version"
URL_SPECS = [
    ParamSpec("logits", parsing.DEFAULT_LOGITS_TEXT, parsing.parse_logits_text, parsing.compact_logits_text),
    ParamSpec("T", 1.0, parsing.parse_temperature, parsing.format_number),
    ParamSpec("shift", 0.0, parsing.parse_shift, parsing.format_number),
    ParamSpec("target", 0, bounded_int(0, parsing.MAX_LOGITS - 1)),
    ParamSpec("classes", [], parsing.parse_class_names, parsing.format_class_names),
]
WIDGET_KEYS = {"logits": TEXT_KEY, "T": T_KEY, "shift": SHIFT_KEY, "target": TARGET_KEY, "classes": NAMES_KEY}


def init_state() -> list[str]:
    """Seed the widgets from the URL (a shared link or a hand-off), then fill in the defaults."""
    warnings = seed_state_from_url(PAGE_ID, URL_SPECS, WIDGET_KEYS)
    for spec in URL_SPECS:
        st.session_state.setdefault(WIDGET_KEYS[spec.key], spec.default)
    return warnings


def _set_logits_text(text: str) -> None:
    """Button callback: put an example into the logits box before the next run draws it."""
    st.session_state[TEXT_KEY] = text


def logits_input() -> np.ndarray:
    """Text box for the logits; bad input shows what to fix and the last good logits stay in use."""
    text = st.text_area("Logits z (separate with commas, spaces or new lines)", key=TEXT_KEY, height=90,
                        persist_state="session", help=f"{parsing.MIN_LOGITS} to {parsing.MAX_LOGITS} numbers.")
    st.button("Course example: 1, 2, 3", on_click=_set_logits_text, args=(parsing.DEFAULT_LOGITS_TEXT,),
              width="stretch", icon=":material/school:")
    st.button("Overflow: 1000, 0, -1000", on_click=_set_logits_text, args=(parsing.OVERFLOW_EXAMPLE_TEXT,),
              width="stretch", icon=":material/bolt:")
    try:
        logits = parsing.parse_logits(text)
        st.session_state[LAST_GOOD_KEY] = logits
    except ValueError as err:
        logits = st.session_state.get(LAST_GOOD_KEY) or parsing.parse_logits(parsing.DEFAULT_LOGITS_TEXT)
        st.error(f"{escape_markdown(err)}  \nThe charts keep the last valid logits: {parsing.format_logits(logits)}.",
                 icon=":material/error:")
    return np.array(logits, dtype=np.float64)


def temperature_and_shift() -> tuple[float, float]:
    """Log-scale temperature slider and the constant shift c added to every logit."""
    temperature = st.select_slider("Temperature T (log scale)", options=parsing.TEMPERATURE_OPTIONS, key=T_KEY,
                                   format_func=parsing.format_number,
                                   help="Every logit is divided by T before softmax: p = softmax(z / T).")
    shift = st.slider("Shift c added to every logit", -parsing.SHIFT_LIMIT, parsing.SHIFT_LIMIT, step=parsing.SHIFT_STEP,
                      key=SHIFT_KEY)
    return float(temperature), float(shift)


def class_names_editor(n: int) -> list[str]:
    """Editable class names; names that arrive from outside (URL, hand-off) start a fresh editor."""
    stored = st.session_state.get(NAMES_KEY) or []
    names = parsing.class_names_for(stored, n)
    if stored and len(stored) != n:
        st.caption(f"{len(stored)} class names do not fit {n} logits, so the default names are used.")
    if names != st.session_state.get(EDITOR_NAMES_KEY):
        st.session_state[EDITOR_VERSION_KEY] = st.session_state.get(EDITOR_VERSION_KEY, 0) + 1
    st.caption("Class names (click a cell to rename; the row number is the class index)")
    edited = st.data_editor(
        pd.DataFrame({"class name": names}), key=f"softmax_classes_v{st.session_state[EDITOR_VERSION_KEY]}",
        num_rows="fixed", width="stretch",
        column_config={"class name": st.column_config.TextColumn(
            max_chars=parsing.MAX_CLASS_NAME_CHARS, required=True, validate=r"^[^,]+$",
            help="Rename a class (no commas).")},
    )
    names = parsing.class_names_for(list(edited["class name"]), n)
    st.session_state[NAMES_KEY] = st.session_state[EDITOR_NAMES_KEY] = names
    return names


def probabilities_section(z: np.ndarray, names: list[str]) -> None:
    """Main chart: softmax probabilities next to the sigmoid of each logit, with both sums."""
    p, s = sm.softmax(z), sm.sigmoid(z)
    total_soft, total_sig, top = st.columns(3)
    total_soft.metric("softmax sum", f"{p.sum():.4f}", border=True)
    total_sig.metric("sigmoid sum", f"{s.sum():.4f}", border=True)
    top.metric("argmax", escape_markdown(names[int(np.argmax(p))]), border=True)
    show_chart(probability_bars(names, p, s), "softmax_bars")
    st.caption(
        "**Softmax** when exactly one of several classes is true (multi-class: digits, species): the "
        "probabilities compete and always sum to 1. **Sigmoid** for independent yes/no questions "
        "(binary or multi-label: *has a cat*, *has a dog*): each logit is squashed alone, so the sum can "
        "be anything from 0 to n."
    )


def temperature_section(z_shifted: np.ndarray, names: list[str], temperature: float) -> None:
    """How T reshapes the probabilities while the argmax stays put."""
    st.subheader("Temperature: same winner, different confidence")
    chart, notes = st.columns([2, 1], gap="large")
    show_chart(temperature_sweep(z_shifted, names, temperature), "softmax_sweep", chart)
    p_now, p_one = sm.softmax(z_shifted, temperature), sm.softmax(z_shifted)
    change = p_now.max() - p_one.max()
    notes.metric(f"top probability at T = {temperature:g}", f"{p_now.max():.4f}", delta=f"{change:+.4f} vs T = 1",
                 delta_color="off", delta_arrow="auto" if abs(change) >= 5e-5 else "off")
    notes.markdown(
        f"Dividing every logit by the same T > 0 keeps their order, so the **argmax stays "
        f"{escape_markdown(names[int(np.argmax(p_now))])}** at every temperature. Small T sharpens towards "
        f"one-hot; large T flattens towards uniform (1/{len(names)} = {1 / len(names):.4f})."
    )


def shift_section(z: np.ndarray, temperature: float, shift: float) -> None:
    """Adding c to every logit leaves softmax unchanged but moves every sigmoid."""
    st.subheader("Shift invariance: softmax(z + c) = softmax(z)")
    base, moved = sm.effective_logits(z, temperature), sm.effective_logits(z, temperature, shift)
    soft_move = np.abs(sm.softmax(moved) - sm.softmax(base)).max()
    sig_move = np.abs(sm.sigmoid(moved) - sm.sigmoid(base)).max()
    left, right, why = st.columns([1, 1, 2])
    left.metric("softmax change", f"{soft_move:.1e}", border=True, help="Largest change of any p_i")
    right.metric("sigmoid change", f"{sig_move:.4f}", border=True, help="Largest change of any σ(z_i)")
    why.markdown(
        "$e^{z_i + c} / \\sum_j e^{z_j + c} = e^{c} e^{z_i} / (e^{c} \\sum_j e^{z_j})$: the $e^c$ cancels, so only "
        "differences between logits matter. Sigmoid looks at each logit alone, so it moves. "
        f"The numbers compare c = {shift:g} with c = 0: drag the shift slider to see it."
    )


def _table_names(names: list[str]) -> list[str]:
    """Class names for ``st.table``, whose cells render Markdown."""
    return [escape_markdown(name) for name in names]


def steps_section(z: np.ndarray, names: list[str]) -> None:
    """Stable softmax taken apart with the real numbers."""
    st.subheader("Step by step: z → z − max → e^(z − max) → sum → p")
    # hide_index given, as in the next table: else st.table rebuilds a pandas frame only to look for an index
    st.table(tables.as_text(tables.softmax_steps(z, _table_names(names)),
                        {"z": ".6g", "z − max": ".6g", "e^(z − max)": ".6g", "p = e^(z − max) / sum": ".4f"}),
             hide_index=True)


def stability_section(z: np.ndarray, names: list[str]) -> None:
    """Naive exp(z)/sum(exp(z)) next to the stable version; large logits break the naive one."""
    st.subheader("Stable vs naive softmax")
    st.table(tables.as_text(tables.naive_vs_stable(z, _table_names(names)),
                        {"z": ".6g", "e^z": ".6g", "naive e^z / Σ e^z": ".6g", "stable softmax": ".4f"},
                        blank_nan=False), hide_index=True)
    failure = sm.naive_failure(z)
    if failure == "overflow":
        st.info("Naive softmax **overflowed**: e^z is inf in float64 once z > 709.78, so it computes "
                "inf / inf = nan. Subtracting the max first makes every exponent ≤ 0, so the stable result "
                "is correct.", icon=":material/bolt:")
    elif failure == "underflow":
        st.info("Naive softmax **underflowed**: every e^z rounds to 0 once z < −745, so it computes 0 / 0 = nan. "
                "Subtracting the max first gives the largest logit e^0 = 1, so the stable result is correct.",
                icon=":material/bolt:")
    else:
        st.success("Both agree here. Press *Overflow: 1000, 0, -1000* to see the naive version break.",
                   icon=":material/check:")


def pytorch_loss(column, ours: float, torch_loss: float | None) -> None:
    """PyTorch's F.cross_entropy next to ours, or a stand-in while torch is still loading."""
    if torch_loss is None:
        with column:
            pytorch_still_loading()
        return
    column.metric("F.cross_entropy (PyTorch)", parsing.format_fixed(torch_loss), border=True)
    column.caption(f"Difference: {abs(ours - torch_loss):.1e}. The loss is computed on the logits the charts "
                   "use, (z + c) / T.")


@st.fragment(run_every=2.0)
def pytorch_still_loading() -> None:
    """Stands in for PyTorch's loss while a freshly started server imports torch; reruns the page once it has."""
    try:
        loaded = sm.torch_cross_entropy_if_loaded([0.0], 0, wait=0.0) is not None
    except ImportError:
        loaded = True  # the page's full run shows the error
    if loaded:
        st.rerun()
    st.metric("F.cross_entropy (PyTorch)", "loading…", border=True)
    st.caption("PyTorch is still loading on this freshly started server; its value appears in a moment.")


def loss_section(z: np.ndarray, names: list[str]) -> int:
    """Pick the true class; show −log p_y, torch's F.cross_entropy and the gradient p − y."""
    st.subheader("Loss: cross-entropy and its gradient")
    n = len(names)
    if st.session_state.get(TARGET_KEY, 0) >= n:
        st.warning(f"True class {st.session_state[TARGET_KEY]} does not exist with {n} logits; "
                   "using class 0 instead.")
        st.session_state[TARGET_KEY] = 0
    left, right = st.columns([1, 2], gap="large")
    target = left.selectbox("True class y", list(range(n)), key=TARGET_KEY,
                            format_func=lambda i: f"{i}: {names[i]}")
    ours = sm.cross_entropy(z, target)
    left.metric("−log p_y (NumPy, via log-softmax)", parsing.format_fixed(ours), border=True)
    try:
        torch_loss = sm.torch_cross_entropy_if_loaded(z, target)
    except ImportError as err:
        left.error(f"{err}. Reinstall the app's requirements: pip install -r requirements.txt")
    else:
        pytorch_loss(left, ours, torch_loss)
    if sm.softmax(z)[target] == 0.0:
        left.caption("p_y rounds to 0 in float64, so log(p_y) would be −inf; log-softmax keeps the loss finite, "
                     "as PyTorch does.")
    show_chart(gradient_bars(names, sm.cross_entropy_gradient(z, target), target), "softmax_gradient", right)
    right.caption("∂L/∂z = p − onehot(y): the true class (red) gets p_y − 1 < 0, so gradient descent raises "
                  "its logit; every other class gets +p_i and is pushed down.")
    return target


def identity_section(first_logit: float) -> None:
    """With two classes [z, 0], softmax is exactly the sigmoid of z."""
    st.subheader("Two classes: softmax([z, 0])[0] = σ(z)")
    soft, sig = sm.two_class_identity(first_logit)
    z_text = parsing.format_number(first_logit)
    st.markdown(f"For your first logit z = {z_text}: softmax([{z_text}, 0])[0] = **{soft:.6f}** and "
                f"σ({z_text}) = **{sig:.6f}** (difference {abs(soft - sig):.1e}).")
    st.latex(r"\frac{e^{z}}{e^{z} + e^{0}} = \frac{1}{1 + e^{-z}} = \sigma(z)")


require_navigation_frame()
url_warnings = init_state()
st.title("Softmax explorer")
st.caption("Type logits and watch softmax turn them into probabilities. Everything below uses the logits "
           "(z + c) / T, so the temperature and shift sliders change every section.")
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
