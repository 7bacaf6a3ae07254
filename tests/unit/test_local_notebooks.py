"""What a learner gets who works through the course on their own machine.

Chapter 0 and the README give one command that opens the chapters in JupyterLab. It must open
the notebooks written for Jupyter (scripts/make_colab.py: plain Markdown, solutions collapsed,
citations as text), not the book's MyST sources, which Jupyter shows as raw markup (boxes as
code blocks, solutions open, citations as roles). And a chapter cell must not depend on a
name that IPython binds in every fresh kernel: rerun after a restart without the imports above
it, `display.PriorSampler(...)` called IPython's display function instead of the course's
module (`'function' object has no attribute 'PriorSampler'`).
"""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest

from paths import BOOK, ROOT, book_config, chapters, read_notebook

# Python's own builtins, read before IPython could add to them (a shell adds for good).
PYTHON_BUILTINS = set(dir(builtins))
COMMAND = re.compile(r"jupyter lab (?P<folder>[\w./-]+?)/?`")
# MyST that Jupyter does not render: directive fences, roles, targets.
MYST = re.compile(r"^\s*(`{3,}|:{3,})\s*\{[a-z][\w:-]*\}|\{[a-z][\w:-]*\}`|^\([\w-]+\)=\s*$", re.M)


def markdown(notebook: dict) -> str:
    return "\n".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )


def commands() -> dict[str, list[str]]:
    """The folders that chapter 0 and the README tell learners to open with JupyterLab."""
    chapter0 = markdown(read_notebook(BOOK / "00_how_to_use.ipynb"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return {
        name: [m["folder"] for m in COMMAND.finditer(text)]
        for name, text in (("chapter 0", chapter0), ("README.md", readme))
    }


def test_the_local_command_opens_the_jupyter_notebooks():
    folders = commands()
    assert folders["chapter 0"], "chapter 0 gives the command that opens the chapters"
    assert folders["README.md"], "the README gives it too"
    named = {f for found in folders.values() for f in found}
    assert named == {book_config()["launch_buttons"]["colab_folder"]}, folders


def test_the_folder_it_opens_holds_every_chapter_without_myst():
    (folder,) = {f for found in commands().values() for f in found}
    for chapter in chapters():
        notebook = read_notebook(ROOT / folder / chapter.name)
        text = markdown(notebook)
        left = [m.group(0) for m in MYST.finditer(text)]
        assert left == [], f"{folder}/{chapter.name}: MyST markup {left[:3]}"
        if "{solution" in markdown(read_notebook(chapter)):
            assert "<details>" in text, f"{folder}/{chapter.name}: solutions collapsed"


def test_the_book_sources_would_not_do():
    """The check above is not vacuous: the MyST sources fail it."""
    found = [c.name for c in chapters() if MYST.search(markdown(read_notebook(c)))]
    assert len(found) >= len(chapters()) // 2, found


def ipython_names() -> set[str]:
    """Names a fresh IPython kernel binds before any cell runs, beyond Python's own builtins:
    the ones it adds to builtins (display, get_ipython) and its user namespace (In, Out, exit,
    quit, open, ...)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()  # adds display to builtins for good
    with shell.builtin_trap:
        added = set(dir(builtins)) - PYTHON_BUILTINS
    return {n for n in added | set(shell.user_ns) if not n.startswith("_")}


def bound_names(source: str) -> set[str]:
    """Names bound at the top level of a cell by import, assignment, def or class."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    names = set()
    for node in ast.parse("\n".join(lines)).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def test_no_name_clash_check_is_blind():
    assert {"display", "get_ipython"} <= ipython_names()
    assert "display" in bound_names("from vae_course import data, display")


@pytest.mark.parametrize("chapter", chapters(), ids=lambda p: p.stem)
def test_chapters_bind_no_name_that_ipython_binds(chapter: Path):
    reserved = ipython_names()
    clashes = {
        (cell.get("id"), name)
        for cell in read_notebook(chapter)["cells"]
        if cell["cell_type"] == "code"
        for name in bound_names("".join(cell["source"])) & reserved
    }
    assert clashes == set(), f"{chapter.name} rebinds IPython's names: {sorted(clashes)}"
