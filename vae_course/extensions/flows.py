"""Normalizing-flow posteriors: planar flows (Rezende and Mohamed, 2015) on a diagonal Gaussian.

A flow pushes base samples z_0 ~ N(mu, diag exp(logvar)) through F invertible maps f_1..f_F and
tracks the density by the change of variables:
    log q(z_F) = log N(z_0; mu, diag exp(logvar)) - sum_l log |det df_l/dz_{l-1}|.
Also here: fitting such a q to an unnormalised log density by maximising the ELBO, the log joint
log p(x, z) of a trained VAE as that density, and a grid integral for exact 2-D log p(x).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from ..distributions import log_normal, log_standard_normal, reparameterize


class PlanarFlow(nn.Module):
    """f(z) = z + psi_1 tanh(psi_2.z + psi_3): z (N, d) -> (f(z) (N, d), log|det J| (N,)).

    The chapter's letters: psi_1 = push (the direction the step moves z along), psi_2 = normal (the
    normal of the hyperplane psi_2.z + psi_3 = 0), psi_3 = offset. Rezende and Mohamed (2015) call
    them u, w and b. adjusted_push() is the push adjusted so that normal.push >= -1, which keeps f
    invertible (the paper's u-hat).
    """

    def __init__(self, dim: int, generator: torch.Generator | None = None):
        super().__init__()
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive int; got {dim!r}")
        self.normal = nn.Parameter(0.1 * torch.randn(dim, generator=generator))
        self.push = nn.Parameter(0.1 * torch.randn(dim, generator=generator))
        self.offset = nn.Parameter(torch.zeros(()))

    def adjusted_push(self) -> torch.Tensor:
        dot = self.normal @ self.push
        return self.push + (F.softplus(dot) - 1 - dot) * self.normal / (self.normal @ self.normal)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        push = self.adjusted_push()
        h = torch.tanh(z @ self.normal + self.offset)  # (N,)
        # (N, d): the gradient of tanh(normal.z + offset)
        grad = (1 - h.pow(2))[:, None] * self.normal
        return z + h[:, None] * push, torch.log(torch.abs(1 + grad @ push))


class FlowPosterior(nn.Module):
    """q(z): n_flows planar flows on N(mu, diag exp(logvar)); n_flows = 0 is that Gaussian."""

    def __init__(self, mu: torch.Tensor, logvar: torch.Tensor, n_flows: int, generator=None):
        super().__init__()
        if mu.dim() != 1 or mu.shape != logvar.shape:
            raise ValueError(
                f"mu and logvar must be vectors (d,) of one shape; got {mu.shape}, {logvar.shape}"
            )
        self.mu = nn.Parameter(mu.detach().clone().float())
        self.logvar = nn.Parameter(logvar.detach().clone().float())
        self.flows = nn.ModuleList(PlanarFlow(len(mu), generator) for _ in range(n_flows))

    def sample(self, n: int, generator: torch.Generator | None = None):
        """n draws: (z (n, d), log q(z) (n,)), differentiable in all parameters."""
        shape = (n, len(self.mu))
        z = reparameterize(self.mu.expand(shape), self.logvar.expand(shape), generator)
        log_q = log_normal(z, self.mu, self.logvar)
        for flow in self.flows:
            z, log_det = flow(z)
            log_q = log_q - log_det
        return z, log_q


def fit_posterior(
    q: FlowPosterior,
    log_target: Callable[[torch.Tensor], torch.Tensor],
    *,
    steps: int,
    n_samples: int = 128,
    lr: float = 1e-2,
    generator: torch.Generator | None = None,
) -> list[float]:
    """Maximise the ELBO E_q[log_target(z) - log q(z)] with Adam; returns its estimate per step.

    log_target: z (n, d) -> (n,), an unnormalised log density such as log p(x, z).
    """
    optimizer = torch.optim.Adam(q.parameters(), lr=lr)
    trace = []
    for _ in range(steps):
        z, log_q = q.sample(n_samples, generator)
        elbo = (log_target(z) - log_q).mean()
        optimizer.zero_grad(set_to_none=True)
        (-elbo).backward()
        optimizer.step()
        trace.append(float(elbo.detach()))
    return trace


def vae_log_joint(model, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """log p(x, z) = log p(x|z) + log N(z; 0, I) for one image x (1, 1, 28, 28).

    Returns a function z (n, d) -> (n,), the unnormalised log posterior of x.
    """
    if x.dim() != 4 or len(x) != 1:
        raise ValueError(f"x must be one image of shape (1, 1, 28, 28); got {tuple(x.shape)}")

    def log_joint(z: torch.Tensor) -> torch.Tensor:
        raw = model.decode_raw(z)
        log_prior = log_standard_normal(z)
        return model.log_likelihood(x.expand(len(z), *x.shape[1:]), raw) + log_prior

    return log_joint


@torch.no_grad()
def log_integral_2d(
    log_f: Callable[[torch.Tensor], torch.Tensor], limit: float = 5.0, n: int = 300
) -> float:
    """log of the integral of exp(log_f) over [-limit, limit]^2 by the midpoint rule on n x n cells.

    With log_f = vae_log_joint(model, x) of a 2-D VAE this is log p(x) up to the (tiny) prior
    mass outside the square and the grid error.
    """
    step = 2 * limit / n
    centres = -limit + step * (torch.arange(n, dtype=torch.float32) + 0.5)
    grid = torch.cartesian_prod(centres, centres)  # (n*n, 2)
    values = torch.cat([log_f(chunk) for chunk in grid.split(8192)])
    return float(torch.logsumexp(values.double(), 0)) + 2 * math.log(step)
