"""One code under test: however pytest is started, the tests and the subprocesses they start
import the working tree's vae_course and vae_course_instructor, never an installed copy (which
`make install` leaves in .venv, and which may be older than the tree). See tests/conftest.py.

The tests of what a learner's `pip install` gets build a wheel from the tree and run against it
alone (tests/notebooks/test_notebooks.py::test_wheel_is_what_the_kernel_imports checks that)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import vae_course
import vae_course_instructor

from paths import ROOT

PACKAGES = {
    "vae_course": ROOT / "vae_course" / "__init__.py",
    "vae_course_instructor": ROOT / "instructor" / "vae_course_instructor" / "__init__.py",
}
REPORT = "VAE_COURSE_REPORT_IMPORTS"  # set by the outer test: print what the inner one saw
PROBE = (
    "import json, vae_course, vae_course_instructor as i\n"
    "print(json.dumps([vae_course.__file__, i.__file__]))"
)


def _in_subprocess(cwd: Path) -> list[str]:
    """Both packages' files as a subprocess started the way the tests start theirs sees them: this
    interpreter, the test process's environment, a folder of its own."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_in_process_and_subprocess_import_the_working_tree(tmp_path):
    here = [vae_course.__file__, vae_course_instructor.__file__]
    there = _in_subprocess(tmp_path)
    if os.environ.get(REPORT):
        print(f"{REPORT}={json.dumps({'in_process': here, 'subprocess': there})}")
    for seen in (here, there):
        assert [Path(f).resolve() for f in seen] == list(PACKAGES.values()), seen


def _clean_env() -> dict[str, str]:
    """A contributor's shell: no PYTHONPATH, nothing left by this pytest."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PYTEST")}
    return {**env, REPORT: "1"}


def _starts(tmp_path: Path) -> dict[str, tuple[list[str], Path]]:
    """The ways a contributor starts pytest: the console script and the module, from the
    repository root and (with a path) from another folder."""
    target = f"{Path(__file__).resolve()}::test_in_process_and_subprocess_import_the_working_tree"
    script = Path(sys.executable).with_name("pytest")
    starts = {
        "python -m pytest, from the root": ([sys.executable, "-m", "pytest"], ROOT),
        "python -m pytest, from elsewhere": ([sys.executable, "-m", "pytest"], tmp_path),
    }
    if script.exists():  # the console script beside this interpreter (a venv's, as make's)
        starts["pytest, from the root"] = ([str(script)], ROOT)
        starts["pytest, from elsewhere"] = ([str(script)], tmp_path)
    return {
        name: ([*command, "-q", "-s", "-p", "no:randomly", target], cwd)
        for name, (command, cwd) in starts.items()
    }


@pytest.mark.slow  # four pytest sessions; make check's own start is the test above
@pytest.mark.parametrize(
    "start",
    [
        "python -m pytest, from the root",
        "python -m pytest, from elsewhere",
        "pytest, from the root",
        "pytest, from elsewhere",
    ],
)
def test_every_way_of_starting_pytest_tests_the_working_tree(tmp_path, start):
    starts = _starts(tmp_path)
    if start not in starts:
        pytest.skip(f"no pytest console script beside {sys.executable}")
    command, cwd = starts[start]
    result = subprocess.run(command, cwd=cwd, env=_clean_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = next(s for s in result.stdout.splitlines() if s.startswith(f"{REPORT}="))
    seen = json.loads(line.partition("=")[2])
    for where in ("in_process", "subprocess"):
        files = [Path(f).resolve() for f in seen[where]]
        assert files == list(PACKAGES.values()), (start, where, files)
