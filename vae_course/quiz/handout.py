"""The student's side of a graded assignment, as data: what a handout embeds and hands back.

``vae-course assign`` (the separate ``vae-course-instructor`` distribution) writes one
notebook and one page per student. Both embed a *version document* (:func:`version_document`):
the student's answer-free questions (:func:`presented_dict`), in their order, and a per-student
``token`` (HMAC of the instructor's secret and the student id, see the instructor's
``identity`` module) that the saved responses carry back so that ``vae-course grade`` can tell
whose file it is. Nothing here holds or can compute an answer; the widgets that show a version
live in :mod:`vae_course.quiz.handout_widget`.
"""

from __future__ import annotations

from typing import Any

from .schema import Blank, Choice, Question, Tags

VERSION_FORMAT = "vae-course-assignment-version"
RESPONSES_MIME = "application/vnd.vae-course.responses+json"


def presented(question: Question) -> Question:
    """The answer-free question a student sees (choices keep the order they have)."""
    return Question(
        id=question.id,
        type=question.type,
        stem=question.stem,
        explanation="",
        tags=Tags(chapter=question.chapter),
        points=question.points,
        choices=tuple(Choice(id=c.id, text=c.text) for c in question.choices),
        blanks=tuple(
            Blank(name=b.name, answers=(), word_bank=b.word_bank) for b in question.blanks
        ),
    )


def presented_dict(question: Question) -> dict[str, Any]:
    """JSON of a presented question, for the student notebook and page (no answers)."""
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "chapter": question.chapter,
        "points": question.points,
        "stem": question.stem,
    }
    if question.choices:
        data["choices"] = [{"id": c.id, "text": c.text} for c in question.choices]
    if question.blanks:
        data["blanks"] = [
            {"name": b.name, "word_bank": None if b.word_bank is None else list(b.word_bank)}
            for b in question.blanks
        ]
    return data


def presented_from_dict(data: dict[str, Any]) -> Question:
    """Inverse of :func:`presented_dict`."""
    return Question(
        id=data["id"],
        type=data["type"],
        stem=data["stem"],
        explanation="",
        tags=Tags(chapter=data["chapter"]),
        points=data["points"],
        choices=tuple(Choice(id=c["id"], text=c["text"]) for c in data.get("choices", ())),
        blanks=tuple(
            Blank(
                name=b["name"],
                answers=(),
                word_bank=None if b["word_bank"] is None else tuple(b["word_bank"]),
            )
            for b in data.get("blanks", ())
        ),
    )


def version_document(
    assignment: str,
    title: str,
    student_id: str,
    name: str,
    questions: list[dict[str, Any]],
    token: str,
) -> dict[str, Any]:
    """What a student file embeds: ids, title, the identity token and answer-free questions."""
    return {
        "format": VERSION_FORMAT,
        "format_version": 1,
        "assignment": assignment,
        "title": title,
        "student_id": student_id,
        "name": name,
        "token": token,
        "questions": questions,
    }
