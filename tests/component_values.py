"""Send a Components v2 component's state and trigger values in AppTest, as the browser's setStateValue and
setTriggerValue would (AppTest runs no JavaScript)."""
from __future__ import annotations

import json

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest

PLAYER_KEY = "tr_player"


def send_component(at: AppTest, key: str, *, state: object = None, trigger: tuple[str, object] | None = None,
                   raw_state: str | None = None) -> AppTest:
    """Rerun ``at`` with the component ``key``'s state set to ``state`` (JSON; or ``raw_state`` as sent text)
    and/or the trigger ``(event, value)``, keeping every other widget's value."""
    (element,) = [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]
    states = at._tree.get_widget_states()
    if trigger is not None:
        widget = states.widgets.add()
        widget.id = _make_trigger_id(element.proto.id, "events")
        widget.json_trigger_value = json.dumps([{"event": trigger[0], "value": trigger[1]}])
    if state is not None or raw_state is not None:
        widget = states.widgets.add()
        widget.id = element.proto.id
        widget.json_value = raw_state if raw_state is not None else json.dumps(state)
    return at._run(states)


def send_to_player(at: AppTest, *, state: object = None, trigger: str | None = None,
                   raw_state: str | None = None, answer: object = None) -> AppTest:
    """The Training lab's run player: ``trigger`` is a request (play, step, reset), ``state`` a playhead report,
    ``answer`` its playhead sent in answer to the lab's ask."""
    event = ("request", trigger) if trigger is not None else ("answer", answer) if answer is not None else None
    return send_component(at, PLAYER_KEY, state=state, raw_state=raw_state, trigger=event)
