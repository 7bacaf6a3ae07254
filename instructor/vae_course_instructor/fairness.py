"""Is a calculated question the same question for every student?

:func:`fairness_problems` goes through a question's parameter space (every combination when
there are at most :data:`DRAWS`, else :data:`DRAWS` draws seeded by the question id, so a run
is repeatable) and reports:

- a **constant guess** (any answer some draw has, or 0 or 1) that passes in more than
  :data:`SHARE` of the draws: many students can pass without computing (``min(1, t / w)``
  with ``t >= w`` in most draws);
- a **term dropped**: the formula with one operation of ``+ - *`` replaced by one of its
  operands (``a + b`` by ``a``, ``cin * k`` by ``k``), or without its absolute values, that
  passes in more than :data:`SHARE` of the draws: for those students the part the question is
  about does not matter (one input channel, codes with no negative entry);
- **precision**: the filled stem must say how precise the answer is, and the tolerance must
  follow it (:func:`vae_course.quiz.checking.precision_problems`), in every draw;
- a **formula in the stem**: a stem that prints the formula it asks for (see
  :mod:`.stem_lint`).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import itertools
import math
import random

from vae_course.quiz.checking import precision_problems

from .calculated import Calculated, fill
from .formula import Formula, FormulaError, evaluate, parse
from .stem_lint import stem_formula_problems

DRAWS = 1000
SHARE = 0.05


def _draws(question: Calculated) -> list[dict[str, float]]:
    """Every combination of parameter values when there are at most :data:`DRAWS` of them
    (the shares are then exact), else :data:`DRAWS` uniform draws."""
    counts = [p.count for p in question.parameters]
    if math.prod(counts) <= DRAWS:
        return [
            {p.name: p.value(i) for p, i in zip(question.parameters, combo, strict=True)}
            for combo in itertools.product(*(range(c) for c in counts))
        ]
    seed = int.from_bytes(hashlib.sha256(question.id.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    return [
        {p.name: p.value(rng.randrange(p.count)) for p in question.parameters} for _ in range(DRAWS)
    ]


def _replace(tree: ast.expr, text: str, by) -> ast.expr:
    """``tree`` with every subexpression written ``text`` replaced by ``by(node)``."""

    class Swap(ast.NodeTransformer):
        def visit(self, node: ast.AST) -> ast.AST:
            if isinstance(node, ast.expr) and ast.unparse(node) == text:
                return copy.deepcopy(by(node))
            return self.generic_visit(node)

    return Swap().visit(copy.deepcopy(tree))


def _variants(tree: ast.expr) -> list[tuple[str, ast.expr]]:
    """(what was dropped, the formula with that slip): every copy of one operation of + - *
    replaced by one of its operands (a forgotten term or factor), and every ``abs`` dropped at
    once (a forgotten absolute value). ``min`` and ``max`` are left to the constant-guess
    check: a clamp that is active in half the draws is fair, one active in most is not."""
    parts: dict[str, ast.BinOp] = {}
    has_abs = False
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            parts.setdefault(ast.unparse(node), node)
        has_abs |= isinstance(node, ast.Call) and node.func.id == "abs"
    out = []
    for text, node in parts.items():
        for side in ("left", "right"):
            child = getattr(node, side)
            new = _replace(tree, text, lambda n, side=side: getattr(n, side))
            out.append((f"{text} -> {ast.unparse(child)}", new))
    if has_abs:

        class NoAbs(ast.NodeTransformer):
            def visit_Call(self, node: ast.Call) -> ast.AST:
                self.generic_visit(node)
                return node.args[0] if node.func.id == "abs" else node

        out.append(("abs(...) -> ...", NoAbs().visit(copy.deepcopy(tree))))
    return out


def _passes(question: Calculated, answer: float, guess: float) -> bool:
    lo, hi = question.tolerance.bounds(answer)
    slack = 1e-9 * max(1.0, abs(answer))
    return lo - slack <= guess <= hi + slack


def fairness_problems(question: Calculated) -> list[str]:
    """What makes the question unfair across students (see the module docstring)."""
    return [message for _, message in fairness_report(question)]


def fairness_report(question: Calculated) -> list[tuple[str, str]]:
    """(field, message) for each problem: 'parameters' for the draws, 'stem' for the stem."""
    formula = parse(question.formula, frozenset(p.name for p in question.parameters))
    draws = _draws(question)
    answers = [evaluate(formula, v) for v in draws]
    out = []
    guesses = sorted({*answers, 0.0, 1.0})
    best = max(guesses, key=lambda g: sum(_passes(question, a, g) for a in answers))
    share = sum(_passes(question, a, best) for a in answers) / len(answers)
    if share > SHARE:
        out.append(
            f"the constant guess {best:g} passes in {share:.0%} of draws (at most {SHARE:.0%}): "
            "narrow the parameters' ranges"
        )
    for dropped, tree in _variants(formula.tree):
        variant = Formula(ast.unparse(tree), tree, formula.names)
        hits, same = 0, 0
        for values, answer in zip(draws, answers, strict=True):
            try:
                value = evaluate(variant, values)
            except FormulaError:
                continue
            hits += _passes(question, answer, value)
            same += abs(value - answer) <= 1e-9 * max(1.0, abs(answer))
        if same == len(draws):
            continue  # the same formula written another way, not a slip
        if hits / len(draws) > SHARE:
            out.append(
                f"with {dropped} the formula still passes in {hits / len(draws):.0%} of draws "
                f"(at most {SHARE:.0%}): choose parameters for which every part matters"
            )
    seen: set[str] = set()
    for values, answer in zip(draws, answers, strict=True):
        lo, hi = question.tolerance.bounds(answer)
        for message in precision_problems(fill(question.stem, values), answer, (hi - lo) / 2):
            kind = message.split(",")[0][:40]
            if kind not in seen:
                seen.add(kind)
                shown = ", ".join(f"{k}={v:g}" for k, v in values.items())
                out.append(f"{message} (at {shown})")
    every = max(1, len(draws) // 50)  # spread over the space, not its first corner
    stem = stem_formula_problems(question, formula, draws[::every], answers[::every])
    return [("parameters", m) for m in out] + [("stem", m) for m in stem]
