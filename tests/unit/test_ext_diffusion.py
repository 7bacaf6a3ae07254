"""Tests for extensions.diffusion: schedule, closed-form forward marginal, loss, reverse sampler."""

import math

import pytest
import torch

from vae_course import training
from vae_course.extensions import diffusion


def test_schedule_shape_range_and_rescaling():
    betas = diffusion.linear_betas(100)
    assert betas.shape == (100,) and (betas.diff() > 0).all()
    assert 0 < float(betas[0]) and float(betas[-1]) < 1
    # rescaled so the signal left at the end is as small as with 1000 original steps
    abar_100 = torch.prod(1 - betas)
    abar_1000 = torch.prod(1 - diffusion.linear_betas(1000))
    assert float(abar_100) < 1e-3 and float(abar_1000) < 1e-3
    with pytest.raises(ValueError, match="steps must be a positive int"):
        diffusion.linear_betas(0)


def test_closed_form_marginal_matches_iterated_noising_in_mean_and_variance():
    model = diffusion.LatentDiffusion(dim=3, steps=50)
    g = torch.Generator().manual_seed(0)
    z0 = torch.tensor([2.0, -1.0, 0.5])
    z = z0.expand(200_000, 3).clone()
    for t in range(1, 51):  # one step of the forward kernel at a time
        beta = model.betas[t - 1]
        z = (1 - beta).sqrt() * z + beta.sqrt() * torch.randn(z.shape, generator=g)
        if t in (1, 5, 20, 50):
            abar = model.alpha_bars[t - 1]
            mean = model.noisy(z0[None], torch.tensor([t]), torch.zeros(1, 3))[0]
            torch.testing.assert_close(mean, abar.sqrt() * z0)
            assert (z.mean(0) - mean).abs().max() < 0.01
            assert (z.var(0) - (1 - abar)).abs().max() < 0.01


def test_sampler_is_exact_when_the_noise_prediction_is_optimal_for_gaussian_data():
    # Data N(m, I): then z_t ~ N(sqrt(abar_t) m, I) and E[eps | z_t] = sqrt(1 - abar_t)(z_t -
    # sqrt(abar_t) m). With this predictor the reverse chain must return N(m, I).
    model = diffusion.LatentDiffusion(dim=2, steps=100)
    m = torch.tensor([2.0, -3.0])

    def optimal(z_t, t):
        abar = model.alpha_bars[t - 1][:, None]
        return (1 - abar).sqrt() * (z_t - abar.sqrt() * m)

    samples = model.sample(
        50_000, generator=torch.Generator().manual_seed(1), predict_noise=optimal
    )
    assert samples.shape == (50_000, 2)
    assert (samples.mean(0) - m).abs().max() < 0.03
    assert (samples.var(0) - 1).abs().max() < 0.03


def test_loss_is_the_noise_prediction_error_and_training_lowers_it():
    torch.manual_seed(0)
    model = diffusion.LatentDiffusion(dim=2, steps=20, hidden_dim=32)
    # a zero denoiser's loss is E|eps|^2 = dim
    with torch.no_grad():
        model.denoiser[-1].weight.zero_()
        model.denoiser[-1].bias.zero_()
        loss = model.loss(torch.randn(20_000, 2), generator=torch.Generator().manual_seed(0))
    assert abs(float(loss) - 2.0) < 0.05
    codes = torch.randn(512, 2) * 0.3 + torch.tensor([1.0, -1.0])
    history = training.fit(
        model,
        codes,
        objective=diffusion.diffusion_objective,
        epochs=20,
        batch_size=128,
        progress=False,
    )
    assert history["train_loss"][-1] < 0.8 * history["train_loss"][0]
    assert model.sample(4, generator=torch.Generator().manual_seed(0)).shape == (4, 2)


def test_time_features_shape_and_bounds():
    features = diffusion.time_features(torch.arange(1, 11), steps=10, n=16)
    assert features.shape == (10, 16) and float(features.abs().max()) <= 1
    assert math.isclose(float(features[0, 8]), math.cos(math.pi / 10), rel_tol=1e-5)


def test_sizes_must_be_positive_ints():
    with pytest.raises(ValueError, match="steps must be a positive int"):
        diffusion.LatentDiffusion(dim=2, steps=0)
    with pytest.raises(ValueError, match="dim must be a positive int"):
        diffusion.LatentDiffusion(dim=-1)
