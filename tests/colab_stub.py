"""A stand-in for Colab's ``google.colab`` module, for tests of what the course does on Colab."""

from __future__ import annotations

import sys
import types


def fake_colab(monkeypatch) -> list[str]:
    """Make ``from google.colab import files`` work for this test; returns the list that
    ``files.download(path)`` appends each downloaded path to."""
    downloaded: list[str] = []
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(download=downloaded.append)
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    return downloaded
