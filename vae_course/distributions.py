"""The bottom layer: Gaussian noise, the reparameterization, log-densities and KL divergences.

Everything is in nats (natural logarithms). Nothing here knows about models: ``models`` and
``losses`` import from this module, never the other way round.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

LOG_2PI = math.log(2 * math.pi)


def standard_normal(shape, like: torch.Tensor, generator: torch.Generator | None = None):
    """N(0, 1) noise of ``shape`` on ``like``'s device and dtype, drawn from ``generator``."""
    if generator is None or generator.device == like.device:
        return torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)
    return torch.randn(shape, generator=generator, device=generator.device).to(like)


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I), sigma = exp(logvar / 2): differentiable in mu
    and logvar. mu, logvar (..., d) -> z (..., d); a leading sample axis may be added by
    broadcasting mu against noise of a larger shape (see ``losses.elbo``)."""
    if mu.shape != logvar.shape:
        raise ValueError(
            f"mu and logvar must have the same shape; got {tuple(mu.shape)} and "
            f"{tuple(logvar.shape)}"
        )
    return mu + torch.exp(0.5 * logvar) * standard_normal(mu.shape, mu, generator)


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)) summed over the last axis: (..., d) -> (...)."""
    return -0.5 * ((z - mu).pow(2) * torch.exp(-logvar) + logvar + LOG_2PI).sum(-1)


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) summed over the last axis: (..., d) -> (...)."""
    return -0.5 * (z.pow(2) + LOG_2PI).sum(-1)


def gaussian_kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) for each latent dimension: (N, d) in nats."""
    if mu.shape != logvar.shape:
        raise ValueError(
            f"mu and logvar must have the same shape; got {tuple(mu.shape)} and "
            f"{tuple(logvar.shape)}"
        )
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag exp(logvar)) || N(0, I)) in closed form: mu, logvar (N, d) -> (N,) nats."""
    return gaussian_kl_per_dim(mu, logvar).sum(-1)


def gaussian_kl_mc(
    mu: torch.Tensor,
    logvar: torch.Tensor,
    n_samples: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo estimate of the same KL, E_q[log q(z) - log p(z)], from ``n_samples`` draws.

    Returns (estimate (N,), standard_error (N,)); the standard error is std / sqrt(n_samples).
    """
    if not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be an int >= 2 (for a standard error); got {n_samples!r}")
    noise_shape = (n_samples, *mu.shape)
    z = reparameterize(mu.expand(noise_shape), logvar.expand(noise_shape), generator)
    log_ratio = log_normal(z, mu, logvar) - log_standard_normal(z)  # (S, N)
    return log_ratio.mean(0), log_ratio.std(0) / math.sqrt(n_samples)


def _check_pair(x: torch.Tensor, other: torch.Tensor, name: str) -> None:
    if x.shape != other.shape:
        raise ValueError(
            f"{name} must have the shape of x {tuple(x.shape)}; got {tuple(other.shape)}"
        )


def bernoulli_log_likelihood(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """log p(x|z) = sum over pixels of log Bernoulli(x; sigmoid(logits)): (N,) nats.

    A log-likelihood only for binary x; on grey levels in [0, 1] it is the negative summed
    binary cross-entropy, a loss but not the log of a probability.
    """
    _check_pair(x, logits, "logits")
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_log_likelihood(
    x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor | float
) -> torch.Tensor:
    """log N(x; mean, s^2 I) summed over pixels: (N,) nats, with s = exp(log_scale)."""
    _check_pair(x, mean, "mean")
    log_scale = torch.as_tensor(log_scale, dtype=mean.dtype, device=mean.device)
    per_pixel = -0.5 * ((x - mean) * torch.exp(-log_scale)).pow(2) - log_scale - 0.5 * LOG_2PI
    return per_pixel.flatten(1).sum(1)
