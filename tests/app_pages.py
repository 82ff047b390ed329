"""Open any page of the app through its navigation frame (``app.py``) in AppTest, with URL query parameters."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE_FILES = {"overview": None, "softmax": "pages/softmax.py", "training": "pages/training.py",
              "digits": "pages/digits.py"}


def open_page(page: str, query: dict[str, str | list[str]], timeout: float = 60) -> AppTest:
    """Run the app on ``page`` with these query parameters and return the finished AppTest."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if PAGE_FILES[page]:
        at.switch_page(PAGE_FILES[page])
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()
