"""The value the digit page's drawing canvas sends after one stroke, built without a browser: for the
protocol-level students of the load test and the hostile-canvas test's real drawing."""
from __future__ import annotations

import base64
import io

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
