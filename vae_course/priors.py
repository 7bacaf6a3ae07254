"""Learned priors (chapter 11): a mixture of Gaussians p_lambda(z) trained with the VAE, the
ELBO with a prior that has no closed-form KL, and the measurements of how well a prior fits
the aggregate posterior: its log-density (chapter 6), the split of the KL term into I_q(x; z)
and KL(qbar || p) (chapters 5 and 8), and the share of prior samples in its holes.

``PriorVAE(vae, prior)`` pairs a ``models.VAE`` with a prior so that
``training.fit(model, x, objective=priors.objective)`` trains both. A prior of ``None`` is
N(0, I), so the same estimators score a plain VAE and a VAE with a learned prior alike.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .distributions import log_normal, log_standard_normal, reparameterize
from .models import VAE


class MixturePrior(nn.Module):
    """p(z) = sum_k pi_k N(z; m_k, diag exp(v_k)), every parameter learned.

    K components in d dimensions: means m (K, d), log-variances v (K, d), mixing logits (K,)
    (pi = softmax(logits)). The means start as draws from N(0, I) (seeded by ``seed``), the
    variances at 1, the weights equal, so the untrained prior is close to N(0, I) spread out.
    """

    def __init__(self, n_components: int, latent_dim: int, *, seed: int = 0):
        super().__init__()
        for name, value in (("n_components", n_components), ("latent_dim", latent_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        start = torch.randn(n_components, latent_dim, generator=torch.Generator().manual_seed(seed))
        self.latent_dim = latent_dim
        self.means = nn.Parameter(start)
        self.logvars = nn.Parameter(torch.zeros(n_components, latent_dim))
        self.logits = nn.Parameter(torch.zeros(n_components))

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z): (..., d) -> (...), a log-sum-exp over the components."""
        if z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must have shape (..., {self.latent_dim}); got {tuple(z.shape)}")
        per_component = log_normal(z[..., None, :], self.means, self.logvars)  # (..., K)
        return torch.logsumexp(per_component + torch.log_softmax(self.logits, 0), dim=-1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws (n, d) on the prior's device: a component by its weight, then its Gaussian."""
        weights = torch.softmax(self.logits, 0)
        device = generator.device if generator is not None else weights.device
        k = torch.multinomial(weights.to(device), n, replacement=True, generator=generator)
        k = k.to(self.means.device)
        mu, logvar = self.means[k], self.logvars[k]
        if generator is not None and generator.device != mu.device:
            noise = torch.randn(mu.shape, generator=generator, device=generator.device)
            return mu + torch.exp(0.5 * logvar) * noise.to(mu.device)
        return reparameterize(mu, logvar, generator)


class PriorVAE(nn.Module):
    """A ``models.VAE`` with the prior ``prior`` (a module with ``log_prob`` and ``sample``) in
    place of N(0, I); ``prior=None`` keeps N(0, I). ``encode``, ``decode``, ``decode_raw`` and
    ``likelihood`` are the VAE's, so ``training.fit`` binarizes for a Bernoulli decoder."""

    def __init__(self, vae: VAE, prior: nn.Module | None = None):
        super().__init__()
        if not isinstance(vae, VAE) or vae.conditional:
            raise ValueError(f"vae must be an unconditional models.VAE; got {type(vae).__name__}")
        if prior is not None and getattr(prior, "latent_dim", vae.latent_dim) != vae.latent_dim:
            raise ValueError(
                f"prior has latent_dim {prior.latent_dim}; the VAE has {vae.latent_dim}"
            )
        self.vae = vae
        self.prior = prior
        self.latent_dim = vae.latent_dim
        self.likelihood = vae.likelihood

    def encode(self, x: torch.Tensor):
        return self.vae.encode(x)

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode_raw(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(z)

    def log_prior(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z): (..., d) -> (...)."""
        return log_standard_normal(z) if self.prior is None else self.prior.log_prob(z)

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n codes (n, d) from the prior, on the model's device."""
        device = self.vae.to_mu.weight.device
        if self.prior is None:
            z = torch.randn(
                n,
                self.latent_dim,
                generator=generator,
                device=generator.device if generator is not None else device,
            )
            return z.to(device)
        return self.prior.sample(n, generator)


def _as_prior_vae(model) -> PriorVAE:
    if isinstance(model, PriorVAE):
        return model
    if isinstance(model, VAE) and not model.conditional:
        return PriorVAE(model)
    raise ValueError(
        f"model must be a PriorVAE or an unconditional VAE; got {type(model).__name__}"
    )


def elbo_terms(
    model, x: torch.Tensor, *, n_samples: int = 1, generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """Per-image ELBO parts (N,) in nats with the model's prior, from ``n_samples`` draws
    z ~ q(z|x): reconstruction E_q log p(x|z), kl E_q[log q(z|x) - log p(z)] (a Monte Carlo
    estimate: a mixture prior has no closed form), elbo = reconstruction - kl.
    ``model``: a PriorVAE, or a plain VAE (then p = N(0, I))."""
    if not isinstance(n_samples, int) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int; got {n_samples!r}")
    model = _as_prior_vae(model)
    mu, logvar = model.encode(x)  # (N, d) each
    shape = (n_samples, *mu.shape)
    z = reparameterize(mu.expand(shape), logvar.expand(shape), generator)  # (S, N, d)
    raw = model.decode_raw(z.flatten(0, 1))
    x_rep = x.expand(n_samples, *x.shape).flatten(0, 1)
    reconstruction = model.vae.log_likelihood(x_rep, raw).view(n_samples, -1).mean(0)
    kl = (log_normal(z, mu, logvar) - model.log_prior(z)).mean(0)
    return {"elbo": reconstruction - kl, "reconstruction": reconstruction, "kl": kl}


def objective(model, x: torch.Tensor, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """``training.fit``'s objective for a PriorVAE: minimise the negative ELBO (one draw per
    image), which trains the encoder, the decoder and the prior together."""
    terms = elbo_terms(model, x, generator=generator)
    parts = {name: value.mean() for name, value in terms.items()}
    return {"loss": -parts["elbo"], **parts}


def log_aggregate_posterior(
    z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, chunk: int = 256
) -> torch.Tensor:
    """log qbar(z) for qbar = (1/N) sum_n N(mu_n, diag exp(logvar_n)), chapter 6's mixture of
    the N posteriors: z (n, d); mu, logvar (N, d) -> (n,). Computed ``chunk`` rows at a time."""
    if mu.shape != logvar.shape or z.shape[-1] != mu.shape[-1]:
        raise ValueError(
            f"z (n, d), mu and logvar (N, d) must agree; got {tuple(z.shape)}, "
            f"{tuple(mu.shape)}, {tuple(logvar.shape)}"
        )
    parts = [torch.logsumexp(log_normal(zc[:, None], mu, logvar), 1) for zc in z.split(chunk)]
    return torch.cat(parts) - math.log(len(mu))


@torch.no_grad()
def kl_split(
    model, x: torch.Tensor, generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """The averaged KL term split as R = I_q(x; z) + KL(qbar || p), estimated as chapter 5
    does, with one code z_n ~ q(z|x_n) per image and qbar the mixture of all N posteriors.

    Returns per-image terms (N,) on the CPU, whose means are the estimates: "rate"
    log q(z_n|x_n) - log p(z_n), "mutual_information" log q(z_n|x_n) - log qbar(z_n) (its
    mean is at most log N), "marginal_kl" log qbar(z_n) - log p(z_n); rate = the sum of the
    other two for every image. x (N, 1, 28, 28) on the model's device."""
    model = _as_prior_vae(model)
    mu, logvar = model.encode(x)
    z = reparameterize(mu, logvar, generator)  # (N, d)
    log_own = log_normal(z, mu, logvar)
    log_qbar = log_aggregate_posterior(z, mu, logvar)
    log_p = model.log_prior(z)
    terms = {
        "rate": log_own - log_p,
        "mutual_information": log_own - log_qbar,
        "marginal_kl": log_qbar - log_p,
    }
    return {name: value.cpu() for name, value in terms.items()}


@torch.no_grad()
def hole_share(
    model,
    x: torch.Tensor,
    n_samples: int,
    *,
    ratio: float = 0.1,
    generator: torch.Generator | None = None,
) -> tuple[float, float]:
    """Chapter 6's hole measurement with the model's own prior: the share of z ~ p(z) where
    qbar(z) < ratio * p(z), qbar the mixture of the posteriors of x (N, 1, 28, 28, on the
    model's device). Returns (share, its binomial standard error)."""
    if not 0 < ratio < math.inf:
        raise ValueError(f"ratio must be a positive number; got {ratio!r}")
    model = _as_prior_vae(model)
    mu, logvar = model.encode(x)
    z = model.sample_prior(n_samples, generator)
    log_ratio = log_aggregate_posterior(z, mu, logvar) - model.log_prior(z)
    share = float((log_ratio < math.log(ratio)).float().mean())
    return share, math.sqrt(share * (1 - share) / n_samples)
