"""Checking one answer against one question: correctness, points and the words of feedback.

The static quiz's JavaScript (static/quiz.js) mirrors these rules; keep the two in step.

Answer forms (also what the responses file records):
- single: a choice id, e.g. ``"b"``
- multiple: a list of choice ids, e.g. ``["a", "c"]``
- fill_blank: a mapping blank name -> word, e.g. ``{"space": "latent"}`` (typed words are
  compared after :func:`~.schema.normalize_answer`)
- numeric: a number (a string such as ``"0.25"`` is parsed)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .schema import Question

# Floating-point slack so that e.g. 0.1 + 0.2 counts as 0.3 at zero tolerance.
_SLACK = 1e-9
# What a typed number may look like (static/quiz.js accepts exactly the same).
_TYPED_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
# The hints show no number: one shown beside a numeric question could be its key.
NOT_A_NUMBER = "Enter a number in digits (a sign, a decimal point and an exponent are allowed)."
NOT_FINITE = "Enter a finite number in digits."


# Said when a multiple-answer selection is wrong, before the feedback of the chosen choices
# (which may well say "True: ..." about a choice that was right to select).
MULTIPLE_WRONG = "your selection is not exactly the set of correct answers."


class IncompleteAnswer(ValueError):
    """The learner has not given a complete answer yet; nothing is recorded."""


@dataclass(frozen=True)
class Outcome:
    """The result of one check.

    answer: canonical JSON-able answer; feedback: Markdown (with $math$), starting with
    'Correct.' or 'Not quite:'; points: points awarded (question.points or 0).
    """

    question_id: str
    answer: Any
    correct: bool
    points: float
    feedback: str


def numeric_bounds(question: Question) -> tuple[float, float]:
    """Closed interval of accepted values of a numeric question, including float slack."""
    assert question.answer is not None and question.tolerance is not None
    lo, hi = question.tolerance.bounds(question.answer)
    slack = _SLACK * max(1.0, abs(question.answer))
    return lo - slack, hi + slack


def parse_number(value: Any) -> float:
    """A number from a float or from text like ' -2.5 ', '1e-3', '−0.5' (Unicode minus)."""
    if isinstance(value, bool):
        raise IncompleteAnswer(NOT_A_NUMBER)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u2212", "-").replace(" ", "")
        if not _TYPED_NUMBER.match(text):
            raise IncompleteAnswer(NOT_A_NUMBER)
        number = float(text)
    if not math.isfinite(number):
        raise IncompleteAnswer(NOT_FINITE)
    return number


def canonical_answer(question: Question, answer: Any) -> Any:
    """Validate an answer's form and return its canonical, JSON-able version.

    Raises IncompleteAnswer when nothing (or not everything) is answered, ValueError when the
    answer names a choice or word that the question does not offer.
    """
    if question.type == "single":
        if answer is None or answer == "":
            raise IncompleteAnswer("Choose an answer first.")
        question.choice(str(answer))
        return str(answer)
    if question.type == "multiple":
        if isinstance(answer, str) or not isinstance(answer, Iterable):
            raise ValueError(f"answer must be a list of choice ids, got {answer!r}")
        chosen = set(map(str, answer))
        if not chosen:
            raise IncompleteAnswer("Choose at least one answer first.")
        for cid in chosen:
            question.choice(cid)
        return [c.id for c in question.choices if c.id in chosen]
    if question.type == "fill_blank":
        if not isinstance(answer, Mapping):
            raise ValueError(f"answer must map blank names to words, got {answer!r}")
        names = {b.name for b in question.blanks}
        unknown = set(answer) - names
        if unknown:
            raise ValueError(f"question {question.id!r} has no blank {sorted(unknown)[0]!r}")
        filled = {}
        for blank in question.blanks:
            value = " ".join(str(answer.get(blank.name) or "").split())
            if not value:
                raise IncompleteAnswer("Fill in every blank first.")
            if blank.word_bank is not None and value not in blank.word_bank:
                raise ValueError(f"blank {blank.name!r}: {value!r} is not in its word bank")
            filled[blank.name] = value
        return filled
    return parse_number(answer)


def check(question: Question, answer: Any) -> Outcome:
    """Check an answer (see the module docstring for its form) and compose the feedback."""
    value = canonical_answer(question, answer)
    details: list[str] = []
    if question.type == "single":
        correct = value == question.correct_choice_ids[0]
        details.append(question.choice(value).feedback)
    elif question.type == "multiple":
        correct = set(value) == set(question.correct_choice_ids)
        if not correct:
            details.append(MULTIPLE_WRONG)
        details.extend(question.choice(cid).feedback for cid in value)
    elif question.type == "fill_blank":
        right = [b.accepts(value[b.name]) for b in question.blanks]
        correct = all(right)
        if not correct:
            details.append(blank_summary(right))
    else:
        lo, hi = numeric_bounds(question)
        correct = lo <= value <= hi
        if not correct:
            details.append(f"{_format_number(value)} is too {'low' if value < lo else 'high'}.")
    details = [d.strip() for d in details if d.strip()]
    if correct:
        feedback = " ".join(["Correct.", *details])
    else:
        feedback = "Not quite: " + (" ".join(details) or "that is not the answer.")
    points = question.points if correct else 0
    return Outcome(question.id, value, correct, points, feedback)


def blank_summary(right: list[bool]) -> str:
    """'the blank is not right.' or 'blank 1 is right; blank 2 is not.'"""
    if len(right) == 1:
        return "the blank is not right."
    parts = [f"blank {i + 1} is {'right' if ok else 'not'}" for i, ok in enumerate(right)]
    return "; ".join(parts) + "."


def _format_number(value: float) -> str:
    return f"{value:g}"


def accepts(question: Question, typed: str) -> bool:
    """Whether a typed answer is right: a numeric question's number, or the one typed blank
    of a fill_blank question (any other blank gets its first answer). Not an answer: False."""
    if question.type == "numeric":
        answer: Any = typed
    elif question.type == "fill_blank":
        typed_blank = next((b for b in question.blanks if b.typed), None)
        if typed_blank is None:
            raise ValueError(
                f"question {question.id!r}: no typed blank (every blank has a word bank)"
            )
        answer = {b.name: typed if b is typed_blank else b.answers[0] for b in question.blanks}
    else:
        raise ValueError(f"question {question.id!r}: type {question.type!r} has no typed answer")
    try:
        return check(question, answer).correct
    except IncompleteAnswer:
        return False


def table_problems(question: Question) -> list[tuple[str, str]]:
    """(field, message) for each entry of the question's test table (``checks``) that the
    checker gets wrong: an ``accept`` entry rejected, a ``reject`` entry accepted."""
    table = question.checks
    if table is None:
        return []
    out = []
    for key, want in (("accept", True), ("reject", False)):
        for i, typed in enumerate(getattr(table, key)):
            if accepts(question, typed) != want:
                verdict = "rejects" if want else "accepts"
                out.append((f"checks.{key}[{i}]", f"the checker {verdict} {typed!r}"))
    return out


# "to two decimals", "(three decimals)", "to 3 significant figures", "to the nearest integer"
_WORD_NUMBERS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_PRECISION = re.compile(
    r"\b(\d|zero|one|two|three|four|five|six)\s+"
    r"(decimal places?|decimals?|significant (?:figures|digits))\b"
    r"|\bto\s+the\s+nearest\s+(?:whole\s+number|integer|degree)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Precision:
    """What a numeric stem asks for: ``digits`` decimals, or significant figures."""

    digits: int
    significant: bool = False

    def unit(self, value: float) -> float:
        """One unit in the last asked-for place of ``value``."""
        if not self.significant:
            return 10.0**-self.digits
        exponent = math.floor(math.log10(abs(value))) if value else 0
        return 10.0 ** (exponent - self.digits + 1)

    def round(self, value: float) -> float:
        unit = self.unit(value)
        return round(value / unit) * unit

    def format(self, value: float) -> str:
        """``value`` rounded and written with exactly the asked-for digits ('1234567.89',
        '1200' for 2 significant figures, '0.0012')."""
        decimals = max(0, round(-math.log10(self.unit(value))))
        return f"{self.round(value):.{decimals}f}"

    def __str__(self) -> str:
        what = "significant figures" if self.significant else "decimals"
        return f"{self.digits} {what}"


def stated_precision(stem: str) -> Precision | None:
    """The precision a stem asks for ('to two decimals', 'to 3 significant figures', 'to the
    nearest whole number'), or None."""
    match = _PRECISION.search(stem)
    if match is None:
        return None
    if match.group(1) is None:
        return Precision(0)
    word = match.group(1).lower()
    digits = int(word) if word.isdigit() else _WORD_NUMBERS[word]
    return Precision(digits, significant=match.group(2).lower().startswith("significant"))


def precision_problems(stem: str, answer: float, width: float) -> list[str]:
    """What is unfair about a numeric key ``answer`` accepted within +-``width``: a stem that
    states no precision for a non-integer answer; a correctly rounded answer rejected; a
    tolerance wider than one unit of the stated precision (it must follow the precision)."""
    precision = stated_precision(stem)
    if precision is None:
        if answer == round(answer) and width < 1:
            return []
        return [
            "the stem states no precision (say e.g. 'to two decimals'); a learner cannot know "
            "how many digits the tolerance wants"
        ]
    out = []
    rounded = precision.round(answer)
    slack = _SLACK * max(1.0, abs(answer))
    if abs(rounded - answer) > width + slack:
        out.append(
            f"the stem asks for {precision}, but the correctly rounded answer "
            f"{precision.format(answer)} is rejected (tolerance {width:g})"
        )
    unit = precision.unit(answer)
    if width > unit + slack:
        out.append(
            f"the tolerance {width:g} is wider than one unit ({unit:g}) of the {precision} "
            "the stem asks for: make the tolerance follow the precision"
        )
    return out
