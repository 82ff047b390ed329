"""Bring a canvas drawing into MNIST form: crop to the ink, fit a 20 px box, centre by mass in 28×28.

MNIST digits were size-normalised into a 20×20 box (keeping the aspect ratio, anti-aliased) and then
placed in a 28×28 field so that their centre of mass sits at the centre. Resizing a whole canvas to
28×28 skips both steps, which is why digits drawn small or off-centre get misread.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

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
        raise DrawingError(f"expected a numpy array, got {type(image).__name__}")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise DrawingError(f"expected a (H, W) grayscale or (H, W, 4) RGBA image, got shape {image.shape}")
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE or max(height, width) > MAX_SIDE:
        raise DrawingError(f"image is {height}×{width}; each side must be {MIN_SIDE} to {MAX_SIDE} pixels")
    if image.dtype == np.uint8:
        return image
    if not (image.dtype == np.bool_ or np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)):
        raise DrawingError(f"expected uint8 or float pixels, got dtype {image.dtype}")
    values = image.astype(np.float32)
    if not np.isfinite(values).all():
        raise DrawingError("image contains NaN or infinite pixels")
    if values.min() < 0 or values.max() > 255:
        raise DrawingError("pixel values must lie in [0, 1] or [0, 255]")
    scale = 255.0 if values.max() <= 1.0 else 1.0
    return np.rint(values * scale).astype(np.uint8)


def _border_mean(values: np.ndarray) -> float:
    """Mean of the outermost pixels: what the background looks like (both sides are at least MIN_SIDE)."""
    height, width = values.shape
    first_and_last_rows = int(values[:: height - 1].sum(dtype=np.int64))
    first_and_last_columns = int(values[1:-1, :: width - 1].sum(dtype=np.int64))
    return (first_and_last_rows + first_and_last_columns) / (2 * width + 2 * (height - 2))


def _has_transparency(rgba: np.ndarray) -> bool:
    """True when any pixel of a contiguous RGBA uint8 image has alpha < 255 (one pass over 32-bit words)."""
    return bool((rgba.view(np.dtype("<u4")) < 0xFF000000).any())  # little-endian: alpha is the top byte


def _ink_u8(image: np.ndarray) -> np.ndarray:
    """Ink intensity as uint8 (H, W): bright-on-dark, ink-in-alpha or dark-on-light input."""
    pixels = _validated(image)
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


def ink_map(image: np.ndarray) -> np.ndarray:
    """Return ink intensity in [0, 1], float32 (H, W), for any accepted input."""
    return _ink_u8(image).astype(np.float32) / 255.0


def _ink_bbox(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (top, bottom, left, right) of the ink in a uint8 ink map, or None for no/speck ink."""
    nonzero = Image.fromarray(ink).getbbox()  # a fast C scan that trims the blank margins first
    if nonzero is None:
        return None
    left0, top0, right0, bottom0 = nonzero
    mask = ink[top0:bottom0, left0:right0] > round(INK_THRESHOLD * 255)
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    ink_pixels = np.count_nonzero(mask[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1])
    if ink_pixels < max(1.0, MIN_INK_FRACTION * ink.size):
        return None
    extent = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    if extent < MIN_EXTENT_FRACTION * max(ink.shape):
        return None
    if ink_pixels > MAX_INK_FRACTION * ink.size:
        raise DrawingError("the image is almost all ink: clear the canvas and draw one digit")
    return top0 + rows[0], top0 + rows[-1] + 1, left0 + cols[0], left0 + cols[-1] + 1


def _fit_box(ink: np.ndarray, bbox: tuple[int, int, int, int]) -> np.ndarray:
    """Resize the ink inside ``bbox`` so its long side is BOX_SIZE px, keeping the aspect ratio (anti-aliased).

    Returns float32 in [0, 1]. Resizing the uint8 ink (as MNIST's own 8-bit pipeline did) straight from the
    box, without copying the crop, is faster than resizing floats, for a rounding error of at most 1/510.
    """
    top, bottom, left, right = bbox
    height, width = bottom - top, right - left
    scale = BOX_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(ink).resize(size, Image.Resampling.BILINEAR, box=(left, top, right, bottom))
    return np.asarray(resized, dtype=np.float32) / np.float32(255.0)


def _paste(field: np.ndarray, box: np.ndarray, top: int, left: int, weight: float) -> None:
    """Add ``weight * box`` into ``field`` with its corner at (top, left), clipped to the field."""
    height, width = box.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + height, field.shape[0]), min(left + width, field.shape[1])
    if r0 < r1 and c0 < c1:
        field[r0:r1, c0:c1] += weight * box[r0 - top: r1 - top, c0 - left: c1 - left]


def _centre_by_mass(box: np.ndarray) -> np.ndarray:
    """Place ``box`` in 28×28 so its centre of mass lands on CENTRE (sub-pixel, bilinear)."""
    mass = float(box.sum())
    com_r = float(box.sum(axis=1) @ np.arange(box.shape[0], dtype=np.float32)) / mass
    com_c = float(box.sum(axis=0) @ np.arange(box.shape[1], dtype=np.float32)) / mass
    top, left = CENTRE - com_r, CENTRE - com_c
    int_top, int_left = int(np.floor(top)), int(np.floor(left))
    frac_top, frac_left = top - int_top, left - int_left
    field = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    for dr, wr in ((0, 1.0 - frac_top), (1, frac_top)):
        for dc, wc in ((0, 1.0 - frac_left), (1, frac_left)):
            if wr * wc > 0:
                _paste(field, box, int_top + dr, int_left + dc, wr * wc)
    return np.clip(field, 0.0, 1.0)


def preprocess(image: np.ndarray) -> np.ndarray | None:
    """Return the MNIST-form float32 (28, 28) array in [0, 1], or None when there is no ink to read.

    Accepts an RGBA uint8 (H, W, 4) canvas image or a grayscale (H, W) array. Raises DrawingError (a
    ValueError) with a readable message for inputs that cannot be a drawing.
    """
    ink = _ink_u8(image)
    bbox = _ink_bbox(ink)
    if bbox is None:
        return None
    box = _fit_box(ink, bbox)
    if box.sum() <= 0:
        return None
    return _centre_by_mass(box)
