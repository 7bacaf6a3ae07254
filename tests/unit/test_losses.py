"""Tests for vae_course.losses: KL closed form and Monte Carlo, likelihoods, ELBO, IWAE bound."""

import math
import subprocess
import sys

import pytest
import torch

from vae_course import data, distributions, losses, models, training

from paths import ROOT


@pytest.fixture(scope="module")
def digits():
    return data.load_mnist("test", limit=64, download=False, verbose=False).images


@pytest.fixture(scope="module")
def trained(digits):
    """A small VAE trained briefly on real digits, so its posterior differs from the prior."""
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=64, latent_dim=5)
    train = data.load_mnist("train", limit=300, download=False, verbose=False).images
    training.fit(model, train, epochs=2, progress=False)
    return model


def test_kl_of_n21_from_standard_normal_is_exactly_two():
    assert distributions.gaussian_kl(torch.tensor([[2.0]]), torch.tensor([[0.0]])).item() == 2.0


def test_kl_closed_form_matches_torch_distributions_and_is_zero_at_the_prior():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    expected = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(distributions.gaussian_kl(mu, logvar), expected, rtol=1e-5)
    assert (distributions.gaussian_kl(mu, logvar) > 0).all()
    assert torch.equal(
        distributions.gaussian_kl(torch.zeros(3, 4), torch.zeros(3, 4)), torch.zeros(3)
    )
    per_dim = distributions.gaussian_kl_per_dim(mu, logvar)
    assert per_dim.shape == (8, 5) and torch.allclose(per_dim.sum(-1), expected, rtol=1e-5)


def test_kl_monte_carlo_agrees_with_closed_form_within_its_standard_error():
    g = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(16, 4, generator=g), 0.5 * torch.randn(16, 4, generator=g)
    estimate, se = distributions.gaussian_kl_mc(mu, logvar, 4000, generator=g)
    exact = distributions.gaussian_kl(mu, logvar)
    assert estimate.shape == se.shape == (16,) and (se > 0).all()
    assert ((estimate - exact).abs() < 4 * se).all()


def test_kl_argument_checks():
    with pytest.raises(ValueError, match="n_samples must be an int >= 2"):
        distributions.gaussian_kl_mc(torch.zeros(1, 2), torch.zeros(1, 2), 1)
    with pytest.raises(ValueError, match="same shape"):
        distributions.gaussian_kl(torch.zeros(1, 2), torch.zeros(1, 3))


def test_likelihood_shape_mismatch_is_named():
    with pytest.raises(ValueError, match="logits must have the shape of x"):
        distributions.bernoulli_log_likelihood(torch.zeros(2, 1, 28, 28), torch.zeros(2, 784))


def test_gaussian_log_likelihood_closed_form():
    x, mean = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    # four pixels, each log N(0; 1, 1) = -0.5 - 0.5 log(2 pi)
    expected = 4 * (-0.5 - 0.5 * math.log(2 * math.pi))
    assert distributions.gaussian_log_likelihood(x, mean, 0.0).item() == pytest.approx(expected)


def test_elbo_parts_are_consistent(trained, digits):
    g = torch.Generator().manual_seed(0)
    terms = losses.elbo(trained, digits, generator=g)
    assert terms.elbo.shape == terms.reconstruction.shape == terms.kl.shape == (64,)
    assert terms.kl_per_dim.shape == (64, 5)
    assert torch.allclose(terms.elbo, terms.reconstruction - terms.kl)
    mu, logvar = trained.encode(digits)
    assert torch.allclose(terms.kl, distributions.gaussian_kl(mu, logvar))
    assert (terms.reconstruction < 0).all()  # a Bernoulli log-likelihood of grey images


def test_objective_beta_and_free_bits(trained, digits):
    terms = losses.elbo(trained, digits, generator=torch.Generator().manual_seed(0))
    assert terms.objective().item() == pytest.approx(-terms.elbo.mean().item(), rel=1e-6)
    assert terms.objective(beta=0.0).item() == pytest.approx(-terms.reconstruction.mean().item())
    beta_half = -(terms.reconstruction.mean() - 0.5 * terms.kl.mean())
    assert terms.objective(beta=0.5).item() == pytest.approx(beta_half.item(), rel=1e-6)
    # free bits far above every dimension's KL: each dimension counts as exactly free_bits
    big = 1000.0
    expected = -terms.reconstruction.mean() + 5 * big
    assert terms.objective(free_bits=big).item() == pytest.approx(expected.item(), rel=1e-6)
    # zero free bits is the plain objective; positive free bits never lower it
    assert terms.objective(free_bits=0.5).item() >= terms.objective().item()
    with pytest.raises(ValueError, match="beta must be >= 0"):
        terms.objective(beta=-1)
    with pytest.raises(ValueError, match="free_bits"):
        terms.objective(free_bits=-0.1)


def test_iwae_bound_is_above_the_elbo_and_grows_with_k(trained, digits):
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        elbo = losses.elbo(trained, digits, n_samples=100, generator=g).elbo
    bounds = {k: losses.iwae_bound(trained, digits, k, generator=g) for k in (1, 10, 100)}
    assert all(b.shape == (64,) for b in bounds.values())
    for small, large in ((1, 10), (10, 100)):
        gain = bounds[large] - bounds[small]
        se = gain.std() / math.sqrt(len(gain))
        assert gain.mean() > 2 * se, (small, large)
    assert bounds[10].mean() > elbo.mean() and bounds[100].mean() > elbo.mean()


def test_iwae_with_one_sample_is_an_elbo_estimate_in_expectation(trained, digits):
    x = digits[:4].repeat(500, 1, 1, 1)  # 2,000 independent one-sample estimates
    g = torch.Generator().manual_seed(3)
    iwae = losses.iwae_bound(trained, x, 1, generator=g).view(500, 4)
    with torch.no_grad():
        elbo = losses.elbo(trained, x, generator=g).elbo.view(500, 4)
    se = (iwae.var(0) / 500 + elbo.var(0) / 500).sqrt()
    assert ((iwae.mean(0) - elbo.mean(0)).abs() < 4 * se).all()


def test_iwae_chunks_combine_exactly(trained, digits, monkeypatch):
    """Chunked and unchunked bounds agree when fed the same noise, and match a direct formula."""
    x, k = digits[:3], 12
    eps = torch.randn(k, 3, 5, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        mu, logvar = trained.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps
        raw = trained.decode_raw(z.flatten(0, 1))
        log_px = trained.log_likelihood(x.repeat(k, 1, 1, 1), raw).view(k, 3)
        prior = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
        post = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
        expected = torch.logsumexp(log_px + prior - post, 0) - math.log(k)

    for chunk_size in (k, 5, 1):
        start = [0]

        def fake_noise(shape, like, generator=None, start=start):
            part = eps[start[0] : start[0] + shape[0]]
            start[0] += shape[0]
            return part

        monkeypatch.setattr(distributions, "standard_normal", fake_noise)
        bound = losses.iwae_bound(trained, x, k, chunk_size=chunk_size)
        assert start[0] == k  # every importance sample drawn exactly once
        assert torch.allclose(bound, expected, atol=1e-3), chunk_size


def test_iwae_with_5000_samples_fits_and_is_finite(trained, digits):
    bound = losses.iwae_bound(trained, digits[:2], 5000, generator=torch.Generator().manual_seed(5))
    assert bound.shape == (2,) and torch.isfinite(bound).all() and not bound.requires_grad


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_iwae_rejects_bad_k(trained, digits, k):
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        losses.iwae_bound(trained, digits[:2], k)


def test_elbo_needs_a_vae(digits):
    with pytest.raises(ValueError, match="model must be a VAE or ConditionalVAE; got Autoencoder"):
        losses.elbo(models.Autoencoder(), digits[:2])


def test_elbo_and_iwae_work_for_a_conditional_vae(digits):
    model = models.ConditionalVAE(hidden_dim=32, latent_dim=3)
    y = torch.arange(8) % 10
    assert losses.elbo(model, digits[:8], y).elbo.shape == (8,)
    assert losses.iwae_bound(model, digits[:8], 4, y).shape == (8,)


def test_kl_warmup_rises_linearly_then_stays_at_one():
    assert [losses.kl_warmup(s, 4) for s in (0, 1, 2, 4, 10)] == [0.0, 0.25, 0.5, 1.0, 1.0]
    assert losses.kl_warmup(0, 0) == 1.0
    with pytest.raises(ValueError, match="step"):
        losses.kl_warmup(-1, 4)


def test_bits_per_dim():
    assert losses.bits_per_dim(784 * math.log(2)) == pytest.approx(1.0)
    assert losses.bits_per_dim(10 * math.log(2), n_dims=5) == pytest.approx(2.0)
    assert torch.allclose(
        losses.bits_per_dim(torch.tensor([784 * math.log(4)])), torch.tensor([2.0])
    )


MEMORY_PROBE = """
import resource, sys, torch
sys.path.insert(0, {root!r})
from vae_course import losses, models
torch.manual_seed(0)
model = models.VAE(hidden_dim=64, latent_dim=20)
x = torch.bernoulli(torch.full((10_000, 1, 28, 28), 0.2))  # a full MNIST test set
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
before = peak()
bound = losses.iwae_bound(model, x, {k})
assert bound.shape == (10_000,) and torch.isfinite(bound).all()
print(peak() - before)
"""


def test_iwae_bound_memory_does_not_grow_with_k():
    """Full mode evaluates K = 5000 importance samples on 10,000 test digits: unchunked, the
    decoded pixels alone would take 10,000 x 5000 x 784 x 4 bytes = 157 GB, ten T4s. The default
    chunks decode about 16,384 images at a time, so the extra memory is the same for K = 4 and
    K = 64 (where unchunked pixels would take 2 GB) and far below a T4's 16 GB."""
    growth = {}
    for k in (4, 64):
        probe = MEMORY_PROBE.format(root=str(ROOT), k=k)
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr
        growth[k] = int(out.stdout.split()[-1])
    unchunked_pixels = 10_000 * 64 * 784 * 4
    assert growth[64] < unchunked_pixels / 4, growth
    assert growth[64] < growth[4] + 2**27, growth  # within 128 MiB of K = 4
