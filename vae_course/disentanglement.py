"""Disentanglement (chapter 11): the KL term split into index-code mutual information, total
correlation and dimension-wise KL (Chen et al., 2018), the beta-TCVAE objective that weighs
the total correlation, and the mutual information gap (MIG) against known factors.

Averaged over the data (n uniform over the N training images), with q(z) the aggregate
posterior and q(z_j) its marginals, the KL term to p(z) = N(0, I) splits exactly into

    E_n KL(q(z|n) || p(z)) = I_q(z; n) + KL(q(z) || prod_j q(z_j)) + sum_j KL(q(z_j) || p(z_j)),

index-code MI + total correlation (TC) + dimension-wise KL. beta-TCVAE multiplies the TC by
beta and keeps the other two at weight 1, so its loss is the negative ELBO + (beta - 1) TC.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .distributions import log_normal, log_standard_normal, reparameterize
from .losses import elbo


def _log_q_matrix(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log q(z_i,j | x_m) per dimension j: z (M, d), mu/logvar (M, d) -> (M, M, d)."""
    if z.dim() != 2 or z.shape != mu.shape or mu.shape != logvar.shape:
        raise ValueError(
            f"z, mu and logvar must all have shape (M, d); got {tuple(z.shape)}, "
            f"{tuple(mu.shape)}, {tuple(logvar.shape)}"
        )
    return -0.5 * (
        (z[:, None] - mu[None]).pow(2) * torch.exp(-logvar[None])
        + logvar[None]
        + math.log(2 * math.pi)
    )


def log_q_estimates(
    z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, dataset_size: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Estimates of log q(z_i) and sum_j log q(z_ij) (each (M,)) for codes z_i ~ q(z|x_i) of a
    minibatch of M images (z, mu, logvar: (M, d)).

    ``dataset_size`` N given: minibatch weighted sampling as Chen et al. (2018) write it and
    their code computes it, log q(z_i) ~ logsumexp_m log q(z_i|x_m) - log(N M), and the same
    for each marginal. ``None``: the plug-in estimate with the batch's own mixture,
    logsumexp_m log q(z_i|x_m) - log M, which is log qbar(z_i) exactly when the batch is the
    whole data set. The two differ by the constant log N in log q(z) and d log N in the sum of
    marginals, so their TC estimates differ by (d - 1) log N and have the same gradient."""
    m = len(z)
    per_dim = _log_q_matrix(z, mu, logvar)  # (M, M, d)
    log_norm = math.log(m) if dataset_size is None else math.log(dataset_size * m)
    if dataset_size is not None and (not isinstance(dataset_size, int) or dataset_size < m):
        raise ValueError(f"dataset_size must be an int >= the batch size {m}; got {dataset_size!r}")
    log_qz = torch.logsumexp(per_dim.sum(-1), dim=1) - log_norm
    log_prod = (torch.logsumexp(per_dim, dim=1) - log_norm).sum(-1)
    return log_qz, log_prod


def total_correlation(
    z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, dataset_size: int | None = None
) -> torch.Tensor:
    """TC = E_q(z)[log q(z) - sum_j log q(z_j)] estimated on a minibatch (a scalar tensor, in
    nats); see ``log_q_estimates`` for the two estimators ``dataset_size`` chooses."""
    log_qz, log_prod = log_q_estimates(z, mu, logvar, dataset_size)
    return (log_qz - log_prod).mean()


def kl_decomposition(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> dict[str, float]:
    """Plug-in estimates, on one code z_i ~ q(z|x_i) per image (z, mu, logvar: (M, d)), of the
    three parts of the averaged KL term to N(0, I) and their sum (all in nats):
    mutual_information E[log q(z|x) - log q(z)], total_correlation E[log q(z) - sum_j log
    q(z_j)], dimensionwise_kl E[sum_j log q(z_j) - log p(z)], kl E[log q(z|x) - log p(z)].
    The sum of the three is ``kl`` for every sample (a telescoping sum)."""
    log_qz, log_prod = log_q_estimates(z, mu, logvar)
    log_own = log_normal(z, mu, logvar)
    log_p = log_standard_normal(z)
    parts = {
        "mutual_information": log_own - log_qz,
        "total_correlation": log_qz - log_prod,
        "dimensionwise_kl": log_prod - log_p,
        "kl": log_own - log_p,
    }
    return {name: float(value.mean()) for name, value in parts.items()}


def beta_tcvae_objective(beta: float, dataset_size: int):
    """``training.fit``'s objective for beta-TCVAE (Chen et al., 2018, their alpha = gamma = 1):
    the negative ELBO plus (beta - 1) times the minibatch weighted sampling TC estimate, with
    ``dataset_size`` the number of training images. Records the ELBO parts and the TC."""
    if not 0 <= beta < math.inf:
        raise ValueError(f"beta must be >= 0 and finite; got {beta!r}")
    if not isinstance(dataset_size, int) or dataset_size < 1:
        raise ValueError(f"dataset_size must be a positive int; got {dataset_size!r}")

    def objective(model, x, generator):
        mu, logvar = model.encode(x)
        terms = elbo(model, x, generator=generator)
        # the ELBO's own draw is inside elbo(); one more draw from the same q for the TC
        z = reparameterize(mu, logvar, generator)
        tc = total_correlation(z, mu, logvar, max(dataset_size, len(x)))
        # the same estimate without the paper's constant (d - 1) log N (no gradient)
        tc_plugin = tc - (mu.shape[1] - 1) * math.log(max(dataset_size, len(x)))
        loss = -terms.elbo.mean() + (beta - 1) * tc
        return {
            "loss": loss,
            "elbo": terms.elbo.mean(),
            "kl": terms.kl.mean(),
            "reconstruction": terms.reconstruction.mean(),
            "tc": tc_plugin.detach(),
        }

    return objective


def discretize(codes, n_bins: int = 20) -> np.ndarray:
    """Each column of codes (N, d) into ``n_bins`` equal-width bins over its own range:
    (N, d) ints in [0, n_bins)."""
    codes = np.asarray(codes.cpu() if isinstance(codes, torch.Tensor) else codes, dtype=float)
    if codes.ndim != 2:
        raise ValueError(f"codes must have shape (N, d); got {codes.shape}")
    if not isinstance(n_bins, int) or n_bins < 2:
        raise ValueError(f"n_bins must be an int >= 2; got {n_bins!r}")
    out = np.zeros(codes.shape, dtype=np.int64)
    for j in range(codes.shape[1]):
        edges = np.histogram_bin_edges(codes[:, j], bins=n_bins)
        out[:, j] = np.digitize(codes[:, j], edges[1:-1])
    return out


def _discrete_mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """I(a; b) in nats of two integer arrays (N,), from their joint frequencies."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
    nonzero = joint > 0
    return float((joint[nonzero] * np.log(joint[nonzero] / outer[nonzero])).sum())


def _entropy(a: np.ndarray) -> float:
    _, counts = np.unique(a, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def mutual_information_matrix(codes, factors, n_bins: int = 20) -> np.ndarray:
    """I(z_j; v_k) in nats for every code dimension j and factor k: codes (N, d) discretized
    into ``n_bins`` equal-width bins, factors (N, K) integers -> (d, K)."""
    binned = discretize(codes, n_bins)
    factors = np.asarray(factors.cpu() if isinstance(factors, torch.Tensor) else factors)
    if factors.ndim != 2 or len(factors) != len(binned):
        raise ValueError(
            f"factors must have shape (N, K) with N = {len(binned)}; got {factors.shape}"
        )
    return np.array(
        [
            [
                _discrete_mutual_information(binned[:, j], factors[:, k])
                for k in range(factors.shape[1])
            ]
            for j in range(binned.shape[1])
        ]
    )


def mig(codes, factors, n_bins: int = 20) -> tuple[float, np.ndarray]:
    """The mutual information gap (Chen et al., 2018) as Locatello et al. (2019) compute it:
    each code dimension's posterior means discretized into ``n_bins`` bins; for each factor
    k, the gap between the largest and second largest I(z_j; v_k) over dimensions j, divided
    by the factor's entropy H(v_k); MIG is the mean gap over factors.

    codes (N, d), d >= 2; factors (N, K) integer values of the true factors (constant factors,
    whose entropy is 0, are skipped). Returns (MIG, the K normalized gaps (NaN where skipped))."""
    info = mutual_information_matrix(codes, factors, n_bins)  # (d, K)
    factors = np.asarray(factors.cpu() if isinstance(factors, torch.Tensor) else factors)
    if info.shape[0] < 2:
        raise ValueError("codes need at least two dimensions for a gap")
    gaps = np.full(factors.shape[1], np.nan)
    for k in range(factors.shape[1]):
        h = _entropy(factors[:, k])
        if h == 0:
            continue
        top = np.sort(info[:, k])[::-1]
        gaps[k] = (top[0] - top[1]) / h
    return float(np.nanmean(gaps)), gaps
