"""The book: built with warnings as errors, then read in headless Chromium as a learner would.

The book is built from the chapters as the standalone nbval runs executed them (quick sizes on
CPU; see ``built_book`` in conftest.py), so each chapter runs once per test run. Each page is
then served on 127.0.0.1 and opened with every other request blocked: no console errors, math
typeset by the locally served MathJax, figures with alt text, the Colab link of each chapter
pointing at that chapter in the repository of _config.yml, and every quiz answered wrong and
right, by mouse and by keyboard.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vae_course.quiz import load_bank
from vae_course.quiz.shuffle import display_choices

from browser import open_page, static_server, tab_to
from paths import book_config, chapters, toc_files

PAGES = toc_files()
CHAPTER_STEMS = [p.stem for p in chapters()]


def test_book_builds_without_warnings(built_book):
    log = (built_book.parent.parent / "build.log").read_text()
    warnings = [line for line in log.splitlines() if re.search(r"\bWARNING:|\bERROR:", line)]
    assert warnings == []
    assert "build succeeded" in log
    for page in PAGES:
        assert (built_book / f"{page}.html").exists(), f"{page}.html was not built"


def test_book_is_self_contained(built_book):
    """No page loads a script or stylesheet from another host; MathJax is served locally."""
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists()
    for page in PAGES:
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert remote == [], f"{page}: {remote}"
        assert "require.min.js" not in html and "embed-amd" not in html, page


@pytest.fixture(scope="module")
def site(built_book, chromium_browser):
    with static_server(built_book) as base_url:
        yield base_url, chromium_browser


def wait_for_mathjax(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.math') || "
        "(window.MathJax && MathJax.startup && MathJax.startup.promise)",
        timeout=20_000,
    )
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")


@pytest.mark.parametrize("page_name", PAGES)
def test_page_reads_cleanly(site, page_name, tmp_path_factory):
    base_url, browser = site
    page, problems = open_page(
        browser, f"{base_url}{page_name}.html", viewport={"width": 1280, "height": 900}
    )
    wait_for_mathjax(page)
    # Math: every math node rendered by MathJax, none left as raw TeX.
    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('.math')]"
        ".filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 60))"
    )
    assert untypeset == []
    # Figures: every content image has alt text.
    no_alt = page.evaluate(
        "() => [...document.querySelectorAll('article img')]"
        ".filter(img => !(img.getAttribute('alt') || '').trim()).map(img => img.src)"
    )
    assert no_alt == []
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / f"{Path(page_name).name}.png"), full_page=True)
    assert problems.console_errors == []
    assert problems.blocked == []
    page.context.close()


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_colab_link_opens_this_chapter(site, stem):
    base_url, browser = site
    repo = book_config()["repository"]
    owner_repo = re.sub(r"^https://github\.com/", "", repo["url"].rstrip("/"))
    expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{repo['branch']}/colab/{stem}.ipynb"
    page, problems = open_page(browser, f"{base_url}book/{stem}.html")
    links = page.evaluate(
        "() => [...document.querySelectorAll('a')].map(a => a.href)"
        ".filter(h => h.startsWith('https://colab.research.google.com'))"
    )
    assert links == [expected]
    page.context.close()


# -- quizzes ---------------------------------------------------------------------------------


def answers(question, right: bool) -> dict:
    """What to enter for ``question``: {'choices': [...]} or {'blanks': [...]} or {'number': x}."""
    if question.type in ("single", "multiple"):
        # The page names choices by their shown position (the display shuffle), never by id.
        shown = list(enumerate(display_choices(question)))
        correct = [str(i) for i, c in shown if c.correct]
        wrong = [str(i) for i, c in shown if not c.correct]
        return {"choices": correct if right else wrong[:1]}
    if question.type == "fill_blank":
        words = []
        for blank in question.blanks:
            if right:
                words.append(blank.answers[0])
            elif blank.word_bank:
                words.append(next(w for w in blank.word_bank if not blank.accepts(w)))
            else:
                words.append("definitely-not-the-answer")
        return {"blanks": words}
    value = question.answer
    return {"number": value if right else value * 10 + 1000}


def fill_by_mouse(form, entry: dict) -> None:
    for choice in entry.get("choices", []):
        form.locator(f'input[value="{choice}"]').click()
    for blank, word in zip(form.locator(".vaeq-blank").all(), entry.get("blanks", []), strict=True):
        if blank.evaluate("el => el.tagName") == "SELECT":
            blank.select_option(word)
        else:
            blank.click()
            blank.fill(word)
    if "number" in entry:
        box = form.locator('input[inputmode="decimal"]')
        box.click()
        box.fill(repr(entry["number"]))
    form.locator("button.vaeq-check").click()


def fill_by_keyboard(page, form, entry: dict) -> None:
    """Only Tab, arrows, Space, typing and Enter: no clicks.

    A book page has dozens of links before its quiz, so the reader's position is first put on
    the question's form (as after scrolling to it); everything after that is keystrokes.
    """
    keyboard = page.keyboard
    form_id = form.get_attribute("id")
    form.evaluate("f => { f.tabIndex = -1; f.focus(); }")
    if "choices" in entry:
        inputs = form.locator("input").all()
        kind = inputs[0].get_attribute("type")
        tab_to(page, f"#{form_id} input")
        if kind == "radio":
            # Arrow keys move the selection within a radio group.
            target = entry["choices"][0]
            for _ in range(len(inputs) + 1):
                if page.evaluate("() => document.activeElement.value") == target:
                    break
                keyboard.press("ArrowDown")
            keyboard.press("Space")
        else:
            for box in inputs:
                value = box.get_attribute("value")
                tab_to(page, f'#{form_id} input[value="{value}"]')
                if value in entry["choices"]:
                    keyboard.press("Space")
    for index, word in enumerate(entry.get("blanks", [])):
        blank = form.locator(".vaeq-blank").nth(index)
        blank_id = blank.get_attribute("id")
        tab_to(page, f"#{blank_id}")
        if blank.evaluate("el => el.tagName") == "SELECT":
            options = blank.evaluate("el => [...el.options].map(o => o.value)")
            for _ in range(options.index(word)):
                keyboard.press("ArrowDown")
        else:
            keyboard.type(word)
    if "number" in entry:
        tab_to(page, f'#{form_id} input[inputmode="decimal"]')
        keyboard.type(repr(entry["number"]))
    tab_to(page, f"#{form_id} button.vaeq-check")
    keyboard.press("Enter")


def quiz_pages() -> list[str]:
    return [f"book/{stem}" for stem in CHAPTER_STEMS]


@pytest.mark.parametrize("how", ["mouse", "keyboard"])
@pytest.mark.parametrize("page_name", quiz_pages())
def test_every_quiz_question_gives_feedback(site, page_name, how):
    base_url, browser = site
    page, problems = open_page(browser, f"{base_url}{page_name}.html")
    wait_for_mathjax(page)
    forms = page.locator("div.vaeq-question").all()
    assert forms, f"{page_name} shows no quiz"
    questions = load_bank(page_name.removeprefix("book/"))  # the chapter's quiz, in order
    assert len(forms) == len(questions)
    for form, question in zip(forms, questions, strict=True):
        feedback = form.locator(".vaeq-feedback")
        assert feedback.get_attribute("aria-live") == "polite"
        for right in (False, True):
            entry = answers(question, right)
            if right:
                # Retry: clear the wrong attempt's selections first.
                form.evaluate(
                    "f => { f.querySelectorAll('input').forEach((i) => {"
                    " if (i.type === 'text') { i.value = ''; } else { i.checked = false; } });"
                    " f.querySelectorAll('select').forEach((s) => { s.selectedIndex = 0; }); }"
                )
            if how == "mouse":
                fill_by_mouse(form, entry)
            else:
                fill_by_keyboard(page, form, entry)
            expected = "Correct." if right else "Not quite"
            feedback.filter(has_text=expected).wait_for(timeout=5_000)
    for quiz in page.locator("section.vaeq").all():
        total = sum(q.points for q in questions)
        score = quiz.locator(".vaeq-score").inner_text()
        assert re.search(rf"\b{total:g} / {total:g}\b", score), score
    assert problems.console_errors == []
    assert problems.blocked == []
    page.context.close()


GENERATING_PAGES = ["book/06_sampling", "book/07_interpolation"]


@pytest.mark.parametrize("page_name", GENERATING_PAGES)
def test_the_book_generates_in_the_page(site, page_name):
    """Chapters 6 and 7 carry their trained decoders: the page decodes the exported vectors
    as PyTorch did at build time (within 2/255 per pixel), its figures weigh under 1 MB, and
    every Sample press draws a new picture."""
    base_url, browser = site
    page, problems = open_page(browser, f"{base_url}{page_name}.html")
    report = page.evaluate(
        """() => [...document.querySelectorAll('.vae-sampler, .vae-explorer')]
            .filter(el => el.vaeDecoder)
            .map(el => {
                const expected = VAECourse.float32s(el.vaeCheck.pixels);
                let worst = 0;
                el.vaeCheck.z.forEach((z, k) => {
                    const got = el.vaeDecoder.decode(z);
                    got.forEach((v, i) => {
                        worst = Math.max(worst, Math.abs(v - expected[k * got.length + i]));
                    });
                });
                return {id: el.id, worst: worst, bytes: el.outerHTML.length};
            })"""
    )
    assert report, f"{page_name} has no figure that decodes in the page"
    for figure in report:
        print(
            f"{page_name} {figure['id']}: {figure['worst'] * 255:.3f}/255, "
            f"{figure['bytes'] / 1e6:.3f} MB"
        )
        assert figure["worst"] < 2 / 255
    assert sum(figure["bytes"] for figure in report) < 1_000_000
    for sampler in page.locator(".vae-sampler").all():
        canvas = sampler.locator("canvas")
        pictures = {canvas.evaluate("c => c.toDataURL()")}
        for _ in range(3):
            sampler.locator("button").click()
            pictures.add(canvas.evaluate("c => c.toDataURL()"))
        assert len(pictures) == 4
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()


@pytest.mark.parametrize("stem", [s for s in CHAPTER_STEMS if s != "00_how_to_use"])
def test_exercises_are_numbered_by_chapter(site, stem):
    """Exercise N.1, N.2, ... in chapter N (not one count across the whole book)."""
    base_url, browser = site
    page, _ = open_page(browser, f"{base_url}book/{stem}.html")
    titles = page.evaluate(
        "() => [...document.querySelectorAll('.exercise .admonition-title')]"
        ".map(el => el.textContent.trim())"
    )
    chapter = int(stem[:2])
    numbers = [re.match(r"Exercise (\d+)\.(\d+)", t) for t in titles]
    assert titles and all(numbers), titles
    assert [(int(m[1]), int(m[2])) for m in numbers] == [
        (chapter, k) for k in range(1, len(titles) + 1)
    ]
    page.context.close()
