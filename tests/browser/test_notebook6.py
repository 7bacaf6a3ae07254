"""A reopened notebook in classic Notebook 6.5 (MathJax 2, the front end that courses on older
JupyterHubs still serve): the quiz's stand-in replaces the dead widget, its math typeset by the
page's MathJax, and so is the feedback its Check buttons show.

Notebook 6.5 cannot share a virtual environment with JupyterLab 4, so the server runs from a
venv of its own, made here from the package registry (as CI's other installs are); the kernel
imports vae_course from the freshly built wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from vae_course.quiz.bank import select_questions
from vae_course.quiz.render import _DISPLAY_MATH, _INLINE_MATH

from browser import block_external, chromium, free_port, local_server, watch_console

TOKEN = "vae-course-test-token"
CHAPTER = "06_sampling"
NOTEBOOK6 = ["notebook==6.5.7", "ipywidgets>=8,<9", "ipykernel", "pyyaml", "markdown-it-py"]
# MathJax 2's output elements (CommonHTML or HTML-CSS, whichever the page chose)
TYPESET = ".MathJax_CHTML, .MathJax"


@pytest.fixture(scope="module")
def notebook6(tmp_path_factory, installed_wheel) -> Iterator[tuple[str, Path]]:
    """(base URL, notebook folder) of a classic Notebook 6.5 server."""
    venv = tmp_path_factory.mktemp("notebook6-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, *NOTEBOOK6], check=True, timeout=600)
    home = tmp_path_factory.mktemp("notebook6-home")
    work = tmp_path_factory.mktemp("notebook6-work")
    cell = {
        "cell_type": "code",
        "id": "quiz",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": f'from vae_course import quiz\n\nquiz.show("{CHAPTER}")',
    }
    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook = {"cells": [cell], "metadata": {"kernelspec": kernelspec}, "nbformat": 4}
    (work / "quiz.ipynb").write_text(json.dumps({**notebook, "nbformat_minor": 5}))
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(installed_wheel),
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "VAE_COURSE_MODE": "quick",
    }
    env.pop("VIRTUAL_ENV", None)
    port = free_port()
    command = [
        str(venv / "bin" / "jupyter-notebook"),
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--NotebookApp.token={TOKEN}",
        f"--notebook-dir={work}",
    ]
    base = f"http://127.0.0.1:{port}"
    with local_server(command, env, work, home / "server.log", f"{base}/api/status?token={TOKEN}"):
        yield base, work


def _formulas_shown() -> int:
    """Formulas in the chapter quiz's stems and choices."""
    _, questions = select_questions(CHAPTER)
    texts = [t for q in questions for t in [q.stem, *(c.text for c in q.choices or ())]]
    return sum(len(_INLINE_MATH.findall(t)) + len(_DISPLAY_MATH.findall(t)) for t in texts)


def _open(browser, base: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    problems = block_external(context)
    context.set_default_timeout(90_000)
    page = context.new_page()
    watch_console(page, problems)
    page.goto(f"{base}/notebooks/quiz.ipynb?token={TOKEN}")
    page.wait_for_function("() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel")
    return context, page, problems


def test_reopened_quiz_in_notebook6_typesets_its_stand_in_and_feedback(notebook6, tmp_path):
    base, work = notebook6
    with chromium() as browser:
        context, page, problems = _open(browser, base)
        page.wait_for_function("() => Jupyter.notebook.kernel.is_connected()")
        page.evaluate("() => Jupyter.notebook.execute_all_cells()")
        page.locator(".output_area input[type=radio]").first.wait_for()
        page.evaluate("() => Jupyter.notebook.save_notebook()")
        page.wait_for_function("() => !Jupyter.notebook.dirty")
        saved = json.loads((work / "quiz.ipynb").read_text())
        assert saved["cells"][0]["outputs"], "the executed quiz was not saved"
        context.close()
        sessions_url = f"{base}/api/sessions?token={TOKEN}"
        for session in json.load(urllib.request.urlopen(sessions_url, timeout=10)):
            url = f"{base}/api/sessions/{session['id']}?token={TOKEN}"
            urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10)

        # Reopened with a fresh kernel: the widget is dead, the stand-in takes its place.
        context, page, problems = _open(browser, base)
        page.wait_for_function(
            "() => { const c = document.querySelector('.vaeq-fallback > div');"
            " return c && !c.hasAttribute('style'); }"
        )
        stand_in = page.locator(".vaeq-fallback")
        # MathJax 2 typesets the stems and choices: the wait fails if it never does
        page.wait_for_function(
            "n => document.querySelectorAll("
            f"'.vaeq-fallback .vaeq-question :is({TYPESET})').length === n",
            arg=_formulas_shown(),
        )
        assert "\\(" not in stand_in.inner_text()
        questions = stand_in.locator(".vaeq-question")
        checked = 0
        for i in range(questions.count()):
            question = questions.nth(i)
            choices = question.locator("input[type=radio], input[type=checkbox]")
            if choices.count():
                choices.first.check()
                question.locator(".vaeq-check").click()
                checked += 1
        assert checked >= 5
        # every Check shows feedback, and no formula is left as TeX once MathJax has run
        page.wait_for_function(
            "n => { const f = [...document.querySelectorAll('.vaeq-fallback .vaeq-feedback')]"
            ".filter(e => e.textContent.includes('Explanation'));"
            " return f.length === n && !f.some(e => e.textContent.includes('\\\\(')); }",
            arg=checked,
        )
        feedback_math = stand_in.locator(f".vaeq-feedback :is({TYPESET})").count()
        assert feedback_math > 0
        page.screenshot(path=str(tmp_path / "notebook6-feedback.png"))
        assert problems.blocked == [], problems.blocked
        context.close()
