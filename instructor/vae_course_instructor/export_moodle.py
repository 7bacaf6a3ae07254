r"""Moodle XML: multichoice (single and multiple), cloze for blanks, numerical.

- single: multichoice, ``single`` true, the correct choice 100, the others 0;
- multiple: multichoice, ``single`` false, each correct choice 100/k (a grade Moodle accepts,
  see :mod:`.lint`), each wrong choice -100, so any wrong tick scores 0 (Moodle still gives
  partial credit for a subset of the correct choices);
- fill_blank: cloze with {w:MULTICHOICE:=word~other} for word banks and {w:SHORTANSWER:=a~=b}
  for typed blanks, case-insensitive unless the course's checker keeps the case of one of
  the answers (a math letter: d is not D), then ``SHORTANSWER_C`` with the capitalizations
  the checker accepts listed; ``*`` (Moodle's wildcard) is written ``\*`` so it only
  matches itself. The blanks' integer weights w add up to the question's points when the
  points are a whole number of at least one per blank (shares differing by at most one);
  else each blank weighs 1. Moodle's importer takes a cloze question's mark from the sum of
  the weights, not from ``defaultgrade``: such a question's mark must be set in the quiz;
- numeric: numerical with an absolute tolerance (a relative tolerance is made absolute);
- calculated: Moodle's calculated question: the formula (:func:`.formula.to_moodle`), the
  tolerance (an absolute and a relative one are two full-mark answers, nominal and relative,
  since the course accepts the wider of the two), and private datasets listing the same
  parameter sets as :func:`.value_sets` (Moodle picks each student's set; they are not
  ``assign``'s values).
The category is the title verbatim (a '/' is written '//', so no nested categories).
Text is HTML with \\( \\) math (Moodle's MathJax filter renders it); per-choice feedback and the
explanation (general feedback) are carried over. Pinned choices turn shuffling off.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from vae_course.quiz.render import markdown_to_html
from vae_course.quiz.schema import Blank, Question, normalize_answer

from .calculated import PARAM, Calculated
from .export_common import (
    category_path,
    html_block,
    html_inline,
    margin,
    plain_number,
    value_sets,
)
from .formula import parse, to_moodle
from .lint import multiple_credit

_WORD = re.compile(r"[^\W\d_]{2,}")  # words fold in the course's checker; single letters do not
_CLOZE_SPECIAL = '\\}#~/"{'


def cloze_escape(text: str) -> str:
    """Escape the characters that end or split a cloze answer."""
    return "".join("\\" + ch if ch in _CLOZE_SPECIAL else ch for ch in text)


def fraction_text(percent: float) -> str:
    return plain_number(round(percent, 5))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _text(parent: ET.Element, tag: str, html: str, fmt: str = "html") -> ET.Element:
    holder = _sub(parent, tag, format=fmt)
    _sub(holder, "text", html)
    return holder


def blank_weights(q: Question) -> list[int]:
    """Integer cloze weights adding up to the points (or 1 each when that is impossible)."""
    k, points = len(q.blanks), q.points
    if float(points).is_integer() and points >= k:
        base, extra = divmod(int(points), k)
        return [base + (1 if i < extra else 0) for i in range(k)]
    return [1] * k


def case_matters(answer: str) -> bool:
    """Whether the course's checker tells this answer from its upper- or lower-case form
    (single-letter symbols keep their case: 'sqrt(d)' is not 'sqrt(D)'; words fold)."""
    key = normalize_answer(answer)
    return normalize_answer(answer.upper()) != key or normalize_answer(answer.lower()) != key


def _case_forms(blank: Blank, answer: str) -> list[str]:
    """The answer and its usual capitalizations that the course's checker accepts too
    (words lower, upper, capitalized, sentence case), for a case-sensitive cloze blank."""
    forms = [
        answer,
        _WORD.sub(lambda m: m.group(0).lower(), answer),
        _WORD.sub(lambda m: m.group(0).upper(), answer),
        _WORD.sub(lambda m: m.group(0).capitalize(), answer),
    ]
    lowered = forms[1]
    forms.append(lowered[:1].upper() + lowered[1:])
    return [f for f in dict.fromkeys(forms) if blank.accepts(f)]


def typed_answers(blank: Blank) -> tuple[bool, list[str]]:
    """(case-sensitive?, accepted texts) of a typed blank as Moodle's cloze should match it.

    Moodle's SHORTANSWER ignores case; where the course's checker keeps case for one of the
    answers (a math letter), the blank is SHORTANSWER_C and every answer is listed with the
    capitalizations the checker accepts, so Moodle accepts no answer that the course rejects.
    """
    if not any(case_matters(a) for a in blank.answers):
        return False, list(blank.answers)
    forms = [f for a in blank.answers for f in _case_forms(blank, a)]
    return True, list(dict.fromkeys(forms))


def cloze_marker(q: Question, index: int) -> str:
    b = q.blanks[index]
    weight = blank_weights(q)[index]
    if b.word_bank is not None:
        # The course's own rule decides which words are right (case included: d is not D).
        options = [("=" if b.accepts(w) else "") + cloze_escape(w) for w in b.word_bank]
        return f"{{{weight}:MULTICHOICE:" + "~".join(options) + "}"
    case_sensitive, answers = typed_answers(b)
    typed = ("=" + cloze_escape(a).replace("*", "\\*") for a in answers)
    kind = "SHORTANSWER_C" if case_sensitive else "SHORTANSWER"
    return f"{{{weight}:{kind}:" + "~".join(typed) + "}"


def _question(quiz: ET.Element, q: Question) -> None:
    if isinstance(q, Calculated):
        _calculated(quiz, q)
        return
    kind = {"single": "multichoice", "multiple": "multichoice", "fill_blank": "cloze"}.get(
        q.type, "numerical"
    )
    node = _sub(quiz, "question", type=kind)
    _sub(_sub(node, "name"), "text", q.id)
    if q.type == "fill_blank":
        stem = markdown_to_html(q.stem, math="paren", blank=lambda i, _n: cloze_marker(q, i))
    else:
        stem = html_block(q.stem)
    _text(node, "questiontext", stem)
    _text(node, "generalfeedback", html_inline(q.explanation))
    _sub(node, "defaultgrade", plain_number(q.points))
    _sub(node, "penalty", "0")
    _sub(node, "hidden", "0")
    _sub(node, "idnumber", q.id)
    if q.type in ("single", "multiple"):
        single = q.type == "single"
        _sub(node, "single", "true" if single else "false")
        pinned = any(c.pinned for c in q.choices)
        _sub(node, "shuffleanswers", "false" if pinned else "true")
        _sub(node, "answernumbering", "abc")
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(node, tag, "")
        per_correct = 100.0 if single else multiple_credit(len(q.correct_choice_ids))
        if per_correct is None:
            raise ValueError(
                f"question {q.id!r}: {len(q.correct_choice_ids)} correct choices cannot be "
                "graded in Moodle (run `vae-course validate`)"
            )
        for c in q.choices:
            fraction = per_correct if c.correct else (0.0 if single else -100.0)
            answer = _sub(node, "answer", fraction=fraction_text(fraction), format="html")
            _sub(answer, "text", html_inline(c.text))
            _text(answer, "feedback", html_inline(c.feedback))
    elif q.type == "numeric":
        answer = _sub(node, "answer", fraction="100", format="moodle_auto_format")
        _sub(answer, "text", plain_number(q.answer))
        _text(answer, "feedback", "")
        _sub(answer, "tolerance", plain_number(margin(q)))
        _sub(node, "unitgradingtype", "0")
        _sub(node, "unitpenalty", "0.1")
        _sub(node, "showunits", "3")
        _sub(node, "unitsleft", "0")


def _calculated(quiz: ET.Element, q: Calculated) -> None:
    node = _sub(quiz, "question", type="calculated")
    _sub(_sub(node, "name"), "text", q.id)
    formula = to_moodle(parse(q.formula, {p.name for p in q.parameters}))
    as_moodle = PARAM.sub(lambda m: "{" + m.group(1) + "}", q.stem)
    _text(node, "questiontext", html_block(as_moodle))
    explanation = PARAM.sub(
        lambda m: "{" + m.group(1) + "}" if m.group(1) != "answer" else "{=" + formula + "}",
        q.explanation,
    )
    _text(node, "generalfeedback", html_inline(explanation))
    _sub(node, "defaultgrade", plain_number(q.points))
    _sub(node, "penalty", "0")
    _sub(node, "hidden", "0")
    _sub(node, "idnumber", q.id)
    _sub(node, "synchronize", "0")
    _sub(node, "single", "0")
    _sub(node, "answernumbering", "abc")
    _sub(node, "shuffleanswers", "0")
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(node, tag, "")
    # The course accepts |x - a| <= max(absolute, relative * |a|). Moodle's answer has one
    # tolerance, nominal (type 2) or relative (type 1), and a response gets the first answer
    # whose interval holds it: one full-mark answer per non-zero tolerance is the maximum.
    for width, tolerance_type in ((q.tolerance.absolute, "2"), (q.tolerance.relative, "1")):
        if width:  # a zero tolerance adds no answer
            answer = _sub(node, "answer", fraction="100")
            _sub(answer, "text", formula)
            _sub(answer, "tolerance", plain_number(width))
            _sub(answer, "tolerancetype", tolerance_type)
            _sub(answer, "correctanswerformat", "2")  # significant figures
            _sub(answer, "correctanswerlength", "4")
            _text(answer, "feedback", "")
    _sub(node, "unitgradingtype", "0")
    _sub(node, "unitpenalty", "0.1")
    _sub(node, "showunits", "3")
    _sub(node, "unitsleft", "0")
    sets = value_sets(q)
    definitions = _sub(node, "dataset_definitions")
    for param in q.parameters:
        d = _sub(definitions, "dataset_definition")
        _sub(_sub(d, "status"), "text", "private")
        _sub(_sub(d, "name"), "text", param.name)
        _sub(d, "type", "calculated")
        _sub(_sub(d, "distribution"), "text", "uniform")
        values = [v[param.name] for v, _ in sets]
        _sub(_sub(d, "minimum"), "text", plain_number(min(values)))
        _sub(_sub(d, "maximum"), "text", plain_number(max(values)))
        decimals = max((len(plain_number(v).partition(".")[2]) for v in values), default=0)
        _sub(_sub(d, "decimals"), "text", str(decimals))
        _sub(d, "itemcount", str(len(sets)))
        items = _sub(d, "dataset_items")
        for number, (values_i, _) in enumerate(sets, start=1):
            item = _sub(items, "dataset_item")
            _sub(item, "number", str(number))
            _sub(item, "value", plain_number(values_i[param.name]))
        _sub(d, "number_of_items", str(len(sets)))


def export_moodle(title: str, questions: Sequence[Question]) -> bytes:
    """Moodle XML (one category named after ``title``) as UTF-8 bytes."""
    quiz = ET.Element("quiz")
    category = _sub(quiz, "question", type="category")
    _sub(_sub(category, "category"), "text", category_path(title))
    _text(category, "info", "")
    for q in questions:
        _question(quiz, q)
    ET.indent(quiz)
    buffer = io.BytesIO()
    ET.ElementTree(quiz).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"
