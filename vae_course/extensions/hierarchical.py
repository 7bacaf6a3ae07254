"""A VAE with two stochastic layers, z1 (near the pixels) and z2 (on top).

Generative model (top-down):  p(z2) = N(0, I),  p(z1 | z2) Gaussian,  p(x | z1) Bernoulli.
Inference model (bottom-up, as in Burda et al., 2016):  q(z1 | x),  q(z2 | z1), both Gaussian.
One-sample ELBO:  log p(x|z1) + log p(z1|z2) + log p(z2) - log q(z1|x) - log q(z2|z1).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..distributions import bernoulli_log_likelihood, log_normal, reparameterize
from ..losses import CHUNK_IMAGES
from ..models import _positive


class GaussianLayer(nn.Module):
    """in (N, n_in) -> (mu, logvar), each (N, n_out), through one hidden ReLU layer."""

    def __init__(self, n_in: int, hidden: int, n_out: int):
        super().__init__()
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(n_in, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, n_out)
        self.logvar = nn.Linear(hidden, n_out)

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.hidden(inputs)
        return self.mu(h), self.logvar(h)


class HierarchicalVAE(nn.Module):
    """Two latent layers: z1_dim units under z2_dim units. Images (N, 1, 28, 28) in [0, 1]."""

    likelihood = "bernoulli"

    def __init__(
        self, hidden_dim: int = 256, z1_dim: int = 16, z2_dim: int = 4, top_hidden: int = 64
    ):
        super().__init__()
        for name, value in dict(
            hidden_dim=hidden_dim, z1_dim=z1_dim, z2_dim=z2_dim, top_hidden=top_hidden
        ).items():
            _positive(name, value)
        self.z1_dim, self.z2_dim = z1_dim, z2_dim
        self.q_z1 = GaussianLayer(784, hidden_dim, z1_dim)  # q(z1 | x)
        self.q_z2 = GaussianLayer(z1_dim, top_hidden, z2_dim)  # q(z2 | z1)
        self.p_z1 = GaussianLayer(z2_dim, top_hidden, z1_dim)  # p(z1 | z2)
        self.decoder = nn.Sequential(
            nn.Linear(z1_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 784)
        )  # p(x | z1) logits

    def log_weights(self, x: torch.Tensor, k: int = 1, generator=None) -> dict:
        """k samples (z1, z2) ~ q per image; each term of the bound as a (k, N) tensor:
        log_px (log p(x|z1)), kl_z1 (log q(z1|x) - log p(z1|z2)), kl_z2 (log q(z2|z1) - log p(z2)),
        and log_w = log_px - kl_z1 - kl_z2."""
        mu1, logvar1 = self.q_z1(x)  # (N, z1_dim) each
        z1 = reparameterize(mu1.expand(k, *mu1.shape), logvar1.expand(k, *mu1.shape), generator)
        mu2, logvar2 = self.q_z2(z1.flatten(0, 1))  # (k*N, z2_dim) each
        z2 = reparameterize(mu2, logvar2, generator)
        prior_mu1, prior_logvar1 = self.p_z1(z2)  # (k*N, z1_dim) each
        flat_z1 = z1.flatten(0, 1)
        logits = self.decoder(flat_z1).view(-1, 1, 28, 28)
        x_rep = x.expand(k, *x.shape).flatten(0, 1)
        shape = (k, len(x))
        log_px = bernoulli_log_likelihood(x_rep, logits).view(shape)
        kl_z1 = log_normal(z1, mu1, logvar1) - log_normal(flat_z1, prior_mu1, prior_logvar1).view(
            shape
        )
        zeros = torch.zeros_like(z2)
        kl_z2 = (log_normal(z2, mu2, logvar2) - log_normal(z2, zeros, zeros)).view(shape)
        return {"log_px": log_px, "kl_z1": kl_z1, "kl_z2": kl_z2, "log_w": log_px - kl_z1 - kl_z2}

    def objective(self, x: torch.Tensor, generator=None) -> dict:
        """Batch means of the one-sample ELBO parts; loss = -ELBO (for ``training.fit``)."""
        terms = {name: value.mean() for name, value in self.log_weights(x, 1, generator).items()}
        return {"loss": -terms["log_w"], "kl_z1": terms["kl_z1"], "kl_z2": terms["kl_z2"]}

    @torch.no_grad()
    def iwae_bound(
        self, x: torch.Tensor, k: int, generator=None, chunk_size: int | None = None
    ) -> torch.Tensor:
        """k-sample importance-weighted bound on log p(x): (N,), x on the model's device,
        ``chunk_size`` samples at a time (default: about losses.CHUNK_IMAGES decoded images
        per chunk)."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be an int >= 1; got {k!r}")
        chunk_size = chunk_size or max(1, CHUNK_IMAGES // max(1, len(x)))
        parts = [
            torch.logsumexp(self.log_weights(x, s, generator)["log_w"], 0)
            for s in [min(chunk_size, k - start) for start in range(0, k, chunk_size)]
        ]
        return torch.logsumexp(torch.stack(parts), 0) - math.log(k)

    @torch.no_grad()
    def sample(self, z2: torch.Tensor, generator=None) -> torch.Tensor:
        """Ancestral sampling below given top codes: z2 (n, z2_dim) -> images (n, 1, 28, 28)
        (z1 drawn from p(z1 | z2), images are the decoder's mean)."""
        mu, logvar = self.p_z1(z2)
        z1 = reparameterize(mu, logvar, generator)
        return torch.sigmoid(self.decoder(z1)).view(-1, 1, 28, 28)


def hierarchical_objective(model: HierarchicalVAE, x: torch.Tensor, generator=None) -> dict:
    """The objective for ``training.fit(..., objective=...)``."""
    return model.objective(x, generator)
