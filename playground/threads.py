"""One torch intra-op thread for the app's tiny tensors (an 8×3 batch, one 28×28 drawing)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


def use_one_thread() -> None:
    """Set torch's process-wide intra-op thread count to one (the only place the app sets it)."""
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block on one torch intra-op thread, and leave it so: the setting is process-wide, so restoring
    it would let one session undo another's mid-run. Tiny tensors gain nothing from more threads."""
    use_one_thread()
    yield
