"""Colab: the setup cell of every chapter and the GPU metadata, checked against _config.yml."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
import types

import pytest

from paths import book_config, chapters, read_notebook

CHAPTERS = chapters()


def setup_source(nb: dict) -> str:
    cell = nb["cells"][0]
    assert cell["cell_type"] == "code" and "colab-setup" in cell["metadata"].get("tags", [])
    return "".join(cell["source"])


def expected_requirement() -> str:
    repo = book_config()["repository"]
    return f"vae-course @ git+{repo['url'].rstrip('/')}@{repo['branch']}"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_setup_cell_does_nothing_when_the_package_is_installed(notebook, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    exec(compile(setup_source(read_notebook(notebook)), notebook.name, "exec"), {})
    assert calls == []


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_setup_cell_on_simulated_colab_installs_from_the_configured_repository(
    notebook, monkeypatch
):
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda cmd, **k: calls.append(list(cmd)))
    monkeypatch.setattr(subprocess, "run", lambda cmd, **k: calls.append(list(cmd)))
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    colab.__spec__ = importlib.util.spec_from_loader("google.colab", loader=None)
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        if name == "vae_course":
            return None  # the package is missing, as on a fresh Colab runtime
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    exec(compile(setup_source(read_notebook(notebook)), notebook.name, "exec"), {})

    assert len(calls) == 1, calls
    cmd = calls[0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"]
    assert cmd[-1] == expected_requirement()
    # Nothing that would reinstall or upgrade Colab's torch stack.
    assert not any(arg.startswith(("torch", "numpy", "matplotlib")) for arg in cmd)
    assert "-U" not in cmd and "--upgrade" not in cmd and "--force-reinstall" not in cmd
    constraints = cmd[cmd.index("-c") + 1]
    pinned = open(constraints).read().split()
    assert f"torch=={importlib.metadata.version('torch')}" in pinned


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_setup_cell_is_a_colab_form_with_a_title(notebook):
    """Colab shows a form cell as its one #@title line (the code stays one click away)."""
    cell = read_notebook(notebook)["cells"][0]
    assert cell["metadata"].get("cellView") == "form"
    assert cell["source"][0].startswith("#@title ")
    assert len(cell["source"]) <= 24, "the setup cell stays short"


def test_setup_cell_outside_colab_without_the_package_says_how_to_install(monkeypatch):
    nb = read_notebook(CHAPTERS[0])
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("vae_course", "google.colab") else real_find_spec(name),
    )
    with pytest.raises(ModuleNotFoundError, match="pip install"):
        exec(compile(setup_source(nb), "setup", "exec"), {})


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_gpu_chapters_ask_colab_for_a_gpu_and_say_how(notebook):
    nb = read_notebook(notebook)
    meta = nb["metadata"]
    wants_gpu = meta.get("vae_course", {}).get("gpu", False)
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if wants_gpu:
        assert meta.get("accelerator") == "GPU"
        assert meta["colab"].get("gpuType")
        assert "Change runtime type" in text, "GPU chapters tell the learner how to switch"
    else:
        assert "accelerator" not in meta


def test_package_homepage_is_the_repository_of_the_book():
    """The package metadata (read by the instructor tool's notebooks) names the same repository."""
    import re

    from paths import ROOT

    # tomllib is 3.11+; the course supports 3.10, so read the one line directly.
    text = (ROOT / "pyproject.toml").read_text()
    homepage = re.search(r'^Homepage = "([^"]+)"', text, re.M).group(1)
    assert homepage == book_config()["repository"]["url"]
