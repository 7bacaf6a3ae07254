"""The book's sources: every citation resolves, every reference is complete, every chapter cites,
and the notation page and the References page are where a reader looks for them."""

from __future__ import annotations

import re

import pytest
from pybtex.database import parse_file

from paths import BOOK, book_config, chapters, read_notebook, toc_files

BIB = BOOK / "references.bib"
# {cite}`a,b`, {cite:p}`a`, {cite:t}`a`, {cite:ps}`a` ... (sphinxcontrib-bibtex roles in MyST)
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
# Where an entry appeared: a journal, proceedings, publisher or (notes, preprints) howpublished.
VENUE_FIELDS = ("journal", "booktitle", "publisher", "howpublished", "institution", "school")
SOURCES = sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.glob("*.md"))


def entries():
    return parse_file(str(BIB), bib_format="bibtex").entries


def text_of(path) -> str:
    """The prose of a page: a Markdown file, or a notebook's Markdown cells."""
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    nb = read_notebook(path)
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def cited_keys(text: str) -> list[str]:
    return [key.strip() for group in CITE.findall(text) for key in group.split(",") if key.strip()]


def test_cite_pattern_reads_every_role_form():
    text = "A {cite}`a` B {cite:p}`b, c` C {cite:t}`d` D {cite:ps}`e`."
    assert cited_keys(text) == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("page", SOURCES, ids=lambda p: p.name)
def test_every_cited_key_is_in_the_bibliography(page):
    known = set(entries())
    missing = sorted(set(cited_keys(text_of(page))) - known)
    assert not missing, f"{page.name} cites keys that book/references.bib lacks: {missing}"


@pytest.mark.parametrize("key", sorted(entries()))
def test_every_entry_names_author_title_year_and_venue(key):
    entry = entries()[key]
    assert entry.persons.get("author"), f"{key}: no author"
    assert entry.fields.get("title", "").strip(), f"{key}: no title"
    year = entry.fields.get("year", "")
    assert re.fullmatch(r"(19|20)\d\d", year), f"{key}: year must be four digits; got {year!r}"
    venues = [name for name in VENUE_FIELDS if entry.fields.get(name, "").strip()]
    assert venues, f"{key}: says nowhere where it appeared (one of {VENUE_FIELDS})"


@pytest.mark.parametrize(
    "notebook",
    [p for p in chapters() if 1 <= int(p.stem[:2]) <= 9],
    ids=lambda p: p.stem,
)
def test_every_chapter_cites_its_sources(notebook):
    assert cited_keys(text_of(notebook)), f"{notebook.name} has no {{cite}} role"


def test_notation_page_follows_chapter_0_in_the_toc():
    assert (BOOK / "notation.md").exists()
    files = toc_files()
    assert "book/notation" in files, "_toc.yml does not list book/notation"
    position = files.index("book/notation")
    assert files[position - 1] == "book/00_how_to_use", (
        f"the notation page must come right after chapter 0; it follows {files[position - 1]}"
    )


def test_references_page_lists_the_bibliography_and_ends_the_toc():
    assert book_config().get("bibtex_bibfiles") == ["book/references.bib"]
    page = (BOOK / "references.md").read_text(encoding="utf-8")
    assert "{bibliography}" in page
    assert toc_files()[-1] == "book/references"
