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
