"""Moodle XML: multichoice (single and multiple), cloze for blanks, numerical.

- single: multichoice, ``single`` true, the correct choice 100, the others 0;
- multiple: multichoice, ``single`` false, each correct choice 100/k (a grade Moodle accepts,
  see :mod:`.lint`), each wrong choice -100, so any wrong tick scores 0 (Moodle still gives
  partial credit for a subset of the correct choices);
- fill_blank: cloze with {1:MULTICHOICE:=word~other} for word banks and {1:SHORTANSWER:=a~=b}
  (case-insensitive) for typed blanks;
- numeric: numerical with an absolute tolerance (a relative tolerance is made absolute).
Text is HTML with \\( \\) math (Moodle's MathJax filter renders it); per-choice feedback and the
explanation (general feedback) are carried over. Pinned choices turn shuffling off.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from vae_course.quiz import Question
from vae_course.quiz.render import markdown_to_html

from .export_common import html_block, html_inline, margin, plain_number
from .lint import multiple_credit

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


def cloze_marker(q: Question, index: int) -> str:
    b = q.blanks[index]
    if b.word_bank is not None:
        accepted = {a.lower() for a in b.answers}
        options = [("=" if w.lower() in accepted else "") + cloze_escape(w) for w in b.word_bank]
        return "{1:MULTICHOICE:" + "~".join(options) + "}"
    return "{1:SHORTANSWER:" + "~".join("=" + cloze_escape(a) for a in b.answers) + "}"


def _question(quiz: ET.Element, q: Question) -> None:
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
    if q.type != "fill_blank":  # a cloze question's mark is the sum of its blanks' weights
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


def export_moodle(title: str, questions: Sequence[Question]) -> bytes:
    """Moodle XML (one category named after ``title``) as UTF-8 bytes."""
    quiz = ET.Element("quiz")
    category = _sub(quiz, "question", type="category")
    _sub(_sub(category, "category"), "text", f"$course$/top/{title}")
    _text(category, "info", "")
    for q in questions:
        _question(quiz, q)
    ET.indent(quiz)
    buffer = io.BytesIO()
    ET.ElementTree(quiz).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"
