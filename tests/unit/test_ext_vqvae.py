"""Tests for extensions.vqvae: nearest-code lookup, straight-through gradients, the moving-average
codebook, the commitment loss and a short training run."""

import pytest
import torch

from vae_course import data, training
from vae_course.extensions import vqvae


def _quantizer(n_codes=32, code_dim=5, decay=0.9, seed=0):
    torch.manual_seed(seed)
    return vqvae.VectorQuantizer(n_codes, code_dim, decay=decay).eval()


def test_codes_are_the_nearest_codebook_entries():
    quantizer = _quantizer()
    z_e = torch.randn(7, 4, 5)
    z_q, indices, _ = quantizer(z_e)
    brute = torch.cdist(z_e.reshape(-1, 5), quantizer.codebook).argmin(1).view(7, 4)
    assert indices.shape == (7, 4) and torch.equal(indices, brute)
    torch.testing.assert_close(z_q, quantizer.codebook[brute])  # forward value: the code itself
    chosen = (z_e - z_q).pow(2).sum(-1)
    every = (z_e[:, :, None, :] - quantizer.codebook).pow(2).sum(-1)  # (7, 4, 32)
    assert (chosen[..., None] <= every + 1e-5).all()


def test_straight_through_passes_the_gradient_to_the_encoder_unchanged():
    quantizer = _quantizer(n_codes=8, code_dim=3)
    z_e = torch.randn(5, 2, 3, requires_grad=True)
    upstream = torch.randn(5, 2, 3)
    z_q, _, _ = quantizer(z_e)
    (z_q * upstream).sum().backward()
    torch.testing.assert_close(z_e.grad, upstream)  # identity Jacobian through the lookup
    assert not quantizer.codebook.requires_grad  # the codebook is not trained by gradients


def test_commitment_loss_is_the_squared_distance_and_pulls_only_the_encoder():
    quantizer = _quantizer(n_codes=8, code_dim=3)
    z_e = torch.randn(4, 2, 3, requires_grad=True)
    z_q, _, commitment = quantizer(z_e)
    expected = (z_q.detach() - z_e.detach()).pow(2).flatten(1).sum(1)
    torch.testing.assert_close(commitment.detach(), expected)
    commitment.sum().backward()
    torch.testing.assert_close(z_e.grad, 2 * (z_e - z_q).detach())


def test_training_mode_moves_each_used_code_to_the_mean_of_its_assignments():
    # decay = 0: one update is one k-means step; unused entries stay where they are.
    quantizer = _quantizer(n_codes=6, code_dim=2, decay=0.0)
    before = quantizer.codebook.clone()
    z_e = torch.randn(50, 1, 2)
    indices = quantizer.nearest(z_e).flatten()
    quantizer.train()
    quantizer(z_e)
    for code in range(6):
        members = z_e.reshape(-1, 2)[indices == code]
        expected = members.mean(0) if len(members) else before[code]
        torch.testing.assert_close(quantizer.codebook[code], expected)
    with pytest.raises(ValueError, match="decay must be in"):
        vqvae.VectorQuantizer(4, 2, decay=1.0)


def test_training_reduces_the_loss_and_codes_round_trip():
    images = data.load_mnist("train", limit=512, download=False, verbose=False).images
    torch.manual_seed(0)
    model = vqvae.VQVAE(n_slots=8, code_dim=4, n_codes=16, hidden_dim=64)
    model.init_codebook(images[:64], generator=torch.Generator().manual_seed(0))
    model.eval()
    with torch.no_grad():
        before = float(model.losses(images)["reconstruction"])
    history = training.fit(
        model,
        images,
        objective=vqvae.vqvae_objective,
        epochs=5,
        batch_size=64,
        lr=2e-3,
        progress=False,
    )
    with torch.no_grad():
        after = float(model.losses(images)["reconstruction"])
    assert after < before - 50 and len(history) == 5 and "train_commitment" in history.keys()
    codes = model.codes(images[:10])
    assert codes.shape == (10, 8) and codes.dtype == torch.int64
    assert int(codes.min()) >= 0 and int(codes.max()) < 16
    decoded = model.decode_codes(codes)
    assert decoded.shape == (10, 1, 28, 28)
    with torch.no_grad():
        expected = torch.sigmoid(model.decode_raw(model.quantizer.codebook[codes]))
    torch.testing.assert_close(decoded, expected)


def test_init_codebook_uses_encoder_outputs_and_checks_the_batch_size():
    torch.manual_seed(0)
    model = vqvae.VQVAE(n_slots=4, code_dim=3, n_codes=8, hidden_dim=16)
    x = torch.rand(5, 1, 28, 28)
    model.init_codebook(x)
    with torch.no_grad():
        outputs = model.encode(x).reshape(-1, 3)
    distances = torch.cdist(model.quantizer.codebook, outputs).min(1).values
    assert (distances < 1e-5).all()  # every code is one of the encoder outputs
    with pytest.raises(ValueError, match="at least 8 slots"):
        model.init_codebook(torch.rand(1, 1, 28, 28))


def test_objective_dict_without_loss_is_refused():
    with pytest.raises(ValueError, match="'loss'"):
        training.fit(
            vqvae.VQVAE(hidden_dim=8),
            torch.rand(4, 1, 28, 28),
            objective=lambda model, x, g: {"reconstruction": model.losses(x)["loss"]},
            epochs=1,
            progress=False,
        )


def test_sizes_must_be_positive_ints():
    with pytest.raises(ValueError, match="n_codes must be a positive int"):
        vqvae.VQVAE(n_codes=0)
