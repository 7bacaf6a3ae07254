"""Tests for vae_course.latent: prior samples, interpolation, grids, arithmetic, active units."""

import math

import pytest
import torch
from scipy.stats import norm

from vae_course import data, latent, models


@pytest.fixture(scope="module")
def digits():
    return data.load_mnist("test", limit=200, download=False, verbose=False)


def test_sample_prior_shape_and_temperature_scales_the_std():
    def draw(temperature):
        g = torch.Generator().manual_seed(0)
        return latent.sample_prior(4000, 3, temperature=temperature, generator=g)

    base = draw(1.0)
    assert base.shape == (4000, 3)
    assert torch.allclose(draw(0.5), 0.5 * base)
    # sample std of N(0, 1): standard error about 1 / sqrt(2 n)
    assert (base.std(0) - 1).abs().max() < 4 / math.sqrt(2 * 4000)


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf")])
def test_sample_prior_rejects_non_positive_or_infinite_temperature(temperature):
    with pytest.raises(ValueError, match="temperature must be finite and > 0"):
        latent.sample_prior(2, 2, temperature=temperature)


def test_sample_prior_rejects_bad_sizes():
    with pytest.raises(ValueError, match="latent_dim"):
        latent.sample_prior(2, 0)
    with pytest.raises(ValueError, match="n must be"):
        latent.sample_prior(-1, 2)


def test_lerp_endpoints_and_even_spacing():
    z0, z1 = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([3.0, 2.0, -0.5])
    path = latent.lerp(z0, z1, 5)
    assert path.shape == (5, 3)
    assert torch.equal(path[0], z0) and torch.allclose(path[-1], z1)
    assert torch.allclose(path[2], (z0 + z1) / 2)
    steps = path.diff(dim=0)
    assert torch.allclose(steps, steps[:1].expand_as(steps))


def test_slerp_keeps_endpoints_and_interpolates_norms():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(16, generator=g), 3 * torch.randn(16, generator=g)
    path = latent.slerp(z0, z1, 9)
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)
    t = torch.linspace(0, 1, 9)
    assert torch.allclose(path.norm(dim=1), (1 - t) * z0.norm() + t * z1.norm(), rtol=1e-5)
    # the direction moves at constant angular speed within the plane of z0 and z1
    unit = path / path.norm(dim=1, keepdim=True)
    angles = torch.arccos((unit[1:] * unit[:-1]).sum(1).clamp(-1, 1))
    assert torch.allclose(angles, angles.mean().expand_as(angles), atol=1e-4)


def test_slerp_with_equal_norms_is_the_classic_formula():
    z0, z1 = torch.tensor([2.0, 0.0, 0.0]), torch.tensor([0.0, 2.0, 0.0])
    path = latent.slerp(z0, z1, 3)
    assert torch.allclose(path.norm(dim=1), torch.full((3,), 2.0))
    omega = math.pi / 2
    middle = (math.sin(omega / 2) * z0 + math.sin(omega / 2) * z1) / math.sin(omega)
    assert torch.allclose(path[1], middle)


def test_slerp_handles_near_parallel_zero_and_opposite_vectors():
    z0 = torch.tensor([1.0, 2.0, 3.0])
    near = latent.slerp(z0, z0 * (1 + 1e-8), 4)
    assert torch.isfinite(near).all() and torch.allclose(near, latent.lerp(z0, z0, 4))
    assert torch.allclose(latent.slerp(torch.zeros(3), z0, 3), latent.lerp(torch.zeros(3), z0, 3))
    with pytest.raises(ValueError, match="opposite directions"):
        latent.slerp(z0, -z0, 3)


def test_interpolation_argument_checks():
    with pytest.raises(ValueError, match="steps must be an int >= 2"):
        latent.lerp(torch.zeros(2), torch.ones(2), 1)
    with pytest.raises(ValueError, match="z0 and z1 must be vectors of the same shape"):
        latent.slerp(torch.zeros(2), torch.ones(3), 4)


def test_quantile_grid_matches_the_inverse_normal_cdf_row_major():
    n = 5
    grid = latent.quantile_grid(n, lo=0.1, hi=0.9)
    expected = torch.tensor(norm.ppf([0.1, 0.3, 0.5, 0.7, 0.9]), dtype=torch.float32)
    assert grid.shape == (n * n, 2)
    assert torch.allclose(grid[:n, 0], expected, atol=1e-5)  # x increases along a row
    assert torch.allclose(grid[::n, 1], expected.flip(0), atol=1e-5)  # y decreases down rows
    assert torch.equal(grid[:n, 1], grid[0, 1].expand(n))  # one row shares its y
    with pytest.raises(ValueError, match="0 < lo < hi < 1"):
        latent.quantile_grid(3, lo=0.0)


def test_class_means_attribute_vectors_and_arithmetic():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(60, 4, generator=g)
    labels = torch.arange(60) % 3
    means = latent.class_means(z, labels)
    for c in range(3):
        assert torch.allclose(means[c], z[labels == c].mean(0))
    shift = latent.attribute_vector(z, labels, source=0, target=2)
    assert torch.allclose(means[0] + shift, means[2], atol=1e-6)
    with pytest.raises(ValueError, match=r"no examples of class\(es\) \[3\]"):
        latent.class_means(z, labels, n_classes=4)
    with pytest.raises(ValueError, match="target=7 has no examples"):
        latent.attribute_vector(z, labels, source=0, target=7)


def test_posterior_means_are_the_encoder_means(digits):
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=3)
    means = latent.posterior_means(model, digits.images, batch_size=64)
    with torch.no_grad():
        assert torch.allclose(means, model.encode(digits.images)[0], atol=1e-6)
    cvae = models.ConditionalVAE(hidden_dim=32, latent_dim=3)
    assert latent.posterior_means(cvae, digits.images, digits.labels).shape == (200, 3)


def test_active_units_counts_dimensions_whose_mean_varies(digits):
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=6)
    with torch.no_grad():  # dims 3..5 ignore the input: their posterior mean is constant
        model.to_mu.weight[3:] = 0
        model.to_mu.weight[:3] *= 20
    n_active, variances = latent.active_units(model, digits.images)
    means = latent.posterior_means(model, digits.images)
    assert torch.allclose(variances, means.var(0, correction=0))
    assert n_active == 3 and (variances[3:] == 0).all() and (variances[:3] > 0.01).all()
