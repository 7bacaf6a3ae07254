"""Checks beyond the bank schema: what Canvas, Moodle and GIFT need, and what would leak answers.

``lint(files)`` returns :class:`Problem` records; ``error`` problems make ``vae-course validate``
exit non-zero, ``warning`` problems are printed only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vae_course.quiz.cues import located
from vae_course.quiz.schema import BankFile, Question

from .calculated import Calculated

# The grades Moodle accepts for an answer, in percent (and their negatives).
MOODLE_FRACTIONS = (
    100.0,
    90.0,
    83.33333,
    80.0,
    75.0,
    70.0,
    66.66667,
    60.0,
    50.0,
    40.0,
    33.33333,
    30.0,
    25.0,
    20.0,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10.0,
    5.0,
)


@dataclass(frozen=True)
class Problem:
    level: str  # 'error' or 'warning'
    file: str
    question_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        return located(self.level, self.file, self.question_id, self.field, self.message)


def moodle_fraction(percent: float) -> float | None:
    """The Moodle grade equal to ``percent`` (to 5 decimals), or None if Moodle has none."""
    for value in MOODLE_FRACTIONS:
        if abs(abs(percent) - value) < 5e-6:
            return math.copysign(value, percent)
    return None


def multiple_credit(n_correct: int) -> float | None:
    """Percent per correct choice of a multiple-answer question, if Moodle accepts it."""
    return moodle_fraction(100.0 / n_correct) if n_correct > 0 else None


def _lint_question(q: Question, source: str) -> list[Problem]:
    out: list[Problem] = []

    def add(level: str, field: str | None, message: str) -> None:
        out.append(Problem(level, source, q.id, field, message))

    if q.type in ("single", "multiple"):
        n_correct = len(q.correct_choice_ids)
        if q.type == "single" and n_correct != 1:
            add(
                "error",
                "choices",
                f"single choice needs exactly one correct choice, has {n_correct}",
            )
        if q.type == "multiple" and multiple_credit(n_correct) is None:
            add(
                "error",
                "choices",
                f"{n_correct} correct choices split the credit into {100 / n_correct:.5g}% each, "
                "which is not a grade Moodle accepts (use 1-10 or 20 correct choices)",
            )
        if any(c.pinned for c in q.choices):
            add(
                "warning",
                "choices",
                "a pinned choice: Canvas cannot pin one choice, so the Canvas export turns "
                "answer shuffling off for the whole quiz",
            )
    elif q.type == "fill_blank":
        if len(q.blanks) > 1:
            add(
                "warning",
                "blanks",
                "several blanks: GIFT has one blank per question, so the GIFT export splits "
                "this question; Canvas and Moodle give partial credit per blank",
            )
        kinds = {b.word_bank is None for b in q.blanks}
        if len(kinds) > 1:
            add(
                "warning",
                "blanks",
                "typed and word-bank blanks in one question: Canvas cannot mix them, the "
                "Canvas export makes every blank typed",
            )
    elif isinstance(q, Calculated):
        pass  # checked when parsed: the formula, the ranges and the tolerance at every corner
    else:
        tol = q.tolerance
        values = [("answer", q.answer)]
        if tol is not None:
            values += [("tolerance.absolute", tol.absolute), ("tolerance.relative", tol.relative)]
        for name, value in values:
            if value is None or not math.isfinite(value):
                add("error", name, f"must be a finite number for Canvas and Moodle, got {value!r}")
        if q.answer == 0 and tol is not None and tol.relative > 0 and tol.absolute == 0:
            add(
                "error",
                "tolerance.relative",
                "a relative tolerance around 0 accepts only exactly 0: Canvas and Moodle "
                "cannot express it; give an absolute tolerance",
            )
    return out


def lint(files: Sequence[BankFile]) -> list[Problem]:
    """LMS lint of parsed bank files, plus duplicate ids across them."""
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for bank_file in files:
        for q in bank_file.questions:
            if q.id in owner:
                problems.append(
                    Problem(
                        "error",
                        bank_file.source,
                        q.id,
                        "id",
                        f"duplicate id: also defined in {owner[q.id]}",
                    )
                )
            else:
                owner[q.id] = bank_file.source
            problems.extend(_lint_question(q, bank_file.source))
    return problems
