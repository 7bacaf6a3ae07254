"""A latent-variable model small enough to solve exactly; chapters 3 and 4 measure every
approximation against it.

    z ~ N(0, 1),    x | z ~ N(g(z), s^2 I_2),    g(z) = (z^2 - 1, z^3 - z).

The curve g crosses itself at the origin: z = -1 and z = +1 both map to (0, 0). An x near the
crossing could have come from either, so its posterior p(z | x) has two modes, and no single
Gaussian q(z | x) can match it.

"Exact" means "to quadrature precision": with a one-dimensional z, integrals over z are sums on a
fine uniform grid (the trapezoid rule, which converges very fast for smooth integrands that decay
at both ends), and expectations under a Gaussian q are Gauss-Hermite sums. Everything is float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import torch

from .distributions import LOG_2PI

DTYPE = torch.float64


def crossing_curve(z: torch.Tensor) -> torch.Tensor:
    """The decoder mean f(z) = (z^2 - 1, z^3 - z): z (...) -> (..., 2). It crosses itself at 0."""
    return torch.stack([z**2 - 1, z**3 - z], dim=-1)


def _as_x(x) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=DTYPE)
    if x.dim() != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (N, 2); got {tuple(x.shape)}")
    return x


def _as_params(x: torch.Tensor, mean, log_std) -> tuple[torch.Tensor, torch.Tensor]:
    mean, log_std = torch.as_tensor(mean, dtype=DTYPE), torch.as_tensor(log_std, dtype=DTYPE)
    for name, value in (("mean", mean), ("log_std", log_std)):
        if value.shape != (len(x),):
            raise ValueError(f"{name} must have shape ({len(x)},), one per x; got {value.shape}")
    return mean, log_std


@lru_cache(maxsize=8)
def _hermite(n_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss-Hermite nodes and weights for E[g(t)], t ~ N(0, 1): weights sum to 1."""
    if not isinstance(n_nodes, int) or n_nodes < 1:
        raise ValueError(f"n_nodes must be a positive int; got {n_nodes!r}")
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)  # weight exp(-t^2 / 2)
    return torch.as_tensor(nodes, dtype=DTYPE), torch.as_tensor(
        weights / math.sqrt(2 * math.pi), dtype=DTYPE
    )


class ToyModel:
    """z ~ N(0, 1), x | z ~ N(g(z), s^2 I_2), with exact marginal and posterior.

    ``decoder_mean`` (the notation's g): z (...) -> (..., 2), default ``crossing_curve``;
    ``noise_std`` is s. Integrals over z use a uniform grid of ``n_grid`` points on
    [-z_max, z_max]; its spacing must stay below the posterior's width, about s / |g'(z)|
    (the default grid resolves the default model for |z| < 4).
    """

    def __init__(
        self,
        noise_std: float = 0.15,
        decoder_mean: Callable[[torch.Tensor], torch.Tensor] | None = None,
        *,
        z_max: float = 8.0,
        n_grid: int = 8001,
    ):
        if not noise_std > 0:
            raise ValueError(f"noise_std must be > 0; got {noise_std!r}")
        if not z_max > 0:
            raise ValueError(f"z_max must be > 0; got {z_max!r}")
        if not isinstance(n_grid, int) or n_grid < 3:
            raise ValueError(f"n_grid must be an int >= 3; got {n_grid!r}")
        self.noise_std = float(noise_std)
        self.decoder_mean = decoder_mean or crossing_curve
        self.z = torch.linspace(-z_max, z_max, n_grid, dtype=DTYPE)  # (G,)
        h = 2 * z_max / (n_grid - 1)
        self.log_dz = torch.full(
            (n_grid,), math.log(h), dtype=DTYPE
        )  # log trapezoid weights of the z grid
        self.log_dz[[0, -1]] = math.log(h / 2)

    # -- densities ----------------------------------------------------------------------------
    def log_prior(self, z: torch.Tensor) -> torch.Tensor:
        """log N(z; 0, 1), elementwise."""
        return -0.5 * (z**2 + LOG_2PI)

    def log_likelihood(self, x, z: torch.Tensor) -> torch.Tensor:
        """log p(x | z): x (N, 2) with z (G,) shared or (N, G) per x -> (N, G)."""
        x = _as_x(x)
        fz = self.decoder_mean(z)  # (G, 2) or (N, G, 2)
        if z.dim() == 1:  # one shared grid: |x - f|^2 through a matrix product, (N, G)
            squared = x.pow(2).sum(-1, keepdim=True) - 2 * x @ fz.T + fz.pow(2).sum(-1)
        else:
            squared = (x.unsqueeze(-2) - fz).pow(2).sum(-1)  # (N, G)
        return -0.5 * squared / self.noise_std**2 - 2 * math.log(self.noise_std) - LOG_2PI

    def log_joint(self, x, z: torch.Tensor) -> torch.Tensor:
        """log p(x, z) = log p(z) + log p(x | z): (N, G), shapes as in ``log_likelihood``."""
        return self.log_prior(z) + self.log_likelihood(x, z)

    def log_marginal(self, x, chunk_size: int = 512) -> torch.Tensor:
        """log p(x) = log of the integral of p(x, z) over z, by quadrature: x (N, 2) -> (N,)."""
        x = _as_x(x)
        parts = [
            torch.logsumexp(self.log_joint(xs, self.z) + self.log_dz, dim=-1)
            for xs in x.split(chunk_size)
        ]
        return torch.cat(parts) if parts else torch.empty(0, dtype=DTYPE)

    def log_posterior(self, x) -> torch.Tensor:
        """log p(z | x) on the grid ``self.z`` by Bayes' rule: x (N, 2) -> (N, G)."""
        x = _as_x(x)
        return self.log_joint(x, self.z) - self.log_marginal(x).unsqueeze(-1)

    def sample(self, n: int, generator: torch.Generator | None = None):
        """Ancestral sampling: (x (n, 2), z (n,)) with z ~ p(z), then x ~ p(x | z)."""
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a non-negative int; got {n!r}")
        z = torch.randn(n, generator=generator, dtype=DTYPE)
        noise = torch.randn(n, 2, generator=generator, dtype=DTYPE)
        return self.decoder_mean(z) + self.noise_std * noise, z

    # -- variational quantities ---------------------------------------------------------------
    def elbo_on_grid(self, x, log_q: torch.Tensor) -> torch.Tensor:
        """E_q[log p(x, z) - log q(z)] for any density q given on the grid: log_q (N, G) -> (N,)."""
        x = _as_x(x)
        integrand = torch.where(
            log_q > -math.inf, log_q.exp() * (self.log_joint(x, self.z) - log_q), 0.0
        )
        return (integrand * self.log_dz.exp()).sum(-1)

    def elbo_gaussian(self, x, mean, log_std, n_nodes: int = 32) -> torch.Tensor:
        """The ELBO of q(z | x) = N(mean, exp(log_std)^2), one (mean, log_std) per x: (N,).

        E_q[log p(x, z)] by Gauss-Hermite quadrature with ``n_nodes`` nodes (exact for the
        default g, where log p(x, z) is a polynomial of degree 6 in z, once n_nodes >= 4),
        plus the Gaussian entropy. Differentiable in mean and log_std.
        """
        x = _as_x(x)
        mean, log_std = _as_params(x, mean, log_std)
        nodes, weights = _hermite(n_nodes)
        z = mean.unsqueeze(-1) + log_std.exp().unsqueeze(-1) * nodes  # (N, n_nodes)
        entropy = 0.5 * (1 + LOG_2PI) + log_std
        return (self.log_joint(x, z) * weights).sum(-1) + entropy

    def kl_to_posterior(self, x, mean, log_std) -> torch.Tensor:
        """KL(q || p(z | x)) for Gaussian q, integrated on the grid (not through the ELBO): (N,)."""
        x = _as_x(x)
        mean, log_std = _as_params(x, mean, log_std)
        std = log_std.exp().unsqueeze(-1)
        log_q = -0.5 * ((self.z - mean.unsqueeze(-1)) / std) ** 2 - torch.log(std) - 0.5 * LOG_2PI
        integrand = log_q.exp() * (log_q - self.log_posterior(x))
        return (integrand * self.log_dz.exp()).sum(-1)

    def best_gaussian(
        self, x, init=None, *, n_starts: int = 3, steps: int = 600, lr: float = 0.03
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The Gaussian q(z | x) with the highest ELBO for each x, found separately per x.

        The ELBO over (mean, log_std) can have several local maxima (one Gaussian on a mode, or
        one wide Gaussian across two modes), so gradient ascent (Adam) runs from several starts:
        the ``n_starts`` highest local maxima of the exact posterior (width 0.1), the
        posterior's own mean and standard deviation, the best point of a coarse grid of
        (mean, log_std) around them, and, when given, ``init = (mean, log_std)``. Every start
        is also a candidate, and the highest ELBO wins, so the result is never worse than
        ``init``. Returns (mean (N,), log_std (N,)).
        """
        x = _as_x(x)
        means, log_stds = self._starts(x, n_starts)  # (N, S) each
        if init is not None:
            m0, s0 = _as_params(x, *init)
            means = torch.cat([means, m0.unsqueeze(-1)], 1)
            log_stds = torch.cat([log_stds, s0.unsqueeze(-1)], 1)
        n, s = means.shape
        x_rep = x.repeat_interleave(s, 0)
        params = torch.stack(
            self.ascend(x_rep, means.flatten(), log_stds.flatten(), steps=steps, lr=lr)
        )
        values = self.elbo_gaussian(x_rep, params[0], params[1]).view(n, s)
        best = values.argmax(-1, keepdim=True)
        mean = params[0].view(n, s).gather(1, best)[:, 0]
        return mean, params[1].view(n, s).gather(1, best)[:, 0]

    def ascend(
        self, x, mean, log_std, *, steps: int = 600, lr: float = 0.03
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Gradient ascent (Adam) on the ELBO of N(mean, exp(log_std)^2), one start per x.

        Returns the end points (mean (N,), log_std (N,)): a local maximum near each start, not
        necessarily the best Gaussian. Adam can overshoot, so a start that has a higher ELBO
        than its end point is returned unchanged.
        """
        x = _as_x(x)
        start = torch.stack(_as_params(x, mean, log_std))  # (2, N)
        params = start.clone().requires_grad_(True)
        optimizer = torch.optim.Adam([params], lr=lr)
        with torch.enable_grad():
            for _ in range(steps):
                optimizer.zero_grad()
                (-self.elbo_gaussian(x, params[0], params[1]).sum()).backward()
                optimizer.step()
        params = params.detach()
        keep = self.elbo_gaussian(x, *start) > self.elbo_gaussian(x, *params)
        params = torch.where(keep, start, params)
        return params[0], params[1]

    def _starts(self, x: torch.Tensor, n_starts: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Starting points of ``best_gaussian``: (means (N, S), log_stds (N, S))."""
        coarse = self.z[::8]
        log_post = self.log_joint(x, coarse)  # (N, G'): same shape as the posterior
        peak = torch.ones_like(log_post, dtype=torch.bool)
        peak[:, 1:] &= log_post[:, 1:] >= log_post[:, :-1]
        peak[:, :-1] &= log_post[:, :-1] >= log_post[:, 1:]
        ranked = torch.where(peak, log_post, -math.inf).topk(n_starts, dim=-1).indices
        modes = coarse[ranked]  # (N, n_starts); a missing peak repeats the best one below
        modes = torch.where(peak.gather(1, ranked), modes, modes[:, :1])
        # the posterior's mean and standard deviation (the coarse grid is uniform)
        post = torch.softmax(log_post, -1)
        mean = (post * coarse).sum(-1)  # (N,)
        std = (post * (coarse - mean.unsqueeze(-1)) ** 2).sum(-1).sqrt().clamp(min=1e-3)
        # a coarse grid: means within 2 posterior sds, widths from sd / 50 to sd
        offsets, shrink = torch.meshgrid(
            torch.linspace(-2, 2, 17, dtype=DTYPE),
            torch.linspace(math.log(0.02), 0, 9, dtype=DTYPE),
            indexing="ij",
        )
        grid_means = mean.unsqueeze(-1) + std.unsqueeze(-1) * offsets.flatten()  # (N, G')
        grid_log_stds = std.log().unsqueeze(-1) + shrink.flatten()
        values = torch.cat(
            [
                self.elbo_gaussian(
                    xs.repeat_interleave(grid_means.shape[1], 0), gm.flatten(), gs.flatten()
                ).view(len(xs), -1)
                for xs, gm, gs in zip(
                    x.split(256), grid_means.split(256), grid_log_stds.split(256), strict=True
                )
            ]
        )
        best = values.argmax(-1, keepdim=True)
        means = torch.cat(
            [modes, mean.unsqueeze(-1), grid_means.gather(1, best)], 1
        )  # (N, n_starts + 2)
        log_stds = torch.cat(
            [
                torch.full_like(modes, math.log(0.1)),
                std.log().unsqueeze(-1),
                grid_log_stds.gather(1, best),
            ],
            1,
        )
        return means, log_stds
