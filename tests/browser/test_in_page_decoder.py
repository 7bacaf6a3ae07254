"""The trained decoder running in the static page (issue 16), measured in headless Chromium.

The page's decode of fixed latent vectors is compared with PyTorch's decode of the same vectors
(exported when the figure is rendered); Sample, the temperature slider and the explorer
sliders must change the picture; the page's random numbers must be the ones Python draws for
the same seed; nothing leaves the page's own file, served on 127.0.0.1 or opened from file://.
"""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest
import torch

from vae_course import data, latent, models, training
from vae_course.display import LatentExplorer, PriorSampler
from vae_course.display import decoder as page_decoder

from browser import figure_page, self_contained_page, static_server, tab_to

TOLERANCE = 2 / 255  # the budget per pixel


@pytest.fixture(scope="module")
def trained():
    """Small VAEs trained briefly on real digits (weights with a realistic spread)."""
    digits = data.load_mnist("train", limit=600, download=False, verbose=False).images
    out = {}
    for d in (2, 6):
        torch.manual_seed(0)
        model = models.VAE(hidden_dim=96, latent_dim=d)
        training.fit(model, digits, epochs=2, seed=0, progress=False)
        out[d] = model.eval()
    return out


@pytest.fixture(scope="module")
def site(trained, tmp_path_factory, chromium_browser):
    root = tmp_path_factory.mktemp("in_page")
    generator = torch.Generator().manual_seed(5)
    z0, z1 = torch.randn(6, generator=generator), torch.randn(6, generator=generator)
    figures = {
        "sampler": PriorSampler(trained[6], rows=3, columns=3, seed=11),
        "plane": LatentExplorer.plane(trained[2], limit=2.5),
        "path": LatentExplorer.between(trained[6], z0, z1, method="slerp"),
    }
    html = figure_page(*(figure.to_html(uid) for uid, figure in figures.items()))
    (root / "page.html").write_text(html, encoding="utf-8")
    with static_server(root) as base_url:
        yield {
            "url": base_url + "page.html",
            "file": root / "page.html",
            "browser": chromium_browser,
            "figures": figures,
            "z": (z0, z1),
            "bytes": len(html.encode()),
        }


@pytest.fixture
def page(site):
    with self_contained_page(
        site["browser"], site["url"], viewport={"width": 900, "height": 1400}
    ) as page:
        yield page


def canvas_ink(page, uid: str) -> np.ndarray:
    """The canvas as grey values in [0, 1] of the digit (1 = ink), (H, W)."""
    rgba = page.evaluate(
        """(uid) => {
            const c = document.getElementById(uid + "-canvas");
            return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
        }""",
        uid,
    )
    canvas = page.evaluate("(uid) => document.getElementById(uid + '-canvas').width", uid)
    pixels = np.asarray(rgba, dtype=np.float64).reshape(-1, canvas, 4)[:, :, 0]
    return 1 - pixels / 255


def digit_at(ink: np.ndarray, row: int, col: int, scale: int, cell: int) -> np.ndarray:
    """The (28, 28) digit drawn at a grid cell, one sample per drawn pixel block."""
    top, left = row * cell + 1, col * cell + 1
    return ink[top : top + 28 * scale : scale, left : left + 28 * scale : scale]


def spec_of(site, uid: str) -> dict:
    figure = site["figures"][uid]
    if uid == "sampler":
        return page_decoder.export_decoder(figure.model)
    return figure.in_page["decoder"]


@pytest.mark.parametrize("uid", ["sampler", "plane", "path"])
def test_page_decode_of_the_exported_vectors_matches_pytorch(site, page, uid):
    spec = spec_of(site, uid)
    got = np.asarray(
        page.evaluate(
            "([uid, zs]) => zs.map(z => Array.from("
            "document.getElementById(uid).vaeDecoder.decode(z)))",
            [uid, spec["check"]["z"]],
        )
    )
    expected = np.frombuffer(base64.b64decode(spec["check"]["pixels"]), dtype="<f4")
    difference = np.abs(got - expected.reshape(got.shape)).max()
    print(f"{uid}: largest pixel difference page vs PyTorch = {difference * 255:.3f}/255")
    assert difference < TOLERANCE


def test_page_noise_is_the_python_generator(page):
    got = np.asarray(page.evaluate("() => Array.from(VAECourse.noise(123, 1001))"))
    expected = page_decoder.prior_noise(123, 1, 1001)[0]
    assert np.abs(got - expected).max() < 1e-12


def test_prior_noise_is_standard_normal():
    eps = page_decoder.prior_noise(7, 4000, 5).ravel()
    # mean within 4 standard errors of 0, variance within 4 standard errors of 1
    assert abs(eps.mean()) < 4 / math.sqrt(eps.size)
    assert abs(eps.var() - 1) < 4 * math.sqrt(2 / eps.size)
    assert not np.array_equal(eps[:10], page_decoder.prior_noise(8, 2, 5).ravel())


def test_sampler_canvas_shows_pytorchs_decode_of_the_same_seed(site, page):
    sampler = site["figures"]["sampler"]
    ink = canvas_ink(page, "sampler")
    expected = sampler.images().numpy()  # seed 11, tau 1: what the live view shows
    cell = 28 * sampler.scale + 2
    for k in range(9):
        drawn = digit_at(ink, k // 3, k % 3, sampler.scale, cell)
        assert np.abs(drawn - expected[k]).max() < TOLERANCE + 0.5 / 255, k


def test_every_sample_click_gives_a_new_picture(page):
    pictures = {page.evaluate("() => document.getElementById('sampler-canvas').toDataURL()")}
    seeds = []
    for _ in range(5):
        page.click("#sampler-sample")
        pictures.add(page.evaluate("() => document.getElementById('sampler-canvas').toDataURL()"))
        seeds.append(int(page.get_attribute("#sampler", "data-seed")))
    assert len(pictures) == 6
    assert seeds == [12, 13, 14, 15, 16]
    assert page.inner_text("#sampler-readout").startswith("seed 16, temperature τ = 1.00")


def test_keyboard_samples_and_moves_the_temperature(page):
    before = page.evaluate("() => document.getElementById('sampler-canvas').toDataURL()")
    tab_to(page, "#sampler-sample")
    page.keyboard.press("Enter")
    page.keyboard.press(" ")
    assert page.get_attribute("#sampler", "data-seed") == "13"
    tab_to(page, "#sampler-tau")
    page.keyboard.press("ArrowLeft")
    assert "temperature τ = 0.95" in page.inner_text("#sampler-readout")
    after = page.evaluate("() => document.getElementById('sampler-canvas').toDataURL()")
    assert after != before
    assert page.get_attribute("#sampler-readout", "aria-live") == "polite"
    assert "seed 13" in page.get_attribute("#sampler-canvas", "aria-label")


def test_temperature_scales_z(site, page):
    page.fill("#sampler-tau", "0.5")
    page.dispatch_event("#sampler-tau", "input")
    sampler = site["figures"]["sampler"]
    first = 0.5 * page_decoder.prior_noise(11, 9, sampler.model.latent_dim)[0, :3]
    shown = ", ".join(f"{v:.2f}" for v in first)
    assert f"z = ({shown}, ...)" in page.inner_text("#sampler-readout")


def move(page, uid: str, value: float) -> None:
    page.fill(f"#{uid}-a0", str(value))
    page.dispatch_event(f"#{uid}-a0", "input")


def test_plane_slider_moves_continuously_and_matches_pytorch(site, page):
    plane = site["figures"]["plane"]
    before = canvas_ink(page, "plane")
    move(page, "plane", 1.37)
    after = canvas_ink(page, "plane")
    assert np.abs(after - before).max() > 0.1  # the picture moved
    assert page.inner_text("#plane-readout") == "z1 = 1.37, z2 = 0.00"
    expected = plane.image(1.37, 0.0).numpy()
    drawn = digit_at(after, 0, 0, plane.scale, 0)
    assert np.abs(drawn - expected).max() < TOLERANCE + 0.5 / 255


@pytest.mark.parametrize("t", [0.0, 0.37, 0.5, 1.0])
def test_path_slider_decodes_any_t_on_the_slerp_path(site, page, t):
    path = site["figures"]["path"]
    move(page, "path", t)
    z_page = [float(v) for v in page.get_attribute("#path", "data-z").split(",")]
    z0, z1 = site["z"]
    z_python = latent.interpolate(z0, z1, torch.tensor([t]), "slerp")[0]
    assert np.abs(np.asarray(z_page) - z_python.numpy()).max() <= 0.005 + 1e-9  # shown to 2 dp
    drawn = digit_at(canvas_ink(page, "path"), 0, 0, path.scale, 0)
    assert np.abs(drawn - path.image(t).numpy()).max() < TOLERANCE + 0.5 / 255
    assert page.inner_text("#path-readout").startswith(f"t = {t:.2f}, |z| = ")


def test_works_from_a_file_url_without_network(site):
    with self_contained_page(site["browser"], site["file"].as_uri()) as page:
        page.click("#sampler-sample")
        assert page.get_attribute("#sampler", "data-seed") == "12"


def test_page_weight_of_the_figures(site):
    """Three figures with two decoders of 96 hidden units: each decoder adds 1.5 bytes a
    weight (12 bits) in base64, so the page stays far below the 1 MB budget."""
    weights = sum(
        spec_of(site, uid)["layers"][1]["rows"] * spec_of(site, uid)["layers"][1]["cols"]
        for uid in ("sampler", "plane", "path")
    )
    assert site["bytes"] < 1.5 * 4 / 3 * weights + 200_000
    assert site["bytes"] < 1_000_000


def test_screenshot_shows_digits(site, page, tmp_path):
    shot = tmp_path / "in_page.png"
    page.screenshot(path=str(shot), full_page=True)
    ink = canvas_ink(page, "sampler")
    assert 0.02 < ink.mean() < 0.6  # digits drawn, not a blank or black canvas


def test_export_refuses_a_decoder_the_page_cannot_run():
    with pytest.raises(ValueError, match="MLP decoder"):
        page_decoder.export_decoder(models.VAE(conv=True, latent_dim=2))
    with pytest.raises(ValueError, match="MLP decoder"):
        page_decoder.export_decoder(models.ConditionalVAE(latent_dim=2))


def test_twelve_bit_rows_keep_each_weight_within_half_a_step():
    generator = np.random.default_rng(0)
    weight = generator.normal(size=(7, 13)) * generator.uniform(0.01, 3, size=(7, 1))
    q, scale = page_decoder.quantize_rows(weight)
    assert np.abs(q).max() <= page_decoder.LEVELS
    assert np.all(np.abs(weight - q * scale[:, None]) <= scale[:, None] / 2 + 1e-12)
    packed = page_decoder.pack_12bit((q + 2048).ravel())
    assert len(packed) == 3 * ((q.size + 1) // 2)
