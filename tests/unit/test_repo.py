"""Repository-level checks: notebooks stored clean, in sync, listed, and shaped like chapters."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from paths import BOOK, ROOT, chapters, read_notebook, toc_files

CHAPTERS = chapters()


def test_there_are_chapters():
    assert CHAPTERS, "book/ holds no NN_topic.ipynb chapter"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_has_no_stored_outputs(notebook):
    nb = read_notebook(notebook)
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{notebook.name}: cells {dirty} store outputs or execution counts"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_code_lines_fit_the_books_code_column(notebook):
    """Code cells at most 80 columns (STYLE.md): longer lines scroll sideways in the book. The
    Colab setup cell is a Colab form, hidden in the book, and exempt."""
    long = [
        f"cell {i}: {line}"
        for i, cell in enumerate(read_notebook(notebook)["cells"])
        if cell["cell_type"] == "code" and "colab-setup" not in cell["metadata"].get("tags", [])
        for line in "".join(cell["source"]).splitlines()
        if len(line) > 80
    ]
    assert not long, f"{notebook.name}: lines over 80 columns:\n" + "\n".join(long)


def test_notebooks_are_in_sync_with_config():
    """Setup cell, kernelspec and GPU metadata match _config.yml (scripts/sync_notebooks.py)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_notebooks.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_toc_lists_every_chapter_once_in_order():
    listed = [f for f in toc_files() if re.fullmatch(r"book/\d\d_\w+", f)]
    on_disk = [f"book/{p.stem}" for p in CHAPTERS]
    assert listed == on_disk
    for entry in toc_files():
        assert list(ROOT.glob(entry + ".*")), f"_toc.yml names {entry}, which does not exist"


def markdown(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def code(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_the_course_elements(notebook):
    nb = read_notebook(notebook)
    text, source = markdown(nb), code(nb)
    number = int(notebook.stem[:2])
    first_md = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "".join(first_md["source"]).startswith(f"# {number}. "), "title must be '# N. Title'"
    assert re.search(r"learning objectives", text, re.I), "no learning objectives"
    assert len(re.findall(r"\{admonition\}\s*Common misconception", text)) == 1, (
        "exactly one 'Common misconception' admonition"
    )
    assert "{dropdown}" in text, "no FAQ dropdown"
    exercises = re.findall(r"\{exercise\}", text)
    solutions = re.findall(r"\{solution(?:-start)?\}", text)
    assert len(exercises) >= 2 and len(solutions) >= len(exercises), (
        "need >= 2 exercises + solutions"
    )
    assert "from vae_course import" in source or "import vae_course" in source
    assert f'quiz.show("{notebook.stem}")' in source, "the chapter's quiz is not shown"
    assert "runtime.seed_everything(" in source, "chapters are seeded through vae_course.runtime"
    for forbidden in ("sys.path", "/work/", "/home/", "C:\\"):
        assert forbidden not in source, f"{forbidden!r} in a code cell"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_quiz_bank_has_three_questions_of_two_types(notebook):
    bank = BOOK.parent / "vae_course" / "quiz" / "bank" / f"{notebook.stem}.yaml"
    assert bank.exists(), f"no question bank {bank.name}"
    questions = yaml.safe_load(bank.read_text(encoding="utf-8"))["questions"]
    assert len(questions) >= 3
    assert len({q["type"] for q in questions}) >= 2


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_exercise_labels_are_unique_across_the_book(notebook):
    labels = []
    for other in CHAPTERS:
        labels += re.findall(r":label:\s*(\S+)", markdown(read_notebook(other)))
    mine = re.findall(r":label:\s*(\S+)", markdown(read_notebook(notebook)))
    assert all(labels.count(label) == 1 for label in mine), mine
