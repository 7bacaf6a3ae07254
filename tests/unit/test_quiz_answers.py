"""Typed answers are checked as a mathematician reads them. Every typed question of the course
bank carries a table of answers its checker must accept and must reject, and the checker gets
every row right (static/quiz.js is held to the same rows in tests/browser/test_quiz_static.py);
every listed variant is accepted; LaTeX, Unicode, square roots, exponents, articles and
punctuation do not matter, case does in single-letter symbols (d is not D); a numeric stem
states its precision and the tolerance follows it; the hints show no number. The quiz package
loads and checks a bank without importing ipywidgets."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import vae_course
from vae_course.quiz import checking, load_bank, read_bank
from vae_course.quiz.cues import checker_problems
from vae_course.quiz.schema import BankError, normalize_answer
from vae_course.quiz.validate import parse_bank

BANK = load_bank()
TYPED_QUESTIONS = [q for q in BANK if q.type == "numeric" or any(b.typed for b in q.blanks)]
TYPED = [
    (q, i, b) for q in BANK if q.type == "fill_blank" for i, b in enumerate(q.blanks) if b.typed
]
ROWS = [
    (q, typed, want)
    for q in TYPED_QUESTIONS
    if q.checks is not None
    for want, entries in ((True, q.checks.accept), (False, q.checks.reject))
    for typed in entries
]


def filled(question, index: int, value: str) -> dict:
    """Blank ``index`` gets ``value``, the others their first listed answer."""
    return {b.name: value if i == index else b.answers[0] for i, b in enumerate(question.blanks)}


@pytest.mark.parametrize("question", TYPED_QUESTIONS, ids=lambda q: q.id)
def test_every_typed_question_has_a_table_beyond_its_key(question):
    table = question.checks
    assert table is not None, f"{question.id}: add checks: {{accept: [...], reject: [...]}}"
    if question.type == "numeric":
        listed = {repr(question.answer), f"{question.answer:g}"}
    else:
        listed = {a for b in question.blanks for a in b.answers}
    # an accepted form beyond the listed answers as written, and two wrong answers
    assert [a for a in table.accept if a not in listed], question.id
    assert len(table.reject) >= 2, question.id


@pytest.mark.parametrize(
    "question, typed, want",
    ROWS,
    ids=[f"{q.id}:{'accept' if w else 'reject'}:{t}" for q, t, w in ROWS],
)
def test_the_checker_gets_every_row_of_the_tables_right(question, typed, want):
    assert checking.accepts(question, typed) is want


def test_the_whole_bank_has_no_checker_problem():
    assert [str(p) for p in checker_problems(read_bank())] == []


@pytest.mark.parametrize(
    "question, index, blank", TYPED, ids=[f"{q.id}:{b.name}" for q, _, b in TYPED]
)
def test_every_listed_variant_is_accepted_and_a_wrong_one_is_not(question, index, blank):
    for answer in blank.answers:
        for typed in (answer, f"  {answer}  ", f"${answer}$", answer.replace(" ", "  ")):
            assert checking.check(question, filled(question, index, typed)).correct, typed
    outcome = checking.check(question, filled(question, index, "definitely not this"))
    assert not outcome.correct
    assert outcome.feedback.startswith("Not quite:")


@pytest.mark.parametrize(
    "a, b",
    [
        ("N(0, I)", "N(0,I)"),
        ("$N(0, I)$", "N(0, I)"),
        ("\\mathcal{N}(0, I)", "N(0,I)"),
        ("\\(\\mathcal N(0,I)\\)", "N(0, I)"),
        ("Standard  Normal", "standard normal"),
        ("the standard Gaussian", "standard gaussian"),
        ("A standard normal.", "standard normal"),
        ("quick.", "quick"),
        ('"quick"', "quick"),
        ("`quick`", "quick"),
        ("ELBO", "elbo"),
        ("\\sqrt d", "sqrt(d)"),
        ("\\sqrt{d}", "sqrt(d)"),
        ("sqrt{d}", "sqrt(d)"),
        ("sqrt d", "sqrt(d)"),
        ("\u221ad", "sqrt(d)"),
        ("\u221a(d)", "sqrt(d)"),
        ("d^{1/2}", "sqrt(d)"),
        ("d^(1/2)", "sqrt(d)"),
        ("d^0.5", "sqrt(d)"),
        ("d**0.5", "sqrt(d)"),
        ("(d)^.5", "sqrt(d)"),
        ("the square root of d", "sqrt(d)"),
        ("\u22480", "0"),
        ("\\approx 0", "0"),
        ("~0", "0"),
        ("\\varepsilon", "\u03b5"),
        ("\\epsilon", "\u03f5"),
        ("p(z \\mid x)", "p(z|x)"),
        ("q_\\phi(z|x)", "q_\u03c6(z|x)"),
        ("L_{1}", "L_1"),
        ("0", "0.0"),
        ("0", "0.00"),
        ("0", "-0"),
        ("\u22120.5", "-0.5"),
        ("-.5", "-0.50"),
        ("1e-3", "0.001"),
        ("1E+2", "100"),
        ("\uff2b\uff2c", "kl"),  # full-width letters (NFKC)
    ],
)
def test_equal_variants(a, b):
    assert normalize_answer(a) == normalize_answer(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("0.1", "0.01"),
        ("latent", "latent space"),
        ("standard normal", "standardnormal"),
        ("10", "1"),
        ("-1", "1"),
        ("p(z)", "q(z)"),
        ("sqrt(d)", "sqrt(D)"),  # d latent dimensions, D pixels: the notation's case
        ("\\sqrt{D}", "\\sqrt{d}"),
        ("N(0, I)", "n(0, i)"),
        ("L", "l"),
        ("d^2", "sqrt(d)"),
        ("d^0.55", "sqrt(d)"),
        ("\\leftarrow", "arrow"),
        ("quick mode", "quick"),
    ],
)
def test_different_answers_stay_different(a, b):
    assert normalize_answer(a) != normalize_answer(b)


def test_an_answer_made_only_of_punctuation_is_not_an_answer():
    q = next(q for q, _, _ in TYPED)
    assert normalize_answer("...") == ""
    assert not checking.accepts(q, "...")


def _numeric(stem: str, answer: float, absolute: float, checks: dict | None = None) -> dict:
    q = {"id": "zz-num", "type": "numeric", "stem": stem, "answer": answer, "explanation": "."}
    q["tolerance"] = {"absolute": absolute}
    if checks is not None:
        q["checks"] = checks
    return q


def _parse(question: dict):
    return parse_bank({"chapter": "99_t", "title": "T", "questions": [question]}, "99_t.yaml")


@pytest.mark.parametrize(
    "stem, answer, width, flagged",
    [
        ("Compute it.", 0.70711, 0.005, "states no precision"),
        ("Compute it to two decimals.", 0.70711, 0.005, None),
        ("Compute it to two decimals.", 0.70711, 0.01, None),
        ("Compute it (three decimals).", 0.70711, 0.0001, "is rejected"),
        ("Compute it to two decimals.", 0.70711, 0.05, "wider than one unit"),
        ("Give it to 3 significant figures.", 1234.5, 10.0, None),
        ("Give it to 3 significant figures.", 1234.5, 1.0, "is rejected"),
        ("Give it to 3 significant figures.", 1234.5, 100.0, "wider than one unit"),
        ("How many?", 544.0, 0.5, None),  # a whole number needs no stated precision
        ("How many?", 544.0, 2.0, "states no precision"),
        ("To the nearest integer, how many?", 12.4, 0.5, None),
    ],
)
def test_precision_is_stated_and_the_tolerance_follows_it(stem, answer, width, flagged):
    problems = checking.precision_problems(stem, answer, width)
    if flagged is None:
        assert problems == []
    else:
        assert any(flagged in p for p in problems), problems


@pytest.mark.parametrize("q", [q for q in BANK if q.type == "numeric"], ids=lambda q: q.id)
def test_a_correctly_rounded_or_truncated_answer_passes_every_numeric_question(q):
    precision = checking.stated_precision(q.stem)
    if precision is None:
        assert q.answer == round(q.answer), f"{q.id}: no precision stated"
        return
    unit = precision.unit(q.answer)
    rounded = precision.round(q.answer)
    truncated = math.trunc(round(q.answer / unit, 6)) * unit
    for typed in (rounded, truncated):
        assert checking.check(q, f"{typed:.{max(precision.digits, 0) + 2}f}").correct, typed
    assert not checking.check(q, rounded + 2 * unit).correct
    assert not checking.check(q, rounded - 2 * unit).correct


def test_a_wrong_row_in_a_table_is_reported_with_its_field():
    data = _numeric(
        "Compute it to two decimals.", 0.25, 0.01, {"accept": ["0.25", "0.5"], "reject": ["0.25"]}
    )
    q = _parse(data).questions[0]
    assert checking.table_problems(q) == [
        ("checks.accept[1]", "the checker rejects '0.5'"),
        ("checks.reject[0]", "the checker accepts '0.25'"),
    ]


@pytest.mark.parametrize(
    "question, field, words",
    [
        (
            {
                "id": "zz-single",
                "type": "single",
                "stem": "?",
                "choices": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
                "checks": {"accept": ["a"]},
                "explanation": ".",
            },
            "checks",
            "only for type",
        ),
        (
            {
                "id": "zz-two",
                "type": "fill_blank",
                "stem": "{{a}} {{b}}",
                "blanks": {"a": {"answers": ["x"]}, "b": {"answers": ["y"]}},
                "checks": {"accept": ["x"]},
                "explanation": ".",
            },
            "checks",
            "exactly one typed blank",
        ),
        (_numeric("?", 1, 0.5, {"accept": "1"}), "checks.accept", "must be a list"),
        (_numeric("?", 1, 0.5, {"accept": [["1"]]}), "checks.accept[0]", "must be a string"),
        (_numeric("?", 1, 0.5, {"keep": ["1"]}), "checks.keep", "unknown key"),
        (_numeric("?", 1, 0.5, {}), "checks", "accept and/or reject"),
    ],
)
def test_a_malformed_table_is_refused_naming_the_field(question, field, words):
    with pytest.raises(BankError) as info:
        _parse(question)
    assert info.value.field == field
    assert words in str(info.value)


def test_the_hints_show_no_number_that_could_be_a_key():
    q = next(q for q in BANK if q.type == "numeric")
    for text in ("abc", "0x10", "1,5", "nan", "inf"):
        with pytest.raises(checking.IncompleteAnswer) as info:
            checking.check(q, text)
        assert not re.search(r"[0-9]", str(info.value)), str(info.value)
    js = (Path(vae_course.__file__).parent / "quiz" / "static" / "quiz.js").read_text("utf-8")
    hint = re.search(r'NOT_A_NUMBER =\s*"([^"]*)"', js)
    assert hint is not None and hint.group(1) == checking.NOT_A_NUMBER


def test_bank_loads_and_checks_without_ipywidgets():
    code = (
        "import sys\n"
        "import vae_course.quiz as quiz\n"
        "from vae_course.quiz import cues, static\n"
        "qs = quiz.load_bank()\n"
        "static.render_static('T', qs)\n"
        "cues.surface_cues(quiz.read_bank())\n"
        "q = next(q for q in qs if q.type == 'numeric')\n"
        "quiz.check(q, q.answer)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('ipywidgets', 'IPython', 'torch')))\n"
    )
    source = str(Path(vae_course.__file__).resolve().parents[1])  # this tree, not a wheel
    env = {**os.environ, "PYTHONPATH": source}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_a_typed_answer_to_a_question_without_one_is_a_clear_error():
    word_bank = next(
        q for q in BANK if q.type == "fill_blank" and not any(b.typed for b in q.blanks)
    )
    with pytest.raises(ValueError, match=f"question '{word_bank.id}': no typed blank"):
        checking.accepts(word_bank, "latent")
    single = next(q for q in BANK if q.type == "single")
    with pytest.raises(ValueError, match="has no typed answer"):
        checking.accepts(single, "a")
