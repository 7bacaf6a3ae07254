"""Markdown with $math$ to safe HTML, and the score words, for the live and the static quiz.

Raw HTML in bank text is escaped, never passed through. Math is cut out before Markdown sees it
(so `_` and `\\` inside formulas survive), HTML-escaped, and put back either as ``$...$`` (the
live HTMLMath widgets typeset that) or as ``\\(...\\)`` / ``\\[...\\]`` (MathJax 3 in the book).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from markdown_it import MarkdownIt

from .validate import PLACEHOLDER

# Display math first, then inline math; a backslash-escaped dollar is a literal dollar.
_DISPLAY_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<!\\)\$(?!\s)([^$]+?)(?<!\\)(?<!\s)\$")
# Private-use characters: Markdown leaves them alone and bank text never contains them.
_MATH_TOKEN = re.compile("\ue000(\\d+)\ue001")
_BLANK_TOKEN = re.compile("\ue002(\\d+)\ue003")
_TAG = re.compile(r"<[^>]+>")

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _protect_math(text: str) -> tuple[str, list[tuple[str, bool]]]:
    formulas: list[tuple[str, bool]] = []

    def keep(display: bool) -> Callable[[re.Match], str]:
        def sub(match: re.Match) -> str:
            formulas.append((match.group(1), display))
            return f"\ue000{len(formulas) - 1}\ue001"

        return sub

    text = _DISPLAY_MATH.sub(keep(True), text)
    text = _INLINE_MATH.sub(keep(False), text)
    return text, formulas


def _restore_math(rendered: str, formulas: list[tuple[str, bool]], math: str) -> str:
    def sub(match: re.Match) -> str:
        tex, display = formulas[int(match.group(1))]
        tex = html.escape(tex, quote=False)
        if math == "dollar":
            return f"$${tex}$$" if display else f"${tex}$"
        return f"\\[{tex}\\]" if display else f"\\({tex}\\)"

    return _MATH_TOKEN.sub(sub, rendered)


def markdown_to_html(
    text: str,
    *,
    inline: bool = False,
    math: str = "paren",
    blank: Callable[[int, str], str] | None = None,
) -> str:
    """Render bank Markdown to HTML.

    inline: no surrounding <p> (for choice labels); math: 'paren' gives \\( \\) for MathJax 3,
    'dollar' gives $ $ for Jupyter's HTMLMath; blank(index, name): HTML that replaces the
    index-th {{name}} placeholder (fill-in-the-blank stems), default a visible gap.
    """
    if math not in ("paren", "dollar"):
        raise ValueError(f"math must be 'paren' or 'dollar', got {math!r}")
    names: list[str] = []

    def hold_blank(match: re.Match) -> str:
        names.append(match.group(1))
        return f"\ue002{len(names) - 1}\ue003"

    text = PLACEHOLDER.sub(hold_blank, text)
    protected, formulas = _protect_math(text)
    rendered = _MARKDOWN.renderInline(protected) if inline else _MARKDOWN.render(protected)
    rendered = _restore_math(rendered, formulas, math).strip()

    def put_blank(match: re.Match) -> str:
        index = int(match.group(1))
        if blank is None:
            return f"____ ({index + 1})"
        return blank(index, names[index])

    return _BLANK_TOKEN.sub(put_blank, rendered)


def markdown_to_text(text: str) -> str:
    """Plain text for native widget labels: Markdown markup dropped, $math$ kept as written."""
    rendered = markdown_to_html(text, inline=True, math="dollar")
    return html.unescape(_TAG.sub("", rendered))


def format_points(points: float) -> str:
    """'1', '2', '0.5': points without a trailing '.0'."""
    return f"{points:g}"


def points_label(points: float) -> str:
    """'1 point', '2 points'."""
    return f"{format_points(points)} point{'' if points == 1 else 's'}"


def score_text(earned: float, total: float) -> str:
    """'Score: 2 / 4 points' (the live and the static quiz say the same)."""
    return f"Score: {format_points(earned)} / {format_points(total)} point{'s' * (total != 1)}"
