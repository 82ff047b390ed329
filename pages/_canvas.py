"""The Digit canvas's drawing canvas: the component, its Clear and stroke-width controls, and reading what it
sends, which any browser can fake: the PNG is checked before it is decoded, and decoded once per drawing."""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import streamlit_drawable_canvas as drawable_canvas

from playground.digits.canvas_png import CANVAS_PX, CanvasImageError, decode_canvas_png
from playground.i18n import _, current_language

# Mounted once on the Digit canvas page, this script helps the canvas component in two ways:
# - The canvas sends a drawing to the app 200 ms after the last change (a debounce in its frontend). The script
#   presses the toolbar's own "Update the app with this drawing" button as soon as a stroke ends, so the
#   prediction need not wait for that timer. If the button is not found (another version of the component),
#   the debounced send still happens.
# - The toolbar waits, invisible, over the canvas's top-right corner until the canvas is hovered, and then
#   slides up above it. A finger cannot hover, so on a phone that corner swallowed strokes (or pressed an
#   unseen "Reset canvas"); with a mouse, a quick press there while the toolbar slid away was lost too. The
#   script adds a style to each canvas's shadow root that puts the toolbar in a row of its own under the canvas.
CANVAS_HELPERS_JS = """
// The toolbar becomes a row of its own under the canvas, always shown: never over the drawing, and reachable
// without hovering (which a finger cannot do). "!important": a remounted canvas (Clear) may render its own
// stylesheet after this one, and its hover rules are more specific.
const TOOLBAR_CSS = ".dc-toolbar{position:static!important;opacity:1!important;pointer-events:auto!important;" +
  "justify-content:flex-end!important;padding:.25rem 0 0!important}";

function styleCanvasToolbars() {
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot;
    if (root && !root.querySelector("style[data-digits-toolbar]")) {
      const style = document.createElement("style");
      style.dataset.digitsToolbar = "";
      style.textContent = TOOLBAR_CSS;  // only .dc-* rules: other components ignore it
      root.append(style);
    }
  }
}

export default function () {
  if (window.__digitsCanvasHelpers) return;
  window.__digitsCanvasHelpers = true;
  document.addEventListener("pointerup", (event) => {
    const canvas = event.composedPath().find(
      (el) => el instanceof HTMLCanvasElement && el.classList.contains("upper-canvas"));
    const button = canvas?.getRootNode().querySelector(
      'button[aria-label="Update the app with this drawing"]');
    if (button) setTimeout(() => button.click(), 0);  // after the canvas has added the stroke
  }, true);
  let queued = false;  // a new canvas (Clear remounts it) gets the style within a frame
  new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => { queued = false; styleCanvasToolbars(); });
    }
  }).observe(document.body, { childList: true, subtree: true });
  styleCanvasToolbars();
}
"""

STROKE_KEY, CANVAS_VERSION_KEY = "digits_stroke_width", "digits_canvas_version"
DECODED_KEY = "digits_decoded_drawing"  # (payload sha256 and language, image or None, refusal or None)


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
        st.button(_("Clear"), icon=":material/ink_eraser:", on_click=clear_canvas, key="digits_clear")
        with st.popover(_("Stroke {px} px").format(px=st.session_state.get(STROKE_KEY, 20)),
                        icon=":material/line_weight:", key="digits_stroke_popover"):
            st.slider(_("Stroke width (px)"), 8, 40, 20, key=STROKE_KEY)
    return payload


def read_drawing(payload: bytes | None) -> tuple[np.ndarray | None, str | None]:
    """The canvas image (None before the first stroke), decoded once per distinct payload, or why the browser's
    payload was refused (in this run's language, which is part of the key)."""
    if payload is None:
        return None, None
    digest = hashlib.sha256(payload).digest() + current_language().encode()
    if st.session_state.get(DECODED_KEY, (None,))[0] != digest:
        try:
            st.session_state[DECODED_KEY] = (digest, decode_canvas_png(payload), None)
        except CanvasImageError as err:
            st.session_state[DECODED_KEY] = (digest, None, str(err))
    return st.session_state[DECODED_KEY][1:]

