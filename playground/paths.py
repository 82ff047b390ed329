"""Where the app's files live, resolved from this file so any working directory works."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
ASSETS_DIR: Path = REPO_ROOT / "assets"
MODELS_DIR: Path = ASSETS_DIR / "models"
MNIST_DIR: Path = ASSETS_DIR / "mnist"
LOCALES_DIR: Path = REPO_ROOT / "locales"
