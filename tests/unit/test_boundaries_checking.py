"""The numeric answer's tolerance at its edges, by hand: an answer at +-tolerance is right, one
just past it is wrong, for absolute and relative tolerances and at zero tolerance (where only
floating-point slack of 1e-9, relative to the answer, separates 0.1 + 0.2 from 0.3)."""

from __future__ import annotations

import pytest

from vae_course.quiz import checking
from vae_course.quiz.schema import Question, Tags, Tolerance


def numeric(answer: float, absolute: float = 0.0, relative: float = 0.0) -> Question:
    return Question(
        id="edge",
        type="numeric",
        stem="A number, to two decimals.",
        explanation="",
        tags=Tags("01_autoencoders"),
        points=2,
        answer=answer,
        tolerance=Tolerance(absolute=absolute, relative=relative),
    )


CASES = [
    # (question, accepted, rejected): the edges themselves and the first values past them that a
    # slack of 1e-3 (instead of 1e-9) would let through.
    (numeric(0.25, absolute=0.01), [0.24, 0.26, "0.26", "0.24"], [0.26 + 1e-6, 0.24 - 1e-6]),
    (numeric(-4.5, absolute=0.5), [-4.0, -5.0, "-5"], [-5.0 - 1e-6, -4.0 + 1e-6]),
    (numeric(200.0, relative=0.01), [198.0, 202.0], [202.0 + 1e-5, 198.0 - 1e-5]),
    (numeric(0.3), [0.1 + 0.2, 0.3, "0.3", "3e-1"], [0.3 + 1e-6, 0.3 - 1e-6, 0.301]),
    # Zero tolerance on a large answer: the slack is relative (1e-9 * 1e6 = 1e-3).
    (numeric(1e6), [1e6 + 1e-4, 1e6 - 1e-4], [1e6 + 0.01, 1e6 - 0.01]),
    # Both tolerances: the wider one counts (max(0.1, 0.05 * 10) = 0.5).
    (numeric(10.0, absolute=0.1, relative=0.05), [10.5, 9.5], [10.5 + 1e-6, 9.5 - 1e-6]),
]


@pytest.mark.parametrize(("question", "accepted", "rejected"), CASES)
def test_answers_at_the_tolerance_count_and_just_past_it_do_not(question, accepted, rejected):
    for value in accepted:
        outcome = checking.check(question, value)
        assert outcome.correct and outcome.points == 2, value
        assert outcome.feedback.startswith("Correct.")
    for value in rejected:
        outcome = checking.check(question, value)
        assert not outcome.correct and outcome.points == 0, value
        low = float(value) < question.answer
        assert f"is too {'low' if low else 'high'}." in outcome.feedback


def test_the_bounds_are_the_tolerance_plus_a_relative_slack_of_1e9():
    lo, hi = checking.numeric_bounds(numeric(0.25, absolute=0.01))
    assert hi - 0.26 == pytest.approx(1e-9, rel=1e-6)
    assert 0.24 - lo == pytest.approx(1e-9, rel=1e-6)
    lo, hi = checking.numeric_bounds(numeric(-3000.0, relative=0.001))
    assert hi - (-3000.0 + 3.0) == pytest.approx(3e-6, rel=1e-6)
    assert (-3000.0 - 3.0) - lo == pytest.approx(3e-6, rel=1e-6)


def test_accepts_follows_check_at_the_edges():
    q = numeric(0.25, absolute=0.01)
    assert checking.accepts(q, "0.26") and checking.accepts(q, "0.24")
    assert not checking.accepts(q, "0.260001") and not checking.accepts(q, "0.239999")
    assert not checking.accepts(q, "about 0.25")


@pytest.mark.parametrize(
    ("stem", "answer", "width", "problems"),
    [
        ("to two decimals", 0.25, 0.01, 0),  # one unit of the stated precision: fair
        ("to two decimals", 0.25, 0.01 + 1e-6, 1),  # wider than one unit
        ("to two decimals", 0.254, 0.004, 0),  # 0.25 is 0.004 away: accepted, fair
        ("to two decimals", 0.254, 0.004 - 1e-6, 1),  # the rounded answer 0.25 is rejected
        ("to three decimals", 0.254, 0.001, 0),
        ("to the nearest integer", 3.4, 0.4, 0),
        ("to the nearest integer", 3.4, 0.4 - 1e-6, 1),
        ("a number", 3.0, 0.0, 0),  # an integer needs no stated precision
        ("a number", 3.0, 1.0, 1),  # unless the tolerance is a whole unit or more
        ("a number", 0.25, 0.01, 1),  # a non-integer always does
    ],
)
def test_precision_problems_at_their_edges(stem, answer, width, problems):
    assert len(checking.precision_problems(stem, answer, width)) == problems
