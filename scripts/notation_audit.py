"""Which mathematical symbols the course uses, where, and whether the notation page lists them.

The notation page (book/notation.md) promises one symbol, one meaning. This script reads the math
of every place a learner meets it, splits it into symbols and prints, per symbol, each use with a
little context, then the symbols the page's tables do not list.

    python scripts/notation_audit.py                 # every symbol, every use
    python scripts/notation_audit.py --unlisted      # only what the page does not list
    python scripts/notation_audit.py --symbol w --symbol '\\Delta'   # some symbols only
    python scripts/notation_audit.py --summary       # one line per symbol: count and chapters

Where the math comes from: the Markdown cells of every chapter (exercises and solutions are
Markdown cells too), every `book/*.md` page, the learner's quiz banks
(`vae_course/quiz/bank/*.yaml`: every string of every question) and the instructor's assessment
banks (`instructor/vae_course_instructor/assessment/*.yaml`). Math is `$...$`, `$$...$$` and
```` ```{math} ```` blocks; inline code and code blocks are skipped.

What a symbol is: one Latin or Greek letter, with its decorations (`\\bar q`, `\\hat x`), its font
(`\\mathcal{L}`, `\\mathbb{E}`) and a subscript that is a word (`p_{\\text{data}}`), written as
the notation page writes them. `\\epsilon` and `\\varepsilon` are different symbols (the page
picks one). Letters in sub- and superscripts count as symbols of their own (an index `i` is a
symbol), words (`\\mathrm{KL}`, `\\log`, `\\operatorname{diag}`, `\\text{bits}`) are not. This is
a tokenizer for a course's math, not a TeX parser: it is meant to be useful, not perfect.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTATION = BOOK / "notation.md"
QUIZ_BANKS = ROOT / "vae_course" / "quiz" / "bank"
ASSESSMENTS = ROOT / "instructor" / "vae_course_instructor" / "assessment"

GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
    "xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
).split() + ["ell"]  # \ell is a Latin letter written as a command
# Unicode Greek as it may be typed inside math, and the command it stands for.
UNICODE_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ϵ": "epsilon", "ε": "varepsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta",
    "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi",
    "Ω": "Omega",
}  # fmt: skip
# Commands that put a mark on the next symbol; the mark is part of the symbol.
DECORATIONS = {
    "bar": "bar", "overline": "bar", "hat": "hat", "widehat": "hat", "tilde": "tilde",
    "widetilde": "tilde", "vec": "vec", "dot": "dot", "ddot": "ddot",
    "mathbf": "mathbf", "boldsymbol": "mathbf", "bm": "mathbf",
}  # fmt: skip
# Commands that change a letter's font: \mathcal{L} is a symbol in its own right.
FONTS = {"mathcal", "mathbb", "mathscr", "mathfrak"}
# Commands whose argument is a word, not symbols.
WORDS = {
    "text", "textrm", "textit", "textbf", "texttt", "mathrm", "mathit", "mathsf", "mathtt",
    "operatorname", "mbox", "label", "tag", "begin", "end", "textsf", "hbox",
}  # fmt: skip

MATH = re.compile(
    r"```\{math\}[^\n]*\n(?P<block>.*?)```"  # a {math} directive
    r"|\$\$(?P<display>.+?)\$\$"  # display math
    r"|(?<![\\$])\$(?P<inline>(?:(?!\n\s*\n)[^$])+?)(?<!\\)\$",  # inline (within a paragraph)
    re.S,
)
FENCE_LINE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(\{[^}]*\})?(.*)$")
# Directives whose body is code, not prose: blanked like a plain code block.
CODE_DIRECTIVES = {"{code-cell}", "{code}", "{code-block}", "{literalinclude}", "{raw}"}
INLINE_CODE = re.compile(r"``.+?``|`[^`\n]+`")
PLACEHOLDER = re.compile(r"\[\[\s*\w+\s*\]\]")  # an assessment's [[parameter]]


@dataclass(frozen=True)
class Token:
    symbol: str  # what the notation page must list, e.g. "\\bar q", "\\mathcal{L}", "w"
    start: int  # offset of the token in the math string
    end: int


@dataclass(frozen=True)
class Use:
    symbol: str
    source: str  # file, relative to the repository
    where: str  # "cell 12", "line 40", "question 02-l1-norm-drop"
    context: str  # the math around the symbol
    chapter: str  # "05", or "" for a page that is no chapter's (notation.md, intro.md)


def _skip_group(math: str, i: int) -> int:
    """Index just past the {...} group that starts at i (or past one token if no brace)."""
    while i < len(math) and math[i] == " ":
        i += 1
    if i >= len(math):
        return i
    if math[i] != "{":
        if math[i] == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", math[i:])
            return i + len(m.group(0))
        return i + 1
    depth = 0
    for j in range(i, len(math)):
        if math[j] == "{":
            depth += 1
        elif math[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(math)


def _group_text(math: str, i: int) -> tuple[str, int]:
    """The text of the group starting at i (braces removed) and the index past it."""
    end = _skip_group(math, i)
    text = math[i:end].strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return text.strip(), end


def _word_subscript(math: str, i: int) -> tuple[str, int] | None:
    """If a subscript starting at i (just after `_`) is a word (\\text{data}), that word."""
    m = re.match(r"\s*\{?\s*\\(text|mathrm|operatorname|textrm)\s*\{([^{}]*)\}\s*\}?", math[i:])
    if m:
        return m.group(2).strip(), i + m.end()
    return None


def tokenize(math: str) -> list[Token]:
    """The symbols of one piece of math, in order.

    >>> [t.symbol for t in tokenize(r"\\bar q_\\phi(z) = \\mathcal{N}(0, I)")]
    ['\\\\bar q', '\\\\phi', 'z', '\\\\mathcal{N}', 'I']
    """
    for char, name in UNICODE_GREEK.items():
        math = math.replace(char, "\\" + name + " ")
    tokens: list[Token] = []
    i = 0
    pending: list[str] = []  # decorations waiting for their letter
    pending_start = 0
    while i < len(math):
        char = math[i]
        if char == "\\":
            m = re.match(r"\\([A-Za-z]+)", math[i:])
            if not m:
                i += 2  # \, \; \{ \| ...
                continue
            name = m.group(1)
            after = i + m.end()
            if name in DECORATIONS:
                if not pending:
                    pending_start = i
                pending.append(DECORATIONS[name])
                # \bar{q} or \bar q: tokenize the argument with the mark applied
                inner, end = _group_text(math, after)
                inner_tokens = tokenize(inner)
                if inner_tokens:
                    first = inner_tokens[0]
                    marks = "".join(f"\\{d} " for d in pending)
                    tokens.append(Token(marks + first.symbol, pending_start, end))
                    tokens += [Token(t.symbol, pending_start, end) for t in inner_tokens[1:]]
                pending = []
                i = end
                continue
            if name in FONTS:
                inner, end = _group_text(math, after)
                symbol = f"\\{name}{{{inner}}}"
                tokens.append(Token(_with_word_subscript(math, end, symbol), i, end))
                i = end
                continue
            if name in WORDS:
                i = _skip_group(math, after)
                if name == "begin":  # \begin{array}{cc}: skip the column spec too
                    while i < len(math) and math[i] == "{":
                        i = _skip_group(math, i)
                continue
            if name in GREEK:
                symbol = _with_word_subscript(math, after, "\\" + name)
                tokens.append(Token(symbol, i, after))
                i = after
                continue
            i = after  # \log, \sum, \mid, \in, \left, ... are not symbols
            continue
        if char.isascii() and char.isalpha():
            symbol = _with_word_subscript(math, i + 1, char)
            tokens.append(Token(symbol, i, i + 1))
            i += 1
            continue
        i += 1
    return tokens


def _with_word_subscript(math: str, i: int, symbol: str) -> str:
    """The symbol with a word subscript that follows it at i, as in p_{\\text{data}}."""
    if i < len(math) and math[i] == "_":
        word = _word_subscript(math, i + 1)
        if word and re.fullmatch(r"[A-Za-z]+", word[0]):
            return f"{symbol}_{{\\text{{{word[0]}}}}}"
    return symbol


def _blank_code_blocks(text: str) -> str:
    """The text with code blocks blanked (same length); MyST directives whose body is prose
    ({exercise}, {solution}, {dropdown}, {admonition}, ...) keep their body and title, and
    {math} blocks are kept whole for MATH."""
    out = []
    directives: list[tuple[str, str]] = []  # (fence, name) of the directives now open
    code_fence = None  # the fence that closes the code block now open
    for line in text.split("\n"):
        blank = " " * len(line)
        if code_fence is not None:
            out.append(blank)
            if line.strip() == code_fence:
                code_fence = None
            continue
        m = FENCE_LINE.match(line)
        if not m:
            out.append(line)
            continue
        _, fence, name, rest = m.groups()
        if name is None and not rest.strip() and directives and directives[-1][0] == fence:
            _, kind = directives.pop()  # the end of a directive: MATH needs a math block's
            out.append(line if kind == "{math}" else blank)
        elif name == "{math}":
            directives.append((fence, name))
            out.append(line)
        elif name is not None and name not in CODE_DIRECTIVES:
            directives.append((fence, name))
            # keep the title (it may hold math), blank the fence and the directive's name
            out.append(" " * m.start(4) + rest)
        else:
            code_fence = fence
            out.append(blank)
    return "\n".join(out)


def math_spans(text: str) -> list[tuple[int, str]]:
    """(offset, math) for every piece of math in a Markdown text, code skipped."""
    blanked = INLINE_CODE.sub(lambda m: " " * len(m.group(0)), _blank_code_blocks(text))
    spans = []
    for m in MATH.finditer(blanked):
        name = next(k for k in ("block", "display", "inline") if m.group(k) is not None)
        spans.append((m.start(name), text[m.start(name) : m.end(name)]))
    return spans


def _chapter_of(path: Path) -> str:
    m = re.match(r"(\d\d)_", path.name)
    return m.group(1) if m else ""


def _strings(node, trail: str = ""):
    """Every string in a YAML question, with the key path it sits under."""
    if isinstance(node, str):
        yield trail, node
    elif isinstance(node, dict):
        for key, value in node.items():
            # not read by a learner: ids, tags, the key, typed forms a check accepts
            if key in ("id", "type", "tags", "parameters", "answer", "answers", "checks"):
                continue
            yield from _strings(value, f"{trail}.{key}" if trail else str(key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _strings(value, f"{trail}[{k}]")


def texts(root: Path = ROOT):
    """(source, where, chapter, text) for every place a learner reads math."""
    book = root / "book"
    for path in sorted(book.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for n, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield (
                    str(path.relative_to(root)),
                    f"cell {n}",
                    _chapter_of(path),
                    "".join(cell["source"]),
                )
    for path in sorted(book.glob("*.md")):
        yield str(path.relative_to(root)), "", "", path.read_text(encoding="utf-8")
    banks = sorted((root / "vae_course" / "quiz" / "bank").glob("*.yaml"))
    banks += sorted((root / "instructor" / "vae_course_instructor" / "assessment").glob("*.yaml"))
    for path in banks:
        bank = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in bank.get("questions", []):
            for key, text in _strings(question):
                text = PLACEHOLDER.sub("1", text)
                yield (
                    str(path.relative_to(root)),
                    f"{question.get('id', '?')} {key}",
                    _chapter_of(path),
                    text,
                )


def uses(root: Path = ROOT) -> list[Use]:
    """Every use of every symbol, in the order a reader meets them."""
    found = []
    for source, where, chapter, text in texts(root):
        for offset, math in math_spans(text):
            line = text.count("\n", 0, offset) + 1
            place = where if where else f"line {line}"
            for token in tokenize(math):
                a, b = max(0, token.start - 25), min(len(math), token.end + 25)
                context = " ".join(math[a:b].split())
                found.append(Use(token.symbol, source, place, context, chapter))
    return found


@dataclass(frozen=True)
class Entry:
    table: str  # "book" (the page's main table) or "local" (the chapter-local table)
    row: str  # the row's first column, as written
    chapters: str  # the row's chapters column ("" when the table has none)


def _table_rows(text: str):
    """(header, rows) of every Markdown table in text; a row is its list of cells."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif current:
            if len(current) >= 2:
                tables.append((current[0], current[2:]))
            current = []
    return tables


def listed(notation: Path = NOTATION) -> dict[str, list[Entry]]:
    """Symbol -> the rows of the notation page's tables that list it: the first column of every
    table whose header starts with "Symbol"; the first such table is the book-wide one, the
    others hold symbols local to the chapters their "chapter" column names."""
    table_of: dict[str, list[Entry]] = defaultdict(list)
    tables = [
        (header, rows)
        for header, rows in _table_rows(notation.read_text(encoding="utf-8"))
        if header[0].lower() == "symbol"
    ]
    for number, (header, rows) in enumerate(tables):
        kind = "book" if number == 0 else "local"  # the page's main table comes first
        lower = [h.lower() for h in header]
        chapter_col = next((k for k, h in enumerate(lower) if h.startswith("chapter")), None)
        for row in rows:
            chapters = (
                row[chapter_col] if chapter_col is not None and chapter_col < len(row) else ""
            )
            for _, math in math_spans(row[0]):
                for token in tokenize(math):
                    entry = Entry(kind, row[0], chapters)
                    if entry not in table_of[token.symbol]:
                        table_of[token.symbol].append(entry)
    return dict(table_of)


def chapter_numbers(cell: str) -> set[str]:
    """The chapters a table cell names: "1-2, 4" -> {"01", "02", "04"}; "all" -> every one."""
    if cell.strip().lower() == "all":
        return {f"{n:02d}" for n in range(100)}
    numbers: set[str] = set()
    for a, b in re.findall(r"(\d+)(?:\s*[-–]\s*(\d+))?", cell):
        for n in range(int(a), int(b or a) + 1):
            numbers.add(f"{n:02d}")
    return numbers


def several_rows(table: dict[str, list[Entry]]) -> dict[str, list[Entry]]:
    """Symbols that begin more than one row's cell (the symbol a row defines, not one it only
    uses, such as the x in p_theta(x | z)): where one letter may carry two meanings."""
    heads: dict[str, list[Entry]] = defaultdict(list)
    for symbol, entries in table.items():
        for entry in entries:
            pieces = [m for _, m in math_spans(entry.row)]
            firsts = {tokenize(m)[0].symbol for m in pieces if tokenize(m)}
            if symbol in firsts:
                heads[symbol].append(entry)
    return {s: e for s, e in heads.items() if len(e) > 1}


def report(
    all_uses: list[Use],
    table: dict[str, list[Entry]],
    symbols=None,
    unlisted=False,
    summary=False,
    per_symbol: int = 0,
) -> str:
    by_symbol: dict[str, list[Use]] = defaultdict(list)
    for use in all_uses:
        by_symbol[use.symbol].append(use)
    lines = []
    chosen = sorted(by_symbol, key=lambda s: (s.lstrip("\\").lower(), s))
    if symbols:
        chosen = [s for s in chosen if s in symbols]
    if unlisted:
        chosen = [s for s in chosen if s not in table]
    for symbol in chosen:
        group = by_symbol[symbol]
        chapters = sorted({u.chapter for u in group if u.chapter})
        where = (
            "listed: " + "; ".join(f"{e.table} row {e.row!r}" for e in table[symbol])
            if (symbol in table)
            else "NOT LISTED on the notation page"
        )
        lines.append(
            f"{symbol}  ({len(group)} uses; chapters {', '.join(chapters) or '-'}; {where})"
        )
        if summary:
            continue
        shown = group if not per_symbol else group[:per_symbol]
        for use in shown:
            lines.append(f"    {use.source} {use.where}: {use.context}")
        if len(shown) < len(group):
            lines.append(f"    ... {len(group) - len(shown)} more")
    missing = sorted(s for s in by_symbol if s not in table)
    lines.append("")
    lines.append("Symbols that head rows of more than one table row (a second meaning, or one")
    lines.append("row's notation reusing another's symbol): check that the meanings agree.")
    for symbol, entries in sorted(several_rows(table).items()):
        rows = "; ".join(f"{e.row} ({e.chapters})" for e in entries)
        lines.append(f"    {symbol}: {rows}")
    lines.append("")
    lines.append(
        f"{len(by_symbol)} symbols, {len(all_uses)} uses; {len(missing)} not listed on "
        f"the notation page: {' '.join(missing) if missing else '-'}"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbol", action="append", help="only this symbol (repeatable)")
    parser.add_argument("--unlisted", action="store_true", help="only symbols the page lacks")
    parser.add_argument("--summary", action="store_true", help="one line per symbol")
    parser.add_argument("--max", type=int, default=0, help="at most this many uses per symbol")
    args = parser.parse_args(argv)
    print(report(uses(), listed(), set(args.symbol or []), args.unlisted, args.summary, args.max))
    return 0


if __name__ == "__main__":
    sys.exit(main())
