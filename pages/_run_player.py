"""The Training lab's run player (``pages/_run_player.js``), a Streamlit Components v2 component."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from pages._language import in_language
from playground.i18n import _

# The Training lab's run player (``pages/_run_player.js``): plays a recorded run on <canvas> in the browser.
# Colours follow the page's text colour (currentColor), so a dark theme can follow later.
_RUN_PLAYER = st.components.v2.component(
    "playground_run_player",
    html='<div class="sp-player"></div>',
    css="""
.sp-player { color: inherit; font-size: 0.9rem; }
.sp-controls { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin-bottom: 0.3rem; }
.sp-controls button, .sp-controls select { font: inherit; color: inherit; background: transparent; border-radius: 0.5rem;
  border: 1px solid color-mix(in srgb, currentColor 30%, transparent); padding: 0.3rem 0.8rem; min-height: 2.2rem; }
.sp-controls .sp-play { font-weight: 600; min-width: 5rem; }
.sp-epoch { font-variant-numeric: tabular-nums; font-weight: 600; margin-left: auto; }
.sp-scrub { width: 100%; margin: 0.2rem 0; }
.sp-readout { min-height: 1.4rem; font-variant-numeric: tabular-nums; }
.sp-charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.sp-charts figure { flex: 1 1 300px; min-width: 0; margin: 0; }
.sp-charts figcaption { font-weight: 600; margin: 0.3rem 0; }
""",
    js=(Path(__file__).parent / "_run_player.js").read_text(encoding="utf-8"),
    isolate_styles=False,  # the page's font and text colour, which the canvases read
)


def player_labels() -> dict[str, str]:
    """The player's own text in the language of this run (the JS keeps the English when one is missing);
    ``{fields}`` are filled in by the JS."""
    return {
        "play": _("Play"), "pause": _("Pause"), "step": _("Step"), "reset": _("Reset"), "speed": _("Speed"),
        "epoch": _("Epoch {k} / {n}"), "scrub": _("Epoch"), "loss_title": _("Loss of the current run"),
        "probs_title": _("Probabilities per sample (outlined: true class)"),
        "axis": _("epoch"), "axis_log": _("epoch (loss on a log scale)"),
        "class": _("class {c}"), "sample": _("sample {i}"),
        "idle": _("training.player_prompt"),
        "after_one": _("After {k} update: loss {loss}, train accuracy {accuracy}%"),
        "after_many": _("After {k} updates: loss {loss}, train accuracy {accuracy}%"),
        "stopped": _("{readout} — stopped: the loss is no longer finite"),
    }


def run_player(data: dict, key: str, on_position: Callable[[], None], on_answer: Callable[[], None],
               on_request: Callable[[], None]) -> None:
    """Mount the run player with ``data`` (``playground.training.run.player_payload``, the playhead to start at,
    the true classes as ``targets``) and ``player_labels()`` as ``labels``.

    ``on_position`` runs when the player reports its playhead, ``on_answer`` when it answers ``data["ask"]`` with
    it, ``on_request`` when it asks for a run; all in the session's language (a callback runs before the page has
    chosen it). The player's text is added here.
    """
    _RUN_PLAYER(data={**data, "labels": player_labels()}, key=key, on_position_change=in_language(on_position),
                on_answer_change=in_language(on_answer), on_request_change=in_language(on_request))


def player_value(key: str, name: str) -> object:
    """What the player ``key`` sent for ``name`` (its playhead, its answer or a request), or None when it sent no readable JSON."""
    try:
        state = st.session_state.get(key)
    except ValueError:  # json.JSONDecodeError: the browser's text was not JSON
        return None
    return state.get(name) if isinstance(state, dict) else getattr(state, name, None)
