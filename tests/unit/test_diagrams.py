"""The VAE's architecture diagram: its numbers are the model's."""

from __future__ import annotations

import pytest
from torch import nn

from vae_course import diagrams, models


@pytest.mark.parametrize("sizes", [(784, 400, 20), (784, 256, 2), (64, 32, 8)])
def test_the_parameter_count_is_torchs(sizes):
    D, hidden, d = sizes
    layers = [nn.Linear(D, hidden), nn.Linear(hidden, d), nn.Linear(hidden, d)]
    layers += [nn.Linear(d, hidden), nn.Linear(hidden, D)]
    counted = sum(p.numel() for layer in layers for p in layer.parameters())
    assert diagrams.mlp_vae_parameters(D, hidden, d) == counted


def test_the_package_vae_has_the_counted_parameters():
    vae = models.VAE(hidden_dim=400, latent_dim=20)
    assert sum(p.numel() for p in vae.parameters()) == diagrams.mlp_vae_parameters(784, 400, 20)


def test_the_figure_shows_each_maps_count_and_the_total():
    fig = diagrams.vae_architecture(784, 400, 20)
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.texts]
    maps = [(784, 400), (400, 20), (400, 20), (20, 400), (400, 784)]
    counts = [f"{i * o + o:,}" for i, o in maps]
    assert sorted(t for t in shown if t in counts) == sorted(counts)
    assert f"{sum(i * o + o for i, o in maps):,} in all" in ax.get_title()
    assert any("784" in t and "$x$" in t for t in shown)
    dashed = [p for p in ax.patches if p.get_linestyle() == "--"]
    assert len(dashed) == 1  # the noise, which has no parameters


@pytest.mark.parametrize("bad", [{"D": 0}, {"hidden": 2.5}, {"d": True}])
def test_bad_widths_are_named(bad):
    sizes = {"D": 784, "hidden": 400, "d": 20, **bad}
    name = next(iter(bad))
    with pytest.raises(ValueError, match=rf"^{name} must be a positive int"):
        diagrams.vae_architecture(**sizes)
