"""Calculated questions: a safe formula language, answers checked against independent
computations, per-student values that are reproducible and never handed out, and exports whose
datasets carry the answers grade uses."""

from __future__ import annotations

import json
import math
import re
import zipfile

import lxml.etree as LET
import numpy as np
import pytest
import torch
from scipy import optimize, stats
from test_instructor_support import ROSTER, cli, read_grades

from vae_course import losses
from vae_course_instructor.banks import read_assessment
from vae_course_instructor.calculated import Calculated, draw, instantiate
from vae_course_instructor.formula import FormulaError, parse
from vae_course_instructor.keyfile import read_key
from vae_course_instructor.seeds import student_seed

# -- the language -------------------------------------------------------------------------------
REFUSED = [
    "__import__('os').system('true')",
    "x.real",
    "x[0]",
    "(lambda: 1)()",
    "open('f')",
    "x if x else 1",
    "x < 1",
    "sqrt(x=1)",
    "eval('1')",
    "[1, 2]",
    "'text'",
    "True + x",
    "sqrt(*[x])",
    "f'{x}'",
    "y + 1",  # not a parameter
    "log()",
    "(" * 5000 + "x" + ")" * 5000,
    "x + " * 200 + "x",
]


@pytest.mark.parametrize("text", REFUSED)
def test_the_language_refuses_everything_but_arithmetic(text):
    with pytest.raises(FormulaError):
        parse(text, {"x"})


@pytest.mark.parametrize(
    ("text", "values"),
    [("2 ** 10 ** 10", {}), ("1 / (x - x)", {"x": 1}), ("log(-x)", {"x": 1}), ("exp(1000)", {})],
)
def test_no_finite_value_is_an_error_not_a_crash(text, values):
    with pytest.raises(FormulaError):
        parse(text, set(values))(values)


def test_the_language_computes_like_python_math():
    x, y = 0.7, -1.3
    cases = {
        "-x ** 2 + 3 * y / 2": -(x**2) + 3 * y / 2,
        "sqrt(x) * exp(y) - log(x, 2) + log2(8)": math.sqrt(x) * math.exp(y) - math.log(x, 2) + 3,
        "atan2(y, x) + acos(x) - pi + e": math.atan2(y, x) + math.acos(x) - math.pi + math.e,
        "max(x, y, 0.5) + min(x, y) + abs(y)": 0.7 - 1.3 + 1.3,
    }
    for text, expected in cases.items():
        assert parse(text, {"x", "y"})({"x": x, "y": y}) == pytest.approx(expected)


# -- the assessment bank, against independent computations ---------------------------------------
def _kl(mu, sd):
    return torch.distributions.kl_divergence(
        torch.distributions.Normal(torch.tensor(mu, dtype=torch.float64), sd),
        torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64), 1.0),
    ).item()


def _log_normal(x, m, s):
    return (
        torch.distributions.Normal(torch.tensor(m, dtype=torch.float64), s)
        .log_prob(torch.tensor(x, dtype=torch.float64))
        .item()
    )


def _evidence(w, s, x):
    z = np.linspace(-12, 12, 200_001)  # integrate p(x | z) p(z) over z
    p = stats.norm.pdf(x, loc=w * z, scale=s) * stats.norm.pdf(z)
    integrate = getattr(np, "trapezoid", None) or np.trapz
    return math.log(integrate(p, z))


def _kl_to_two_modes(w: float) -> float:
    """KL(q || posterior) by quadrature: q = N(0, 1), posterior w N(0, 1) + (1 - w) N(40, 1)."""
    z = np.linspace(-12.0, 52.0, 640_001)
    log_q = stats.norm.logpdf(z)
    log_post = np.logaddexp(np.log(w) + log_q, np.log1p(-w) + stats.norm.logpdf(z, loc=40.0))
    integrate = getattr(np, "trapezoid", None) or np.trapz
    return float(integrate(np.exp(log_q) * (log_q - log_post), z))


def _elbo_gap(v) -> float:
    """log p(x) by quadrature minus the ELBO of q = N(m, sd^2), both in closed or numeric form
    independent of the posterior: E_q[log p(x | z)] + E_q[log p(z)] + H(q)."""
    w, s, x, m, sd = v["w"], v["s"], v["x"], v["m"], v["sd"]
    expected_log_lik = -0.5 * math.log(2 * math.pi * s**2) - ((x - w * m) ** 2 + w**2 * sd**2) / (
        2 * s**2
    )
    expected_log_prior = -0.5 * math.log(2 * math.pi) - (m**2 + sd**2) / 2
    entropy = torch.distributions.Normal(0.0, sd).entropy().item()
    return _evidence(w, s, x) - (expected_log_lik + expected_log_prior + entropy)


def _linear_code_error(v) -> float:
    """Squared error of the best rank-2 linear reconstruction of a 4-D covariance: the
    Eckart-Young residual, computed by an SVD of the covariance's square root."""
    cov_sqrt = np.diag(np.sqrt([v["b"], v["f"], v["a"], v["c"]]))
    u, sv, vt = np.linalg.svd(cov_sqrt)
    best = (u[:, :2] * sv[:2]) @ vt[:2]
    return float(np.sum((cov_sqrt - best) ** 2))


def _angle(x0, y0, x1, y1):
    return abs(math.degrees(math.atan2(y1, x1) - math.atan2(y0, x0)))


INDEPENDENT = {
    "a01-pca-variance-share": lambda v: (lambda ev: ev[-2:].sum() / ev.sum())(
        np.linalg.eigvalsh(np.diag([v["a"], v["b"], v["c"], v["f"]]) @ _rotation(4))
    ),
    "a01-linear-layer-size": lambda v: sum(
        p.numel() for p in torch.nn.Linear(int(v["n"]), int(v["m"])).parameters()
    ),
    "a02-conv-layer-size": lambda v: sum(
        p.numel() for p in torch.nn.Conv2d(int(v["cin"]), int(v["cout"]), int(v["k"])).parameters()
    ),
    "a02-sparse-penalty": lambda v: (
        v["kappa"] * torch.tensor([v["z1"], v["z2"], v["z3"]], dtype=torch.float64).norm(p=1).item()
    ),
    "a03-gaussian-log-density": lambda v: _log_normal(v["x"], v["m"], v["s"]),
    "a03-linear-gaussian-evidence": lambda v: _evidence(v["w"], v["s"], v["x"]),
    "a03-mode-seeking-gap": lambda v: _kl_to_two_modes(v["w"]),
    "a04-kl-one-dimension": lambda v: _kl(v["mu"], v["sd"]),
    "a04-kl-two-dimensions": lambda v: _kl(v["m1"], v["s1"]) + _kl(v["m2"], v["s2"]),
    "a05-nats-to-bits-per-dim": lambda v: losses.bits_per_dim(v["nats"], 784),
    "a05-warmup-weight": lambda v: losses.kl_warmup(int(v["t"]), int(v["w"])),
    "a06-prior-mass-disc": lambda v: stats.chi2(2).cdf(v["r"] ** 2),
    "a06-temperature-norm": lambda v: v["tau"] ** 2 * stats.chi2(int(v["d"])).mean(),
    "a07-lerp-midpoint-norm": lambda v: float(
        np.linalg.norm((np.array([v["r0"], 0, 0]) + np.array([0, v["r1"], 0])) / 2)
    ),
    "a07-slerp-angle": lambda v: _angle(v["x0"], v["y0"], v["x1"], v["y1"]),
    "a08-free-bits-kl": lambda v: (
        torch.tensor([v["k1"], v["k2"], v["k3"]], dtype=torch.float64)
        .clamp(min=v["lam"])
        .sum()
        .item()
    ),
    "a08-beta-loss": lambda v: v["dist"] + v["beta"] * v["rate"],
    "a08-collapse-threshold": lambda v: optimize.brentq(
        lambda beta: (v["d1"] + beta * v["r1"]) - v["d0"], 0.0, 100.0, xtol=1e-12
    ),
    "a09-iwae-two-samples": lambda v: (
        torch.logsumexp(torch.tensor([v["l1"], v["l2"]], dtype=torch.float64), 0) - math.log(2)
    ).item(),
    "a01-linear-code-error": _linear_code_error,
    "a02-code-rescaling": lambda v: (
        v["kappa"]
        * (torch.tensor([v["z1"], v["z2"], v["z3"]], dtype=torch.float64) / v["c"]).norm(p=1).item()
    ),
    "a04-gap-linear-gaussian": _elbo_gap,
    "a05-kl-term-split": lambda v: (
        v["r"] - torch.distributions.Categorical(torch.ones(int(v["n"]))).entropy().item()
    ),
    "a06-aggregate-fit-kl": lambda v: torch.distributions.kl_divergence(
        torch.distributions.MultivariateNormal(
            torch.zeros(2, dtype=torch.float64),
            torch.diag(torch.tensor([v["v1"] + v["s"], v["v2"] + v["s"]], dtype=torch.float64)),
        ),
        torch.distributions.MultivariateNormal(
            torch.zeros(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)
        ),
    ).item(),
    "a07-lerp-point-norm": lambda v: (
        ((1 - v["t"]) ** 2 + v["t"] ** 2) * stats.chi2(int(v["d"])).mean()
    ),
    "a09-iwae-dominant-weight": lambda v: (
        torch.logsumexp(
            torch.tensor([v["l"]] + [v["l"] - 50.0] * (int(v["k"]) - 1), dtype=torch.float64), 0
        )
        - math.log(v["k"])
    ).item(),
    "a09-bound-gap-bits": lambda v: (
        losses.bits_per_dim(v["iwae"], 784) - losses.bits_per_dim(v["elbo"], 784)
    ),
}


def _rotation(n: int) -> np.ndarray:
    """Identity (eigvalsh of a diagonal matrix times I): the variances along the axes."""
    return np.eye(n)


ASSESSMENT = [q for f in read_assessment() for q in f.questions]


# One question per chapter on its central idea: a number only the chapter's idea computes.
CENTRAL_IDEA = {
    1: "a01-linear-code-error",  # a linear autoencoder's optimum is PCA's subspace
    2: "a02-code-rescaling",  # a penalty on the code means nothing without a fixed scale
    3: "a03-mode-seeking-gap",  # the ELBO charges only the log of the mass q covers
    4: "a04-gap-linear-gaussian",  # the ELBO's gap is KL(q || posterior)
    5: "a05-kl-term-split",  # the KL term bounds the information from above; I <= log N
    6: "a06-aggregate-fit-kl",  # how far the aggregate posterior is from the prior
    7: "a07-lerp-point-norm",  # lerp cuts inside the shell where prior samples live
    8: "a08-collapse-threshold",  # the price above which collapse is the optimum
    9: "a09-iwae-dominant-weight",  # L_K averages the weights inside the logarithm
}


def test_every_chapter_has_a_calculated_question_on_its_central_idea():
    by_id = {q.id: q for q in ASSESSMENT}
    for n, qid in CENTRAL_IDEA.items():
        assert isinstance(by_id[qid], Calculated) and by_id[qid].chapter.startswith(f"{n:02d}_")


def test_at_least_two_calculated_questions_per_chapter():
    chapters = [q.chapter for q in ASSESSMENT if isinstance(q, Calculated)]
    for n in range(1, 10):
        assert sum(c.startswith(f"{n:02d}_") for c in chapters) >= 2, n
    assert {q.id for q in ASSESSMENT} == set(INDEPENDENT)


@pytest.mark.parametrize("question", ASSESSMENT, ids=lambda q: q.id)
def test_each_answer_formula_matches_an_independent_computation(question):
    for i in range(12):
        values = draw(question, student_seed(b"check" * 4, "assessment", f"s{i}"))
        got = question.compute(values)
        want = INDEPENDENT[question.id](values)
        assert got == pytest.approx(want, rel=1e-6, abs=1e-6), (values, got, want)
        shown = instantiate(question, values)
        assert shown.type == "numeric" and shown.answer == got
        assert "[[" not in shown.stem and "[[" not in shown.explanation


# -- per-student assignments -------------------------------------------------------------------
MINE = r"""
chapter: zz_calc
title: Calculated
questions:
  - id: calc-kl
    type: calculated
    stem: "KL of $\\mathcal{N}([[mu]], [[sd]]^2)$ from $\\mathcal{N}(0, 1)$ in nats?"
    parameters:
      mu: {min: -2, max: 2, step: 0.01}
      sd: {min: 0.2, max: 2, step: 0.01}
    answer: "0.5 * (mu**2 + sd**2 - 1) - log(sd)"
    tolerance: {absolute: 0.001}
    explanation: "It is [[answer]] nats."
    points: 2
  - id: calc-mass
    type: calculated
    stem: "Prior mass of the disc of radius [[r]] in two dimensions?"
    parameters:
      r: {min: 0.1, max: 3, step: 0.001}
    answer: "1 - exp(-r**2 / 2)"
    tolerance: {relative: 0.001}
    explanation: "[[answer]]"
"""


def _assign(tmp, out="handout", key="instructor/key.json"):
    (tmp / "bank").mkdir(exist_ok=True)
    (tmp / "bank/zz_calc.yaml").write_text(MINE, encoding="utf-8")
    (tmp / "secret.txt").write_text("c" * 40)
    result = cli(
        "assign",
        "--roster",
        str(ROSTER),
        "--name",
        "calc",
        "--bank",
        "bank",
        "--chapter",
        "zz_calc",
        "--out",
        out,
        "--key",
        key,
        "--secret-file",
        "secret.txt",
        cwd=tmp,
    )
    assert result.returncode == 0, result.stderr
    assert "public self-check bank" not in result.stderr  # nothing fixed from the public bank
    return read_key(tmp / key)


@pytest.fixture(scope="module")
def calc_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("calc")
    return tmp, _assign(tmp)


def _number_spellings(x: float) -> set[str]:
    out = {repr(x), str(x), f"{x:g}"}
    out |= {f"{x:.{d}f}" for d in range(2, 8)} | {f"{x:.{d}g}" for d in range(3, 8)}
    # Spellings with a decimal point and at least 4 digits (shorter ones occur by chance).
    return {s for s in out if "." in s and sum(c.isdigit() for c in s.lstrip("-0.")) >= 4}


def test_students_get_their_own_values_and_no_answer_is_handed_out(calc_class):
    tmp, key = calc_class
    seen = set()
    for version in key.versions:
        sid = version.student.student_id
        files = (tmp / "handout" / f"{sid}.ipynb").read_text() + (
            tmp / "handout" / f"{sid}.html"
        ).read_text()
        for q in key.questions_of(version):
            values = version.values[q.id]
            seen.add((q.id, tuple(sorted(values.items()))))
            for value in values.values():
                assert f"{value:g}" in files or repr(value) in files  # the student's numbers
            for spelling in _number_spellings(q.answer):
                assert spelling not in files, (sid, q.id, spelling)
        for secret in ("log(sd)", "exp(-r", "tolerance", "[[answer]]", "It is "):
            assert secret not in files
    assert len(seen) == 2 * len(key.versions)  # every student has their own numbers


def test_the_same_secret_and_roster_give_byte_identical_assignments(calc_class, tmp_path):
    tmp, _ = calc_class
    _assign(tmp_path)
    for path in sorted((tmp / "handout").iterdir()):
        assert (tmp_path / "handout" / path.name).read_bytes() == path.read_bytes()
    assert (tmp_path / "instructor/key.json").read_bytes() == (
        tmp / "instructor/key.json"
    ).read_bytes()


def test_grade_checks_each_student_against_their_own_values(calc_class):
    from test_instructor_support import make_handins

    tmp, key = calc_class
    synthetic = make_handins(key, tmp / "handout", tmp / "handins", skip=0)
    # s002 copies s001's numbers: wrong for s002, whose values differ.
    first, second = key.versions[0], key.versions[1]
    copied = json.loads((tmp / "handins/responses-s001.json").read_text())
    theirs = tmp / "handins/s002.ipynb"
    nb = json.loads(theirs.read_text())
    doc = nb["cells"][-1]["outputs"][0]["data"]["application/vnd.vae-course.responses+json"]
    mine = {a["question_id"]: a["answer"] for a in copied["attempts"]}
    for attempt in doc["attempts"]:
        if attempt["question_id"] in mine:
            attempt["answer"] = mine[attempt["question_id"]]
    theirs.write_text(json.dumps(nb))
    result = cli("grade", "handins", "--key", "instructor/key.json", "--out", "grades", cwd=tmp)
    assert result.returncode == 0, result.stderr
    rows = read_grades(tmp / "grades/grades.csv")
    s1 = first.student.student_id
    for q in key.questions_of(first):
        want = q.points if synthetic.expected[s1][q.id] else 0
        assert float(rows[s1][q.id]) == want
    s2 = second.student.student_id
    for q in key.questions_of(second):
        if q.id in mine and q.id in {a["question_id"] for a in doc["attempts"]}:
            other = next(x for x in key.questions_of(first) if x.id == q.id)
            lo, hi = q.tolerance.bounds(q.answer)
            if not lo <= float(mine[q.id]) <= hi:
                assert float(rows[s2][q.id]) == 0, (q.id, other.answer, q.answer)


# -- exports --------------------------------------------------------------------------------------
def _moodle_eval(formula: str, values: dict) -> float:
    """Moodle's calculated syntax read independently: {name}, pow(), pi(), log = ln."""
    text = re.sub(r"\{(\w+)\}", lambda m: repr(values[m.group(1)]), formula)
    text = text.replace("pi()", repr(math.pi))
    names = {n: getattr(math, n) for n in ("sqrt", "exp", "log", "sin", "cos", "acos", "atan2")}
    names.update(pow=math.pow, abs=abs, min=min, max=max)
    return eval(text, {"__builtins__": {}}, names)  # test-only reader of our own export


def _canvas_eval(formula: str, values: dict) -> float:
    text = formula.replace("^", "**")
    names = {n: getattr(math, n) for n in ("sqrt", "exp", "sin", "cos", "acos", "atan2")}
    names.update(ln=math.log, log=math.log10, abs=abs, min=min, max=max, pi=math.pi, e=math.e)
    names.update(values)
    return eval(text, {"__builtins__": {}}, names)  # test-only reader of our own export


def test_exported_calculated_questions_carry_the_answers_grade_uses(tmp_path):
    chapters = [f.chapter for f in read_assessment()]
    args = [a for c in chapters for a in ("--chapter", c)]
    for fmt, name in (("moodle-xml", "a.xml"), ("canvas-qti", "a.zip")):
        result = cli("export", "--format", fmt, *args, "--out", name, cwd=tmp_path)
        assert result.returncode == 0 and "calculated" in result.stderr, result.stderr
    by_id = {q.id: q for q in ASSESSMENT}
    root = LET.parse(str(tmp_path / "a.xml")).getroot()
    nodes = root.xpath("//question[@type='calculated']")
    assert len(nodes) == len(ASSESSMENT)
    for node in nodes:
        q = by_id[node.findtext("name/text")]
        formula = node.findtext("answer/text")
        items = {}
        for d in node.iterfind("dataset_definitions/dataset_definition"):
            for item in d.iterfind("dataset_items/dataset_item"):
                items.setdefault(item.findtext("number"), {})[d.findtext("name/text")] = float(
                    item.findtext("value")
                )
        assert len(items) >= 10
        for values in items.values():
            graded = instantiate(q, values).answer  # what grade would accept
            assert _moodle_eval(formula, values) == pytest.approx(graded, rel=1e-9, abs=1e-12)
        assert "{" + q.parameters[0].name + "}" in node.findtext("questiontext/text")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        xml = next(n for n in archive.namelist() if n.count("/") == 1 and "meta" not in n)
        qti = LET.fromstring(archive.read(xml))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    items = qti.xpath("//q:item", namespaces=ns)
    assert len(items) == len(ASSESSMENT)
    for item in items:
        q = by_id[item.get("ident")]
        formula = item.xpath(".//q:formula/text()", namespaces=ns)[0]
        for var_set in item.xpath(".//q:var_set", namespaces=ns):
            values = {v.get("name"): float(v.text) for v in var_set.xpath("q:var", namespaces=ns)}
            answer = float(var_set.xpath("q:answer/text()", namespaces=ns)[0])
            graded = instantiate(q, values).answer
            assert answer == pytest.approx(graded, rel=1e-12)
            assert _canvas_eval(formula, values) == pytest.approx(graded, rel=1e-9, abs=1e-12)
