"""What the display objects publish in a kernel: a stand-in for a dead widget, then both views."""

from __future__ import annotations

import base64
import re
import sys
import types

import pytest
import torch

from vae_course import models
from vae_course.display import LatentExplorer, PriorSampler, bundle


def figures():
    torch.manual_seed(0)
    vae = models.VAE(hidden_dim=16, latent_dim=2)
    return [LatentExplorer.plane(vae, steps=3), PriorSampler(vae, rows=1, columns=2)]


@pytest.fixture
def published(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    return shown


@pytest.mark.parametrize("index", [0, 1])
def test_a_reopened_notebook_shows_a_note_not_an_error(published, index):
    figure = figures()[index]
    figure._ipython_display_()
    stand_in, views = published
    encoded = re.search(r'data-view="([^"]+)"', stand_in["text/html"]).group(1)
    assert base64.b64decode(encoded).decode() == bundle.RERUN_NOTE
    assert "<script>" in stand_in["text/html"]
    assert bundle.WIDGET_VIEW in views and "text/html" in views


def test_on_colab_only_the_views_are_published(published, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    figures()[1]._ipython_display_()
    assert len(published) == 1 and bundle.WIDGET_VIEW in published[0]


@pytest.mark.parametrize("index", [0, 1])
def test_static_view_says_how_to_use_it_where_its_script_cannot_run(index):
    html = figures()[index].to_html("f")
    note = re.search(r'<p class="vae-\w+-note" id="f-note">([^<]*)</p>', html).group(1)
    # "this cell" alone fails in a fresh kernel: the cells above it define what it uses
    assert note.startswith("Run the notebook from the top to")
