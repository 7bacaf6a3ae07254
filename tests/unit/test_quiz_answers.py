"""Typed answers: every variant listed in the course bank is accepted, also as a learner types
it (other case, extra spaces, $...$), notation and number variants are equal, wrong ones are
not; and the quiz package loads and checks a bank without importing ipywidgets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import vae_course
from vae_course.quiz import checking, load_bank
from vae_course.quiz.schema import normalize_answer

TYPED = [
    (q, i, b)
    for q in load_bank()
    if q.type == "fill_blank"
    for i, b in enumerate(q.blanks)
    if b.typed
]


def filled(question, index: int, value: str) -> dict:
    """Blank ``index`` gets ``value``, the others their first listed answer."""
    return {b.name: value if i == index else b.answers[0] for i, b in enumerate(question.blanks)}


@pytest.mark.parametrize(
    "question, index, blank", TYPED, ids=[f"{q.id}:{b.name}" for q, _, b in TYPED]
)
def test_every_listed_variant_is_accepted_and_a_wrong_one_is_not(question, index, blank):
    for answer in blank.answers:
        for typed in (answer, f"  {answer.upper()}  ", f"${answer}$", answer.replace(" ", "  ")):
            assert checking.check(question, filled(question, index, typed)).correct, typed
    outcome = checking.check(question, filled(question, index, "definitely not this"))
    assert not outcome.correct
    assert outcome.feedback.startswith("Not quite:")


@pytest.mark.parametrize(
    "a, b",
    [
        ("N(0, I)", "N(0,I)"),
        ("N(0, I)", "n( 0 , i )"),
        ("$N(0, I)$", "N(0, I)"),
        ("Standard  Normal", "standard normal"),
        ("0", "0.0"),
        ("0", "0.00"),
        ("0", "-0"),
        ("\u22120.5", "-0.5"),
        ("-.5", "-0.50"),
        ("1e-3", "0.001"),
        ("ＫＬ", "kl"),  # full-width letters (NFKC)
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
    ],
)
def test_different_answers_stay_different(a, b):
    assert normalize_answer(a) != normalize_answer(b)


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
