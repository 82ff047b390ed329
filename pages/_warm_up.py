"""The server's warm-up: once per process, import the heavy libraries and rehearse each page's first request in
the background, so the first student's page is not the one that pays for it."""
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
    from playground.torch_runtime import torch_if_loaded, use_one_thread

    torch_if_loaded(wait=None)  # the one background import of torch, which the explorer also waits on
    use_one_thread()  # many students share a small CPU: each op gets one thread, not a fight over OpenMP workers
    import playground.training  # noqa: F401

    _rehearse_a_drawing()
    _rehearse_a_training_step()
    _freeze_long_lived_objects()


def _rehearse_a_drawing() -> None:
    """Run one synthetic stroke through the digit path, so the first student's prediction finds every
    kernel and code path warm. The page loads (and explains) the real model itself."""
    import numpy as np

    from playground.digits import load_model
    from playground.digits.explain import logits_table
    from playground.digits.images import pixel_grid
    from playground.digits.reading import classify, rule_from_card
    from playground.digits.weights import load_card, ModelFileError
    from playground.plots import digits as plots

    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[60:220, 130:150, :3] = 255  # a "1"
    try:
        model, rule = load_model("cnn"), rule_from_card(load_card("cnn"))
    except ModelFileError:
        return
    reading = classify(canvas, model, rule)
    plots.probability_bars(reading.probabilities, *reading.top_two)
    logits_table(reading.logits, 1.0)
    pixel_grid(reading.form)


def _rehearse_a_training_step() -> None:
    """Record the Training lab's default run. The first optimizer a process builds imports torch._dynamo
    (seconds of CPU, holding the GIL), which would otherwise stall every session on the server when
    the first student presses Play."""
    from playground.training.lab import lab_data, LabConfig, run_key, TrainingLab
    from playground.training.run import player_payload, record_run

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
