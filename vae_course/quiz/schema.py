"""The question-bank schema: dataclasses for questions and the validator that builds them.

A bank file is parsed YAML (a mapping) of this shape; everything else is refused::

    chapter: 06_sampling            # must equal the file name stem
    title: Latent space sampling and generation
    questions:
      - id: 06-generation-source    # [a-z0-9-]+, unique across the bank; what it is ABOUT
        type: single                # single | multiple | fill_blank | numeric
        stem: "Markdown with $math$"
        choices:                    # single and multiple only; shown shuffled (quiz.shuffle)
          - {id: a, text: "...", correct: true, feedback: "...", pinned: false}
        blanks:                     # fill_blank only; one per {{name}} placeholder in the stem
          space: {answers: [latent], word_bank: [pixel, latent]}  # no word_bank: typed answer
        answer: 2.0                 # numeric only
        tolerance: {absolute: 0.01, relative: 0.05}               # numeric only, optional
        explanation: "shown after every check"
        tags: {topic: sampling, difficulty: easy}                 # optional
        points: 1                   # optional, default 1

The validator lives in :mod:`vae_course.quiz.validate`; every problem raises :class:`BankError`,
whose message names the file, the question and the field. Surface cues (an id naming its answer,
the key always the longest option, ...) are warnings of :mod:`vae_course.quiz.cues`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

QUESTION_TYPES = ("single", "multiple", "fill_blank", "numeric")
DIFFICULTIES = ("easy", "medium", "hard")


class BankError(ValueError):
    """A malformed question bank. ``file``, ``question_id`` and ``field`` say where.

    ``question_index`` (0-based) stands in for the id when a question has no usable id.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        question_id: str | None = None,
        field: str | None = None,
        question_index: int | None = None,
    ) -> None:
        self.file = file
        self.question_id = question_id
        self.question_index = question_index
        self.field = field
        self.reason = message
        where = []
        if question_id is not None:
            where.append(f"question {question_id!r}")
        elif question_index is not None:
            where.append(f"question #{question_index + 1} (no valid id)")
        if field is not None:
            where.append(f"field {field!r}")
        text = message
        if where:
            text = " ".join(where) + ": " + text
        if file is not None:
            text = f"{file}: {text}"
        super().__init__(text)


def normalize_text(text: str) -> str:
    """Case and spacing folded: 'Latent  Space' -> 'latent space' (duplicates, word banks)."""
    return " ".join(str(text).split()).lower()


# Spaces next to ASCII punctuation carry no meaning in an answer: 'N(0, I)' = 'N(0,I)'.
_SPACE_AT_PUNCTUATION = re.compile(r" (?=[!-/:-@\[-`{-~])|(?<=[!-/:-@\[-`{-~]) ")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$")


def number_key(value: float) -> str:
    """'0' for zero, else the shortest round-trip digits as 'd.ddde+N' (JS ``toExponential()``)."""
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    power = exponent + len(digits) - 1
    return f"{'-' if sign else ''}{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"


def normalize_answer(text: str) -> str:
    """The form in which typed answers are compared (static/quiz.js does exactly the same).

    Unicode compatibility forms (NFKC), the minus sign U+2212 read as '-', lower case, runs of
    whitespace as one space, surrounding $...$ dropped, no space next to punctuation
    ('N(0, I)' = 'N(0,I)'), and numbers by value ('0' = '0.0' = '0.00', '1e-3' = '0.001').
    """
    s = unicodedata.normalize("NFKC", str(text)).replace("\u2212", "-").lower()
    s = " ".join(s.split())
    while len(s) >= 2 and s[0] == "$" and s[-1] == "$":
        s = " ".join(s[1:-1].split())
    s = _SPACE_AT_PUNCTUATION.sub("", s)
    if _NUMBER.match(s):
        value = float(s)
        if math.isfinite(value):
            return number_key(value)
    return s


@dataclass(frozen=True)
class Choice:
    """One option of a single- or multiple-answer question."""

    id: str
    text: str
    correct: bool = False
    feedback: str = ""
    pinned: bool = False


@dataclass(frozen=True)
class Blank:
    """One ``{{name}}`` gap of a fill-in-the-blank stem.

    With a ``word_bank`` the learner picks a word from it; without, they type and any of
    ``answers`` is accepted (compared with :func:`normalize_answer`).
    """

    name: str
    answers: tuple[str, ...]
    word_bank: tuple[str, ...] | None = None

    @property
    def typed(self) -> bool:
        return self.word_bank is None

    def accepts(self, value: str) -> bool:
        return normalize_answer(value) in {normalize_answer(a) for a in self.answers}


@dataclass(frozen=True)
class Tolerance:
    """A numeric answer x is correct when |x - answer| <= absolute or <= relative * |answer|."""

    absolute: float = 0.0
    relative: float = 0.0

    def bounds(self, answer: float) -> tuple[float, float]:
        width = max(self.absolute, self.relative * abs(answer))
        return answer - width, answer + width


@dataclass(frozen=True)
class Tags:
    chapter: str
    topic: str | None = None
    difficulty: str | None = None


@dataclass(frozen=True)
class Question:
    """One validated question. ``source`` is the bank file name it came from."""

    id: str
    type: str
    stem: str
    explanation: str
    tags: Tags
    points: float = 1
    choices: tuple[Choice, ...] = ()
    blanks: tuple[Blank, ...] = ()  # in the order their placeholders appear in the stem
    answer: float | None = None
    tolerance: Tolerance | None = None
    source: str = field(default="", compare=False)

    @property
    def chapter(self) -> str:
        return self.tags.chapter

    @property
    def correct_choice_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices if c.correct)

    def choice(self, choice_id: str) -> Choice:
        for c in self.choices:
            if c.id == choice_id:
                return c
        known = ", ".join(c.id for c in self.choices)
        raise KeyError(f"question {self.id!r} has no choice {choice_id!r} (choices: {known})")

    def to_dict(self) -> dict[str, Any]:
        """The question as plain data (the YAML form with defaults filled in)."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "stem": self.stem,
            "explanation": self.explanation,
            "tags": {
                "chapter": self.tags.chapter,
                "topic": self.tags.topic,
                "difficulty": self.tags.difficulty,
            },
            "points": self.points,
        }
        if self.type in ("single", "multiple"):
            data["choices"] = [
                {
                    "id": c.id,
                    "text": c.text,
                    "correct": c.correct,
                    "feedback": c.feedback,
                    "pinned": c.pinned,
                }
                for c in self.choices
            ]
        elif self.type == "fill_blank":
            data["blanks"] = {
                b.name: {
                    "answers": list(b.answers),
                    "word_bank": None if b.word_bank is None else list(b.word_bank),
                }
                for b in self.blanks
            }
        else:
            tol = self.tolerance or Tolerance()
            data["answer"] = self.answer
            data["tolerance"] = {"absolute": tol.absolute, "relative": tol.relative}
        return data

    def content_hash(self) -> str:
        """'sha256:<hex>' of the canonical JSON of :meth:`to_dict`; changes with any edit."""
        data = self.to_dict()
        if "choices" in data:  # shuffling the display order is not an edit
            data["choices"] = sorted(data["choices"], key=lambda c: c["id"])
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BankFile:
    """One chapter's bank file."""

    chapter: str
    title: str
    questions: tuple[Question, ...]
    source: str = ""
