"""The β slider's Python side: the low-rank cut of a decoder, the packed numbers the page
reads, and its errors. The page itself is checked in tests/browser/test_beta_slider.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae_course import models
from vae_course.display import BetaSlider
from vae_course.display import decoder as packing
from vae_course.display.betaslider import decode_packed, low_rank_layers


@pytest.fixture(scope="module")
def sweep():
    out = {}
    for k, beta in enumerate((0.5, 1.0, 2.0)):
        torch.manual_seed(k)
        out[beta] = models.VAE(hidden_dim=20, latent_dim=3).eval()
    return out


def logits_of(layers, z: np.ndarray) -> np.ndarray:
    y = z
    for i, (weight, bias) in enumerate(layers):
        y = y @ weight.T + bias
        y = np.maximum(y, 0) if i == 0 else y
    return y


def test_full_rank_is_the_decoder_itself(sweep):
    model = sweep[1.0]
    z = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    layers = low_rank_layers(model, 20, z)  # rank = hidden width: nothing is cut
    with torch.no_grad():
        exact = model.decode_raw(z).reshape(50, -1).double().numpy()
    np.testing.assert_allclose(logits_of(layers, z.double().numpy()), exact, atol=1e-6)


def test_a_lower_rank_loses_more_on_the_fitted_codes(sweep):
    model = sweep[2.0]
    z = torch.randn(200, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        exact = model.decode_raw(z).reshape(200, -1).double().numpy()
    errors = [
        np.square(logits_of(low_rank_layers(model, r, z), z.double().numpy()) - exact).sum()
        for r in (2, 5, 10, 20)
    ]
    # principal directions are optimal in squared error, so each rank does at least as well
    assert all(a >= b - 1e-9 for a, b in zip(errors, errors[1:], strict=False))
    assert errors[-1] < 1e-8 < errors[0]


def test_packed_layers_round_trip_within_half_a_step():
    rng = np.random.default_rng(0)
    weight, bias = rng.normal(size=(6, 9)), rng.normal(size=6)
    for bits in (8, 12):
        spec = packing.pack_matrix(weight, bias, bits)
        back, back_bias = packing.unpack_matrix(spec)
        scale = np.abs(weight).max(1) / (2 ** (bits - 1) - 1)
        assert np.all(np.abs(back - weight) <= scale[:, None] / 2 + 1e-6)
        np.testing.assert_allclose(back_bias, bias, rtol=1e-6)


def test_what_the_slider_shows_and_packs(sweep):
    slider = BetaSlider(
        sweep, [3.0, 2.0, 1.0], [90.0, 95.0, 110.0], torch.rand(4, 1, 28, 28), n_samples=5, rank=10
    )
    assert slider.betas == [0.5, 1.0, 2.0] and slider.beta == 1.0  # starts at beta = 1
    samples, recons = slider.images()
    assert samples.shape == (5, 28, 28) and recons.shape == (4, 28, 28)
    spec = slider.export(0)
    assert [layer["rows"] for layer in spec["layers"]] == [20, 10, 784]
    z = torch.cat([slider.noise(), slider.codes(0)])
    with torch.no_grad():
        exact = sweep[0.5].decode(z).reshape(len(z), -1).numpy()
    page = decode_packed(spec, z.numpy())
    assert np.abs(page - exact).max() <= slider.fidelity()["max"] + 1e-12
    slider.select(2.0)
    assert slider.readout() == "β = 2: rate R = 1.00 nats, distortion Δ = 110.0 nats"
    html = slider.to_html("s")
    assert 'aria-valuetext="β = 2"' in html and "https://" not in html


def test_the_slider_refuses_bad_arguments(sweep):
    x = torch.rand(2, 1, 28, 28)
    with pytest.raises(ValueError, match="rates must hold one value per β \\(3\\); got 2"):
        BetaSlider(sweep, [1.0, 2.0], [1.0, 2.0, 3.0], x)
    with pytest.raises(ValueError, match="one latent_dim"):
        BetaSlider({**sweep, 4.0: models.VAE(hidden_dim=20, latent_dim=2)}, [1] * 4, [1] * 4, x)
    with pytest.raises(ValueError, match="MLP decoder"):
        BetaSlider({1.0: models.VAE(conv=True, latent_dim=3)}, [1.0], [1.0], x)
    with pytest.raises(ValueError, match=r"rank must lie in \[1, 20\]"):
        BetaSlider(sweep, [1.0] * 3, [1.0] * 3, x, rank=30).export(0)
    with pytest.raises(ValueError, match="beta must be one of"):
        BetaSlider(sweep, [1.0] * 3, [1.0] * 3, x).select(3.0)


@pytest.mark.slow  # every torch call goes through the emulation
def test_models_on_a_gpu_pack_like_on_the_cpu(sweep):
    """On the emulated CUDA device (tests/emulated_cuda.py)."""
    import emulated_cuda

    from vae_course import runtime

    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    on_cpu = BetaSlider(sweep, [1.0] * 3, [1.0] * 3, x, rank=10)
    expected = (on_cpu.export(1)["key"], on_cpu.images(1)[1])
    emulated_cuda.install()
    try:
        device = runtime.get_device()
        moved = {}
        for beta, model in sweep.items():
            copy = models.VAE(hidden_dim=20, latent_dim=3).to(device).eval()
            copy.load_state_dict(model.state_dict())
            moved[beta] = copy
        slider = BetaSlider(moved, [1.0] * 3, [1.0] * 3, x, rank=10)
        got = (slider.export(1)["key"], slider.images(1)[1])
        assert "vaeBeta" in slider.to_html("gpu")
        slider.fidelity()
    finally:
        emulated_cuda.uninstall()
    assert got[0] == expected[0]
    torch.testing.assert_close(got[1], expected[1])
