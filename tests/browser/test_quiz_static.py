"""The static quiz: its HTML hides the answers, and in real headless Chromium (system binary,
every non-loopback request blocked) each question type works by mouse and by keyboard alone."""

from __future__ import annotations

import hashlib
import re
from importlib import metadata
from pathlib import Path

import pytest

from vae_course import quiz
from vae_course.quiz import load_bank, static
from vae_course.quiz.checking import MULTIPLE_WRONG
from vae_course.quiz.validate import parse_bank

from browser import chromium, open_page, static_server, tab_to

# Distinctive strings, so that "not in the page" means something.
BANK = {
    "chapter": "99_test",
    "title": "Test quiz",
    "questions": [
        {
            "id": "t-single",
            "type": "single",
            "stem": "Which one has $x_1$?",
            "choices": [
                {"id": "alpha", "text": "Alpha", "correct": True, "feedback": "FBALPHARIGHT."},
                {"id": "beta", "text": "Beta $\\beta$", "feedback": "FBBETAWRONG."},
                {"id": "gamma", "text": "Gamma", "feedback": "FBGAMMAWRONG."},
            ],
            "explanation": "EXPLSINGLE with $a_1$.",
        },
        {
            "id": "t-multiple",
            "type": "multiple",
            "stem": "Which two?",
            "choices": [
                {"id": "m-one", "text": "One", "correct": True, "feedback": "FBONE."},
                {"id": "m-two", "text": "Two", "correct": True, "feedback": "FBTWO."},
                {"id": "m-three", "text": "Three", "feedback": "FBTHREE."},
            ],
            "explanation": "EXPLMULTIPLE.",
            "points": 2,
        },
        {
            "id": "t-fill",
            "type": "fill_blank",
            "stem": "A {{fruit}} and a {{mineral}}.",
            "blanks": {
                "fruit": {"answers": ["pear"], "word_bank": ["apple", "pear", "plum"]},
                "mineral": {"answers": ["zanzibarite", "zanzi barite"]},
            },
            "explanation": "EXPLFILL.",
        },
        {
            "id": "t-numeric",
            "type": "numeric",
            "stem": "About $10\\pi$?",
            "answer": 31.4159,
            "tolerance": {"relative": 0.01},
            "explanation": "EXPLNUMERIC.",
        },
    ],
}
SECRETS = [
    "FBALPHARIGHT",
    "FBBETAWRONG",
    "FBONE",
    "FBTHREE",
    "EXPLSINGLE",
    "EXPLMULTIPLE",
    "EXPLFILL",
    "EXPLNUMERIC",
    "zanzibarite",
    "barite",
    "31.4159",
    "31.1",
    "31.7",
]
TOTAL = 5


def make_quiz() -> quiz.Quiz:
    bank_file = parse_bank(BANK, "99_test.yaml")
    return quiz.Quiz(bank_file.title, list(bank_file.questions))


def page_html(*fragments: str, head: str = "") -> str:
    body = "".join(f"<div class='document'>{f}</div>" for f in fragments)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Quiz test</title>'
        f"{head}</head><body style='font-family: sans-serif; max-width: 56em; margin: 1em auto'>"
        f"<p><a href='#'>Before the quiz</a></p>{body}</body></html>"
    )


def mathjax_dir() -> Path:
    """The MathJax 3 that the book serves locally (sphinx-mathjax-offline, in requirements)."""
    path = metadata.distribution("sphinx-mathjax-offline").locate_file(
        "sphinx-mathjax-offline/static/mathjax"
    )
    return Path(str(path))


# Sphinx's MathJax 3 options: only elements with a process class are typeset inside .document.
MATHJAX_HEAD = (
    "<script>window.MathJax = {options: {ignoreHtmlClass: 'tex2jax_ignore|mathjax_ignore|"
    "document', processHtmlClass: 'tex2jax_process|mathjax_process|math|output_area'}};"
    "</script><script defer src='mathjax/tex-chtml.js'></script>"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("quiz_site")
    q = make_quiz()
    (root / "two.html").write_text(page_html(q.to_html(), q.to_html()), encoding="utf-8")
    sample = quiz.show("06_sampling")
    (root / "mathjax").symlink_to(mathjax_dir(), target_is_directory=True)
    (root / "sample.html").write_text(
        page_html(sample.to_html(), head=MATHJAX_HEAD), encoding="utf-8"
    )
    with static_server(root) as base_url, chromium() as browser:
        yield base_url, browser


@pytest.fixture
def page(site):
    base_url, browser = site
    page, problems = open_page(
        browser, base_url + "two.html", viewport={"width": 900, "height": 900}
    )
    yield page
    assert problems.console_errors == [], problems.console_errors
    assert problems.blocked == [], problems.blocked
    page.context.close()


def form(page, qid, instance=0):
    return page.locator(f"form[data-qid='{qid}']").nth(instance)


def feedback(page, qid, instance=0) -> str:
    return form(page, qid, instance).locator(".vaeq-feedback").inner_text()


def score(page, instance=0) -> str:
    return page.locator(".vaeq-score").nth(instance).inner_text()


# ---------------------------------------------------------------------------------------------
# The HTML itself


def test_structure_fieldsets_live_regions_and_math():
    html = make_quiz().to_html()
    assert html.count("<fieldset") == html.count("<legend>") == len(BANK["questions"])
    assert html.count('aria-live="polite"') == len(BANK["questions"]) + 1  # + the score
    assert "\\(x_1\\)" in html and "$x_1$" not in html  # MathJax 3 delimiters
    assert "tex2jax_process" in html  # typeset even inside Sphinx's ignored .document
    assert not re.search(r"<script[^>]*\ssrc|<link|https?://", html)  # nothing fetched
    assert f"Score: 0 / {TOTAL} points" in html


def test_two_renderings_share_no_dom_id():
    q = make_quiz()
    ids = re.findall(r'\sid="([^"]+)"', q.to_html() + q.to_html())
    assert len(ids) == len(set(ids)) > 10


def test_answers_are_not_readable_in_the_page_source():
    html = make_quiz().to_html()
    for secret in SECRETS:
        assert secret not in html, secret
    markup = re.sub(r"<(script|style)>.*?</\1>", "", html, flags=re.DOTALL)
    assert "correct" not in markup.lower()  # no flag, class or attribute marks a right choice


def test_page_does_not_depend_on_which_choice_is_correct():
    """Move the correct flags: only the obfuscated payloads may change."""
    moved = parse_bank(BANK, "99_test.yaml")
    data = {**BANK, "questions": [dict(q) for q in BANK["questions"]]}
    single = data["questions"][0]
    single["choices"] = [
        {**c, "correct": c["id"] == "gamma"} for c in BANK["questions"][0]["choices"]
    ]
    fixed = {"uid": "vaeq-fixed", "key": b"0123456789abcdef", "salt": "s"}
    a = static.render_static("T", list(moved.questions), **fixed)
    b = static.render_static("T", list(parse_bank(data, "99_test.yaml").questions), **fixed)
    strip = re.compile(r'data-payload="[^"]*"')
    assert a != b
    assert strip.sub("", a) == strip.sub("", b)


def test_payload_holds_a_salted_hash_of_the_correct_answer():
    questions = list(parse_bank(BANK, "99_test.yaml").questions)
    key, salt = b"k3y", "pepper"
    html = static.render_static("T", questions, key=key, salt=salt)
    payloads = re.findall(r'data-payload="([^"]+)"', html)
    single = static.decode_payload(payloads[0], key)
    expected = hashlib.sha256(f"{salt}\nt-single\nalpha".encode()).hexdigest()
    assert single["h"] == expected
    multiple = static.decode_payload(payloads[1], key)
    assert multiple["h"] == static.answer_hash(salt, "t-multiple", "m-one,m-two")
    fill = static.decode_payload(payloads[2], key)
    assert static.answer_hash(salt, "t-fill", "mineral\nzanzi barite") in fill["b"][1]
    numeric = static.decode_payload(payloads[3], key)
    assert numeric["lo"] < 31.4159 * 0.99 + 1e-6 and numeric["hi"] > 31.4159 * 1.01 - 1e-6


# ---------------------------------------------------------------------------------------------
# In the browser


def test_js_sha256_matches_hashlib(page):
    samples = ["", "abc", "a" * 55, "b" * 56, "c" * 64, "d" * 200, "ß ∑ 😀\nlatent"]
    got = page.evaluate("(xs) => xs.map((x) => window.vaeCourseQuiz.sha256hex(x))", samples)
    assert got == [hashlib.sha256(s.encode()).hexdigest() for s in samples]


def test_single_choice_by_mouse(page):
    f = form(page, "t-single")
    f.get_by_text("Gamma").click()  # the label, as a reader clicks
    f.get_by_role("button", name="Check question 1").click()
    text = feedback(page, "t-single")
    assert "Not quite: FBGAMMAWRONG." in text and "Explanation: EXPLSINGLE" in text
    assert score(page) == f"Score: 0 / {TOTAL} points"
    f.get_by_text("Alpha").click()
    f.get_by_role("button").click()
    assert "Correct. FBALPHARIGHT." in feedback(page, "t-single")
    assert score(page) == f"Score: 1 / {TOTAL} points"
    assert score(page, 1) == f"Score: 0 / {TOTAL} points"  # the second quiz is untouched


def test_single_choice_by_keyboard(page):
    tab_to(page, "form[data-qid='t-single'] input[value='alpha']")
    page.keyboard.press("ArrowDown")  # moves to and selects 'beta'
    tab_to(page, "form[data-qid='t-single'] button")
    page.keyboard.press("Enter")
    assert "Not quite: FBBETAWRONG." in feedback(page, "t-single")
    page.keyboard.press("Shift+Tab")  # back into the radio group, on 'beta'
    page.keyboard.press("ArrowUp")
    tab_to(page, "form[data-qid='t-single'] button")
    page.keyboard.press("Space")
    assert "Correct. FBALPHARIGHT." in feedback(page, "t-single")
    assert score(page) == f"Score: 1 / {TOTAL} points"


def test_nothing_chosen_asks_for_an_answer(page):
    form(page, "t-single").get_by_role("button").click()
    assert feedback(page, "t-single") == "Choose an answer first."
    form(page, "t-multiple").get_by_role("button").click()
    assert feedback(page, "t-multiple") == "Choose at least one answer first."
    assert score(page) == f"Score: 0 / {TOTAL} points"


def test_multiple_answers_by_mouse(page):
    f = form(page, "t-multiple")
    f.get_by_label("One").check()
    f.get_by_label("Three").check()
    f.get_by_role("button").click()
    text = feedback(page, "t-multiple")
    assert text.startswith("\u2718 Not quite: " + MULTIPLE_WRONG + " FBONE. FBTHREE.")
    f.get_by_label("Three").uncheck()
    f.get_by_label("Two").check()
    f.get_by_role("button").click()
    assert feedback(page, "t-multiple").startswith("\u2714 Correct. FBONE. FBTWO.")
    assert score(page) == f"Score: 2 / {TOTAL} points"


def test_multiple_answers_by_keyboard(page):
    tab_to(page, "form[data-qid='t-multiple'] input[value='m-one']")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # m-two
    tab_to(page, "form[data-qid='t-multiple'] button")
    page.keyboard.press("Enter")
    assert feedback(page, "t-multiple").startswith("\u2714 Correct.")
    assert score(page) == f"Score: 2 / {TOTAL} points"


def test_fill_blanks_by_keyboard(page):
    tab_to(page, "form[data-qid='t-fill'] select")
    page.keyboard.type("plum")  # type-ahead picks the option
    page.keyboard.press("Tab")
    page.keyboard.type("granite")
    page.keyboard.press("Enter")  # submits the question's form
    assert "Not quite: blank 1 is not; blank 2 is not." in feedback(page, "t-fill")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("pear")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("  ZANZI   Barite ")
    page.keyboard.press("Enter")
    assert feedback(page, "t-fill").startswith("\u2714 Correct.")
    assert "Explanation: EXPLFILL." in feedback(page, "t-fill")


def test_fill_blanks_by_mouse(page):
    f = form(page, "t-fill")
    f.get_by_label("Blank 1").select_option("pear")
    f.get_by_label("Blank 2").click()
    page.keyboard.type("quartz")
    f.get_by_role("button").click()
    assert "Not quite: blank 1 is right; blank 2 is not." in feedback(page, "t-fill")
    f.get_by_label("Blank 2").fill("Zanzibarite")
    f.get_by_role("button").click()
    assert feedback(page, "t-fill").startswith("\u2714 Correct.")
    assert score(page) == f"Score: 1 / {TOTAL} points"


def test_numeric_by_keyboard_and_mouse(page):
    tab_to(page, "form[data-qid='t-numeric'] input")
    page.keyboard.type("forty")
    page.keyboard.press("Enter")
    assert feedback(page, "t-numeric").startswith("Enter a number")
    page.keyboard.press("Control+A")
    page.keyboard.type("40")
    page.keyboard.press("Enter")
    assert "Not quite: 40 is too high." in feedback(page, "t-numeric")
    page.keyboard.press("Control+A")
    page.keyboard.type("31")  # 1.3 % low: outside the 1 % tolerance
    page.keyboard.press("Enter")
    assert "Not quite: 31 is too low." in feedback(page, "t-numeric")
    f = form(page, "t-numeric")
    f.get_by_label("Your answer").fill("31.5")
    f.get_by_role("button").click()
    assert feedback(page, "t-numeric").startswith("\u2714 Correct.")
    assert score(page) == f"Score: 1 / {TOTAL} points"


def test_two_quizzes_on_one_page_do_not_collide(page):
    form(page, "t-single", 0).get_by_text("Alpha").click()
    form(page, "t-single", 1).get_by_text("Beta").click()
    assert form(page, "t-single", 0).locator("input[value='alpha']").is_checked()
    form(page, "t-single", 1).get_by_role("button").click()
    assert "Not quite" in feedback(page, "t-single", 1)
    assert feedback(page, "t-single", 0) == ""
    assert score(page, 0) == f"Score: 0 / {TOTAL} points"


def test_focus_is_visible(page):
    for selector in ("input[type='radio']", "select", "button.vaeq-check"):
        tab_to(page, f".vaeq {selector}")
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style == ["solid", "3px"], (selector, style)


def test_sample_quiz_with_local_mathjax(site):
    """Chapter 06's quiz on a page with the book's local MathJax 3: stems and feedback typeset."""
    base_url, browser = site
    page, problems = open_page(
        browser, base_url + "sample.html", viewport={"width": 900, "height": 1000}
    )
    page.wait_for_function(
        "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise"
    )
    page.evaluate("() => window.MathJax.startup.promise")
    assert page.locator(".vaeq-stem mjx-container").count() > 0
    f = form(page, "sampling-generative-distribution")
    f.locator("input[value='posterior']").check()
    f.get_by_role("button").click()
    page.locator(".vaeq-feedback mjx-container").first.wait_for()
    f = form(page, "sampling-kl-role")
    f.locator("input[value='pulls-to-prior']").check()
    f.locator("input[value='covers-prior']").check()
    f.get_by_role("button").click()
    form(page, "sampling-fill-latent").get_by_label("Blank 1").select_option("latent")
    form(page, "sampling-fill-latent").get_by_role("button").click()
    tab_to(page, "form[data-qid='sampling-kl-target'] input")
    page.keyboard.type("prior")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # on to the Check button: the screenshot shows its focus ring
    bank = {q.id: q.points for q in load_bank(["06_sampling"])}
    earned = sum(
        bank[qid] for qid in ("sampling-kl-role", "sampling-fill-latent", "sampling-kl-target")
    )
    assert score(page) == f"Score: {earned:g} / {sum(bank.values()):g} points"
    page.evaluate("() => window.MathJax.typesetPromise()")
    page.screenshot(path="/tmp/quiz_static.png", full_page=True)
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()
