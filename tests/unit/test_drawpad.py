"""The drawing pad's Python side: its inputs, the numbers it shows, the packing of the encoder
for the page, and its errors. The page's own numbers are checked in tests/browser."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
import torch

from vae_course import distributions, models
from vae_course.display import DrawPad, drawpad
from vae_course.display import decoder as packing
from vae_course.display.drawpad_html import check_spec, plane_limit


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return models.VAE(hidden_dim=24, latent_dim=2).eval()


@pytest.fixture
def pad(model):
    generator = torch.Generator().manual_seed(1)
    codes = torch.randn(50, 2, generator=generator)
    labels = torch.arange(50) % 10
    examples = torch.rand(3, 1, 28, 28, generator=generator)
    return DrawPad(model, codes, labels, examples, n_samples=3, seed=5)


def test_binarize_marks_ink_from_half_up_and_names_bad_input():
    image = torch.zeros(28, 28)
    image[0, 0], image[0, 1], image[0, 2] = 0.5, 0.49, 1.0
    x = drawpad.binarize(image)
    assert x.shape == (784,) and x[:3].tolist() == [1.0, 0.0, 1.0] and x.sum() == 2
    with pytest.raises(ValueError, match="image must hold 28 x 28 = 784 pixels; got 783"):
        drawpad.binarize(torch.zeros(783))
    with pytest.raises(ValueError, match=r"x must have values in \[0, 1\]"):
        drawpad.binarize(torch.full((784,), 1.5), "x")


def test_scribbles_are_seeded_binary_and_differ_between_seeds():
    a, b = drawpad.scribble(3), drawpad.scribble(4)
    assert torch.equal(a, drawpad.scribble(3))
    assert not torch.equal(a, b)
    assert set(a.unique().tolist()) == {0.0, 1.0}
    rows, cols = a.reshape(28, 28).nonzero(as_tuple=True)
    assert rows.min() >= 4 and rows.max() <= 24 and cols.min() >= 4 and cols.max() <= 24
    with pytest.raises(ValueError, match="seed must be a non-negative int; got -1"):
        drawpad.scribble(-1)


def test_the_letter_is_an_a_with_its_crossbar():
    a = drawpad.letter().reshape(28, 28)
    assert a[15, 10:17].all()  # the crossbar
    assert a[22, 7] == 1 and a[22, 19] == 1 and a[5, 13] == 1  # two feet and the apex
    assert a[22, 10:17].sum() == 0  # open between the feet


def test_pad_terms_are_the_elbo_terms_at_the_posterior_mean(model):
    x = torch.stack([drawpad.scribble(1), torch.zeros(784), drawpad.letter()])
    eps = torch.tensor([[0.5, -1.0], [2.0, 0.0]])
    t = drawpad.pad_terms(model, x, eps)
    with torch.no_grad():
        mu, logvar = model.encode(x.reshape(-1, 1, 28, 28))
        p = model.decode(mu).reshape(3, -1).double()
        xd = x.double()
        by_hand = (xd * p.log() + (1 - xd) * (1 - p).log()).sum(1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        second = model.decode(mu + logvar.mul(0.5).exp() * eps[1]).reshape(3, -1)
    torch.testing.assert_close(t["mu"], mu)
    torch.testing.assert_close(t["sigma"] ** 2, logvar.exp())
    torch.testing.assert_close(t["reconstruction"].double(), by_hand, atol=1e-3, rtol=1e-5)
    torch.testing.assert_close(t["kl"], kl)
    torch.testing.assert_close(t["kl"], distributions.gaussian_kl(mu, logvar))
    torch.testing.assert_close(t["samples"][:, 1], second)
    assert t["recon"].shape == (3, 784) and t["samples"].shape == (3, 2, 784)


def test_terms_draw_with_the_pages_noise_and_follow_the_pad(pad):
    torch.testing.assert_close(pad.noise(), torch.from_numpy(packing.prior_noise(5, 3, 2)).float())
    blank = pad.clear()
    assert pad.pixels.sum() == 0 and blank["samples"].shape == (3, 784)
    first = pad.next_example()
    assert torch.equal(pad.pixels, pad.examples[0])
    assert not torch.equal(first["mu"], blank["mu"])
    pad.next_example(), pad.next_example()
    assert torch.equal(pad.next_example()["mu"], first["mu"])  # three examples, cycled
    scribbled = pad.next_scribble()
    assert torch.equal(pad.pixels, drawpad.scribble(1))
    torch.testing.assert_close(scribbled["mu"], pad.terms(drawpad.scribble(1))["mu"])
    assert "ELBO at z = μ" in pad.readout() and repr(pad).startswith("<DrawPad ")


@pytest.mark.slow  # matplotlib draws the plane: about a second
def test_the_widget_redraws_from_code(pad):
    widget = pad.widget
    before = pad._views["plane"].value
    pad.draw(drawpad.letter().reshape(28, 28))
    assert pad._views["plane"].value != before
    assert pad._views["label"].value == pad.readout()
    assert widget.children  # title, pictures, buttons, readout, note


def test_check_inputs_carry_pytorchs_numbers(pad):
    spec = check_spec(pad)
    assert spec["names"] == [
        "test digit 1",
        "test digit 2",
        "test digit 3",
        "blank",
        "scribble",
        "letter",
    ]
    inputs = pad.check_inputs()
    for i, name in enumerate(spec["names"]):
        bits = np.unpackbits(np.frombuffer(base64.b64decode(spec["bits"][i]), np.uint8))
        assert bits.tolist() == inputs[name].int().tolist()
        t = pad.terms(inputs[name])
        assert spec["mu"][i] == pytest.approx(t["mu"].tolist())
        assert spec["kl"][i] == pytest.approx(t["kl"])
        recon = np.frombuffer(base64.b64decode(spec["recon"][i]), "<f4")
        np.testing.assert_allclose(recon, t["recon"].numpy(), atol=1e-6)  # batch of 6 vs 1


def test_static_view_is_self_contained_and_named(pad):
    page = pad.to_html("p1")
    assert not re.search(r"(src|href)=|https?://|@import|fetch\(", page)
    config = json.loads(page.split("var cfg = ", 1)[1].split(";\n", 1)[0])
    assert config["id"] == "p1" and config["samples"] == 3 and config["seed"] == 5
    assert len(config["examples"]) == 3 and config["limit"] == plane_limit(pad.codes)
    for control in (
        'id="p1-clear">Clear<',
        'id="p1-example">Start from a test digit<',
        'aria-label="Drawing pad, 28 by 28 pixels"',
        'aria-describedby="p1-help"',
    ):
        assert control in page
    canvases = re.findall(r"<canvas[^>]*>", page)
    assert len(canvases) == 4 and all("aria-label=" in c for c in canvases)
    assert all(f'id="p1-{n}"' in page for n in ("pad", "plane", "recon", "samples"))


def test_plane_limit_covers_the_codes_within_bounds():
    assert plane_limit(torch.zeros(10, 2)) == 3
    assert plane_limit(torch.full((10, 2), 4.2)) == 5
    assert plane_limit(torch.full((10, 2), 40.0)) == 8


@pytest.mark.parametrize("bits", [4, 7, 8, 10, 12, 13, 16])
def test_n_bit_layers_round_trip_within_half_a_step(bits):
    torch.manual_seed(bits)
    linear = torch.nn.Linear(7, 5)
    spec = packing.pack_linear(linear, bits)
    n = 35
    stream = np.unpackbits(np.frombuffer(base64.b64decode(spec["q"]), np.uint8))
    values = stream[: n * bits].reshape(n, bits) @ (1 << np.arange(bits - 1, -1, -1))
    scale = np.frombuffer(base64.b64decode(spec["scale"]), "<f4")
    weight = (values.reshape(5, 7) - (1 << (bits - 1))) * scale[:, None]
    exact = linear.weight.detach().double().numpy()
    assert np.all(np.abs(weight - exact) <= scale[:, None] / 2 + 1e-7)
    assert spec["bits"] == bits and len(base64.b64decode(spec["q"])) == (
        3 * ((n + 1) // 2) if bits == 12 else -(-n * bits // 8)  # 12: whole pairs
    )


def test_twelve_bits_keep_the_decoders_byte_layout():
    values = np.arange(0, 4096, 37)[:10]
    assert packing.pack_bits(values, 12) == packing.pack_12bit(values)
    with pytest.raises(ValueError, match="bits must be an int in \\[4, 16\\]; got 3"):
        packing.pack_linear(torch.nn.Linear(2, 2), 3)
    with pytest.raises(ValueError, match="values must fit in 8 bits"):
        packing.pack_bits(np.array([256]), 8)


def test_encoder_export_refuses_what_the_page_cannot_run():
    with pytest.raises(ValueError, match="MLP encoder"):
        packing.export_encoder(models.VAE(conv=True, latent_dim=2))
    spec = packing.export_encoder(models.VAE(hidden_dim=8, latent_dim=3))
    assert [(s["rows"], s["cols"], s["bits"]) for s in spec["layers"]] == [
        (8, 784, 12),
        (3, 8, 16),
        (3, 8, 16),
    ]


def test_the_pad_refuses_bad_arguments(model):
    codes, labels, examples = torch.zeros(4, 2), torch.zeros(4), torch.zeros(1, 1, 28, 28)
    with pytest.raises(ValueError, match="latent_dim=2"):
        DrawPad(models.VAE(hidden_dim=8, latent_dim=3), codes, labels, examples)
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 2\); got \(4, 3\)"):
        DrawPad(model, torch.zeros(4, 3), labels, examples)
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\); got \(3,\)"):
        DrawPad(model, codes, torch.zeros(3), examples)
    with pytest.raises(ValueError, match="n_samples must be a positive int; got 0"):
        DrawPad(model, codes, labels, examples, n_samples=0)
    with pytest.raises(ValueError, match="seed must be a non-negative int; got -2"):
        DrawPad(model, codes, labels, examples, seed=-2)
    with pytest.raises(ValueError, match="examples must hold at least one test digit"):
        DrawPad(model, codes, labels, torch.zeros(0, 1, 28, 28))


@pytest.mark.slow  # every torch call goes through the emulation
def test_a_model_on_a_gpu_works_in_both_views():
    """On the emulated CUDA device (tests/emulated_cuda.py): inputs go to the model's
    device, results come back to the CPU, the page gets the same numbers."""
    import emulated_cuda

    from vae_course import runtime

    torch.manual_seed(0)
    cpu_model = models.VAE(hidden_dim=24, latent_dim=2).eval()
    codes, labels = torch.zeros(5, 2), torch.arange(5)
    examples = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    on_cpu = DrawPad(cpu_model, codes, labels, examples).terms(drawpad.letter())
    emulated_cuda.install()
    try:
        model = models.VAE(hidden_dim=24, latent_dim=2).to(runtime.get_device()).eval()
        model.load_state_dict(cpu_model.state_dict())
        pad = DrawPad(model, codes, labels, examples)
        t = pad.terms(drawpad.letter())
        page = pad.to_html("gpu")
    finally:
        emulated_cuda.uninstall()
    torch.testing.assert_close(t["mu"], on_cpu["mu"])
    assert t["mu"].device.type == "cpu" and t["kl"] == pytest.approx(on_cpu["kl"])
    assert "vaePad" in page
