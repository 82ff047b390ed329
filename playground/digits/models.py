"""The Digit canvas models and the drawing-to-probabilities pipeline.

Two models share one input form (MNIST's 28×28, see ``playground.digits.preprocessing``): the course's softmax
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

from playground.digits.weights import card_path, check_kind, load_card, ModelFileError, rebuild_command, weights_path
from playground.digits.preprocessing import DrawingError, preprocess
from playground.i18n import _
from playground.softmax import softmax

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
        x = (x.reshape(x.shape[0], 1, 28, 28) - MNIST_MEAN) / MNIST_STD
        if self.folded:
            return self._folded_forward(x)
        features = self.features(x).flatten(1)
        hidden = F.relu(self.hidden(features)) if self.hidden_size else features
        return self.head(self.dropout(hidden))

    def _folded_forward(self, x: torch.Tensor) -> torch.Tensor:
        """``forward`` after ``fold_for_inference``: tensor ops on weights gathered once, since a drawing is read on
        its own and per-call overhead (module calls, attribute lookups) is much of its cost."""
        for weight, bias in self._conv_weights:  # pooling before the ReLU gives the same values, on 4× fewer
            x = torch.relu_(torch.max_pool2d(F.conv2d(x, weight, bias, padding=1), 2))
        x = x.flatten(1)
        *hidden, head = self._linear_weights
        for weight, bias in hidden:
            x = torch.relu_(F.linear(x, weight, bias))
        return F.linear(x, *head)

    def fold_for_inference(self) -> "DigitCNN":
        """Fold each BatchNorm into its conv with torch's ``fuse_conv_bn_eval`` and gather the weights ``forward`` uses.

        The logits stay the same to float rounding and a drawing is read faster; the model is then for inference
        only (eval mode, no dropout, weights not to be changed). Returns self; a second call changes nothing.
        """
        if self.folded:
            return self
        self.eval()
        self.features = nn.Sequential(*(fuse_conv_bn_eval(block[0], block[1]) for block in self.features))
        self.to(memory_format=torch.channels_last)
        self._conv_weights = tuple((conv.weight, conv.bias) for conv in self.features)
        linears = (self.hidden, self.head) if self.hidden_size else (self.head,)
        self._linear_weights = tuple((linear.weight, linear.bias) for linear in linears)
        self.folded = True
        return self


MODEL_KINDS: dict[str, type[nn.Module]] = {"linear": SoftmaxRegression, "cnn": DigitCNN}


def load_model(kind: str, models_dir: Path | None = None) -> nn.Module:
    """Load the shipped weights for "cnn" or "linear" safely (weights_only); eval mode, folded for inference, frozen.

    The bytes must match the card's sha256 and every weight must be finite, so a damaged file or card raises
    ModelFileError naming it and the rebuild command instead of loading or breaking predictions.
    """
    check_kind(kind)
    path = weights_path(kind, models_dir)
    if not path.exists():
        raise ModelFileError(_("Model weights {path} are missing. Rebuild them with: {command}").format(
            path=path, command=rebuild_command(kind)))
    try:
        data = path.read_bytes()  # read once: the bytes checked are the bytes loaded
    except OSError as err:
        raise ModelFileError(_("Model weights {path} cannot be read ({error}). Rebuild them with: {command}").format(
            path=path, error=type(err).__name__, command=rebuild_command(kind))) from None
    expected = load_card(kind, models_dir)["sha256"]  # no valid card, no checksum: the weights are not loaded
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ModelFileError(
            _("Model weights {path} are corrupt or do not match their model card {card}: their sha256 is {actual}, "
              "the card says {expected}. Rebuild them with: {command}").format(
                path=path, card=card_path(kind, models_dir), actual=actual, expected=expected,
                command=rebuild_command(kind))
        )
    model = MODEL_KINDS[kind]()
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as err:  # noqa: BLE001 - any unpickling/shape error means the same thing to the user
        raise ModelFileError(
            _("Model weights {path} are corrupt or do not match the {kind} model ({error}). "
              "Rebuild them with: {command}").format(path=path, kind=kind, error=type(err).__name__,
                                                      command=rebuild_command(kind))
        ) from None
    not_finite = [name for name, tensor in model.state_dict().items()
                  if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())]
    if not_finite:
        raise ModelFileError(
            _("Model weights {path} hold non-finite values (NaN or infinity) in {names}. "
              "Rebuild them with: {command}").format(path=path, names=", ".join(not_finite),
                                                      command=rebuild_command(kind))
        )
    model.eval()
    if isinstance(model, DigitCNN):
        model.fold_for_inference()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def logits_for_forms(forms: np.ndarray, model: nn.Module, batch_size: int = 1000) -> np.ndarray:
    """Logits (N, 10) float64 for MNIST-form inputs (N, 28, 28) in [0, 1]: one drawing or the MNIST test set."""
    forms = np.ascontiguousarray(forms, dtype=np.float32).reshape(-1, 28, 28)
    if len(forms) == 0:
        return np.zeros((0, 10))
    batch = torch.from_numpy(forms).reshape(-1, 1, 28, 28)
    with torch.inference_mode():
        logits = torch.cat([model(batch[i: i + batch_size]) for i in range(0, len(batch), batch_size)])
    return logits.double().numpy()


def predict_logits(image: np.ndarray, model: nn.Module) -> np.ndarray:
    """Return the model's 10 logits (float64) for a drawing; raises DrawingError when there is no ink."""
    form = preprocess(image)
    if form is None:
        raise DrawingError(_("there is no ink to read: draw a digit first"))
    with torch.inference_mode():
        return model(torch.from_numpy(form)[None])[0].double().numpy()


def probabilities(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Numerically stable softmax of ``logits / temperature`` over the last axis (float64)."""
    return softmax(logits, temperature)


def predict_proba(image: np.ndarray, model: nn.Module) -> np.ndarray:
    """Return 10 class probabilities (float64, summing to 1) for a drawing (canvas RGBA or grayscale).

    The same stable softmax as ``probabilities``, taken by torch: one call, without the checks on its input."""
    return torch.softmax(torch.from_numpy(predict_logits(image, model)), 0).numpy()
