"""Tests for extensions.hierarchical: log densities, the two-layer ELBO, IWAE bound, sampling."""

import math

import pytest
import torch

from vae_course import data, training
from vae_course.extensions import hierarchical


def test_log_normal_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    z, mu, logvar = (torch.randn(3, 5, 4, generator=g) for _ in range(3))
    expected = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    torch.testing.assert_close(hierarchical.log_normal(z, mu, logvar), expected)


def _silence_top_layer(model):
    """p(z1|z2) = N(0, I) and q(z2|z1) = N(0, I): the top layer then carries nothing."""
    with torch.no_grad():
        for layer in (model.p_z1, model.q_z2):
            for head in (layer.mu, layer.logvar):
                head.weight.zero_()
                head.bias.zero_()


def test_with_a_silent_top_layer_the_elbo_is_the_one_layer_elbo():
    torch.manual_seed(0)
    model = hierarchical.HierarchicalVAE(hidden_dim=32, z1_dim=6, z2_dim=3, top_hidden=8)
    _silence_top_layer(model)
    x = torch.rand(5, 1, 28, 28)
    terms = model.log_weights(x, k=1, generator=torch.Generator().manual_seed(4))
    assert torch.equal(terms["kl_z2"], torch.zeros(1, 5))  # q(z2|z1) equals p(z2) exactly
    # the same noise by hand: z1 from q(z1|x), prior N(0, I) for z1
    g = torch.Generator().manual_seed(4)
    mu, logvar = model.q_z1(x)
    z1 = mu + torch.exp(0.5 * logvar) * torch.randn((1, *mu.shape), generator=g)[0]
    logits = model.decoder(z1).view(-1, 1, 28, 28)
    log_px = -torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
    normal = torch.distributions.Normal
    expected = (
        log_px.flatten(1).sum(1)
        + normal(0.0, 1.0).log_prob(z1).sum(1)
        - normal(mu, torch.exp(0.5 * logvar)).log_prob(z1).sum(1)
    )
    torch.testing.assert_close(terms["log_w"][0], expected, rtol=1e-5, atol=1e-3)


def test_bound_parts_add_up_and_iwae_bound_is_above_the_elbo_on_average():
    torch.manual_seed(0)
    model = hierarchical.HierarchicalVAE(hidden_dim=32, z1_dim=6, z2_dim=3, top_hidden=8)
    x = data.load_mnist("test", limit=16, download=False, verbose=False).images
    with torch.no_grad():
        terms = model.log_weights(x, k=4, generator=torch.Generator().manual_seed(1))
    assert all(value.shape == (4, 16) for value in terms.values())
    torch.testing.assert_close(terms["log_w"], terms["log_px"] - terms["kl_z1"] - terms["kl_z2"])
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        elbo = torch.stack([model.log_weights(x, 1, g)["log_w"][0] for _ in range(200)]).mean(0)
    bound = model.iwae_bound(x, 200, generator=g)
    assert bound.shape == (16,) and (bound > elbo).all()
    # the bound is the log-mean-exp of the k log-weights
    with torch.no_grad():
        log_w = model.log_weights(x, 7, torch.Generator().manual_seed(3))["log_w"]
    by_hand = torch.logsumexp(log_w, 0) - math.log(7)
    torch.testing.assert_close(model.iwae_bound(x, 7, torch.Generator().manual_seed(3)), by_hand)


def test_training_improves_the_elbo_and_samples_are_images():
    train = data.load_mnist("train", limit=256, download=False, verbose=False).images
    torch.manual_seed(0)
    model = hierarchical.HierarchicalVAE(hidden_dim=64, z1_dim=8, z2_dim=2, top_hidden=16)
    history = training.fit(
        model,
        train,
        objective=hierarchical.hierarchical_objective,
        epochs=4,
        batch_size=64,
        progress=False,
    )
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert {"train_kl_z1", "train_kl_z2"} <= set(history.keys())
    images = model.sample(torch.zeros(3, 2), generator=torch.Generator().manual_seed(0))
    assert images.shape == (3, 1, 28, 28)
    assert 0 <= float(images.min()) and float(images.max()) <= 1


def test_chunked_bound_agrees_with_one_chunk_and_checks_k():
    torch.manual_seed(0)
    model = hierarchical.HierarchicalVAE(hidden_dim=32, z1_dim=6, z2_dim=3, top_hidden=8)
    x = data.load_mnist("test", limit=16, download=False, verbose=False).images
    whole = model.iwae_bound(x, 400, torch.Generator().manual_seed(1), chunk_size=400)
    chunked = model.iwae_bound(x, 400, torch.Generator().manual_seed(2), chunk_size=7)
    assert whole.shape == chunked.shape == (16,)
    assert (whole - chunked).abs().mean() < 0.5  # two estimates of one bound, different noise
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        model.iwae_bound(x, 0)


def test_sizes_must_be_positive_ints():
    with pytest.raises(ValueError, match="z2_dim must be a positive int"):
        hierarchical.HierarchicalVAE(z2_dim=0)


@pytest.mark.parametrize("chunk_size", [400, 7, 1])
def test_chunks_combine_to_the_bound_of_all_weights(chunk_size, monkeypatch):
    """Chunking (which keeps K = 5000 on 10,000 digits within a T4's memory) changes nothing:
    fed the same log-weights, any chunk size gives logsumexp(all weights) - log K."""
    model = hierarchical.HierarchicalVAE(hidden_dim=8, z1_dim=3, z2_dim=2, top_hidden=4)
    x = torch.zeros(5, 1, 28, 28)
    log_w = 20 * torch.randn(400, 5, generator=torch.Generator().manual_seed(3))
    served = [0]

    def fake_log_weights(self, x, k, generator=None):
        part = log_w[served[0] : served[0] + k]
        served[0] += k
        return {"log_w": part}

    monkeypatch.setattr(hierarchical.HierarchicalVAE, "log_weights", fake_log_weights)
    bound = model.iwae_bound(x, 400, chunk_size=chunk_size)
    assert served[0] == 400  # every weight used exactly once
    torch.testing.assert_close(bound, torch.logsumexp(log_w, 0) - math.log(400))
