"""Every function of the formula language, written out for Moodle and Canvas and read back as
each LMS reads it: a small parser of Moodle's calculated-question syntax ({name}, pow(), pi(),
PHP's log(x, base)) and of Canvas's formula syntax (^, ln, log in base 10) evaluates the
exported text at a point, and the value must be the course's. A swapped argument, a wrong
base or a lost sign changes the value; the assessment bank's real exports are read back too."""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from vae_course_instructor.banks import read_assessment
from vae_course_instructor.calculated import Calculated
from vae_course_instructor.export_moodle import export_moodle
from vae_course_instructor.export_qti import export_qti
from vae_course_instructor.formula import FUNCTIONS, FormulaError, parse, to_canvas, to_moodle

# -- the LMSes' formula languages, as documented -------------------------------------------------


def _php_log(x: float, base: float | None = None) -> float:
    return math.log(x) if base is None else math.log(x) / math.log(base)


# The functions both LMSes name and read alike (min and max with two arguments: the exporter
# nests longer calls).
_SHARED = {
    "sqrt": math.sqrt,
    "exp": math.exp,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "abs": abs,
    "min": lambda a, b: min(a, b),
    "max": lambda a, b: max(a, b),
}
# Moodle evaluates a calculated answer with PHP's math functions: log(x) is natural and
# log(x, b) is log in base b; pi() is a call; powers only through pow().
MOODLE_FUNCTIONS = {
    **_SHARED,
    "log": _php_log,
    "log10": math.log10,
    "pow": math.pow,
    "pi": lambda: math.pi,
}
# Canvas: ln is natural, log is base 10, ^ is the power; e and pi are constants.
CANVAS_FUNCTIONS = {**_SHARED, "ln": math.log, "log": math.log10}
_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?)|\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*)|(.))")


class Reader:
    """A recursive-descent reader of one LMS's formula text. ``unary_first``: whether a unary
    minus binds tighter than ^ (LMS calculators differ; a formula written for both must not
    depend on it)."""

    def __init__(self, lms: str, values: dict[str, float], unary_first: bool = False):
        self.lms, self.values, self.unary_first = lms, values, unary_first
        self.functions = MOODLE_FUNCTIONS if lms == "moodle" else CANVAS_FUNCTIONS

    def read(self, text: str) -> float:
        self.tokens = []
        for number, braced, word, op in _TOKEN.findall(text.strip()):
            if number:
                self.tokens.append(("num", float(number)))
            elif braced:
                assert self.lms == "moodle", f"{{{braced}}} is Moodle syntax, not Canvas's"
                self.tokens.append(("var", braced))
            elif word:
                self.tokens.append(("word", word))
            else:
                self.tokens.append(("op", op))
        self.at = 0
        result = self.sum()
        assert self.at == len(self.tokens), f"unread text in {text!r}"
        return result

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", None)

    def take(self, op: str) -> None:
        assert self.peek() == ("op", op), f"expected {op!r}, got {self.peek()}"
        self.at += 1

    def sum(self) -> float:
        value = self.product()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.tokens[self.at][1]
            self.at += 1
            right = self.product()
            value = value + right if op == "+" else value - right
        return value

    def product(self) -> float:
        value = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.tokens[self.at][1]
            self.at += 1
            right = self.unary()
            value = value * right if op == "*" else value / right
        return value

    def unary(self) -> float:
        if self.peek() in (("op", "-"), ("op", "+")):
            sign = -1.0 if self.tokens[self.at][1] == "-" else 1.0
            self.at += 1
            if self.unary_first:
                return self.power(sign * self.atom())
            return sign * self.unary()
        return self.power(self.atom())

    def power(self, base: float) -> float:
        if self.peek() == ("op", "^"):
            assert self.lms == "canvas", "Moodle has no ^ operator (pow() only)"
            self.at += 1
            return math.pow(base, self.unary())
        return base

    def atom(self) -> float:
        kind, value = self.peek()
        self.at += 1
        if kind == "num":
            return value
        if kind == "var":
            return self.values[value]
        if kind == "op" and value == "(":
            inner = self.sum()
            self.take(")")
            return inner
        assert kind == "word", f"unexpected {value!r}"
        if self.peek() == ("op", "("):
            assert value in self.functions, f"{self.lms} has no function {value}()"
            self.take("(")
            args = []
            while self.peek() != ("op", ")"):
                args.append(self.sum())
                if self.peek() == ("op", ","):
                    self.at += 1
            self.take(")")
            return float(self.functions[value](*args))
        assert self.lms == "canvas", f"a bare name {value!r} in a Moodle formula"
        if value in ("pi", "e"):
            return math.pi if value == "pi" else math.e
        return self.values[value]


# -- every function, with arguments where swapping or dropping one changes the value ---------
POINT = {"x": 2.7, "b": 4.2, "y": -1.3, "w": 0.35}
CASES = {
    "sqrt": "sqrt(x)",
    "exp": "exp(y)",
    "log": "log(x)",
    "log2": "log2(x)",
    "log10": "log10(x)",
    "sin": "sin(x)",
    "cos": "cos(x)",
    "tan": "tan(w)",
    "asin": "asin(w)",
    "acos": "acos(w)",
    "atan": "atan(y)",
    "atan2": "atan2(y, x)",
    "abs": "abs(y)",
    "min": "min(x, b)",
    "max": "max(y, w)",
}
MORE = [
    "log(x, b)",  # PHP's argument order: log(value, base)
    "log(b, x)",
    "min(x, b, y)",
    "max(y, w, x, b)",
    "min(b, x, w, y)",
    "min(x, y, b)",  # the smallest second: a repeated first argument would hide it
    "max(y, b, w)",
    "max(x, y, w)",
    "-x**2",  # a unary minus applied to a power
    "(-y)**2",
    "x**-w",
    "2**3**w",  # right-associative
    "-x - -y",
    "pi * e / x",
    "x / b / w",
    "x - b - y",
    "0.5 * (x**2 + w**2 - 1) - log(w)",
]


def test_every_function_of_the_language_is_exercised():
    assert set(CASES) == set(FUNCTIONS)


@pytest.mark.parametrize("text", [*CASES.values(), *MORE])
@pytest.mark.parametrize("unary_first", [False, True], ids=["minus-after-power", "minus-first"])
def test_exported_formula_reads_back_to_the_course_value(text, unary_first):
    formula = parse(text, set(POINT))
    want = formula(POINT)
    moodle = Reader("moodle", POINT, unary_first).read(to_moodle(formula))
    canvas = Reader("canvas", POINT, unary_first).read(to_canvas(formula))
    assert moodle == pytest.approx(want, rel=1e-12, abs=1e-15), to_moodle(formula)
    assert canvas == pytest.approx(want, rel=1e-12, abs=1e-15), to_canvas(formula)


def test_log_with_a_base_is_value_then_base():
    # By hand: log(8, 2) = 3, not log(2, 8) = 1/3.
    formula = parse("log(x, b)", {"x", "b"})
    values = {"x": 8.0, "b": 2.0}
    assert formula(values) == pytest.approx(3.0)
    assert Reader("moodle", values).read(to_moodle(formula)) == pytest.approx(3.0)
    assert Reader("canvas", values).read(to_canvas(formula)) == pytest.approx(3.0)


# -- the assessment bank's calculated questions, as exported --------------------------------
CALCULATED = [q for f in read_assessment() for q in f.questions if isinstance(q, Calculated)]


@pytest.fixture(scope="module")
def moodle_formulas() -> dict[str, tuple[str, list[dict[str, float]]]]:
    root = ET.fromstring(export_moodle("boundaries", CALCULATED))
    out = {}
    for node in root.iterfind("question[@type='calculated']"):
        qid = node.findtext("name/text")
        sets: dict[int, dict[str, float]] = {}
        for d in node.iterfind("dataset_definitions/dataset_definition"):
            name = d.findtext("name/text")
            for item in d.iterfind("dataset_items/dataset_item"):
                sets.setdefault(int(item.findtext("number")), {})[name] = float(
                    item.findtext("value")
                )
        out[qid] = (node.findtext("answer/text"), [sets[k] for k in sorted(sets)])
    return out


@pytest.fixture(scope="module")
def canvas_formulas() -> dict[str, tuple[str, list[tuple[dict[str, float], float]]]]:
    with zipfile.ZipFile(io.BytesIO(export_qti("boundaries", CALCULATED))) as archive:
        name = next(
            n
            for n in archive.namelist()
            if n.endswith(".xml") and b"calculated" in archive.read(n) and "meta" not in n
        )
        root = ET.fromstring(archive.read(name))
    out = {}
    for item in root.iter():
        if not item.tag.endswith("item"):
            continue
        calc = next((e for e in item.iter() if e.tag.endswith("calculated")), None)
        if calc is None:
            continue
        formula = next(e.text for e in calc.iter() if e.tag.endswith("formula"))
        sets = []
        for var_set in (e for e in calc.iter() if e.tag.endswith("var_set")):
            values = {v.get("name"): float(v.text) for v in var_set if v.tag.endswith("var")}
            answer = float(next(v.text for v in var_set if v.tag.endswith("answer")))
            sets.append((values, answer))
        out[item.get("title") or item.get("ident")] = (formula, sets)
    return out


def test_the_bank_has_calculated_questions():
    assert len(CALCULATED) >= 9


@pytest.mark.parametrize("question", CALCULATED, ids=lambda q: q.id)
def test_moodle_export_of_the_bank_reads_back(question, moodle_formulas):
    text, sets = moodle_formulas[question.id]
    assert len(sets) >= 5
    for values in sets:
        want = question.compute(values)
        got = Reader("moodle", values).read(text)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (text, values)


@pytest.mark.parametrize("question", CALCULATED, ids=lambda q: q.id)
def test_canvas_export_of_the_bank_reads_back(question, canvas_formulas):
    matches = [v for k, v in canvas_formulas.items() if question.id in k]
    if not matches:  # the item is titled by its stem, not its id: find it by its formula
        matches = [
            v
            for v in canvas_formulas.values()
            if v[0] == to_canvas(parse(question.formula, {p.name for p in question.parameters}))
        ]
    assert matches, sorted(canvas_formulas)
    text, sets = matches[0]
    assert len(sets) >= 5
    for values, listed in sets:
        want = question.compute(values)
        got = Reader("canvas", values).read(text)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (text, values)
        assert listed == pytest.approx(want, rel=1e-9, abs=1e-12)


# -- the language's limits, at their edges -----------------------------------------------------
def test_a_formula_of_exactly_300_characters_is_allowed_and_301_is_not():
    text = "x" + " + x" * 74 + "+x"  # 1 + 296 + 2 = 299 characters
    assert len(text + " ") == 300
    parse(text + " ", {"x"})  # trailing space counts in the limit
    with pytest.raises(FormulaError, match="the formula has 301 characters; at most 300"):
        parse(text + "  ", {"x"})


def test_a_formula_of_exactly_200_parts_is_allowed_and_201_is_not():
    parse("-x" + "+x" * 99, {"x"})  # unary minus, x, then 99 times (+, x): 200 parts
    with pytest.raises(FormulaError, match=r"too long \(more than 200 parts\)"):
        parse("x" + "+x" * 100, {"x"})  # 201 parts in 201 characters


def test_error_messages_name_what_is_not_allowed():
    with pytest.raises(FormulaError, match=r"unknown name 'y' \(parameters: none; constants"):
        parse("y + 1", set())
    with pytest.raises(FormulaError, match=r"unknown name 'y' \(parameters: a, b;"):
        parse("y + 1", {"b", "a"})
    with pytest.raises(FormulaError, match="calling an expression is not allowed"):
        parse("x.real(2)", {"x"})
    with pytest.raises(FormulaError, match="calling open is not allowed"):
        parse("open(x)", {"x"})
    with pytest.raises(FormulaError, match=r"max\(\) takes 2 or 3 or 4 arguments, got 5"):
        parse("max(x, x, x, x, x)", {"x"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sqrt(x[0])", r"^Subscript is not allowed in a formula$"),
        ("max(1, x < 2)", r"^Compare is not allowed in a formula$"),
        ("log(x, exp(y.real))", r"^Attribute is not allowed in a formula$"),
    ],
)
def test_a_refused_node_inside_a_function_argument_is_refused_when_parsed(text, message):
    # Refused by parse itself, before any value is given.
    with pytest.raises(FormulaError, match=message):
        parse(text, {"x", "y"})


def test_a_parsed_formula_cannot_be_changed():
    f = parse("x + 1", {"x"})
    with pytest.raises(AttributeError):
        f.text = "x + 2"
    assert f({"x": 1.0}) == 2.0
