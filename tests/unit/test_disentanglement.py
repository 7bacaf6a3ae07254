"""Tests for vae_course.disentanglement: the total-correlation estimators against the exact TC
of a Gaussian, the KL split's identity, the beta-TCVAE objective, and MIG on codes whose answer
is known (and its mutual information against scikit-learn's)."""

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import mutual_info_score

from vae_course import data, disentanglement, models, shapes, training


def _gaussian_codes(n, seed=0):
    """x ~ N(0, A) and q(z|x) = N(x, s^2 I): the aggregate posterior is N(0, A + s^2 I)."""
    g = torch.Generator().manual_seed(seed)
    a = torch.tensor([[1.0, 0.8, 0.3], [0.8, 1.0, 0.5], [0.3, 0.5, 1.0]])
    s2 = 0.3
    x = torch.randn(n, 3, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(a.double()).T
    logvar = torch.full_like(x, math.log(s2))
    z = x + math.sqrt(s2) * torch.randn(n, 3, generator=g, dtype=torch.float64)
    cov = a.double() + s2 * torch.eye(3, dtype=torch.float64)
    exact_tc = 0.5 * (cov.diagonal().log().sum() - torch.logdet(cov)).item()
    return z, x, logvar, exact_tc


@pytest.mark.slow
def test_plugin_tc_matches_the_exact_tc_of_a_gaussian():
    z, mu, logvar, exact = _gaussian_codes(3000)
    estimate = disentanglement.total_correlation(z, mu, logvar).item()
    assert exact > 0.3  # a real dependence to find
    assert abs(estimate - exact) < 0.05


@pytest.mark.slow
def test_minibatch_weighted_sampling_is_the_plugin_plus_a_constant():
    z, mu, logvar, _ = _gaussian_codes(200, seed=1)
    plugin = disentanglement.total_correlation(z, mu, logvar)
    mws = disentanglement.total_correlation(z, mu, logvar, dataset_size=5000)
    torch.testing.assert_close(mws - plugin, torch.tensor((3 - 1) * math.log(5000)).double())
    with pytest.raises(ValueError, match="dataset_size"):
        disentanglement.total_correlation(z, mu, logvar, dataset_size=100)


@pytest.mark.slow
def test_tc_is_about_zero_for_independent_codes():
    g = torch.Generator().manual_seed(2)
    mu = torch.randn(2000, 3, generator=g)
    logvar = torch.full_like(mu, math.log(0.3))
    z = mu + math.sqrt(0.3) * torch.randn(2000, 3, generator=g)
    assert abs(disentanglement.total_correlation(z, mu, logvar).item()) < 0.03


def test_kl_decomposition_sums_to_the_kl_term():
    z, mu, logvar, _ = _gaussian_codes(500, seed=3)
    parts = disentanglement.kl_decomposition(z.float(), mu.float(), logvar.float())
    total = parts["mutual_information"] + parts["total_correlation"] + parts["dimensionwise_kl"]
    assert total == pytest.approx(parts["kl"], abs=1e-3)
    # the Monte Carlo KL term against the closed form, within 4 standard errors
    closed = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    log_ratio = (-0.5 * (z - mu).pow(2) / logvar.exp() - 0.5 * logvar + 0.5 * z.pow(2)).sum(1)
    se = log_ratio.std().item() / math.sqrt(len(z))
    assert abs(parts["kl"] - closed.mean().item()) < 4 * se


@pytest.mark.slow
def test_beta_tcvae_objective_is_the_elbo_at_beta_one_and_trains():
    digits = data.load_mnist("test", limit=256, download=False, verbose=False)
    x = torch.bernoulli(digits.images[:64], generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=4)
    one = disentanglement.beta_tcvae_objective(1.0, 256)
    six = disentanglement.beta_tcvae_objective(6.0, 256)
    parts1 = one(model, x, torch.Generator().manual_seed(1))
    parts6 = six(model, x, torch.Generator().manual_seed(1))
    torch.testing.assert_close(parts1["loss"], -parts1["elbo"])
    mws_tc = parts6["tc"] + 3 * math.log(256)
    torch.testing.assert_close(parts6["loss"], -parts6["elbo"] + 5 * mws_tc)
    history = training.fit(model, digits.images, epochs=1, objective=six, progress=False)
    assert "train_tc" in history.keys()


def test_mig_is_one_for_codes_that_copy_the_factors():
    factors = shapes.make_shapes(size=16, positions=(4.0, 6.0, 8.0, 10.0)).factors
    codes = factors.float() * 0.7 + 3.0  # one factor per dimension, rescaled
    score, gaps = disentanglement.mig(codes, factors)
    assert score == pytest.approx(1.0)
    np.testing.assert_allclose(gaps, 1.0)
    # the same codes with the dimensions shuffled: still one factor per dimension
    assert disentanglement.mig(codes[:, [3, 0, 4, 2, 1]], factors)[0] == pytest.approx(1.0)


def test_mig_is_about_zero_for_codes_independent_of_the_factors():
    factors = shapes.make_shapes(size=16, positions=(4.0, 6.0, 8.0, 10.0)).factors
    codes = torch.randn(len(factors), 5, generator=torch.Generator().manual_seed(0))
    score, _ = disentanglement.mig(codes, factors)
    assert 0 <= score < 0.05


def test_mig_of_a_code_that_holds_two_factors_in_one_dimension():
    # dimension 0 holds shape and scale together, dimension 1 a copy of scale: for shape the gap
    # is all of H(shape); for scale both dimensions know it fully, so its gap is 0
    factors = shapes.make_shapes(size=16, positions=(4.0, 8.0)).factors[:, :2]
    codes = torch.stack([factors[:, 0] * 3 + factors[:, 1], factors[:, 1]], 1).float()
    _, gaps = disentanglement.mig(codes, factors)
    np.testing.assert_allclose(gaps, [1.0, 0.0], atol=1e-12)


def test_mutual_information_agrees_with_scikit_learn():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 1000)
    b = (a + rng.integers(0, 3, 1000)) % 6
    ours = disentanglement._discrete_mutual_information(a, b)
    assert ours == pytest.approx(mutual_info_score(a, b))
