"""What the three LMS exports share, checked by hand: numbers written without an exponent that
read back as the same float, the accepted interval of a numeric answer (absolute, relative of
a negative answer, the wider of both), the Moodle category path, stable export identifiers,
and the parameter sets listed for a calculated question (each with the course's answer, the
ones without a finite answer skipped, never more tries than four per set)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from test_boundaries_exports import calculated

from vae_course.quiz.schema import Tolerance
from vae_course_instructor import export_common
from vae_course_instructor.export_common import (
    bounds,
    category_path,
    export_id,
    export_seed,
    fixed_version,
    margin,
    plain_number,
    total_points,
    value_sets,
)

from questions import question


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (-2.5, "-2.5"),
        (1e-05, "0.00001"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e20, "100000000000000000000"),
        (-0.0, "0"),
        (0.0, "0"),
        (120.0, "120"),
        (-1e-07, "-0.0000001"),
    ],
)
def test_plain_number_has_no_exponent_and_reads_back_exactly(value, text):
    assert plain_number(value) == text
    assert float(text) == value


def _numeric(answer: float, tolerance: Tolerance | None):
    return question("zz-n", "numeric", answer=answer, tolerance=tolerance)


@pytest.mark.parametrize(
    ("answer", "tolerance", "width"),
    [
        (5.0, None, 0.0),
        (5.0, Tolerance(), 0.0),
        (5.0, Tolerance(absolute=0.25), 0.25),
        (-4.0, Tolerance(relative=0.5), 2.0),  # relative to |answer|: never negative
        (-4.0, Tolerance(absolute=1.0, relative=0.5), 2.0),  # the wider of the two
        (-4.0, Tolerance(absolute=3.0, relative=0.5), 3.0),
    ],
)
def test_margin_and_bounds_by_hand(answer, tolerance, width):
    q = _numeric(answer, tolerance)
    assert margin(q) == width
    assert bounds(q) == (answer - width, answer + width)


def test_category_path_is_one_category_named_by_the_title():
    assert category_path("Week 3 / VAEs") == "$course$/top/Week 3 // VAEs"
    assert category_path("  spaced  \u2003 out  ") == "$course$/top/spaced out"
    assert category_path("bell\x07") == "$course$/top/bell?"


def test_export_ids_are_stable_and_change_with_title_salt_and_content():
    a = _numeric(1.0, Tolerance(absolute=0.5))
    b = _numeric(2.0, Tolerance(absolute=0.5))
    ident = export_id("quiz", [a])
    assert re.fullmatch(r"g[0-9a-f]{32}", ident)
    assert export_id("quiz", [a]) == ident
    others = {export_id("quiz 2", [a]), export_id("quiz", [b]), export_id("quiz", [a], "meta")}
    assert ident not in others and len(others) == 3
    assert export_seed(a) != export_seed(a, "1")
    assert export_seed(a) != export_seed(question("zz-m", "numeric", answer=1.0))


def test_total_points_adds_every_question():
    qs = [question(f"zz-{i}", "numeric", answer=1.0, points=p) for i, p in enumerate([2, 0.5])]
    assert total_points(qs) == 2.5 and isinstance(total_points(qs), float)


def test_value_sets_give_each_set_the_courses_answer():
    q = calculated({"absolute": 0.05}, formula="x + a * mu")
    sets = value_sets(q)
    assert len(sets) == export_common.EXPORT_ITEMS == 20
    assert value_sets(q) == sets  # deterministic
    for values, answer in sets:
        assert answer == q.compute(values)
    assert len(value_sets(q, 3)) == 3 and value_sets(q, 3) == sets[:3]


def test_value_sets_skip_sets_without_a_finite_answer(monkeypatch):
    # 1 / (x - 10) has no value at x = 10 (validation would refuse it: set afterwards).
    q = replace(calculated({"absolute": 0.05}, xs=(1, 10, 12)), formula="1 / (x - 10)")
    sets = value_sets(q, 5)
    assert len(sets) == 5
    assert all(values["x"] != 10 for values, _ in sets)
    # Never more than four draws per set asked for, even if none has an answer.
    calls = []

    def no_answer(values):
        calls.append(values)
        raise ValueError("no finite value")

    monkeypatch.setattr(type(q), "compute", lambda self, values: no_answer(values))
    assert value_sets(q, 5) == []
    assert len(calls) == 20


def test_fixed_version_is_the_first_listed_set_as_a_numeric_question():
    q = calculated({"absolute": 0.05}, formula="x + a * mu")
    fixed = fixed_version(q, "title")
    values, answer = value_sets(q, 1)[0]
    assert fixed.type == "numeric" and fixed.answer == answer
    assert fixed.tolerance == Tolerance(absolute=0.05)
    plain = _numeric(1.0, Tolerance())
    assert fixed_version(plain, "title") is plain
