"""A tiny VQ-VAE (van den Oord, Vinyals and Kavukcuoglu, 2017): discrete codes instead of Gaussians.

The encoder maps an image to n_slots vectors z_e (each code_dim long); each is replaced by its
nearest codebook entry z_q. Gradients skip the non-differentiable lookup ("straight-through":
the decoder's gradient with respect to z_q is handed to z_e unchanged). The codebook follows the
encoder outputs assigned to it (moving averages); a commitment loss keeps the encoder near its
codes.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..models import _positive


class VectorQuantizer(nn.Module):
    """Nearest-neighbour lookup in a codebook of n_codes vectors of size code_dim.

    The codebook is not trained by gradients: in training mode each entry moves to an
    exponential moving average (``decay``) of the encoder outputs assigned to it, the variant of
    van den Oord et al. (2017, appendix) that follows a moving encoder quickly.
    """

    def __init__(self, n_codes: int, code_dim: int, decay: float = 0.9):
        super().__init__()
        if not 0 <= decay < 1:
            raise ValueError(f"decay must be in [0, 1); got {decay!r}")
        self.decay = decay
        self.register_buffer("codebook", torch.randn(n_codes, code_dim))
        self.register_buffer("ema_count", torch.ones(n_codes))
        self.register_buffer("ema_sum", self.codebook.clone())

    def nearest(self, z_e: torch.Tensor) -> torch.Tensor:
        """Indices of the nearest codebook entries: z_e (..., code_dim) -> (...) int64."""
        flat = z_e.reshape(-1, z_e.shape[-1])
        distances = (
            flat.pow(2).sum(1, keepdim=True)
            - 2 * flat @ self.codebook.T
            + self.codebook.pow(2).sum(1)
        )  # (M, n_codes) squared Euclidean
        return distances.argmin(1).view(z_e.shape[:-1])

    @torch.no_grad()
    def set_codebook(self, vectors: torch.Tensor) -> None:
        """Replace the codebook (n_codes, code_dim) and restart its moving averages there."""
        self.codebook.copy_(vectors)
        self.ema_sum.copy_(vectors)
        self.ema_count.fill_(1.0)

    @torch.no_grad()
    def _update(self, flat: torch.Tensor, indices: torch.Tensor) -> None:
        onehot = F.one_hot(indices, len(self.codebook)).to(flat.dtype)  # (M, n_codes)
        self.ema_count.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(onehot.T @ flat, alpha=1 - self.decay)
        unused = self.ema_count < 1e-3  # never chosen lately: keep the entry where it is
        means = self.ema_sum / self.ema_count.clamp(min=1e-3)[:, None]
        self.codebook.copy_(torch.where(unused[:, None], self.codebook, means))

    def forward(self, z_e: torch.Tensor):
        """z_e (N, S, D) -> (z_q with straight-through gradient (N, S, D), indices (N, S),
        commitment loss (N,): the summed squared distance |z_e - z_q|^2, gradient to z_e only)."""
        indices = self.nearest(z_e)
        if self.training:
            self._update(z_e.detach().reshape(-1, z_e.shape[-1]), indices.flatten())
        z_q = self.codebook[indices]  # (N, S, D)
        commitment_loss = (z_e - z_q).pow(2).flatten(1).sum(1)
        z_q_straight_through = z_e + (z_q - z_e).detach()  # value z_q, gradient to z_e
        return z_q_straight_through, indices, commitment_loss


class VQVAE(nn.Module):
    """MLP encoder -> n_slots discrete codes out of n_codes -> MLP decoder (Bernoulli logits)."""

    likelihood = "bernoulli"

    def __init__(
        self, n_slots: int = 16, code_dim: int = 4, n_codes: int = 32, hidden_dim: int = 256
    ):
        super().__init__()
        for name, value in dict(
            n_slots=n_slots, code_dim=code_dim, n_codes=n_codes, hidden_dim=hidden_dim
        ).items():
            _positive(name, value)
        self.n_slots, self.code_dim = n_slots, code_dim
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, n_slots * code_dim),
        )
        self.quantizer = VectorQuantizer(n_codes, code_dim)
        self.decoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(n_slots * code_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, 784),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """x (N, 1, 28, 28) -> continuous encoder outputs z_e (N, n_slots, code_dim)."""
        return self.encoder(x).view(-1, self.n_slots, self.code_dim)

    def decode_raw(self, z_q: torch.Tensor) -> torch.Tensor:
        """z_q (N, n_slots, code_dim) -> pixel logits (N, 1, 28, 28)."""
        return self.decoder(z_q).view(-1, 1, 28, 28)

    @torch.no_grad()
    def init_codebook(self, x: torch.Tensor, generator: torch.Generator | None = None) -> None:
        """Set the codebook to encoder outputs of randomly chosen slots of the images x, so every
        code starts where the data is (a code far from all encoder outputs is never chosen).
        x on the model's device; ``generator`` (on any device) chooses the slots."""
        z_e = self.encode(x).reshape(-1, self.code_dim)
        n_codes = len(self.quantizer.codebook)
        if len(z_e) < n_codes:
            raise ValueError(f"x must give at least {n_codes} slots; got {len(z_e)}")
        where = None if generator is None else generator.device
        chosen = torch.randperm(len(z_e), generator=generator, device=where)[:n_codes]
        self.quantizer.set_codebook(z_e[chosen.to(z_e.device)])

    @torch.no_grad()
    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """The discrete code of each image x (N, 1, 28, 28): (N, n_slots) indices."""
        return self.quantizer.nearest(self.encode(x))

    @torch.no_grad()
    def decode_codes(self, indices: torch.Tensor) -> torch.Tensor:
        """indices (N, n_slots) -> mean images (N, 1, 28, 28) in [0, 1]; like every model
        method, it takes and returns tensors on the model's device."""
        return torch.sigmoid(self.decode_raw(self.quantizer.codebook[indices]))

    def losses(self, x: torch.Tensor, commitment: float = 0.25) -> dict:
        """Batch means: loss = reconstruction + commitment * commitment_loss, where reconstruction
        is the summed binary cross-entropy per image in nats. In training mode this also moves
        the codebook (moving averages)."""
        z_q, _, commitment_loss = self.quantizer(self.encode(x))
        raw = self.decode_raw(z_q)
        reconstruction = (
            F.binary_cross_entropy_with_logits(raw, x, reduction="none").flatten(1).sum(1)
        )
        parts = {"reconstruction": reconstruction.mean(), "commitment": commitment_loss.mean()}
        parts["loss"] = parts["reconstruction"] + commitment * parts["commitment"]
        return parts


def vqvae_objective(model: VQVAE, x: torch.Tensor, generator=None) -> dict:
    """The objective for ``training.fit(..., objective=...)`` (the VQ-VAE uses no noise)."""
    return model.losses(x)
