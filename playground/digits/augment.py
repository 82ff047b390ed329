"""Batched, seeded augmentations of 28×28 digits that mimic what drawing on a canvas does.

Each one covers a way a drawn digit differs from an MNIST scan: hand angle (rotation), size and
aspect left over after the 20 px box (scale), slant (shear), imperfect centring (translation), pen width
(dilation and erosion) and edge softness (blur and sharpening). All act on (N, 1, 28, 28) float tensors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges and probabilities for each augmentation; a switched-off one has probability 0."""

    affine_p: float = 0.9
    rotation_deg: float = 15.0
    scale: tuple[float, float] = (0.85, 1.15)
    shear: float = 0.3
    translate_px: float = 2.0
    dilate_p: float = 0.25
    erode_p: float = 0.2
    blur_p: float = 0.15
    sharpen_p: float = 0.1
    enabled: frozenset[str] = field(default_factory=lambda: frozenset({"affine", "thickness", "blur"}))

    def describe(self) -> dict:
        """A JSON-friendly description for the model card."""
        return {
            "affine": f"p={self.affine_p}, rotation ±{self.rotation_deg}°, scale {self.scale}, "
                      f"shear ±{self.shear}, translation ±{self.translate_px} px" if "affine" in self.enabled else "off",
            "thickness": f"dilate p={self.dilate_p}, erode p={self.erode_p} (fractional 3×3 max-pool)"
                         if "thickness" in self.enabled else "off",
            "blur": f"gaussian blur p={self.blur_p} (σ 0.5–1.0), sharpen p={self.sharpen_p}"
                    if "blur" in self.enabled else "off",
        }


def random_affine(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Rotate, scale, shear and translate each image by its own random amounts (bilinear)."""
    n = x.shape[0]
    u = lambda lo, hi: torch.rand(n, generator=gen) * (hi - lo) + lo  # noqa: E731
    angle = u(-cfg.rotation_deg, cfg.rotation_deg) * math.pi / 180
    scale = u(*cfg.scale)
    shear = u(-cfg.shear, cfg.shear)
    shift = u(-cfg.translate_px, cfg.translate_px), u(-cfg.translate_px, cfg.translate_px)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos, -sin + shear * cos
    theta[:, 1, 0], theta[:, 1, 1] = sin, cos + shear * sin
    theta[:, 0, 2], theta[:, 1, 2] = shift[0] * 2 / 28, shift[1] * 2 / 28
    apply = torch.rand(n, generator=gen) < cfg.affine_p
    theta[~apply] = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]])
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _blend_where(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, amount: torch.Tensor) -> torch.Tensor:
    weight = (mask.float() * amount).view(-1, 1, 1, 1)
    return x + weight * (y - x)


def random_thickness(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Thicken (dilate) or thin (erode) strokes by a random fraction of a pixel ring."""
    n = x.shape[0]
    dilated = F.max_pool2d(x, 3, stride=1, padding=1)
    eroded = -F.max_pool2d(-x, 3, stride=1, padding=1)
    pick = torch.rand(n, generator=gen)
    amount = torch.rand(n, generator=gen) * 0.7 + 0.3
    x = _blend_where(x, dilated, pick < cfg.dilate_p, amount)
    return _blend_where(x, eroded, (pick >= cfg.dilate_p) & (pick < cfg.dilate_p + cfg.erode_p), amount)


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    ax = torch.arange(-2, 3, dtype=torch.float32)
    k = torch.exp(-(ax**2) / (2 * sigma**2))
    k2 = torch.outer(k, k)
    return (k2 / k2.sum()).view(1, 1, 5, 5)


def random_blur(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Soften edges (gaussian blur) or harden them (unsharp mask) on a random subset."""
    n = x.shape[0]
    sigma = 0.5 + 0.5 * float(torch.rand(1, generator=gen))
    blurred = F.conv2d(x, _gaussian_kernel(sigma), padding=2)
    pick = torch.rand(n, generator=gen)
    x = _blend_where(x, blurred, pick < cfg.blur_p, torch.ones(n))
    sharpened = (x + 0.8 * (x - blurred)).clamp(0, 1)
    return _blend_where(x, sharpened, (pick >= cfg.blur_p) & (pick < cfg.blur_p + cfg.sharpen_p), torch.ones(n))


def augment(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Apply the enabled augmentations to a batch (N, 1, 28, 28) in [0, 1]."""
    if "thickness" in cfg.enabled:
        x = random_thickness(x, cfg, gen)
    if "affine" in cfg.enabled:
        x = random_affine(x, cfg, gen)
    if "blur" in cfg.enabled:
        x = random_blur(x, cfg, gen)
    return x.clamp_(0, 1)
