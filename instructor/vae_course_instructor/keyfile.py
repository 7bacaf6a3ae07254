"""The instructor-only key file of an assignment, and the answer-free questions students see.

Key file (JSON, ``format_version`` 1)::

    {"format": "vae-course-assignment-key", "format_version": 1,
     "notice": "INSTRUCTOR ONLY ...", "assignment": "quiz-06", "package_version": "0.1.0",
     "questions": [<Question.to_dict()>, ...],          # a snapshot of the bank, with answers
     "students": [{"student_id": "s001", "name": "...", "email": "...",
                   "questions": [{"id": "<question id>", "choices": ["<choice id>", ...]}]}]}

Each student entry also records their identity ``token`` and, for calculated questions,
their parameter ``values`` (``{"id": ..., "values": {"mu": 0.3}}``): with them the key gives
every student's own numeric question (:meth:`AssignmentKey.questions_of`).

Students get :func:`~vae_course.quiz.handout.presented` questions: stem, choice texts in their
order, word banks and points, and nothing else (no correct flags, feedback, explanations,
accepted answers, numeric answers, tolerances or formulas).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vae_course.quiz.handout import presented, presented_dict, presented_from_dict
from vae_course.quiz.schema import BankError, Blank, Question
from vae_course.quiz.shuffle import display_key, shuffled
from vae_course.quiz.validate import parse_bank

from .calculated import TYPE as CALCULATED
from .calculated import Calculated, instantiate, parse_calculated
from .roster import Student

__all__ = [
    "AssignmentKey",
    "KeyFileError",
    "Version",
    "presented",
    "presented_dict",
    "presented_from_dict",
    "read_key",
]

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
    values: dict[str, dict[str, float]] = field(default_factory=dict)  # calculated questions
    token: str = ""


@dataclass(frozen=True)
class AssignmentKey:
    assignment: str
    questions: dict[str, Question]  # the bank snapshot, in selection order
    versions: tuple[Version, ...]  # roster order

    def version(self, student_id: str) -> Version | None:
        if not hasattr(self, "_by_id"):  # built once: lookups stay O(1) for big classes
            object.__setattr__(self, "_by_id", {v.student.student_id: v for v in self.versions})
        return self._by_id.get(student_id)  # type: ignore[attr-defined]

    def questions_of(self, version: Version) -> list[Question]:
        """The student's questions, with answers, in their order and with their choice order
        (a calculated question becomes the numeric question of the student's values)."""
        cache = self.__dict__.setdefault("_questions_of", {})
        sid = version.student.student_id
        if sid in cache and cache[sid][0] is version:
            return list(cache[sid][1])
        out = []
        for qid in version.question_ids:
            q = self.questions[qid]
            if isinstance(q, Calculated):
                out.append(instantiate(q, version.values[qid]))
            else:
                out.append(ordered(q, version.choice_orders.get(qid, ())))
        cache[sid] = (version, tuple(out))
        return out


def shown(question: Question, token: str) -> Question:
    """The question with the student's own word-bank orders (keyed by their identity token,
    which only the key and the student's handout hold); unchanged without word banks."""
    if not any(b.word_bank for b in question.blanks):
        return question
    blanks = tuple(
        b
        if b.word_bank is None
        else Blank(
            b.name,
            b.answers,
            tuple(shuffled(b.word_bank, display_key(question.id, f"blank:{b.name}", token))),
        )
        for b in question.blanks
    )
    return replace(question, blanks=blanks)


def ordered(question: Question, order: Sequence[str]) -> Question:
    """The question with its choices in ``order`` (choice ids); unchanged without choices."""
    if not question.choices:
        return question
    by_id = {c.id: c for c in question.choices}
    if sorted(order) != sorted(by_id):
        raise ValueError(f"question {question.id!r}: choice order {list(order)} != {list(by_id)}")
    return replace(question, choices=tuple(by_id[cid] for cid in order))


def question_from_dict(data: dict[str, Any], source: str) -> Question:
    """Rebuild a validated Question from :meth:`Question.to_dict` output."""
    if not isinstance(data, dict):
        raise BankError("expected an object", file=source)
    data = dict(data)
    qid = data.get("id") if isinstance(data.get("id"), str) else None
    tags = {} if data.get("tags") is None else data["tags"]
    if not isinstance(tags, dict):
        raise BankError("expected an object", file=source, question_id=qid, field="tags")
    # to_dict writes the tags it has not got as null; the bank's validator wants them left out
    tags = {k: v for k, v in tags.items() if v is not None}
    data["tags"] = tags
    chapter = tags.get("chapter")
    if data.get("type") == CALCULATED:
        return parse_calculated(data, chapter, source)
    if not isinstance(chapter, str):
        raise BankError("missing tags.chapter", file=source, question_id=qid)
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
                "token": v.token,
                "questions": [_entry(v, qid) for qid in v.question_ids],
            }
            for v in key.versions
        ],
    }


def _entry(version: Version, qid: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": qid, "choices": list(version.choice_orders.get(qid, ()))}
    if qid in version.values:
        entry["values"] = dict(version.values[qid])
    return entry


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
    except (ValueError, RecursionError) as exc:
        raise KeyFileError(f"{name}: not a JSON key file ({str(exc)[:200]})") from None

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
        except (BankError, TypeError, AttributeError, ValueError) as exc:
            raise fail(f"questions[{i}]", str(exc)[:300]) from None
        questions[q.id] = q
    if not questions:
        raise fail("questions", "expected a non-empty list")
    versions = []
    for i, raw in enumerate(data.get("students") or []):
        where = f"students[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("student_id"), str):
            raise fail(where, "expected an object with a student_id string")
        ids, orders, values = [], {}, {}
        for j, item in enumerate(raw.get("questions") or []):
            qid = item.get("id") if isinstance(item, dict) else None
            if not isinstance(qid, str) or qid not in questions:
                raise fail(f"{where}.questions[{j}].id", f"{str(qid)[:80]!r} is not in 'questions'")
            ids.append(qid)
            if isinstance(questions[qid], Calculated):
                given = item.get("values")
                names = {p.name for p in questions[qid].parameters}
                if (
                    not isinstance(given, dict)
                    or set(given) != names
                    or not all(
                        isinstance(x, int | float) and not isinstance(x, bool)
                        for x in given.values()
                    )
                ):
                    raise fail(f"{where}.questions[{j}].values", f"expected numbers for {names}")
                values[qid] = {k: float(x) for k, x in given.items()}
            if questions[qid].choices:
                try:
                    ordered(questions[qid], item.get("choices") or [])
                except ValueError as exc:
                    raise fail(f"{where}.questions[{j}].choices", str(exc)) from None
                orders[qid] = tuple(item["choices"])
        student = Student(raw["student_id"], str(raw.get("name", "")), str(raw.get("email", "")))
        token = raw.get("token", "")
        if not isinstance(token, str):
            raise fail(f"{where}.token", "expected a string")
        versions.append(Version(student, tuple(ids), orders, values, token))
    if not versions:
        raise fail("students", "expected a non-empty list")
    return AssignmentKey(data["assignment"], questions, tuple(versions))
