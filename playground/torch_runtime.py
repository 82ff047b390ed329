"""The app's torch: imported once, in the background, so no page waits for it; and run on one thread.

Importing torch takes seconds on a small machine. The explorer needs it for one figure (PyTorch's own
cross-entropy), so on a freshly started server it shows everything else at once and that figure a moment
later. The app's warm-up waits on the same import.
"""
from __future__ import annotations

import importlib
import threading
from types import ModuleType


class BackgroundImport:
    """A module imported on a background thread the first time it is asked for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._done = threading.Event()
        self._start = threading.Lock()
        self._started = False
        self._module: ModuleType | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._module = importlib.import_module(self.name)
        except BaseException as err:  # noqa: BLE001 - reported to the caller by module_if_loaded
            self._error = err
        finally:
            self._done.set()

    def module_if_loaded(self, wait: float | None = 0.05) -> ModuleType | None:
        """The module once imported (waiting at most ``wait`` seconds, None: until it is); else None, with the
        import started. Raises ImportError if the import failed."""
        if not self._done.is_set():
            with self._start:
                if not self._started:
                    self._started = True
                    threading.Thread(target=self._run, name=f"{self.name}-import", daemon=True).start()
            if not self._done.wait(wait):
                return None
        if self._error is not None:
            raise ImportError(f"{self.name} could not be imported: {self._error}")
        return self._module


TORCH = BackgroundImport("torch")


def torch_if_loaded(wait: float | None = 0.05) -> ModuleType | None:
    """torch if it has finished importing (see ``BackgroundImport.module_if_loaded``)."""
    return TORCH.module_if_loaded(wait)


def use_one_thread() -> None:
    """One torch intra-op thread for the whole process: the app's tensors are tiny (an 8×3 batch, one 28×28
    drawing), and many students share a small CPU. The only place the app sets it."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
