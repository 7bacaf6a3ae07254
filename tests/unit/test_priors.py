"""Tests for vae_course.priors: the mixture prior's density and samples against
torch.distributions, the ELBO with a learned prior, the KL split and the hole share."""

import math

import pytest
import torch
from torch import distributions as D

from vae_course import data, losses, models, priors, training


def _reference(prior):
    """The same mixture built by torch.distributions, an independent computation."""
    weights = D.Categorical(logits=prior.logits)
    parts = D.Independent(D.Normal(prior.means, (0.5 * prior.logvars).exp()), 1)
    return D.MixtureSameFamily(weights, parts)


@pytest.mark.slow
def test_mixture_log_prob_matches_mixture_same_family():
    prior = priors.MixturePrior(5, 3, seed=1)
    with torch.no_grad():  # unequal weights and variances, not the initial ones
        prior.logits.copy_(torch.tensor([0.0, 1.0, -2.0, 0.5, 0.3]))
        prior.logvars.copy_(torch.randn(5, 3, generator=torch.Generator().manual_seed(2)))
    z = torch.randn(7, 4, 3, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(prior.log_prob(z), _reference(prior).log_prob(z))


def test_mixture_samples_have_the_mixture_moments():
    prior = priors.MixturePrior(3, 2, seed=4)
    with torch.no_grad():
        prior.logits.copy_(torch.tensor([0.0, 1.0, 2.0]))
    z = prior.sample(20000, torch.Generator().manual_seed(5))
    reference = _reference(prior)
    assert z.shape == (20000, 2)
    se = reference.variance.sqrt().detach() / math.sqrt(20000)
    assert ((z.mean(0) - reference.mean.detach()).abs() < 4 * se).all()


def test_mixture_refuses_bad_sizes_and_shapes():
    with pytest.raises(ValueError, match="n_components"):
        priors.MixturePrior(0, 2)
    with pytest.raises(ValueError, match=r"z must have shape \(\.\.\., 2\)"):
        priors.MixturePrior(2, 2).log_prob(torch.zeros(4, 3))


@pytest.mark.slow
def test_prior_vae_with_standard_prior_matches_the_closed_form_elbo():
    torch.manual_seed(0)
    vae = models.VAE(hidden_dim=32, latent_dim=3)
    x = torch.bernoulli(torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(1)))
    with torch.no_grad():
        mc = priors.elbo_terms(vae, x, n_samples=2000, generator=torch.Generator().manual_seed(2))
        exact = losses.elbo(vae, x)
    # the Monte Carlo KL against the closed form, per image, within 5 standard errors
    mu, logvar = vae.encode(x)
    noise_sd = (logvar.exp() + mu.pow(2)).sum(1).sqrt()  # a generous scale for the KL's spread
    assert ((mc["kl"] - exact.kl).abs() < 5 * noise_sd / math.sqrt(2000)).all()
    torch.testing.assert_close(mc["elbo"], mc["reconstruction"] - mc["kl"])


@pytest.mark.slow
def test_fit_trains_the_prior_with_the_model():
    digits = data.load_mnist("test", limit=256, download=False, verbose=False)
    torch.manual_seed(0)
    model = priors.PriorVAE(models.VAE(hidden_dim=32, latent_dim=2), priors.MixturePrior(4, 2))
    before = model.prior.means.detach().clone()
    history = training.fit(
        model, digits.images, epochs=2, objective=priors.objective, seed=0, progress=False
    )
    assert not torch.equal(before, model.prior.means.detach())
    assert {"train_loss", "train_elbo", "train_kl"} <= set(history.keys())
    assert history.final["train_loss"] == pytest.approx(-history.final["train_elbo"])


def test_prior_vae_refuses_a_prior_of_another_size():
    with pytest.raises(ValueError, match="latent_dim"):
        priors.PriorVAE(models.VAE(latent_dim=2), priors.MixturePrior(3, 4))


def test_log_aggregate_posterior_is_the_mixture_of_posteriors():
    g = torch.Generator().manual_seed(0)
    mu, logvar, z = (
        torch.randn(6, 2, generator=g),
        torch.randn(6, 2, generator=g),
        torch.randn(9, 2, generator=g),
    )
    mixture = D.MixtureSameFamily(
        D.Categorical(logits=torch.zeros(6)),
        D.Independent(D.Normal(mu, (0.5 * logvar).exp()), 1),
    )
    torch.testing.assert_close(
        priors.log_aggregate_posterior(z, mu, logvar, chunk=4), mixture.log_prob(z)
    )


def test_kl_split_adds_up_and_caps_the_information():
    torch.manual_seed(0)
    model = priors.PriorVAE(models.VAE(hidden_dim=32, latent_dim=2), priors.MixturePrior(3, 2))
    x = torch.bernoulli(torch.rand(300, 1, 28, 28, generator=torch.Generator().manual_seed(1)))
    split = priors.kl_split(model, x, torch.Generator().manual_seed(2))
    torch.testing.assert_close(split["rate"], split["mutual_information"] + split["marginal_kl"])
    assert split["mutual_information"].mean() <= math.log(300) + 1e-4


def test_hole_share_is_zero_when_the_prior_is_the_aggregate_posterior():
    # One image whose posterior is N(0, I): qbar = p exactly, so no sample is in a hole,
    # and with the ratio above 1 every sample is.
    vae = models.VAE(hidden_dim=8, latent_dim=2)
    with torch.no_grad():
        for layer in (vae.to_mu, vae.to_logvar):
            layer.weight.zero_()
            layer.bias.zero_()
    x = torch.zeros(1, 1, 28, 28)
    g = torch.Generator().manual_seed(0)
    assert priors.hole_share(vae, x, 500, generator=g) == (0.0, 0.0)
    assert priors.hole_share(vae, x, 500, ratio=1.5, generator=g) == (1.0, 0.0)
