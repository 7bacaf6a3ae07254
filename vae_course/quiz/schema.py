"""The question-bank schema: dataclasses for questions and the validator that builds them.

A bank file is parsed YAML (a mapping) of this shape; everything else is refused::

    chapter: 06_sampling            # must equal the file name stem
    title: Latent space sampling and generation
    questions:
      - id: 06-generation-source    # [a-z0-9-]+, unique across the bank; what it is ABOUT
        type: single                # single | multiple | fill_blank | numeric
        stem: "Markdown with $math$"
        choices:                    # single and multiple only; shown shuffled (quiz.shuffle)
          - {id: a, text: "...", correct: true, feedback: "...", pinned: false}
        blanks:                     # fill_blank only; one per {{name}} placeholder in the stem
          space: {answers: [latent], word_bank: [pixel, latent]}  # no word_bank: typed answer
        answer: 2.0                 # numeric only
        tolerance: {absolute: 0.01, relative: 0.05}               # numeric only, optional
        checks: {accept: ["2.00"], reject: ["2.1"]}  # numeric or one typed blank: test table
        explanation: "shown after every check"
        tags: {topic: sampling, difficulty: easy, objectives: [1, 3], demand: measured}
        points: 1                   # optional, default 1

``tags`` is optional, and so is each of its keys, except in the course's own bank (the files
of :func:`~vae_course.quiz.bank.bank_dir`; ``parse_bank(..., require_tags=True)``, run on them by
tests/unit/test_quiz_coverage.py), where every question names ``objectives`` (the
1-based positions, in its chapter notebook's "Learning objectives" list, of the objectives it
tests) and ``demand`` (what it asks of the learner; one of :data:`DEMANDS`: ``recall`` a fact
the chapter states, ``apply`` an idea of the chapter to a new case, predict or explain a
``measured`` result of the chapter, read a ``figure`` or table of it, reason about its
``code``). An instructor's own bank may leave them out.

The validator lives in :mod:`vae_course.quiz.validate`; every problem raises :class:`BankError`,
whose message names the file, the question and the field. Surface cues (an id naming its answer,
the key always the longest option, ...) are warnings of :mod:`vae_course.quiz.cues`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

QUESTION_TYPES = ("single", "multiple", "fill_blank", "numeric")
DIFFICULTIES = ("easy", "medium", "hard")
# What a question asks of the learner (tags.demand); see the module docstring.
DEMANDS = ("recall", "apply", "measured", "figure", "code")


class BankError(ValueError):
    """A malformed question bank. ``file``, ``question_id`` and ``field`` say where.

    ``question_index`` (0-based) stands in for the id when a question has no usable id.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        question_id: str | None = None,
        field: str | None = None,
        question_index: int | None = None,
    ) -> None:
        self.file = file
        self.question_id = question_id
        self.question_index = question_index
        self.field = field
        self.reason = message
        where = []
        if question_id is not None:
            where.append(f"question {question_id!r}")
        elif question_index is not None:
            where.append(f"question #{question_index + 1} (no valid id)")
        if field is not None:
            where.append(f"field {field!r}")
        text = message
        if where:
            text = " ".join(where) + ": " + text
        if file is not None:
            text = f"{file}: {text}"
        super().__init__(text)


def normalize_text(text: str) -> str:
    """Case and spacing folded: 'Latent  Space' -> 'latent space' (duplicates, word banks)."""
    return " ".join(str(text).split()).lower()


# Typed answers are compared as a mathematician reads them (static/quiz.js does exactly the same,
# step by step; tests/browser/test_quiz_static.py runs both on the same strings).
_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega"
).split()
_GREEK_LETTERS = dict(zip(_GREEK, "αβγδεζηθικλμνξπρστυφχψω", strict=True))
_GREEK_LETTERS.update(
    {name.capitalize(): chr(ord(letter) - 32) for name, letter in _GREEK_LETTERS.items()}
)
_GREEK_LETTERS.update(varepsilon="ε", vartheta="θ", varphi="φ", varrho="ρ", varsigma="σ")
_SYMBOLS = {"approx": "≈", "sim": "~", "cdot": "*", "times": "*", "mid": "|", "vert": "|"}
_FONT = re.compile(
    r"\\(?:mathcal|mathbf|mathrm|mathit|mathbb|mathsf|boldsymbol|bm|text|textrm|textit"
    r"|operatorname)\s*(?:\{([^{}]*)\}|([A-Za-z0-9]))"
)
_SPACING = re.compile(r"\\(?:left|right|q?quad)(?![A-Za-z])|\\[,;:! ]")
_TEX_SQRT = re.compile(r"\\sqrt\s*(?:\{([^{}]*)\}|([A-Za-z0-9]))")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_SCRIPT_BRACES = re.compile(r"([_^])\{([^{}]*)\}")
_WRAPPERS = [("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ('"', '"'), ("'", "'"), ("`", "`")]
_WRAPPERS += [("\u201c", "\u201d"), ("\u2018", "\u2019")]
_TRAILING = re.compile(r"(?<![.,;:!?])[.,;:!?]+$")
# Longer typed text is compared as typed (spacing aside): no key is this long, and the rules
# below must not cost a hostile hand-in more than linear time.
MAX_NORMALIZED = 300
# A space next to anything but a letter or digit carries no meaning: 'N(0, I)' = 'N(0,I)'.
_SPACE_AT_SYMBOL = re.compile(r" (?=[^\w ]|_)|(?<=[^\w ]) |(?<=_) ")
_SQUARE_ROOT = re.compile(r"square root of |√", re.IGNORECASE)
_SQRT_WORD = re.compile(r"sqrt ?([^\W_]+)", re.IGNORECASE)
_HALF_POWER = re.compile(
    r"(?<![^\W_])([^\W_]+|\([^()]*\))\^(?:\((?:1/2|0?\.5)\)|(?:0?\.5)(?![0-9.]))"
)
_APPROX = re.compile(r"^[≈~]")
_ARTICLE = re.compile(r"^(?:the|an?) (?=\S)", re.IGNORECASE)
_WORD_RUN = re.compile(r"[^\W\d_]{2,}")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$", re.IGNORECASE)


def number_key(value: float) -> str:
    """'0' for zero, else the shortest round-trip digits as 'd.ddde+N' (JS ``toExponential()``)."""
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    power = exponent + len(digits) - 1
    return f"{'-' if sign else ''}{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"


# Whitespace, the same set as JavaScript's \s (Python's str.split() also splits at \x1c-\x1f).
_SPACES = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ")


def _unwrap(s: str) -> str:
    """Drop surrounding $...$, \\(...\\), quotes and backticks, trailing punctuation, and a
    leading article or approximately sign."""
    while True:
        before = s
        s = _collapse(_ARTICLE.sub("", _APPROX.sub("", _TRAILING.sub("", s))))
        for left, right in _WRAPPERS:
            if len(s) >= len(left) + len(right) and s.startswith(left) and s.endswith(right):
                s = _collapse(s[len(left) : len(s) - len(right)])
        if s == before:
            return s


def _tex_command(match: re.Match) -> str:
    name = match.group(1)
    return _GREEK_LETTERS.get(name) or _SYMBOLS.get(name) or match.group(0)


def _tex_to_text(s: str) -> str:
    """LaTeX read as the text a learner would type: '\\mathcal{N}(0, I)' -> 'N(0, I)',
    '\\sqrt{d}' -> 'sqrt(d)', '\\varepsilon' -> 'ε', 'd^{1/2}' -> 'd^(1/2)'."""
    s = _SPACING.sub(" ", s)
    while True:
        before = s
        s = _FONT.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), s)
        s = _TEX_SQRT.sub(
            lambda m: f"sqrt({m.group(1) if m.group(1) is not None else m.group(2)})", s
        )
        if s == before:
            break
    s = _COMMAND.sub(_tex_command, s)
    s = _SCRIPT_BRACES.sub(
        lambda m: m.group(1) + (m.group(2) if m.group(2).isalnum() else f"({m.group(2)})"), s
    )
    return _collapse(s.replace("{", "(").replace("}", ")"))


def normalize_answer(text: str) -> str:
    """The form in which typed answers are compared (static/quiz.js does exactly the same).

    Equal when a mathematician would read them as equal:

    - Unicode compatibility forms (NFKC: 'ＫＬ' = 'KL', 'ϵ' = 'ε'), U+2212 read as '-', runs of
      whitespace as one space, no space next to a symbol ('N(0, I)' = 'N(0,I)');
    - surrounding $...$, \\(...\\), quotes and backticks, trailing punctuation ('quick.'),
      a leading article ('the standard Gaussian') or approximately sign ('≈ 0') dropped;
    - LaTeX as its text: '\\mathcal{N}(0, I)' = 'N(0,I)', '\\varepsilon' = 'ε', '\\mid' = '|';
    - square roots: '\\sqrt{d}' = '\\sqrt d' = '√d' = 'sqrt d' = 'd^{1/2}' = 'd**0.5' = 'sqrt(d)';
    - case folded in words ('ELBO' = 'elbo') but kept in single-letter symbols, where the
      notation distinguishes it: d (latent dimensions) is not D (pixels);
    - numbers by value ('0' = '0.0' = '0.00', '1e-3' = '0.001').
    """
    if len(str(text)) > MAX_NORMALIZED:
        return _collapse(str(text))
    s = _collapse(unicodedata.normalize("NFKC", str(text)).replace("\u2212", "-"))
    s = _tex_to_text(_unwrap(s))
    s = _SPACE_AT_SYMBOL.sub("", _unwrap(s))
    s = _SQUARE_ROOT.sub("sqrt", s).replace("**", "^")
    s = _SQRT_WORD.sub(r"sqrt(\1)", s)
    s = _HALF_POWER.sub(lambda m: f"sqrt({m.group(1).removeprefix('(').removesuffix(')')})", s)
    s = _SPACE_AT_SYMBOL.sub("", _unwrap(s))
    s = _WORD_RUN.sub(lambda m: m.group(0).lower(), s)
    if _NUMBER.match(s):
        value = float(s)
        if math.isfinite(value):
            return number_key(value)
    return s


@dataclass(frozen=True)
class Choice:
    """One option of a single- or multiple-answer question."""

    id: str
    text: str
    correct: bool = False
    feedback: str = ""
    pinned: bool = False


@dataclass(frozen=True)
class Blank:
    """One ``{{name}}`` gap of a fill-in-the-blank stem.

    With a ``word_bank`` the learner picks a word from it; without, they type and any of
    ``answers`` is accepted (compared with :func:`normalize_answer`).
    """

    name: str
    answers: tuple[str, ...]
    word_bank: tuple[str, ...] | None = None

    @property
    def typed(self) -> bool:
        return self.word_bank is None

    def accepts(self, value: str) -> bool:
        return normalize_answer(value) in {normalize_answer(a) for a in self.answers}


@dataclass(frozen=True)
class Tolerance:
    """A numeric answer x is correct when |x - answer| <= absolute or <= relative * |answer|."""

    absolute: float = 0.0
    relative: float = 0.0

    def bounds(self, answer: float) -> tuple[float, float]:
        width = max(self.absolute, self.relative * abs(answer))
        return answer - width, answer + width


@dataclass(frozen=True)
class AnswerTable:
    """What a typed question's checker must accept and must reject: its test table.

    For a numeric question, or a fill_blank question with one typed blank (the entries fill
    that blank; any other blank gets its first answer). Checked by
    :func:`~.checking.table_problems`, in Python and in static/quiz.js alike.
    """

    accept: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tags:
    """Where a question belongs. ``objectives``: 1-based positions in the chapter's list of
    learning objectives (empty when not given); ``demand``: one of :data:`DEMANDS` or None."""

    chapter: str
    topic: str | None = None
    difficulty: str | None = None
    objectives: tuple[int, ...] = ()
    demand: str | None = None


@dataclass(frozen=True)
class Question:
    """One validated question. ``source`` is the bank file name it came from."""

    id: str
    type: str
    stem: str
    explanation: str
    tags: Tags
    points: float = 1
    choices: tuple[Choice, ...] = ()
    blanks: tuple[Blank, ...] = ()  # in the order their placeholders appear in the stem
    answer: float | None = None
    tolerance: Tolerance | None = None
    source: str = field(default="", compare=False)
    # The checker's test table; not part of the question (no effect on to_dict or the hash).
    checks: AnswerTable | None = field(default=None, compare=False)

    @property
    def chapter(self) -> str:
        return self.tags.chapter

    @property
    def correct_choice_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices if c.correct)

    def choice(self, choice_id: str) -> Choice:
        for c in self.choices:
            if c.id == choice_id:
                return c
        known = ", ".join(c.id for c in self.choices)
        raise KeyError(f"question {self.id!r} has no choice {choice_id!r} (choices: {known})")

    def to_dict(self) -> dict[str, Any]:
        """The question as plain data (the YAML form with defaults filled in)."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "stem": self.stem,
            "explanation": self.explanation,
            "tags": {
                "chapter": self.tags.chapter,
                "topic": self.tags.topic,
                "difficulty": self.tags.difficulty,
            },
            "points": self.points,
        }
        if self.type in ("single", "multiple"):
            data["choices"] = [
                {
                    "id": c.id,
                    "text": c.text,
                    "correct": c.correct,
                    "feedback": c.feedback,
                    "pinned": c.pinned,
                }
                for c in self.choices
            ]
        elif self.type == "fill_blank":
            data["blanks"] = {
                b.name: {
                    "answers": list(b.answers),
                    "word_bank": None if b.word_bank is None else list(b.word_bank),
                }
                for b in self.blanks
            }
        else:
            tol = self.tolerance or Tolerance()
            data["answer"] = self.answer
            data["tolerance"] = {"absolute": tol.absolute, "relative": tol.relative}
        return data

    def content_hash(self) -> str:
        """'sha256:<hex>' of the canonical JSON of :meth:`to_dict`; changes with any edit."""
        data = self.to_dict()
        if "choices" in data:  # shuffling the display order is not an edit
            data["choices"] = sorted(data["choices"], key=lambda c: c["id"])
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BankFile:
    """One chapter's bank file."""

    chapter: str
    title: str
    questions: tuple[Question, ...]
    source: str = ""
