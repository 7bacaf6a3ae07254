"""Calculated questions are the same question for every student: the lint samples each
question's parameters and names a constant guess or a dropped term that passes too often, and
a stem that states no precision; the shares it reports agree with an exact enumeration; the
assessment bank has none of these, and `vae-course validate` refuses a bank that has; a stem
that prints the formula it asks for, in any rendering, is refused too."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from test_instructor_support import cli

from vae_course_instructor.banks import read_assessment
from vae_course_instructor.calculated import Calculated, parse_calculated
from vae_course_instructor.fairness import SHARE, fairness_problems


def calculated(stem: str, parameters: dict, answer: str, absolute: float) -> Calculated:
    raw = {
        "id": "zz-calc",
        "type": "calculated",
        "stem": stem,
        "parameters": parameters,
        "answer": answer,
        "tolerance": {"absolute": absolute},
        "explanation": "[[answer]].",
    }
    return parse_calculated(raw, "99_fair", "99_fair.yaml")


WARMUP = (
    "Warm-up over $[[w]]$ steps: $\\beta$ at step $[[t]]$, to three decimals?",
    {"w": {"values": [1000, 2000, 5000, 10000]}, "t": {"min": 0, "max": 12000, "step": 250}},
    "min(1, t / w)",
    0.001,
)


def exact_share(q: Calculated, passes) -> float:
    """Share of all parameter combinations (each equally likely) for which ``passes``."""
    grids = [[p.value(i) for i in range(p.count)] for p in q.parameters]
    combos = list(itertools.product(*grids))
    names = [p.name for p in q.parameters]
    return sum(passes(dict(zip(names, c, strict=True))) for c in combos) / len(combos)


def test_a_constant_guess_that_passes_too_often_is_named_with_its_share():
    q = calculated(*WARMUP)
    problems = fairness_problems(q)
    found = [p for p in problems if p.startswith("the constant guess 1 ")]
    assert len(found) == 1, problems
    reported = int(re.search(r"passes in (\d+)%", found[0]).group(1)) / 100
    want = exact_share(q, lambda v: v["t"] >= v["w"])  # beta = 1 exactly when t >= w
    assert want > SHARE
    assert reported == pytest.approx(want, abs=0.05)  # 1000 draws: 3.5 standard errors


def test_a_forgotten_absolute_value_or_factor_is_named():
    positive = calculated(
        "$\\lambda = [[lam]]$, $z = ([[z1]], [[z2]])$: the penalty, to four decimals?",
        {
            "lam": {"values": [0.1, 0.5]},
            "z1": {"min": 0.1, "max": 2, "step": 0.1},
            "z2": {"min": -2, "max": 2, "step": 0.1},
        },
        "lam * (abs(z1) + abs(z2))",
        0.0001,
    )
    message = next(p for p in fairness_problems(positive) if p.startswith("with abs(...)"))
    reported = int(re.search(r"passes in (\d+)%", message).group(1)) / 100
    assert reported == pytest.approx(exact_share(positive, lambda v: v["z2"] >= 0), abs=0.05)
    one_channel = calculated(
        "$[[cin]]$ in, $[[cout]]$ out, $[[k]] \\times [[k]]$ kernels: parameters?",
        {"cin": {"values": [1, 16, 32]}, "cout": {"values": [8, 16]}, "k": {"values": [3, 5]}},
        "cout * (cin * k * k + 1)",
        0.5,
    )
    assert any(p.startswith("with cin * k -> k ") for p in fairness_problems(one_channel))


def test_a_stem_without_precision_or_a_tolerance_wider_than_it_is_named():
    stem, params, formula, _ = WARMUP
    fair_params = {"w": {"values": [1500, 2500]}, "t": {"min": 50, "max": 1450, "step": 50}}
    unstated = calculated(stem.replace(", to three decimals", ""), fair_params, formula, 0.001)
    assert any("states no precision" in p for p in fairness_problems(unstated))
    too_wide = calculated(stem, fair_params, formula, 0.01)
    assert any("wider than one unit" in p for p in fairness_problems(too_wide))
    fair = calculated(stem, fair_params, formula, 0.001)
    assert fairness_problems(fair) == []


def test_the_assessment_bank_is_fair():
    problems = [
        f"{q.id}: {p}" for f in read_assessment() for q in f.questions for p in fairness_problems(q)
    ]
    assert problems == []


def test_validate_refuses_an_unfair_calculated_question(tmp_path):
    stem, params, formula, tol = WARMUP
    bank = tmp_path / "unfair.yaml"
    bank.write_text(
        "chapter: unfair\ntitle: Unfair\nquestions:\n"
        "  - id: zz-warmup\n    type: calculated\n"
        f"    stem: {stem!r}\n"
        "    parameters:\n      w: {values: [1000, 2000, 5000, 10000]}\n"
        "      t: {min: 0, max: 12000, step: 250}\n"
        f"    answer: {formula!r}\n    tolerance: {{absolute: {tol}}}\n"
        "    explanation: '[[answer]].'\n",
        encoding="utf-8",
    )
    result = cli("validate", str(bank), cwd=tmp_path)
    assert result.returncode == 1
    assert "unfair.yaml: question 'zz-warmup': field 'parameters': the constant guess 1" in (
        result.stderr
    )


SPARSE = {
    "lam": {"values": [0.05, 0.1, 0.2, 0.5]},
    "z1": {"min": -2, "max": -0.1, "step": 0.1},
    "z2": {"min": -2, "max": 2, "step": 0.1},
    "z3": {"min": 0.1, "max": 2, "step": 0.1},
}
KL = {"mu": {"min": -2, "max": 2, "step": 0.1}, "sd": {"min": 0.25, "max": 1.95, "step": 0.1}}
KL_FORMULA = "0.5 * (mu**2 + sd**2 - 1) - log(sd)"
PRINTED = [
    # the assessment bank's own a02-sparse-penalty before this lint: the sum over the code
    (
        "A sparse autoencoder adds $\\lambda \\sum_j |z_j|$ to its loss, with "
        "$\\lambda = [[lam]]$. What does this term add for the code "
        "$z = ([[z1]], [[z2]], [[z3]])$? Give it to four decimals.",
        SPARSE,
        "lam * (abs(z1) + abs(z2) + abs(z3))",
        0.0001,
    ),
    # the formula in the course's symbols, bound to the parameters by the stem
    (
        "For $\\mu = [[mu]]$ and $\\sigma = [[sd]]$, evaluate "
        "$\\mathrm{KL} = \\tfrac12(\\mu^2 + \\sigma^2 - 1) - \\log\\sigma$, to three decimals.",
        KL,
        KL_FORMULA,
        0.001,
    ),
    # another rendering of the same function, with the numbers in place of the symbols
    (
        "What is $\\frac{1}{2}\\left([[mu]]^2 + [[sd]]^{2} - 1\\right) - \\ln [[sd]]$ in nats? "
        "Give it to three decimals.",
        KL,
        KL_FORMULA,
        0.001,
    ),
    # an equivalent rearrangement: the lint compares values, not text
    (
        "With $\\mu = [[mu]]$, $\\sigma = [[sd]]$: "
        "$-\\log\\sigma + \\frac{\\sigma^2 + \\mu^2 - 1}{2}$ is how many nats? "
        "Give it to three decimals.",
        KL,
        KL_FORMULA,
        0.001,
    ),
    # the answer's own text, as code
    (
        "Compute `0.5*(mu**2 + sd**2 - 1) - log(sd)` at mu = [[mu]], sd = [[sd]], to three "
        "decimals.",
        KL,
        KL_FORMULA,
        0.001,
    ),
]


@pytest.mark.parametrize("planted", PRINTED, ids=range(len(PRINTED)))
def test_a_stem_that_prints_the_formula_it_asks_for_is_named(planted):
    problems = fairness_problems(calculated(*planted))
    assert any(p.startswith("the stem prints") for p in problems), problems


def test_a_stem_that_binds_symbols_without_the_formula_is_not_named():
    fair = (
        "The encoder outputs $\\mu = [[mu]]$ and $\\sigma = [[sd]]$ for a one-dimensional latent. "
        "What is $\\mathrm{KL}(q_\\phi(z \\mid x) \\,\\|\\, \\mathcal{N}(0, 1))$ in nats? Give it "
        "to three decimals."
    )
    assert fairness_problems(calculated(fair, KL, KL_FORMULA, 0.001)) == []
    # a part of the formula printed is not the formula: here only the KL's log term
    part = fair.replace("in nats?", "in nats, knowing that $-\\log\\sigma$ is one of its terms?")
    assert fairness_problems(calculated(part, KL, KL_FORMULA, 0.001)) == []


def test_validate_names_the_question_whose_stem_prints_its_formula(tmp_path):
    stem, params, formula, tol = PRINTED[1]
    bank = tmp_path / "printed.yaml"
    bank.write_text(
        "chapter: printed\ntitle: Printed\nquestions:\n"
        "  - id: zz-kl-printed\n    type: calculated\n"
        f"    stem: {json.dumps(stem)}\n"  # YAML's double quotes read JSON's escapes
        "    parameters:\n      mu: {min: -2, max: 2, step: 0.1}\n"
        "      sd: {min: 0.25, max: 1.95, step: 0.1}\n"
        f"    answer: {formula!r}\n    tolerance: {{absolute: {tol}}}\n"
        "    explanation: '[[answer]].'\n",
        encoding="utf-8",
    )
    result = cli("validate", str(bank), cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "printed.yaml: question 'zz-kl-printed': field 'stem': the stem prints the formula it "
        "asks for"
    ) in result.stderr
