"""torch, once it has finished importing, without making anyone wait for it.

Importing torch takes seconds on a small machine. The explorer needs it for one figure (PyTorch's own
cross-entropy), so on a freshly started server it shows everything else at once and that figure a moment
later, instead of blocking the whole page on the import.
"""
from __future__ import annotations

import sys
import threading
from types import ModuleType

_loaded = threading.Event()
_start_lock = threading.Lock()
_state: dict[str, BaseException | bool | None] = {"started": False, "error": None}


def _import_torch() -> None:
    try:
        import torch  # noqa: F401
    except BaseException as err:  # noqa: BLE001 - reported to the caller by torch_if_loaded
        _state["error"] = err
    finally:
        _loaded.set()


def torch_if_loaded(wait: float | None = 0.05) -> ModuleType | None:
    """torch if it is fully imported (waiting at most ``wait`` seconds, or until it is with None); else None,
    with the import started. The app's one background import of torch: the warm-up waits on it too.

    Raises ImportError if importing torch failed.
    """
    if not _loaded.is_set():
        with _start_lock:
            if not _state["started"]:
                _state["started"] = True
                threading.Thread(target=_import_torch, name="torch-import", daemon=True).start()
        if not _loaded.wait(wait):
            return None
    if _state["error"] is not None:
        raise ImportError(f"PyTorch could not be imported: {_state['error']}")
    return sys.modules["torch"]
