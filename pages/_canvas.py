"""The Digit canvas's drawing canvas: the component, its Clear and stroke-width controls, and reading what it
sends, which any browser can fake: the PNG is checked before it is decoded, and decoded once per drawing."""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import streamlit_drawable_canvas as drawable_canvas

from playground.canvas_png import CANVAS_PX, CanvasImageError, decode_canvas_png
from playground.preprocess import DrawingError, preprocess

STROKE_KEY, CANVAS_VERSION_KEY = "digits_stroke_width", "digits_canvas_version"
DECODED_KEY = "digits_decoded_drawing"  # (payload sha256, image or None, refusal or None)


def clear_canvas() -> None:
    """Clear: a new canvas widget (a new key), empty."""
    st.session_state[CANVAS_VERSION_KEY] += 1


def draw_canvas() -> bytes | None:
    """The 280×280 canvas (white on black, freedraw), a Clear button and the stroke width in a popover.

    Returns the drawing's PNG bytes as the browser sent them (None before the first stroke), undecoded.
    """
    try:
        result = drawable_canvas.st_canvas(  # looked up at call time, so tests can stand in for it
            stroke_width=st.session_state.get(STROKE_KEY, 20), stroke_color="#FFFFFF", background_color="#000000",
            height=CANVAS_PX, width=CANVAS_PX, drawing_mode="freedraw", update_streamlit=True, return_image_data=True,
            key=f"digits_canvas_{st.session_state[CANVAS_VERSION_KEY]}",
        )
        payload = result.image_bytes  # base64 only: the PNG is checked before anything decodes it
    except (AttributeError, KeyError, TypeError, ValueError):  # a component value our canvas never sends
        payload = b""  # refused below: not a PNG
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Clear", icon=":material/ink_eraser:", on_click=clear_canvas)
        with st.popover(f"Stroke {st.session_state.get(STROKE_KEY, 20)} px", icon=":material/line_weight:"):
            st.slider("Stroke width (px)", 8, 40, 20, key=STROKE_KEY)
    return payload


def decoded_drawing(payload: bytes | None) -> tuple[np.ndarray | None, str | None]:
    """The canvas image, decoded once per distinct payload, or why it was refused."""
    if payload is None:
        return None, None
    digest = hashlib.sha256(payload).digest()
    if st.session_state.get(DECODED_KEY, (None,))[0] != digest:
        try:
            st.session_state[DECODED_KEY] = (digest, decode_canvas_png(payload), None)
        except CanvasImageError as err:
            st.session_state[DECODED_KEY] = (digest, None, str(err))
    return st.session_state[DECODED_KEY][1:]


def read_drawing(payload: bytes | None) -> tuple[np.ndarray | None, np.ndarray | None, str | None]:
    """The canvas image, its 28×28 MNIST-form input (None when there is no ink), and why it cannot be read."""
    image, refusal = decoded_drawing(payload)
    if image is None:
        return None, None, refusal
    try:
        return image, preprocess(image), None
    except DrawingError as err:
        return image, None, str(err)
