"""A learner in a real JupyterLab 4: a chapter's quiz and a latent explorer, run, answered,
saved, reopened and opened untrusted, in headless Chromium with every non-loopback request
blocked.

A Jupyter server is started on 127.0.0.1 with a token, in a temporary folder, with its own
config, data, settings and runtime folders (so nothing of the machine's Jupyter setup leaks in),
and a kernel that imports vae_course from a freshly built wheel. Set VAE_COURSE_SCREENSHOTS to a
folder to keep a screenshot of each step.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from vae_course.quiz.bank import select_questions
from vae_course.quiz.render import _DISPLAY_MATH, _INLINE_MATH
from vae_course.quiz.shuffle import display_choices

from browser import block_external, chromium, free_port, local_server, watch_console
from paths import ROOT

TOKEN = "vae-course-test-token"
CHAPTER = "06_sampling"
CELLS = [
    'from vae_course import quiz\n\nquiz.show("06_sampling")',
    # As in chapters 6 and 7: the imports and the model in one cell, each figure in a later one.
    "import torch\n\nfrom vae_course import models\n"
    "from vae_course import display as views\n\n"
    "torch.manual_seed(0)\nvae = models.VAE(latent_dim=2, hidden_dim=32)",
    "views.LatentExplorer.plane(vae)",
    "views.PriorSampler(vae, rows=4, columns=4, seed=0)",
    "import json\n\n"
    'saved = quiz.save_responses("responses.json")\n'
    'print("attempts:", [a["correct"] for a in json.loads(saved.read_text())["attempts"]])',
]
QUIZ, SETUP, EXPLORER, SAMPLER, SAVE = range(len(CELLS))
# What a reopened notebook's figure tells the learner to run (JupyterLab's menu item).
RUN_ABOVE = "Run All Above Selected Cell"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MARK_RIGHT, MARK_WRONG = "\u2714", "\u2718"
OFFLINE_NOTE = "Run the notebook from the top to take the quiz"
# The stand-in's typeset formulas in its stems and choices (not those its hidden bank of
# feedback formulas holds for the Check buttons), in an output area ``root``.
SHOWN_MATH = """(root) => Array.from(root.querySelectorAll(".vaeq-fallback mjx-container"))
    .filter((m) => !m.closest(".vaeq-mathbank"))"""


def _notebook() -> dict:
    cells = [
        {
            "cell_type": "code",
            "id": f"cell-{i}",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": source,
        }
        for i, source in enumerate(CELLS)
    ]
    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return {
        "cells": cells,
        "metadata": {"kernelspec": kernelspec},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _api(base: str, path: str, method: str = "GET") -> object:
    request = urllib.request.Request(
        f"{base}{path}", method=method, headers={"Authorization": f"token {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory, installed_wheel) -> Iterator[tuple[str, Path]]:
    """(base URL, notebook folder) of a JupyterLab server; stopped at the end of the module."""
    home = tmp_path_factory.mktemp("jupyter-home")
    work = tmp_path_factory.mktemp("jupyter-work")
    (work / "lab.ipynb").write_text(json.dumps(_notebook(), indent=1), encoding="utf-8")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "Would you like to get notified about Jupyter news?" toast over the outputs.
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    # Every cell in the page (no virtual scrolling), so what is rendered can be looked at.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = {
        **os.environ,
        "PYTHONPATH": str(installed_wheel),
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLBACKEND": "Agg",
        "VAE_COURSE_MODE": "quick",
    }
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("jupyter-lab")),
        "--no-browser",
        "--allow-root",  # CI runs as root
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run and save by command
        "--LabApp.extension_manager=readonly",
        "--LabApp.news_url=",
    ]
    base = f"http://127.0.0.1:{port}"
    ready = f"{base}/api/status?token={TOKEN}"
    with local_server(command, env, work, home / "server.log", ready):
        yield base, work


class Learner:
    """One browser page on a notebook of the server, with helpers named for what a learner does."""

    def __init__(self, browser, base: str, name: str, shots: Path | None):
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.problems = block_external(self.context)
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        watch_console(self.page, self.problems)
        self.navigations = 0
        self.page.on("framenavigated", self._navigated)
        self.shots = shots
        self.base, self.name = base, name
        # reset: a fresh workspace, so only this notebook is open
        self.page.goto(f"{base}/lab/tree/{name}?reset&token={TOKEN}")
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        self.wait_idle()
        self.navigations = 0  # from here on, any navigation is a page reload

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    def wait_idle(self, seconds: float = 90) -> None:
        """Until the notebook's kernel is started and idle, accepting the kernel dialog that
        JupyterLab shows when it cannot tell which kernel to start."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            accept = self.page.locator(".jp-Dialog .jp-mod-accept")
            if accept.count():
                accept.first.click()
            states = [
                s["kernel"]["execution_state"]
                for s in _api(self.base, "/api/sessions")
                if s["path"] == self.name and s.get("kernel")
            ]
            if states == ["idle"]:
                return
            self.page.wait_for_timeout(300)
        raise AssertionError(f"the kernel of {self.name} is not idle after {seconds} s")

    def command(self, name: str, **args) -> None:
        # Not awaited: some commands' promises settle only when a dialog or a run ends.
        self.page.evaluate(
            "([n, a]) => { window.jupyterapp.commands.execute(n, a); }", [name, args]
        )

    def run_cell(self, index: int) -> None:
        self.page.evaluate(
            "(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index
        )
        self.command("notebook:run-cell")

    def output(self, index: int):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea")

    def screenshot(self, name: str, output: int | None = None) -> None:
        """The page (or one cell's whole output area) as VAE_COURSE_SCREENSHOTS/name.png."""
        if self.shots is None:
            return
        target = self.page if output is None else self.output(output)
        target.screenshot(path=str(self.shots / f"{name}.png"))

    def close(self) -> None:
        self.context.close()


def _first_single_choice() -> tuple[int, int, int]:
    """(position of the question in the quiz, shown position of a wrong and of the right choice)."""
    _, questions = select_questions(CHAPTER)
    for number, question in enumerate(questions):
        if question.type == "single":
            shown = display_choices(question)
            right = next(i for i, c in enumerate(shown) if c.correct)
            wrong = next(i for i, c in enumerate(shown) if not c.correct)
            return number, wrong, right
    raise AssertionError(f"{CHAPTER} has no single-choice question")


def _formulas_shown() -> int:
    """How many formulas the chapter's quiz shows before any Check: in stems and choices."""
    _, questions = select_questions(CHAPTER)
    texts = [t for q in questions for t in [q.stem, *(c.text for c in q.choices or ())]]
    return sum(len(_INLINE_MATH.findall(t)) + len(_DISPLAY_MATH.findall(t)) for t in texts)


def _feedback_formulas_shown() -> int:
    """Formulas the stand-in's feedback shows once the first choice of every choice question is
    checked: that choice's feedback and the question's explanation."""
    _, questions = select_questions(CHAPTER)
    texts = [
        t
        for q in questions
        if q.type in ("single", "multiple")
        for t in (display_choices(q, None)[0].feedback, q.explanation)
    ]
    return sum(len(_INLINE_MATH.findall(t)) + len(_DISPLAY_MATH.findall(t)) for t in texts)


def _click_text(learner: Learner, text) -> None:
    """Click the middle of a choice's text with the mouse, as a learner would (a locator's click
    would refuse: the text lets clicks through to the control stretched under it)."""
    text.scroll_into_view_if_needed()
    box = text.bounding_box()
    learner.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _wait_checked(learner: Learner, question, kind: str, expected: list[bool]) -> None:
    """Until the question's ``kind`` inputs are checked as ``expected``. The inputs are looked up
    afresh each time: a RadioButtons view rebuilds its input whenever the kernel updates it
    (the other radio buttons cleared, an echo), and an old input keeps its old state."""
    learner.page.wait_for_function(
        """([root, kind, want]) => {
            const els = Array.from(root.querySelectorAll(`input[type=${kind}]`));
            return els.length === want.length && els.every((el, i) => el.checked === want[i]);
        }""",
        arg=[question.element_handle(), kind, expected],
        timeout=30_000,
    )


def _answer(learner: Learner, choice: int, mark: str) -> None:
    """Click the text of ``choice`` of the first single-choice question: its radio button, and
    only its, is selected. Press its Check, see ``mark``."""
    number, _, _ = _first_single_choice()
    quiz = learner.output(QUIZ)
    question = quiz.locator(".widget-vbox:has(> .widget-button)").nth(number)
    radios = question.locator("input[type=radio]")
    texts = question.locator(".vaeq-live-text")
    assert question.locator("input[type=checkbox]").count() == 0
    assert radios.count() == texts.count() >= 3
    _click_text(learner, texts.nth(choice))
    _wait_checked(learner, question, "radio", [i == choice for i in range(radios.count())])
    question.locator("button", has_text="Check").click()
    question.get_by_text(mark).wait_for(timeout=30_000)


def _multiple_choice_label_ticks_its_box(learner: Learner) -> None:
    """The first multiple-choice question: clicking a choice's text ticks its checkbox, and a
    second click unticks it; its choices' math is typeset."""
    quiz = learner.output(QUIZ)
    question = quiz.locator(".widget-vbox:has(> .widget-button):has(input[type=checkbox])").first
    boxes = question.locator("input[type=checkbox]")
    texts = question.locator(".vaeq-live-text")
    assert boxes.count() == texts.count() >= 3
    assert question.locator("input[type=radio]").count() == 0
    assert texts.locator("mjx-container").count() >= 1, "the choices' math is typeset"
    _click_text(learner, texts.nth(1))
    _wait_checked(learner, question, "checkbox", [i == 1 for i in range(boxes.count())])
    _click_text(learner, texts.nth(1))
    _wait_checked(learner, question, "checkbox", [False] * boxes.count())


def _tabs_from_last_choice_to_check(learner: Learner) -> int:
    """Tab presses from the last choice of the first single-choice question to its Check
    button (every typeset formula between them would be one more)."""
    number, _, _ = _first_single_choice()
    question = learner.output(QUIZ).locator(".widget-vbox:has(> .widget-button)").nth(number)
    question.locator("input[type=radio]").last.focus()
    check = question.locator("button", has_text="Check").element_handle()
    for presses in range(1, 30):
        learner.page.keyboard.press("Tab")
        if learner.page.evaluate("(b) => document.activeElement === b", check):
            return presses
    raise AssertionError("Tab never reached the question's Check button")


def _focusable_math(learner: Learner) -> int:
    """Typeset formulas of the notebook that are Tab stops."""
    return learner.page.evaluate(
        """() => Array.from(document.querySelectorAll(".jp-Notebook mjx-container"))
            .filter((m) => m.tabIndex >= 0).length"""
    )


def _arrow_keys_move_the_explorer(learner: Learner) -> list[str]:
    """The explorer's readout after one ArrowRight on its first slider, then one Page Up; each
    press redraws the decoded image."""
    output = learner.output(EXPLORER)
    readout = output.locator(".widget-label").last
    assert readout.inner_text() == "z1 = 0.00, z2 = 0.00"
    output.locator(".widget-slider .noUi-handle").first.focus()
    seen = []
    for key in ("ArrowRight", "PageUp"):
        before = output.locator("img").first.get_attribute("src")
        text = readout.inner_text()
        learner.page.keyboard.press(key)
        # the readout and the image follow the kernel's decode
        learner.page.wait_for_function(
            """([root, label, src, text]) => label.innerText !== text
                && root.querySelector("img").getAttribute("src") !== src""",
            arg=[output.element_handle(), readout.element_handle(), before, text],
            timeout=30_000,
        )
        seen.append(readout.inner_text())
    return seen


def _sampler_on_one_screen(learner: Learner) -> dict:
    """The sampler scrolled to the top of the notebook's view: its grid's rendered and natural
    sizes, and whether the grid, the Sample button and the slider are all wholly on screen."""
    output = learner.output(SAMPLER)
    image = output.locator("img").first
    learner.page.wait_for_function(
        "(i) => i.complete && i.naturalWidth > 0", arg=image.element_handle()
    )
    output.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    size = image.evaluate(
        """(i) => { const r = i.getBoundingClientRect();
            return [r.width, r.height, i.naturalWidth, i.naturalHeight]; }"""
    )
    parts = [image, output.locator("button", has_text="Sample"), output.locator(".widget-slider")]
    on_screen = [_wholly_visible(learner, part) for part in parts]
    return {"size": size, "on_screen": on_screen}


def _wholly_visible(learner: Learner, locator) -> bool:
    """Whether all of the element is on screen: in the window and not scrolled out of the
    notebook's own scrolling panel (an IntersectionObserver's ratio, clipped by both)."""
    return learner.page.evaluate(
        """(el) => new Promise((resolve) => {
            const seen = new IntersectionObserver((entries) => {
                seen.disconnect();
                resolve(entries[0].intersectionRatio > 0.999);
            });
            seen.observe(el);
        })""",
        locator.element_handle(),
    )


def _shutdown_kernels(base: str) -> None:
    for session in _api(base, "/api/sessions"):
        _api(base, f"/api/sessions/{session['id']}", method="DELETE")


@pytest.fixture
def shots(tmp_path) -> Path | None:
    folder = os.environ.get("VAE_COURSE_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_quiz_and_explorer_run_reopen_and_untrusted(lab, shots):
    base, work = lab
    _, wrong, right = _first_single_choice()
    with chromium() as browser:
        # 1. Run all, answer wrong then right, move a slider, save the responses.
        learner = Learner(browser, base, "lab.ipynb", shots)
        learner.command("notebook:run-all-cells")
        learner.output(QUIZ).locator("input[type=radio]").first.wait_for(timeout=90_000)
        learner.output(EXPLORER).locator(".widget-slider").first.wait_for(timeout=90_000)
        learner.output(SAMPLER).locator("button", has_text="Sample").wait_for(timeout=90_000)
        learner.wait_idle()
        learner.screenshot("1-run-all")
        _answer(learner, wrong, MARK_WRONG)
        learner.screenshot("1b-wrong-choice-checked", output=QUIZ)
        _answer(learner, right, MARK_RIGHT)
        _multiple_choice_label_ticks_its_box(learner)
        tabs_to_check = _tabs_from_last_choice_to_check(learner)
        focusable_math = _focusable_math(learner)
        steps = _arrow_keys_move_the_explorer(learner)
        sampler = _sampler_on_one_screen(learner)
        print(
            f"Tab presses from a last choice to Check: {tabs_to_check}; formulas that are Tab "
            f"stops: {focusable_math}; explorer after ArrowRight, PageUp: {steps}; sampler's "
            f"grid rendered and natural size: {sampler['size']}, on screen: {sampler['on_screen']}"
        )
        learner.screenshot("2-answered-and-slider-moved")
        learner.screenshot("2b-sampler", output=SAMPLER)
        learner.run_cell(SAVE)
        learner.output(SAVE).get_by_text("attempts: [False, True]").wait_for(timeout=60_000)
        saved = json.loads((work / "responses.json").read_text())
        assert [a["correct"] for a in saved["attempts"]] == [False, True]
        assert learner.navigations == 0, "no interaction reloads the page"
        assert learner.problems.blocked == []

        # 2. Save the notebook; its quiz output keeps the self-contained HTML beside the widget.
        learner.command("docmanager:save")
        learner.page.wait_for_function(
            "() => !document.querySelector('.jp-mod-dirty')", timeout=30_000
        )
        learner.close()
        notebook = json.loads((work / "lab.ipynb").read_text())
        quiz_output = notebook["cells"][0]["outputs"][-1]["data"]
        assert WIDGET_VIEW in quiz_output and "text/html" in quiz_output
        _shutdown_kernels(base)

        # 3. An untrusted copy (executed elsewhere): the static quiz, sanitized, says in one
        # line how to take it; pressing its Check button reloads nothing.
        notebook["metadata"]["executed_elsewhere"] = True  # a copy this server never signed
        (work / "untrusted.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        learner = Learner(browser, base, "untrusted.ipynb", shots)
        quiz = learner.output(QUIZ)
        quiz.get_by_text(OFFLINE_NOTE).wait_for(timeout=30_000)
        text = quiz.inner_text()
        assert "Error" not in text and "Loading widget" not in text
        # A reload would start a navigation request of the page and drop this marker.
        page = learner.page
        reloads = []
        page.on(
            "request",
            lambda r: (
                reloads.append(r.url)
                if r.is_navigation_request() and r.frame == page.main_frame
                else None
            ),
        )
        page.evaluate("() => { window.vaeNotReloaded = true; }")
        page.evaluate(
            "() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 1; }"
        )
        cell = page.locator(".jp-Notebook .jp-Cell").first.element_handle()
        page.wait_for_function("(cell) => !cell.classList.contains('jp-mod-active')", arg=cell)
        quiz.locator("button", has_text="Check").first.click()
        # The click reached the page and the page handled it: JupyterLab made the clicked
        # button's cell the active one; and nothing navigated, nothing was reloaded.
        page.wait_for_function(
            "(cell) => cell.classList.contains('jp-mod-active')", arg=cell, timeout=30_000
        )
        assert page.evaluate("() => window.vaeNotReloaded === true"), "the page was reloaded"
        assert reloads == [], reloads
        learner.screenshot("3-untrusted")
        learner.screenshot("3-untrusted-explorer-output", output=EXPLORER)
        assert learner.navigations == 0, "the static quiz's Check button reloads nothing"
        explorer = learner.output(EXPLORER).inner_text()
        assert "Error" not in explorer and "Loading widget" not in explorer
        learner.close()
        _shutdown_kernels(base)

        # 4. The learner's own notebook reopened with a fresh kernel: what is shown is the
        # quiz's HTML view or its one-line instruction, never a raw error; re-running the cell
        # brings the live quiz back.
        learner = Learner(browser, base, "lab.ipynb", shots)
        # The widget manager shows "Loading widget..." until it has given up on lost models.
        learner.page.wait_for_function(
            "() => !document.querySelector('.jp-Notebook').innerText.includes('Loading widget')"
        )
        # Then the stand-ins take over: the quiz's static view shown (its math typeset as the
        # output was rendered), and the explorer's one-line note.
        learner.page.wait_for_function(
            f"""([root, formulas]) => root.innerText.includes("Question 1")
                && !root.innerText.includes("Error displaying widget")
                && ({SHOWN_MATH})(root).length >= formulas""",
            arg=[learner.output(QUIZ).element_handle(), _formulas_shown()],
            timeout=60_000,
        )
        learner.output(EXPLORER).get_by_text(RUN_ABOVE).wait_for(timeout=60_000)
        learner.output(SAMPLER).get_by_text(RUN_ABOVE).wait_for(timeout=60_000)
        learner.screenshot("4-reopened")
        learner.screenshot("4-reopened-quiz-output", output=QUIZ)
        learner.screenshot("4-reopened-explorer-output", output=EXPLORER)
        reopened = learner.output(QUIZ).inner_text()
        reopened_explorer = learner.output(EXPLORER).inner_text()
        # the stand-in's math typeset by JupyterLab, its single choices radio buttons
        stand_in = learner.output(QUIZ).locator(".vaeq-fallback")
        typeset = learner.output(QUIZ).evaluate(f"(root) => ({SHOWN_MATH})(root).length")
        shown_radios = stand_in.locator("input[type=radio]:visible").count()
        # The stand-in's Check buttons work, and their feedback's math is typeset too (copied
        # from the stand-in's math bank: JupyterLab typesets an output only as it renders it).
        questions = stand_in.locator(".vaeq-question")
        checked = 0
        for i in range(questions.count()):
            choices = questions.nth(i).locator("input[type=radio], input[type=checkbox]")
            if choices.count():
                choices.first.check()
                questions.nth(i).locator(".vaeq-check").click()
                checked += 1
        learner.page.wait_for_function(
            """([root, n]) => {
                const shown = [...root.querySelectorAll(".vaeq-feedback")]
                    .filter((f) => f.textContent.includes("Explanation"));
                return shown.length === n;
            }""",
            arg=[stand_in.element_handle(), checked],
        )
        feedback_text = stand_in.locator(".vaeq-feedback").all_inner_texts()
        feedback_math = stand_in.locator(".vaeq-feedback mjx-container").count()
        learner.screenshot("4b-reopened-feedback", output=QUIZ)
        learner.run_cell(QUIZ)
        learner.output(QUIZ).locator("input[type=radio]").first.wait_for(timeout=60_000)
        _answer(learner, right, MARK_RIGHT)
        learner.screenshot("5-reopened-and-rerun")
        # What the figure's note says to do brings it back: Run All Above Selected Cell with
        # the figure's cell selected, then that cell (alone, in this fresh kernel, it fails).
        learner.wait_idle()
        learner.page.evaluate(
            "(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }",
            EXPLORER,
        )
        learner.command("notebook:run-all-above")
        learner.wait_idle()
        learner.run_cell(EXPLORER)
        learner.output(EXPLORER).locator(".widget-slider").first.wait_for(timeout=60_000)
        learner.wait_idle()
        rerun_explorer = learner.output(EXPLORER).inner_text()
        learner.screenshot("5b-explorer-back", output=EXPLORER)
        assert learner.navigations == 0
        assert learner.problems.blocked == []
        learner.close()
        _shutdown_kernels(base)
    # The quiz's stand-in output swaps in the static quiz where the widget is lost.
    assert "Error displaying widget" not in reopened, f"reopened quiz: {reopened[-300:]!r}"
    assert "Question 1" in reopened and OFFLINE_NOTE not in reopened, reopened[:300]
    # every stem of the chapter's quiz has math; none is left as raw TeX
    assert "\\(" not in reopened and "\\)" not in reopened, reopened[:600]
    assert typeset == _formulas_shown(), typeset
    single = [q for q in select_questions(CHAPTER)[1] if q.type == "single"]
    assert shown_radios == sum(len(q.choices) for q in single), shown_radios
    assert checked >= 5
    assert not any("\\(" in text or "\\)" in text for text in feedback_text), feedback_text
    assert feedback_math >= _feedback_formulas_shown(), feedback_math
    # The explorer's stand-in replaces its lost widget with a one-line note.
    assert "Error displaying widget" not in reopened_explorer, reopened_explorer[-300:]
    assert RUN_ABOVE in reopened_explorer, reopened_explorer[:300]
    assert "Error" not in rerun_explorer and "Traceback" not in rerun_explorer, rerun_explorer
    # Tab order in the live quiz: from a question's last choice to its Check button.
    assert tabs_to_check <= 2, tabs_to_check
    assert focusable_math == 0, focusable_math
    # One arrow key press moves the explorer by 1/50 of [-2.5, 2.5], Page Up by five of them.
    assert steps == ["z1 = 0.10, z2 = 0.00", "z1 = 0.60, z2 = 0.00"], steps
    # The sampler's grid at its own size (4 x 28 x 2 px), on screen with its controls.
    assert sampler["size"] == [224, 224, 224, 224], sampler
    assert sampler["on_screen"] == [True, True, True], sampler


def test_colab_notebook_renders_exercises_solutions_and_boxes(lab, shots):
    """A notebook of the folder that chapter 0 tells local learners to open in JupyterLab (the
    generated Colab notebooks) in JupyterLab: exercises as headings, each solution collapsed
    until its summary is clicked, then its Markdown, math and code rendered; admonitions as
    quotes; no MyST fence left as a code block."""
    base, work = lab
    chapter0 = ROOT / "book" / "00_how_to_use.ipynb"
    (folder,) = set(re.findall(r"jupyter lab ([\w./-]+?)/?`", chapter0.read_text(encoding="utf-8")))
    # the first chapter with math inside a solution
    chapter = next(
        p
        for p in sorted((ROOT / folder).glob("*.ipynb"))
        if re.search(r"<details>(?:(?!</details>).)*\$", p.read_text(encoding="utf-8"), re.S)
    )
    shutil.copy(chapter, work / chapter.name)
    with chromium() as browser:
        learner = Learner(browser, base, chapter.name, shots)
        page = learner.page
        notebook = page.locator(".jp-Notebook")
        page.wait_for_selector(".jp-RenderedMarkdown details", timeout=30_000)
        details = notebook.locator(".jp-RenderedMarkdown details")
        assert details.count() >= 1
        first = details.first
        first.scroll_into_view_if_needed()
        body = first.locator(":scope > :not(summary)").first
        assert not body.is_visible(), "a solution is collapsed until its summary is clicked"
        learner.screenshot("6-colab-solution-collapsed")
        first.locator("summary").click()
        body.wait_for(state="visible")
        learner.screenshot("7-colab-solution-open")
        assert first.locator("p, pre, ol, ul").count() >= 1, "the body is rendered Markdown"
        for summary in details.locator("summary").all():
            if summary.evaluate("s => !s.parentElement.open"):
                summary.click()
        assert notebook.locator("details mjx-container").count() >= 1, "math typeset inside"
        learner.screenshot("8-colab-solutions-with-math")
        text = notebook.inner_text()
        assert "{solution" not in text and "{exercise" not in text and "{admonition" not in text
        assert "Exercise " in text
        learner.close()
        _shutdown_kernels(base)
