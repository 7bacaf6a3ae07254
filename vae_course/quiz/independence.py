"""Independence: no item answers another on the same page.

``answer_leaks(files)`` returns an error (a :class:`~.cues.Cue`) for each question whose answer
another question shows: one clause (a sentence of a stem, or of an option) of another question
holds this question's answer together with words of this question's stem. The answer is

- for a fill-in-the-blank question: any accepted answer of a blank, all of it (its content
  words, or its formula in the checker's normalized form: 'sqrt(d)' matches '$\\sqrt{d}$');
- for a choice question: the words and formulas of a key option that no distractor and not
  the stem has; two thirds of them (at least two) must appear;
- for a numeric question: its value, within its tolerance, as a decimal, a fraction or a
  square root (``1/\\sqrt{2}`` for 0.707); whole numbers below 100 turn up by chance and are
  not looked for.

The words beside the answer must include two of this question's stem words (one for a formula
or a number): an answer word alone in an unrelated sentence gives nothing away. Content words
are lower-cased, reduced to a root ('samples' -> 'sampl') and stripped of the bank's most
common words. All questions of ``files`` count as one page, as ``vae-course assign`` puts the
whole bank in one assignment by default (each chapter's quiz in the book is part of that).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .checking import numeric_bounds
from .cues import _WORD, Cue
from .render import markdown_to_text
from .schema import BankFile, Question, normalize_answer
from .validate import PLACEHOLDER

_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")
_DECIMAL = re.compile(r"(?<![\w.])-?(?:\d+(?:\.\d+)?|\.\d+)(?![\w.])")
_ROOT_FRACTION = re.compile(r"(\d+)\s*/\s*\\sqrt\s*\{?(\d+)\}?")
_ROOT = re.compile(r"(?<![\d/]\s)(?<![\d/])\\sqrt\s*\{?(\d+)\}?")
_FRACTION = re.compile(r"\\t?frac\s*\{(\d+)\}\s*\{(\d+)\}|(?<![\w.])(\d+)/(\d+)(?![\w.])")
# Words too common in this bank to say anything about an answer.
_COMMON = {
    "the",
    "and",
    "for",
    "with",
    "from",
    "into",
    "that",
    "this",
    "than",
    "then",
    "its",
    "each",
    "are",
    "not",
    "but",
    "one",
    "two",
    "all",
    "any",
    "how",
    "what",
    "which",
    "why",
    "when",
    "where",
    "does",
    "doe",
    "has",
    "have",
    "been",
    "being",
    "was",
    "were",
    "will",
    "can",
    "more",
    "most",
    "less",
    "only",
    "same",
    "other",
    "both",
    "every",
    "them",
    "they",
    "their",
    "there",
    "these",
    "those",
    "our",
    "you",
    "your",
    "true",
    "select",
    "apply",
    "statement",
    "about",
    "after",
    "before",
    "because",
    "while",
    "also",
    "very",
    "just",
    "like",
    "use",
    "used",
    "give",
    "given",
    "compute",
    "number",
    "value",
    "chapter",
    "vae",
    "model",
    "train",
    "test",
    "digit",
    "image",
    "data",
}


def _root(word: str) -> str:
    """'samples', 'sampled', 'sampling', 'sample' -> 'sampl' ('class' stays)."""
    if word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    else:
        for suffix in ("ing", "ed", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
                word = word[: -len(suffix)]
                break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


_COMMON |= {_root(w) for w in _COMMON}


@functools.lru_cache(maxsize=4096)
def _content(text: str) -> frozenset[str]:
    """Content words of ``text`` outside its formulas, reduced to their roots."""
    prose = markdown_to_text(_MATH.sub(" ", text)).lower()
    words = {_root(w) for w in _WORD.findall(prose) if len(w) >= 3 and not w.isdigit()}
    return frozenset(words - _COMMON)


def _symbols(text: str) -> set[str]:
    """Each $...$ formula of ``text`` in the checker's normalized form."""
    return {normalize_answer(m) for m in _MATH.findall(text)}


def _numbers(text: str) -> list[float]:
    """Numbers a reader sees in ``text``: decimals, fractions, square roots, 1/sqrt(n)."""
    plain = text.replace("\u2212", "-").replace(",", "")
    found = [float(x) for x in _DECIMAL.findall(re.sub(r"\\[A-Za-z]+", " ", plain))]
    found += [int(a) / math.sqrt(int(b)) for a, b in _ROOT_FRACTION.findall(plain)]
    found += [math.sqrt(int(a)) for a in _ROOT.findall(_ROOT_FRACTION.sub(" ", plain))]
    for a, b, c, d in _FRACTION.findall(plain):
        num, den = (a, b) if a else (c, d)
        if int(den):
            found.append(int(num) / int(den))
    return found


_PROSE = re.compile(r"[^\W\d_]{2,}(?:[ -][^\W\d_]{2,})*")
_CLAUSE_END = re.compile(r"[.;!?](?:\s|$)")


@dataclass(frozen=True)
class _Unit:
    """One clause a reader sees on the page, of a stem or of one option."""

    question: Question
    where: str
    words: frozenset[str]
    formulas: frozenset[str]
    numbers: tuple[float, ...]


def _clauses(text: str) -> list[str]:
    """``text`` cut at clause ends outside its formulas."""
    formulas: list[str] = []

    def hold(match: re.Match) -> str:
        formulas.append(match.group(0))
        return f"\ue000{len(formulas) - 1}\ue001"

    held = _MATH.sub(hold, text)
    pieces = _CLAUSE_END.split(held)
    put = re.compile("\ue000(\\d+)\ue001")
    return [put.sub(lambda m: formulas[int(m.group(1))], p) for p in pieces if p.strip()]


def _units(q: Question) -> list[_Unit]:
    texts = [("stem", PLACEHOLDER.sub(" ", q.stem))]
    texts += [(f"option {c.id}", c.text) for c in q.choices]
    out = []
    for where, text in texts:
        for clause in _clauses(text):
            formulas = _symbols(clause) | {normalize_answer(clause)}
            numbers = tuple(_numbers(clause))
            out.append(_Unit(q, where, frozenset(_content(clause)), frozenset(formulas), numbers))
    return out


@functools.lru_cache(maxsize=1024)
def _key_terms(q: Question) -> list[tuple[set[str], set[str], bool]]:
    """What would give the item away, as alternatives (content words, formulas, whole): each
    accepted blank answer (``whole``: all of it must appear); or the words and formulas of
    a key option that no distractor and not the stem shares (two thirds of them)."""
    if q.type == "fill_blank":
        out = []
        for b in q.blanks:
            for a in b.answers:
                # words ('evidence lower bound'), or else a formula given away only as a whole
                # ('sqrt(d)', '0 nats', 'L_1')
                words = _content(a) if _PROSE.fullmatch(normalize_answer(a)) else set()
                out.append((words, set() if words else {normalize_answer(a)}, True))
        return out
    if q.type in ("single", "multiple"):
        wrong = [c for c in q.choices if not c.correct]
        wrong_words = set().union(set(), *(_content(c.text) for c in wrong))
        wrong_math = set().union(set(), *(_symbols(c.text) for c in wrong))
        return [
            (
                _content(c.text) - wrong_words - _content(q.stem),
                _symbols(c.text) - wrong_math - _symbols(q.stem),
                False,
            )
            for c in q.choices
            if c.correct
        ]
    return []


def _gives_away(q: Question, unit: _Unit) -> str | None:
    """Why ``unit`` (of another item) gives ``q``'s answer away, or None."""
    if q.type == "numeric":
        if q.answer is None or q.tolerance is None or not unit.numbers:
            return None
        if q.answer == round(q.answer) and abs(q.answer) < 100:
            return None  # small whole numbers turn up everywhere by chance
        lo, hi = numeric_bounds(q)
        hit = next((x for x in unit.numbers if lo <= x <= hi), None)
        shared = _content(q.stem) & unit.words
        if hit is None or not shared:
            return None
        return f"states the number {hit:g} beside {', '.join(sorted(shared))}"
    for words, formulas, whole in _key_terms(q):
        context = _content(q.stem) - words
        terms = len(words) + len(formulas)
        if terms == 0:
            continue
        found = len(words & unit.words) + len(formulas & unit.formulas)
        # all of a blank's answer; two thirds of a key option's own terms, two at least
        if found < (terms if whole else min(terms, max(2, math.ceil(2 * terms / 3)))):
            continue
        shared = context & unit.words
        # The answer's words or formula beside this question's own words: the clause states
        # the item's answer (a word or formula alone turns up by chance).
        if len(shared) >= 2 or (formulas and not words and len(shared) >= 1):
            shown = sorted((words & unit.words) | (formulas & unit.formulas))
            return f"holds {', '.join(shown)} beside {', '.join(sorted(shared))}"
    return None


def answer_leaks(files: Sequence[BankFile], *, all_hits: bool = False) -> list[Cue]:
    """Errors where one item answers another (see the module docstring): the first clause that
    gives each question away, or every one with ``all_hits``."""
    questions = [(f.source, q) for f in files for q in f.questions]
    units = [u for _, q in questions for u in _units(q)]
    out: list[Cue] = []
    for source, q in questions:
        for unit in units:
            if unit.question.id == q.id:
                continue
            why = _gives_away(q, unit)
            if why:
                where = f"{unit.question.id} ({unit.where})"
                out.append(Cue(source, q.id, None, f"answered by {where}, which {why}", "error"))
                if not all_hits:
                    break
    return out
