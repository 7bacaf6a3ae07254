"""The student's notebook of an assignment (nbformat 4.5 JSON, written without nbformat).

Cells: instructions, a setup cell (installs vae_course on Colab when it is missing), the quiz
(:class:`vae_course.quiz.handout_widget.AssignmentQuiz` built from the embedded answer-free
version, which carries the student's identity token), and the save cell that writes
``responses-<student id>.json``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from vae_course import colab
from vae_course.quiz.handout import version_document

QUIZ = '''\
from vae_course.quiz.handout_widget import AssignmentQuiz

quiz = AssignmentQuiz.from_json(r"""
{payload}
""")
quiz'''


def _cell(kind: str, source: str, key: str, metadata: dict | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": kind,
        # Cell ids from the content, so the same assignment gives the same bytes.
        "id": hashlib.sha256(key.encode("utf-8")).hexdigest()[:12],
        "metadata": metadata or {},
        "source": source.splitlines(keepends=True),
    }
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


def student_notebook(
    *,
    assignment: str,
    title: str,
    student_id: str,
    name: str,
    questions: list[dict[str, Any]],
    requirement: str,
    token: str,
) -> str:
    """The notebook JSON text; ``questions`` are presented_dict()s in the student's order."""
    version = version_document(assignment, title, student_id, name, questions, token)
    payload = json.dumps(version, indent=1, ensure_ascii=False)
    if '"""' in payload:  # JSON escapes every quote, so this cannot happen; guard the raw string
        raise ValueError("payload: unexpected triple quote")
    file_name = f"responses-{student_id}.json"
    intro = (
        f"# {title}\n\n"
        f"**{name}** ({student_id})\n\n"
        "Run the cells from the top, answer every question in the quiz below, then run the "
        f"last cell: it saves your answers to `{file_name}`. Hand in that file (or this "
        "notebook after running the last cell).\n\n"
        "Nothing here checks your answers: your instructor grades the saved file."
    )
    save = (
        "When you are done, run this cell. Run it again after changing an answer: "
        "the file is overwritten with your latest answers."
    )
    cells = [
        _cell("markdown", intro, f"{assignment}/{student_id}/intro"),
        _cell(
            "code",
            colab.setup_source(requirement),
            f"{assignment}/{student_id}/setup",
            {"cellView": "form"},  # Colab shows the setup cell as one titled line
        ),
        _cell("code", QUIZ.format(payload=payload), f"{assignment}/{student_id}/quiz"),
        _cell("markdown", save, f"{assignment}/{student_id}/save-text"),
        _cell(
            "code",
            f'saved = quiz.save_responses("{file_name}", student_id="{student_id}")',
            f"{assignment}/{student_id}/save",
        ),
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "colab": {"provenance": []},
            "vae_course": {"assignment": assignment, "student_id": student_id},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
