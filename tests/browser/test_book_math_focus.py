"""Typeset formulas are not Tab stops in the book's pages.

MathJax 3's contextual menu puts every formula it typesets in the tab order by default (its
menu setting "Include in Tab Order"), so a keyboard learner pressed Tab once per formula of a
quiz's choices before reaching its Check button (119 stops on chapter 6's page). The book's
_config.yml turns that setting off. Here a one-page book is built with the project's own
_config.yml (so with its MathJax configuration, as Sphinx writes it into every page) from a
notebook whose output is chapter 6's quiz, and opened in headless Chromium.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from vae_course import quiz
from vae_course.quiz.bank import select_questions
from vae_course.quiz.render import _DISPLAY_MATH, _INLINE_MATH
from vae_course.quiz.shuffle import display_choices

from browser import open_page, static_server
from paths import ROOT

CHAPTER = "06_sampling"
PROSE = "The prior is $p(z) = \\mathcal{N}(0, I)$ and the decoder is $g_\\theta(z)$."


def _notebook(quiz_html: str) -> dict:
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": f"# Math\n\n{PROSE}"},
        {
            "cell_type": "code",
            "id": "quiz",
            "metadata": {},
            "execution_count": 1,
            "source": f'quiz.show("{CHAPTER}")',
            "outputs": [
                {
                    "output_type": "execute_result",
                    "execution_count": 1,
                    "metadata": {},
                    "data": {"text/html": quiz_html, "text/plain": "<Quiz>"},
                }
            ],
        },
    ]
    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return {
        "cells": cells,
        "metadata": {"kernelspec": kernelspec},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A one-page book built with the project's _config.yml (execution off)."""
    stage = tmp_path_factory.mktemp("math-book")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (stage / "_toc.yml").write_text("format: jb-book\nroot: book/page\n", encoding="utf-8")
    (stage / "book").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", stage / "book" / "references.bib")
    shutil.copytree(ROOT / "book" / "_ext", stage / "book" / "_ext")
    if (ROOT / "book" / "_static").is_dir():
        shutil.copytree(ROOT / "book" / "_static", stage / "book" / "_static")
    html = quiz.show(CHAPTER)._repr_mimebundle_(include=["text/html"])["text/html"]
    (stage / "book" / "page.ipynb").write_text(json.dumps(_notebook(html)), encoding="utf-8")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(stage), "--keep-going"], capture_output=True, text=True
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return stage / "_build" / "html"


def _question_with_math_in_its_last_choice() -> int:
    """The first choice question whose last shown choice has a formula: the formula lies
    between that choice's control and the Check button in the tab order."""
    _, questions = select_questions(CHAPTER)
    for number, question in enumerate(questions):
        if question.type in ("single", "multiple"):
            last = display_choices(question)[-1].text
            if _INLINE_MATH.search(last) or _DISPLAY_MATH.search(last):
                return number
    raise AssertionError(f"no choice question of {CHAPTER} ends with a formula")


@pytest.mark.slow
def test_formulas_are_not_tab_stops_and_tab_goes_from_last_choice_to_check(site, chromium_browser):
    with static_server(site) as base_url:
        page, problems = open_page(chromium_browser, base_url + "book/page.html")
        page.wait_for_function(
            "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise"
        )
        page.evaluate("() => window.MathJax.startup.promise")
        typeset = page.locator("mjx-container").count()
        stops = page.evaluate(
            "() => Array.from(document.querySelectorAll('mjx-container'))"
            ".filter((m) => m.tabIndex >= 0).length"
        )
        question = page.locator(".vaeq-question").nth(_question_with_math_in_its_last_choice())
        question.locator("input[type=radio], input[type=checkbox]").last.focus()
        check = question.locator(".vaeq-check").element_handle()
        presses = None
        for n in range(1, 40):
            page.keyboard.press("Tab")
            if page.evaluate("(b) => document.activeElement === b", check):
                presses = n
                break
        print(
            f"{typeset} typeset formulas, {stops} of them Tab stops; Tab from the last choice "
            f"to Check: {presses} press(es)"
        )
        assert problems.blocked == []
        page.context.close()
    assert typeset >= 10, "the prose and the quiz's math were typeset"
    assert stops == 0, f"{stops} formulas are Tab stops"
    assert presses == 1, f"Tab from the last choice to Check: {presses} presses"
