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


# A T4 has 16 GB (15 GiB usable). The kernel's peak resident memory on the CPU stands in for
# the GPU memory a chapter needs: the same tensors, plus torch's libraries (about 1 GiB, not on
# the GPU), minus the CUDA context and the caching allocator's slack (not here). 12 GiB leaves
# 3 GiB for those. The full run measures it at the sizes of the data at hand.
T4_BUDGET_BYTES = 12 * 2**30


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_chapter_memory_fits_a_t4(notebook, executed_chapters):
    run = executed_chapters[notebook.stem]
    assert run.peak_bytes is not None, f"{notebook.name}: the kernel reported no peak memory"
    peak_gib = run.peak_bytes / 2**30
    assert run.peak_bytes < T4_BUDGET_BYTES, f"{notebook.name}: peak {peak_gib:.1f} GiB"
