"""The instructor tool is its own distribution and never loads a widget library; the learner's
package carries neither the tool nor its assessment bank."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_instructor_support import ROOT, _source_path, assign_class, make_handins

from vae_course_instructor.banks import read_assessment
from vae_course_instructor.keyfile import read_key

WIDGETS = ("ipywidgets", "IPython", "ipykernel", "traitlets", "comm")


def _modules_after(args: list[str], cwd) -> tuple[int, list[str]]:
    code = (
        "import json, sys\n"
        "from vae_course_instructor.cli import main\n"
        f"rc = main({args!r})\n"
        f"print(json.dumps([rc, sorted(m for m in sys.modules if m.split('.')[0] in {WIDGETS!r})]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": _source_path(), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("layout")
    handout, key_path, bank = assign_class(tmp)
    make_handins(read_key(key_path), handout, tmp / "handins")
    return tmp, bank


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["validate"],
        ["export", "--format", "moodle-xml", "--out", "e.xml", "--chapter", "06_sampling"],
        ["export", "--format", "canvas-qti", "--out", "e.zip", "--chapter", "04_elbo_assessment"],
        ["key", "instructor/key.json", "--out", "keys"],
        ["grade", "handins", "--key", "instructor/key.json", "--out", "g-{n}"],
        [
            "assign",
            "--roster",
            "roster.csv",
            "--name",
            "x",
            "--out",
            "h-{n}",
            "--key",
            "k-{n}/key.json",
            "--secret-file",
            "secret.txt",
            "--chapter",
            "06_sampling_assessment",
        ],
    ],
)
def test_no_command_imports_a_widget_library(classroom, args, request):
    tmp, _ = classroom
    n = request.node.callspec.id
    args = [a.replace("{n}", n) for a in args]
    rc, loaded = _modules_after(args, tmp)
    assert rc == 0
    assert loaded == [], f"vae-course {args[0]} imported {loaded}"


def test_the_learner_package_holds_no_instructor_code_or_assessment_bank():
    learner = ROOT / "vae_course"
    ids = [q.id for f in read_assessment() for q in f.questions]
    assert len(ids) >= 18
    for path in learner.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".json", ".js"):
            text = path.read_text(encoding="utf-8")
            assert "vae_course_instructor" not in text, path
            for qid in ids:
                assert qid not in text, (path, qid)
