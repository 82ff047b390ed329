"""The Digit canvas models and the drawing-to-probabilities pipeline.

Two models share one input form (MNIST's 28×28, see ``playground.preprocess``): the course's softmax
regression, ``nn.Linear(784, 10)``, and a small CNN for accuracy. Both return logits; the softmax is
applied by ``predict_proba`` so the page can show logits, temperature and probabilities side by side.
"""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from playground.model_files import (ModelFileError, card_path, check_kind, load_card, rebuild_command,
                                    weights_path)
from playground.preprocess import DrawingError, preprocess
from playground.softmax import softmax

__all__ = [
    "DigitCNN", "DrawingError", "ModelFileError", "SoftmaxRegression", "MODEL_KINDS", "load_card",
    "load_model", "logits_for_forms", "predict_logits", "probabilities", "predict_proba", "preprocess", "rebuild_command",
]

MNIST_MEAN = 0.1307  # the usual MNIST normalisation, applied inside the models so callers pass [0, 1] pixels
MNIST_STD = 0.3081


class SoftmaxRegression(nn.Module):
    """The course's model: one linear layer from 784 pixels to 10 logits."""

    SUMMARY = "Linear(784 → 10) on raw [0, 1] pixels; softmax applied outside the model"

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(784, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.reshape(x.shape[0], 784))


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class DigitCNN(nn.Module):
    """Three conv-BN-ReLU-pool blocks (28→14→7→3), then a hidden fully connected layer and the 10 logits.

    Most weights sit in the cheap fully connected layer; the convs stay narrow because a drawing is read one
    at a time and each conv multiply-add there costs latency (see bench/digits.py).
    """

    def __init__(self, widths: tuple[int, int, int] = (16, 48, 96), hidden: int = 128) -> None:
        super().__init__()
        c1, c2, c3 = widths
        self.widths, self.hidden_size = tuple(widths), hidden
        self.features = nn.Sequential(_conv_block(1, c1), _conv_block(c1, c2), _conv_block(c2, c3))
        self.hidden = nn.Linear(c3 * 3 * 3, hidden) if hidden else nn.Identity()
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(hidden or c3 * 3 * 3, 10)
        self.folded = False  # set by fold_for_inference

    @property
    def SUMMARY(self) -> str:  # noqa: N802 - same name as SoftmaxRegression.SUMMARY, which the cards use
        c1, c2, c3 = self.widths
        fc = f"Linear({c3 * 9} → {self.hidden_size}) → ReLU → " if self.hidden_size else ""
        head_in = self.hidden_size or c3 * 9
        return (f"3 × [Conv 3×3 → BatchNorm → ReLU → MaxPool 2] ({c1}, {c2}, {c3} channels) → {fc}"
                f"Dropout 0.3 → Linear({head_in} → 10)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.folded:
            return self._folded_forward(x)
        x = (x.reshape(x.shape[0], 1, 28, 28) - MNIST_MEAN) / MNIST_STD
        features = self.features(x).flatten(1)
        hidden = F.relu(self.hidden(features)) if self.hidden_size else features
        return self.head(self.dropout(hidden))

    def _folded_forward(self, x: torch.Tensor) -> torch.Tensor:
        """Inference after ``fold_for_inference``: plain functional calls on tensors gathered once, since a
        drawing is read on its own and per-call overhead (module calls, attribute lookups) is much of the cost.
        Pool before ReLU (equal, on 4× fewer values); no dropout."""
        x = x.reshape(x.shape[0], 1, 28, 28) - MNIST_MEAN  # the first conv holds the 1 / std
        weight, bias = self._conv_plan[0]
        return self._after_first_block(torch.relu_(torch.max_pool2d(torch.conv2d(x, weight, bias, padding=1), 2)))

    def _after_first_block(self, x: torch.Tensor) -> torch.Tensor:
        """The folded layers after the first conv block, from its channels-last (N, C, 14, 14) output to logits."""
        for weight, bias in self._conv_plan[1:]:
            x = torch.relu_(torch.max_pool2d(torch.conv2d(x, weight, bias, padding=1), 2))
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # channels-last: a view, no copy
        *hidden_layers, head = self._linear_plan
        for weight, bias in hidden_layers:
            x = F.relu_(F.linear(x, weight, bias))
        return F.linear(x, *head)

    def one_form_logits(self, form: np.ndarray) -> torch.Tensor:
        """The (1, 10) logits of one MNIST form, float32 (28, 28), once folded (``fold_for_inference``).

        The first conv has one input channel, so it is one small matmul; padding, pooling, bias and ReLU around
        it are cheaper as numpy calls than as torch's on so few values. The rest is ``forward``'s. Same logits
        to float rounding; reads the weights, never writes them; call it under ``torch.inference_mode()``.
        """
        taps, bias = self._first_conv_taps
        return self._after_first_block(torch.from_numpy(_first_conv_block(form, taps, bias)).permute(0, 3, 1, 2))

    def fold_for_inference(self) -> "DigitCNN":
        """Fold each BatchNorm into its conv and the input's 1 / std into the first conv, stored channels-last,
        and gather the tensors the folded forward uses.

        The logits stay the same (to float rounding) and a drawing is read faster; the model is then for
        inference only (eval mode, no dropout, weights not to be changed). Returns self; a second call changes
        nothing.
        """
        if self.folded:
            return self
        self.eval()
        for block in self.features:
            block[0] = fuse_conv_bn_eval(block[0], block[1])
            block[1] = nn.Identity()
        with torch.no_grad():  # conv((x − mean) / std) = conv'(x − mean), both zero-padded
            self.features[0][0].weight /= MNIST_STD
        self.folded = True
        self.to(memory_format=torch.channels_last)
        self._conv_plan = tuple((block[0].weight, block[0].bias) for block in self.features)
        first, *rest = [self.hidden, self.head] if self.hidden_size else [self.head]
        self._linear_plan = ((_channels_last_columns(first.weight, self.widths[2]), first.bias),
                             *((layer.weight, layer.bias) for layer in rest))
        first_conv = self.features[0][0]  # (c1, 1, 3, 3) → (c1, 9): the taps row-major over the 3×3
        self._first_conv_taps = (first_conv.weight.detach().reshape(self.widths[0], 9).contiguous(),
                                 first_conv.bias.detach().numpy())
        return self


_MEAN_F32 = np.float32(MNIST_MEAN)


def _first_conv_block(form: np.ndarray, taps: torch.Tensor, bias: np.ndarray) -> np.ndarray:
    """Conv 3×3 (zero padding 1) of ``form − mean`` with ``taps`` (C, 9), max-pool 2, bias, ReLU: (1, 14, 14, C).

    The conv is one (C, 9) @ (9, 784) matmul over the 3×3 neighbourhoods (a strided view of the padded form,
    copied once, 28 pixels at a time). The matmul is torch's: MKL, kept to AVX2 (see playground/__init__.py).
    numpy's OpenBLAS picks AVX-512 kernels on this machine, and with them the whole prediction ran 3-6% slower
    than with torch's conv; this way it runs 5-7% faster (interleaved runs of 300 pairs). The pool writes
    channels-last, the layout the next conv reads; the bias comes after it, since a per-channel constant does
    not change which value is the max.
    """
    field = np.zeros((30, 30), np.float32)
    np.subtract(form, _MEAN_F32, out=field[1:29, 1:29])
    row, col = field.strides
    shifted = np.ndarray((3, 3, 28, 28), np.float32, field, 0, (row, col, row, col)).reshape(9, 784)
    conv = torch.mm(taps, torch.from_numpy(shifted)).numpy().reshape(-1, 14, 2, 14, 2)
    pooled_rows = np.maximum(conv[:, :, 0], conv[:, :, 1])
    pooled = np.empty((14, 14, len(taps)), np.float32)
    np.maximum(pooled_rows[..., 0], pooled_rows[..., 1], out=pooled.transpose(2, 0, 1))
    pooled += bias
    return np.maximum(pooled, np.float32(0), out=pooled)[None]


def _channels_last_columns(weight: torch.Tensor, channels: int, side: int = 3) -> torch.Tensor:
    """A linear layer's weight with its inputs reordered from (channel, row, col) to (row, col, channel): the
    order of a channels-last (channels, side, side) feature map flattened without a copy."""
    rows = weight.shape[0]
    return weight.detach().reshape(rows, channels, side, side).permute(0, 2, 3, 1).reshape(rows, -1).contiguous()


MODEL_KINDS: dict[str, type[nn.Module]] = {"linear": SoftmaxRegression, "cnn": DigitCNN}


def load_model(kind: str, models_dir: Path | None = None) -> nn.Module:
    """Load the shipped weights for "cnn" or "linear" safely (weights_only); eval mode, folded for inference, frozen.

    The bytes must match the card's sha256 and every weight must be finite, so a damaged file or card raises
    ModelFileError naming it and the rebuild command instead of loading or breaking predictions.
    """
    check_kind(kind)
    path = weights_path(kind, models_dir)
    if not path.exists():
        raise ModelFileError(f"Model weights {path} are missing. Rebuild them with: {rebuild_command(kind)}")
    try:
        data = path.read_bytes()  # read once: the bytes checked are the bytes loaded
    except OSError as err:
        raise ModelFileError(
            f"Model weights {path} cannot be read ({type(err).__name__}). Rebuild them with: {rebuild_command(kind)}"
        ) from None
    expected = load_card(kind, models_dir)["sha256"]  # no valid card, no checksum: the weights are not loaded
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ModelFileError(
            f"Model weights {path} are corrupt or do not match their model card {card_path(kind, models_dir)}: "
            f"their sha256 is {actual}, the card says {expected}. Rebuild them with: {rebuild_command(kind)}"
        )
    model = MODEL_KINDS[kind]()
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as err:  # noqa: BLE001 - any unpickling/shape error means the same thing to the user
        raise ModelFileError(
            f"Model weights {path} are corrupt or do not match the {kind} model ({type(err).__name__}). "
            f"Rebuild them with: {rebuild_command(kind)}"
        ) from None
    not_finite = [name for name, tensor in model.state_dict().items()
                  if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())]
    if not_finite:
        raise ModelFileError(
            f"Model weights {path} hold non-finite values (NaN or infinity) in {', '.join(not_finite)}. "
            f"Rebuild them with: {rebuild_command(kind)}"
        )
    model.eval()
    if isinstance(model, DigitCNN):
        model.fold_for_inference()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def _form_of(image: np.ndarray) -> np.ndarray:
    form = preprocess(image)
    if form is None:
        raise DrawingError("there is no ink to read: draw a digit first")
    return form


def logits_for_forms(forms: np.ndarray, model: nn.Module, batch_size: int = 1000) -> np.ndarray:
    """Logits (N, 10) float64 for MNIST-form inputs (N, 28, 28) in [0, 1], e.g. the MNIST test set."""
    forms = np.ascontiguousarray(forms, dtype=np.float32).reshape(-1, 28, 28)
    if len(forms) == 0:
        return np.zeros((0, 10))
    if len(forms) == 1:  # one drawing, as the Digit canvas page reads it
        return _one_form_logits(forms[0], model).numpy()[None]
    batch = torch.from_numpy(forms).reshape(-1, 1, 28, 28)
    with torch.inference_mode():
        logits = torch.cat([model(batch[i: i + batch_size]) for i in range(0, len(batch), batch_size)])
    return logits.double().numpy()


def _one_form_logits(form: np.ndarray, model: nn.Module) -> torch.Tensor:
    """The (10,) float64 logits tensor of one contiguous float32 (28, 28) form: a folded CNN's single-drawing
    path, which does its first conv block in numpy, or else the model's forward."""
    with torch.inference_mode():
        if isinstance(model, DigitCNN) and model.folded:
            return model.one_form_logits(form)[0].double()
        return model(torch.from_numpy(form).reshape(1, 1, 28, 28))[0].double()


def _drawing_logits(image: np.ndarray, model: nn.Module) -> torch.Tensor:
    """The (10,) float64 logits tensor of one drawing (preprocess returns a fresh contiguous float32 form)."""
    return _one_form_logits(_form_of(image), model)


def predict_logits(image: np.ndarray, model: nn.Module) -> np.ndarray:
    """Return the model's 10 logits (float64) for a drawing; raises DrawingError when there is no ink."""
    return _drawing_logits(image, model).numpy()


def probabilities(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Numerically stable softmax of ``logits / temperature`` over the last axis (float64)."""
    return softmax(logits, temperature)


def predict_proba(image: np.ndarray, model: nn.Module) -> np.ndarray:
    """Return 10 class probabilities (float64, summing to 1) for a drawing (canvas RGBA or grayscale).

    The same stable softmax as ``probabilities``, taken by torch on the logits tensor (one call instead of a
    round trip through numpy)."""
    return torch.softmax(_drawing_logits(image, model), 0).numpy()
