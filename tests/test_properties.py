"""Property-based tests (hypothesis) for everything that reads hostile input.

Random strings, huge and tiny floats, NaN and inf, very long inputs and odd array shapes and
dtypes must give results that are finite, sum to 1 and have the right shape, or else a clear
``ValueError``: never any other exception. Covers ``parse_logits``, ``softmax`` (against
``torch.nn.functional``), ``preprocess`` and the URL parameters of every page.
"""
from __future__ import annotations

import math
import re
from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw

import playground.softmax as sm
import playground.parsing as parsing
from playground.digits.preprocessing import DrawingError, MNIST_SIZE, preprocess
from playground.urlstate import (MAX_PARAM_CHARS, ParamSpec, boolean, bounded_int, finite_float, one_of,
                                 parse_params)
from tests.app_pages import open_page
from playground.digits import load_model, predict_proba
from playground.digits.models import probabilities

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_WARNING_CHARS = 400  # a URL warning is read on screen: it must not echo a 2,000-character value


# --- hostile text ----------------------------------------------------------------------------

ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
NUMBER_TEXT = st.one_of(ANY_FLOAT.map(repr), st.integers(-(10**400), 10**400).map(str))
ODD_WORDS = st.sampled_from(["", " ", "nan", "-inf", "Infinity", "1e309", "-0", "0x1f", "1_000", "true", "ON",
                             "cnn", "linear", "١٢", "𝟙", "²", "1,2,3", "%00", "\x00", "‮3", "class 0"])
HOSTILE_TEXT = st.one_of(
    st.text(max_size=80),
    NUMBER_TEXT,
    ODD_WORDS,
    st.lists(st.one_of(NUMBER_TEXT, ODD_WORDS), max_size=25).map(",".join),
    st.text(alphabet="0123456789.,-e xa", min_size=MAX_PARAM_CHARS - 20, max_size=MAX_PARAM_CHARS + 20),
)


# --- parse_logits ----------------------------------------------------------------------------

@PROPERTY
@given(HOSTILE_TEXT)
def test_parse_logits_gives_usable_logits_or_a_value_error(text):
    """Whatever is typed: 2 to 20 finite logits within the explorer's range, or a ValueError saying why."""
    try:
        values = parsing.parse_logits(text)
    except ValueError as err:
        assert str(err).strip()
        return
    assert parsing.MIN_LOGITS <= len(values) <= parsing.MAX_LOGITS
    assert all(isinstance(v, float) and math.isfinite(v) and abs(v) <= parsing.MAX_ABS_LOGIT for v in values)


@PROPERTY
@given(st.lists(ANY_FLOAT, max_size=parsing.MAX_LOGITS + 5), st.sampled_from([",", ", ", " ", "\n", "\t", ",,", " ,\n"]))
def test_parse_logits_accepts_exactly_the_valid_lists(values, separator):
    """A list of floats written out parses back exactly when it is valid, and is refused otherwise."""
    text = separator.join(repr(v) for v in values)
    valid = (parsing.MIN_LOGITS <= len(values) <= parsing.MAX_LOGITS
             and all(math.isfinite(v) and abs(v) <= parsing.MAX_ABS_LOGIT for v in values))
    if valid:
        assert parsing.parse_logits(text) == values
    else:
        with pytest.raises(ValueError):
            parsing.parse_logits(text)


# --- softmax ---------------------------------------------------------------------------------

LOGIT_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=8)
BIG_FINITE = st.floats(-1e300, 1e300, allow_nan=False, allow_subnormal=True)
TEMPERATURES = st.sampled_from(parsing.TEMPERATURE_OPTIONS)


def assert_is_distribution(p: np.ndarray, shape: tuple[int, ...]) -> None:
    """Finite probabilities in [0, 1] of the given shape, each row summing to 1."""
    assert p.shape == shape and p.dtype == np.float64
    assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


@PROPERTY
@given(hnp.arrays(np.float64, LOGIT_SHAPES, elements=BIG_FINITE), TEMPERATURES)
def test_softmax_of_huge_and_tiny_logits_is_a_distribution_matching_torch(z, temperature):
    """Any finite logits up to ±1e300 at any slider temperature: a distribution equal to F.softmax."""
    p = sm.softmax(z, temperature)
    assert_is_distribution(p, z.shape)
    expected = F.softmax(torch.from_numpy(z) / temperature, dim=-1).numpy()
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-300)
    top = np.argmax(z, axis=-1)[..., None]
    np.testing.assert_array_equal(np.take_along_axis(p, top, axis=-1), p.max(axis=-1, keepdims=True))


@PROPERTY
@given(hnp.arrays(np.float64, LOGIT_SHAPES, elements=BIG_FINITE), TEMPERATURES)
def test_log_softmax_stays_finite_and_matches_torch(z, temperature):
    """log-softmax never returns -inf or NaN for finite logits, and equals F.log_softmax."""
    out = sm.log_softmax(z, temperature)
    assert np.isfinite(out).all() and (out <= 0).all()
    expected = F.log_softmax(torch.from_numpy(z) / temperature, dim=-1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


NUMERIC_DTYPES = st.sampled_from([np.bool_, np.int8, np.uint8, np.int64, np.float16, np.float32, np.float64])


@PROPERTY
@given(hnp.arrays(NUMERIC_DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
                  elements={"allow_nan": False, "allow_infinity": False}))
def test_softmax_of_any_numeric_dtype_and_shape_is_a_distribution_or_a_value_error(z):
    """Odd shapes (scalars, empty axes) are refused clearly; any finite numeric dtype gives float64 probabilities."""
    if z.ndim == 0 or z.shape[-1] == 0:
        with pytest.raises(ValueError, match="non-empty vector"):
            sm.softmax(z)
        return
    assert_is_distribution(sm.softmax(z), z.shape)


@pytest.mark.parametrize(("values", "temperature"), [
    ([float("nan"), 1.0], 1.0), ([float("inf"), 1.0], 1.0), ([None, 1.0], 1.0),
    ([1e308, -1e308], 0.05)])
def test_softmax_of_non_finite_logits_is_a_distribution_or_a_value_error(values, temperature):
    """NaN, inf and overflowing logits: either a proper distribution or a ValueError, never NaN output."""
    try:
        with np.errstate(all="ignore"):
            p = sm.softmax(values, temperature)
    except ValueError:
        return
    assert np.isfinite(p).all(), f"softmax({values}, T={temperature}) = {p}"


def _reads_as_float(text: str) -> bool:
    """True when NumPy would read the string as a number (" 1", "nan", "١")."""
    try:
        float(text)
    except ValueError:
        return False
    return True


@PROPERTY
@given(st.one_of(st.lists(st.text(max_size=3).filter(lambda t: not _reads_as_float(t)), min_size=1, max_size=4),
                 st.lists(st.complex_numbers(allow_nan=False, allow_infinity=False, max_magnitude=1e6).filter(
                     lambda c: c.imag != 0), min_size=1, max_size=4)))
def test_softmax_of_non_numbers_raises_a_clear_error(values):
    """Strings and complex numbers are not logits: a ValueError or TypeError, never a result."""
    with pytest.raises((ValueError, TypeError)):
        sm.softmax(values)


@PROPERTY
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.just(10)), elements=st.floats(-1e6, 1e6)),
       TEMPERATURES)
def test_digit_probabilities_are_a_distribution_matching_torch(logits, temperature):
    """The digit page's softmax (model logits at any slider T) is F.softmax and sums to 1."""
    p = probabilities(logits, temperature)
    assert_is_distribution(p, logits.shape)
    expected = F.softmax(torch.from_numpy(logits) / temperature, dim=-1).numpy()
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-300)


# --- preprocess ------------------------------------------------------------------------------

IMAGE_DTYPES = st.sampled_from([np.uint8, np.int16, np.int64, np.bool_, np.float16, np.float32, np.float64,
                                np.complex64])
IMAGE_SHAPES = st.one_of(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=40),
                         st.sampled_from([(280, 280), (280, 280, 4), (280, 280, 3), (280, 280, 2), (8, 4096),
                                          (4097, 8), (7, 300), (300, 300, 5)]))


def assert_is_mnist_form_or_none(form: np.ndarray | None) -> None:
    """None (nothing to read) or a finite float32 28×28 image in [0, 1]."""
    if form is None:
        return
    assert form.shape == (MNIST_SIZE, MNIST_SIZE) and form.dtype == np.float32
    assert np.isfinite(form).all() and form.min() >= 0 and form.max() <= 1


@PROPERTY
@given(hnp.arrays(IMAGE_DTYPES, IMAGE_SHAPES))
def test_preprocess_of_any_array_gives_a_form_none_or_a_drawing_error(image):
    """Any shape, dtype and values (NaN, inf, negative, huge): an MNIST form, None, or DrawingError."""
    try:
        form = preprocess(image)
    except DrawingError as err:
        assert isinstance(err, ValueError) and str(err)
        return
    assert_is_mnist_form_or_none(form)


@pytest.mark.parametrize("bad", [None, "a digit", [[0, 255], [255, 0]], 3.5,
                                 np.zeros((28, 28), dtype=object), np.zeros((28, 28), dtype="U1"),
                                 np.zeros((28, 28), dtype="datetime64[s]")])
def test_preprocess_of_non_images_raises_a_drawing_error(bad):
    """Things that are not pixel arrays are refused with a DrawingError that says what was expected."""
    with pytest.raises(DrawingError, match="expected"):
        preprocess(bad)


def random_drawing(seed: int) -> np.ndarray:
    """A canvas of random size and style with 0 to 4 random strokes, as a student (or a bot) might send."""
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(8, 400, size=2))
    canvas = Image.new("L", (width, height), 0)
    pen = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(0, 5))):
        points = [(float(rng.uniform(0, width)), float(rng.uniform(0, height))) for _ in range(rng.integers(2, 8))]
        pen.line(points, fill=int(rng.integers(1, 256)), width=int(rng.integers(1, 40)))
    ink = np.asarray(canvas)
    style = rng.integers(4)
    if style == 0:  # the canvas: white strokes on black, opaque RGBA
        return np.dstack([ink, ink, ink, np.full_like(ink, 255)])
    if style == 1:  # transparent background, ink in the alpha channel
        return np.dstack([np.zeros_like(ink)] * 3 + [ink])
    if style == 2:  # dark ink on white paper, RGB
        return np.dstack([255 - ink] * 3)
    return ink.astype(np.float64) / 255.0  # grayscale float in [0, 1]


@pytest.fixture(scope="module")
def linear_model():
    """The shipped softmax regression (small, always present)."""
    return load_model("linear")


@FEW
@given(st.integers(0, 2**32 - 1))
def test_random_drawings_give_a_form_and_probabilities_that_sum_to_1(linear_model, seed):
    """Random strokes on random canvases: a valid form (or None / DrawingError) and 10 proper probabilities."""
    image = random_drawing(seed)
    try:
        form = preprocess(image)
    except DrawingError:
        return
    assert_is_mnist_form_or_none(form)
    if form is not None:
        assert_is_distribution(predict_proba(image, linear_model), (10,))


# --- URL parameters: the shared parsers and every page's ParamSpecs --------------------------

# Every URL key of each page, in the order the page writes them. A page file cannot be imported without
# drawing the page (its module body is the page), so the keys are listed here, and the `specs` fixture checks
# them against the ParamSpecs the page hands to the URL and against what its URL holds after a run.
URL_KEYS = {"softmax": ["logits", "T", "shift", "target", "classes"],
            "training": ["lr", "epochs", "seed", "norm", "l2"], "digits": ["model", "T"]}
PAGES = tuple(URL_KEYS)


@pytest.fixture(scope="module")
def specs() -> dict[str, list[ParamSpec]]:
    """The ParamSpecs each page writes its URL with, recorded while AppTest runs the page."""
    import pages._url as ui

    recorded: dict[str, list[ParamSpec]] = {}
    write_state_to_url = ui.write_state_to_url

    def recording(page_id, page_specs, values):
        recorded[page_id] = list(page_specs)
        return write_state_to_url(page_id, page_specs, values)

    found = {}
    with mock.patch.object(ui, "write_state_to_url", recording):
        for page in PAGES:
            recorded.clear()
            at = open_page(page, {})
            assert not at.exception, [e.value for e in at.exception]
            assert len(recorded) == 1, f"{page}: the page wrote its URL with {len(recorded)} spec lists"
            (page_specs,) = recorded.values()
            assert [spec.key for spec in page_specs] == URL_KEYS[page]
            url = {key: at.query_params[key] for key in at.query_params}
            assert sorted(url) == sorted([*URL_KEYS[page], "lang"]), url  # every page keeps the language
            assert url == {spec.key: spec.format(spec.default) for spec in page_specs} | {"lang": "en"}  # defaults
            found[page] = page_specs
    return found


SPEC_CASES = [pytest.param(page, key, id=f"{page}-{key}") for page in PAGES for key in URL_KEYS[page]]


def spec_of(specs: dict[str, list[ParamSpec]], page: str, key: str) -> ParamSpec:
    (spec,) = [s for s in specs[page] if s.key == key]
    return spec


@pytest.mark.parametrize(("page", "key"), SPEC_CASES)
def test_every_default_survives_a_round_trip_through_the_url(specs, page, key):
    """The default written to the URL reads back as the default (a fresh link shows no warning)."""
    spec = spec_of(specs, page, key)
    values, warnings = parse_params({spec.key: spec.format(spec.default)}, specs[page])
    assert warnings == []
    assert values[spec.key] == spec.default


@pytest.mark.parametrize(("page", "key"), SPEC_CASES)
@FEW
@given(text=HOSTILE_TEXT)
def test_every_page_parameter_parses_or_warns_briefly(specs, page, key, text):
    """Hostile URL text: a value whose link is stable, or the default with one short warning naming the key."""
    spec = spec_of(specs, page, key)
    values, warnings = parse_params({spec.key: text}, specs[page])
    if warnings:
        assert len(warnings) == 1 and re.search(rf"`+ ?{re.escape(spec.key)}=", warnings[0]), warnings  # in a code span
        assert len(warnings[0]) <= MAX_WARNING_CHARS, f"{len(warnings[0])}-character warning"
        assert values[spec.key] == spec.default
        return
    shared = spec.format(values[spec.key])
    assert spec.format(spec.parse(shared)) == shared, "the shared link must read back to the same value"


@PROPERTY
@given(HOSTILE_TEXT, st.floats(-1e6, 1e6), st.floats(0, 1e6))
def test_finite_float_parser_returns_a_bounded_finite_float_or_a_value_error(text, lo, width):
    """finite_float(lo, hi): a finite float within the bounds, or ValueError."""
    hi = lo + width
    try:
        value = finite_float(lo, hi)(text)
    except ValueError:
        return
    assert math.isfinite(value) and lo <= value <= hi


@PROPERTY
@given(HOSTILE_TEXT, st.integers(-1000, 1000), st.integers(0, 10**12))
def test_bounded_int_parser_returns_a_bounded_int_or_a_value_error(text, lo, width):
    """bounded_int(lo, hi): a whole number within the bounds, or ValueError (also for 5,000-digit numbers)."""
    hi = lo + width
    try:
        value = bounded_int(lo, hi)(text)
    except ValueError:
        return
    assert isinstance(value, int) and lo <= value <= hi


@PROPERTY
@given(HOSTILE_TEXT, st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=5))
def test_boolean_and_one_of_parsers_accept_only_their_words(text, options):
    """boolean and one_of return one of their values or raise ValueError."""
    try:
        assert boolean(text) in (True, False)
    except ValueError:
        pass
    try:
        assert one_of(options)(text) in options
    except ValueError:
        pass


@FEW
@given(st.dictionaries(st.sampled_from([*URL_KEYS["softmax"], "junk", ""]), HOSTILE_TEXT, max_size=7))
def test_a_whole_hostile_query_string_gives_values_for_every_key(specs, raw):
    """Many hostile parameters at once: every spec gets a value, one warning at most per bad key."""
    softmax_specs = specs["softmax"]
    values, warnings = parse_params(raw, softmax_specs)
    assert set(values) == {s.key for s in softmax_specs}
    assert len(warnings) <= sum(1 for s in softmax_specs if s.key in raw)
