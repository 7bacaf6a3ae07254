r"""GIFT (Moodle's plain-text import format).

Every text is HTML (``[html]``) with \\( \\) math, and GIFT's special characters are escaped
as Moodle's importer expects: a backslash becomes ``\\\\`` first (so TeX such as ``\\nabla``
survives; Moodle reads ``\\n`` as a newline otherwise), then ``~ = # { } :`` get a backslash.
- single: ``{=right#feedback ~wrong#feedback ####explanation}``;
- multiple: ``{~%50%right ~%-100%wrong ...}`` (the same grades as the Moodle XML export);
- numeric: ``{#answer:tolerance}`` (tolerance absolute);
- fill_blank: the missing-word form, ``text {=word ~other} text`` (word bank) or
  ``{=a =b}`` (typed). GIFT has one blank per question, so a question with k blanks becomes
  k questions ``<id>-<blank>``, each worth points/k, the other blanks shown as numbered gaps.
GIFT carries no points: set the marks in Moodle after importing. A ``%`` in HTML text is
written ``&#37;`` (the same character on screen), so a choice such as "%50% of ..." is never
read as a weight; ``*`` in typed answers is written ``\*`` (else Moodle's wildcard). GIFT has
no calculated questions: they become numeric questions with one fixed set of values (the same
for every student), with a ``//`` comment saying so. The category is the title verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence

from vae_course.quiz.render import markdown_to_html
from vae_course.quiz.schema import Question

from .calculated import Calculated, plain
from .export_common import (
    category_path,
    fixed_version,
    html_block,
    html_inline,
    margin,
    plain_number,
    value_sets,
)
from .export_moodle import fraction_text
from .lint import multiple_credit

_SPECIAL = "~=#{}:"
_GAP = "\ue010"  # private-use marker for where the blank goes


def gift_escape(text: str, html: bool = True) -> str:
    """Escape for GIFT: backslash first, then ~ = # { } :, and no line breaks; in HTML text
    '%' becomes '&#37;' (never a weight)."""
    if html:
        text = text.replace("%", "&#37;")
    text = text.replace("\\", "\\\\")
    for ch in _SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.splitlines())


def _feedback(text: str) -> str:
    return "#" + gift_escape(html_inline(text)) if text.strip() else ""


def _general(q: Question) -> str:
    return "####" + gift_escape(html_inline(q.explanation))


def _choices(q: Question) -> str:
    if q.type == "single":
        lines = [
            ("=" if c.correct else "~") + gift_escape(html_inline(c.text)) + _feedback(c.feedback)
            for c in q.choices
        ]
    else:
        per_correct = multiple_credit(len(q.correct_choice_ids))
        if per_correct is None:
            raise ValueError(
                f"question {q.id!r}: {len(q.correct_choice_ids)} correct choices cannot be "
                "graded in Moodle (run `vae-course validate`)"
            )
        lines = [
            f"~%{fraction_text(per_correct if c.correct else -100.0)}%"
            + gift_escape(html_inline(c.text))
            + _feedback(c.feedback)
            for c in q.choices
        ]
    return "{\n" + "\n".join("\t" + line for line in lines) + f"\n\t{_general(q)}\n}}"


def _blank_questions(q: Question) -> list[str]:
    out = []
    for index, b in enumerate(q.blanks):
        stem = markdown_to_html(
            q.stem,
            math="paren",
            blank=lambda i, _n, index=index: _GAP if i == index else f"____ ({i + 1})",
        )
        before, _, after = stem.partition(_GAP)
        if b.word_bank is not None:
            # The course's own rule decides which words are right (case included: d is not D).
            options = [("=" if b.accepts(w) else "~") + gift_escape(w) for w in b.word_bank]
        else:
            options = ["=" + gift_escape(a.replace("*", "\\*"), html=False) for a in b.answers]
        name = q.id if len(q.blanks) == 1 else f"{q.id}-{b.name}"
        answer = "{" + " ".join(options) + " " + _general(q) + "}"
        out.append(f"::{name}::[html]{gift_escape(before)}{answer}{gift_escape(after) or ' '}")
    return out


def question_gift(q: Question, title: str = "") -> list[str]:
    """The GIFT text of one question (several for a fill_blank with several blanks)."""
    if isinstance(q, Calculated):
        values = value_sets(q, 1)[0][0]
        shown = ", ".join(f"{k} = {plain(v)}" for k, v in values.items())
        note = (
            f"// {q.id}: a calculated question, exported with fixed values ({shown}) because "
            "GIFT has no calculated questions: every student gets these numbers"
        )
        return [note + "\n" + question_gift(fixed_version(q, title))[0]]
    if q.type == "fill_blank":
        return _blank_questions(q)
    head = f"::{q.id}::[html]{gift_escape(html_block(q.stem))}"
    if q.type == "numeric":
        value = f"{plain_number(q.answer)}:{plain_number(margin(q))}"
        return [f"{head}{{#{value}\n\t{_general(q)}\n}}"]
    return [f"{head}{_choices(q)}"]


def export_gift(title: str, questions: Sequence[Question]) -> bytes:
    """The GIFT file as UTF-8 bytes."""
    header = f"$CATEGORY: {category_path(title)}"
    blocks = [header] + [text for q in questions for text in question_gift(q, title)]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
