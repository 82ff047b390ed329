"""One SGD step of the softmax classifier, taken apart into the numbers a student can check by hand.

x -> logits -> softmax -> loss, the gradient p - y, dL/dW = x^T (p - y) / N and the update
W <- W - lr * dL/dW, all computed from the formulas (not autograd) so the page can show them,
and tests can prove they equal what PyTorch's autograd and ``SGD.step`` do.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from playground.i18n import _


@dataclass(frozen=True)
class SgdStepBreakdown:
    """Every intermediate of one full-batch SGD step; W is (features x classes), logits = x @ W + b."""

    x: Tensor
    y: Tensor
    W: Tensor
    b: Tensor
    logits: Tensor
    probs: Tensor
    y_one_hot: Tensor
    loss: float
    grad_logits: Tensor
    grad_W: Tensor
    grad_b: Tensor
    lr: float
    l2: float
    W_new: Tensor
    b_new: Tensor


def sgd_step_breakdown(model: nn.Module, x: Tensor, y: Tensor, lr: float, l2: float = 0.0) -> SgdStepBreakdown:
    """Compute one SGD step on ``(x, y)`` from the formulas, without changing ``model``.

    With ``l2`` (weight decay) the update is ``W - lr * (dL/dW + l2 * W)``, as ``torch.optim.SGD`` does.
    """
    with torch.no_grad():
        W, b = (t.detach().clone() for t in model.weight_and_bias())
        logits = x @ W + b
        probs = F.softmax(logits, dim=1)
        y_one_hot = F.one_hot(y, num_classes=logits.shape[1]).to(logits.dtype)
        loss = -(y_one_hot * F.log_softmax(logits, dim=1)).sum(dim=1).mean().item()
        grad_logits = probs - y_one_hot
        n = x.shape[0]
        grad_W = x.T @ grad_logits / n
        grad_b = grad_logits.sum(dim=0) / n if b.numel() == logits.shape[1] else grad_logits.sum().reshape(1) / n
        W_new = W - lr * (grad_W + l2 * W)
        b_new = b - lr * (grad_b + l2 * b)
    return SgdStepBreakdown(x, y, W, b, logits, probs, y_one_hot, loss, grad_logits, grad_W, grad_b,
                            float(lr), float(l2), W_new, b_new)


def format_short(value: float, digits: int = 6) -> str:
    """A number as compact text with no negative zero: -0.0 and 0.0 both read ``0``, as PyTorch's loss does."""
    value = float(value)
    return "0" if value == 0 else f"{value:.{digits}g}"


def format_vector(values: Tensor) -> str:
    """A row of numbers as compact text, e.g. ``[0.28, 0.3, 0.43]``."""
    return "[" + ", ".join(format_short(v, 3) for v in values.tolist()) + "]"


def samples_frame(step: SgdStepBreakdown) -> pd.DataFrame:
    """Per sample: x, logits z, probabilities p, true class y, its loss -log p_y and the gradient p - y.

    -log p_y comes from log-softmax, as ``F.cross_entropy`` computes it, so it stays finite where p_y rounds to 0 or 1.
    """
    sample_loss = -F.log_softmax(step.logits, dim=1).gather(1, step.y.unsqueeze(1)).squeeze(1)
    return pd.DataFrame({
        "x": [format_vector(row) for row in step.x],
        "z = xW + b": [format_vector(row) for row in step.logits],
        "p = softmax(z)": [format_vector(row) for row in step.probs],
        _("true class y"): step.y.tolist(),
        "-log p_y": [format_short(v, 4) for v in sample_loss.tolist()],
        "p - y": [format_vector(row) for row in step.grad_logits],
    }, index=[_("sample {i}").format(i=i) for i in range(step.x.shape[0])])


def weights_frame(step: SgdStepBreakdown) -> pd.DataFrame:
    """Per weight: its value, its gradient and its value after the update (bias last)."""
    features, classes = step.W.shape
    names = [f"W[{i},{j}]" for i in range(features) for j in range(classes)]
    names += [f"b[{j}]" for j in range(step.b.numel())]
    return pd.DataFrame({_("value"): step.W.reshape(-1).tolist() + step.b.reshape(-1).tolist(),
                         _("gradient"): step.grad_W.reshape(-1).tolist() + step.grad_b.reshape(-1).tolist(),
                         _("after the step"): step.W_new.reshape(-1).tolist() + step.b_new.reshape(-1).tolist()},
                        index=names)
