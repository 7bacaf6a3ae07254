"""The Canvas QTI 1.2 export read back as Canvas reads it, at the edges where a wrong element
changes a mark: a numerical question's exact answer and range (the course's tolerance,
absolute or relative, at its edges), a calculated (formula) question's one tolerance, absolute
or 'p%' of the answer, checked at each exported variable set, or refused where no single
tolerance is the course's; which choices and words are scored; the quiz's points."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from test_boundaries_exports import calculated
from test_boundaries_formula import Reader

from vae_course.quiz.schema import Blank, Choice, Tolerance
from vae_course_instructor.export_qti import export_qti

from questions import question

NS = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def read_qti(data: bytes) -> tuple[dict[str, ET.Element], ET.Element]:
    """(items by ident, the Canvas quiz meta) of an exported zip, found through the manifest."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        hrefs = {}
        for resource in manifest.iter(
            "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}resource"
        ):
            hrefs[resource.get("type")] = resource.find("*").get("href")
        assessment = ET.fromstring(archive.read(hrefs["imsqti_xmlv1p2"]))
        meta_type = "associatedcontent/imscc_xmlv1p1/learning-application-resource"
        meta = ET.fromstring(archive.read(hrefs[meta_type]))
    return {i.get("ident"): i for i in assessment.iter(f"{NS}item")}, meta


def full_score_condition(item: ET.Element) -> ET.Element:
    """The conditionvar of the respcondition that sets SCORE to 100."""
    (cond,) = [
        c
        for c in item.iter(f"{NS}respcondition")
        if any(s.get("action") == "Set" and s.text == "100" for s in c.iter(f"{NS}setvar"))
    ]
    return cond.find(f"{NS}conditionvar")


def canvas_numeric_accepts(item: ET.Element, response: float) -> bool:
    """Canvas's numerical answer: the exact value, or within [vargte, varlte]."""
    var = full_score_condition(item)
    exact = float(var.find(f"{NS}or/{NS}varequal").text)
    lo = float(var.find(f"{NS}or/{NS}and/{NS}vargte").text)
    hi = float(var.find(f"{NS}or/{NS}and/{NS}varlte").text)
    return response == exact or lo <= response <= hi


# (answer, tolerance, accepted, rejected), by hand: half-width max(abs, rel * |answer|).
NUMERIC = [
    (2.0, Tolerance(absolute=0.05), [2.0, 1.951, 2.049], [1.949, 2.051]),
    (-0.5, Tolerance(relative=0.01), [-0.5049, -0.4951], [-0.5051, -0.4949]),
    (3.0, Tolerance(absolute=0.01, relative=0.01), [2.971, 3.029], [2.969, 3.031]),
    (3.0, Tolerance(absolute=0.04, relative=0.01), [2.961, 3.039], [2.959, 3.041]),
    (7.0, Tolerance(), [7.0], [6.999, 7.001]),
]


@pytest.mark.parametrize(("answer", "tolerance", "accepted", "rejected"), NUMERIC)
def test_numerical_range_is_the_courses_tolerance(answer, tolerance, accepted, rejected):
    q = question("zz-num", "numeric", answer=answer, tolerance=tolerance)
    items, _ = read_qti(export_qti("num", [q]))
    for r in accepted:
        assert canvas_numeric_accepts(items["zz-num"], r), r
    for r in rejected:
        assert not canvas_numeric_accepts(items["zz-num"], r), r


def canvas_calculated(item: ET.Element) -> tuple[list[tuple[dict, float]], str, str]:
    """(var sets with their answers, formula, answer_tolerance) of a formula question."""
    calc = item.find(f"{NS}itemproc_extension/{NS}calculated")
    sets = []
    for var_set in calc.iter(f"{NS}var_set"):
        values = {v.get("name"): float(v.text) for v in var_set.iter(f"{NS}var")}
        sets.append((values, float(var_set.find(f"{NS}answer").text)))
    formula = calc.find(f"{NS}formulas/{NS}formula").text
    return sets, formula, calc.find(f"{NS}answer_tolerance").text


def canvas_calculated_accepts(tolerance: str, answer: float, response: float) -> bool:
    """Canvas: a number is absolute; 'p%' is p percent of the answer's size."""
    if tolerance.endswith("%"):
        width = float(tolerance[:-1]) / 100 * abs(answer)
    else:
        width = float(tolerance)
    return answer - width <= response <= answer + width


# (tolerance, values of x, expected answer_tolerance): the answer is x.
CALCULATED = [
    ({"absolute": 0.05}, [1, 10], "0.05"),
    ({"relative": 0.01}, [1, 10], "1%"),
    ({"absolute": 0.05, "relative": 0.01}, [1, 2], "0.05"),  # 0.05 is the wider at 1 and 2
    ({"absolute": 0.05, "relative": 0.01}, [10, 20], "1%"),  # 0.1 and 0.2: relative wider
    # A tie (0.1 = 1% of 10) goes either way: the other answer decides.
    ({"absolute": 0.1, "relative": 0.01}, [1, 10], "0.1"),
    ({"absolute": 0.1, "relative": 0.01}, [10, 20], "1%"),
]


@pytest.mark.parametrize(("tolerance", "xs", "expected"), CALCULATED)
def test_formula_question_tolerance_is_the_courses_at_every_variable_set(tolerance, xs, expected):
    q = calculated(tolerance, xs=xs)
    items, _ = read_qti(export_qti("calc", [q]))
    sets, formula, answer_tolerance = canvas_calculated(items["zz-calc"])
    assert answer_tolerance == expected
    assert {values["x"] for values, _ in sets} == set(xs)
    for values, answer in sets:
        assert Reader("canvas", values).read(formula) == pytest.approx(answer, abs=1e-12)
        assert answer == pytest.approx(q.compute(values), abs=1e-12)
        lo, hi = q.tolerance.bounds(answer)
        width = hi - answer
        for r in (answer - 0.99 * width, answer + 0.99 * width):
            assert canvas_calculated_accepts(answer_tolerance, answer, r), (values, r)
        for r in (answer - 1.01 * width, answer + 1.01 * width):
            assert not canvas_calculated_accepts(answer_tolerance, answer, r), (values, r)


def test_a_tolerance_no_single_canvas_tolerance_can_say_is_refused_by_name():
    # At x = 1 the absolute 0.05 is the wider, at x = 10 the relative 0.1: Canvas has one.
    q = calculated({"absolute": 0.05, "relative": 0.01}, xs=[1, 10])
    with pytest.raises(ValueError, match="'zz-calc'.*one tolerance.*absolute 0.05.*0.01"):
        export_qti("calc", [q])


# -- choices, blanks, points ---------------------------------------------------------------------
def _labels(item: ET.Element) -> dict[str, str]:
    return {
        label.get("ident"): label.find(f"{NS}material/{NS}mattext").text
        for label in item.iter(f"{NS}response_label")
    }


def test_single_choice_scores_the_key_only():
    choices = tuple(Choice(f"c{i}", f"option {i}", i == 2) for i in range(4))
    items, _ = read_qti(export_qti("mc", [question("zz-one", "single", choices=choices)]))
    item = items["zz-one"]
    (key,) = [v.text for v in full_score_condition(item).iter(f"{NS}varequal")]
    assert _labels(item)[key] == "option 2"


def test_multiple_answers_require_every_key_and_no_other_choice():
    correct = [True, False, True, False]
    choices = tuple(Choice(f"c{i}", f"option {i}", ok) for i, ok in enumerate(correct))
    items, _ = read_qti(export_qti("mc", [question("zz-many", "multiple", choices=choices)]))
    item = items["zz-many"]
    both = full_score_condition(item).find(f"{NS}and")
    required = [v.text for v in both.findall(f"{NS}varequal")]
    refused = [v.text for v in both.findall(f"{NS}not/{NS}varequal")]
    labels = _labels(item)
    assert sorted(labels[i] for i in required) == ["option 0", "option 2"]
    assert sorted(labels[i] for i in refused) == ["option 1", "option 3"]


def test_each_blank_scores_the_words_the_course_accepts_and_shares_add_up():
    blanks = (
        Blank("first", ("d",), word_bank=("d", "D", "n")),
        Blank("second", ("z",), word_bank=("x", "z")),
        Blank("third", ("mu",), word_bank=("mu", "sigma")),
    )
    q = question("zz-words", "fill_blank", stem="{{first}} {{second}} {{third}}", blanks=blanks)
    items, _ = read_qti(export_qti("words", [q]))
    item = items["zz-words"]
    labels = _labels(item)
    scored, total = {}, 0.0
    for cond in item.iter(f"{NS}respcondition"):
        for setvar in cond.iter(f"{NS}setvar"):
            if setvar.get("action") == "Add":
                (var,) = cond.find(f"{NS}conditionvar")
                scored[var.get("respident")] = labels[var.text]
                total += float(setvar.text)
    assert scored == {"response_first": "d", "response_second": "z", "response_third": "mu"}
    # Each dropdown offers its whole word bank, in the bank's order.
    offered = {
        lid.get("ident"): [
            _labels(lid)[label.get("ident")] for label in lid.iter(f"{NS}response_label")
        ]
        for lid in item.iter(f"{NS}response_lid")
    }
    assert offered == {
        "response_first": ["d", "D", "n"],
        "response_second": ["x", "z"],
        "response_third": ["mu", "sigma"],
    }
    assert total == pytest.approx(100, abs=0.011)  # three shares of 33.33


def test_quiz_points_are_the_sum_and_a_pinned_choice_stops_shuffling():
    free = tuple(Choice(f"c{i}", f"option {i}", i == 0) for i in range(3))
    pinned = (*free[:2], Choice("c2", "option 2", pinned=True))
    qs = [
        question("zz-a", "single", choices=free, points=2),
        question("zz-b", "numeric", answer=1.0, tolerance=Tolerance(), points=0.5),
    ]
    _, meta = read_qti(export_qti("quiz", qs))
    field = {e.tag.split("}")[1]: e.text for e in meta}
    assert float(field["points_possible"]) == 2.5 and field["shuffle_answers"] == "true"
    qs[0] = question("zz-a", "single", choices=pinned, points=2)
    _, meta = read_qti(export_qti("quiz", qs))
    assert {e.tag.split("}")[1]: e.text for e in meta}["shuffle_answers"] == "false"


def test_answer_ids_are_unique_in_the_quiz():
    # Canvas's own exports number answers across the quiz (original_answer_ids); questions
    # side by side, with choices or typed blanks, must not share one.
    qs = [
        question(
            f"zz-typed{n}",
            "fill_blank",
            stem="{{gap}}",
            blanks=(Blank("gap", ("one", "two", "three", "four")),),
        )
        for n in range(3)
    ]
    choices = tuple(Choice(f"c{i}", f"option {i}", i == 0) for i in range(3))
    qs[:0] = [question(f"zz-one{n}", "single", choices=choices) for n in range(2)]
    items, _ = read_qti(export_qti("ids", qs))
    idents = [label for item in items.values() for label in _labels(item)]
    assert len(idents) == 18 and len(set(idents)) == 18
    for item in items.values():
        # Canvas's answer ids are whole numbers, listed in the item's original_answer_ids.
        assert all(re.fullmatch(r"[1-9][0-9]*", i) for i in _labels(item))
        listed = _metadata(item)["original_answer_ids"].split(",")
        assert listed == list(_labels(item))


def _metadata(item: ET.Element) -> dict[str, str]:
    fields = item.iter(f"{NS}qtimetadatafield")
    return {f.find(f"{NS}fieldlabel").text: f.find(f"{NS}fieldentry").text for f in fields}


@pytest.mark.parametrize(("kind", "cardinality"), [("single", "Single"), ("multiple", "Multiple")])
def test_response_cardinality_lets_a_student_tick_as_many_as_the_key_needs(kind, cardinality):
    # QTI 1.2: rcardinality Single takes one choice, Multiple any number.
    keys = 1 if kind == "single" else 2
    choices = tuple(Choice(f"c{i}", f"option {i}", i < keys) for i in range(3))
    items, _ = read_qti(export_qti("card", [question("zz-card", kind, choices=choices)]))
    (lid,) = items["zz-card"].iter(f"{NS}response_lid")
    assert lid.get("rcardinality") == cardinality


def test_formula_question_text_shows_each_variable_where_canvas_substitutes_it():
    q = calculated(
        {"absolute": 0.05}, formula="x + a * mu", explanation="With [[a]] it is [[answer]]."
    )
    items, _ = read_qti(export_qti("calc", [q]))
    item = items["zz-calc"]
    text = item.find(f"{NS}presentation/{NS}material/{NS}mattext").text
    assert "[[" not in text
    (general,) = [f for f in item.iter(f"{NS}itemfeedback") if f.get("ident") == "general_fb"]
    assert "".join(general.itertext()).strip() == "With [a] it is [answer]."
    sets, _, _ = canvas_calculated(item)
    for values, _answer in sets[:4]:
        shown = re.sub(r"\[(\w+)\]", lambda m, v=values: f"{v[m.group(1)]:g}", text)
        assert f"x = {values['x']:g}" in shown and f"a = {values['a']:g}" in shown
        assert f"\\mu = {values['mu']:g}" in shown


def test_each_variable_is_declared_with_its_range_and_decimals():
    # Canvas's formula question declares each variable (name, min, max, decimal places).
    q = calculated({"absolute": 0.05}, formula="x + a * mu")
    items, _ = read_qti(export_qti("calc", [q]))
    calc = items["zz-calc"].find(f"{NS}itemproc_extension/{NS}calculated")
    declared = {
        v.get("name"): (
            int(v.get("scale")),
            float(v.find(f"{NS}min").text),
            float(v.find(f"{NS}max").text),
        )
        for v in calc.iter(f"{NS}var")
        if v.get("scale") is not None
    }
    sets, _, _ = canvas_calculated(items["zz-calc"])
    assert set(declared) == {"x", "a", "mu"}
    assert declared["a"][0] == 2 and declared["mu"][0] == 1 and declared["x"][0] == 0
    for name, (_scale, lo, hi) in declared.items():
        listed = [values[name] for values, _ in sets]
        assert (lo, hi) == (min(listed), max(listed))
