"""Tests for vae_course.plotting: every function returns a titled, labelled, savable Figure."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from vae_course import data, models, plotting, training


@pytest.fixture(scope="module")
def digits():
    return data.load_mnist("test", limit=40, download=False, verbose=False)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return models.VAE(hidden_dim=32, latent_dim=2)


def _check(fig):
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes] + [
        fig._suptitle.get_text() if fig._suptitle else ""
    ]
    assert any(titles)
    main = [ax for ax in fig.axes if ax.get_title()]
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in main)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def _figures(digits, model):
    history = training.History(
        [
            {
                "epoch": e,
                "train_loss": 9.0 - e,
                "train_elbo": e - 9.0,
                "train_reconstruction": e - 8,
                "train_kl": 1.0,
                "test_loss": 9.5 - e,
                "test_elbo": e - 9.5,
                "test_reconstruction": e - 8.5,
                "test_kl": 1.0,
            }
            for e in (1, 2, 3)
        ]
    )
    z = torch.randn(40, 2)
    return {
        "image_grid": lambda: plotting.image_grid(digits.images[:10], nrow=4, title="Digits"),
        "reconstructions": lambda: plotting.reconstructions(digits.images, digits.images.flip(0)),
        "latent_scatter": lambda: plotting.latent_scatter(z, digits.labels),
        "manifold": lambda: plotting.manifold(model, n=4),
        "training_curves": lambda: plotting.training_curves(history, title="Curves"),
        "ae_curves": lambda: plotting.training_curves(training.History([{"train_loss": 1.0}])),
        "generative_process": lambda: plotting.generative_process(z[:4], digits.images[:4]),
        "rate_distortion": lambda: plotting.rate_distortion(
            [30.0, 15.0, 4.0], [135.0, 147.0, 177.0]
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "image_grid",
        "reconstructions",
        "latent_scatter",
        "manifold",
        "training_curves",
        "ae_curves",
        "generative_process",
        "rate_distortion",
    ],
)
def test_figures_are_titled_labelled_and_leave_pyplot_alone(digits, model, name):
    before = plt.get_fignums()
    fig = _figures(digits, model)[name]()
    _check(fig)
    assert plt.get_fignums() == before


def test_image_grid_tiles_every_image(digits):
    fig = plotting.image_grid(digits.images[:10], nrow=4)
    mosaic = fig.axes[0].get_images()[0].get_array()
    assert mosaic.shape == (3 * 30 + 2, 4 * 30 + 2)  # 3 rows of 4, 28 px + 2 px padding
    assert fig.axes[0].get_title() == "10 images"
    # Each tile is its image; the gaps are a light grey (gray_r draws 1 as black ink).
    assert np.allclose(mosaic[2:30, 32:60], digits.images[1, 0].numpy())
    gaps = np.asarray(mosaic)[:2, :]
    assert np.all(gaps == gaps.flat[0]) and 0.0 < gaps.flat[0] < 0.5


def test_manifold_decodes_the_quantile_grid(model):
    fig = plotting.manifold(model, n=3)
    mosaic = torch.as_tensor(fig.axes[0].get_images()[0].get_array())
    from vae_course.latent import quantile_grid

    with torch.no_grad():
        first = model.decode(quantile_grid(3)[:1])[0, 0]
    assert torch.allclose(mosaic[2:30, 2:30], first, atol=1e-6)


def test_generative_process_draws_each_code_and_its_image(digits):
    z = torch.randn(5, 16, generator=torch.Generator().manual_seed(0))
    fig = plotting.generative_process(z, digits.images[:5])
    prior = fig.axes[0]
    # The marked points are the first two coordinates of each code, in order.
    marked = prior.collections[-1].get_offsets()
    assert np.allclose(marked, z[:, :2].numpy())
    # One image panel per code, showing exactly that decoded image, labelled x-hat_i.
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert len(panels) == 5
    for i, ax in enumerate(panels):
        assert np.allclose(ax.get_images()[0].get_array(), digits.images[i, 0].numpy())
        assert rf"\hat x_{i + 1}" in " ".join(t.get_text() for t in ax.texts)
    # The decoder box is labelled g_theta; two arrows per sample (into and out of it).
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert r"g_\theta" in texts
    arrows = [a for a in fig.artists if type(a).__name__ == "ConnectionPatch"]
    assert len(arrows) == 2 * 5


def test_rate_distortion_draws_the_models_and_lines_of_constant_elbo():
    rates, distortions = [54.5, 34.3, 15.2, 4.0], [132.9, 136.2, 147.9, 175.7]
    elbos = [-(r + d) for r, d in zip(rates, distortions, strict=True)][::2]  # through 2 points
    fig = plotting.rate_distortion(rates, distortions, ["a", "b", "c", "d"], elbos=elbos)
    ax = fig.axes[0]
    # The models: one solid line through the points, in order, each labelled.
    (models,) = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert np.allclose(models.get_xdata(), rates) and np.allclose(models.get_ydata(), distortions)
    assert [t.get_text() for t in ax.texts] == ["a", "b", "c", "d"]
    # One dashed line per ELBO: Delta + R = -ELBO at every point it is drawn through, a slope
    # of -1 that spans the plotted rates from R = 0, and the value in its legend entry.
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == len(elbos)
    for line, elbo in zip(dashed, elbos, strict=True):
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert np.allclose(x + y, -elbo)
        assert x.min() <= 0 and x.max() >= max(rates)
        assert line.get_label() == f"ELBO = {elbo:.1f}"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"ELBO = {e:.1f}" for e in elbos]
    # A model whose ELBO is drawn lies on its line: its point satisfies the line's equation.
    assert np.isclose(rates[0] + distortions[0], -elbos[0])
    # Equal scales, so the lines of slope -1 are drawn as diagonals.
    assert ax.get_aspect() == 1.0
    assert ax.get_xlim()[0] == 0 and ax.get_xlim()[1] > max(rates)
    assert ax.get_ylim()[0] < min(distortions) and ax.get_ylim()[1] > max(distortions)
    # Without elbos: no dashed line and no legend.
    plain = plotting.rate_distortion(rates, distortions).axes[0]
    assert not [line for line in plain.lines if line.get_linestyle() == "--"]
    assert plain.get_legend() is None and not plain.texts


def test_plotting_input_checks(digits):
    with pytest.raises(ValueError, match="latent_dim=2"):
        plotting.manifold(models.VAE(latent_dim=3))
    with pytest.raises(ValueError, match="y: a ConditionalVAE needs the class"):
        plotting.manifold(models.ConditionalVAE(latent_dim=2))
    with pytest.raises(ValueError, match=r"z must be \(N, d >= 2\)"):
        plotting.latent_scatter(torch.zeros(5, 1), torch.zeros(5))
    with pytest.raises(ValueError, match="images must have shape"):
        plotting.image_grid(torch.zeros(784))
    with pytest.raises(ValueError, match="train_loss"):
        plotting.training_curves({"loss": [1.0]})
    with pytest.raises(ValueError, match=r"d >= 2"):
        plotting.generative_process(torch.zeros(3, 1), digits.images[:3])
    with pytest.raises(ValueError, match="same number n of samples"):
        plotting.generative_process(torch.zeros(3, 2), digits.images[:4])
    with pytest.raises(ValueError, match="1 <= n <= 8"):
        plotting.generative_process(torch.zeros(9, 2), digits.images[:9])
    with pytest.raises(ValueError, match=r"rates and distortions must be two \(n,\)"):
        plotting.rate_distortion([1.0, 2.0], [3.0])
    with pytest.raises(ValueError, match="one string per model"):
        plotting.rate_distortion([1.0, 2.0], [3.0, 4.0], labels=["a"])
    with pytest.raises(ValueError, match="elbos must be finite"):
        plotting.rate_distortion([1.0], [3.0], elbos=[float("nan")])
