"""The course's models: ``nn.Linear(3, 3)`` with seeded initial weights, and the by-hand ``x @ W + b``."""
from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SoftmaxClassifier(nn.Module):
    """The course's model: a single ``nn.Linear(3, 3)`` returning logits (no softmax inside)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 3)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``x @ W + b``."""
        return self.linear(x)

    def weight_and_bias(self) -> tuple[Tensor, Tensor]:
        """``(W, b)`` with W shaped (features, classes) so that logits = x @ W + b."""
        return self.linear.weight.t(), self.linear.bias


@functools.lru_cache(maxsize=256)
def initial_state(seed: int) -> dict[str, Tensor]:
    """The state_dict of the first ``SoftmaxClassifier`` drawn after ``torch.manual_seed(seed)``.

    Drawn from a private generator (never the global RNG, which other sessions use concurrently)
    and cached per seed, so every run of a seed starts from it. Treat the result as read-only.
    """
    return _draw_initial_state(int(seed))


def _draw_initial_state(seed: int) -> dict[str, Tensor]:
    """``nn.Linear(3, 3)``'s own initialisation, replayed on ``torch.Generator().manual_seed(seed)``.

    Same draws in the same order as ``reset_parameters`` after ``torch.manual_seed(seed)``, so
    the numbers are identical, without reading or advancing the global generator.
    """
    generator = torch.Generator().manual_seed(seed)
    weight, bias = torch.empty(3, 3), torch.empty(3)
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    bound = 1 / math.sqrt(weight.shape[1])  # 1 / sqrt(fan_in), as reset_parameters computes it
    nn.init.uniform_(bias, -bound, bound, generator=generator)
    return {"linear.weight": weight, "linear.bias": bias}


def model_from_seed(seed: int) -> SoftmaxClassifier:
    """A fresh ``SoftmaxClassifier`` loaded with the seed's initial weights (its own copy)."""
    model = SoftmaxClassifier()
    model.load_state_dict(initial_state(seed))
    return model


class LowLevelSoftmax(nn.Module):
    """The course's hand-made model: ``W = zeros(4, 3)``, ``b = zeros(1)``, logits ``x @ W + b``."""

    def __init__(self, features: int = 4, classes: int = 3) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.zeros(features, classes))
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x: Tensor) -> Tensor:
        """Logits with the single scalar bias broadcast over all classes, as in the course."""
        return x @ self.W + self.b

    def weight_and_bias(self) -> tuple[Tensor, Tensor]:
        """``(W, b)`` as trained."""
        return self.W, self.b


def one_hot_cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """The course's hand-written loss: ``(y_one_hot * -log(softmax(z))).sum(1).mean()``."""
    y_one_hot = torch.zeros_like(logits).scatter_(1, y.unsqueeze(1), 1)
    return (y_one_hot * -torch.log(F.softmax(logits, dim=1))).sum(dim=1).mean()
