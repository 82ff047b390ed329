"""Unit tests of ``playground.softmax`` (checked against torch) and its Plotly figures."""
from __future__ import annotations

import math
import time

import numpy as np
import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

import playground.softmax as sm
import playground.parsing as parsing
import playground.tables as tables
from playground.plots.softmax import (
    SIGMOID_COLOR, SOFTMAX_COLOR, TARGET_COLOR, gradient_bars, probability_bars, temperature_sweep,
)
from playground.plots.svg import MAX_LABELLED_BARS, Series, bar_chart
from tests.chart_marks import read_chart

TOL = 1e-12
logit_vectors = hnp.arrays(
    np.float64, hs.integers(parsing.MIN_LOGITS, parsing.MAX_LOGITS),
    elements=hs.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
)
temperatures = hs.floats(0.05, 20.0)
examples = settings(max_examples=100, deadline=None)


def _t(values) -> torch.Tensor:
    return torch.tensor(np.asarray(values, dtype=np.float64), dtype=torch.float64)


# --- softmax -------------------------------------------------------------------------------

@examples
@given(logit_vectors, temperatures)
def test_softmax_matches_torch_in_float64(z, temperature):
    expected = torch.softmax(_t(z) / temperature, dim=-1).numpy()
    got = sm.softmax(z, temperature)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)


@examples
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=8),
                  elements=hs.floats(-50, 50)))
def test_softmax_works_row_by_row_on_a_batch(z):
    np.testing.assert_allclose(sm.softmax(z), torch.softmax(_t(z), dim=-1).numpy(), rtol=0, atol=TOL)


def test_course_example_gives_the_printed_probabilities():
    p = sm.softmax([1, 2, 3])
    np.testing.assert_allclose(p, torch.softmax(_t([1, 2, 3]), dim=0).numpy(), rtol=0, atol=TOL)
    assert [f"{v:.4f}" for v in p] == ["0.0900", "0.2447", "0.6652"]


def test_huge_logits_stay_finite_with_the_max_trick():
    p = sm.softmax([1000, 0, -1000])
    assert np.isfinite(p).all()
    np.testing.assert_array_equal(p, [1.0, 0.0, 0.0])


@examples
@given(logit_vectors, hs.floats(-500, 500))
def test_softmax_ignores_a_constant_shift(z, c):
    np.testing.assert_allclose(sm.softmax(z + c), sm.softmax(z), rtol=0, atol=1e-9)


@examples
@given(logit_vectors, temperatures)
def test_temperature_keeps_the_argmax(z, temperature):
    top_two = np.sort(z)[-2:]
    assume(top_two[1] - top_two[0] > 1e-6)  # exact or rounding-level ties have no single argmax
    assert np.argmax(sm.softmax(z, temperature)) == np.argmax(z)


def test_low_temperature_sharpens_and_high_temperature_flattens():
    z = [1.0, 2.0, 3.0]
    assert sm.softmax(z, 0.1).max() > sm.softmax(z).max() > sm.softmax(z, 10).max()
    assert sm.softmax(z, 20).max() - 1 / 3 < 0.02


@pytest.mark.parametrize("bad", [0, -1, 0.0, float("nan"), float("inf"), -float("inf"), "abc", None])
def test_bad_temperature_raises_a_clear_error(bad):
    with pytest.raises(ValueError, match="Temperature must be"):
        sm.softmax([1, 2], bad)


@pytest.mark.parametrize("bad", [[], 3.0, np.zeros((2, 0))])
def test_empty_logits_raise(bad):
    with pytest.raises(ValueError, match="non-empty"):
        sm.softmax(bad)


# --- naive softmax ---------------------------------------------------------------------------

@examples
@given(hnp.arrays(np.float64, hs.integers(2, 20), elements=hs.floats(-30, 30)))
def test_naive_softmax_agrees_on_small_logits(z):
    np.testing.assert_allclose(sm.naive_softmax(z), sm.softmax(z), rtol=1e-12, atol=TOL)


@pytest.mark.parametrize("z, reason", [([1000, 0, -1000], "overflow"), ([-1000, -1001], "underflow")])
def test_naive_softmax_breaks_without_raising_or_warning(z, reason):
    with np.errstate(all="raise"):  # any unguarded overflow would raise here
        naive = sm.naive_softmax(z)
    assert np.isnan(naive).any()
    assert sm.naive_failure(z) == reason
    assert np.isfinite(sm.softmax(z)).all()


def test_naive_failure_is_none_when_naive_works():
    assert sm.naive_failure([1, 2, 3]) is None


# --- sigmoid, log-softmax, cross-entropy and its gradient ------------------------------------

@examples
@given(hnp.arrays(np.float64, hs.integers(1, 20), elements=hs.floats(-1e6, 1e6)))
def test_sigmoid_matches_torch_without_overflow(z):
    with np.errstate(over="raise"):
        got = sm.sigmoid(z)
    np.testing.assert_allclose(got, torch.sigmoid(_t(z)).numpy(), rtol=0, atol=TOL)


@examples
@given(logit_vectors, temperatures)
def test_log_softmax_matches_torch(z, temperature):
    expected = F.log_softmax(_t(z) / temperature, dim=-1).numpy()
    np.testing.assert_allclose(sm.log_softmax(z, temperature), expected, rtol=1e-12, atol=1e-9)


@examples
@given(logit_vectors, hs.data())
def test_cross_entropy_matches_torch(z, data):
    y = data.draw(hs.integers(0, z.size - 1))
    torch_loss = F.cross_entropy(_t(z).unsqueeze(0), torch.tensor([y])).item()
    assert sm.cross_entropy(z, y) == pytest.approx(torch_loss, rel=1e-12, abs=1e-9)
    assert sm.torch_cross_entropy(z, y) == pytest.approx(torch_loss, rel=0, abs=0)


@examples
@given(logit_vectors, hs.data())
def test_torch_cross_entropy_is_nll_of_log_softmax(z, data):
    y = torch.tensor([data.draw(hs.integers(0, z.size - 1))])
    logits = _t(z).unsqueeze(0)
    ce = F.cross_entropy(logits, y)
    nll = F.nll_loss(F.log_softmax(logits, dim=1), y)
    torch.testing.assert_close(ce, nll, rtol=1e-12, atol=1e-12)


@examples
@given(logit_vectors, hs.data())
def test_gradient_is_p_minus_onehot_like_autograd(z, data):
    y = data.draw(hs.integers(0, z.size - 1))
    logits = _t(z).requires_grad_(True)
    F.cross_entropy(logits.unsqueeze(0), torch.tensor([y])).backward()
    grad = sm.cross_entropy_gradient(z, y)
    np.testing.assert_allclose(grad, logits.grad.numpy(), rtol=0, atol=TOL)
    assert grad.sum() == pytest.approx(0.0, abs=1e-12)
    assert grad[y] < 0 or grad[y] == 0.0


def test_loss_stays_finite_when_p_y_underflows():
    z = [1000.0, 0.0, -1000.0]
    assert sm.softmax(z)[2] == 0.0
    assert sm.cross_entropy(z, 2) == pytest.approx(2000.0)
    assert sm.torch_cross_entropy(z, 2) == pytest.approx(2000.0)


@pytest.mark.parametrize("target", [3, -1, 1.0, True, "0"])
def test_bad_target_raises(target):
    with pytest.raises(ValueError, match="true class"):
        sm.cross_entropy([1, 2, 3], target)
    with pytest.raises(ValueError, match="true class"):
        sm.cross_entropy_gradient([1, 2, 3], target)


def test_loss_functions_reject_a_batch():
    with pytest.raises(ValueError, match="one vector"):
        sm.cross_entropy(np.zeros((2, 3)), 0)


@examples
@given(hs.floats(-700, 700))
def test_two_class_softmax_is_the_sigmoid(z):
    soft, sig = sm.two_class_identity(z)
    assert soft == pytest.approx(sig, rel=1e-12, abs=1e-15)
    assert sig == pytest.approx(torch.sigmoid(_t([z])).item(), rel=1e-12, abs=1e-15)


def test_effective_logits_shift_then_divide():
    np.testing.assert_allclose(sm.effective_logits([1, 2, 3], 2.0, 1.0), [1.0, 1.5, 2.0])
    with pytest.raises(ValueError, match="Temperature"):
        sm.effective_logits([1, 2], 0)


# --- parsing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1, 2, 3", [1.0, 2.0, 3.0]),
    ("1 2 3", [1.0, 2.0, 3.0]),
    ("1\n2\n3", [1.0, 2.0, 3.0]),
    (" -1.5,\t+2e2 ,, .5\n", [-1.5, 200.0, 0.5]),
    ("1000, 0, -1000", [1000.0, 0.0, -1000.0]),
    (", ".join(["1"] * parsing.MAX_LOGITS), [1.0] * parsing.MAX_LOGITS),
])
def test_parse_logits_accepts_commas_spaces_and_newlines(text, expected):
    assert parsing.parse_logits(text) == expected


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n ", "empty"),
    ("1, abc, 3", "'abc' is not a number"),
    ("1;2", "'1;2' is not a number"),
    ("1, 2_0", "'2_0' is not a number"),
    ("1, 0x1f", "'0x1f' is not a number"),
    ("\u0661, 2", "'\u0661' is not a number"),
    ("1, nan", "'nan' is not a finite number"),
    ("inf, 1", "'inf' is not a finite number"),
    ("1, -Infinity", "'-Infinity' is not a finite number"),
    ("1, 1e400", "'1e400' is too large"),
    ("1, -2e6", "'-2e6' is too large"),
    ("5", "at least 2"),
    (", ".join(["1"] * (parsing.MAX_LOGITS + 1)), f"at most {parsing.MAX_LOGITS}"),
])
def test_parse_logits_errors_name_the_problem(text, message):
    with pytest.raises(ValueError) as err:
        parsing.parse_logits(text)
    assert message in str(err.value)


@examples
@given(hs.lists(hs.floats(-parsing.MAX_ABS_LOGIT, parsing.MAX_ABS_LOGIT), min_size=2, max_size=parsing.MAX_LOGITS))
def test_formatted_logits_read_back_exactly(values):
    assert parsing.parse_logits(parsing.format_logits(values)) == values
    assert parsing.parse_logits(parsing.compact_logits_text(parsing.format_logits(values))) == values


def test_logits_format_for_the_box_and_the_url():
    assert parsing.format_logits([1.0, -0.5, 1e-7]) == "1, -0.5, 1e-07"
    assert parsing.parse_logits_text("1,2,  3") == "1, 2, 3"
    assert parsing.compact_logits_text("1, 2, 3") == "1,2,3"


@pytest.mark.parametrize("value, expected", [(0.33, 0.3), (1.0, 1.0), (0.051, 0.05), (17.0, 15.0), (19.0, 20.0)])
def test_nearest_temperature_snaps_on_a_log_scale(value, expected):
    assert parsing.nearest_temperature(value) == expected


def test_temperature_options_are_increasing_and_cover_the_range():
    options = parsing.TEMPERATURE_OPTIONS
    assert list(options) == sorted(options) and options[0] == 0.05 and options[-1] == 20.0 and 1.0 in options
    ratios = np.diff(np.log(options))
    assert ratios.max() < math.log(1.4)


@pytest.mark.parametrize("text", ["0", "-1", "25", "nan", "inf", "abc", ""])
def test_parse_temperature_rejects_out_of_range(text):
    with pytest.raises(ValueError):
        parsing.parse_temperature(text)


@pytest.mark.parametrize("text, expected", [("0", 0.0), ("2.5", 2.5), ("0.3", 0.5), ("-10", -10.0)])
def test_parse_shift_snaps_to_the_slider_step(text, expected):
    assert parsing.parse_shift(text) == expected


@pytest.mark.parametrize("text", ["11", "-10.5", "nan", "inf", "x"])
def test_parse_shift_rejects_bad_values(text):
    with pytest.raises(ValueError):
        parsing.parse_shift(text)


def test_class_names_parse_and_format():
    assert parsing.parse_class_names("cat, dog ,bird") == ["cat", "dog", "bird"]
    assert parsing.parse_class_names("") == []
    assert parsing.format_class_names(["cat", "dog"]) == "cat,dog"
    assert parsing.format_class_names(parsing.default_class_names(3)) == ""
    for bad in ["a,,b", "x" * (parsing.MAX_CLASS_NAME_CHARS + 1), ",".join("a" * (parsing.MAX_LOGITS + 1))]:
        with pytest.raises(ValueError):
            parsing.parse_class_names(bad)


def test_class_names_fall_back_to_defaults_when_the_count_differs():
    assert parsing.class_names_for(["a", "b"], 3) == ["class 0", "class 1", "class 2"]
    assert parsing.class_names_for(None, 2) == ["class 0", "class 1"]
    assert parsing.class_names_for([str(d) for d in range(10)], 10) == [str(d) for d in range(10)]


def test_class_names_are_cleaned_and_made_distinct():
    assert parsing.class_names_for(["a,b", "  ", "a b", None], 4) == ["a b", "class 1", "a b (2)", "class 3"]


# --- tables ----------------------------------------------------------------------------------

def test_softmax_steps_shows_each_stage_and_the_sums():
    z = [1.0, 2.0, 3.0]
    table = tables.softmax_steps(z, ["a", "b", "sum"])
    assert list(table["class"]) == ["a", "b", "sum", "sum"]
    np.testing.assert_allclose(table["z − max"][:3], [-2.0, -1.0, 0.0])
    np.testing.assert_allclose(table["e^(z − max)"][:3], np.exp([-2.0, -1.0, 0.0]))
    np.testing.assert_allclose(table["p = e^(z − max) / sum"][:3], torch.softmax(_t(z), 0).numpy(), atol=TOL)
    assert table["e^(z − max)"][3] == pytest.approx(np.exp([-2.0, -1.0, 0.0]).sum())
    assert table["p = e^(z − max) / sum"][3] == pytest.approx(1.0)


def test_naive_vs_stable_table_shows_the_overflow():
    table = tables.naive_vs_stable([1000, 0, -1000], ["a", "b", "c"])
    assert np.isinf(table["e^z"][0]) and np.isnan(table["naive e^z / Σ e^z"][0])
    np.testing.assert_array_equal(table["stable softmax"], [1.0, 0.0, 0.0])


def test_as_text_formats_columns_and_blanks_missing_values():
    steps = tables.softmax_steps([1.0, 2.0, 3.0], ["a", "b", "c"])
    shown = tables.as_text(steps, {"z": ".6g", "p = e^(z − max) / sum": ".4f"})
    assert shown.column("p = e^(z − max) / sum").to_pylist() == ["0.0900", "0.2447", "0.6652", "1.0000"]
    assert shown.column("z").to_pylist() == ["1", "2", "3", ""]
    assert shown.column_names == list(steps)
    assert shown.column("e^(z − max)").type == pa.float64()  # columns not listed are left alone
    naive = tables.as_text(tables.naive_vs_stable([1000.0, 0.0], ["a", "b"]), {"naive e^z / Σ e^z": ".4f"}, blank_nan=False)
    assert naive.column("naive e^z / Σ e^z").to_pylist() == ["nan", "0.0000"]


# --- figures ---------------------------------------------------------------------------------

def test_probability_bars_show_both_series_and_their_sums():
    z = np.array([1.0, 2.0, 3.0])
    chart = read_chart(probability_bars(["a", "b", "c"], sm.softmax(z), sm.sigmoid(z)))
    (soft_name, (soft_x, soft_y)), (sig_name, (sig_x, sig_y)) = chart.series().items()
    np.testing.assert_allclose(soft_y, torch.softmax(_t(z), 0).numpy(), atol=TOL)
    np.testing.assert_allclose(sig_y, torch.sigmoid(_t(z)).numpy(), atol=TOL)
    assert soft_x == sig_x == ["a", "b", "c"]
    assert [bar["fill"] for bar in chart.bars] == [SOFTMAX_COLOR] * 3 + [SIGMOID_COLOR] * 3
    assert "sum = 1.0000" in soft_name
    assert f"sum = {torch.sigmoid(_t(z)).sum().item():.4f}" in sig_name
    assert chart.texts["sp-value"] == ["0.0900", "0.2447", "0.6652", "0.7311", "0.8808", "0.9526"]
    assert chart.texts["sp-category"] == ["a", "b", "c"]


def test_probability_bar_heights_are_proportional_to_the_probabilities():
    z = np.array([0.0, 1.0, 4.0])
    chart = read_chart(probability_bars(["a", "b", "c"], sm.softmax(z), sm.sigmoid(z)))
    heights = np.array([float(bar["height"]) for bar in chart.bars])
    values = np.array([float(bar["data-value"]) for bar in chart.bars])
    np.testing.assert_allclose(heights / heights.max(), values / values.max(), atol=0.01)  # pixels to 0.1 px


def test_temperature_sweep_has_one_line_per_class_and_marks_t():
    z = np.array([1.0, 2.0, 3.0])
    chart = read_chart(temperature_sweep(z, ["a", "b", "c"], 0.5))
    assert list(chart.lines) == ["a", "b", "c"]
    points = chart.lines["a"]
    middle = len(points) // 2
    assert points[middle, 0] == pytest.approx(0.5)  # T = 1 sits mid-way between 0.05 and 20 on a log axis
    np.testing.assert_allclose([chart.lines[name][middle, 1] for name in "abc"], sm.softmax(z), atol=1e-3)
    np.testing.assert_allclose(points[-1, 1], sm.softmax(z / 20.0)[0], atol=1e-3)
    assert chart.markers == [0.5]


def test_gradient_bars_highlight_the_true_class():
    grad = sm.cross_entropy_gradient([1.0, 2.0, 3.0], 1)
    chart = read_chart(gradient_bars(["a", "b", "c"], grad, 1))
    np.testing.assert_allclose(chart.series()["p − y"][1], grad, atol=TOL)
    fills = [bar["fill"] for bar in chart.bars]
    assert fills.index(TARGET_COLOR) == 1 and fills.count(TARGET_COLOR) == 1


def test_chart_text_cannot_inject_markup_and_stays_on_one_line():
    name = '<img src=x onerror="alert(1)">\n\nnext'
    html = probability_bars([name, "b"], [0.5, 0.5], [0.5, 0.5])
    assert "<img" not in html and "\n" not in html
    chart = read_chart(html)
    assert chart.series()[next(iter(chart.series()))][0][0] == '<img src=x onerror="alert(1)"> next'


def test_crowded_bars_move_their_values_to_the_hover_titles():
    names = [str(i) for i in range(MAX_LABELLED_BARS + 1)]
    html = bar_chart(names, [Series("p", np.full(len(names), 0.1), "#000")], y_range=(0, 1), y_ticks=(0, 1),
                     y_label="p", aria_label="p")
    chart = read_chart(html)
    assert "sp-value" not in chart.texts and len(chart.bars) == len(names)
    assert "<title>0 · p: 0.1000</title>" in html


@pytest.mark.parametrize("values", [[0.1, float("nan")], [0.1], [0.1, 0.2, 0.3]])
def test_bar_chart_refuses_values_it_cannot_draw(values):
    with pytest.raises(ValueError, match="one finite value per category"):
        bar_chart(["a", "b"], [Series("p", values, "#000")], y_range=(0, 1), y_ticks=(0, 1), y_label="p",
                  aria_label="p")


def test_torch_if_loaded_gives_torch_once_the_background_import_finishes():
    from playground.torch_runtime import torch_if_loaded

    deadline = time.monotonic() + 120
    while (module := torch_if_loaded(wait=0.5)) is None:
        assert time.monotonic() < deadline, "torch never finished importing"
    assert module is torch
    assert sm.torch_cross_entropy_if_loaded([1.0, 2.0, 3.0], 0) == pytest.approx(sm.cross_entropy([1.0, 2.0, 3.0], 0))


def test_a_failed_background_import_is_reported_not_waited_for():
    from playground.torch_runtime import BackgroundImport

    missing = BackgroundImport("playground_no_such_module")
    with pytest.raises(ImportError, match="playground_no_such_module could not be imported: No module named"):
        missing.module_if_loaded(wait=None)
    with pytest.raises(ImportError):  # asked again: the same answer at once, no new import
        missing.module_if_loaded(wait=0)


def test_a_slow_background_import_gives_none_until_it_is_done(tmp_path, monkeypatch):
    from playground.torch_runtime import BackgroundImport

    (tmp_path / "slow_module_for_test.py").write_text("import time\ntime.sleep(0.5)\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    slow = BackgroundImport("slow_module_for_test")
    assert slow.module_if_loaded(wait=0) is None  # started, not finished: the page shows the rest meanwhile
    assert slow.module_if_loaded(wait=None).VALUE == 42


def test_softmax_rounds_like_torch_with_large_logits_and_a_temperature():
    """Dividing by T before subtracting the max (torch's order) keeps tiny probabilities bit-for-bit equal."""
    z = np.array([[808133.25143523] + [809088.0] * 9])
    for temperature in (3.3, 1000.0, 7777.7):
        expected = F.softmax(torch.from_numpy(z) / temperature, dim=-1).numpy()
        np.testing.assert_array_equal(sm.softmax(z, temperature), expected)
        np.testing.assert_array_equal(sm.log_softmax(z, temperature),
                                      F.log_softmax(torch.from_numpy(z) / temperature, dim=-1).numpy())


@pytest.mark.parametrize(("value", "text"), [(-0.0, "0.000000"), (-1e-9, "0.000000"), (1e-9, "0.000000"),
                                             (-0.25, "-0.250000"), (12.7, "12.700000")])
def test_fixed_numbers_never_read_as_negative_zero(value, text):
    """A tiny negative loss (float rounding of log-softmax) reads 0.000000, as PyTorch prints it."""
    assert parsing.format_fixed(value) == text
