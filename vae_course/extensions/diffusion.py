"""A tiny denoising diffusion model (Ho, Jain and Abbeel, 2020) over latent vectors, e.g. a trained
VAE's codes: the idea of latent diffusion (Rombach et al., 2022) at toy scale.

Forward process, in the course's notation: z_t = sqrt(alpha_t) z_{t-1} + sqrt(1 - alpha_t) eps
for t = 1..T. Its marginal has the closed form z_t = sqrt(abar_t) z_0 + sqrt(1 - abar_t) eps,
abar_t = prod_s<=t alpha_s. A small MLP learns to predict eps from (z_t, t); sampling runs the
reverse chain from N(0, I). In code, ``betas`` holds 1 - alpha_t, which Ho et al. write beta_t
(the course keeps beta for the KL weight).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..distributions import standard_normal
from ..models import _positive


def linear_betas(steps: int, first: float = 1e-4, last: float = 0.02) -> torch.Tensor:
    """The noise schedule beta_1..beta_T of Ho et al. (2020), rescaled to ``steps`` steps: (T,)."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int; got {steps!r}")
    scale = 1000 / steps  # keeps abar_T about as small as with the original T = 1000
    return torch.linspace(first * scale, min(last * scale, 0.999), steps)


def time_features(t: torch.Tensor, steps: int, n: int = 16) -> torch.Tensor:
    """Sinusoidal features of integer steps t (B,) in 1..T: (B, n)."""
    frequencies = torch.exp(torch.linspace(0, math.log(steps), n // 2, device=t.device))
    angles = t[:, None].float() / steps * frequencies * math.pi
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class LatentDiffusion(nn.Module):
    """DDPM on vectors of size ``dim``: ``loss`` to train, ``sample`` to generate."""

    def __init__(self, dim: int, steps: int = 100, hidden_dim: int = 256):
        super().__init__()
        for name, value in dict(dim=dim, steps=steps, hidden_dim=hidden_dim).items():
            _positive(name, value)
        self.dim, self.steps = dim, steps
        betas = linear_betas(steps)
        self.register_buffer("betas", betas)
        self.register_buffer("alpha_bars", torch.cumprod(1 - betas, 0))
        self.denoiser = nn.Sequential(
            nn.Linear(dim + 16, hidden_dim),
            nn.SiLU(),
            nn.Linear(hidden_dim, hidden_dim),
            nn.SiLU(),
            nn.Linear(hidden_dim, dim),
        )

    def predict_noise(self, z_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """eps_hat(z_t, t): z_t (B, dim), t (B,) int in 1..T -> (B, dim)."""
        return self.denoiser(torch.cat([z_t, time_features(t, self.steps)], dim=1))

    def noisy(self, z0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """The closed-form forward marginal: z_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps."""
        abar = self.alpha_bars[t - 1][:, None]
        return abar.sqrt() * z0 + (1 - abar).sqrt() * eps

    def loss(self, z0: torch.Tensor, generator=None) -> torch.Tensor:
        """Mean squared error of the noise prediction at a uniformly drawn step per example."""
        t = torch.randint(1, self.steps + 1, (len(z0),), generator=generator, device=z0.device)
        eps = standard_normal(z0.shape, z0, generator)
        return (self.predict_noise(self.noisy(z0, t, eps), t) - eps).pow(2).sum(1).mean()

    @torch.no_grad()
    def sample(self, n: int, generator=None, predict_noise=None) -> torch.Tensor:
        """n vectors (n, dim) by ancestral sampling (Ho et al., 2020, algorithm 2, sigma_t^2 =
        beta_t). ``predict_noise`` replaces the learnt network (used in tests)."""
        predict_noise = predict_noise or self.predict_noise
        like = self.betas
        z = standard_normal((n, self.dim), like, generator)
        for t in range(self.steps, 0, -1):
            beta, abar = self.betas[t - 1], self.alpha_bars[t - 1]
            eps_hat = predict_noise(z, torch.full((n,), t, device=like.device))
            z = (z - beta / (1 - abar).sqrt() * eps_hat) / (1 - beta).sqrt()
            if t > 1:
                z = z + beta.sqrt() * standard_normal(z.shape, like, generator)
        return z


def diffusion_objective(model: LatentDiffusion, z0: torch.Tensor, generator=None) -> dict:
    """The objective for ``training.fit(..., objective=...)``."""
    return {"loss": model.loss(z0, generator)}
