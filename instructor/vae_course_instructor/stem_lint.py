"""A calculated question's stem must not print the formula whose value it asks for.

:func:`stem_formula_problems` (run by :func:`.fairness.fairness_problems`) looks for the answer's
own formula text, or its Moodle or Canvas form, in the stem, and for any expression in the stem's
math (``$...$``) whose value is the answer's in every draw, however it is written
(``\\tfrac12(\\mu^2 + \\sigma^2 - 1) - \\log\\sigma``, ``\\lambda \\sum_j |z_j|``). Symbols are read
through the stem's own bindings (``$\\mu = [[mu]]$``, ``$z = ([[z1]], [[z2]])$``); a formula in
symbols the stem never binds to a parameter is not caught.
"""

from __future__ import annotations

import ast
import re

from .calculated import PARAM, Calculated
from .formula import Formula, FormulaError, evaluate, parse, to_canvas, to_moodle

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
