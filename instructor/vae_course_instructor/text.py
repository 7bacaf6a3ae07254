"""Text that leaves the tool: points, CSV cells and terminal lines that cannot be abused.

- :func:`csv_cell`: OWASP's CSV-injection rule. A cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is read as a formula by spreadsheets, so it gets a leading
  ``'`` -- unless it is a plain number (``-0.5`` stays a number).
- :func:`clean`: what is printed: control characters (terminal escape sequences, carriage
  returns, bidi overrides) become ``?``, lone surrogates too, and the text is cut to a bound.
"""

from __future__ import annotations

import re
import unicodedata

MAX_ECHO = 200  # characters of a student's text (a file name, an answer) echoed anywhere
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def format_points(points: float) -> str:
    """'1', '2', '0.5': points without a trailing '.0'."""
    return f"{points:g}"


def points_label(points: float) -> str:
    return f"{format_points(points)} point{'' if points == 1 else 's'}"


def bounded(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis and the full length when cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def scrub(text: str) -> str:
    """Lone surrogates (from undecodable file names) and control characters become '?'."""
    text = str(text)
    if text.isprintable():  # the common case, in C: no control, format or surrogate characters
        return text
    out = []
    for ch in str(text):
        if 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("?")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            out.append("?")
        else:
            out.append(ch)
    return "".join(out)


def clean(text: str, limit: int = MAX_ECHO) -> str:
    """Safe to print on a terminal or to put in a report: scrubbed, then bounded."""
    return bounded(scrub(text), limit)


def csv_cell(value: object) -> object:
    """A CSV cell no spreadsheet runs as a formula; numbers (int, float, numeric text) unchanged."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    raw = str(value)
    text = scrub(raw.replace("\n", " "))
    if raw.startswith(_FORMULA_START) and not _NUMBER.match(raw):
        return "'" + text
    return text


def csv_row(values: list[object]) -> list[object]:
    return [csv_cell(v) for v in values]
