"""The β slider (issue 23): every model of a β sweep decodes in the static page.

The page's decoders are low-rank, 8-bit versions of the trained ones: their output must be
the packed numbers Python computes (to float rounding), and within the compression's measured
error of PyTorch's full decoders. Moving the slider, by mouse or keyboard, must move the red
point on the rate–distortion plot to the chosen model and redraw samples and reconstructions.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae_course import data, models, training
from vae_course.display.betaslider import BetaSlider

from browser import figure_page, self_contained_page, static_server, tab_to

BETAS = (0.1, 1.0, 8.0)


@pytest.fixture(scope="module")
def slider():
    digits = data.load_mnist("train", limit=1000, download=False, verbose=False).images
    test = data.load_mnist("test", limit=200, download=False, verbose=False).images
    test_bits = data.dynamic_binarize(test, torch.Generator().manual_seed(1))
    trained, rates, distortions = {}, [], []
    for beta in BETAS:
        torch.manual_seed(0)
        model = models.VAE(hidden_dim=64, latent_dim=8)
        history = training.fit(
            model, digits, epochs=4, beta=beta, test_x=test_bits, seed=0, progress=False
        )
        trained[beta] = model.eval()
        rates.append(history.final["test_kl"])
        distortions.append(-history.final["test_reconstruction"])
    return BetaSlider(trained, rates, distortions, test[:6], n_samples=6)


@pytest.fixture(scope="module")
def site(slider, tmp_path_factory, chromium_browser):
    root = tmp_path_factory.mktemp("beta")
    html = slider.to_html("beta")
    (root / "page.html").write_text(figure_page(html, title="beta"), encoding="utf-8")
    with static_server(root) as base_url:
        yield {
            "url": base_url + "page.html",
            "file": root / "page.html",
            "browser": chromium_browser,
            "bytes": len(html.encode()),
        }


@pytest.fixture
def page(site):
    with self_contained_page(
        site["browser"],
        site["url"],
        "() => document.getElementById('beta').dataset.updates === '1'",
        viewport={"width": 1000, "height": 700},
    ) as page:
        yield page


def canvas(page, name: str) -> np.ndarray:
    size, rgba = page.evaluate(
        """(name) => { const c = document.getElementById('beta-' + name);
            return [c.width, Array.from(c.getContext('2d').getImageData(0, 0, c.width,
                    c.height).data)]; }""",
        name,
    )
    return np.asarray(rgba, dtype=np.float64).reshape(-1, size, 4)[:, :, :3]


def digits_in_row(page, name: str, n: int) -> np.ndarray:
    """The n digits drawn in a row canvas (2 screen pixels a pixel), as ink in [0, 1]."""
    ink = 1 - canvas(page, name)[:, :, 0] / 255
    return np.stack([ink[1:57:2, k * 58 + 1 : k * 58 + 57 : 2] for k in range(n)])


def move_to(page, index: int) -> None:
    count = int(page.get_attribute("#beta", "data-updates"))
    page.fill("#beta-beta", str(index))
    page.dispatch_event("#beta-beta", "input")
    page.wait_for_function(
        f"() => Number(document.getElementById('beta').dataset.updates) > {count}"
    )


def red_point(page) -> tuple[float, float]:
    plot = canvas(page, "plot")
    red = (plot[..., 0] > 180) & (plot[..., 1] < 60) & (plot[..., 2] < 60)
    rows, cols = np.nonzero(red)
    return float(cols.mean()), float(rows.mean())


def test_page_decoders_are_the_packed_ones(page):
    worst = page.evaluate(
        """() => { const b = document.getElementById('beta').vaeBeta;
            let worst = 0;
            b.decoders.forEach((dec, k) => {
                const expected = VAECourse.float32s(b.check.pixels[k]);
                b.check.z.forEach((z, j) => {
                    const p = dec.decode(z);
                    for (let i = 0; i < p.length; i++) {
                        worst = Math.max(worst, Math.abs(p[i] - expected[j * p.length + i]));
                    }
                });
            });
            return worst; }"""
    )
    print(f"page vs Python's packed decoders: {worst:.2e}")
    assert worst < 1e-5


def test_each_beta_redraws_pytorchs_pictures_and_moves_the_point(slider, page):
    fidelity = slider.fidelity()
    print(
        f"low rank + 8 bits vs PyTorch: largest {fidelity['max']:.3f}, mean {fidelity['mean']:.4f}"
    )
    assert fidelity["mean"] < 0.02  # under 2% of the grey range on average
    points, pictures = [], []
    for index, beta in enumerate(slider.betas):
        move_to(page, index)
        assert page.get_attribute("#beta", "data-beta") == f"{beta:g}"
        samples, recons = slider.images(index)
        drawn = digits_in_row(page, "samples", slider.n_samples)
        assert np.abs(drawn - samples.numpy()).max() < fidelity["max"] + 1 / 255
        drawn = digits_in_row(page, "recons", len(slider.examples))
        assert np.abs(drawn - recons.numpy()).max() < fidelity["max"] + 1 / 255
        points.append(red_point(page))
        pictures.append(canvas(page, "recons"))
        assert page.inner_text("#beta-readout") == slider.readout(index)
    xs = [x for x, _ in points]
    # the point moves with the rate: its x order is the rates' order
    assert np.argsort(xs).tolist() == np.argsort(slider.rates).tolist()
    assert len(set(xs)) == len(xs)
    # PyTorch's reconstructions differ between neighbouring models by more than twice the
    # page's error, so the page's pictures must change too
    margin = 2 * (fidelity["max"] + 1 / 255)
    for i in range(len(pictures) - 1):
        wanted = (slider.images(i)[1] - slider.images(i + 1)[1]).abs().max().item()
        assert wanted > margin
        assert np.abs(pictures[i] - pictures[i + 1]).max() / 255 > wanted - margin


def test_keyboard_moves_beta(slider, page):
    tab_to(page, "#beta-beta")
    start = slider.index
    count = int(page.get_attribute("#beta", "data-updates"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        f"() => Number(document.getElementById('beta').dataset.updates) > {count}"
    )
    beta = slider.betas[start - 1]
    assert page.get_attribute("#beta", "data-beta") == f"{beta:g}"
    assert page.get_attribute("#beta-beta", "aria-valuetext") == f"β = {beta:g}"


def test_names_bytes_and_file_url(site, page):
    assert page.get_by_role("slider", name="β").count() == 1
    for element in page.locator("#beta canvas, #beta img").all():
        assert element.evaluate("(e) => e.getAttribute('aria-label') || e.alt")
    print(f"the slider adds {site['bytes']:,} bytes to its page")
    assert site["bytes"] < 1_000_000
    context = site["browser"].new_context()
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    other = context.new_page()
    other.goto(site["file"].as_uri())
    other.wait_for_function("() => document.getElementById('beta').dataset.updates === '1'")
    assert [url for url in requests if not url.startswith("file://")] == []
    context.close()
