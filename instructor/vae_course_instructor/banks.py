"""Reading bank files an instructor brings (and the assessment bank) without trusting them.

The course's own self-check bank is read by :func:`vae_course.quiz.read_bank`. Everything else
-- the assessment bank shipped with this tool and any ``--bank`` file -- goes through
:func:`read_file`, which adds what a hostile or broken file needs:

- at most :data:`MAX_BYTES` bytes, UTF-8 (a BOM is tolerated);
- the YAML is read by :func:`vae_course.quiz.bank.load_yaml`: aliases (``*name``) refused, so
  no "billion laughs" expansion, nesting limited to :data:`MAX_DEPTH` levels, so no recursion
  error, repeated keys refused;
- questions of ``type: calculated`` (:mod:`.calculated`) besides the course's four types;
- every question is checked on its own, so one run reports an error for each bad question
  (:class:`BankErrors`), not only the first one of the file.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vae_course.quiz.bank import MAX_DEPTH, load_yaml  # noqa: F401 (MAX_DEPTH: see above)
from vae_course.quiz.schema import BankError, BankFile, Question
from vae_course.quiz.validate import parse_bank

from .calculated import TYPE as CALCULATED
from .calculated import parse_calculated

MAX_BYTES = 1 << 20
ASSESSMENT_DIR = Path(__file__).resolve().parent / "assessment"


class BankErrors(BankError):
    """Several problems of one file; ``errors`` holds each as a BankError."""

    def __init__(self, errors: list[BankError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(
            first.reason, file=first.file, question_id=first.question_id, field=first.field
        )


def read_file(path: str | Path) -> BankFile:
    """Parse and check one bank file (see the module docstring); BankErrors lists every problem."""
    path = Path(path)
    name = path.name
    try:
        if not path.is_file():
            raise BankError("not a regular file", file=str(path))
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BankError(f"{size} bytes; a bank file is at most {MAX_BYTES}", file=name)
        raw = path.read_bytes()
    except OSError as exc:
        raise BankError(f"cannot be read ({exc.strerror})", file=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=name) from None
    if not text.strip():
        raise BankError("the file is empty (expected chapter, title, questions)", file=name)
    return parse_file(load_yaml(text, name), name, chapter=path.stem)


def parse_file(data: Any, name: str, chapter: str | None = None) -> BankFile:
    """Validate parsed YAML question by question; BankErrors with every problem found."""
    if not isinstance(data, dict):
        raise BankError("expected a mapping with chapter, title, questions", file=name)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        # Let the course's validator word the file-level problem.
        parse_bank(data, name, chapter=chapter)
        raise BankError("questions: must be a non-empty list", file=name)
    errors: list[BankError] = []
    questions: list[Question] = []
    header = {k: v for k, v in data.items() if k != "questions"}
    file_chapter = data.get("chapter")
    try:
        # File-level fields, checked with a harmless stand-in question.
        stand_in = {"id": "x", "type": "numeric", "stem": "x", "explanation": "x", "answer": 0}
        parse_bank({**header, "questions": [stand_in]}, name, chapter=chapter)
    except BankError as exc:
        raise BankErrors([exc]) from None
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions):
        try:
            if isinstance(raw, dict) and raw.get("type") == CALCULATED:
                question: Question = parse_calculated(raw, file_chapter, name)
            else:
                question = parse_bank({**header, "questions": [raw]}, name, chapter).questions[0]
        except BankError as exc:
            if exc.question_id is None and exc.question_index is not None:
                exc = BankError(exc.reason, file=name, field=exc.field, question_index=index)
            errors.append(exc)
            continue
        except (TypeError, ValueError, RecursionError) as exc:
            errors.append(
                BankError(f"not a valid question ({exc})"[:200], file=name, question_index=index)
            )
            continue
        if question.id in seen:
            errors.append(
                BankError(
                    "duplicate id in this file", file=name, question_id=question.id, field="id"
                )
            )
            continue
        seen.add(question.id)
        questions.append(question)
    if errors:
        raise BankErrors(errors)
    return BankFile(
        chapter=file_chapter, title=data["title"], questions=tuple(questions), source=name
    )


def files_in(path: str | Path) -> list[Path]:
    """The YAML files of an extra bank: the file itself, or every *.yaml / *.yml in a folder."""
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise BankError("the folder has no *.yaml or *.yml bank file", file=str(path))
        return files
    if not path.exists():
        raise BankError("file not found", file=str(path))
    return [path]


def assessment_files() -> list[Path]:
    return sorted(ASSESSMENT_DIR.glob("*.yaml"))


def read_assessment() -> list[BankFile]:
    return [_read_unchanged(str(p), *_stamp(p)) for p in assessment_files()]


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


@functools.lru_cache(maxsize=64)
def _read_unchanged(path: str, mtime_ns: int, size: int) -> BankFile:
    """Files shipped with the tool, parsed once per process while they do not change."""
    return read_file(path)


def read_extra(paths: Iterable[str | Path]) -> list[BankFile]:
    return [read_file(f) for p in paths for f in files_in(p)]
