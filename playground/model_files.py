"""Where the digit models' weights and cards live, and the errors that name them, without importing torch.

The Digit canvas page reads cards and checks model kinds before torch has finished importing, so that
its canvas shows at once on a freshly started server; ``playground.digits`` builds on these.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playground.paths import MODELS_DIR

KINDS: tuple[str, ...] = ("linear", "cnn")


class ModelFileError(RuntimeError):
    """Shipped weights are missing or unreadable; the message names the file and the rebuild command."""


def rebuild_command(kind: str) -> str:
    """The shell command that retrains and rewrites the weights for ``kind``."""
    return f"python -m playground.train_mnist --model {kind}"


def check_kind(kind: str) -> None:
    """Raise ValueError unless ``kind`` is one of KINDS."""
    if kind not in KINDS:
        raise ValueError(f"model kind must be one of {sorted(KINDS)}, not {kind!r}")


def weights_path(kind: str, models_dir: Path | None = None) -> Path:
    """Where the state_dict for ``kind`` lives."""
    return (models_dir or MODELS_DIR) / f"{kind}.pt"


def load_card(kind: str, models_dir: Path | None = None) -> dict[str, Any]:
    """Return the model card (JSON beside the weights), or raise ModelFileError naming the file."""
    check_kind(kind)
    path = (models_dir or MODELS_DIR) / f"{kind}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ModelFileError(
            f"Model card {path} is missing or unreadable ({type(err).__name__}). Rebuild it with: {rebuild_command(kind)}"
        ) from None
