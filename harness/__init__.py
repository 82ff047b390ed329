"""Helpers shared by the tests and the benches, so neither imports the other: the app server launcher
(``server``), chromium helpers (``browser``), the protocol-level Streamlit client (``protocol``) and the
drawing canvas's component value (``canvas``)."""
