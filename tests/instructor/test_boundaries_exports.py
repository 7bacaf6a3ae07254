"""The Moodle XML export read back as Moodle reads it, at the edges where a wrong element
changes a mark: a calculated question's tolerance (nominal or relative, and both at once,
which the course reads as the wider one), its variants (dataset items numbered 1..n), the
{name} and {=formula} substitutions in its text; the grades of single and multiple choices;
the cloze weights of blanks; the case forms of a case-sensitive typed blank.

Moodle's rules, from its source (question/type/numerical/question.php): a response gets the
fraction of the first answer whose interval holds it; a relative tolerance t of answer a is
[a - t|a|, a + t|a|], a nominal one [a - t, a + t] (both widened by about 1e-14, ignored
here: the points tested are far from the edges' rounding)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from test_boundaries_formula import Reader
from test_boundaries_moodle import markers, moodle_accepts

from vae_course.quiz.schema import Blank, Choice
from vae_course_instructor.calculated import parse_calculated
from vae_course_instructor.export_moodle import blank_weights, case_matters, export_moodle

from questions import question


def calculated(
    tolerance: dict, *, formula: str = "x", explanation: str = "[[answer]].", xs=(1, 10)
):
    """A calculated question whose answer is x, x one of ``xs`` (or the formula given)."""
    raw = {
        "id": "zz-calc",
        "type": "calculated",
        "stem": "Take $x = [[x]]$ and $a = [[a]]$, $\\mu = [[mu]]$.",
        "parameters": {
            "x": {"values": list(xs)},
            "a": {"values": [0.25, 2]},
            "mu": {"min": 0.5, "max": 1.5, "step": 1},
        },
        "answer": formula,
        "tolerance": tolerance,
        "explanation": explanation,
    }
    return parse_calculated(raw, "99_zz", "99_zz.yaml")


def only_question(xml: bytes) -> ET.Element:
    (node,) = [n for n in ET.fromstring(xml).iterfind("question") if n.get("type") != "category"]
    return node


def variants(node: ET.Element) -> list[dict[str, float]]:
    """Moodle's variants: variant v (1..itemcount) takes each dataset's item numbered v."""
    definitions = node.findall("dataset_definitions/dataset_definition")
    count = int(definitions[0].findtext("itemcount"))
    out = []
    for v in range(1, count + 1):
        values = {}
        for d in definitions:
            assert int(d.findtext("itemcount")) == count
            items = {
                int(i.findtext("number")): float(i.findtext("value"))
                for i in d.iterfind("dataset_items/dataset_item")
            }
            values[d.findtext("name/text")] = items[v]  # a KeyError: Moodle finds no value
        out.append(values)
    return out


def moodle_fraction(node: ET.Element, values: dict[str, float], response: float) -> float:
    """The fraction Moodle gives a response to a calculated question at these values."""
    for answer in node.iterfind("answer"):
        a = Reader("moodle", values).read(answer.findtext("text"))
        t = abs(float(answer.findtext("tolerance")))  # as Moodle reads it
        kind = answer.findtext("tolerancetype")
        assert kind in ("1", "2"), kind  # 3, geometric, is never written
        width = t * abs(a) if kind == "1" else t
        if a - width <= response <= a + width:
            return float(answer.get("fraction"))
    return 0.0


# (tolerance, x, accepted, rejected): the course accepts |r - x| <= max(abs, rel * |x|).
EDGES = [
    ({"absolute": 0.05}, 1, [0.951, 1.049], [0.949, 1.051]),
    ({"absolute": 0.05}, 10, [9.951, 10.049], [9.949, 10.051]),
    ({"relative": 0.01}, 1, [0.991, 1.009], [0.989, 1.011]),
    ({"relative": 0.01}, 10, [9.91, 10.09], [9.89, 10.11]),
    # Both: the absolute part is wider at x = 1 (0.05 > 0.01), the relative at x = 10 (0.1).
    ({"absolute": 0.05, "relative": 0.01}, 1, [0.951, 1.049], [0.949, 1.051]),
    ({"absolute": 0.05, "relative": 0.01}, 10, [9.91, 10.09], [9.89, 10.11]),
]


@pytest.mark.parametrize(("tolerance", "x", "accepted", "rejected"), EDGES)
def test_calculated_tolerance_is_read_by_moodle_as_the_course_reads_it(
    tolerance, x, accepted, rejected
):
    q = calculated(tolerance)
    node = only_question(export_moodle("calc", [q]))
    at_x = [v for v in variants(node) if v["x"] == x]
    assert at_x, f"no variant with x = {x}"
    for values in at_x:
        lo, hi = q.tolerance.bounds(q.compute(values))
        for r in accepted:
            assert lo <= r <= hi  # the table is the course's rule
            assert moodle_fraction(node, values, r) == 100, (tolerance, values, r)
        for r in rejected:
            assert not lo <= r <= hi
            assert moodle_fraction(node, values, r) == 0, (tolerance, values, r)


def test_every_variant_has_a_value_of_every_parameter_and_the_courses_answer():
    q = calculated({"absolute": 0.05}, formula="x + a * mu")
    node = only_question(export_moodle("calc", [q]))
    found = variants(node)
    assert len(found) >= 10
    for values in found:
        assert set(values) == {"x", "a", "mu"}
        assert moodle_fraction(node, values, q.compute(values)) == 100
    # Each parameter's values occur (the draws are deterministic, 20 of 8 combinations).
    assert {v["x"] for v in found} == {1, 10} and {v["mu"] for v in found} == {0.5, 1.5}


def test_each_dataset_states_the_decimals_of_its_values():
    # Moodle writes the values it generates or edits with this many decimals.
    q = calculated({"absolute": 0.05})
    node = only_question(export_moodle("calc", [q]))
    decimals = {
        d.findtext("name/text"): int(d.findtext("decimals/text"))
        for d in node.iterfind("dataset_definitions/dataset_definition")
    }
    assert decimals == {"x": 0, "a": 2, "mu": 1}


def _moodle_text(text: str, values: dict[str, float]) -> str:
    """Moodle's substitution in a calculated question's texts: {=expr} and {name}."""
    text = re.sub(
        r"\{=([^{}]*(?:\{\w+\}[^{}]*)*)\}",
        lambda m: f"{Reader('moodle', values).read(m.group(1)):g}",
        text,
    )
    return re.sub(r"\{(\w+)\}", lambda m: f"{values[m.group(1)]:g}", text)


def test_stem_and_explanation_show_each_students_values_and_answer():
    # 'a' sorts before 'answer' and 'mu' after it: the answer is told apart by equality.
    q = calculated(
        {"absolute": 0.05},
        formula="x + a * mu",
        explanation="With $a = [[a]]$ and $\\mu = [[mu]]$ it is [[answer]].",
    )
    node = only_question(export_moodle("calc", [q]))
    stem = node.findtext("questiontext/text")
    explanation = node.findtext("generalfeedback/text")
    assert "[[" not in stem + explanation
    for values in variants(node)[:4]:
        shown = _moodle_text(stem, values)
        assert f"x = {values['x']:g}" in shown and f"a = {values['a']:g}" in shown
        assert f"\\mu = {values['mu']:g}" in shown
        told = _moodle_text(explanation, values)
        answer = values["x"] + values["a"] * values["mu"]
        assert told.endswith(f"it is {answer:g}."), told
        assert f"a = {values['a']:g}" in told and f"\\mu = {values['mu']:g}" in told


# -- multiple choice ---------------------------------------------------------------------------
def _choices(*correct: bool) -> tuple[Choice, ...]:
    return tuple(Choice(f"c{i}", f"option {i}", ok, f"why {i}") for i, ok in enumerate(correct))


def moodle_multichoice(node: ET.Element, ticked: list[int]) -> float:
    """Moodle's grade: one answer's fraction (single), or the sum over the ticked answers
    clamped to [0, 100] (multiple)."""
    fractions = [float(a.get("fraction")) for a in node.iterfind("answer")]
    if node.findtext("single") == "true":
        assert len(ticked) == 1, "a one-answer question takes one choice"
        return fractions[ticked[0]]
    return max(0.0, min(100.0, sum(fractions[i] for i in ticked)))


def test_a_single_answer_question_is_one_choice_with_the_key_worth_everything():
    q = question("zz-one", "single", choices=_choices(False, True, False))
    node = only_question(export_moodle("mc", [q]))
    assert node.findtext("single") == "true"  # radio buttons: one choice
    assert [moodle_multichoice(node, [i]) for i in range(3)] == [0, 100, 0]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_multiple_answers_score_full_only_for_exactly_the_keys(k):
    correct = [True] * k + [False, False]
    q = question("zz-many", "multiple", choices=_choices(*correct))
    node = only_question(export_moodle("mc", [q]))
    assert node.findtext("single") == "false"
    keys = list(range(k))
    assert moodle_multichoice(node, keys) == pytest.approx(100, abs=1e-4)
    # Moodle requires the positive grades to add up to 100%.
    fractions = [float(a.get("fraction")) for a in node.iterfind("answer")]
    assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-4)
    # A wrong tick takes the whole mark, even beside every key (ticking all is no way out).
    assert moodle_multichoice(node, [*keys, k]) == 0
    assert moodle_multichoice(node, list(range(k + 2))) == 0
    assert moodle_multichoice(node, [k]) == 0


# -- cloze -------------------------------------------------------------------------------------
def _blanks(k: int, points: float):
    stem = " ".join(f"{{{{b{i}}}}}" for i in range(k))
    blanks = tuple(Blank(f"b{i}", ("word",)) for i in range(k))
    return question("zz-gaps", "fill_blank", stem=stem, points=points, blanks=blanks)


def _cloze_weights(q) -> list[int]:
    text = only_question(export_moodle("cloze", [q])).findtext("questiontext/text")
    return [int(w) for w in re.findall(r"\{(\d+):SHORTANSWER", text)]


@pytest.mark.parametrize(
    ("k", "points", "weights"),
    [
        (2, 4, [2, 2]),  # divides evenly
        (2, 5, [3, 2]),  # whole points that do not divide: add up, differ by one
        (3, 3, [1, 1, 1]),
        (3, 2, [1, 1, 1]),  # fewer points than blanks: one mark each, never a 0 weight
        (2, 1, [1, 1]),
        (2, 3.5, [1, 1]),  # not a whole number: one mark each
        (1, 0.5, [1]),
    ],
)
def test_blank_weights_by_hand(k, points, weights):
    q = _blanks(k, points)
    assert blank_weights(q) == weights
    assert _cloze_weights(q) == weights  # what Moodle reads in the text


# -- case ----------------------------------------------------------------------------------------
def test_case_matters_whichever_way_the_two_forms_sort():
    # Y with diaeresis: lower case U+00FF sorts before upper case U+0178 (d after D).
    for letter in ("\u0178", "\u00ff", "D", "d"):
        assert case_matters(letter), letter


def test_a_case_sensitive_blank_lists_the_sentence_case_of_its_words():
    q = question(
        "zz-sentence",
        "fill_blank",
        stem="{{it}}",
        blanks=(Blank("it", ("ELBO of p(x)",)),),
    )
    ((kind, options),) = markers(export_moodle("case", [q]))["zz-sentence"]
    assert kind == "SHORTANSWER_C"
    for typed in ("ELBO of p(x)", "elbo of p(x)", "Elbo of p(x)", "ELBO OF p(x)"):
        assert q.blanks[0].accepts(typed)
        assert moodle_accepts(kind, options, typed), typed
    assert not moodle_accepts(kind, options, "ELBO of P(x)")
