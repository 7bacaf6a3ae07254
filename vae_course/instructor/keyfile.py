"""The instructor-only key file of an assignment, and the answer-free questions students see.

Key file (JSON, ``format_version`` 1)::

    {"format": "vae-course-assignment-key", "format_version": 1,
     "notice": "INSTRUCTOR ONLY ...", "assignment": "quiz-06", "package_version": "0.1.0",
     "questions": [<Question.to_dict()>, ...],          # a snapshot of the bank, with answers
     "students": [{"student_id": "s001", "name": "...", "email": "...",
                   "questions": [{"id": "<question id>", "choices": ["<choice id>", ...]}]}]}

Students get :func:`presented` questions: stem, choice texts in their order, word banks and
points, and nothing else (no correct flags, feedback, explanations, accepted answers, numeric
answers or tolerances). Their ``content_hash`` (the hash recorded in their responses file) is
:meth:`Question.content_hash` of that answer-free question, so it reveals nothing that the page
does not show.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vae_course.quiz import BankError, Blank, Choice, Question, Tags
from vae_course.quiz.validate import parse_bank

from .roster import Student

FORMAT = "vae-course-assignment-key"
FORMAT_VERSION = 1
NOTICE = "INSTRUCTOR ONLY: this file holds the answers. Never hand it out."


class KeyFileError(ValueError):
    """A malformed key file; the message names the file and the field."""


@dataclass(frozen=True)
class Version:
    """One student's assignment: question ids in order, and each question's choice order."""

    student: Student
    question_ids: tuple[str, ...]
    choice_orders: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class AssignmentKey:
    assignment: str
    questions: dict[str, Question]  # the bank snapshot, in selection order
    versions: tuple[Version, ...]  # roster order

    def version(self, student_id: str) -> Version | None:
        for v in self.versions:
            if v.student.student_id == student_id:
                return v
        return None

    def questions_of(self, version: Version) -> list[Question]:
        """The student's questions, with answers, in their order and with their choice order."""
        return [
            ordered(self.questions[qid], version.choice_orders.get(qid, ()))
            for qid in version.question_ids
        ]


def ordered(question: Question, order: Sequence[str]) -> Question:
    """The question with its choices in ``order`` (choice ids); unchanged without choices."""
    if not question.choices:
        return question
    by_id = {c.id: c for c in question.choices}
    if sorted(order) != sorted(by_id):
        raise ValueError(f"question {question.id!r}: choice order {list(order)} != {list(by_id)}")
    return replace(question, choices=tuple(by_id[cid] for cid in order))


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


def question_from_dict(data: dict[str, Any], source: str) -> Question:
    """Rebuild a validated Question from :meth:`Question.to_dict` output."""
    data = dict(data)
    tags = {k: v for k, v in (data.get("tags") or {}).items() if v is not None}
    chapter = tags.get("chapter")
    if not isinstance(chapter, str):
        raise BankError("missing tags.chapter", file=source, question_id=data.get("id"))
    data["tags"] = tags
    if data.get("type") == "fill_blank":
        data["blanks"] = {
            name: {k: v for k, v in spec.items() if v is not None}
            for name, spec in (data.get("blanks") or {}).items()
        }
    bank = parse_bank({"chapter": chapter, "title": "key", "questions": [data]}, source)
    return bank.questions[0]


def key_document(key: AssignmentKey, package_version: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "notice": NOTICE,
        "assignment": key.assignment,
        "package_version": package_version,
        "questions": [q.to_dict() for q in key.questions.values()],
        "students": [
            {
                "student_id": v.student.student_id,
                "name": v.student.name,
                "email": v.student.email,
                "questions": [
                    {"id": qid, "choices": list(v.choice_orders.get(qid, ()))}
                    for qid in v.question_ids
                ],
            }
            for v in key.versions
        ],
    }


def dumps(document: Any) -> str:
    """Stable JSON text (same input, same bytes)."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def read_key(path: str | Path) -> AssignmentKey:
    """Read and check a key file; KeyFileError names the file and field of any problem."""
    path = Path(path)
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyFileError(f"{name}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{name}: not a JSON key file ({exc})") from None

    def fail(field: str, message: str) -> KeyFileError:
        return KeyFileError(f"{name}: field {field!r}: {message}")

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise fail("format", f"expected {FORMAT!r}, got {got!r}")
    if data.get("format_version") != FORMAT_VERSION:
        raise fail(
            "format_version", f"expected {FORMAT_VERSION}, got {data.get('format_version')!r}"
        )
    if not isinstance(data.get("assignment"), str):
        raise fail("assignment", "expected a string")
    questions: dict[str, Question] = {}
    for i, raw in enumerate(data.get("questions") or []):
        try:
            q = question_from_dict(raw, f"{path.name} questions[{i}]")
        except (BankError, TypeError, AttributeError) as exc:
            raise fail(f"questions[{i}]", str(exc)) from None
        questions[q.id] = q
    if not questions:
        raise fail("questions", "expected a non-empty list")
    versions = []
    for i, raw in enumerate(data.get("students") or []):
        where = f"students[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("student_id"), str):
            raise fail(where, "expected an object with a student_id string")
        ids, orders = [], {}
        for j, item in enumerate(raw.get("questions") or []):
            qid = item.get("id") if isinstance(item, dict) else None
            if qid not in questions:
                raise fail(f"{where}.questions[{j}].id", f"{qid!r} is not in 'questions'")
            ids.append(qid)
            if questions[qid].choices:
                try:
                    ordered(questions[qid], item.get("choices") or [])
                except ValueError as exc:
                    raise fail(f"{where}.questions[{j}].choices", str(exc)) from None
                orders[qid] = tuple(item["choices"])
        student = Student(raw["student_id"], str(raw.get("name", "")), str(raw.get("email", "")))
        versions.append(Version(student, tuple(ids), orders))
    if not versions:
        raise fail("students", "expected a non-empty list")
    return AssignmentKey(data["assignment"], questions, tuple(versions))
