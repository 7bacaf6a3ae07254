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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .schema import Question

# Floating-point slack so that e.g. 0.1 + 0.2 counts as 0.3 at zero tolerance.
_SLACK = 1e-9


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
        raise IncompleteAnswer("Enter a number, for example 0.25.")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u2212", "-").replace(" ", "")
        try:
            number = float(text)
        except ValueError:
            raise IncompleteAnswer("Enter a number, for example 0.25.") from None
    if not math.isfinite(number):
        raise IncompleteAnswer("Enter a finite number, for example 0.25.")
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
