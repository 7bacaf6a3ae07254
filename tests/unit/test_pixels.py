"""Tests for vae_course.pixels: levels, dequantization, bits/dim and the discretized logistic,
each against an independent computation (torch.distributions, a uniform density, a sum)."""

import math

import pytest
import torch
from torch.distributions import AffineTransform, SigmoidTransform, TransformedDistribution, Uniform

from vae_course import pixels


def _levels_image(generator_seed: int = 0, n: int = 5) -> torch.Tensor:
    g = torch.Generator().manual_seed(generator_seed)
    return torch.randint(0, 256, (n, 1, 28, 28), generator=g).float() / 255


def test_levels_round_trip_and_refuse_values_between_levels():
    x = _levels_image()
    k = pixels.to_levels(x)
    assert k.dtype == torch.int64 and k.min() >= 0 and k.max() <= 255
    assert torch.allclose(k.float() / 255, x)
    with pytest.raises(ValueError, match="between levels"):
        pixels.to_levels(x + 0.4 / 255 * (x < 0.5))
    with pytest.raises(ValueError, match="values in"):
        pixels.to_levels(x + 2)
    with pytest.raises(ValueError, match="float tensor"):
        pixels.to_levels((x * 255).long())


def test_dequantize_fills_each_levels_cell_uniformly():
    x = torch.full((20000, 1), 7 / 255)  # one level, many draws
    x = torch.cat([x, torch.zeros_like(x), torch.ones_like(x)], dim=1)
    d = pixels.dequantize(x, torch.Generator().manual_seed(0))
    for column, k in enumerate((7, 0, 255)):
        cell = d[:, column] * 256 - k  # should be U(0, 1)
        assert cell.min() >= 0 and cell.max() < 1
        assert abs(cell.mean().item() - 0.5) < 0.01  # s.e. 0.002
        assert abs(cell.var().item() - 1 / 12) < 0.005
    assert d.max() < 1 and d.min() >= 0
    # seeded: the same generator state gives the same noise
    again = pixels.dequantize(x, torch.Generator().manual_seed(0))
    assert torch.equal(d, again)


def test_uniform_density_is_eight_bits_per_dim():
    # the uniform density on [0, 1]^D has log p = 0 everywhere
    assert pixels.continuous_bits_per_dim(0.0) == pytest.approx(8.0, abs=1e-12)
    assert pixels.continuous_bits_per_dim(0.0, n_dims=3) == pytest.approx(8.0, abs=1e-12)
    # a uniform density on [0, 1/2]^D: log p = D log 2, so one bit less per pixel
    d = 10
    assert pixels.continuous_bits_per_dim(d * math.log(2), n_dims=d) == pytest.approx(7.0)
    # a discrete model giving every level 1/256 needs 8 bits per pixel too
    assert pixels.discrete_bits_per_dim(-d * math.log(256), n_dims=d) == pytest.approx(8.0)
    per_image = pixels.continuous_bits_per_dim(torch.zeros(4), n_dims=784)
    assert per_image.shape == (4,) and torch.allclose(per_image, torch.full((4,), 8.0))
    with pytest.raises(ValueError, match="n_dims"):
        pixels.continuous_bits_per_dim(0.0, n_dims=0)


def _logistic(mean, scale):
    # X = mean + scale * logit(U): the logistic distribution, built by torch.distributions
    base = Uniform(torch.zeros_like(mean), torch.ones_like(mean))
    return TransformedDistribution(
        base, [SigmoidTransform().inv, AffineTransform(loc=mean, scale=scale)]
    )


@pytest.mark.parametrize("log_scale", [-6.0, -3.0, -1.0, 1.0])
def test_discretized_logistic_matches_bin_masses_of_torch_logistic(log_scale):
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 256, (3, 1, 28, 28), generator=g).double() / 255
    x[0, 0, 0, :3] = torch.tensor([0.0, 1.0, 128 / 255])  # both edge bins and a middle one
    mean = torch.rand(x.shape, generator=g, dtype=torch.float64) * 1.2 - 0.1
    ours = pixels.discretized_logistic_log_likelihood(x, mean, log_scale)
    dist = _logistic(mean, torch.full_like(mean, math.exp(log_scale)))
    upper = dist.cdf((x + 0.5 / 255).clamp(max=1.0 - 1e-12))
    lower = dist.cdf((x - 0.5 / 255).clamp(min=1e-12))
    upper = torch.where(x > 1 - 1e-9, torch.ones_like(upper), upper)  # last bin to +inf
    lower = torch.where(x < 1e-9, torch.zeros_like(lower), lower)  # first bin from -inf
    expected = torch.log(upper - lower).flatten(1).sum(1)
    finite = torch.isfinite(expected)
    assert finite.all() or log_scale == -6.0  # very narrow: some bins underflow in cdf form
    assert torch.allclose(ours[finite], expected[finite], rtol=1e-6, atol=1e-6)
    assert torch.isfinite(ours).all()


def test_discretized_logistic_probabilities_sum_to_one_and_are_at_most_one():
    levels = torch.arange(256, dtype=torch.float64) / 255  # every level of one pixel
    for mean, log_scale in [(0.3, -4.0), (-0.2, -2.0), (0.99, -7.0), (0.5, 2.0)]:
        x = levels.view(256, 1)
        m = torch.full_like(x, mean)
        log_p = pixels.discretized_logistic_log_likelihood(x, m, log_scale)  # (256,)
        assert (log_p <= 1e-12).all()
        assert math.isclose(torch.logsumexp(log_p, 0).exp().item(), 1.0, abs_tol=1e-9)


def test_discretized_logistic_is_stable_far_in_the_tails_and_has_finite_gradients():
    x = torch.tensor([[10 / 255, 250 / 255, 128 / 255]])
    mean = torch.tensor([[1.0, 0.0, 0.5]], requires_grad=True)  # far from the first two
    log_scale = torch.tensor(-6.0, requires_grad=True)  # s = 0.0025: bins are ~1.6 s wide
    log_p = pixels.discretized_logistic_log_likelihood(x, mean, log_scale)
    assert torch.isfinite(log_p).all() and log_p.item() < -300
    log_p.sum().backward()
    assert torch.isfinite(mean.grad).all() and torch.isfinite(log_scale.grad)
    with pytest.raises(ValueError, match="shape of x"):
        pixels.discretized_logistic_log_likelihood(x, mean[:, :2], 0.0)


def test_dequantized_bound_on_a_constant_pixel():
    # Any density on [0, 1) scores at most log 256 nats on average on a dequantized level; the
    # best Gaussian on a constant pixel has s = (1/256)/sqrt(12) and stays below that bound.
    s = 1 / (256 * math.sqrt(12))
    best_gaussian = -0.5 * math.log(2 * math.pi * math.e * s**2)
    assert best_gaussian < math.log(256)
    x = pixels.dequantize(torch.zeros(200000, 1), torch.Generator().manual_seed(2))
    mean = x.mean()
    measured = (-0.5 * ((x - mean) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)).mean()
    assert abs(measured.item() - best_gaussian) < 0.01
