"""The objectives' edges, by hand: which arguments are keyword-only (a positional one would be
taken for another), the default IWAE chunk for more images than one chunk holds, bits per
dimension at its least dimension; with a tiny untrained VAE."""

from __future__ import annotations

import math

import pytest
import torch

from vae_course import losses, models


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=8, latent_dim=2)
    x = torch.bernoulli(torch.full((3, 1, 28, 28), 0.3))
    return model, x


def test_sampling_options_are_keyword_only(tiny):
    model, x = tiny
    # y may be named; chunk_size, generator and grad may not be given by position (a fifth
    # positional argument would otherwise be read as chunk_size).
    assert losses.iwae_bound(model, x, 2, y=None, chunk_size=1).shape == (3,)
    assert losses.elbo(model, x, y=None, n_samples=2).elbo.shape == (3,)
    with pytest.raises(TypeError):
        losses.iwae_bound(model, x, 2, None, 1)
    with pytest.raises(TypeError):
        losses.elbo(model, x, None, 2)


@pytest.mark.slow  # 16,385 images through the encoder and decoder, twice
def test_the_default_chunk_holds_at_least_one_sample_for_any_number_of_images(tiny):
    # 16384 // 16385 = 0 samples per chunk would be refused; the default is at least 1.
    model, _ = tiny
    x = torch.zeros(16385, 1, 28, 28)
    bound = losses.iwae_bound(model, x, 2)
    assert bound.shape == (16385,) and torch.isfinite(bound).all()


def test_bits_per_dim_needs_at_least_one_dimension():
    assert losses.bits_per_dim(0.0, n_dims=1) == 0.0
    for n_dims in (0, -1):
        with pytest.raises(ValueError, match=rf"^n_dims must be >= 1; got {n_dims}$"):
            losses.bits_per_dim(1.0, n_dims=n_dims)


def test_the_objective_refuses_an_infinite_or_negative_weight():
    kl_per_dim = torch.tensor([[0.5, 1.5]])
    t = losses.ELBOTerms(torch.tensor([-3.0]), torch.tensor([-1.0]), kl_per_dim.sum(-1), kl_per_dim)
    assert t.objective(beta=0.0).item() == 1.0  # -(-1 - 0 * 2)
    assert t.objective(free_bits=1.0).item() == 1.0 + 1.0 + 1.5  # max(1, 0.5) + max(1, 1.5)
    for bad in (math.inf, -1e-9, math.nan):
        with pytest.raises(ValueError, match=r"^beta must be >= 0 and finite; got "):
            t.objective(beta=bad)
        with pytest.raises(ValueError, match=r"^free_bits must be >= 0 nats and finite; got "):
            t.objective(free_bits=bad)


def test_warmup_of_zero_or_fewer_steps_is_full_weight_at_once():
    assert [losses.kl_warmup(s, w) for s, w in [(0, 0), (3, 0), (2, -4), (0, -1)]] == [1.0] * 4


def test_the_bound_of_no_images_is_empty(tiny):
    model, x = tiny
    assert losses.iwae_bound(model, x[:0], 2).shape == (0,)


@pytest.mark.parametrize("chunk_size", [0, -1, 1.5])
def test_a_chunk_of_fewer_than_one_sample_is_refused_by_message(tiny, chunk_size):
    model, x = tiny
    message = rf"^chunk_size must be a positive int; got {chunk_size}$"
    with pytest.raises(ValueError, match=message):
        losses.iwae_bound(model, x, 2, chunk_size=chunk_size)


@pytest.mark.parametrize("n_samples", [0, -1, 1.5])
def test_elbo_refuses_fewer_than_one_sample_by_message(tiny, n_samples):
    model, x = tiny
    with pytest.raises(ValueError, match=rf"^n_samples must be a positive int; got {n_samples}$"):
        losses.elbo(model, x, n_samples=n_samples)


def test_elbo_draws_one_sample_unless_told(tiny):
    model, x = tiny
    one, default = (
        losses.elbo(model, x, generator=torch.Generator().manual_seed(5), **kw).reconstruction
        for kw in ({"n_samples": 1}, {})
    )
    assert torch.equal(one, default)
