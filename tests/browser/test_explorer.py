"""The latent explorer: its frames and paths, the live widget, and the static page in Chromium."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import torch
from PIL import Image

from vae_course import data, latent, models, training
from vae_course.display import explorer
from vae_course.display.explorer import Axis, LatentExplorer, path_point, readout

from browser import open_page, static_server, tab_to

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def small_vae(latent_dim: int) -> models.VAE:
    torch.manual_seed(0)
    return models.VAE(hidden_dim=32, latent_dim=latent_dim).eval()


def png_array(data: bytes) -> np.ndarray:
    """PNG bytes -> (H, W) float array in [0, 1] of *ink* (1 = black), as the explorer draws."""
    return 1.0 - np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64) / 255


# ---------------------------------------------------------------------------------------------
# Paths, frames, checks


@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_path_point_agrees_with_the_library_at_its_grid_points(method):
    generator = torch.Generator().manual_seed(1)
    z0, z1 = torch.randn(8, generator=generator), torch.randn(8, generator=generator)
    steps = 11
    expected = getattr(latent, method)(z0, z1, steps)
    got = torch.stack([path_point(z0, z1, t, method) for t in np.linspace(0, 1, steps)])
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_slerp_point_between_grid_points_keeps_the_linear_norm():
    """Off the grid too: the norm is linear in t and the point lies in the plane of z0, z1."""
    z0, z1 = torch.tensor([3.0, 0.0, 0.0]), torch.tensor([0.0, 5.0, 0.0])
    for t in (0.13, 0.5, 0.77):
        z = path_point(z0, z1, t, "slerp")
        assert abs(float(z.norm()) - ((1 - t) * 3 + t * 5)) < 1e-5
        assert abs(float(z[2])) < 1e-7
        angle = float(torch.atan2(z[1], z[0]))
        assert abs(angle - t * np.pi / 2) < 1e-5  # constant angular speed


def test_slerp_falls_back_to_lerp_like_the_library():
    """Parallel vectors (no great circle) and a zero endpoint: both give the straight line."""
    z = torch.tensor([1.0, 2.0, -1.0])
    for z0, z1 in ((z, 3 * z), (torch.zeros(3), z)):
        expected = latent.slerp(z0, z1, 5)
        got = torch.stack([path_point(z0, z1, t, "slerp") for t in np.linspace(0, 1, 5)])
        torch.testing.assert_close(got, expected)
        torch.testing.assert_close(got, latent.lerp(z0, z1, 5))


def test_path_point_rejects_opposite_directions_and_unknown_methods():
    z = torch.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="opposite"):
        path_point(z, -z, 0.5, "slerp")
    with pytest.raises(ValueError, match="method"):
        path_point(z, z, 0.5, "spline")


def test_plane_frames_are_the_decoder_on_the_grid():
    model = small_vae(2)
    ex = LatentExplorer.plane(model, limit=2.0, steps=5)
    positions = ex.positions()
    assert len(positions) == 25 and positions[0] == (-2.0, -2.0) and positions[1] == (-2.0, -1.0)
    frames = ex.frames()
    assert frames.shape == (25, 28, 28)
    with torch.no_grad():
        expected = model.decode(torch.tensor(positions, dtype=torch.float32))[:, 0]
    torch.testing.assert_close(frames, expected)
    assert float(frames.min()) >= 0 and float(frames.max()) <= 1


def test_between_starts_and_ends_at_the_decoded_endpoints():
    model = small_vae(4)
    generator = torch.Generator().manual_seed(2)
    z0, z1 = torch.randn(4, generator=generator), torch.randn(4, generator=generator)
    ex = LatentExplorer.between(model, z0, z1, method="lerp", steps=6)
    frames = ex.frames()
    with torch.no_grad():
        ends = model.decode(torch.stack([z0, z1]))[:, 0]
    torch.testing.assert_close(frames[0], ends[0])
    torch.testing.assert_close(frames[-1], ends[1])
    torch.testing.assert_close(torch.from_numpy(ex.references[0][1]), ends[0])
    torch.testing.assert_close(ex.image(0.4), frames[2])  # t = 0.4 is the third of 6 steps


def test_bad_arguments_name_what_is_wrong():
    with pytest.raises(ValueError, match="latent_dim == 2"):
        LatentExplorer.plane(small_vae(3))
    with pytest.raises(ValueError, match="steps"):
        LatentExplorer.plane(small_vae(2), steps=1)
    with pytest.raises(ValueError, match="latent_dim 4"):
        LatentExplorer.between(small_vae(4), torch.zeros(3), torch.ones(3))
    with pytest.raises(ValueError, match="method"):
        LatentExplorer.between(small_vae(2), torch.ones(2), torch.ones(2), method="cubic")
    with pytest.raises(ValueError, match="increasing"):
        Axis("z", (0.0, 0.0, 1.0), 0.0, 0.1)
    with pytest.raises(ValueError, match="start"):
        Axis("z", (0.0, 1.0), 2.0, 0.1)
    ex = LatentExplorer(
        lambda z: torch.full((len(z), 1, 4, 4), 2.0),
        lambda a: torch.tensor([a]),
        [Axis("a", (0.0, 1.0), 0.0, 0.1)],
        title="t",
        alt="a",
    )
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        ex.image(0.5)
    with pytest.raises(ValueError, match="unknown slider"):
        ex.set(b=1.0)


# ---------------------------------------------------------------------------------------------
# The live widget


def test_live_sliders_redraw_the_decoded_image():
    model = small_vae(2)
    ex = LatentExplorer.plane(model)
    widget = ex.widget
    sliders = [w for w in widget.children if w.__class__.__name__ == "FloatSlider"]
    image_widget = ex._image_widget
    assert [s.description for s in sliders] == ["z1", "z2"]
    before = image_widget.value
    sliders[0].value = 1.5  # what dragging the slider does
    after_one = image_widget.value
    sliders[1].value = -2.0
    after_two = image_widget.value
    assert before != after_one != after_two
    shown = png_array(after_two)
    assert shown.shape == (28 * ex.scale, 28 * ex.scale)
    assert shown.min() >= 0 and shown.max() <= 1
    expected = ex.image(1.5, -2.0).numpy()
    np.testing.assert_allclose(shown[:: ex.scale, :: ex.scale], expected, atol=0.5 / 255 + 1e-6)
    assert ex._readout_widget.value == "z1 = 1.50, z2 = -2.00"
    assert ex.values == {"z1": 1.5, "z2": -2.0}


def test_set_moves_the_sliders_and_clips_to_their_range():
    ex = LatentExplorer.between(small_vae(3), torch.ones(3), torch.tensor([1.0, -1.0, 0.5]))
    slider = next(w for w in ex.widget.children if w.__class__.__name__ == "FloatSlider")
    image = ex.set(t=3.0)
    assert ex.values == {"t": 1.0}
    torch.testing.assert_close(image, ex.frames()[-1])
    assert slider.value == 1.0
    assert ex._readout_widget.value == "t = 1.00"


def test_mimebundle_carries_the_widget_view_and_the_static_html():
    ex = LatentExplorer.plane(small_vae(2), steps=3)
    bundle = ex._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == ex.widget.model_id
    assert '<input type="range"' in bundle["text/html"]
    assert set(ex._repr_mimebundle_(include=["text/html"])) == {"text/html"}


def test_static_html_is_self_contained_with_unique_ids():
    ex = LatentExplorer.plane(small_vae(2), steps=3)
    first, second = ex.to_html(), ex.to_html()
    ids_first = set(re.findall(r'id="([^"]+)"', first))
    ids_second = set(re.findall(r'id="([^"]+)"', second))
    assert ids_first and not ids_first & ids_second
    for page in (first, second):
        assert "http://" not in page and "https://" not in page
        assert "<script src" not in page
        assert page.count('aria-live="polite"') == 1
        assert page.count("<label for=") == page.count('type="range"') == 2


# ---------------------------------------------------------------------------------------------
# The static page in a browser


def page_html(*bodies: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>explorer</title>"
        f"</head><body>{''.join(bodies)}</body></html>"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium_browser):
    root = tmp_path_factory.mktemp("explorer_site")
    plane = LatentExplorer.plane(small_vae(2), limit=2.0, steps=9)
    generator = torch.Generator().manual_seed(3)
    z0, z1 = torch.randn(5, generator=generator), torch.randn(5, generator=generator)
    path = LatentExplorer.between(small_vae(5), z0, z1, steps=21)
    # The sprite form (what a decoder the page cannot run gets); the in-page decoder has its
    # own tests in test_in_page_decoder.py.
    plane.in_page = path.in_page = None
    (root / "two.html").write_text(
        page_html(plane.to_html("plane"), path.to_html("path")), encoding="utf-8"
    )
    with static_server(root) as base_url:
        yield base_url, chromium_browser, plane, path


@pytest.fixture
def page(site):
    base_url, browser = site[:2]
    page, problems = open_page(
        browser, base_url + "two.html", viewport={"width": 900, "height": 1000}
    )
    yield page
    assert problems.console_errors == [], problems.console_errors
    assert problems.blocked == [], problems.blocked
    page.context.close()


def state(page, uid: str) -> dict:
    return page.evaluate(
        """(uid) => ({
            frame: Number(document.getElementById(uid).dataset.frame),
            position: document.getElementById(uid + "-view").style.backgroundPosition,
            readout: document.getElementById(uid + "-readout").textContent,
            valuetext: document.getElementById(uid + "-a0").getAttribute("aria-valuetext"),
        })""",
        uid,
    )


def test_mouse_moves_the_static_slider_and_the_frame(site, page):
    plane = site[2]
    start = state(page, "plane")
    assert start["frame"] == 4 * 9 + 4 and start["readout"] == "z1 = 0.00, z2 = 0.00"
    view = page.locator("#plane-view")
    shot_before = view.screenshot()
    box = page.locator("#plane-a0").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)  # far right
    moved = state(page, "plane")
    assert moved["frame"] == 8 * 9 + 4
    assert moved["readout"] == readout(["z1", "z2"], plane.positions()[moved["frame"]])
    assert moved["valuetext"] == "z1 = 2.00"
    assert moved["position"] == f"{-4 * 28 * plane.scale}px {-8 * 28 * plane.scale}px"
    assert view.screenshot() != shot_before
    assert state(page, "path")["frame"] == 10  # the other explorer did not move


def test_keyboard_steps_the_static_slider(site, page):
    path = site[3]
    tab_to(page, "#path-a0")
    before = state(page, "path")
    page.keyboard.press("ArrowRight")
    after = state(page, "path")
    assert (before["frame"], after["frame"]) == (10, 11)
    assert after["readout"] == after["valuetext"] == "t = 0.55"
    assert after["position"] != before["position"]
    page.keyboard.press("End")
    assert state(page, "path")["readout"] == readout(["t"], path.positions()[-1]) == "t = 1.00"
    assert state(page, "plane")["frame"] == 4 * 9 + 4


def test_screenshot_of_the_static_explorer_shows_the_digit(site, page, tmp_path):
    """The image area is not blank: the sprite loaded and the current frame is drawn."""
    plane = site[2]
    shot = page.locator("#plane-view").screenshot(path=str(tmp_path / "plane.png"))
    pixels = png_array(shot)
    expected = plane.frames()[4 * 9 + 4].numpy()
    # Compare the screenshot (scale x 28 pixels, 1-pixel border) with the frame at its centre.
    inner = pixels[1:-1, 1:-1]
    centres = inner[plane.scale // 2 :: plane.scale, plane.scale // 2 :: plane.scale][:28, :28]
    assert centres.shape == (28, 28)
    assert np.abs(centres - expected).max() < 3 / 255 + 1e-6


def test_module_doc_names_the_two_views():
    assert "text/html" in explorer.__doc__ and "ipywidgets" in explorer.__doc__


# ---------------------------------------------------------------------------------------------
# Arrow keys, in both views: one press moves a slider by 1/50 of its range (Page Up/Down: five
# presses), enough to change the digit; the in-page view's range keeps a finer step for the mouse.


@pytest.fixture(scope="module")
def trained_2d():
    """A 2-D VAE trained briefly on real digits, so that z moves the digit as a chapter's does."""
    digits = data.load_mnist("train", limit=600, download=False, verbose=False).images
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=96, latent_dim=2)
    training.fit(model, digits, epochs=2, seed=0, progress=False)
    return model.eval()


def test_one_live_key_step_is_a_fiftieth_of_the_range():
    """ipywidgets' slider (noUiSlider) moves by its ``step`` per arrow key, five per Page key."""
    plane = LatentExplorer.plane(small_vae(2), limit=2.5)
    path = LatentExplorer.between(small_vae(3), torch.eye(3)[0], torch.eye(3)[1])
    for ex, expected in ((plane, [0.1, 0.1]), (path, [0.02])):
        sliders = [w for w in ex.widget.children if w.__class__.__name__ == "FloatSlider"]
        assert [s.step for s in sliders] == pytest.approx(expected)
        assert [(s.max - s.min) / s.step for s in sliders] == pytest.approx([50] * len(sliders))


def canvas_ink(page, uid: str) -> np.ndarray:
    """The in-page explorer's canvas as ink in [0, 1] (1 = black), (H, W)."""
    rgba = page.evaluate(
        """(uid) => {
            const c = document.getElementById(uid + "-canvas");
            return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
        }""",
        uid,
    )
    width = page.evaluate("(uid) => document.getElementById(uid + '-canvas').width", uid)
    return 1 - np.asarray(rgba, dtype=np.float64).reshape(-1, width, 4)[:, :, 0] / 255


@pytest.mark.slow  # training a model
def test_in_page_arrow_keys_move_the_digit(trained_2d, tmp_path, chromium_browser):
    plane = LatentExplorer.plane(trained_2d, limit=2.5)
    assert plane.in_page is not None, "the MLP decoder runs in the page"
    (tmp_path / "plane.html").write_text(page_html(plane.to_html("kp")), encoding="utf-8")
    step = 2 * 2.5 / 50
    with static_server(tmp_path) as base_url:
        page, problems = open_page(chromium_browser, base_url + "plane.html")
        tab_to(page, "#kp-a0")
        shown = [canvas_ink(page, "kp")[:: plane.scale, :: plane.scale]]
        for key, value in (("ArrowRight", step), ("PageUp", 6 * step), ("ArrowLeft", 5 * step)):
            page.keyboard.press(key)
            assert float(page.input_value("#kp-a0")) == pytest.approx(value)
            assert page.inner_text("#kp-readout") == readout(["z1", "z2"], [value, 0.0])
            shown.append(canvas_ink(page, "kp")[:: plane.scale, :: plane.scale])
        # the page's pictures are PyTorch's decodes of the new points (rounded to 8 bits)
        for picture, z1 in zip(shown, (0.0, step, 6 * step, 5 * step), strict=True):
            assert np.abs(picture - plane.image(z1, 0.0).numpy()).max() < 3 / 255
        change = np.abs(shown[1] - shown[0])
        print(
            f"one ArrowRight press: z1 += {step}, largest pixel change {255 * change.max():.0f}/255"
        )
        # what one press changes is what the decoder changes over that step: more than the
        # rounding to 8 bits can hide
        torch_change = np.abs(plane.image(step, 0.0).numpy() - plane.image(0.0, 0.0).numpy())
        assert change.max() > 2 / 255 and torch_change.max() > 2 / 255
        page.mouse.click(*_right_end(page, "#kp-a0"))
        assert float(page.input_value("#kp-a0")) == pytest.approx(2.5)
        page.keyboard.press("ArrowRight")  # clipped at the end
        assert float(page.input_value("#kp-a0")) == pytest.approx(2.5)
        assert problems.console_errors == [] and problems.blocked == []
        page.context.close()


def _right_end(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] - 1, box["y"] + box["height"] / 2
