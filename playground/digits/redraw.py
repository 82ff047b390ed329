"""Re-draw MNIST digits the way a person draws on the canvas: strokes of one width, any size, anywhere.

A digit is thinned to its skeleton (Zhang-Suen), and the skeleton is drawn back as round-capped strokes
of random width on a 280×280 black canvas, at a random height and position and with a small slant. This
gives canvas-style drawings with known labels: the benchmark for the preprocessing + model pipeline, and
extra training data that teaches the CNN what drawn strokes look like.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280
SKELETON_CHUNK_PIXELS = 50_000_000  # thinning holds ~30 bytes per pixel at once: chunks keep a batch near 1.5 GB

# Zhang-Suen neighbour order: P2 (north) clockwise to P9 (north-west), as (row, col) offsets.
_NEIGHBOURS = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]


def _neighbour_stack(padded: np.ndarray) -> np.ndarray:
    """(8, N, H, W) views of each pixel's eight neighbours, from a batch padded by one pixel."""
    height, width = padded.shape[1] - 2, padded.shape[2] - 2
    return np.stack([padded[:, 1 + dr: 1 + dr + height, 1 + dc: 1 + dc + width] for dr, dc in _NEIGHBOURS])


def skeletonize(masks: np.ndarray, max_iterations: int = 50) -> np.ndarray:
    """Zhang-Suen thinning of a batch of boolean images (N, H, W), vectorised over the batch."""
    skeleton = np.pad(masks.astype(bool), ((0, 0), (1, 1), (1, 1)))
    for _ in range(max_iterations):
        changed = False
        for step in (0, 1):
            core = skeleton[:, 1:-1, 1:-1]
            p = _neighbour_stack(skeleton)
            count = p.sum(axis=0)
            transitions = ((~p) & np.roll(p, -1, axis=0)).sum(axis=0)
            if step == 0:
                cond = ~(p[0] & p[2] & p[4]) & ~(p[2] & p[4] & p[6])
            else:
                cond = ~(p[0] & p[2] & p[6]) & ~(p[0] & p[4] & p[6])
            delete = core & (count >= 2) & (count <= 6) & (transitions == 1) & cond
            if delete.any():
                core[delete] = False
                changed = True
        if not changed:
            break
    return skeleton[:, 1:-1, 1:-1]


def skeleton_segments(skeleton: np.ndarray) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Line segments joining 8-connected skeleton pixels (diagonals only where no orthogonal path exists)."""
    on = skeleton.astype(bool)
    segments = []
    rows, cols = np.nonzero(on)
    height, width = on.shape
    for r, c in zip(rows.tolist(), cols.tolist()):
        for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
            r2, c2 = r + dr, c + dc
            if not (0 <= r2 < height and 0 <= c2 < width and on[r2, c2]):
                continue
            if dr and dc and (on[r, c2] or on[r2, c]):
                continue  # an orthogonal two-step path already links them
            segments.append(((r, c), (r2, c2)))
    return segments


@dataclass(frozen=True)
class DrawStyle:
    """How one digit is drawn: stroke width and digit height in canvas px, slant (shear), centre position."""

    stroke: float
    height: float
    slant: float
    centre_x: float
    centre_y: float


def random_style(rng: np.random.Generator, stroke=(10, 28), height=(90, 240), slant=0.25) -> DrawStyle:
    """A random style within the benchmark's ranges; the centre keeps the whole digit on the canvas."""
    h = float(rng.uniform(*height))
    w = float(rng.uniform(*stroke))
    margin = h / 2 + w
    cx = float(rng.uniform(min(margin, CANVAS / 2), max(CANVAS - margin, CANVAS / 2)))
    cy = float(rng.uniform(min(margin, CANVAS / 2), max(CANVAS - margin, CANVAS / 2)))
    return DrawStyle(stroke=w, height=h, slant=float(rng.uniform(-slant, slant)), centre_x=cx, centre_y=cy)


def render_skeleton(skeleton: np.ndarray, style: DrawStyle, canvas: int = CANVAS) -> np.ndarray:
    """Draw a skeleton as white round strokes on a black opaque RGBA canvas (uint8, canvas×canvas×4)."""
    rows, cols = np.nonzero(skeleton)
    image = Image.new("L", (canvas, canvas), 0)
    if rows.size == 0:
        return _to_rgba(image)
    span = max(rows.max() - rows.min(), 1)
    scale = max(style.height - style.stroke, 1.0) / span
    mid_r, mid_c = (rows.max() + rows.min()) / 2, (cols.max() + cols.min()) / 2

    def place(r: float, c: float) -> tuple[float, float]:
        y = (r - mid_r) * scale
        x = (c - mid_c) * scale - style.slant * y
        return style.centre_x + x, style.centre_y + y

    draw = ImageDraw.Draw(image)
    radius = style.stroke / 2
    width = max(1, round(style.stroke))
    for (r1, c1), (r2, c2) in skeleton_segments(skeleton):
        draw.line([place(r1, c1), place(r2, c2)], fill=255, width=width)
    for r, c in zip(rows.tolist(), cols.tolist()):
        x, y = place(r, c)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    return _to_rgba(image)


def _to_rgba(gray: Image.Image) -> np.ndarray:
    value = np.asarray(gray)
    return np.dstack([value, value, value, np.full_like(value, 255)])


def upsampled(images: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear upsampling of uint8 (N, H, W) digits by an integer factor (1 returns them unchanged)."""
    if factor == 1:
        return images
    size = (images.shape[2] * factor, images.shape[1] * factor)
    return np.stack([np.asarray(Image.fromarray(im).resize(size, Image.Resampling.BILINEAR)) for im in images])


def redraw(images: np.ndarray, seed: int, trace_scale: int = 1, **style_ranges) -> tuple[np.ndarray, list[DrawStyle]]:
    """Skeletons and random draw styles for a batch of MNIST uint8 images, reproducible for a seed.

    ``trace_scale`` > 1 traces the skeleton on the digit upsampled that many times: a smoother, more
    detailed path than the 28×28 one, i.e. a second, independent way of re-drawing the same digits.
    """
    rng = np.random.default_rng(seed)
    styles = [random_style(rng, **style_ranges) for _ in range(len(images))]
    return traced_skeletons(images, trace_scale), styles


def traced_skeletons(images: np.ndarray, trace_scale: int = 1) -> np.ndarray:
    """Skeletons (N, 28·s, 28·s) of MNIST uint8 images upsampled ``trace_scale`` times, thinned in chunks that
    keep memory bounded (10,000 digits traced at 6× would need ~9 GB at once)."""
    chunk = max(1, SKELETON_CHUNK_PIXELS // (images.shape[1] * images.shape[2] * trace_scale ** 2))
    parts = [skeletonize(upsampled(images[i: i + chunk], trace_scale) > 127) for i in range(0, len(images), chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, *(side * trace_scale for side in images.shape[1:])), bool)


def drawn_forms(images: np.ndarray, seed: int, trace_scale: int = 1, **style_ranges) -> np.ndarray:
    """Re-draw each MNIST image on a canvas and bring it back to MNIST form: float32 (N, 28, 28).

    A drawing that preprocessing reads as empty (a skeleton too small to draw) keeps the original digit.
    """
    from playground.digits.preprocessing import preprocess

    skeletons, styles = redraw(images, seed, trace_scale, **style_ranges)
    forms = images.astype(np.float32) / 255.0
    for i, (skeleton, style) in enumerate(zip(skeletons, styles)):
        form = preprocess(render_skeleton(skeleton, style))
        if form is not None:
            forms[i] = form
    return forms
