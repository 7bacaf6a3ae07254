"""Tests for extensions.iwae: the IWAE objective and training with it."""

import math

import pytest
import torch

from vae_course import data, losses, models
from vae_course.extensions import iwae


@pytest.fixture(scope="module")
def digits():
    return data.load_mnist("test", limit=32, download=False, verbose=False).images


def _one_sample_elbo(model, x, generator):
    """log p(x|z) + log p(z) - log q(z|x) at one reparameterised z, written out by hand."""
    mu, logvar = model.encode(x)
    eps = torch.randn((1, *mu.shape), generator=generator)[0]
    z = mu + torch.exp(0.5 * logvar) * eps
    normal = torch.distributions.Normal
    log_pz = normal(0.0, 1.0).log_prob(z).sum(1)
    log_qz = normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(1)
    return model.log_likelihood(x, model.decode_raw(z)) + log_pz - log_qz


def test_k1_objective_equals_the_one_sample_elbo_with_the_same_noise(digits):
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=4)
    loss = iwae.iwae_loss(model, digits, 1, torch.Generator().manual_seed(7))
    expected = -_one_sample_elbo(model, digits, torch.Generator().manual_seed(7)).mean()
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-3)


def test_k1_objective_averages_to_the_closed_form_elbo(digits):
    # E over the noise of the one-sample estimate is the ELBO (its KL part in closed form).
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=4)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        draws = torch.stack([iwae.iwae_loss(model, digits[:4], 1, g) for _ in range(2000)])
        closed = -losses.elbo(model, digits[:4], n_samples=2000, generator=g).elbo.mean()
    se = draws.std() / math.sqrt(len(draws))
    assert abs(float(draws.mean() - closed)) < 4 * float(se) + 0.05


def test_objective_is_differentiable_and_the_bound_tightens_with_k(digits):
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=4)
    loss = iwae.iwae_loss(model, digits, 5, torch.Generator().manual_seed(2))
    loss.backward()
    assert model.to_mu.weight.grad.abs().sum() > 0  # encoder gets gradient
    assert model.decoder.fc.weight.grad.abs().sum() > 0  # decoder too
    with torch.no_grad():  # the expected bound grows with k: compare averages over many draws
        g = torch.Generator().manual_seed(3)
        loss_1 = torch.stack([iwae.iwae_loss(model, digits, 1, g) for _ in range(50)]).mean()
        loss_20 = torch.stack([iwae.iwae_loss(model, digits, 20, g) for _ in range(50)]).mean()
    assert loss_20 < loss_1


def test_fit_iwae_trains_and_checks_k():
    train = data.load_mnist("train", limit=256, download=False, verbose=False).images
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=4)
    history = iwae.fit_iwae(model, train, k=3, epochs=3, batch_size=64, progress=False)
    assert len(history) == 3 and history["train_loss"][-1] < history["train_loss"][0]
    assert not model.training
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        iwae.fit_iwae(model, train, k=0, epochs=1, progress=False)
