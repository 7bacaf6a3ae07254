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


@pytest.mark.slow  # 4,097 images through the encoder and decoder, twice
def test_the_default_chunk_holds_at_least_one_sample_for_any_number_of_images(tiny):
    # CHUNK_IMAGES // (CHUNK_IMAGES + 1) = 0 samples per chunk would be refused; the default is
    # at least 1.
    model, _ = tiny
    n = losses.CHUNK_IMAGES + 1
    x = torch.zeros(n, 1, 28, 28)
    bound = losses.iwae_bound(model, x, 2)
    assert bound.shape == (n,) and torch.isfinite(bound).all()


def _log_weights_by_hand(model, x, blocks, seed):
    """sum(blocks) log weights log p(x, z_i) - log q(z_i | x), (k, N), the noise drawn in
    blocks of these sizes (torch's generator gives other numbers for other shapes)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        eps = torch.cat([torch.randn((b, *mu.shape), generator=g) for b in blocks])
        rows = []
        for e in eps:
            z = mu + torch.exp(0.5 * logvar) * e  # (N, d)
            logits = model.decode_raw(z)
            log_px_z = (
                -torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
                .flatten(1)
                .sum(1)
            )
            normal = torch.distributions.Normal
            log_pz = normal(0.0, 1.0).log_prob(z).sum(1)
            log_qz = normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(1)
            rows.append(log_px_z + log_pz - log_qz)
    return torch.stack(rows)


def test_nested_bounds_are_the_bounds_of_the_first_k_draws(tiny):
    model, x = tiny
    log_w = _log_weights_by_hand(model, x, [1] * 6, seed=3)
    bounds = losses.iwae_bounds(
        model, x, [6, 1, 4], chunk_size=1, generator=torch.Generator().manual_seed(3)
    )
    assert list(bounds) == [6, 1, 4]  # in the order asked for
    for k, bound in bounds.items():
        by_hand = torch.logsumexp(log_w[:k], 0) - math.log(k)
        torch.testing.assert_close(bound, by_hand, rtol=0, atol=1e-4)


@pytest.mark.parametrize(
    ("chunk_size", "blocks"), [(1, [1] * 7), (2, [2, 2, 2, 1]), (5, [4, 3]), (9, [4, 3])]
)
def test_nested_bounds_cut_their_chunks_at_every_k(tiny, chunk_size, blocks):
    # the chunks end at every k asked for, so k = 4's bound uses exactly the first 4 draws
    model, x = tiny
    log_w = _log_weights_by_hand(model, x, blocks, seed=4)
    bounds = losses.iwae_bounds(
        model, x, [4, 7], chunk_size=chunk_size, generator=torch.Generator().manual_seed(4)
    )
    for k in (4, 7):
        by_hand = torch.logsumexp(log_w[:k], 0) - math.log(k)
        torch.testing.assert_close(bounds[k], by_hand, rtol=0, atol=1e-4)


@pytest.mark.parametrize("ks", [[], 3, "3", [0], [2, 0], [2.0], [True], None])
def test_nested_bounds_refuse_a_bad_list_of_k_by_name(tiny, ks):
    model, x = tiny
    with pytest.raises(ValueError, match=r"^ks must be a non-empty list of ints >= 1; got "):
        losses.iwae_bounds(model, x, ks)


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


def test_nested_bounds_take_their_options_by_name_only(tiny):
    model, x = tiny
    bounds = losses.iwae_bounds(model=model, x=x, ks=[1, 2], y=None, chunk_size=1)
    assert sorted(bounds) == [1, 2]
    with pytest.raises(TypeError):
        losses.iwae_bounds(model, x, [1, 2], None, 1)  # chunk_size by position


def test_bounds_keep_no_graph_unless_asked(tiny):
    model, x = tiny  # the model's parameters require gradients
    assert not losses.iwae_bound(model, x, 2).requires_grad
    assert not any(b.requires_grad for b in losses.iwae_bounds(model, x, [1, 2]).values())
    assert losses.iwae_bound(model, x, 2, grad=True).requires_grad
    assert all(b.requires_grad for b in losses.iwae_bounds(model, x, [1, 2], grad=True).values())


def test_a_warmup_of_one_step_starts_at_zero():
    assert [losses.kl_warmup(s, 1) for s in (0, 1, 2)] == [0.0, 1.0, 1.0]
