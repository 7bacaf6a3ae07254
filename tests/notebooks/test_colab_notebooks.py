"""The notebooks Colab opens (colab/NN_topic.ipynb, written by scripts/make_colab.py): in sync
with their chapters, no MyST markup left, exercises numbered, solutions collapsed, citations and
links readable, the setup cell a one-line Colab form, and nothing a later cell needs hidden in a
solution that Colab does not run."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest

from paths import ROOT, book_config, chapters, read_notebook

sys.path.insert(0, str(ROOT / "scripts"))
import make_colab  # noqa: E402

CHAPTERS = chapters()
COLAB = ROOT / "colab"


def markdown(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def colab_notebook(chapter) -> dict:
    return read_notebook(COLAB / chapter.name)


def test_every_colab_notebook_is_in_sync_with_its_chapter():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_colab.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "regenerate with: .venv/bin/python scripts/make_colab.py\n" + result.stdout + result.stderr
    )
    assert sorted(p.name for p in COLAB.glob("*.ipynb")) == [c.name for c in CHAPTERS]


def test_generation_is_deterministic_and_idempotent():
    chapter = CHAPTERS[-1]
    first = make_colab.generate(chapter)
    assert make_colab.generate(chapter) == first
    assert json.loads(first)["nbformat"] == 4


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_myst_markup_is_left(chapter):
    for text in markdown(colab_notebook(chapter)):
        assert not re.search(r"^\s*(`{3,}|:{3,})\s*\{", text, re.M), text[:300]
        assert not re.search(r"\{[a-z][\w:-]*\}`", text), text[:300]
        assert not re.search(r"^\([^)\s]+\)=\s*$", text, re.M), text[:300]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_exercises_are_numbered_and_solutions_collapsed(chapter):
    source = "\n".join(markdown(read_notebook(chapter)))
    n_exercises = len(re.findall(r"^\s*`{3,}\{exercise\}", source, re.M))
    n_solutions = len(re.findall(r"^\s*`{3,}\{solution(?:-start)?\}", source, re.M))
    text = "\n".join(markdown(colab_notebook(chapter)))
    number = int(chapter.name[:2])
    headings = re.findall(rf"^\*\*Exercise {number}\.(\d+)\b", text, re.M)
    assert [int(k) for k in headings] == list(range(1, n_exercises + 1))
    summaries = re.findall(r"<summary>Solution to Exercise [\d.]+</summary>", text)
    assert len(summaries) == n_solutions
    # Jupyter's and Colab's Markdown renderers read the body as Markdown only after a blank line
    for block in re.findall(r"<details>.*?</details>", text, re.S):
        assert re.match(r"<details>\n<summary>[^<]+</summary>\n\n", block), block[:200]
        assert block.endswith("\n\n</details>"), block[-200:]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_citations_and_links_read_as_text(chapter):
    source = "\n".join(markdown(read_notebook(chapter)))
    text = "\n".join(markdown(colab_notebook(chapter)))
    cites = make_colab.bibliography()
    for key in re.findall(r"\{cite(?::p)?\}`([^`]+)`", source):
        first = key.split(",")[0].strip()
        if first in cites:
            authors, year = cites[first]
            assert f"({authors}, {year}" in text
    owner, repo = re.match(
        r"https://github\.com/([^/]+)/([^/]+)", book_config()["repository"]["url"]
    ).groups()
    for target in re.findall(r"\]\(([^)]+)\)", text):
        assert target.startswith(("https://", "http://", "mailto:", "#")), target
        if "github.io" in target:
            assert target.startswith(f"https://{owner.lower()}.github.io/{repo}/book/")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_setup_cell_is_a_one_line_colab_form(chapter):
    nb = colab_notebook(chapter)
    cell = nb["cells"][0]
    assert cell["cell_type"] == "code"
    assert cell["metadata"].get("cellView") == "form"
    assert cell["source"][0].startswith("#@title ")
    assert "remove-cell" not in cell["metadata"].get("tags", [])
    assert "".join(cell["source"]) == make_colab.sync_notebooks.setup_source()
    assert nb["metadata"]["colab"] == read_notebook(chapter)["metadata"]["colab"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_code_cells_are_the_chapters_code_cells(chapter):
    """Every code cell outside a gated solution reaches the Colab notebook, in order."""
    book_code, inside = [], False
    for cell in read_notebook(chapter)["cells"][1:]:
        if cell["cell_type"] == "markdown":
            for kind, _ in make_colab._split_gated("".join(cell["source"])):
                inside = {"start": True, "end": False}.get(kind, inside)
        elif not inside:
            book_code.append(cell["source"])
    cells = colab_notebook(chapter)["cells"][1:]
    colab_code = [c["source"] for c in cells if c["cell_type"] == "code"]
    assert colab_code == book_code


def _names(source: str, store: bool) -> set[str]:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store if store else ast.Load):
            names.add(node.id)
        elif store and isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif store and isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_later_cells_need_nothing_from_a_solution(chapter):
    """Colab shows a gated solution's code inside <details> and does not run it, so no later
    cell may read a name that only a solution assigns (the book runs solutions)."""
    from_solution: dict[str, int] = {}
    inside = False
    for index, cell in enumerate(read_notebook(chapter)["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for kind, _ in make_colab._split_gated(source):
                inside = {"start": True, "end": False}.get(kind, inside)
            continue
        if inside:
            for name in _names(source, store=True):
                from_solution.setdefault(name, index)
            continue
        read = _names(source, store=False) & set(from_solution)
        assert not read, f"cell {index} reads {sorted(read)}, assigned only in a solution"
        for name in _names(source, store=True):
            from_solution.pop(name, None)


def test_book_colab_button_opens_the_generated_notebook():
    """book/_ext/colab_links.py turns the theme's .../blob/main/book/NN_topic.ipynb into
    .../blob/main/colab/NN_topic.ipynb for chapters, and leaves other pages and buttons alone."""
    from types import SimpleNamespace

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import colab_links

    launch = book_config()["launch_buttons"]
    assert launch["colab_folder"] == COLAB.name
    colab = launch["colab_url"].rstrip("/")
    theme = {"launch_buttons": launch, "path_to_docs": ""}
    app = SimpleNamespace(config=SimpleNamespace(html_theme_options=theme))

    def launch_urls(pagename: str) -> list[str]:
        buttons = [
            {"url": f"{colab}/github/owner/repo/blob/main/{pagename}.ipynb"},
            {"url": f"https://binder.example/v2/gh/owner/repo/main?urlpath=tree/{pagename}.ipynb"},
        ]
        context = {"header_buttons": [{"label": "launch-buttons", "buttons": buttons}]}
        colab_links._retarget_colab(app, pagename, "page.html", context, None)
        return [b["url"] for b in buttons]

    for chapter in CHAPTERS:
        urls = launch_urls(f"book/{chapter.stem}")
        assert urls[0] == f"{colab}/github/owner/repo/blob/main/colab/{chapter.name}"
        assert urls[1].endswith(f"tree/book/{chapter.stem}.ipynb")
    other = launch_urls("book/notation")
    assert other[0].endswith("/blob/main/book/notation.ipynb")
