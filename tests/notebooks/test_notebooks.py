"""Every chapter runs with nbval the way Colab runs it: alone, against an installed wheel.

Each notebook is copied into an empty temporary folder and executed there by nbval, with the
course package coming from a wheel built from this repository and installed into an isolated
folder (never the repository itself), so a repository-relative path or a data file left out of
the wheel fails here. No network is available; the data fallback is what runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paths import ROOT, chapters


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory) -> Path:
    """A folder holding vae_course installed from a freshly built wheel."""
    work = tmp_path_factory.mktemp("wheel")
    dist, site = work / "dist", work / "site"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)],
        check=True,
    )
    wheels = list(dist.glob("vae_course-*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {dist}, found {wheels}"
    subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "--target", str(site), str(wheels[0])],
        check=True,
    )
    return site


def standalone_env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(site)
    env["VAE_COURSE_MODE"] = "quick"
    return env


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
def test_chapter_runs_standalone(notebook, installed_wheel, tmp_path, notebook_seconds):
    shutil.copy(notebook, tmp_path / notebook.name)
    start = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-cell-timeout=300",
            notebook.name,
        ],
        cwd=tmp_path,
        env=standalone_env(installed_wheel),
        capture_output=True,
        text=True,
    )
    notebook_seconds[notebook.name] = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    leftovers = {p.name for p in tmp_path.iterdir()} - {notebook.name}
    assert not leftovers, f"{notebook.name} wrote files next to itself: {sorted(leftovers)}"
