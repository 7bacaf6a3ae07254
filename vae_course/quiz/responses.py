"""Recorded attempts and the responses file the learner hands in.

File format (JSON, ``format_version`` 1)::

    {
      "format": "vae-course-responses",
      "format_version": 1,
      "package_version": "0.1.0",
      "student_id": "ada" | null,
      "saved_at": "2026-01-31T12:00:00+00:00",
      "questions": {"<id>": {"chapter": "06_sampling", "points": 1,
                             "content_hash": "sha256:<hex>"}},
      "attempts": [{"question_id": "<id>", "answer": <see checking.py>, "correct": true,
                    "points": 1, "time": "2026-01-31T11:59:00+00:00"}]
    }

``content_hash`` is :meth:`Question.content_hash`, so a grader can tell whether the bank it
grades against is the one the learner saw.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .checking import Outcome
from .schema import Question

FORMAT = "vae-course-responses"
FORMAT_VERSION = 1


class ResponsesError(ValueError):
    """A malformed responses file; the message names the file and the field."""


@dataclass(frozen=True)
class Attempt:
    """One press of a Check button. time: ISO 8601 with UTC offset."""

    question_id: str
    answer: Any
    correct: bool
    points: float
    time: str


@dataclass
class Responses:
    """The attempts of one quiz, in order, and the questions they belong to."""

    questions: dict[str, Question] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)

    def record(self, question: Question, outcome: Outcome, time: datetime | None = None) -> Attempt:
        when = (time or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        attempt = Attempt(question.id, outcome.answer, outcome.correct, outcome.points, when)
        self.questions[question.id] = question
        self.attempts.append(attempt)
        return attempt

    def latest(self, question_id: str) -> Attempt | None:
        for attempt in reversed(self.attempts):
            if attempt.question_id == question_id:
                return attempt
        return None


@dataclass(frozen=True)
class SavedResponses:
    """A responses file read back by :func:`load_responses`."""

    package_version: str
    student_id: str | None
    saved_at: str
    questions: dict[str, dict[str, Any]]
    attempts: list[Attempt]
    format_version: int = FORMAT_VERSION


def _package_version() -> str:
    from .. import __version__

    return __version__


def responses_document(
    questions: Iterable[Question], attempts: Iterable[Attempt], student_id: str | None = None
) -> dict[str, Any]:
    """The JSON document of a responses file (see the module docstring)."""
    if student_id is not None and not isinstance(student_id, str):
        raise TypeError(f"student_id must be a string or None, got {type(student_id).__name__}")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": _package_version(),
        "student_id": student_id,
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "questions": {
            q.id: {"chapter": q.chapter, "points": q.points, "content_hash": q.content_hash()}
            for q in questions
        },
        "attempts": [asdict(a) for a in attempts],
    }


def write_json_atomic(path: str | Path, document: dict[str, Any]) -> Path:
    """Write JSON to a temporary file beside ``path`` and move it into place in one step."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path is a directory, expected a file name: {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# A quiz of a few dozen questions with many retries stays far below this.
MAX_BYTES = 1024 * 1024


def load_responses(path: str | Path) -> SavedResponses:
    """Read a responses file; ResponsesError names the file and the field of any problem."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ResponsesError(f"{name}: {size} bytes; a responses file is at most {MAX_BYTES}")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResponsesError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResponsesError(f"{name}: not valid JSON ({exc})") from None
    except RecursionError:
        raise ResponsesError(f"{name}: not a responses file (JSON nested too deeply)") from None

    def fail(field_name: str, message: str) -> ResponsesError:
        return ResponsesError(f"{name}: field {field_name!r}: {message}")

    if not isinstance(data, dict):
        raise ResponsesError(f"{name}: expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise fail("format", f"expected {FORMAT!r}, got {data.get('format')!r}")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise fail("format_version", f"expected {FORMAT_VERSION}, got {version!r}")
    for key, kind in (("package_version", str), ("saved_at", str)):
        if not isinstance(data.get(key), kind):
            raise fail(key, f"expected a string, got {data.get(key)!r}")
    student_id = data.get("student_id")
    if student_id is not None and not isinstance(student_id, str):
        raise fail("student_id", f"expected a string or null, got {student_id!r}")
    questions = data.get("questions")
    if not isinstance(questions, dict):
        raise fail("questions", f"expected an object of question ids, got {questions!r}")
    for qid, info in questions.items():
        if not isinstance(info, dict) or not isinstance(info.get("content_hash"), str):
            raise fail(f"questions.{qid}", "expected an object with a content_hash string")
    raw_attempts = data.get("attempts")
    if not isinstance(raw_attempts, list):
        raise fail("attempts", f"expected a list, got {raw_attempts!r}")
    attempts = []
    expected = {"question_id", "answer", "correct", "points", "time"}
    for i, raw in enumerate(raw_attempts):
        where = f"attempts[{i}]"
        if not isinstance(raw, dict) or set(raw) != expected:
            got = sorted(raw) if isinstance(raw, dict) else raw
            raise fail(where, f"expected keys {sorted(expected)}, got {got!r}")
        if raw["question_id"] not in questions:
            raise fail(f"{where}.question_id", f"{raw['question_id']!r} is not in 'questions'")
        if not isinstance(raw["correct"], bool):
            raise fail(f"{where}.correct", f"expected true or false, got {raw['correct']!r}")
        points = raw["points"]
        if isinstance(points, bool) or not isinstance(points, int | float):
            raise fail(f"{where}.points", f"expected a number, got {points!r}")
        try:
            datetime.fromisoformat(raw["time"])
        except (TypeError, ValueError):
            raise fail(f"{where}.time", f"expected an ISO 8601 time, got {raw['time']!r}") from None
        attempts.append(Attempt(**raw))
    return SavedResponses(
        package_version=data["package_version"],
        student_id=student_id,
        saved_at=data["saved_at"],
        questions=questions,
        attempts=attempts,
        format_version=version,
    )


def offer_download(path: str | Path) -> bool:
    """On Colab, start a browser download of ``path``; elsewhere do nothing. True if offered."""
    try:
        from google.colab import files  # type: ignore[import-not-found]
    except ImportError:
        return False
    files.download(str(path))
    return True
