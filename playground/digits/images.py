"""Pictures of what a model sees: the drawing, its 28×28 pixels on a grid, contributions in blue and red."""
from __future__ import annotations

import numpy as np
from PIL import Image

from playground.digits.preprocessing import ink_map

BLUE, WHITE, RED = (33, 102, 172), (247, 247, 247), (178, 24, 43)  # the ends and middle of RdBu


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement of a (H, W) image in [0, 1] or [0, 255] to uint8, so pixels stay crisp."""
    values = np.asarray(image, dtype=np.float64)
    scaled = values * 255.0 if values.max(initial=0.0) <= 1.0 else values
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8).repeat(factor, axis=0).repeat(factor, axis=1)


GRID_LINE = (71, 85, 105)  # slate, between the pixels of the input
LIGHT_GRID_LINE = (226, 232, 240)  # between the pixels of the contribution maps


def grid_image(rgb: np.ndarray, cell: int = 8, line: tuple[int, int, int] = GRID_LINE) -> np.ndarray:
    """An (H, W, 3) uint8 image enlarged to ``cell``-px squares with 1-px grid lines, so each pixel shows."""
    big = np.asarray(rgb, dtype=np.uint8).repeat(cell, axis=0).repeat(cell, axis=1)
    out = np.empty((big.shape[0] + 1, big.shape[1] + 1, 3), dtype=np.uint8)
    out[:] = line
    out[:-1, :-1] = big
    out[::cell, :] = line
    out[:, ::cell] = line
    return out


def drawing_thumbnail(image: np.ndarray, size: int = 140) -> np.ndarray:
    """The canvas drawing as a small grayscale (size, size) uint8 image: cheap for the server to encode."""
    ink = Image.fromarray(np.rint(ink_map(image) * 255).astype(np.uint8))
    return np.asarray(ink.resize((size, size), Image.Resampling.BOX))


def pixel_grid(form: np.ndarray, cell: int = 8) -> np.ndarray:
    """The 28×28 input (white ink on black) as an RGB image with a visible grid between its pixels."""
    gray = enlarge(form, 1)
    return grid_image(np.repeat(gray[:, :, None], 3, axis=2), cell)


def diverging_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """Values on a blue–white–red scale as RGB uint8: -limit is blue, 0 white, +limit red (clipped)."""
    t = np.clip(np.asarray(values, dtype=np.float64) / (limit or 1.0), -1.0, 1.0)[..., None]
    white = np.array(WHITE, dtype=np.float64)
    toward = np.where(t >= 0, np.array(RED, dtype=np.float64), np.array(BLUE, dtype=np.float64))
    return np.rint(white + (toward - white) * np.abs(t)).astype(np.uint8)


def contribution_image(contribution: np.ndarray, limit: float, cell: int = 8) -> np.ndarray:
    """A w ⊙ x map as an enlarged blue–white–red image; pass one ``limit`` to compare several maps."""
    return grid_image(diverging_rgb(contribution, limit), cell, LIGHT_GRID_LINE)
