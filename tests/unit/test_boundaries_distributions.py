"""Densities and KL at their edges, by hand: pixels two standard deviations from the mean,
KL over a leading sample axis, shapes that differ in either direction."""

from __future__ import annotations

import math

import pytest
import torch

from vae_course import distributions


def test_gaussian_log_likelihood_two_scales_from_the_mean():
    # log N(2; 0, 1) = -2 - log(2 pi)/2 per pixel, 784 pixels; then with s = e: log N(2e; 0, e^2)
    # = -2 - 1 - log(2 pi)/2.
    x = torch.full((1, 1, 28, 28), 2.0)
    ll = distributions.gaussian_log_likelihood(x, torch.zeros_like(x), torch.zeros_like(x))
    assert ll.item() == pytest.approx(784 * (-2.0 - 0.5 * math.log(2 * math.pi)), rel=1e-6)
    ll = distributions.gaussian_log_likelihood(x * math.e, torch.zeros_like(x), 1.0)
    assert ll.item() == pytest.approx(784 * (-3.0 - 0.5 * math.log(2 * math.pi)), rel=1e-6)


def test_kl_sums_the_last_axis_whatever_comes_before():
    # KL(N(1, 1) || N(0, 1)) = 1/2 per dimension: (S, N, d) = (2, 3, 4) gives 2 nats each.
    mu, logvar = torch.ones(2, 3, 4), torch.zeros(2, 3, 4)
    assert distributions.gaussian_kl(mu, logvar).tolist() == [[2.0] * 3] * 2


@pytest.mark.parametrize(("a", "b"), [((2, 3), (2, 2)), ((2, 2), (2, 3))])
def test_kl_refuses_shapes_that_differ_either_way(a, b):
    message = rf"^mu and logvar must have the same shape; got \({a[0]}, {a[1]}\) and "
    with pytest.raises(ValueError, match=message):
        distributions.gaussian_kl_per_dim(torch.zeros(a), torch.zeros(b))


def test_gaussian_log_likelihood_away_from_zero():
    # x = 5, mean = 3, s = 1: log N(5; 3, 1) = -2 - log(2 pi)/2 per pixel (x + mean would be 8).
    x = torch.full((2, 1, 4, 4), 5.0)
    ll = distributions.gaussian_log_likelihood(x, torch.full_like(x, 3.0), 0.0)
    expected = 16 * (-2.0 - 0.5 * math.log(2 * math.pi))
    assert ll.tolist() == pytest.approx([expected, expected], rel=1e-6)


@pytest.mark.parametrize(("a", "b"), [((2, 3), (2, 2)), ((2, 2), (2, 3))])
def test_the_reparameterization_refuses_shapes_that_differ_either_way(a, b):
    message = rf"^mu and logvar must have the same shape; got \({a[0]}, {a[1]}\) and "
    with pytest.raises(ValueError, match=message):
        distributions.reparameterize(torch.zeros(a), torch.zeros(b))


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize(("a", "b"), [((2, 3), (2, 2)), ((2, 2), (2, 3))])
def test_likelihoods_refuse_a_parameter_of_another_shape_either_way(likelihood, a, b):
    x, other = torch.zeros(a), torch.zeros(b)
    with pytest.raises(ValueError, match=r"must have the shape of x \(2, \d\); got \(2, \d\)$"):
        if likelihood == "bernoulli":
            distributions.bernoulli_log_likelihood(x, other)
        else:
            distributions.gaussian_log_likelihood(x, other, 0.0)


def test_noise_is_drawn_in_the_dtype_asked_for_on_the_generators_device():
    # Same device: drawn directly in float64 (not drawn in float32 and cast).
    like = torch.zeros(3, dtype=torch.float64)
    got = distributions.standard_normal((1000,), like, torch.Generator().manual_seed(0))
    want = torch.randn(1000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.equal(got, want)


def test_the_monte_carlo_kl_and_its_standard_error_by_hand():
    mu, logvar = torch.tensor([[0.5, -1.0]]), torch.tensor([[0.2, -0.3]])
    estimate, se = distributions.gaussian_kl_mc(mu, logvar, 2, torch.Generator().manual_seed(4))
    # the same two draws by hand
    eps = torch.randn((2, 1, 2), generator=torch.Generator().manual_seed(4))
    z = mu + torch.exp(0.5 * logvar) * eps
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    ratio = q - p  # (2, 1)
    torch.testing.assert_close(estimate, ratio.mean(0))
    torch.testing.assert_close(se, ratio.std(0) / math.sqrt(2))
