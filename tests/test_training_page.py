"""AppTest of the Training lab through the real navigation frame (``app.py``)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground.training import single_threaded

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def one_torch_thread():
    """AppTest runs the page in this thread: keep the tiny tensors off the shared OpenMP pool."""
    with single_threaded():
        yield


def lab_page(query: dict[str, str] | None = None, opened: list[str] = ()) -> AppTest:
    """Run the app on the Training lab, optionally with URL query parameters and the expanders ``opened``."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/training.py")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key in opened:
        at.session_state[key] = True
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def page_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return at.run()


def play_until_finished(at: AppTest, max_runs: int = 60) -> AppTest:
    """Press Play and rerun (each run ticks once) until the run stops playing."""
    click(at, "tr_play")
    for _ in range(max_runs):
        if not at.session_state["training_lab"].playing:
            return at
        at.run()
    raise AssertionError("the run did not finish")


def runs_table(at: AppTest):
    """The comparison table (the page's only st.dataframe), or None when no run has finished."""
    return at.dataframe[0].value if len(at.dataframe) else None


def chart(at: AppTest, key: str) -> dict:
    """The Plotly spec of the chart whose key is ``key``."""
    matches = [el for el in at.get("plotly_chart") if el.proto.id.endswith(f"-{key}")]
    assert len(matches) == 1, f"expected one chart {key!r}"
    return json.loads(matches[0].proto.spec)


def test_the_y_axis_toggle_switches_both_loss_charts():
    at = lab_page({"epochs": "3"}, opened=["tr_low_level_open"])
    click(at, "tr_step")
    assert chart(at, "tr_loss_curve")["layout"]["yaxis"]["type"] == "log"
    at.toggle(key="tr_log_y").set_value(False).run()
    assert not at.exception
    assert chart(at, "tr_loss_curve")["layout"]["yaxis"]["type"] == "linear"
    assert chart(at, "tr_low_level")["layout"]["yaxis"]["type"] == "linear"
    assert metric(at, "Epoch") == "1 / 3"  # a display toggle does not restart the run


def test_page_opens_with_defaults_and_a_shareable_url():
    at = lab_page()
    assert not at.exception
    assert "Training lab" in [t.value for t in at.title]
    assert metric(at, "Epoch") == "0 / 20"
    assert at.slider(key="tr_lr_exp").value == pytest.approx(-1.0)
    assert "lr = 0.1" in page_text(at)
    assert {k: at.query_params[k] for k in ("lr", "epochs", "seed", "norm", "l2")} == {
        "lr": "0.1", "epochs": "20", "seed": "1", "norm": "0", "l2": "0"}
    assert not at.warning


@pytest.mark.parametrize(("key", "exponent", "shown", "url"), [
    ("tr_preset_Overshoot", 5.0, "lr = 1e5", "100000"),
    ("tr_preset_Stall", -10.0, "lr = 1e-10", "1e-10"),
    ("tr_preset_Good", -1.0, "lr = 0.1", "0.1"),
])
def test_presets_set_the_learning_rate(key, exponent, shown, url):
    at = lab_page({"lr": "3"})
    click(at, key)
    assert not at.exception
    assert at.slider(key="tr_lr_exp").value == pytest.approx(exponent)
    assert shown in page_text(at)
    assert at.query_params["lr"] == url
    assert at.session_state["training_lab"].config.lr == float(url)


def test_step_advances_the_epoch_counter_and_the_step_view():
    at = lab_page(opened=["tr_sgd_step"])
    click(at, "tr_step")
    assert metric(at, "Epoch") == "1 / 20" and metric(at, "Loss at start") == "2.204"
    click(at, "tr_step")
    assert not at.exception
    assert metric(at, "Epoch") == "2 / 20"
    assert "For the weights at epoch 2" in page_text(at)
    assert [row for row in at.table[0].value.index][:2] == ["sample 0", "sample 1"]


def test_runs_accumulate_in_the_comparison_table_and_can_be_cleared():
    at = lab_page({"epochs": "10"})
    assert runs_table(at) is None
    click(at, "tr_preset_Overshoot")
    play_until_finished(at)
    assert metric(at, "Epoch") == "10 / 10"
    assert any(e.value.startswith("**Diverged.**") for e in at.error)
    click(at, "tr_preset_Good")
    play_until_finished(at)
    assert any(s.value.startswith("**Converging.**") for s in at.success)
    table = runs_table(at)
    assert list(table["lr"]) == [1e5, 0.1] and list(table["verdict"]) == ["Diverged", "Converging"]
    assert table["train loss"].iloc[0] > 1000 > 2.2 > table["train loss"].iloc[1]  # 2.2: the start
    assert list(table["epochs"]) == [10, 10]
    click(at, "tr_play")  # Play on a finished run starts a new one
    assert metric(at, "Epoch") == "1 / 10"
    click(at, "tr_clear")
    assert not at.exception and runs_table(at) is None


def test_changing_a_setting_starts_a_fresh_run():
    at = lab_page()
    click(at, "tr_step")
    at.number_input(key="tr_epochs").set_value(50).run()
    assert metric(at, "Epoch") == "0 / 50" and at.query_params["epochs"] == "50"


def test_url_values_are_applied():
    at = lab_page({"lr": "1e-10", "epochs": "5", "seed": "3", "norm": "1", "l2": "1"})
    assert not at.exception and not at.warning
    config = at.session_state["training_lab"].config
    assert (config.lr, config.epochs, config.seed, config.standardized, config.l2) == (1e-10, 5, 3, True, True)
    assert at.toggle(key="tr_norm").value and at.toggle(key="tr_l2").value


@pytest.mark.parametrize(("query", "message"), [
    ({"lr": "-1"}, "must be positive"),
    ({"lr": "0"}, "must be positive"),
    ({"lr": "nan"}, "must be a finite number"),
    ({"lr": "inf"}, "must be a finite number"),
    ({"lr": "1e6"}, "between 1e-10 and 100000"),
    ({"lr": "fast"}, "not a number"),
    ({"epochs": "0"}, "outside 1 to 5000"),
    ({"epochs": "6000"}, "outside 1 to 5000"),
    ({"seed": "-1"}, "outside 0 to"),
])
def test_absurd_url_values_warn_and_fall_back(query, message):
    at = lab_page(query)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    shown = re.sub(r"\\(.)", r"\1", warnings)  # as the reader sees it: Markdown's backslash escapes resolved
    assert message in shown and f"`{next(iter(query))}=" in warnings
    config = at.session_state["training_lab"].config
    assert (config.lr, config.epochs, config.seed) == (0.1, 20, 1)
    click(at, "tr_step")  # and the page still trains
    assert metric(at, "Epoch") == "1 / 20"


def test_low_level_expander_matches_f_cross_entropy():
    at = lab_page({"epochs": "200"}, opened=["tr_low_level_open"])
    caption = next(c.value for c in at.caption if c.value.startswith("Largest difference"))
    steps, difference = re.search(r"over (\d+) finite steps: ([0-9.e+-]+)\.", caption).groups()
    assert int(steps) == 201 and float(difference) < 1e-6


@pytest.fixture()
def sgd_steps(monkeypatch) -> list[int]:
    """Count every SGD update the server takes (the page's trainer and the by-hand loop alike)."""
    import torch

    count = [0]
    real_step = torch.optim.SGD.step

    def counting_step(self, *args, **kwargs):
        count[0] += 1
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", counting_step)
    return count


EXPENSIVE_URLS = [{"epochs": "5000", "lr": "0.103"}, {"epochs": "5000", "lr": "0.104", "norm": "1", "l2": "0.01"},
                  {"epochs": "5000", "lr": "1e5", "seed": "123456"}]


@pytest.mark.parametrize("query", EXPENSIVE_URLS)
def test_a_url_costs_no_more_training_than_the_default_page(sgd_steps, query):
    """Collapsed sections train nothing, so no URL can make a page load train more than the default one."""
    lab_page()
    default = sgd_steps[0]
    sgd_steps[0] = 0
    at = lab_page(query)
    assert not at.exception
    assert sgd_steps[0] <= default, f"{sgd_steps[0]} SGD steps for {query}, {default} for the default page"
    assert not [c for c in at.caption if c.value.startswith("Largest difference")]


def test_opening_the_by_hand_section_trains_it(sgd_steps):
    """The control for the test above: the same count sees the by-hand loop once someone opens it."""
    at = lab_page({"epochs": "300"}, opened=["tr_low_level_open"])
    assert not at.exception
    assert sgd_steps[0] >= 301
