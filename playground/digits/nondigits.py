"""Drawings that are not digits, made the way a student draws on the canvas: for outlier exposure.

Each kind is a small function that returns strokes (polylines) in a unit box, y pointing down. A drawing
picks a kind, draws its strokes with a little hand wobble, and places them on a 280×280 black canvas at a
random size and position, as white round strokes of one random width: the same rendering and the same
ranges as ``playground.digits.redraw.render_skeleton`` with ``random_style``. Nothing here is honestly a digit:
no plain circle or ellipse (a 0), no single vertical stroke (a 1), no Z (a 2) or S (a 5).

Every drawing has its own generator seeded by (seed, index), so a seed gives the same drawings in any
count, and the train, validation and test seeds below never share a drawing.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from playground.digits.redraw import _to_rgba, CANVAS

TRAIN_SEED = 31_337  # outliers the models are fine-tuned on
VALIDATION_SEED = 42_424  # outliers the verdict thresholds are chosen on
TEST_SEED = 90_001  # outliers the figures (bench/digits.py) are measured on

STROKE = (10, 28)  # canvas px, as drawing.random_style
SIZE = (70, 250)  # the drawing's long side in canvas px (random_style's digits are 90-240 tall)

Strokes = list[np.ndarray]  # polylines, each an (n, 2) array of (x, y) in a unit box


def _line(*points: tuple[float, float]) -> np.ndarray:
    return np.array(points, dtype=np.float64)


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int = 40) -> np.ndarray:
    t = np.linspace(start, stop, n)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _rotated(strokes: Strokes, degrees: float) -> Strokes:
    a = np.deg2rad(degrees)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return [s @ rotation.T for s in strokes]


def _tilt(rng: np.random.Generator, limit: float = 15.0) -> float:
    return float(rng.uniform(-limit, limit))


def _away_from_vertical(rng: np.random.Generator, margin: float = 35.0) -> float:
    """An angle (degrees from horizontal) at least ``margin`` degrees away from vertical: never a 1."""
    return float(rng.choice([-1, 1]) * rng.uniform(0, 90 - margin))


# --- the kinds ---------------------------------------------------------------------------------------------

def dash(rng: np.random.Generator) -> Strokes:
    """One short horizontal-ish dash, or a dashed line of 2-4 dashes."""
    count = int(rng.integers(1, 5))
    if count == 1:
        return _rotated([_line((-1, 0), (1, 0))], _tilt(rng, 20))
    gaps = np.linspace(-1, 1, 2 * count)
    return _rotated([_line((gaps[2 * i], 0), (gaps[2 * i + 1], 0)) for i in range(count)], _tilt(rng, 15))


def diagonal_line(rng: np.random.Generator) -> Strokes:
    """A long straight line between 10° and 55° from horizontal (a steeper one would be a 1)."""
    angle = float(rng.choice([-1, 1]) * rng.uniform(10, 55))
    return _rotated([_line((-1, 0), (1, 0))], angle)


def vertical_bars(rng: np.random.Generator) -> Strokes:
    """Two or three parallel vertical strokes (one alone is a 1)."""
    count = int(rng.integers(2, 4))
    xs = np.linspace(-0.6, 0.6, count) * rng.uniform(0.6, 1.0)
    return _rotated([_line((x, -1), (x, 1)) for x in xs], _tilt(rng, 10))


def cross(rng: np.random.Generator) -> Strokes:
    """An x: two crossing diagonals."""
    a, b = rng.uniform(0.7, 1.0, 2)
    return _rotated([_line((-a, -1), (a, 1)), _line((b, -1), (-b, 1))], _tilt(rng, 12))


def plus(rng: np.random.Generator) -> Strokes:
    """A plus sign, arms of about equal length."""
    w = rng.uniform(0.8, 1.0)
    return _rotated([_line((-w, 0), (w, 0)), _line((0, -1), (0, 1))], _tilt(rng, 12))


def hash_sign(rng: np.random.Generator) -> Strokes:
    """A hash sign: two horizontal and two (slanted) vertical strokes."""
    s = rng.uniform(0, 0.3)
    return _rotated([_line((-1, -0.35), (1, -0.35)), _line((-1, 0.35), (1, 0.35)),
                     _line((-0.35 + s, -1), (-0.35 - s, 1)), _line((0.35 + s, -1), (0.35 - s, 1))], _tilt(rng, 10))


def star(rng: np.random.Generator) -> Strokes:
    """A five-pointed star in one stroke, or an asterisk of three or four lines."""
    if rng.random() < 0.5:
        t = -np.pi / 2 + np.arange(6) * 4 * np.pi / 5
        return _rotated([np.stack([np.cos(t), np.sin(t)], axis=1)], _tilt(rng, 20))
    n = int(rng.integers(3, 5))
    angles = np.pi * (np.arange(n) / n + rng.uniform(0, 1))
    return [_line((-np.cos(a), -np.sin(a)), (np.cos(a), np.sin(a))) for a in angles]


def spiral(rng: np.random.Generator) -> Strokes:
    """An Archimedean spiral of two to three and a half turns."""
    turns = rng.uniform(2.0, 3.5)
    t = np.linspace(0, 2 * np.pi * turns, int(60 * turns))
    r = 0.08 + t / t[-1]
    direction = rng.choice([-1, 1])
    return _rotated([np.stack([r * np.cos(direction * t), r * np.sin(direction * t)], axis=1)], rng.uniform(0, 360))


def scribble(rng: np.random.Generator) -> Strokes:
    """A random scribble: a smoothed random walk with momentum."""
    steps = int(rng.integers(12, 40))
    heading, point, points = rng.uniform(0, 2 * np.pi), np.zeros(2), []
    for _ in range(steps):
        heading += rng.normal(0, 1.2)
        point = point + 0.3 * np.array([np.cos(heading), np.sin(heading)])
        point -= 0.15 * point * (np.abs(point) > 1)  # drift back toward the middle
        points.append(point.copy())
    return [np.array(points)]


def zigzag(rng: np.random.Generator) -> Strokes:
    """A horizontal zigzag of three to six teeth (two would be a Z, i.e. a 2)."""
    teeth = int(rng.integers(3, 7))
    xs = np.linspace(-1, 1, 2 * teeth + 1)
    ys = np.where(np.arange(len(xs)) % 2 == 0, -1, 1) * rng.uniform(0.2, 0.5)
    return _rotated([np.stack([xs, ys], axis=1)], _tilt(rng, 20))


def smiley(rng: np.random.Generator) -> Strokes:
    """A face: a circle with two eyes and a smile (or a frown)."""
    mouth = 1 if rng.random() < 0.8 else -1
    return [_arc(0, 0, 1, 1, 0, 2 * np.pi, 60), _line((-0.35, -0.35), (-0.35, -0.25)),
            _line((0.35, -0.35), (0.35, -0.25)), _arc(0, 0.2 - 0.3 * (mouth < 0), 0.5, 0.35 * mouth, 0.2, np.pi - 0.2)]


def heart(rng: np.random.Generator) -> Strokes:
    """A heart (the usual parametric curve)."""
    t = np.linspace(0, 2 * np.pi, 80)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return _rotated([np.stack([x, y], axis=1) / 16], _tilt(rng, 15))


def arrow(rng: np.random.Generator) -> Strokes:
    """An arrow pointing anywhere but straight up or down (a vertical shaft alone reads as a 1)."""
    head = rng.uniform(0.3, 0.5)
    strokes = [_line((-1, 0), (1, 0)), _line((1 - head, -head), (1, 0), (1 - head, head))]
    return _rotated(strokes, _away_from_vertical(rng, 30) + 180 * (rng.random() < 0.5))


def check_mark(rng: np.random.Generator) -> Strokes:
    """A check mark: a short stroke down, a long one up."""
    return _rotated([_line((-0.7, 0.0), (-0.25, 0.6), (0.8, -0.8))], _tilt(rng, 15))


def square(rng: np.random.Generator) -> Strokes:
    """A square (closed), only a little tilted."""
    return _rotated([_line((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1))], _tilt(rng, 15))


def rectangle(rng: np.random.Generator) -> Strokes:
    """A rectangle wider than tall (a tall narrow one would be a boxy 0)."""
    h = rng.uniform(0.3, 0.65)
    return _rotated([_line((-1, -h), (1, -h), (1, h), (-1, h), (-1, -h))], _tilt(rng, 12))


def triangle(rng: np.random.Generator) -> Strokes:
    """A closed triangle, any way up."""
    angles = -np.pi / 2 + np.array([0, 2, 4]) * np.pi / 3 + rng.normal(0, 0.15, 3)
    corners = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _rotated([np.vstack([corners, corners[:1]])], rng.uniform(0, 360))


def circle_with_something(rng: np.random.Generator) -> Strokes:
    """A circle with something in or across it: a dot, a plus, an x, a line through it, or rays (a sun)."""
    ring = _arc(0, 0, 1, rng.uniform(0.85, 1.0), 0, 2 * np.pi, 60)
    extra = int(rng.integers(0, 5))
    if extra == 0:
        return [ring, _line((-0.08, 0), (0.08, 0))]
    if extra == 1:
        return [ring, _line((-0.55, 0), (0.55, 0)), _line((0, -0.55), (0, 0.55))]
    if extra == 2:
        return [ring, _line((-0.45, -0.45), (0.45, 0.45)), _line((0.45, -0.45), (-0.45, 0.45))]
    if extra == 3:
        return _rotated([ring, _line((-1.5, 0), (1.5, 0))], _tilt(rng, 20))
    small = _arc(0, 0, 0.55, 0.55, 0, 2 * np.pi, 40)
    rays = [_line((0.75 * np.cos(a), 0.75 * np.sin(a)), (1.0 * np.cos(a), 1.0 * np.sin(a)))
            for a in np.linspace(0, 2 * np.pi, int(rng.integers(6, 11)), endpoint=False)]
    return [small, *rays]


LETTERS: dict[str, Strokes] = {
    "A": [_line((-0.6, 1), (0, -1), (0.6, 1)), _line((-0.33, 0.2), (0.33, 0.2))],
    "E": [_line((0.6, -1), (-0.6, -1), (-0.6, 1), (0.6, 1)), _line((-0.6, 0), (0.4, 0))],
    "F": [_line((0.6, -1), (-0.6, -1), (-0.6, 1)), _line((-0.6, 0), (0.4, 0))],
    "H": [_line((-0.6, -1), (-0.6, 1)), _line((0.6, -1), (0.6, 1)), _line((-0.6, 0), (0.6, 0))],
    "K": [_line((-0.6, -1), (-0.6, 1)), _line((0.6, -1), (-0.6, 0.1)), _line((-0.25, -0.2), (0.6, 1))],
    "M": [_line((-0.7, 1), (-0.7, -1), (0, 0.3), (0.7, -1), (0.7, 1))],
    "N": [_line((-0.6, 1), (-0.6, -1), (0.6, 1), (0.6, -1))],
    "R": [np.vstack([_line((-0.6, 1), (-0.6, -1)), _arc(-0.1, -0.5, 0.6, 0.5, -np.pi / 2, np.pi / 2, 20),
                     _line((-0.6, 0), (0.6, 1))])],
    "W": [_line((-0.9, -1), (-0.45, 1), (0, -0.3), (0.45, 1), (0.9, -1))],
    "X": [_line((-0.6, -1), (0.6, 1)), _line((0.6, -1), (-0.6, 1))],
    "Y": [_line((-0.7, -1), (0, -0.1), (0.7, -1)), _line((0, -0.1), (0, 1))],
}


def letter(rng: np.random.Generator) -> Strokes:
    """A capital letter that looks like no digit: A E F H K M N R W X Y."""
    return _rotated(LETTERS[str(rng.choice(sorted(LETTERS)))], _tilt(rng, 12))


def doodle(rng: np.random.Generator) -> Strokes:
    """A doodle of several parts: a house, a stick figure, or two or three small shapes side by side."""
    pick = int(rng.integers(0, 3))
    if pick == 0:  # house: a square with a roof and a door
        return [_line((-0.7, 1), (-0.7, 0), (0.7, 0), (0.7, 1), (-0.7, 1)), _line((-0.9, 0.05), (0, -0.9), (0.9, 0.05)),
                _line((-0.15, 1), (-0.15, 0.5), (0.15, 0.5), (0.15, 1))]
    if pick == 1:  # stick figure
        return [_arc(0, -0.7, 0.3, 0.3, 0, 2 * np.pi, 30), _line((0, -0.4), (0, 0.4)), _line((-0.5, -0.1), (0.5, -0.1)),
                _line((-0.4, 1), (0, 0.4), (0.4, 1))]
    parts = [plus, cross, square, triangle, star, heart, smiley, hash_sign, check_mark, spiral]
    strokes: Strokes = []
    count = int(rng.integers(2, 4))
    for i in range(count):
        shape = parts[int(rng.integers(len(parts)))](rng)
        centre = np.array([-1 + (2 * i + 1) / count, rng.uniform(-0.4, 0.4)])
        scale = rng.uniform(0.55, 0.9) / count
        strokes += [s * scale + centre for s in shape]
    return strokes


KINDS: dict[str, Callable[[np.random.Generator], Strokes]] = {
    fn.__name__: fn for fn in (dash, diagonal_line, vertical_bars, cross, plus, hash_sign, star, spiral, scribble,
                               zigzag, smiley, heart, arrow, check_mark, square, rectangle, triangle,
                               circle_with_something, letter, doodle)
}


# --- drawing -----------------------------------------------------------------------------------------------

def _wobbly(stroke: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """The polyline resampled every ~0.04 units, with a smooth hand wobble of about ``amount`` units."""
    steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    along = np.concatenate([[0], np.cumsum(steps)])
    n = max(2, int(along[-1] / 0.04) + 1)
    t = np.linspace(0, along[-1], n)
    points = np.stack([np.interp(t, along, stroke[:, k]) for k in (0, 1)], axis=1)
    noise = np.cumsum(rng.normal(0, amount, (n, 2)), axis=0) / np.sqrt(np.arange(1, n + 1))[:, None]
    return points + noise


def draw_strokes(strokes: Strokes, rng: np.random.Generator, canvas: int = CANVAS) -> np.ndarray:
    """Draw unit-box strokes at a random size, aspect, position and stroke width: an RGBA uint8 canvas image."""
    width = float(rng.uniform(*STROKE))
    size = float(rng.uniform(*SIZE))
    stretch = np.array([rng.uniform(0.85, 1.15), 1.0])
    strokes = [_wobbly(s * stretch, rng, float(rng.uniform(0.005, 0.02))) for s in strokes]
    points = np.vstack(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = max(size - width, 1.0) / max(float((high - low).max()), 1e-6)
    half = (high - low) * scale / 2 + width
    centre = [float(rng.uniform(min(h, canvas / 2), max(canvas - h, canvas / 2))) for h in half]
    mid = (high + low) / 2
    image = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(image)
    radius, line_width = width / 2, max(1, round(width))
    for stroke in strokes:
        xy = [(centre[0] + (x - mid[0]) * scale, centre[1] + (y - mid[1]) * scale) for x, y in stroke]
        draw.line(xy, fill=255, width=line_width)
        for x, y in xy:  # round caps and joins, as render_skeleton
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=255)
    return _to_rgba(image)


def kind_of(index: int) -> str:
    """The kind of drawing ``index`` of any seed: the kinds take turns, so every count is balanced."""
    return list(KINDS)[index % len(KINDS)]


def nondigit_canvas(seed: int, index: int) -> tuple[np.ndarray, str]:
    """Drawing ``index`` of ``seed``: a 280×280 RGBA uint8 canvas image and its kind."""
    kind = kind_of(index)
    rng = np.random.default_rng([seed, index])
    return draw_strokes(KINDS[kind](rng), rng), kind


def nondigit_canvases(count: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """``count`` non-digit drawings (count, 280, 280, 4) uint8 and their kinds; the same for a seed every time."""
    pairs = [nondigit_canvas(seed, i) for i in range(count)]
    images = np.stack([p[0] for p in pairs]) if pairs else np.zeros((0, CANVAS, CANVAS, 4), np.uint8)
    return images, [p[1] for p in pairs]


def nondigit_forms(count: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """The same drawings in MNIST form through the page's ``preprocess``: float32 (count, 28, 28) and kinds.

    Drawn one at a time, so a large count never holds its canvases. A drawing ``preprocess`` reads as empty
    (none of the kinds should give one) is drawn again from the next index of a spare sequence.
    """
    from playground.digits.preprocessing import preprocess

    forms = np.zeros((count, 28, 28), np.float32)
    kinds = []
    for i in range(count):
        image, kind = nondigit_canvas(seed, i)
        form = preprocess(image)
        retry = 0
        while form is None:
            retry += 1
            rng = np.random.default_rng([seed, i, retry])
            form = preprocess(draw_strokes(KINDS[kind](rng), rng))
        forms[i] = form
        kinds.append(kind)
    return forms, kinds
