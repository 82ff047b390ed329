"""Values the digit page's drawing canvas can receive, built without a browser: the one a stroke sends (for
the protocol-level students of the load test) and hostile ones (a PNG whose header claims a huge image)."""
from __future__ import annotations

import base64
import io
import struct
import zlib

from PIL import Image, ImageDraw

CANVAS_PX, STROKE_PX = 280, 20  # the digit page's canvas and default stroke width


def canvas_state(stroke: list[tuple[float, float]]) -> dict:
    """What the drawing canvas (streamlit-drawable-canvas, a components v2 widget) sends after one stroke:
    Fabric.js JSON with one round-capped white path, and the 280×280 canvas as a PNG data URL.

    The stroke is drawn where the browser student draws it: unit coordinates in a 180 px box at (60, 40).
    """
    points = [(60 + x * 180, 40 + y * 180) for (ax, ay), (bx, by) in zip(stroke, stroke[1:])
              for x, y in [(ax + (bx - ax) * i / 8, ay + (by - ay) * i / 8) for i in range(8)]]
    points.append((60 + stroke[-1][0] * 180, 40 + stroke[-1][1] * 180))
    scale, radius = 2, STROKE_PX / 2  # drawn at twice the size and scaled down: antialiased like a browser canvas
    image = Image.new("RGBA", (CANVAS_PX * scale, CANVAS_PX * scale), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    pen.line([(x * scale, y * scale) for x, y in points], fill=(255,) * 4, width=STROKE_PX * scale, joint="curve")
    for x, y in (points[0], points[-1]):
        pen.ellipse(((x - radius) * scale, (y - radius) * scale, (x + radius) * scale, (y + radius) * scale),
                    fill=(255,) * 4)
    png = io.BytesIO()
    image.resize((CANVAS_PX, CANVAS_PX), Image.Resampling.LANCZOS).save(png, format="PNG")
    xs, ys = [x for x, _ in points], [y for _, y in points]
    path = ([["M", *points[0]]] + [["Q", *a, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2] for a, b in zip(points, points[1:])]
            + [["L", *points[-1]]])
    fabric_path = {
        "type": "Path", "version": "7.4.0", "originX": "center", "originY": "center",
        "left": (min(xs) + max(xs)) / 2, "top": (min(ys) + max(ys)) / 2, "width": max(xs) - min(xs),
        "height": max(ys) - min(ys), "fill": None, "stroke": "#FFFFFF", "strokeWidth": STROKE_PX,
        "strokeLineCap": "round", "strokeLineJoin": "round", "scaleX": 1, "scaleY": 1, "angle": 0,
        "opacity": 1, "visible": True, "path": path}
    return {"drawing": {"raw": {"version": "7.4.0", "objects": [fabric_path], "background": "#000000"},
                        "data": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()}}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def black_rgba_png(size: int) -> bytes:
    """A valid size×size RGBA PNG, all black and opaque, built row by row (never a size² buffer)."""
    row = b"\x00" + b"\x00\x00\x00\xff" * size
    deflate = zlib.compressobj(9)
    idat = b"".join(deflate.compress(row) for _ in range(size)) + deflate.flush()
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def data_url_value(png: bytes) -> dict:
    """The component value our canvas sends, with ``png`` as its image."""
    return {"drawing": {"raw": {"version": "7.4.0", "objects": [], "background": "#000000"},
                        "data": "data:image/png;base64," + base64.b64encode(png).decode()}}
