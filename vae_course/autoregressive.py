"""A VAE whose decoder is autoregressive over the pixels (chapter 12): a small MADE
(Germain et al., 2015) conditioned on the code z.

Pixels are taken in raster order (row by row, left to right), j = 1, ..., D. The decoder gives
pixel j the logit

    logit_j = V_j . relu(W x_<j + U c(z) + b) + w_j . x_<j + b_j,

a one-hidden-layer MADE whose masks let output j see only the pixels before j, plus direct
connections from those pixels. The code enters through the hidden layer, as a conditioning
vector does in a conditional PixelCNN: c(z) (N, 1, 28, 28) is what ``models.VAE``'s MLP
decoder computes from z alone. So p(x | z) = prod_j Bernoulli(x_j; sigmoid(logit_j)) is a proper
distribution and ``log_likelihood(x, raw)`` is exact given ``raw = decode_raw(z) = c(z)``. That
is the interface ``losses.elbo``, ``losses.iwae_bound`` and ``training.fit`` already use, so this
model trains and is scored like any other VAE; only sampling needs one pass per pixel.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .models import VAE


def made_masks(n_pixels: int, hidden_dim: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The MADE masks for pixels in the order 0, 1, ..., n_pixels - 1.

    Pixel i has degree i + 1; hidden unit k gets a degree m_k in 1..n_pixels - 1, spread evenly.
    Returns (input -> hidden (H, D), hidden -> output (D, H), input -> output (D, D)) as float
    0/1 matrices laid out like ``nn.Linear`` weights (out_features, in_features): a hidden unit
    sees pixels of degree <= m_k, output i sees hidden units with m_k < i + 1, and the direct
    connection is strictly lower triangular.
    """
    if not isinstance(n_pixels, int) or n_pixels < 2:
        raise ValueError(f"n_pixels must be an int >= 2; got {n_pixels!r}")
    if not isinstance(hidden_dim, int) or isinstance(hidden_dim, bool) or hidden_dim < 1:
        raise ValueError(f"hidden_dim must be a positive int; got {hidden_dim!r}")
    degree_in = torch.arange(1, n_pixels + 1)  # (D,)
    degree_hidden = 1 + (torch.arange(hidden_dim) * (n_pixels - 1)) // hidden_dim  # (H,)
    to_hidden = (degree_hidden[:, None] >= degree_in[None, :]).float()  # (H, D)
    to_output = (degree_in[:, None] > degree_hidden[None, :]).float()  # (D, H)
    direct = (degree_in[:, None] > degree_in[None, :]).float()  # (D, D)
    return to_hidden, to_output, direct


class MaskedLinear(nn.Linear):
    """``nn.Linear`` whose weight is multiplied by a fixed 0/1 mask (a buffer)."""

    def __init__(self, mask: torch.Tensor, bias: bool = True):
        out_features, in_features = mask.shape
        super().__init__(in_features, out_features, bias=bias)
        self.register_buffer("mask", mask.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.mask, self.bias)


class AutoregressiveVAE(VAE):
    """A Bernoulli VAE (MLP encoder, N(0, I) prior) with the decoder of the module docstring.

    ``hidden_dim`` and ``latent_dim`` are the MLP's, as in ``models.VAE``; ``made_dim`` is the
    MADE's hidden width. ``decode_raw(z)`` -> c(z) (N, 1, 28, 28); ``log_likelihood(x, c)`` ->
    (N,) nats; ``sample(z, generator)`` -> binary images drawn pixel by pixel.
    """

    def __init__(
        self,
        input_dim: int = 784,
        hidden_dim: int = 400,
        latent_dim: int = 20,
        *,
        made_dim: int = 256,
    ):
        super().__init__(input_dim, hidden_dim, latent_dim)
        if not isinstance(made_dim, int) or isinstance(made_dim, bool) or made_dim < 1:
            raise ValueError(f"made_dim must be a positive int; got {made_dim!r}")
        self.config = {**self.config, "made_dim": made_dim}
        del self.config["likelihood"], self.config["conv"], self.config["log_sigma"]
        to_hidden, to_output, direct = made_masks(input_dim, made_dim)
        self.made_in = MaskedLinear(to_hidden)
        self.made_context = nn.Linear(input_dim, made_dim, bias=False)  # c(z) -> hidden
        self.made_out = MaskedLinear(to_output)  # its bias: b_j
        self.made_direct = MaskedLinear(direct, bias=False)

    def logits(self, x: torch.Tensor, raw: torch.Tensor) -> torch.Tensor:
        """Pixel logits (N, 1, 28, 28) for images x given the context raw = c(z), both
        (N, 1, 28, 28); logit j depends on x only through the pixels before j."""
        flat_x, context = x.flatten(1), raw.flatten(1)  # (N, D) each
        hidden = F.relu(self.made_in(flat_x) + self.made_context(context))  # (N, H)
        return (self.made_out(hidden) + self.made_direct(flat_x)).view_as(raw)

    def log_likelihood(self, x: torch.Tensor, raw: torch.Tensor) -> torch.Tensor:
        """log p(x|z) (N,) in nats, exact, from the context raw = decode_raw(z)."""
        if x.shape != raw.shape:
            raise ValueError(
                f"x and raw must have the same shape; got {tuple(x.shape)} and {tuple(raw.shape)}"
            )
        logits = self.logits(x, raw)
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        raise ValueError(
            "an autoregressive decoder has no single mean image for z: draw images with "
            "sample(z, generator), or read the context c(z) with decode_raw(z)"
        )

    @torch.no_grad()
    def sample(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Binary images (N, 1, 28, 28) drawn from p(x | z), one pixel at a time in raster
        order (one MADE pass per pixel). z (N, d) and the generator on the model's device."""
        context = self.decode_raw(z)  # (N, 1, S, S)
        x = torch.zeros_like(context)
        flat = x.view(len(x), -1)  # a view: writing a pixel writes x
        for i in range(flat.shape[1]):
            p = torch.sigmoid(self.logits(x, context).view(len(x), -1)[:, i])
            flat[:, i] = torch.bernoulli(p, generator=generator)
        return x
