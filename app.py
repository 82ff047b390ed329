"""Softmax Playground: the navigation frame. Run with ``streamlit run app.py``."""
from __future__ import annotations

import gc
import threading

import streamlit as st


def _import_heavy_libraries() -> None:
    """Import, in the order the pages need them: the explorer's pandas first, then plotly, torch last."""
    import pandas  # noqa: F401
    import plotly.graph_objects as go

    go.Figure(go.Bar(x=[0], y=[0])).to_json()  # Plotly loads its validators on the first figure
    import playground.softmax  # noqa: F401
    from playground.lazy_torch import torch_if_loaded

    torch_if_loaded(wait=None)  # the one background import of torch, which the explorer also waits on
    from playground.threads import use_one_thread

    use_one_thread()  # many students share a small CPU: each op gets one thread, not a fight over OpenMP workers
    import playground.training  # noqa: F401

    _rehearse_a_drawing()
    _rehearse_a_training_step()
    _freeze_long_lived_objects()


def _rehearse_a_drawing() -> None:
    """Run one synthetic stroke through the digit path, so the first student's prediction finds every
    kernel and code path warm. The page loads (and explains) the real model itself."""
    import numpy as np

    from playground import digits as dg
    from playground import digits_page as dp
    from playground.plots import digits as plots

    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[60:220, 130:150, :3] = 255  # a "1"
    try:
        model = dg.load_model("cnn")
    except dg.ModelFileError:
        return
    form = dg.preprocess(canvas)
    logits = dp.drawing_logits(form, model)
    probs = dg.probabilities(logits)
    verdict = dp.read_verdict(probs)
    plots.probability_bars(probs, verdict.top, verdict.runner_up)
    dp.logits_table(logits, 1.0)
    dp.pixel_grid(form)


def _rehearse_a_training_step() -> None:
    """Record the Training lab's default run. The first optimizer a process builds imports torch._dynamo
    (seconds of CPU, holding the GIL), which would otherwise stall every session on the server when
    the first student presses Play."""
    from playground.training_lab import LabConfig, TrainingLab, lab_data, run_key
    from playground.training_run import player_payload, record_run

    player_payload(record_run(run_key(LabConfig())), lab_data(False).y_train.tolist())
    TrainingLab().step_breakdown()


def _freeze_long_lived_objects() -> None:
    """Exempt what the imports and rehearsals left alive from the cyclic GC: otherwise every full collection
    rescans them all while holding the GIL, a stall for every student (figures in the README). Only the young
    generations are collected first, so the first page is not held up by a full collection."""
    gc.collect(1)
    gc.freeze()


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Once per server: import torch, pandas and plotly in the background while the first page renders."""
    thread = threading.Thread(target=_import_heavy_libraries, name="warm-up", daemon=True)
    thread.start()
    return thread



def overview() -> None:
    """Landing page: what softmax classification is, and a card per page."""
    st.title("Softmax Playground")
    st.markdown(
        "A **softmax classifier** turns a vector of scores (*logits*) into probabilities "
        "that are positive and sum to 1: $p_i = e^{z_i} / \\sum_j e^{z_j}$. It is trained by "
        "minimising the **cross-entropy** $-\\log p_y$ of the true class $y$, whose gradient "
        "with respect to the logits is simply $p - \\text{onehot}(y)$. "
        "Each page lets you touch one part of that story."
    )
    cards = [
        ("pages/softmax.py", "Softmax explorer", ":material/bar_chart:",
         "Type logits and watch softmax, sigmoid, temperature, overflow and the cross-entropy gradient."),
        ("pages/training.py", "Training lab", ":material/model_training:",
         "Train the course's 3-feature classifier live; see a learning rate overshoot, stall or converge."),
        ("pages/digits.py", "Digit canvas", ":material/draw:",
         "Draw a digit and watch an MNIST model's ten probabilities change as you draw."),
    ]
    for column, (path, label, icon, blurb) in zip(st.columns(len(cards)), cards):
        with column.container(border=True):
            st.page_link(path, label=label, icon=icon)
            st.caption(blurb)


def run() -> None:
    """Build the navigation and run the selected page."""
    st.set_page_config(page_title="Softmax Playground", page_icon=":material/functions:", layout="wide")
    warm_up()
    pages = [
        st.Page(overview, title="Overview", icon=":material/home:", default=True),
        st.Page("pages/softmax.py", title="Softmax explorer", icon=":material/bar_chart:", url_path="softmax"),
        st.Page("pages/training.py", title="Training lab", icon=":material/model_training:", url_path="training"),
        st.Page("pages/digits.py", title="Digit canvas", icon=":material/draw:", url_path="digits"),
    ]
    st.navigation(pages).run()


if __name__ == "__main__":
    run()
