"""One torch intra-op thread for the app's tiny tensors (an 8×3 batch, one 28×28 drawing)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Make sure torch runs on one intra-op thread while the block runs (and after: it is not restored).

    Threads cannot speed up these tensors, and on a busy 2-core machine the OpenMP hand-off alone cost
    milliseconds per backward pass and ~240 ms per CNN prediction. The setting is process-wide in this
    torch build, so restoring it would let one Streamlit session undo another's mid-run; the app uses
    one thread everywhere (see app.py).
    """
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    yield
