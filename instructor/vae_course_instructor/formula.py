"""A small, safe expression language for the answers of calculated questions.

An answer is an arithmetic expression in the question's parameters, e.g.
``0.5 * (mu**2 + s**2 - 1) - log(s)``. It is parsed with :mod:`ast` and then only these nodes
are allowed: numbers, parameter names, the constants ``pi`` and ``e``, ``+ - * / **``, unary
minus and plus, parentheses, and calls of the functions in :data:`FUNCTIONS` by name with
positional arguments. No attribute access, subscripts, comparisons, keywords or other calls;
nothing is ever passed to ``eval``. Evaluation is in floats; a domain error, an overflow or a
non-finite result raises :class:`FormulaError`.

The same tree is written out for Moodle (``pow(a, b)``, ``pi()``, ``{name}``) and Canvas
(``a^b``, ``ln``) by :func:`to_moodle` and :func:`to_canvas`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_LENGTH = 300  # characters of a formula
MAX_NODES = 200


class FormulaError(ValueError):
    """A formula that is not allowed, or that has no finite value for the given parameters."""


# name -> (function, allowed numbers of arguments)
FUNCTIONS: dict[str, tuple[Callable[..., float], tuple[int, ...]]] = {
    "sqrt": (math.sqrt, (1,)),
    "exp": (math.exp, (1,)),
    "log": (math.log, (1, 2)),  # natural logarithm; log(x, b) in base b
    "log2": (math.log2, (1,)),
    "log10": (math.log10, (1,)),
    "sin": (math.sin, (1,)),
    "cos": (math.cos, (1,)),
    "tan": (math.tan, (1,)),
    "asin": (math.asin, (1,)),
    "acos": (math.acos, (1,)),
    "atan": (math.atan, (1,)),
    "atan2": (math.atan2, (2,)),
    "abs": (abs, (1,)),
    "min": (min, (2, 3, 4)),
    "max": (max, (2, 3, 4)),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass(frozen=True)
class Formula:
    """A checked expression: its text, its tree and the parameter names it uses."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def __call__(self, values: Mapping[str, float]) -> float:
        return evaluate(self, values)


def parse(text: str, allowed_names: set[str] | frozenset[str]) -> Formula:
    """Check ``text`` against the grammar above; FormulaError names what is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("the formula must be a non-empty string")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula has {len(text)} characters; at most {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        message = getattr(exc, "msg", None) or type(exc).__name__
        raise FormulaError(f"not an expression ({message})") from None
    names: set[str] = set()
    count = 0

    def check(node: ast.AST) -> None:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise FormulaError(f"the formula is too long (more than {MAX_NODES} parts)")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise FormulaError(f"only numbers are allowed as constants, got {node.value!r}")
        elif isinstance(node, ast.Name):
            if node.id in allowed_names:
                names.add(node.id)
            elif node.id not in CONSTANTS:
                known = ", ".join(sorted(allowed_names)) or "none"
                raise FormulaError(
                    f"unknown name {node.id!r} (parameters: {known}; constants: pi, e)"
                )
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            check(node.operand)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else "an expression"
                raise FormulaError(
                    f"calling {what} is not allowed (functions: {', '.join(sorted(FUNCTIONS))})"
                )
            if node.keywords:
                raise FormulaError(f"{node.func.id}(): keyword arguments are not allowed")
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise FormulaError(f"{node.func.id}(): unpacking with * is not allowed")
            arities = FUNCTIONS[node.func.id][1]
            if len(node.args) not in arities:
                counts = " or ".join(map(str, arities))
                noun = "argument" if counts == "1" else "arguments"
                raise FormulaError(f"{node.func.id}() takes {counts} {noun}, got {len(node.args)}")
            for arg in node.args:
                check(arg)
        else:
            raise FormulaError(f"{type(node).__name__} is not allowed in a formula")

    try:
        check(tree)
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None
    return Formula(text.strip(), tree, frozenset(names))


def evaluate(formula: Formula, values: Mapping[str, float]) -> float:
    """The formula's value (a finite float) for the given parameter values."""

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return float(CONSTANTS[node.id] if node.id in CONSTANTS else values[node.id])
        if isinstance(node, ast.UnaryOp):
            inner = value(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            a, b = value(node.left), value(node.right)
            op = type(node.op)
            if op is ast.Add:
                return a + b
            if op is ast.Sub:
                return a - b
            if op is ast.Mult:
                return a * b
            if op is ast.Div:
                return a / b
            return math.pow(a, b)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        return float(FUNCTIONS[node.func.id][0](*(value(a) for a in node.args)))

    try:
        result = value(formula.tree)
    except KeyError as exc:
        raise FormulaError(f"no value for parameter {exc.args[0]!r}") from None
    except ZeroDivisionError:
        raise FormulaError("division by zero") from None
    except (ValueError, OverflowError) as exc:
        raise FormulaError(f"no finite value ({exc})") from None
    if not math.isfinite(result):
        raise FormulaError(f"no finite value (got {result})")
    return result


# -- the same tree in the LMSes' formula syntaxes -------------------------------------------------
def _number(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


def _write(node: ast.AST, name: Callable[[str], str], lms: str) -> str:
    def w(n: ast.AST) -> str:
        return _write(n, name, lms)

    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id == "pi":
            return "pi()" if lms == "moodle" else "pi"
        if node.id == "e":
            return "exp(1)" if lms == "moodle" else "e"
        return name(node.id)
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub):
            return w(node.operand)
        # "(0 - x)", not "(-x)": calculators differ on whether -(x)^(2) is -(x^2) or (-x)^2.
        return f"(0 - {w(node.operand)})" if lms == "canvas" else f"(-{w(node.operand)})"
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            if lms == "moodle":
                return f"pow({w(node.left)}, {w(node.right)})"
            return f"({w(node.left)})^({w(node.right)})"
        return f"({w(node.left)} {_BINARY[type(node.op)]} {w(node.right)})"
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    fn, args = node.func.id, [w(a) for a in node.args]
    if fn == "log" and len(args) == 2:
        natural = "log" if lms == "moodle" else "ln"
        return f"({natural}({args[0]}) / {natural}({args[1]}))"
    if fn == "log" and lms == "canvas":
        return f"ln({args[0]})"
    if fn == "log2":
        natural = "log" if lms == "moodle" else "ln"
        return f"({natural}({args[0]}) / {natural}(2))"
    if fn == "log10" and lms == "canvas":
        return f"log({args[0]})"  # Canvas's log is base 10
    if fn in ("min", "max") and len(args) > 2:
        inner = f"{fn}({args[0]}, {args[1]})"
        for extra in args[2:]:
            inner = f"{fn}({inner}, {extra})"
        return inner
    return f"{fn}({', '.join(args)})"


def to_moodle(formula: Formula) -> str:
    """Moodle calculated-question syntax: parameters as {name}, pow(), pi(), log = natural."""
    return _write(formula.tree, lambda n: "{" + n + "}", "moodle")


def to_canvas(formula: Formula) -> str:
    """Canvas formula-question syntax: parameters by name, ^ for powers, ln natural log."""
    return _write(formula.tree, lambda n: n, "canvas")
