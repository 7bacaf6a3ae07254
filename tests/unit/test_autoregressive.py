"""Tests for vae_course.autoregressive: the MADE's autoregressive property by the autograd
Jacobian, its likelihood against a pixel-by-pixel computation, that it normalizes over all
images of a small size, and that it trains with training.fit and round-trips a checkpoint."""

import itertools
import math

import pytest
import torch
from torch.nn import functional as F

from vae_course import autoregressive, losses, training


def _trained_like(model, seed=0):
    """Non-zero weights everywhere, so that every connection the masks allow is present."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    return model


def test_masks_follow_the_degrees():
    to_hidden, to_output, direct = autoregressive.made_masks(6, 4)
    assert to_hidden.shape == (4, 6) and to_output.shape == (6, 4) and direct.shape == (6, 6)
    # the path input j -> hidden -> output i exists only for j < i
    paths = (to_output @ to_hidden) + direct  # (D, D): count of paths j -> i
    assert torch.equal(paths > 0, paths.new_ones(6, 6).tril(-1) > 0)
    with pytest.raises(ValueError, match="n_pixels"):
        autoregressive.made_masks(1, 4)
    with pytest.raises(ValueError, match="hidden_dim"):
        autoregressive.made_masks(6, 0)


def test_logit_i_depends_only_on_earlier_pixels_by_the_jacobian():
    model = _trained_like(autoregressive.AutoregressiveVAE(16, 8, 2, made_dim=10))
    context = model.decode_raw(torch.randn(1, 2))
    x = torch.rand(1, 1, 4, 4)
    jac = torch.autograd.functional.jacobian(
        lambda v: model.logits(v.view(1, 1, 4, 4), context).flatten(), x.flatten()
    )  # (16, 16): d logit_i / d x_j
    upper = torch.ones(16, 16).triu().bool()  # j >= i
    assert (jac[upper] == 0).all()
    assert (jac[~upper] != 0).float().mean() > 0.5  # and the allowed ones are used


@pytest.mark.slow
def test_log_likelihood_equals_the_chain_rule_pixel_by_pixel():
    model = _trained_like(autoregressive.AutoregressiveVAE(16, 8, 2, made_dim=10), seed=1)
    g = torch.Generator().manual_seed(2)
    x = torch.bernoulli(torch.full((3, 1, 4, 4), 0.4), generator=g)
    raw = model.decode_raw(torch.randn(3, 2, generator=g))
    expected = torch.zeros(3)
    for i in range(16):  # p(x_i | x_<i, z): only the pixels before i are shown to the model
        shown = x.flatten(1).clone()
        shown[:, i:] = torch.bernoulli(torch.full((3, 16 - i), 0.5), generator=g)
        logit = model.logits(shown.view(3, 1, 4, 4), raw).flatten(1)[:, i]
        expected -= F.binary_cross_entropy_with_logits(logit, x.flatten(1)[:, i], reduction="none")
    torch.testing.assert_close(model.log_likelihood(x, raw), expected)


def test_the_decoder_is_a_distribution_over_all_binary_images():
    model = _trained_like(autoregressive.AutoregressiveVAE(9, 8, 2, made_dim=6), seed=3)
    images = torch.tensor(list(itertools.product([0.0, 1.0], repeat=9))).view(-1, 1, 3, 3)
    with torch.no_grad():
        raw = model.decode_raw(torch.randn(1, 2)).expand(len(images), 1, 3, 3)
        total = torch.logsumexp(model.log_likelihood(images, raw), 0)
    assert abs(total.item()) < 1e-5  # log of the sum over all 512 images is log 1


def test_sampling_draws_each_pixel_from_its_conditional():
    model = _trained_like(autoregressive.AutoregressiveVAE(16, 8, 2, made_dim=10), seed=4)
    with torch.no_grad():  # no pixel-to-pixel weights: pixels independent given z
        model.made_in.weight.zero_()
        model.made_direct.weight.zero_()
    z = torch.zeros(4000, 2)
    with torch.no_grad():
        context = model.decode_raw(z[:1])
        p = torch.sigmoid(model.logits(torch.zeros(1, 1, 4, 4), context)).flatten()
    samples = model.sample(z, torch.Generator().manual_seed(1)).flatten(1)
    assert set(samples.unique().tolist()) <= {0.0, 1.0}
    se = (p * (1 - p) / 4000).sqrt()
    assert ((samples.mean(0) - p).abs() < 5 * se + 1e-6).all()


def test_sampling_follows_the_chain_rule_on_two_pixels():
    # with the pixel-to-pixel weights on, P(x_2 = 1 | x_1) must match the model's conditional
    model = _trained_like(autoregressive.AutoregressiveVAE(4, 8, 2, made_dim=6), seed=5)
    with torch.no_grad():
        model.made_direct.weight[1, 0] = 3.0  # x_1 = 1 makes x_2 = 1 much likelier
    z = torch.zeros(20000, 2)
    x = model.sample(z, torch.Generator().manual_seed(2)).flatten(1)
    with torch.no_grad():
        context = model.decode_raw(z[:1])
        for first in (0.0, 1.0):
            shown = torch.tensor([[first, 0.0, 0.0, 0.0]]).view(1, 1, 2, 2)
            p2 = float(torch.sigmoid(model.logits(shown, context)).flatten()[1])
            rows = x[x[:, 0] == first]
            se = math.sqrt(p2 * (1 - p2) / len(rows))
            assert abs(float(rows[:, 1].mean()) - p2) < 5 * se


def test_decode_refuses_and_bad_arguments_are_named():
    model = autoregressive.AutoregressiveVAE(16, 8, 2, made_dim=4)
    with pytest.raises(ValueError, match="sample"):
        model.decode(torch.zeros(1, 2))
    with pytest.raises(ValueError, match="made_dim"):
        autoregressive.AutoregressiveVAE(16, 8, 2, made_dim=0)
    with pytest.raises(ValueError, match="same shape"):
        model.log_likelihood(torch.zeros(2, 1, 4, 4), torch.zeros(3, 1, 4, 4))


@pytest.mark.slow
def test_trains_with_fit_and_round_trips_a_checkpoint(tmp_path):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(64, 1, 28, 28, generator=g) < 0.2).float()
    model = autoregressive.AutoregressiveVAE(hidden_dim=16, latent_dim=2, made_dim=16)
    history = training.fit(model, x, epochs=3, batch_size=32, progress=False)
    assert history["train_elbo"][-1] > history["train_elbo"][0]
    path = tmp_path / "ar.pt"
    training.save_checkpoint(model, path)
    back = training.load_checkpoint(autoregressive.AutoregressiveVAE, path)
    bound = losses.iwae_bound(model, x[:4], 3, generator=torch.Generator().manual_seed(1))
    again = losses.iwae_bound(back, x[:4], 3, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(bound, again)
    assert math.isfinite(float(bound.sum()))
