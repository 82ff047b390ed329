"""The procedural non-digit drawings used for outlier exposure."""
from __future__ import annotations

import numpy as np
import pytest

from playground.digits.nondigits import (KINDS, TEST_SEED, TRAIN_SEED, VALIDATION_SEED, kind_of, nondigit_canvas,
                                  nondigit_canvases, nondigit_forms)
from playground.digits.preprocessing import preprocess


def test_a_seed_gives_the_same_drawings_every_time_and_in_any_count():
    images, kinds = nondigit_canvases(6, seed=5)
    again, kinds_again = nondigit_canvases(6, seed=5)
    assert np.array_equal(images, again) and kinds == kinds_again
    fewer, _ = nondigit_canvases(3, seed=5)
    assert np.array_equal(fewer, images[:3])
    other, _ = nondigit_canvases(6, seed=6)
    assert not np.array_equal(images, other)


def test_canvases_look_like_the_canvas_white_ink_on_opaque_black():
    images, kinds = nondigit_canvases(4, seed=1)
    assert images.shape == (4, 280, 280, 4) and images.dtype == np.uint8
    assert (images[..., 3] == 255).all()
    assert (images[..., 0] == images[..., 1]).all() and (images[..., 1] == images[..., 2]).all()
    assert all(image[..., 0].max() == 255 and np.median(image[..., 0]) == 0 for image in images)  # ink on black
    assert kinds == [kind_of(i) for i in range(4)]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_draws_ink_that_preprocess_accepts(kind):
    index = list(KINDS).index(kind)
    for turn in range(3):  # three drawings of this kind
        image, drawn_kind = nondigit_canvas(seed=TRAIN_SEED, index=index + turn * len(KINDS))
        assert drawn_kind == kind
        form = preprocess(image)
        assert form is not None, f"{kind} #{turn} reads as an empty canvas"
        assert 0.02 < form.mean() < 0.6


def test_forms_are_the_preprocessed_canvases():
    images, kinds = nondigit_canvases(len(KINDS), seed=VALIDATION_SEED)
    forms, form_kinds = nondigit_forms(len(KINDS), seed=VALIDATION_SEED)
    assert forms.shape == (len(KINDS), 28, 28) and forms.dtype == np.float32
    assert form_kinds == kinds == list(KINDS)
    for image, form in zip(images, forms):
        assert np.array_equal(preprocess(image), form)


def test_the_three_seeds_are_distinct():
    assert len({TRAIN_SEED, VALIDATION_SEED, TEST_SEED}) == 3
