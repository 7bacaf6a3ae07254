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
- a **formula in the stem** (:func:`stem_formula_problems`): a stem that prints the formula it
  asks for, as the answer's own text, its Moodle or Canvas form, or in its math (``$...$``) an
  expression whose value is the answer's in every draw, however it is written
  (``\\tfrac12(\\mu^2 + \\sigma^2 - 1) - \\log\\sigma``, ``\\lambda \\sum_j |z_j|``). Symbols are
  read through the stem's own bindings (``$\\mu = [[mu]]$``, ``$z = ([[z1]], [[z2]])$``).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import itertools
import math
import random
import re

from vae_course.quiz.checking import precision_problems

from .calculated import PARAM, Calculated, fill
from .formula import Formula, FormulaError, evaluate, parse, to_canvas, to_moodle

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
    out.extend(stem_formula_problems(question, formula, draws[::every], answers[::every]))
    return out


# -- a stem that prints the formula it asks for ---------------------------------------------
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)", re.S)
_TOKEN = re.compile(r"\[\[\s*([a-z][a-z0-9_]*)\s*\]\]|\\[A-Za-z]+|\\.|[0-9]+\.?[0-9]*|\.[0-9]+|\S")
# Spacing and sizing commands carry no value; relations and separators end an expression.
_SKIP = set(r"\left \right \, \; \! \displaystyle \big \Big \bigl \bigr \Bigl \Bigr".split())
_SKIP |= {"\\ ", "\\mathrm", "\\operatorname"}
_FUNCTION = {f"\\{name}": name for name in ("log", "exp", "sin", "cos", "tan", "min", "max")}
_FUNCTION |= {"\\ln": "log", "\\arccos": "acos", "\\arcsin": "asin", "\\arctan": "atan"}
_SPLIT = set(r"= \approx \le \leq \ge \geq < > , ; \quad \qquad \mid \sim \in \colon".split())
_SPLIT |= {"\\text", "\\to"}


def _tokens(math_text: str) -> list[str]:
    """LaTeX tokens; a shown parameter [[name]] is the token '#name'."""
    return [f"#{m[1]}" if m[1] else m[0] for m in _TOKEN.finditer(math_text)]


def _group(tokens: list[str], i: int) -> tuple[list[str], int]:
    """The argument starting at tokens[i] (a braced group or one token), and the next index."""
    if i < len(tokens) and tokens[i] == "{":
        depth = 0
        for j in range(i, len(tokens)):
            depth += {"{": 1, "}": -1}.get(tokens[j], 0)
            if depth == 0:
                return tokens[i + 1 : j], j + 1
        raise FormulaError("unbalanced braces")
    if i < len(tokens):
        return [tokens[i]], i + 1
    raise FormulaError("missing argument")


def _symbols(tokens: list[str]) -> list[str]:
    """Subscripts joined to their base: ['\\Delta', '_', '{', '0', '}'] -> ['\\Delta_0']."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "_" and out:
            sub, i = _group(tokens, i + 1)
            out[-1] += "_" + "".join(sub)
        else:
            out.append(tokens[i])
            i += 1
    return out


def _bindings(stem: str) -> dict[tuple[str, ...], str]:
    """What the stem's symbols stand for: '$\\mu = [[mu]]$' binds ('\\mu',) to mu, and
    '$z = ([[z1]], [[z2]])$' binds ('z_1',) to z1 and ('z_2',) to z2."""
    out: dict[tuple[str, ...], str] = {}
    for m in _MATH.finditer(stem):
        toks = [t for t in _symbols(_tokens(next(g for g in m.groups() if g))) if t not in _SKIP]
        for i, tok in enumerate(toks):
            if tok != "=" or i == 0:
                continue
            start = i
            while start > 0 and toks[start - 1] not in _SPLIT | {"(", "$"}:
                start -= 1
            lhs = tuple(toks[start:i])
            rhs = toks[i + 1 :]
            if rhs[:1] and rhs[0].startswith("#") and (len(rhs) == 1 or rhs[1] in _SPLIT):
                out[lhs] = rhs[0][1:]
            elif rhs[:1] == ["("] and len(lhs) == 1:
                k = 1
                while k + 1 < len(rhs) and rhs[k].startswith("#") and rhs[k + 1] in (",", ")"):
                    out[(f"{lhs[0]}_{(k + 1) // 2}",)] = rhs[k][1:]
                    if rhs[k + 1] == ")":
                        break
                    k += 2
    return out


def _python(tokens: list[str], names: dict[tuple[str, ...], str]) -> str:
    """A LaTeX expression (tokens with joined subscripts) as a formula; FormulaError if a
    symbol is unbound or a construct has no formula counterpart (norms, integrals)."""
    out: list[str] = []
    i, bars = 0, 0

    def operand(text: str) -> None:
        if (
            out
            and out[-1] not in _FUNCTION.values()
            and (out[-1][-1:].isalnum() or out[-1][-1:] in ")_")
        ):
            out.append("*")  # juxtaposition is a product
        out.append(text)

    while i < len(tokens):
        tok = tokens[i]
        bound = next(
            (k for k in sorted(names, key=len, reverse=True) if tuple(tokens[i : i + len(k)]) == k),
            None,
        )
        if bound:
            operand(names[bound])
            i += len(bound)
            continue
        i += 1
        if tok in _SKIP:
            continue
        if tok.startswith("#"):
            operand(tok[1:])
        elif tok[0].isdigit() or tok[0] == ".":
            operand(tok)
        elif tok in ("\\frac", "\\tfrac", "\\dfrac"):
            if tokens[i : i + 1] and len(tokens[i]) == 2 and tokens[i].isdigit():
                tokens = [*tokens[:i], tokens[i][0], tokens[i][1], *tokens[i + 1 :]]  # \tfrac12
            top, i = _group(tokens, i)
            bottom, i = _group(tokens, i)
            operand(f"(({_python(top, names)}) / ({_python(bottom, names)}))")
        elif tok == "\\sqrt":
            arg, i = _group(tokens, i)
            operand(f"sqrt({_python(arg, names)})")
        elif tok in _FUNCTION:
            operand(_FUNCTION[tok])
            if tokens[i : i + 1] != ["("]:  # \log \sigma, \log{x}: one argument
                arg, i = _group(tokens, i)
                out.append(f"({_python(arg, names)})")
        elif tok.startswith("\\sum_"):
            if tokens[i : i + 1] == ["^"]:
                _, i = _group(tokens, i + 1)
            var = tok[len("\\sum_") :].split("=")[0]
            body = tokens[i:]
            terms = []
            for n in range(1, 10):
                sub = [t.replace(f"_{var}", f"_{n}") if t.endswith(f"_{var}") else t for t in body]
                try:
                    terms.append(_python(sub, names))
                except FormulaError:
                    continue
            if len(terms) < 2:
                raise FormulaError("a sum over unbound symbols")
            operand("(" + " + ".join(terms) + ")")
            i = len(tokens)
        elif tok == "|":
            if bars % 2 == 0:
                operand("abs(")
            else:
                out.append(")")
            bars += 1
        elif tok == "^":
            arg, i = _group(tokens, i)
            out.append(f"**({_python(arg, names)})")
        elif tok in ("{", "("):
            operand("(")
        elif tok in ("}", ")"):
            out.append(")")
        elif tok in ("+", "-", "/", "*"):
            out.append(tok)
        elif tok in ("\\cdot", "\\times"):
            out.append("*")
        elif tok == "\\pi":
            operand("pi")
        elif tok == "e":
            operand("e")
        else:
            raise FormulaError(f"unbound symbol {tok}")
    return " ".join(out)


def _chunks(tokens: list[str]) -> list[list[str]]:
    """The pieces of a math span between relations and separators, and the whole span."""
    out, current, depth = [], [], 0
    for tok in tokens:
        depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(tok, 0)
        if tok in _SPLIT and depth == 0:
            out.append(current)
            current = []
        else:
            current.append(tok)
    return [c for c in (*out, current) if c]


def _flat(text: str) -> str:
    return re.sub(r"[\s$`{}\\]", "", text).replace("**", "^")


def stem_formula_problems(
    question: Calculated, formula: Formula, draws: list[dict], answers: list[float]
) -> list[str]:
    """The stem must not print the formula whose value it asks for (see the module docstring)."""
    stem = question.stem
    plain_stem = _flat(PARAM.sub(lambda m: m[1], stem))
    for form in (formula.text, to_canvas(formula), to_moodle(formula).replace("{", "")):
        if len(_flat(form)) > 3 and _flat(form) in plain_stem:
            return [f"the stem prints the answer's formula ({form}): ask for the number only"]
    names = _bindings(stem)
    params = frozenset(p.name for p in question.parameters)
    for m in _MATH.finditer(stem):
        span = next(g for g in m.groups() if g)
        for chunk in _chunks(_symbols(_tokens(span))):
            try:
                candidate = parse(_python(chunk, names), params)
            except (FormulaError, RecursionError):
                continue
            if isinstance(candidate.tree, ast.Name | ast.Constant) or not candidate.names:
                continue
            same = 0
            for values, answer in zip(draws, answers, strict=True):
                try:
                    value = evaluate(candidate, values)
                except FormulaError:
                    break
                same += abs(value - answer) <= 1e-6 * max(1.0, abs(answer))
            if same == len(draws):
                return [
                    f"the stem prints the formula it asks for (${span.strip()}$ has the answer's "
                    "value in every draw): ask for the number, not for evaluating a given formula"
                ]
    return []
