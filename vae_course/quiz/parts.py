"""Parsing the parts of a bank question: its tags, choices, blanks, tolerance and answer tables,
each problem a :class:`~vae_course.quiz.schema.BankError` naming the file, question and field
(:mod:`.validate` parses the file and the questions and calls these).
"""

from __future__ import annotations

import math
import re
from typing import Any

from .schema import (
    DEMANDS,
    DIFFICULTIES,
    AnswerTable,
    BankError,
    Blank,
    Choice,
    Tags,
    Tolerance,
    normalize_text,
)

CHOICE_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
BLANK_NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# A placeholder is {{name}}, optionally with spaces inside the braces.
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")

_CHOICE_KEYS = {"id", "text", "correct", "feedback", "pinned"}
_BLANK_KEYS = {"answers", "word_bank"}
_TAG_KEYS = {"chapter", "topic", "difficulty", "objectives", "demand"}
_TOLERANCE_KEYS = {"absolute", "relative"}
_CHECKS_KEYS = {"accept", "reject"}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return type(value).__name__


class _Where:
    """Builds BankErrors for one file / question."""

    def __init__(self, file: str, question: str | None = None, index: int | None = None) -> None:
        self.file = file
        self.question = question
        self.index = index

    def error(self, field_name: str | None, message: str) -> BankError:
        return BankError(
            message,
            file=self.file,
            question_id=self.question,
            field=field_name,
            question_index=self.index,
        )

    def mapping(self, value: Any, field_name: str | None) -> dict:
        if not isinstance(value, dict):
            raise self.error(field_name, f"must be a mapping, got {_type_name(value)}")
        return value

    def keys(self, mapping: dict, allowed: set[str], field_name: str | None, what: str) -> None:
        for key in mapping:
            if not isinstance(key, str) or key not in allowed:
                inner = str(key) if field_name is None else f"{field_name}.{key}"
                raise self.error(
                    inner, f"unknown key for {what} (allowed: {', '.join(sorted(allowed))})"
                )

    def string(self, value: Any, field_name: str, *, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.error(field_name, f"must be a string, got {_type_name(value)} {value!r}")
        if not empty and not value.strip():
            raise self.error(field_name, "must not be empty")
        return value

    def boolean(self, value: Any, field_name: str) -> bool:
        if not isinstance(value, bool):
            raise self.error(
                field_name, f"must be true or false, got {_type_name(value)} {value!r}"
            )
        return value

    def number(self, value: Any, field_name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(field_name, f"must be a number, got {_type_name(value)} {value!r}")
        if not math.isfinite(value):
            raise self.error(field_name, f"must be a finite number, got {value!r}")
        return value

    def string_list(self, value: Any, field_name: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.error(field_name, f"must be a list of strings, got {_type_name(value)}")
        if not value:
            raise self.error(field_name, "must not be empty")
        items = tuple(self.string(v, f"{field_name}[{i}]") for i, v in enumerate(value))
        seen: set[str] = set()
        for i, item in enumerate(items):
            key = normalize_text(item)
            if key in seen:
                raise self.error(f"{field_name}[{i}]", f"duplicate entry {item!r}")
            seen.add(key)
        return items


def _parse_tags(where: _Where, raw: Any, chapter: str, required: bool = False) -> Tags:
    if raw is None:
        if required:
            raise where.error("tags", "missing (the course's bank needs objectives and demand)")
        return Tags(chapter=chapter)
    tags = where.mapping(raw, "tags")
    where.keys(tags, _TAG_KEYS, "tags", "tags")
    if "chapter" in tags and tags["chapter"] != chapter:
        raise where.error(
            "tags.chapter", f"must equal the file's chapter {chapter!r}, got {tags['chapter']!r}"
        )
    topic = where.string(tags["topic"], "tags.topic") if "topic" in tags else None
    difficulty = tags.get("difficulty")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise where.error(
            "tags.difficulty", f"must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}"
        )
    if required:
        for key in ("objectives", "demand"):
            if key not in tags:
                raise where.error(f"tags.{key}", "missing (every question of the course's bank)")
    objectives = _parse_objectives(where, tags["objectives"]) if "objectives" in tags else ()
    demand = tags.get("demand")
    if "demand" in tags and demand not in DEMANDS:
        raise where.error("tags.demand", f"must be one of {', '.join(DEMANDS)}, got {demand!r}")
    return Tags(
        chapter=chapter,
        topic=topic,
        difficulty=difficulty,
        objectives=objectives,
        demand=demand,
    )


def _parse_objectives(where: _Where, raw: Any) -> tuple[int, ...]:
    """A non-empty list of distinct positive integers: objective numbers, counted from 1."""
    field_name = "tags.objectives"
    if not isinstance(raw, list):
        raise where.error(
            field_name, f"must be a list of objective numbers, e.g. [1, 3]; got {raw!r}"
        )
    if not raw:
        raise where.error(field_name, "must name at least one objective, e.g. [1]")
    for i, value in enumerate(raw):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise where.error(
                f"{field_name}[{i}]",
                f"must be an objective number (1 for the first), got {value!r}",
            )
    if len(set(raw)) != len(raw):
        raise where.error(field_name, f"names an objective twice: {raw!r}")
    return tuple(raw)


def _placeholders(where: _Where, stem: str) -> list[str]:
    names = []
    for match in PLACEHOLDER.finditer(stem):
        name = match.group(1)
        if not BLANK_NAME_PATTERN.match(name):
            raise where.error("stem", f"blank placeholder {match.group(0)!r} has an invalid name")
        if name in names:
            raise where.error("stem", f"blank placeholder {{{{{name}}}}} appears more than once")
        names.append(name)
    leftover = PLACEHOLDER.sub("", stem)
    if "{{" in leftover or "}}" in leftover:
        raise where.error("stem", "has an unmatched '{{' or '}}' (blanks are written {{name}})")
    return names


def _parse_choices(where: _Where, raw: Any, qtype: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list):
        raise where.error("choices", f"must be a list, got {_type_name(raw)}")
    if len(raw) < 2:
        raise where.error("choices", f"needs at least 2 choices, got {len(raw)}")
    choices = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        name = f"choices[{i}]"
        item = where.mapping(item, name)
        where.keys(item, _CHOICE_KEYS, name, "a choice")
        for key in ("id", "text"):
            if key not in item:
                raise where.error(f"{name}.{key}", "missing")
        cid = where.string(item["id"], f"{name}.id")
        if not CHOICE_ID_PATTERN.match(cid):
            raise where.error(f"{name}.id", f"must match [a-z0-9_-]+, got {cid!r}")
        if cid in seen:
            raise where.error(f"{name}.id", f"duplicate choice id {cid!r}")
        seen.add(cid)
        choices.append(
            Choice(
                id=cid,
                text=where.string(item["text"], f"{name}.text"),
                correct=where.boolean(item.get("correct", False), f"{name}.correct"),
                feedback=where.string(item.get("feedback", ""), f"{name}.feedback", empty=True),
                pinned=where.boolean(item.get("pinned", False), f"{name}.pinned"),
            )
        )
    n_correct = sum(c.correct for c in choices)
    if qtype == "single" and n_correct != 1:
        what = "no choice is" if n_correct == 0 else f"{n_correct} choices are"
        raise where.error(
            "choices",
            f"a single-choice question needs exactly one correct choice; {what} "
            "marked correct: true",
        )
    if qtype == "multiple" and n_correct == 0:
        raise where.error(
            "choices",
            "a multiple-answer question needs at least one correct choice; "
            "none is marked correct: true",
        )
    return tuple(choices)


def _parse_blanks(where: _Where, raw: Any, placeholders: list[str]) -> tuple[Blank, ...]:
    blanks_map = where.mapping(raw, "blanks")
    if not blanks_map:
        raise where.error("blanks", "must define at least one blank")
    if not placeholders:
        raise where.error("stem", "a fill_blank stem needs at least one {{name}} placeholder")
    for name in placeholders:
        if name not in blanks_map:
            raise where.error(
                f"blanks.{name}", f"missing: the stem has {{{{{name}}}}} but no blank defines it"
            )
    for name in blanks_map:
        if name not in placeholders:
            raise where.error(
                f"blanks.{name}", f"defined but the stem has no {{{{{name}}}}} placeholder"
            )
    blanks = []
    for name in placeholders:
        field_name = f"blanks.{name}"
        spec = where.mapping(blanks_map[name], field_name)
        where.keys(spec, _BLANK_KEYS, field_name, "a blank")
        if "answers" not in spec:
            raise where.error(
                f"{field_name}.answers", "missing (a blank needs at least one answer)"
            )
        answers = where.string_list(spec["answers"], f"{field_name}.answers")
        word_bank = None
        if spec.get("word_bank") is not None:
            word_bank = where.string_list(spec["word_bank"], f"{field_name}.word_bank")
            if len(word_bank) < 2:
                raise where.error(f"{field_name}.word_bank", "needs at least 2 words")
            offered = {normalize_text(w) for w in word_bank}
            for i, answer in enumerate(answers):
                if normalize_text(answer) not in offered:
                    raise where.error(
                        f"{field_name}.answers[{i}]", f"{answer!r} is not in the word bank"
                    )
        blanks.append(Blank(name=name, answers=answers, word_bank=word_bank))
    return tuple(blanks)


def _parse_tolerance(where: _Where, raw: Any) -> Tolerance:
    if raw is None:
        return Tolerance()
    spec = where.mapping(raw, "tolerance")
    where.keys(spec, _TOLERANCE_KEYS, "tolerance", "a tolerance")
    if not spec:
        raise where.error("tolerance", "give absolute and/or relative")
    values = {}
    for key in ("absolute", "relative"):
        if key in spec:
            value = where.number(spec[key], f"tolerance.{key}")
            if value < 0:
                raise where.error(f"tolerance.{key}", f"must be >= 0, got {value!r}")
            values[key] = float(value)
    return Tolerance(**values)


def _parse_checks(where: _Where, raw: Any, *, numeric: bool) -> AnswerTable | None:
    """``checks: {accept: [...], reject: [...]}``: typed answers (numbers too, for a numeric
    question) that the checker must accept and reject."""
    if raw is None:
        return None
    spec = where.mapping(raw, "checks")
    where.keys(spec, _CHECKS_KEYS, "checks", "a test table")
    lists = {}
    for key in ("accept", "reject"):
        items = spec.get(key, [])
        if not isinstance(items, list):
            raise where.error(f"checks.{key}", f"must be a list, got {_type_name(items)}")
        out = []
        for i, item in enumerate(items):
            if numeric and isinstance(item, int | float) and not isinstance(item, bool):
                item = repr(item)
            out.append(where.string(item, f"checks.{key}[{i}]", empty=True))
        lists[key] = tuple(out)
    if not lists["accept"] and not lists["reject"]:
        raise where.error("checks", "give accept and/or reject")
    return AnswerTable(**lists)
