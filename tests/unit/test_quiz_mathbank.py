"""The stand-in quiz's math bank: every formula its feedback and explanations can show, typeset
with the page where the page's MathJax cannot be called later (JupyterLab)."""

from __future__ import annotations

import base64
import html
import re

import pytest

from vae_course.quiz import display, static
from vae_course.quiz.bank import select_questions
from vae_course.quiz.schema import Question

CHAPTERS = ["03_latent_variable_models", "06_sampling"]


def _bank_entries(page: str) -> list[str]:
    bank = re.search(r'<div class="vaeq-mathbank"[^>]*>(.*?)</div>', page, re.S)
    assert bank is not None, "no math bank in the page"
    return [html.unescape(k) for k in re.findall(r'data-tex="([^"]*)"', bank.group(1))]


def _expected(questions: list[Question]) -> set[str]:
    """Each formula of each question's feedback and explanation, worked out from the bank's
    Markdown (not from the payload the page is built from)."""
    found = set()
    for q in questions:
        texts = [q.explanation] + [c.feedback for c in (q.choices or [])]
        for text in texts:
            found |= {"(" + m for m in re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", text or "")}
            found |= {"[" + m.strip() for m in re.findall(r"\$\$(.+?)\$\$", text or "", re.S)}
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_bank_holds_every_formula_of_the_feedback_once(chapter):
    questions = select_questions(chapter)[1]
    page = static.render_static("t", questions, math_bank=True)
    entries = _bank_entries(page)
    assert len(entries) == len(set(entries)), "a formula twice"
    assert entries == sorted(entries), "not sorted: the order could tell choices apart"
    wanted = _expected(questions)
    assert wanted, "the chapter's feedback has no math: pick a chapter that has"
    assert {e.replace(" ", "") for e in entries} == {w.replace(" ", "") for w in wanted}


def test_the_book_gets_no_bank_and_the_stand_in_does(monkeypatch):
    questions = select_questions(CHAPTERS[0])[1]
    assert 'class="vaeq-mathbank"' not in static.render_static("t", questions)
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    quiz = display.Quiz("t", questions)
    quiz._ipython_display_()
    stand_in, views = shown

    view = re.search(r'data-view="([^"]+)"', stand_in["text/html"]).group(1)
    assert 'class="vaeq-mathbank"' in base64.b64decode(view).decode()
    assert 'class="vaeq-mathbank"' not in views["text/html"]


def test_bank_tex_is_what_the_browser_reads_and_attributes_are_safe():
    tex = r'a < b \text{"q"} & c'
    page = static.math_bank_html([{"ex": rf"see \({html.escape(tex)}\) and \[x^2\]"}])
    assert _bank_entries(page + "</div>") == sorted(["(" + tex, "[x^2"])
