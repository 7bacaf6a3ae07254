"""Validation of parsed bank YAML into :class:`~vae_course.quiz.schema.Question` objects.

The format is described in :mod:`vae_course.quiz.schema`. Checks run in reading order and the
first problem raises :class:`BankError` naming the file, the question and the field.
"""

from __future__ import annotations

import re
from typing import Any

from .parts import (
    BLANK_NAME_PATTERN,  # noqa: F401 (re-exported)
    CHOICE_ID_PATTERN,  # noqa: F401 (re-exported)
    PLACEHOLDER,  # noqa: F401 (re-exported: render, independence, the instructor's grade)
    _parse_blanks,
    _parse_checks,
    _parse_choices,
    _parse_tags,
    _parse_tolerance,
    _placeholders,
    _type_name,
    _Where,
)
from .schema import QUESTION_TYPES, BankError, BankFile, Question

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_FILE_KEYS = {"chapter": True, "title": True, "questions": True}  # key -> required
_COMMON_KEYS = {"id", "type", "stem", "explanation", "tags", "points"}
_TYPE_KEYS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "fill_blank": {"blanks", "checks"},
    "numeric": {"answer", "tolerance", "checks"},
}


def parse_bank(
    data: Any, source: str, chapter: str | None = None, *, require_tags: bool = False
) -> BankFile:
    """Validate one parsed bank file and build its questions.

    data: the YAML document; source: the file name used in error messages;
    chapter: the expected chapter (the file stem), or None to accept any;
    require_tags: every question must name tags.objectives and tags.demand (the course's bank).
    Raises BankError on the first problem found.
    """
    where = _Where(source)
    if data is None:
        raise where.error(
            None, "the file is empty (expected a mapping with chapter, title, questions)"
        )
    mapping = where.mapping(data, None)
    where.keys(mapping, set(_FILE_KEYS), None, "a bank file")
    for key in _FILE_KEYS:
        if key not in mapping:
            raise where.error(key, "missing")
    file_chapter = where.string(mapping["chapter"], "chapter")
    if chapter is not None and file_chapter != chapter:
        raise where.error(
            "chapter", f"must equal the file name stem {chapter!r}, got {file_chapter!r}"
        )
    title = where.string(mapping["title"], "title")
    raw_questions = mapping["questions"]
    if not isinstance(raw_questions, list):
        raise where.error("questions", f"must be a list, got {_type_name(raw_questions)}")
    if not raw_questions:
        raise where.error("questions", "must contain at least one question")

    questions: list[Question] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions):
        question = _parse_question(raw, index, file_chapter, source, require_tags)
        if question.id in seen:
            raise BankError(
                "duplicate id (already used by an earlier question in this file)",
                file=source,
                question_id=question.id,
                field="id",
            )
        seen.add(question.id)
        questions.append(question)
    return BankFile(chapter=file_chapter, title=title, questions=tuple(questions), source=source)


def _parse_question(
    raw: Any, index: int, chapter: str, source: str, require_tags: bool = False
) -> Question:
    where = _Where(source, index=index)
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"].strip():
        where = _Where(source, raw["id"])
    raw = where.mapping(raw, None)
    if "id" not in raw:
        raise where.error("id", "missing")
    qid = where.string(raw["id"], "id")
    if not ID_PATTERN.match(qid):
        raise where.error("id", f"must match [a-z0-9] words joined by '-', got {qid!r}")

    if "type" not in raw:
        raise where.error("type", f"missing (one of {', '.join(QUESTION_TYPES)})")
    qtype = raw["type"]
    if qtype not in QUESTION_TYPES:
        raise where.error("type", f"must be one of {', '.join(QUESTION_TYPES)}, got {qtype!r}")
    allowed = _COMMON_KEYS | _TYPE_KEYS[qtype]
    for key in raw:
        if key not in allowed:
            other = [t for t, keys in _TYPE_KEYS.items() if key in keys]
            hint = f"only for type {other[0]}" if other else "unknown key"
            raise where.error(
                str(key), f"{hint} (allowed for {qtype}: {', '.join(sorted(allowed))})"
            )
    for key in ("stem", "explanation"):
        if key not in raw:
            raise where.error(key, "missing")
    stem = where.string(raw["stem"], "stem")
    explanation = where.string(raw["explanation"], "explanation")
    points = where.number(raw.get("points", 1), "points")
    if points <= 0:
        raise where.error("points", f"must be > 0, got {points!r}")
    tags = _parse_tags(where, raw.get("tags"), chapter, require_tags)

    placeholders = _placeholders(where, stem)
    if qtype != "fill_blank" and placeholders:
        raise where.error(
            "stem", f"has blank placeholder {{{{{placeholders[0]}}}}} but type is {qtype!r}"
        )
    common = dict(id=qid, type=qtype, stem=stem, explanation=explanation, tags=tags)
    common.update(points=points, source=source)
    if qtype in ("single", "multiple"):
        if "choices" not in raw:
            raise where.error("choices", "missing")
        choices = _parse_choices(where, raw["choices"], qtype)
        return Question(**common, choices=choices)
    if qtype == "fill_blank":
        if "blanks" not in raw:
            raise where.error("blanks", "missing")
        blanks = _parse_blanks(where, raw["blanks"], placeholders)
        if "checks" in raw and sum(b.typed for b in blanks) != 1:
            raise where.error(
                "checks",
                "a test table is for a question with exactly one typed blank (no word_bank); "
                f"this one has {sum(b.typed for b in blanks)}",
            )
        checks = _parse_checks(where, raw.get("checks"), numeric=False)
        return Question(**common, blanks=blanks, checks=checks)
    if "answer" not in raw:
        raise where.error("answer", "missing")
    answer = where.number(raw["answer"], "answer")
    tolerance = _parse_tolerance(where, raw.get("tolerance"))
    checks = _parse_checks(where, raw.get("checks"), numeric=True)
    return Question(**common, answer=float(answer), tolerance=tolerance, checks=checks)
