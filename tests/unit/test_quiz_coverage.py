"""The course's question bank against its chapters: every learning objective a chapter lists is
tested by at least one of its items, no item names an objective the chapter does not have, and at
most a quarter of a chapter's items only ask to recall a fact (``tags.demand: recall``).

The objectives are read from each chapter notebook's first markdown cell, the bullet list after
**Learning objectives.**; an item's ``tags.objectives`` are 1-based positions in that list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vae_course.quiz import bank
from vae_course.quiz.validate import parse_bank

BOOK = Path(__file__).resolve().parents[2] / "book"
MAX_RECALL_SHARE = 0.25
_BULLET = re.compile(r"^[-*] ")


def learning_objectives(markdown: str) -> list[str]:
    """The bullets of the list that follows 'Learning objectives' (continuation lines joined)."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if "Learning objectives" in line), None)
    if start is None:
        return []
    bullets: list[str] = []
    for line in lines[start + 1 :]:
        if _BULLET.match(line):
            bullets.append(line[2:].strip())
        elif bullets and line.startswith(" ") and line.strip():
            bullets[-1] += " " + line.strip()
        elif bullets or line.strip():
            break
    return bullets


def chapter_objectives(chapter: str) -> list[str]:
    notebook = json.loads((BOOK / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    return learning_objectives("".join(first["source"]))


def course_questions(chapter: str):
    path = bank.bank_dir() / f"{chapter}.yaml"
    data = bank.load_yaml(path.read_text(encoding="utf-8"), path.name)
    # The course's own bank names objectives and demand on every item.
    return parse_bank(data, path.name, chapter=chapter, require_tags=True).questions


def test_learning_objectives_are_read_as_whole_bullets():
    text = (
        "# 1. Title\n\nIntro.\n\n**Learning objectives.** After this chapter you can\n\n"
        "- define an autoencoder by its encoder\n  and decoder;\n- train one;\n\nAfter.\n- no\n"
    )
    assert learning_objectives(text) == [
        "define an autoencoder by its encoder and decoder;",
        "train one;",
    ]
    assert learning_objectives("# No objectives here\n- a bullet\n") == []


@pytest.mark.parametrize("chapter", bank.chapters())
def test_chapter_bank_covers_its_objectives_with_little_recall(chapter):
    objectives = chapter_objectives(chapter)
    assert objectives, f"book/{chapter}.ipynb: no 'Learning objectives' list in its first cell"
    questions = course_questions(chapter)
    problems = []
    for q in questions:
        unknown = [n for n in q.tags.objectives if n > len(objectives)]
        if unknown:
            problems.append(
                f"{q.id}: objectives {unknown} do not exist (the chapter lists {len(objectives)})"
            )
    tested = {n for q in questions for n in q.tags.objectives}
    for n, text in enumerate(objectives, start=1):
        if n not in tested:
            problems.append(f"objective {n} has no item: {text[:70]}")
    recall = [q.id for q in questions if q.tags.demand == "recall"]
    if len(recall) > MAX_RECALL_SHARE * len(questions):
        problems.append(
            f"{len(recall)} of {len(questions)} items only recall (at most "
            f"{MAX_RECALL_SHARE:.0%}): {', '.join(recall)}"
        )
    assert not problems, f"{chapter}:\n" + "\n".join(problems)
