"""The canvas PNG check: an honest drawing decodes; anything else is refused, before decoding where it can be."""
from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from playground.digits.canvas_png import CANVAS_PX, CanvasImageError, decode_canvas_png, max_png_bytes, png_size


def png(pixels: np.ndarray, **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", **save_args)
    return buffer.getvalue()


def canvas(seed: int = 0) -> np.ndarray:
    rgb = np.random.default_rng(seed).integers(0, 256, (CANVAS_PX, CANVAS_PX, 3), dtype=np.uint8)
    return np.dstack([rgb, np.full((CANVAS_PX, CANVAS_PX), 255, dtype=np.uint8)])


def test_a_canvas_png_decodes_to_its_pixels():
    pixels = canvas()
    assert np.array_equal(decode_canvas_png(png(pixels)), pixels)


def test_the_largest_honest_canvas_png_is_within_the_limit():
    """Random noise stored without compression is as large as a 280×280 RGBA PNG gets."""
    worst = png(canvas(1), compress_level=0)
    assert len(worst) <= max_png_bytes()
    assert decode_canvas_png(worst).shape == (CANVAS_PX, CANVAS_PX, 4)


def test_a_grey_canvas_is_converted_to_rgba():
    grey = np.full((CANVAS_PX, CANVAS_PX), 200, dtype=np.uint8)
    image = decode_canvas_png(png(grey))
    assert image.shape == (CANVAS_PX, CANVAS_PX, 4) and image[0, 0].tolist() == [200, 200, 200, 255]


def test_header_size_is_read_without_decoding():
    fake = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 100_000, 100_000) + b"\x00" * 20
    assert png_size(fake) == (100_000, 100_000)
    with pytest.raises(CanvasImageError, match="100000×100000 pixels"):
        decode_canvas_png(fake)


@pytest.mark.parametrize("size", [(281, 280), (560, 560), (28, 28)])
def test_an_image_of_another_size_is_refused(size):
    pixels = np.zeros((size[1], size[0], 4), dtype=np.uint8)
    with pytest.raises(CanvasImageError, match="not the canvas's 280×280"):
        decode_canvas_png(png(pixels))


def test_a_payload_larger_than_any_canvas_png_is_refused_unread():
    with pytest.raises(CanvasImageError, match="more than a 280×280 drawing"):
        decode_canvas_png(b"\x89PNG\r\n\x1a\n" + b"\x00" * max_png_bytes())


@pytest.mark.parametrize("payload", [b"", b"GIF89a" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n",
                                     b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IDAT", 280, 280)])
def test_what_is_not_a_png_is_refused(payload):
    with pytest.raises(CanvasImageError):
        decode_canvas_png(payload)


def test_a_truncated_png_is_refused():
    whole = png(canvas())
    with pytest.raises(CanvasImageError, match="damaged"):
        decode_canvas_png(whole[: len(whole) // 2])
