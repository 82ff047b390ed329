"""Bring a canvas drawing into MNIST form: crop to the ink, fit a 20 px box, centre by mass in 28×28.

MNIST digits were size-normalised into a 20×20 box (keeping the aspect ratio, anti-aliased) and then
placed in a 28×28 field so that their centre of mass sits at the centre. Resizing a whole canvas to
28×28 skips both steps, which is why digits drawn small or off-centre get misread.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from playground.i18n import _

MNIST_SIZE = 28
BOX_SIZE = 20
CENTRE = 14.0  # mean centre of mass of the MNIST training digits, in pixel indices (measured: 14.00, 14.01)

INK_THRESHOLD = 0.1  # a pixel counts as ink above this intensity (0..1)
MIN_INK_FRACTION = 0.0005  # less ink than this share of the image is a speck, not a digit
MIN_EXTENT_FRACTION = 0.08  # ink spanning less than this share of the image's long side is a dot
MAX_INK_FRACTION = 0.6  # more ink than this share of the image is not a drawing on a blank canvas
MIN_SIDE = 8
MAX_SIDE = 4096


class DrawingError(ValueError):
    """The image cannot be read as a drawing of a digit; the message says why."""


def _validated(image: np.ndarray) -> np.ndarray:
    """Check type, shape and values; return the image with a channel axis (H, W, C)."""
    if not isinstance(image, np.ndarray):
        raise DrawingError(_("expected a numpy array, got {type}").format(type=type(image).__name__))
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise DrawingError(_("expected a (H, W) grayscale or (H, W, 4) RGBA image, got shape {shape}").format(
            shape=image.shape))
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE or max(height, width) > MAX_SIDE:
        raise DrawingError(_("image is {height}×{width}; each side must be {low} to {high} pixels").format(
            height=height, width=width, low=MIN_SIDE, high=MAX_SIDE))
    if image.dtype == np.uint8:
        return image
    if not (image.dtype == np.bool_ or np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)):
        raise DrawingError(_("expected uint8 or float pixels, got dtype {dtype}").format(dtype=image.dtype))
    if not np.isfinite(image).all():
        raise DrawingError(_("image contains NaN or infinite pixels"))
    if image.min() < 0 or image.max() > 255:  # checked before the float32 cast, which would overflow
        raise DrawingError(_("pixel values must lie in [0, 1] or [0, 255]"))
    values = image.astype(np.float32)
    scale = 255.0 if values.max() <= 1.0 else 1.0
    return np.rint(values * scale).astype(np.uint8)


def _border_mean(values: np.ndarray) -> float:
    """Mean of the outermost pixels: what the background looks like (both sides are at least MIN_SIDE)."""
    height, width = values.shape
    first_and_last_rows = int(values[:: height - 1].sum(dtype=np.int64))
    first_and_last_columns = int(values[1:-1, :: width - 1].sum(dtype=np.int64))
    return (first_and_last_rows + first_and_last_columns) / (2 * width + 2 * (height - 2))


_OPAQUE_BLACK = 0xFF000000  # an RGBA pixel as a little-endian 32-bit word: alpha 255, no colour


def _rgba_words(rgba: np.ndarray) -> np.ndarray:
    """A contiguous RGBA uint8 (H, W, 4) image seen as (H, W) little-endian 32-bit words, without a copy."""
    return rgba.view(np.dtype("<u4"))[:, :, 0]


def _has_transparency(rgba: np.ndarray) -> bool:
    """True when any pixel of a contiguous RGBA uint8 image has alpha < 255 (one pass over 32-bit words)."""
    return int(_rgba_words(rgba).min()) < _OPAQUE_BLACK  # little-endian: alpha is the top byte


@dataclass(frozen=True)
class _InkCrop:
    """Ink intensity (a PIL "L" image) of the part of a drawing where ink can be, and the full drawing's size.

    Reading a canvas spends most of its time on pixels far from the digit, so the ink is cropped before any
    numpy work. The crop keeps a margin wider than the resize filter, so the resize reads the same pixels as in
    the whole drawing (its filter positions may round differently: at most 0.005 per pixel on 1,300 canvas-style
    drawings). An opaque canvas is converted by Pillow straight from its buffer, other inputs by
    ``_ink_of_validated``; both give the same ink, so both give the same form.
    """

    image: Image.Image
    full_height: int
    full_width: int


def _crop_to(ink: Image.Image, nonzero: tuple[int, int, int, int]) -> _InkCrop:
    """``ink`` cropped around its nonzero box (PIL order: left, top, right, bottom) plus a margin wider than the
    bilinear support of ``_fit_box``, clipped to the image: the resize sees the same pixels in the crop as in the
    whole."""
    left, top, right, bottom = nonzero
    margin = -(-max(bottom - top, right - left) // 10) + 2
    width, height = ink.size
    box = (max(left - margin, 0), max(top - margin, 0), min(right + margin, width), min(bottom + margin, height))
    return _InkCrop(ink.crop(box), height, width)


class _NoShortcut(Exception):
    """The canvas is not opaque with a black border: read it the general way."""


def _opaque_canvas_crop(rgba: np.ndarray) -> _InkCrop | None:
    """The ink of an opaque canvas with a dark border: its luma, cropped around the nonzero pixels; None when the
    canvas is all black. Raises _NoShortcut when this does not apply (transparency, or a light border)."""
    if _has_transparency(rgba):
        raise _NoShortcut("not opaque")
    height, width = rgba.shape[:2]
    canvas = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)  # no copy
    luma = canvas.convert("L")  # ITU-R 601, as the general path; an opaque image needs no compositing
    nonzero = luma.getbbox()
    if nonzero is None:
        return None
    left, top, right, bottom = nonzero
    touches_border = top == 0 or left == 0 or bottom == height or right == width
    if touches_border and _border_mean(np.asarray(luma)) > 127:
        raise _NoShortcut("light background: the general path inverts it")
    return _crop_to(luma, nonzero)


def _ink_of_validated(pixels: np.ndarray) -> np.ndarray:
    """Ink intensity as uint8 (H, W) of a validated (H, W, C) image: bright-on-dark, ink-in-alpha or dark-on-light."""
    channels = pixels.shape[2]
    if channels == 1:
        ink = pixels[:, :, 0]
    else:
        pixels = np.ascontiguousarray(pixels)
        transparent = channels == 4 and _has_transparency(pixels)  # an opaque canvas skips both alpha steps
        if transparent and _border_mean(pixels[:, :, 3]) < 128:  # transparent background: ink lives in alpha
            return np.ascontiguousarray(pixels[:, :, 3])
        ink = np.asarray(Image.fromarray(pixels).convert("L"))  # ITU-R 601 luma, ignores alpha
        if transparent:  # composite over black
            ink = ((ink.astype(np.uint16) * pixels[:, :, 3]) // 255).astype(np.uint8)
    if _border_mean(ink) > 127:  # dark ink on a light background
        ink = 255 - ink
    return np.ascontiguousarray(ink)


def _ink_crop(image: np.ndarray) -> _InkCrop | None:
    """The ink of any accepted input, cropped around the drawing; None when there is no ink at all."""
    pixels = _validated(image)
    if pixels.shape[2] == 4:
        pixels = np.ascontiguousarray(pixels)
        try:
            return _opaque_canvas_crop(pixels)
        except _NoShortcut:
            pass
    ink = Image.fromarray(_ink_of_validated(pixels))
    nonzero = ink.getbbox()
    return _crop_to(ink, nonzero) if nonzero is not None else None


def ink_map(image: np.ndarray) -> np.ndarray:
    """Return ink intensity in [0, 1], float32 (H, W), for any accepted input."""
    return _ink_of_validated(_validated(image)).astype(np.float32) / 255.0


_INK_LEVEL = round(INK_THRESHOLD * 255)  # a uint8 ink value above this is ink


def _ink_bbox(ink: _InkCrop) -> tuple[int, int, int, int] | None:
    """Bounding box (top, bottom, left, right) of the ink in ``ink.image``'s pixels, or None for no/speck ink."""
    mask = np.asarray(ink.image) > _INK_LEVEL
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    ink_pixels = np.count_nonzero(mask)
    full_size = ink.full_height * ink.full_width
    if ink_pixels < max(1.0, MIN_INK_FRACTION * full_size):
        return None
    if max(bottom - top, right - left) < MIN_EXTENT_FRACTION * max(ink.full_height, ink.full_width):
        return None
    if ink_pixels > MAX_INK_FRACTION * full_size:
        raise DrawingError(_("the image is almost all ink: clear the canvas and draw one digit"))
    return top, bottom, left, right


def _fit_box(ink: Image.Image, bbox: tuple[int, int, int, int]) -> np.ndarray:
    """Resize the ink inside ``bbox`` so its long side is BOX_SIZE px, keeping the aspect ratio (anti-aliased).

    Returns float32 in [0, 1]. Resizing the uint8 ink (as MNIST's own 8-bit pipeline did) straight from the
    box, without copying the crop, is faster than resizing floats, for a rounding error of at most 1/510.
    """
    top, bottom, left, right = bbox
    height, width = bottom - top, right - left
    scale = BOX_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = ink.resize(size, Image.Resampling.BILINEAR, box=(left, top, right, bottom))
    return np.asarray(resized, dtype=np.float32) / np.float32(255.0)


_BOX_INDEX = np.arange(BOX_SIZE, dtype=np.float32)
_MARGIN = BOX_SIZE + 1  # the working field's margin: any placement of a box fits before the 28×28 is cut out


def _centre_by_mass(box: np.ndarray, mass: float) -> np.ndarray:
    """Place ``box`` (total ``mass``) in 28×28 so its centre of mass lands on CENTRE (sub-pixel, bilinear).

    The box is added four times, at the four whole-pixel offsets around the exact one, each weighted by
    its bilinear share; parts that fall outside the 28×28 are dropped.
    """
    height, width = box.shape
    top = CENTRE - float(box.sum(axis=1) @ _BOX_INDEX[:height]) / mass
    left = CENTRE - float(box.sum(axis=0) @ _BOX_INDEX[:width]) / mass
    whole_top, whole_left = int(np.floor(top)), int(np.floor(left))
    down, right = top - whole_top, left - whole_left  # the sub-pixel parts of the shift, in [0, 1)
    side = MNIST_SIZE + 2 * _MARGIN
    field = np.zeros((side, side), dtype=np.float32)
    r, c = _MARGIN + whole_top, _MARGIN + whole_left
    field[r: r + height, c: c + width] = box * ((1.0 - down) * (1.0 - right))
    field[r: r + height, c + 1: c + 1 + width] += box * ((1.0 - down) * right)
    field[r + 1: r + 1 + height, c: c + width] += box * (down * (1.0 - right))
    field[r + 1: r + 1 + height, c + 1: c + 1 + width] += box * (down * right)
    return np.clip(field[_MARGIN: _MARGIN + MNIST_SIZE, _MARGIN: _MARGIN + MNIST_SIZE], 0.0, 1.0)


def preprocess(image: np.ndarray) -> np.ndarray | None:
    """Return the MNIST-form float32 (28, 28) array in [0, 1], or None when there is no ink to read.

    Accepts an RGBA uint8 (H, W, 4) canvas image or a grayscale (H, W) array. Raises DrawingError (a
    ValueError) with a readable message for inputs that cannot be a drawing.
    """
    ink = _ink_crop(image)
    bbox = _ink_bbox(ink) if ink is not None else None
    if bbox is None:
        return None
    box = _fit_box(ink.image, bbox)
    mass = float(box.sum())
    if mass <= 0:
        return None
    return _centre_by_mass(box, mass)
