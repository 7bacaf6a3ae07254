"""The drawing pad (issue 23): the encoder and both ELBO terms computed in the static page.

Strokes are drawn with the mouse, the keyboard, a pen and a finger; after each the page's
mu, sigma, reconstruction g(mu) and ELBO terms must agree with PyTorch's for the pixels the
pad then holds (mu, sigma within 1e-3, pixels within 2/255, terms within 0.05 nats), and the
point, the ellipse and the pictures must change. Waits are on the pad's update event, never on
the clock. Nothing may leave the page, served on 127.0.0.1 or opened from file://.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from vae_course import data, models, training
from vae_course.display.drawpad import DrawPad, binarize, letter, scribble

from browser import figure_page, open_page, self_contained_page, static_server, tab_to

MU_TOLERANCE = 1e-3  # mu and sigma
PIXEL_TOLERANCE = 2 / 255
NATS_TOLERANCE = 0.05  # each ELBO term


@pytest.fixture(scope="module")
def pad():
    """A 2-D VAE trained briefly on real digits, in front of the pad."""
    digits = data.load_mnist("train", limit=1000, download=False, verbose=False)
    test = data.load_mnist("test", limit=20, download=False, verbose=False)
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=96, latent_dim=2)
    training.fit(model, digits.images, epochs=10, seed=0, progress=False)
    model.eval()
    with torch.no_grad():
        codes = model.encode((digits.images >= 0.5).float())[0]
    return DrawPad(model, codes, digits.labels, test.images[:5])


@pytest.fixture(scope="module")
def site(pad, tmp_path_factory, chromium_browser):
    root = tmp_path_factory.mktemp("drawpad")
    empty, html = figure_page(""), figure_page(pad.to_html("pad"))
    (root / "page.html").write_text(html, encoding="utf-8")
    with static_server(root) as base_url:
        yield {
            "url": base_url + "page.html",
            "file": root / "page.html",
            "browser": chromium_browser,
            "added": len(html.encode()) - len(empty.encode()),
        }


@pytest.fixture
def page(site):
    with self_contained_page(
        site["browser"],
        site["url"],
        "() => document.getElementById('pad').dataset.updates === '1'",
        viewport={"width": 1000, "height": 900},
    ) as page:
        yield page
    page.context.close()


def updates(page) -> int:
    return int(page.get_attribute("#pad", "data-updates"))


def wait_past(page, count: int) -> None:
    """Wait for the pad's update event that follows update number ``count``."""
    page.wait_for_function(
        f"() => Number(document.getElementById('pad').dataset.updates) > {count}"
    )


def state(page) -> dict:
    return page.evaluate(
        """() => { const api = document.getElementById('pad').vaePad, t = api.state;
            return { pixels: Array.from(api.pixels), mu: t.mu, sigma: t.sigma,
                     recon: Array.from(t.recon), samples: t.samples.map(s => Array.from(s)),
                     reconstruction: t.reconstruction, kl: t.kl }; }"""
    )


def canvas(page, name: str) -> np.ndarray:
    """The RGB pixels of one of the pad's canvases, (H, W, 3)."""
    rgba = page.evaluate(
        """(name) => { const c = document.getElementById('pad-' + name);
            return [c.width, Array.from(c.getContext('2d').getImageData(0, 0, c.width,
                    c.height).data)]; }""",
        name,
    )
    return np.asarray(rgba[1], dtype=np.int32).reshape(-1, rgba[0], 4)[:, :, :3]


def differences(got: dict, expected: dict) -> dict[str, float]:
    return {
        "mu": float(np.abs(np.asarray(got["mu"]) - expected["mu"].numpy()).max()),
        "sigma": float(np.abs(np.asarray(got["sigma"]) - expected["sigma"].numpy()).max()),
        "pixels": float(np.abs(np.asarray(got["recon"]) - expected["recon"].numpy()).max()),
        "samples": float(np.abs(np.asarray(got["samples"]) - expected["samples"].numpy()).max()),
        "reconstruction": abs(got["reconstruction"] - expected["reconstruction"]),
        "kl": abs(got["kl"] - expected["kl"]),
    }


def assert_agrees(pad, got: dict, what: str) -> dict[str, float]:
    """The page's numbers for the pad's pixels against PyTorch's for the same pixels."""
    expected = pad.terms(torch.tensor(got["pixels"], dtype=torch.float32))
    d = differences(got, expected)
    print(f"{what}: " + ", ".join(f"{k} {v:.2e}" for k, v in d.items()))
    assert d["mu"] < MU_TOLERANCE and d["sigma"] < MU_TOLERANCE, d
    assert d["pixels"] < PIXEL_TOLERANCE and d["samples"] < PIXEL_TOLERANCE, d
    assert d["reconstruction"] < NATS_TOLERANCE and d["kl"] < NATS_TOLERANCE, d
    return d


def test_check_inputs_match_the_exported_pytorch_numbers(pad, page):
    check = page.evaluate(
        """() => { const api = document.getElementById('pad').vaePad;
            return api.checkBits.map(bits => { const t = api.compute(bits);
                return { mu: t.mu, sigma: t.sigma, recon: Array.from(t.recon),
                         reconstruction: t.reconstruction, kl: t.kl }; }); }"""
    )
    spec = page.evaluate("() => document.getElementById('pad').vaePad.check")
    assert spec["names"] == [
        "test digit 1",
        "test digit 2",
        "test digit 3",
        "blank",
        "scribble",
        "letter",
    ]
    worst = dict.fromkeys(("mu", "sigma", "pixels", "reconstruction", "kl"), 0.0)
    for i, got in enumerate(check):
        recon = np.frombuffer(base64.b64decode(spec["recon"][i]), dtype="<f4")
        d = {
            "mu": np.abs(np.asarray(got["mu"]) - spec["mu"][i]).max(),
            "sigma": np.abs(np.asarray(got["sigma"]) - spec["sigma"][i]).max(),
            "pixels": np.abs(np.asarray(got["recon"]) - recon).max(),
            "reconstruction": abs(got["reconstruction"] - spec["reconstruction"][i]),
            "kl": abs(got["kl"] - spec["kl"][i]),
        }
        worst = {k: max(worst[k], float(v)) for k, v in d.items()}
    print("check inputs, largest |page - PyTorch|:", worst)
    assert worst["mu"] < MU_TOLERANCE and worst["sigma"] < MU_TOLERANCE
    assert worst["pixels"] < PIXEL_TOLERANCE
    assert worst["reconstruction"] < NATS_TOLERANCE and worst["kl"] < NATS_TOLERANCE
    # the exported inputs are the ones Python makes
    bits = page.evaluate(
        "() => document.getElementById('pad').vaePad.checkBits.map(b => Array.from(b))"
    )
    inputs = pad.check_inputs()
    for name, got in zip(spec["names"], bits, strict=True):
        assert got == inputs[name].int().tolist(), name


def red_dot_at(page, mu: list[float], limit: float) -> bool:
    """Whether the plane shows the red point of mu where mu lies."""
    plane = canvas(page, "plane")
    half = plane.shape[0] / 2
    x, y = round(half + mu[0] / limit * half), round(half - mu[1] / limit * half)
    patch = plane[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2]
    return bool(((patch[..., 0] > 180) & (patch[..., 1] < 60) & (patch[..., 2] < 60)).any())


def test_mouse_strokes_move_the_point_and_agree_with_pytorch(pad, page):
    limit = page.evaluate("() => document.getElementById('pad').vaePad.limit")
    start = updates(page)
    page.click("#pad-clear")
    wait_past(page, start)
    blank = state(page)
    assert sum(blank["pixels"]) == 0
    assert_agrees(pad, blank, "blank pad")
    before = {name: canvas(page, name) for name in ("plane", "recon", "samples")}
    box = page.locator("#pad-pad").bounding_box()
    cell = box["width"] / 28
    page.mouse.move(box["x"] + 14.5 * cell, box["y"] + 5.5 * cell)
    count = updates(page)
    page.mouse.down()
    wait_past(page, count)
    for row in range(6, 24, 2):  # a vertical stroke, a 1
        count = updates(page)
        page.mouse.move(box["x"] + 14.5 * cell, box["y"] + (row + 0.5) * cell)
        wait_past(page, count)
    page.mouse.up()
    drawn = state(page)
    pixels = np.asarray(drawn["pixels"]).reshape(28, 28)
    assert pixels[5:24, 14].all() and pixels.sum() < 80  # a continuous, thin line
    d = assert_agrees(pad, drawn, "mouse stroke")
    assert np.abs(np.asarray(drawn["mu"]) - blank["mu"]).max() > 10 * d["mu"]
    assert np.abs(np.asarray(drawn["sigma"]) - blank["sigma"]).max() > 10 * d["sigma"]
    assert abs(drawn["reconstruction"] - blank["reconstruction"]) > 1
    assert abs(drawn["kl"] - blank["kl"]) > 10 * d["kl"]
    for name in ("plane", "recon", "samples"):
        change = np.abs(canvas(page, name) - before[name]).max()
        print(name, change)
        assert change > 30, name
    assert red_dot_at(page, drawn["mu"], limit)
    text = page.inner_text("#pad-readout")
    assert f"μ = ({drawn['mu'][0]:.2f}, {drawn['mu'][1]:.2f})".replace("-0.00", "0.00") in text
    assert page.inner_text("#pad-kl") == f"{drawn['kl']:.2f} nats"


def test_keyboard_reaches_every_function(pad, page):
    tab_to(page, "#pad-pad")
    count = updates(page)
    page.keyboard.press("Tab")  # Clear
    page.keyboard.press("Enter")
    wait_past(page, count)
    assert sum(state(page)["pixels"]) == 0
    page.keyboard.press("Shift+Tab")  # back to the pad
    assert page.evaluate("() => document.activeElement.id") == "pad-pad"
    count = updates(page)
    page.keyboard.press(" ")  # paint at the cursor, which starts at (14, 14)
    wait_past(page, count)
    for _ in range(6):
        count = updates(page)
        page.keyboard.press("Shift+ArrowDown")  # paint while moving down
        wait_past(page, count)
    page.keyboard.press("ArrowRight")  # a move without Shift paints nothing
    drawn = state(page)
    pixels = np.asarray(drawn["pixels"]).reshape(28, 28)
    expected = np.zeros((28, 28))
    expected[14:22, 14:16] = 1
    assert (pixels == expected).all()
    assert_agrees(pad, drawn, "keyboard stroke")
    count = updates(page)
    page.keyboard.press("Delete")  # erases the brush at the cursor, now (20, 15)
    wait_past(page, count)
    erased = np.asarray(state(page)["pixels"]).reshape(28, 28)
    expected[20:22, 15:17] = 0
    assert (erased == expected).all()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # Start from a test digit
    count = updates(page)
    page.keyboard.press("Enter")
    wait_past(page, count)
    example = state(page)
    assert example["pixels"] == pad.examples[1].int().tolist()  # the page opened on the first
    assert_agrees(pad, example, "second test digit")


@pytest.mark.parametrize("kind", ["pen", "touch"])
def test_pen_and_touch_draw_like_the_mouse(pad, page, kind):
    count = updates(page)
    page.click("#pad-clear")
    wait_past(page, count)
    count = updates(page)
    page.evaluate(
        """(kind) => {
            const pad = document.getElementById('pad-pad'), box = pad.getBoundingClientRect();
            const at = (type, r, c) => pad.dispatchEvent(new PointerEvent(type, {
                pointerType: kind, pointerId: 7, bubbles: true, isPrimary: true,
                clientX: box.left + (c + 0.5) * box.width / 28,
                clientY: box.top + (r + 0.5) * box.height / 28 }));
            at('pointerdown', 8, 6);
            at('pointermove', 8, 20);
            at('pointerup', 8, 20);
        }""",
        kind,
    )
    wait_past(page, count)
    drawn = state(page)
    pixels = np.asarray(drawn["pixels"]).reshape(28, 28)
    assert pixels[8, 6:21].all() and pixels.sum() == 2 * 16  # filled in along the move
    assert_agrees(pad, drawn, f"{kind} stroke")


@pytest.mark.parametrize("name", ["scribble", "letter"])
def test_off_the_data_inputs_agree_with_pytorch(pad, page, name):
    x = {"scribble": scribble(1), "letter": letter()}[name]
    count = updates(page)
    page.evaluate("(x) => document.getElementById('pad').vaePad.set(x)", x.int().tolist())
    wait_past(page, count)
    assert_agrees(pad, state(page), name)


def test_controls_have_accessible_names(page):
    assert page.get_by_role("application", name="Drawing pad, 28 by 28 pixels").count() == 1
    for name in ("Clear", "Start from a test digit"):
        assert page.get_by_role("button", name=name).count() == 1
    for element in page.locator("#pad canvas, #pad output, #pad button").all():
        name = element.evaluate(
            "(e) => (e.getAttribute('aria-label') || e.textContent || '').trim()"
        )
        assert name, element.evaluate("(e) => e.outerHTML.slice(0, 80)")
    described = page.get_attribute("#pad-pad", "aria-describedby")
    assert "arrow keys" in page.inner_text(f"#{described}")


def test_works_from_a_file_url_without_network(site):
    pad_updates = "() => document.getElementById('pad').dataset.updates === '{}'"
    url = site["file"].as_uri()
    with self_contained_page(site["browser"], url, ready=pad_updates.format(1)) as page:
        page.click("#pad-clear")
        page.wait_for_function(pad_updates.format(2))


def test_the_pad_adds_less_than_a_megabyte(pad, site):
    encoder_weights = 784 * pad.model.encoder.fc.out_features
    print(f"the pad adds {site['added']:,} bytes to its page")
    assert site["added"] < 1_000_000
    assert site["added"] > 2 * encoder_weights  # it does carry both networks


def test_screenshots_of_each_state(page, tmp_path):
    """One screenshot per state, with its picture checked; VAE_COURSE_SHOTS names a folder
    to keep them in for a person to look at."""
    folder = Path(os.environ.get("VAE_COURSE_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    inputs = {
        "test digit": None,
        "blank": torch.zeros(784),
        "scribble": scribble(1),
        "letter": letter(),
    }
    for name, x in inputs.items():
        if x is not None:
            count = updates(page)
            page.evaluate("(x) => document.getElementById('pad').vaePad.set(x)", x.int().tolist())
            wait_past(page, count)
        page.locator("#pad").screenshot(path=str(folder / f"drawpad-{name.replace(' ', '-')}.png"))
        ink = 255 - canvas(page, "pad")[..., 0]
        assert (ink > 128).mean() == pytest.approx(
            float(binarize(np.asarray(state(page)["pixels"], dtype=np.float32)).mean()), abs=0.02
        )


def test_a_shared_decoder_halves_the_bytes_and_gives_the_same_numbers(pad, tmp_path, site):
    """share_decoder=True: the pad uses the decoder of the plane explorer before it."""
    from vae_course.display import LatentExplorer

    shared = DrawPad(pad.model, pad.codes, pad.labels, pad.examples, share_decoder=True)
    plane = LatentExplorer.plane(pad.model, limit=2.5).to_html("plane")
    alone = shared.to_html("pad")
    (tmp_path / "shared.html").write_text(figure_page(plane + alone), encoding="utf-8")
    (tmp_path / "alone.html").write_text(figure_page(alone), encoding="utf-8")
    print(f"shared: the pad adds {len(alone.encode()):,} bytes (alone {site['added']:,})")
    assert len(alone.encode()) < 0.6 * site["added"]
    with static_server(tmp_path) as base_url:
        page, problems = open_page(site["browser"], base_url + "shared.html")
        page.wait_for_function("() => document.getElementById('pad').dataset.updates === '1'")
        assert page.evaluate(
            "() => document.getElementById('pad').vaePad !== undefined && "
            "VAECourse.shared(document.getElementById('pad').vaePad.decoderKey) === "
            "document.getElementById('plane').vaeDecoder"
        )
        count = updates(page)
        page.evaluate(
            "(x) => document.getElementById('pad').vaePad.set(x)", scribble(2).int().tolist()
        )
        wait_past(page, count)
        assert_agrees(pad, state(page), "shared decoder")
        assert problems.console_errors == [] and problems.blocked == []
        page.context.close()
        page, problems = open_page(site["browser"], base_url + "alone.html")
        page.wait_for_function(
            "() => document.getElementById('pad-note').textContent.includes('no such figure')"
        )
        assert page.get_attribute("#pad", "data-updates") is None  # it drew nothing
        assert problems.console_errors == []
        page.context.close()
