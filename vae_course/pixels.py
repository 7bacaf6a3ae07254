"""8-bit pixels: their levels, dequantization, the discretized logistic likelihood, bits/dim.

Images arrive as (N, 1, 28, 28) float tensors holding k / 255 for 8-bit levels k = 0..255
(what ``data.load_mnist`` returns). A continuous density on such data can grow without bound
(a pixel that is always 0 is fit by an ever narrower Gaussian); two fixes meet here:

- *dequantization* {Theis et al. 2016}: replace level k by (k + u) / 256 with u ~ U(0, 1),
  so each image spreads over a cell of volume 256^-D. A density on [0, 1]^D then scores at
  most D log 256 nats on average, and its bits/dim (``continuous_bits_per_dim``) are an upper
  bound on the bits/dim of the discrete model it implies;
- a *discrete* likelihood: the discretized logistic {Salimans et al. 2017} gives each level a
  probability (the logistic's mass over the level's bin), so its log-likelihood is at most 0.

Everything is in nats; bits/dim divide by D log 2. Nothing here knows about models.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

LEVELS = 256  # 8-bit pixels: k = 0, ..., 255
LOG_LEVELS = math.log(LEVELS)


def _check_images(images, name: str = "images") -> torch.Tensor:
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        got = (
            f"{images.dtype} tensor" if isinstance(images, torch.Tensor) else type(images).__name__
        )
        raise ValueError(f"{name} must be a float tensor with values in [0, 1]; got {got}")
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError(f"{name} must have values in [0, 1]")
    return images


def to_levels(images: torch.Tensor) -> torch.Tensor:
    """The 8-bit level k = round(255 x) of each pixel: same shape, int64 in 0..255.

    Raises if a pixel is not within 1e-3 of a level (e.g. already dequantized images)."""
    images = _check_images(images)
    scaled = images * (LEVELS - 1)
    levels = scaled.round()
    if images.numel() and (scaled - levels).abs().max() > 1e-3:
        raise ValueError("images must hold 8-bit levels k / 255; got values between levels")
    return levels.long()


def dequantize(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform dequantization: level k becomes (k + u) / 256, u ~ U(0, 1) drawn per pixel.

    images: (...) float holding k / 255 -> (...) float in [0, 1), on the images' device;
    pixel k's values fill [k / 256, (k + 1) / 256), a cell of width 1 / 256."""
    levels = to_levels(images).to(images.dtype)
    if generator is not None and generator.device != images.device:
        noise = torch.rand(images.shape, generator=generator, device=generator.device)
        noise = noise.to(images)
    else:
        noise = torch.rand(
            images.shape, generator=generator, device=images.device, dtype=images.dtype
        )
    return (levels + noise) / LEVELS


def continuous_bits_per_dim(log_density, n_dims: int = 784):
    """Bits/dim of 8-bit data from the log-density (nats) a continuous model gives the image
    dequantized to [0, 1]^D: -(log p(x~) - D log 256) / (D log 2).

    A density on [0, 1]^D is a density on 0..256 (the levels' own units) divided by 256 per
    pixel, hence the D log 256. The uniform density on [0, 1]^D (log p = 0) gives exactly 8.
    Works on floats and tensors alike (e.g. a per-image (N,) tensor)."""
    if not isinstance(n_dims, int) or n_dims < 1:
        raise ValueError(f"n_dims must be a positive int; got {n_dims!r}")
    return -(log_density - n_dims * LOG_LEVELS) / (n_dims * math.log(2))


def discrete_bits_per_dim(log_probability, n_dims: int = 784):
    """Bits/dim from the log-probability (nats) a discrete model gives the image's levels."""
    if not isinstance(n_dims, int) or n_dims < 1:
        raise ValueError(f"n_dims must be a positive int; got {n_dims!r}")
    return -log_probability / (n_dims * math.log(2))


def _log_sigmoid_difference(upper: torch.Tensor, lower: torch.Tensor) -> torch.Tensor:
    """log(sigmoid(upper) - sigmoid(lower)) for upper > lower, accurate in both tails.

    sigmoid(a) - sigmoid(b) = sigmoid(-b) - sigmoid(-a): work on the side where both terms
    are at most 1/2, where log-sigmoid loses no digits."""
    flip = (upper + lower) > 0
    a = torch.where(flip, -lower, upper)
    b = torch.where(flip, -upper, lower)
    log_a, log_b = F.logsigmoid(a), F.logsigmoid(b)
    # log(e^log_a - e^log_b) = log_a + log(1 - e^(log_b - log_a)); clamp keeps the unused
    # branch of torch.where finite (so its gradient is 0, not NaN)
    gap = -torch.expm1(log_b - log_a)
    return log_a + torch.log(gap.clamp_min(torch.finfo(gap.dtype).tiny))


def discretized_logistic_log_likelihood(
    x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor | float
) -> torch.Tensor:
    """log P(levels of x) under a per-pixel logistic(mean, scale) discretized to 256 bins.

    x: (N, ...) holding k / 255; mean: same shape, in the same [0, 1] units; log_scale:
    broadcastable to x. Level k's bin is [(k - 1/2) / 255, (k + 1/2) / 255], the first and
    last bins reach to -inf and +inf, so the 256 probabilities sum to 1 (Salimans et al.
    2017, with one logistic instead of a mixture). Returns (N,) nats, summed over pixels."""
    if x.shape != mean.shape:
        raise ValueError(f"mean must have the shape of x {tuple(x.shape)}; got {tuple(mean.shape)}")
    levels = to_levels(x)
    log_scale = torch.as_tensor(log_scale, dtype=mean.dtype, device=mean.device)
    inv_scale = torch.exp(-log_scale)
    half = 0.5 / (LEVELS - 1)
    centre = levels.to(mean.dtype) / (LEVELS - 1)
    upper = (centre + half - mean) * inv_scale  # standardized bin edges
    lower = (centre - half - mean) * inv_scale
    middle = _log_sigmoid_difference(upper, lower)
    first = F.logsigmoid(upper)  # P(X <= upper edge), level 0
    last = F.logsigmoid(-lower)  # P(X > lower edge), level 255
    per_pixel = torch.where(levels == 0, first, torch.where(levels == LEVELS - 1, last, middle))
    return per_pixel.flatten(1).sum(1)
