"""Colab: the setup cell of every chapter and the GPU metadata, checked against _config.yml."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import types
from pathlib import Path

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


# -- Colab's environment: ipywidgets 7.7.1 and the preinstalled torch stack -------------------

# Versions on Colab's runtime when this was written (ipywidgets has been pinned to 7.7.1 for
# years). The wheel's lower bounds must admit them, so pip never touches them there.
COLAB_PINS = {
    "torch": "2.8.0",
    "torchvision": "0.23.0",
    "numpy": "2.0.2",
    "matplotlib": "3.10.0",
    "ipywidgets": "7.7.1",
}
KEPT = ("torch", "torchvision", "numpy", "matplotlib")


@pytest.fixture(scope="module")
def ipywidgets7(tmp_path_factory) -> Path:
    """A folder holding ipywidgets 7.7.1 (and its ipython_genutils), to put first on sys.path."""
    folder = tmp_path_factory.mktemp("ipywidgets7")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
    result = subprocess.run(
        [*pip, str(folder), "ipywidgets==7.7.1", "ipython_genutils==0.2.0"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"ipywidgets 7.7.1 could not be installed: {result.stderr[-300:]}")
    return folder


def _wheel(installed_wheel) -> Path:
    (wheel,) = (installed_wheel.parent / "dist").glob("vae_course-*.whl")
    return wheel


def test_wheel_requirements_admit_colabs_versions(installed_wheel):
    import zipfile

    from packaging.requirements import Requirement

    with zipfile.ZipFile(_wheel(installed_wheel)) as wheel:
        (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        lines = wheel.read(metadata).decode().splitlines()
    requires = [
        Requirement(line.split(":", 1)[1]) for line in lines if line.startswith("Requires-Dist:")
    ]
    by_name = {r.name.lower(): r for r in requires if not r.marker}
    for name, version in COLAB_PINS.items():
        assert name in by_name, f"vae-course does not declare {name}"
        assert by_name[name].specifier.contains(version), (name, str(by_name[name].specifier))


def test_installing_the_wheel_changes_none_of_colabs_pins(installed_wheel, tmp_path):
    """pip --dry-run with the torch stack and ipywidgets pinned at their installed versions, as
    the setup cell pins Colab's: pip would install vae-course and nothing else.

    The environment is this one (ipywidgets 8): emulating Colab's whole front-end stack around
    ipywidgets 7.7.1 (notebook 6.5, jupyter-client 7) cannot share a venv with JupyterLab 4.
    test_wheel_requirements_admit_colabs_versions checks the bounds against Colab's versions and
    test_quiz_and_explorer_in_an_ipywidgets_7_kernel runs the code on ipywidgets 7.7.1."""
    names = (*KEPT, "ipywidgets")
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in names]
    constraints = tmp_path / "colab-constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-index"]
    command += ["-c", str(constraints), "--report", str(report), str(_wheel(installed_wheel))]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    installs = [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]]
    # (vae-course itself may already be installed here, then pip installs nothing at all)
    assert set(installs) <= {"vae-course"}, installs


KERNEL_CHECK = """\
import ipywidgets
assert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__
from vae_course import display as course_display, models, quiz

q = quiz.show("06_sampling")
bundle = q._repr_mimebundle_()
view = bundle["application/vnd.jupyter.widget-view+json"]
assert view["model_id"] and view["version_major"] == 2, view
assert "Run the notebook from the top" in bundle["text/html"]
question = next(v for v in q.live.views.values() if v.question.type == "single")
right = next(i for i, c in enumerate(question.controls.shown_choices) if c.correct)
question.controls.choice_boxes[right].value = True
question.button.click()
print("attempts", [a.correct for a in q.responses.attempts])

explorer = course_display.LatentExplorer.plane(models.VAE(latent_dim=2, hidden_dim=32))
bundle = explorer._repr_mimebundle_()
assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
assert "text/html" in bundle


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


parts = list(walk(explorer.widget))
images = [w for w in parts if isinstance(w, ipywidgets.Image)]
slider = next(w for w in parts if isinstance(w, ipywidgets.FloatSlider))
before = [bytes(w.value) for w in images]
slider.value = slider.max
print("redrawn", [bytes(w.value) for w in images] != before)
"""


def test_quiz_and_explorer_in_an_ipywidgets_7_kernel(installed_wheel, ipywidgets7):
    """Colab's ipywidgets 7.7.1 in a real kernel: both objects give a widget view and their
    HTML view, a Check button records an attempt, a slider redraws the image."""
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "PYTHONPATH": f"{ipywidgets7}{os.pathsep}{installed_wheel}"}
    env["MPLBACKEND"] = "Agg"
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    printed, errors = [], []

    def hook(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            errors.append("\n".join(msg["content"]["traceback"]))

    try:
        reply = client.execute_interactive(KERNEL_CHECK, output_hook=hook, timeout=180)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok", "\n".join(errors)[-3000:]
    text = "".join(printed)
    assert "attempts [True]" in text and "redrawn True" in text, text
