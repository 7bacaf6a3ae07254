"""What the three LMS exports share: Markdown to HTML with \\( \\) math, numbers, bounds."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

from vae_course.quiz.render import markdown_to_html
from vae_course.quiz.schema import Question

from .calculated import Calculated, draw, instantiate
from .text import scrub


def html_block(text: str) -> str:
    """Bank Markdown as HTML, math as \\( \\) and \\[ \\] for MathJax (Canvas, Moodle)."""
    return markdown_to_html(text, math="paren")


def html_inline(text: str) -> str:
    return markdown_to_html(text, inline=True, math="paren")


def plain_number(value: float) -> str:
    """Shortest round-trip decimal without an exponent: 1e-05 -> '0.00001', 2.0 -> '2'."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def margin(question: Question) -> float:
    """The absolute half-width accepted around a numeric answer (relative made absolute)."""
    tol = question.tolerance
    if tol is None:
        return 0.0
    return max(tol.absolute, tol.relative * abs(question.answer))


def bounds(question: Question) -> tuple[float, float]:
    width = margin(question)
    return question.answer - width, question.answer + width


def export_id(title: str, questions: Sequence[Question], salt: str = "") -> str:
    """A stable identifier ('g' + 32 hex digits, like Canvas's) from the content."""
    text = "\n".join([salt, title, *(q.content_hash() for q in questions)])
    return "g" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def total_points(questions: Sequence[Question]) -> float:
    return float(sum(q.points for q in questions))


def category_path(title: str) -> str:
    """Moodle's category path for ``title`` kept as one category: '/' is written '//'."""
    return "$course$/top/" + " ".join(scrub(title).split()).replace("/", "//")


EXPORT_ITEMS = 20  # parameter sets written per calculated question


def export_seed(question: Question, salt: str = "") -> bytes:
    """A public, fixed seed for the values an export lists (not any student's values)."""
    return hashlib.sha256(f"vae-course export\n{salt}\n{question.id}".encode()).digest()


def value_sets(question: Calculated, n: int = EXPORT_ITEMS) -> list[tuple[dict[str, float], float]]:
    """n (values, answer) pairs for an export's datasets, deterministic, each with a finite
    answer (combinations without one are skipped)."""
    out = []
    for i in range(4 * n):
        values = draw(question, export_seed(question, str(i)))
        try:
            out.append((values, question.compute(values)))
        except ValueError:
            continue
        if len(out) == n:
            break
    return out


def fixed_version(question: Question, title: str) -> Question:
    """A calculated question as one numeric question with fixed values (formats without
    calculated questions); other questions unchanged."""
    if not isinstance(question, Calculated):
        return question
    return instantiate(question, value_sets(question, 1)[0][0])
