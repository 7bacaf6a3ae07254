"""Calculated questions: one numeric question, different numbers for every student.

A bank question of ``type: calculated`` declares parameters with ranges and an answer
formula (:mod:`.formula`); the stem (and the explanation) show parameter values where
``[[name]]`` is written, and the explanation may show ``[[answer]]``::

    - id: 04-kl-one-dimension
      type: calculated
      stem: "An encoder gives $\\mu = [[mu]]$ and $\\sigma = [[s]]$. KL to N(0, 1) in nats?"
      parameters:
        mu: {min: -2, max: 2, step: 0.1}        # values min, min + step, ..., max
        s: {values: [0.5, 1.5, 2]}              # or a list of values
      answer: "0.5 * (mu**2 + s**2 - 1) - log(s)"
      tolerance: {relative: 0.01}
      explanation: "KL = ... = [[answer]] nats."

``assign`` draws each student's values from their HMAC seed (:func:`draw`), and the key
records them; :func:`instantiate` turns the question and the values into the plain numeric
question that student sees and is graded on. The learner's package never sees a formula.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from vae_course.quiz.schema import BankError, Question, Tolerance
from vae_course.quiz.validate import parse_bank

from .formula import FormulaError, evaluate, parse
from .seeds import HmacStream

TYPE = "calculated"
PARAM = re.compile(r"\[\[\s*([A-Za-z_][A-Za-z0-9_]*)\s*\]\]")
PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
MAX_VALUES = 100_000  # values of one parameter's range
_KEYS = {"id", "type", "stem", "explanation", "tags", "points", "parameters", "answer", "tolerance"}


@dataclass(frozen=True)
class Parameter:
    """A parameter's possible values: min, min + step, ..., max; or an explicit list."""

    name: str
    minimum: float = 0.0
    maximum: float = 0.0
    step: float = 0.0
    values: tuple[float, ...] = ()

    @property
    def count(self) -> int:
        if self.values:
            return len(self.values)
        return int(round((self.maximum - self.minimum) / self.step)) + 1

    def value(self, index: int) -> float:
        if self.values:
            return self.values[index]
        # Decimal arithmetic so that 0.1 + 3 * 0.1 is 0.4, not 0.30000000000000004.
        exact = Decimal(repr(self.minimum)) + index * Decimal(repr(self.step))
        return float(exact)

    def to_dict(self) -> dict[str, Any]:
        if self.values:
            return {"values": list(self.values)}
        return {"min": self.minimum, "max": self.maximum, "step": self.step}


@dataclass(frozen=True)
class Calculated(Question):
    """A calculated question: ``answer`` and ``tolerance`` as for numeric, per student."""

    parameters: tuple[Parameter, ...] = ()
    formula: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["type"] = TYPE
        data["parameters"] = {p.name: p.to_dict() for p in self.parameters}
        data["answer"] = self.formula
        return data

    def compute(self, values: Mapping[str, float]) -> float:
        names = frozenset(p.name for p in self.parameters)
        return evaluate(_parsed(self.formula, names), values)


@functools.lru_cache(maxsize=1024)
def _parsed(text: str, names: frozenset[str]):
    return parse(text, names)


def fill(text: str, values: Mapping[str, float]) -> str:
    """``text`` with every [[name]] replaced by its value (shortest round-trip decimal)."""
    return PARAM.sub(lambda m: plain(values[m.group(1)]) if m.group(1) in values else m[0], text)


def plain(value: float) -> str:
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def draw(question: Calculated, seed: bytes) -> dict[str, float]:
    """One student's parameter values, uniform over each parameter's values, from the seed."""
    stream = HmacStream(seed, f"parameters/{question.id}")
    return {p.name: p.value(stream.randbelow(p.count)) for p in question.parameters}


def instantiate(question: Calculated, values: Mapping[str, float]) -> Question:
    """The plain numeric question one student sees and is graded on."""
    answer = question.compute(values)
    shown = {**values, "answer": answer}
    return Question(
        id=question.id,
        type="numeric",
        stem=fill(question.stem, values),
        explanation=fill(question.explanation, shown),
        tags=question.tags,
        points=question.points,
        answer=answer,
        tolerance=question.tolerance or Tolerance(),
        source=question.source,
    )


def corners(question: Calculated) -> list[dict[str, float]]:
    """The parameter combinations checked at validation: every min/max corner (up to 6
    parameters) and every value of each parameter with the others at their first value."""
    params = question.parameters
    out: list[dict[str, float]] = []
    if len(params) <= 6:
        for mask in range(1 << len(params)):
            out.append(
                {p.name: p.value(p.count - 1 if mask >> i & 1 else 0) for i, p in enumerate(params)}
            )
    for p in params:
        for index in range(0, p.count, max(1, p.count // 50)):
            base = {q.name: q.value(0) for q in params}
            base[p.name] = p.value(index)
            out.append(base)
    return out


def parse_calculated(raw: Any, chapter: str, source: str) -> Calculated:
    """Validate one ``type: calculated`` question (raw YAML mapping); BankError on a problem."""
    qid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None

    def error(field: str | None, message: str) -> BankError:
        return BankError(message, file=source, question_id=qid, field=field)

    if not isinstance(raw, dict):
        raise error(None, "a question must be a mapping")
    for key in raw:
        if key not in _KEYS:
            raise error(str(key)[:40], f"unknown key (allowed: {', '.join(sorted(_KEYS))})")
    for key in ("parameters", "answer", "tolerance"):
        if key not in raw:
            raise error(key, "missing")
    formula_text = raw["answer"]
    if not isinstance(formula_text, str):
        raise error("answer", 'must be a formula in quotes, e.g. "0.5 * mu**2"')
    # The common fields (id, stem, explanation, tags, points, tolerance) as a numeric question.
    common = {k: v for k, v in raw.items() if k not in ("parameters", "answer")}
    common.update(type="numeric", answer=0.0)
    stem = raw.get("stem", "")
    if not isinstance(stem, str):
        raise error("stem", f"must be a string, got {type(stem).__name__} {stem!r:.40}")
    stem_for_check = PARAM.sub("1", stem)
    base = parse_bank(
        {"chapter": chapter, "title": "-", "questions": [{**common, "stem": stem_for_check}]},
        source,
    ).questions[0]
    base = replace(base, stem=raw["stem"])
    tol = base.tolerance or Tolerance()
    if tol.absolute == 0 and tol.relative == 0:
        raise error("tolerance", "a calculated answer needs a tolerance (absolute or relative)")

    specs = raw["parameters"]
    if not isinstance(specs, dict) or not specs:
        raise error("parameters", "must map parameter names to {min, max, step} or {values}")
    params = []
    for name, spec in specs.items():
        where = f"parameters.{str(name)[:20]}"
        if not isinstance(name, str) or not PARAM_NAME.match(name) or name in ("pi", "e"):
            raise error(where, "a parameter name is a lower-case word (not pi or e)")
        if not isinstance(spec, dict):
            raise error(where, "must be {min, max, step} or {values: [...]}")
        params.append(_parameter(name, spec, where, error))
    names = {p.name for p in params}
    in_stem = set(PARAM.findall(raw["stem"]))
    for missing in sorted(names - in_stem):
        raise error("stem", f"does not show parameter [[{missing}]]")
    for unknown in sorted(in_stem - names):
        raise error("stem", f"shows [[{unknown}]], which is not a parameter")
    for unknown in sorted(set(PARAM.findall(raw["explanation"])) - names - {"answer"}):
        raise error("explanation", f"shows [[{unknown}]], which is not a parameter")
    try:
        formula = parse(formula_text, frozenset(names))
    except FormulaError as exc:
        raise error("answer", str(exc)) from None
    question = Calculated(
        **{f: getattr(base, f) for f in ("id", "stem", "explanation", "tags", "points")},
        type=TYPE,
        answer=None,
        tolerance=tol,
        source=source,
        parameters=tuple(params),
        formula=formula.text,
    )
    for values in corners(question):
        try:
            value = evaluate(formula, values)
        except FormulaError as exc:
            shown = ", ".join(f"{k}={plain(v)}" for k, v in values.items())
            raise error("answer", f"{exc} at {shown}") from None
        if tol.absolute == 0 and value == 0:
            shown = ", ".join(f"{k}={plain(v)}" for k, v in values.items())
            raise error("tolerance", f"the answer is 0 at {shown}: give an absolute tolerance")
    return question


def _parameter(name: str, spec: dict, where: str, error) -> Parameter:
    def number(value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise error(f"{where}.{field}", f"must be a number, got {type(value).__name__}")
        if not math.isfinite(value) or abs(value) > 1e12:
            raise error(f"{where}.{field}", "must be a finite number of at most 1e12")
        return float(value)

    if set(spec) == {"values"}:
        values = spec["values"]
        if not isinstance(values, list) or not 1 <= len(values) <= 1000:
            raise error(f"{where}.values", "must be a list of 1 to 1000 numbers")
        return Parameter(name, values=tuple(number(v, "values") for v in values))
    if set(spec) != {"min", "max", "step"}:
        raise error(where, "must have exactly min, max and step (or only values)")
    lo, hi, step = (number(spec[k], k) for k in ("min", "max", "step"))
    if step <= 0 or hi < lo:
        raise error(where, "needs step > 0 and max >= min")
    count = (hi - lo) / step
    if count + 1 > MAX_VALUES or abs(count - round(count)) > 1e-9 * max(1.0, count):
        raise error(where, f"(max - min) / step must be a whole number below {MAX_VALUES}")
    return Parameter(name, minimum=lo, maximum=hi, step=step)
