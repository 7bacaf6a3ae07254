"""The GIFT export read back with Moodle's GIFT import rules (test_instructor_support's
gift_questions), at the edges where a wrong character changes a mark: a numeric answer's
tolerance (absolute, relative made absolute for a negative answer), the grades of single and
multiple choices, one question per blank with the others shown as numbered gaps, typed
answers with a literal '*', a '%' in a choice that is not a weight, and a calculated question
written as one numeric question with its fixed values."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_boundaries_exports import calculated
from test_instructor_support import gift_questions

from vae_course.quiz.schema import Blank, Choice, Tolerance
from vae_course_instructor.export_common import value_sets
from vae_course_instructor.export_gift import export_gift

from questions import question


def read(*questions) -> dict:
    text = export_gift("gift", list(questions)).decode("utf-8")
    assert text.startswith("$CATEGORY: $course$/top/gift\n\n")
    return gift_questions(text)


def numeric_accepts(option, response: float) -> bool:
    """GIFT {#value:tolerance}: Moodle's nominal tolerance."""
    _sign, _weight, value, tolerance = option
    return abs(response - float(value)) <= float(tolerance)


@pytest.mark.parametrize(
    ("answer", "tolerance", "accepted", "rejected"),
    [
        (2.0, Tolerance(absolute=0.05), [1.951, 2.049], [1.949, 2.051]),
        (-0.5, Tolerance(relative=0.01), [-0.5049, -0.4951], [-0.5051, -0.4949]),
        (3.0, Tolerance(absolute=0.01, relative=0.01), [2.971, 3.029], [2.969, 3.031]),
    ],
)
def test_numeric_tolerance_at_its_edges(answer, tolerance, accepted, rejected):
    parsed = read(question("zz-n", "numeric", answer=answer, tolerance=tolerance))
    (option,) = parsed["zz-n"]["options"]
    assert option[0] == "#"
    for r in accepted:
        assert numeric_accepts(option, r), r
    for r in rejected:
        assert not numeric_accepts(option, r), r


def _grade(options, ticked: list[int]) -> float:
    return max(0.0, min(100.0, sum(options[i][1] for i in ticked)))


def test_single_choice_key_is_the_one_right_option_with_its_feedback():
    choices = tuple(Choice(f"c{i}", f"option {i}", i == 1, f"why {i}") for i in range(3))
    options = read(question("zz-one", "single", choices=choices))["zz-one"]["options"]
    assert [(sign, text, fb) for sign, _w, text, fb in options] == [
        ("~", "option 0", "why 0"),
        ("=", "option 1", "why 1"),
        ("~", "option 2", "why 2"),
    ]


@pytest.mark.parametrize("k", [2, 3])
def test_multiple_choices_score_full_only_for_exactly_the_keys(k):
    correct = [True] * k + [False, False]
    choices = tuple(Choice(f"c{i}", f"{i}% of it", ok) for i, ok in enumerate(correct))
    parsed = read(question("zz-many", "multiple", choices=choices))["zz-many"]
    options = parsed["options"]
    # A '%' that starts a choice's text is not read as a weight.
    assert [o[2] for o in options] == [f"{i}&#37; of it" for i in range(k + 2)]
    assert _grade(options, list(range(k))) == pytest.approx(100, abs=1e-4)
    assert _grade(options, list(range(k + 1))) == 0
    assert _grade(options, list(range(k + 2))) == 0
    assert sum(o[1] for o in options if o[1] > 0) == pytest.approx(100, abs=1e-4)


def test_each_blank_is_its_own_question_with_the_others_as_numbered_gaps():
    blanks = (
        Blank("first", ("a*b",)),
        Blank("second", ("z",), word_bank=("x", "z", "Z")),
    )
    q = question("zz-two", "fill_blank", stem="Put {{first}} and {{second}}.", blanks=blanks)
    parsed = read(q)
    assert set(parsed) == {"zz-two-first", "zz-two-second"}
    first, second = parsed["zz-two-first"], parsed["zz-two-second"]
    assert "____ (2)" in first["stem"] and "____ (1)" in second["stem"]
    # A typed '*' is literal ('\\*'), not Moodle's wildcard.
    assert [(o[0], o[2]) for o in first["options"]] == [("=", "a\\*b")]
    assert [(o[0], o[2]) for o in second["options"]] == [("~", "x"), ("=", "z"), ("~", "Z")]


def test_one_blank_keeps_the_question_id():
    q = question("zz-one-gap", "fill_blank", stem="{{gap}}", blanks=(Blank("gap", ("d",)),))
    assert set(read(q)) == {"zz-one-gap"}


def test_a_calculated_question_is_one_numeric_question_with_its_first_listed_values():
    q = calculated({"absolute": 0.05}, formula="x + a * mu")
    text = export_gift("gift", [q]).decode("utf-8")
    values, answer = value_sets(q, 1)[0]
    (option,) = gift_questions(text)["zz-calc"]["options"]
    assert float(option[2]) == answer and float(option[3]) == 0.05
    note = next(line for line in text.splitlines() if line.startswith("// zz-calc"))
    for name, value in values.items():
        assert f"{name} = {value:g}" in note


def test_paragraphs_stay_inside_their_question():
    # GIFT ends a question at a blank line: text with paragraphs is written on one line.
    choices = (Choice("a", "one\n\ntwo", True, "fine\n\nreally"), Choice("b", "three"))
    q = question("zz-para", "single", stem="First.\n\nSecond.", choices=choices)
    q = replace(q, explanation="Because.\n\nTherefore.")
    parsed = read(q)
    assert set(parsed) == {"zz-para"}
    entry = parsed["zz-para"]
    assert "First." in entry["stem"] and "Second." in entry["stem"]
    assert "Because." in entry["general"] and "Therefore." in entry["general"]
    assert [o[2] for o in entry["options"]][1] == "three"


def test_a_typed_answer_keeps_its_percent_sign():
    # a short answer is compared as typed: '50%' must not become the HTML entity '50&#37;'
    q = question("zz-percent", "fill_blank", stem="{{share}}", blanks=(Blank("share", ("50%",)),))
    (option,) = read(q)["zz-percent"]["options"]
    assert (option[0], option[2]) == ("=", "50%")
