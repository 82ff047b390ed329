"""The drawing canvas's PNG, checked before it is decoded: any browser can send any bytes as a drawing.

A PNG's header states its size, so a payload that could only be a decompression bomb (a small file that
inflates to gigabytes of pixels) is refused from its first 24 bytes, before Pillow allocates anything.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from playground.i18n import _

CANVAS_PX = 280
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEADER = struct.Struct(">I4sII")  # IHDR's length and type, then width and height


def max_png_bytes(size: int = CANVAS_PX) -> int:
    """Twice the largest honest PNG of a size×size RGBA canvas (stored uncompressed, one filter byte a row)."""
    return 2 * size * (4 * size + 1)


class CanvasImageError(ValueError):
    """The canvas sent something that is not its own PNG drawing; the message says what."""


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR header, without decoding anything; CanvasImageError if not a PNG."""
    if not data.startswith(PNG_SIGNATURE) or len(data) < len(PNG_SIGNATURE) + _HEADER.size:
        raise CanvasImageError(_("it is not a PNG image"))
    length, kind, width, height = _HEADER.unpack_from(data, len(PNG_SIGNATURE))
    if length != 13 or kind != b"IHDR":
        raise CanvasImageError(_("its PNG header is damaged"))
    return width, height


def decode_canvas_png(data: bytes, size: int = CANVAS_PX) -> np.ndarray:
    """The canvas drawing as an RGBA uint8 (size, size, 4) array.

    Refuses, before decoding, a payload larger than the canvas's PNG can be or a header that is not
    size×size; then refuses anything Pillow cannot decode. Always CanvasImageError, with a short reason.
    """
    if len(data) > max_png_bytes(size):
        raise CanvasImageError(_("it is {n:,} bytes, more than a {size}×{size} drawing can be").format(
            n=len(data), size=size))
    width, height = png_size(data)
    if (width, height) != (size, size):
        raise CanvasImageError(_("it is {width}×{height} pixels, not the canvas's {size}×{size}").format(
            width=width, height=height, size=size))
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()
            return np.asarray(image.convert("RGBA"))
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error) as err:
        raise CanvasImageError(_("its PNG data is damaged ({error})").format(error=type(err).__name__)) from None
