"""The Digit canvas: MNIST, preprocessing a drawing, the models and their weights, and what the page says.

The names below are the package's public face. They load on first use, so importing a light submodule
(``playground.digits.mnist``, ``.preprocessing``) does not import torch.
"""
from __future__ import annotations

import importlib

_PUBLIC = {"load_model": "models", "predict_proba": "models", "preprocess": "preprocessing", "load_mnist": "mnist"}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(f"playground.digits.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
