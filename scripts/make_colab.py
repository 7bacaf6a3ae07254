"""Write colab/NN_topic.ipynb from book/NN_topic.ipynb: the notebooks the Colab buttons open.

    python scripts/make_colab.py            # every chapter (or name some: book/06_sampling.ipynb)
    python scripts/make_colab.py --check    # exit 1 when a generated notebook is out of sync

Jupyter and Colab render Markdown, not MyST, so every MyST construct of a chapter becomes plain
Markdown or HTML that both render:
- ``{exercise}``: a bold heading "Exercise N.k (title)", numbered per chapter as in the book;
- ``{solution}`` and a gated ``{solution-start}`` ... ``{solution-end}``: one collapsed HTML
  ``<details>`` block; a gated solution's code cells go inside it as code blocks (a learner
  copies them into a cell: Run All must not give away or spend time on a solution);
- ``{admonition}``, ``{note}``, ``{warning}``, ``{tip}``, ...: a blockquote with a bold title;
  ``{dropdown}``: ``<details>``;
- ``{cite}`` roles: "(Kingma and Welling, 2014)" from book/references.bib; ``{doc}``,
  ``{ref}``, ``{numref}`` and links to other pages of the book: links to the published book;
- targets ``(label)=`` and equation labels removed; ``{math}`` as ``$$`` blocks.
The first cell is the setup cell of scripts/sync_notebooks.py as a Colab form (one titled line).
Output is a pure function of the sources (no dates, no randomness): regenerating is idempotent.
"""

from __future__ import annotations

import argparse
import copy
import functools
import html
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync_notebooks  # noqa: E402  (the setup cell and the metadata live there)

ROOT = sync_notebooks.ROOT
BOOK = ROOT / "book"
OUT = ROOT / "colab"
CHAPTER = re.compile(r"^(\d\d)_")
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\s*(?P<rest>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[a-zA-Z][\w:-]*)\}\s*(?P<arg>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<role>[a-z][\w:-]*)\}`(?P<text>[^`]+)`")
ADMONITIONS = {
    "admonition": "",
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}


class ConversionError(ValueError):
    """A MyST construct this script does not know how to write for Jupyter and Colab."""


# -- the book: its address, its labels, its bibliography ------------------------------------


def book_url() -> str:
    """Where GitHub Pages publishes the book: https://OWNER.github.io/REPO/."""
    url, _ = sync_notebooks.repository()
    match = re.match(r"https://github\.com/([^/]+)/([^/]+)$", url)
    if not match:
        raise ConversionError(f"repository url: expected https://github.com/OWNER/REPO, got {url}")
    return f"https://{match.group(1).lower()}.github.io/{match.group(2)}/"


def page_url(docname: str, anchor: str = "") -> str:
    """docname: a path without suffix relative to the book's root, e.g. book/notation."""
    return book_url() + docname + ".html" + (f"#{anchor}" if anchor else "")


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")


@functools.cache
def book_labels() -> dict[str, tuple[str, str, str]]:
    """label -> (docname, anchor, title) for ``(label)=`` targets and ``:label:`` options."""
    labels: dict[str, tuple[str, str, str]] = {}
    sources = [(p, _markdown_cells(p)) for p in sorted(BOOK.glob("*.ipynb"))]
    sources += [(p, [p.read_text(encoding="utf-8")]) for p in sorted(BOOK.glob("*.md"))]
    for path, texts in sources:
        doc = f"book/{path.stem}"
        for text in texts:
            for m in re.finditer(r"^\((?P<label>[^)\s]+)\)=\s*\n#+\s*(?P<title>.*)$", text, re.M):
                labels[m["label"]] = (doc, m["label"], m["title"].strip())
            for m in re.finditer(r"^:label:\s*(\S+)", text, re.M):
                labels[m.group(1)] = (doc, m.group(1), m.group(1))
    return labels


def _markdown_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


@functools.cache
def bibliography() -> dict[str, tuple[str, str]]:
    """key -> (authors as the book prints them in a citation, year)."""
    from pybtex.database import parse_file

    entries = parse_file(str(BOOK / "references.bib"), bib_format="bibtex").entries
    cites = {}
    for key, entry in entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
        if len(last) >= 3:
            authors = f"{last[0]} et al."
        elif last:
            authors = " and ".join(last)
        else:
            authors = _plain(entry.fields.get("organization", key))
        cites[key] = (authors, entry.fields.get("year", "n.d."))
    return cites


def _plain(text: str) -> str:
    return re.sub(r"[{}]", "", text)


# -- roles and links ------------------------------------------------------------------------


class Context:
    def __init__(self, stem: str):
        self.stem = stem
        self.chapter = int(CHAPTER.match(stem).group(1))
        self.exercises: dict[str, str] = {}  # label -> "Exercise N.k"
        self.labels = book_labels()
        self.cites = bibliography()

    def citation(self, keys: str, textual: bool) -> str:
        parts = []
        for key in (k.strip() for k in keys.split(",")):
            if key not in self.cites:  # the book build fails on it too; say so, go on
                print(f"{self.stem}: cite key {key!r} is not in references.bib", file=sys.stderr)
            authors, year = self.cites.get(key, (key, "n.d."))
            parts.append(f"{authors} ({year})" if textual else f"{authors}, {year}")
        text = ", ".join(parts) if textual else "; ".join(parts)
        return f"[{text}]({page_url('book/references')})" if textual else f"({text})"

    def reference(self, text: str, numbered: bool) -> str:
        match = re.match(r"^(?P<title>.*?)\s*<(?P<target>[^>]+)>$", text, re.S)
        title, target = (match["title"], match["target"]) if match else (None, text)
        if target in self.exercises:
            return f"{title or self.exercises[target]}"
        if target not in self.labels:
            raise ConversionError(f"{self.stem}: reference to unknown label {target!r}")
        doc, anchor, label_title = self.labels[target]
        return f"[{title or label_title}]({page_url(doc, anchor)})"

    def roles(self, text: str) -> str:
        def replace(m: re.Match) -> str:
            role, body = m["role"], m["text"]
            if role in ("cite", "cite:p", "cite:ps", "cite:alp"):
                return self.citation(body, textual=False)
            if role in ("cite:t", "cite:ts"):
                return self.citation(body, textual=True)
            if role in ("ref", "numref", "eq"):
                return self.reference(body, numbered=role != "ref")
            if role == "doc":
                match = re.match(r"^(?P<title>.*?)\s*<(?P<target>[^>]+)>$", body, re.S)
                title, target = (match["title"], match["target"]) if match else (body, body)
                return f"[{title}]({page_url(self.docname(target))})"
            if role == "math":
                return f"${body}$"
            if role in ("sub", "sup"):
                return f"<{role}>{body}</{role}>"
            if role in ("abbr", "term", "index", "download", "guilabel", "kbd"):
                return re.sub(r"\s*<[^>]+>$", "", body) if role != "kbd" else f"<kbd>{body}</kbd>"
            raise ConversionError(f"{self.stem}: role {{{role}}} has no Jupyter form")

        return ROLE.sub(replace, text)

    def docname(self, target: str) -> str:
        target = re.sub(r"\.(md|ipynb)$", "", target)
        return target if target.startswith("book/") else f"book/{target.lstrip('./')}"

    def links(self, text: str) -> str:
        """Markdown links to other pages of the book point to the published pages."""

        def replace(m: re.Match) -> str:
            target, anchor = m["target"], m["anchor"] or ""
            return f"]({page_url(self.docname(target), anchor.lstrip('#'))})"

        pattern = r"\]\((?P<target>(?!https?:|mailto:)[\w./-]+\.(?:md|ipynb))(?P<anchor>#[\w-]+)?\)"
        return re.sub(pattern, replace, text)


# -- directives -----------------------------------------------------------------------------


def _parse_block(lines: list[str], start: int) -> tuple[dict, int]:
    """The directive whose opening fence is lines[start]; returns it and the next line index."""
    m = FENCE.match(lines[start])
    fence = m["fence"]
    d = DIRECTIVE.match(m["rest"].strip())
    end = start + 1
    body: list[str] = []
    while end < len(lines):
        closing = FENCE.match(lines[end])
        if closing and closing["fence"] == fence and not closing["rest"].strip():
            break
        body.append(lines[end])
        end += 1
    else:
        raise ConversionError(f"directive {m['rest']!r} is never closed")
    options: dict[str, str] = {}
    while d is not None and body and OPTION.match(body[0].strip()):
        o = OPTION.match(body[0].strip())
        options[o["key"]] = o["value"]
        body.pop(0)
    if d is None:  # a plain code block, e.g. ```python
        return {"name": None, "lang": m["rest"].strip(), "body": body, "fence": fence}, end + 1
    return {"name": d["name"], "arg": d["arg"].strip(), "options": options, "body": body}, end + 1


def convert_markdown(text: str, ctx: Context) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^\([^)\s]+\)=\s*$", line):  # a MyST target: the book's anchor only
            i += 1
            continue
        m = FENCE.match(line)
        if not m:
            out.append(line)
            i += 1
            continue
        block, i = _parse_block(lines, i)
        if block["name"] is None:
            fence = "```" if block["fence"].startswith(":") else block["fence"]
            out += [f"{fence}{block['lang']}", *block["body"], fence]
        else:
            out.append(convert_directive(block, ctx))
    text = "\n".join(out)
    text = re.sub(r"^(\$\$)\s*\([^)\s]+\)\s*$", r"\1", text, flags=re.M)  # $$ (label)
    return ctx.links(ctx.roles(text))


def _details(summary: str, body: str) -> str:
    # The blank lines make Jupyter's and Colab's Markdown renderers parse the body as Markdown.
    summary = html.escape(summary, quote=False)  # a title such as "Is β < 1 ..." stays text
    return f"<details>\n<summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def _quote(title: str, body: str) -> str:
    lines = [f"**{title}**", "", *body.strip().split("\n")] if title else body.strip().split("\n")
    return "\n".join(f"> {line}".rstrip() for line in lines)


def convert_directive(block: dict, ctx: Context) -> str:
    name, arg, options = block["name"], block["arg"], block["options"]
    body = convert_markdown("\n".join(block["body"]), ctx)
    if name == "exercise":
        number = f"Exercise {ctx.chapter}.{len(ctx.exercises) + 1}"
        ctx.exercises[options.get("label", f"#{len(ctx.exercises)}")] = number
        title = f"{number} ({ctx.roles(arg)})" if arg else number
        return f"**{title}**\n\n{body.strip()}"
    if name == "solution":
        return _details(_solution_summary(arg, ctx), body)
    if name in ADMONITIONS:
        title = ctx.roles(arg) if name == "admonition" else ADMONITIONS[name]
        if "dropdown" in options.get("class", ""):
            return _details(title or "Details", body)
        return _quote(title, body)
    if name == "dropdown":
        return _details(ctx.roles(arg) or "Details", body)
    if name in ("math", "latex"):
        return "$$\n" + "\n".join(block["body"]).strip() + "\n$$"
    if name in ("code", "code-block", "code-cell"):
        return f"```{arg}\n" + "\n".join(block["body"]) + "\n```"
    raise ConversionError(f"{ctx.stem}: directive {{{name}}} has no Jupyter form")


def _solution_summary(label: str, ctx: Context) -> str:
    return f"Solution to {ctx.exercises[label]}" if label in ctx.exercises else "Solution"


# -- notebooks ------------------------------------------------------------------------------

GATED_START = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution-start\}\s*(?P<label>\S*)\n(?::[\w-]+:.*\n)*(?P=fence)\s*$",
    re.M,
)
GATED_END = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution-end\}\s*\n(?P=fence)\s*$", re.M)


def _markdown_cell(source: str, cell_id: str) -> dict:
    return {
        "cell_type": "markdown",
        "id": cell_id,
        "metadata": {},
        "source": source.splitlines(keepends=True),
    }


def colab_setup_cell() -> dict:
    cell = sync_notebooks.setup_cell()
    cell["metadata"] = {"cellView": "form", "tags": [sync_notebooks.SETUP_TAG]}
    return cell


def convert_notebook(nb: dict, stem: str) -> dict:
    """The Colab notebook of one chapter (``nb`` as the book stores it)."""
    ctx = Context(stem)
    nb = sync_notebooks.normalised(nb)
    cells: list[dict] = [colab_setup_cell()]
    gated: dict | None = None  # the solution being collected: summary, parts, id
    for index, cell in enumerate(nb["cells"][1:], start=1):
        cell_id = cell.get("id") or f"cell-{index}"
        if cell["cell_type"] != "markdown":
            if gated is not None:
                code = "".join(cell["source"]).rstrip()
                gated["parts"].append(f"```python\n{code}\n```")
                continue
            cell = copy.deepcopy(cell)
            cell["id"] = cell_id
            cell["metadata"] = {k: v for k, v in cell["metadata"].items() if k != "tags"}
            cells.append(cell)
            continue
        text = "".join(cell["source"])
        pieces = _split_gated(text)
        before = []
        for kind, piece in pieces:
            if kind == "start":
                if gated is not None:
                    raise ConversionError(f"{stem}: {{solution-start}} inside another solution")
                gated = {"label": piece, "parts": [], "id": cell_id}
                if before:
                    _emit(cells, convert_markdown("\n".join(before), ctx), cell_id)
                    before = []
                # the summary is fixed now: the exercise it answers has been numbered above
                gated["summary"] = _solution_summary(piece, ctx)
            elif kind == "end":
                if gated is None:
                    raise ConversionError(f"{stem}: {{solution-end}} without {{solution-start}}")
                body = "\n\n".join(p for p in gated["parts"] if p.strip())
                _emit(cells, _details(gated["summary"], body), gated["id"] + "-solution")
                gated = None
            elif gated is not None:
                gated["parts"].append(convert_markdown(piece, ctx))
            else:
                before.append(piece)
        if before:
            _emit(cells, convert_markdown("\n".join(before), ctx), cell_id)
    if gated is not None:
        raise ConversionError(f"{stem}: {{solution-start}} {gated['label']} is never ended")
    seen: set[str] = set()
    for cell in cells:  # cell ids stay unique when one book cell became several
        base, n = cell["id"], 1
        while cell["id"] in seen:
            n += 1
            cell["id"] = f"{base}-{n}"
        seen.add(cell["id"])
    nb["cells"] = cells
    return nb


def _emit(cells: list[dict], source: str, cell_id: str) -> None:
    source = re.sub(r"\n{3,}", "\n\n", source).strip()
    if source:
        cells.append(_markdown_cell(source, cell_id))


def _split_gated(text: str) -> list[tuple[str, str]]:
    """("text", piece) / ("start", label) / ("end", "") in order of the cell's text."""
    marks = [(m.start(), m.end(), "start", m["label"]) for m in GATED_START.finditer(text)]
    marks += [(m.start(), m.end(), "end", "") for m in GATED_END.finditer(text)]
    pieces, at = [], 0
    for start, end, kind, label in sorted(marks):
        pieces.append(("text", text[at:start]))
        pieces.append((kind, label))
        at = end
    pieces.append(("text", text[at:]))
    return [(k, p) for k, p in pieces if k != "text" or p.strip()]


def colab_path(chapter: Path) -> Path:
    return OUT / chapter.name


def generate(chapter: Path) -> str:
    nb = json.loads(chapter.read_text(encoding="utf-8"))
    return sync_notebooks.dumps(convert_notebook(nb, chapter.stem))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument("paths", nargs="*", type=Path, help="chapters (default: every chapter)")
    args = parser.parse_args(argv)
    chapters = [p.resolve() for p in args.paths] or sync_notebooks.chapters()
    stale = []
    for chapter in chapters:
        try:
            want = generate(chapter)
        except ConversionError as exc:
            print(f"{chapter}: {exc}", file=sys.stderr)
            return 2
        target = colab_path(chapter)
        if not target.exists() or target.read_text(encoding="utf-8") != want:
            stale.append(target)
            if not args.check:
                target.parent.mkdir(exist_ok=True)
                target.write_text(want, encoding="utf-8")
    if not args.paths:  # a chapter that was removed or renamed leaves no stale copy behind
        wanted = {colab_path(c).name for c in chapters}
        for extra in sorted(OUT.glob("*.ipynb")):
            if extra.name not in wanted:
                stale.append(extra)
                if not args.check:
                    extra.unlink()
    for path in stale:
        verb = "out of sync (run scripts/make_colab.py)" if args.check else "written"
        print(f"{path.relative_to(ROOT)}: {verb}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
