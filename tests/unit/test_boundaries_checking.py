"""The numeric answer's tolerance at its edges, by hand: an answer at +-tolerance is right, one
just past it is wrong, for absolute and relative tolerances and at zero tolerance (where only
floating-point slack of 1e-9, relative to the answer, separates 0.1 + 0.2 from 0.3)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace

import pytest

from vae_course.quiz import checking
from vae_course.quiz.schema import AnswerTable, Blank, Choice, Question, Tolerance

from questions import question


def numeric(answer: float, absolute: float = 0.0, relative: float = 0.0) -> Question:
    return question(
        "edge",
        "numeric",
        stem="A number, to two decimals.",
        chapter="01_autoencoders",
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


def test_the_accepted_interval_is_closed():
    q = numeric(0.25, absolute=0.01)
    lo, hi = checking.numeric_bounds(q)
    assert checking.check(q, lo).correct and checking.check(q, hi).correct
    assert not checking.check(q, math.nextafter(lo, -math.inf)).correct
    assert not checking.check(q, math.nextafter(hi, math.inf)).correct


def test_precision_problem_exactly_at_the_tolerance_plus_slack():
    # 3.5 to the nearest integer rounds to 4.0, 0.5 away; a width of 0.5 - slack plus the
    # slack (1e-9 * 3.5) is exactly 0.5 again, so the rounded answer is accepted.
    width = 0.5 - 3.5e-9
    assert width + 3.5e-9 == 0.5
    assert checking.precision_problems("to the nearest integer", 3.5, width) == []


@pytest.mark.parametrize(
    ("stem", "digits", "significant"),
    [
        ("to zero decimals", 0, False),
        ("to one decimal", 1, False),
        ("to two decimals", 2, False),
        ("to three decimal places", 3, False),
        ("to four decimals", 4, False),
        ("to five decimals", 5, False),
        ("to six decimals", 6, False),
        ("to 2 decimals", 2, False),
        ("to three significant figures", 3, True),
        ("to 2 Significant Digits", 2, True),
        ("to the nearest whole number", 0, False),
        ("to the nearest degree", 0, False),
    ],
)
def test_stated_precision(stem, digits, significant):
    assert checking.stated_precision(f"Give it {stem}.") == checking.Precision(digits, significant)


def test_no_stated_precision():
    assert checking.stated_precision("How many dimensions?") is None


@pytest.mark.parametrize(
    ("precision", "value", "unit", "rounded", "text"),
    [
        (checking.Precision(2), 0.256, 0.01, 0.26, "2 decimals"),
        (checking.Precision(0), 3.5, 1.0, 4.0, "0 decimals"),
        (checking.Precision(2, True), 1234.0, 100.0, 1200.0, "2 significant figures"),
        (checking.Precision(2, True), -0.01234, 0.001, -0.012, "2 significant figures"),
        (checking.Precision(3, True), 0.0, 0.01, 0.0, "3 significant figures"),
        (checking.Precision(1, True), 9.6, 1.0, 10.0, "1 significant figures"),
    ],
)
def test_precision_units_and_rounding(precision, value, unit, rounded, text):
    assert precision.unit(value) == pytest.approx(unit, rel=1e-12)
    assert precision.round(value) == pytest.approx(rounded, rel=1e-12, abs=1e-15)
    assert str(precision) == text


def test_the_rounded_answer_rejected_is_reported_with_its_digits():
    (problem,) = checking.precision_problems("to two decimals", 0.254, 0.001)
    assert problem.startswith("the stem asks for 2 decimals, but the correctly rounded answer")
    assert "0.25 is rejected (tolerance 0.001)" in problem
    (problem,) = checking.precision_problems("to two decimals", 0.25, 0.02)
    assert "wider than one unit (0.01) of the 2 decimals" in problem


# -- the other question types, and answers that are not answers ------------------------------
def choices_question(kind: str) -> Question:
    return question(
        f"edge-{kind}",
        kind,
        stem="Which?",
        chapter="01_autoencoders",
        points=3,
        choices=(
            Choice("a", "A", correct=True, feedback="A is right."),
            Choice("b", "B", correct=kind == "multiple", feedback="B too."),
            Choice("c", "C", feedback="C is not."),
        ),
    )


def blanks_question(*blanks: Blank) -> Question:
    stem = " ".join(f"{{{{{b.name}}}}}" for b in blanks)
    return question(
        "edge-blanks", "fill_blank", stem=stem, chapter="01_autoencoders", blanks=blanks
    )


def test_single_choice():
    q = choices_question("single")
    right, wrong = checking.check(q, "a"), checking.check(q, "c")
    assert (right.correct, right.points, right.feedback) == (True, 3, "Correct. A is right.")
    assert (wrong.correct, wrong.points, wrong.feedback) == (False, 0, "Not quite: C is not.")
    for empty in (None, ""):
        with pytest.raises(checking.IncompleteAnswer, match="Choose an answer first"):
            checking.check(q, empty)
    with pytest.raises(KeyError, match="no choice 'z'"):
        checking.check(q, "z")


def test_multiple_choice():
    q = choices_question("multiple")
    right = checking.check(q, ["b", "a"])
    assert right.correct and right.points == 3 and right.answer == ["a", "b"]
    assert right.feedback == "Correct. A is right. B too."
    subset = checking.check(q, ["a"])
    assert not subset.correct and subset.points == 0
    assert subset.feedback == f"Not quite: {checking.MULTIPLE_WRONG} A is right."
    assert not checking.check(q, ["a", "b", "c"]).correct
    with pytest.raises(checking.IncompleteAnswer, match="at least one"):
        checking.check(q, [])
    with pytest.raises(ValueError, match="list of choice ids"):
        checking.check(q, "a")
    with pytest.raises(ValueError, match="list of choice ids"):
        checking.check(q, 3)
    with pytest.raises(KeyError):
        checking.check(q, ["a", "z"])


def test_one_blank_and_two_blanks():
    one = blanks_question(Blank("w", ("latent",)))
    assert checking.check(one, {"w": "  Latent "}).feedback == "Correct."
    assert checking.check(one, {"w": "pixel"}).feedback == "Not quite: the blank is not right."
    two = blanks_question(Blank("w", ("latent",)), Blank("v", ("decoder",)))
    outcome = checking.check(two, {"w": "latent", "v": "encoder"})
    assert outcome.feedback == "Not quite: blank 1 is right; blank 2 is not."
    assert checking.blank_summary([False, True, False]) == (
        "blank 1 is not; blank 2 is right; blank 3 is not."
    )
    assert checking.check(two, {"w": "latent  ", "v": " decoder"}).answer == {
        "w": "latent",
        "v": "decoder",
    }


def test_blank_answers_that_are_not_answers():
    q = blanks_question(Blank("w", ("latent",), word_bank=("latent", "pixel")))
    with pytest.raises(ValueError, match="map blank names"):
        checking.check(q, "latent")
    with pytest.raises(ValueError, match="has no blank 'x'"):
        checking.check(q, {"w": "latent", "x": "y"})
    with pytest.raises(checking.IncompleteAnswer, match="Fill in every blank"):
        checking.check(q, {"w": "   "})
    with pytest.raises(checking.IncompleteAnswer, match="Fill in every blank"):
        checking.check(q, {})
    with pytest.raises(ValueError, match="not in its word bank"):
        checking.check(q, {"w": "data"})


@pytest.mark.parametrize(
    ("typed", "value"),
    [(" -2.5 ", -2.5), ("\u22120.5", -0.5), ("1e-3", 0.001), ("+.5", 0.5), ("1 000", 1000.0)],
)
def test_numbers_as_typed(typed, value):
    assert checking.parse_number(typed) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (True, checking.NOT_A_NUMBER),
        ("0.25.1", checking.NOT_A_NUMBER),
        ("nan", checking.NOT_A_NUMBER),
        ("1/2", checking.NOT_A_NUMBER),
        ("", checking.NOT_A_NUMBER),
        ("1e999", checking.NOT_FINITE),
        (float("inf"), checking.NOT_FINITE),
        (float("nan"), checking.NOT_FINITE),
    ],
)
def test_not_numbers(typed, message):
    with pytest.raises(checking.IncompleteAnswer) as error:
        checking.parse_number(typed)
    assert str(error.value) == message


def test_numeric_feedback_names_the_side():
    q = numeric(0.25, absolute=0.01)
    assert checking.check(q, 0.3).feedback == "Not quite: 0.3 is too high."
    assert checking.check(q, "-1e-7").feedback == "Not quite: -1e-07 is too low."


def test_accepts_and_the_test_table():
    typed = blanks_question(
        Blank("w", ("latent",), word_bank=("latent", "pixel")), Blank("v", ("sqrt(d)",))
    )
    assert checking.accepts(typed, "√d") and not checking.accepts(typed, "sqrt(D)")
    assert not checking.accepts(typed, "  ")
    table = AnswerTable(accept=("√d", "sqrt(D)"), reject=("d", "sqrt d"))
    tabled = replace(typed, checks=table)
    assert checking.table_problems(tabled) == [
        ("checks.accept[1]", "the checker rejects 'sqrt(D)'"),
        ("checks.reject[1]", "the checker accepts 'sqrt d'"),
    ]
    assert checking.table_problems(typed) == []
    with pytest.raises(ValueError, match="no typed blank"):
        checking.accepts(blanks_question(Blank("w", ("a",), word_bank=("a", "b"))), "a")
    with pytest.raises(ValueError, match="has no typed answer"):
        checking.accepts(choices_question("single"), "a")


@pytest.mark.parametrize(
    ("precision", "value", "text"),
    [
        (checking.Precision(2), 1234567.894, "1234567.89"),
        (checking.Precision(2), 0.5, "0.50"),
        (checking.Precision(0), 2.5, "2"),
        (checking.Precision(2, True), 1234.0, "1200"),
        (checking.Precision(2, True), 0.0012345, "0.0012"),
    ],
)
def test_precision_writes_the_asked_for_digits(precision, value, text):
    assert precision.format(value) == text


def test_the_rounded_answer_is_reported_with_all_its_digits():
    (problem,) = checking.precision_problems("to two decimals", 1234567.894, 0.001)
    assert "the correctly rounded answer 1234567.89 is rejected" in problem


def test_tolerance_wider_than_one_unit_exactly_at_the_slack():
    # The slack is 1e-9 * max(1, |answer|): 1e-9 here. A tolerance of one unit plus half
    # the slack is fair, one unit plus 1.5 slacks is not; exactly unit + slack is fair.
    assert checking.precision_problems("to two decimals", 0.25, 0.01 + 0.5e-9) == []
    assert checking.precision_problems("to two decimals", 0.25, 0.01 + 1e-9) == []
    assert len(checking.precision_problems("to two decimals", 0.25, 0.01 + 1.5e-9)) == 1


def test_a_wrong_choice_sorting_before_the_key_is_wrong():
    q = replace(
        choices_question("single"), choices=(Choice("a", "A"), Choice("b", "B", correct=True))
    )
    assert not checking.check(q, "a").correct and checking.check(q, "b").correct
    with pytest.raises(KeyError):
        checking.check(q, 3)  # not a choice id, and not an empty answer


def test_the_first_unknown_blank_is_named():
    q = blanks_question(Blank("w", ("latent",)))
    with pytest.raises(ValueError, match="has no blank 'a'"):
        checking.check(q, {"w": "latent", "b": "x", "a": "y"})


def test_outcomes_and_precisions_are_frozen_values():
    outcome = checking.check(numeric(0.25, absolute=0.01), 0.25)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.points = 5
    assert len({checking.Precision(2), checking.Precision(2)}) == 1
