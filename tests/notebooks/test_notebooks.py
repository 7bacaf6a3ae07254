"""Every chapter runs with nbval the way Colab runs it: alone, against an installed wheel.

Each notebook is copied into an empty temporary folder and executed there by nbval, with the
course package coming from a wheel built from this repository and installed into an isolated
folder (never the repository itself), so a repository-relative path or a data file left out of
the wheel fails here. No network is available; the data fallback is what runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paths import ROOT, chapters
from standalone import standalone_env


def test_wheel_is_what_the_kernel_imports(installed_wheel, tmp_path):
    """The standalone runs below really use the wheel, not the repository."""
    out = subprocess.run(
        [sys.executable, "-c", "import vae_course; print(vae_course.__file__)"],
        cwd=tmp_path,
        env=standalone_env(installed_wheel),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(out).is_relative_to(installed_wheel), out
    assert not Path(out).is_relative_to(ROOT), out


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_chapter_runs_standalone(notebook, executed_chapters):
    run = executed_chapters[notebook.stem]
    assert run.returncode == 0, run.log
    assert run.executed.exists(), f"nbval wrote no executed copy of {notebook.name}"
    assert not run.leftovers, f"{notebook.name} wrote files next to itself: {run.leftovers}"
