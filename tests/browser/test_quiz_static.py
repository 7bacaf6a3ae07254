"""The static quiz: its HTML hides the answers and every id from the bank, and in real headless
Chromium (system binary, every non-loopback request blocked) each question type works by mouse
and by keyboard alone, nothing reloads the page, and every question of the course bank answers
wrong then right."""

from __future__ import annotations

import hashlib
import re
from importlib import metadata
from pathlib import Path

import pytest

from vae_course import quiz
from vae_course.quiz import load_bank, read_bank, static
from vae_course.quiz.checking import MULTIPLE_WRONG, IncompleteAnswer, parse_number
from vae_course.quiz.schema import normalize_answer
from vae_course.quiz.shuffle import display_choices, display_words
from vae_course.quiz.validate import parse_bank

from browser import open_page, static_server, tab_to

# Distinctive strings, so that "not in the page" means something.
BANK = {
    "chapter": "99_test",
    "title": "Test quiz",
    "questions": [
        {
            "id": "zq-single",
            "type": "single",
            "stem": "Which one has $x_1$?",
            "choices": [
                {"id": "zqa", "text": "Alpha", "correct": True, "feedback": "FBALPHARIGHT."},
                {"id": "zqb", "text": "Beta $\\beta$", "feedback": "FBBETAWRONG."},
                {"id": "zqc", "text": "Gamma", "feedback": "FBGAMMAWRONG."},
            ],
            "explanation": "EXPLSINGLE with $a_1$.",
        },
        {
            "id": "zq-multiple",
            "type": "multiple",
            "stem": "Which two?",
            "choices": [
                {"id": "zqm1", "text": "One", "correct": True, "feedback": "FBONE."},
                {"id": "zqm2", "text": "Two", "correct": True, "feedback": "FBTWO."},
                {"id": "zqm3", "text": "Three", "feedback": "FBTHREE."},
            ],
            "explanation": "EXPLMULTIPLE.",
            "points": 2,
        },
        {
            "id": "zq-fill",
            "type": "fill_blank",
            "stem": "A {{zqfruit}} and a {{zqmineral}}.",
            "blanks": {
                "zqfruit": {"answers": ["pear"], "word_bank": ["apple", "pear", "plum"]},
                "zqmineral": {"answers": ["zanzibarite", "zanzi barite", "N(0, I)"]},
            },
            "explanation": "EXPLFILL.",
        },
        {
            "id": "zq-numeric",
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
    # no id from the bank: question ids, choice ids, blank names
    "zq-",
    "zqa",
    "zqb",
    "zqm",
    "zqfruit",
    "zqmineral",
]
TOTAL = 5


def make_quiz() -> quiz.Quiz:
    bank_file = parse_bank(BANK, "99_test.yaml")
    return quiz.Quiz(bank_file.title, list(bank_file.questions))


QUESTIONS = make_quiz().questions


def position(number: int, choice_id: str) -> int:
    """Where the display shuffle put a choice of question ``number`` (1-based), 0-based."""
    return [c.id for c in display_choices(QUESTIONS[number - 1])].index(choice_id)


def qsel(number: int) -> str:
    return f".vaeq-question:nth-of-type({number})"


def choice_sel(number: int, choice_id: str) -> str:
    return f"{qsel(number)} input[value='{position(number, choice_id)}']"


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
# Each chapter's quiz, as the book shows it.
COURSE = [(f.chapter, f.title, list(f.questions)) for f in read_bank()]
# Its typed questions (numeric, or a typed blank), each with its table of answers.
TYPED = [
    q for _, _, qs in COURSE for q in qs if q.type == "numeric" or any(b.typed for b in q.blanks)
]
# Strings on which a careless port of normalize_answer would differ from Python's.
TRICKY = [
    "\\mathcal{N}(0, I)",
    "\\left( x \\right)",
    "\\leftarrow",
    "x^{2} x_{ab c}",
    "\u0661\u0662",
    "\u03a3 \u039f\u03a3",
    "\u0130stanbul",
    "x\u00b2 \u00bd",
    "d^0.55",
    "(d)^.5",
    "e^{-1/2}",
    "\\Sigma \\varphi \\phi \\vartheta",
    "\u201cquoted.\u201d",
    "\\( q_\\phi(z|x) \\)",
    "An undercomplete autoencoder",
    "the",
    "a b",
    "...",
    "SQRT(D) sqrt d Sqrt{d}",
    "1E+2",
    "\u2248 0",
    "~ 0.50",
    "\\approx0",
    "q\u0307 \u00e9 e\u0301",
    "_x_ y_ _",
    "ǅ ǆ Ǆ",
    "\U0001f600" * 300,  # 300 code points (600 UTF-16 units): still normalized
    "\U0001f600" * 301,  # 301 code points: compared as typed
    "X  " * 150,
    "a\x1cb \ufeffc\u2028d\u00a0e\u3000f",  # what counts as a space, on both sides
]


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium_browser):
    root = tmp_path_factory.mktemp("quiz_site")
    q = make_quiz()
    (root / "two.html").write_text(page_html(q.to_html(), q.to_html()), encoding="utf-8")
    # What an untrusted notebook shows: the same HTML with its script stripped.
    stripped = re.sub(r"<script>.*?</script>", "", q.to_html(), flags=re.DOTALL)
    (root / "untrusted.html").write_text(page_html(stripped), encoding="utf-8")
    (root / "mathjax").symlink_to(mathjax_dir(), target_is_directory=True)
    sample = quiz.show("06_sampling")
    (root / "sample.html").write_text(
        page_html(sample.to_html(), head=MATHJAX_HEAD), encoding="utf-8"
    )
    # A notebook's output area as JupyterLab builds it: the stand-in output, then the quiz's
    # output showing a dead widget's error, a live widget, or (in the book) nothing around it.
    stand_in = static.fallback_html(q.to_html())
    for name, widget_output in [
        ("dead", "Error displaying widget: model not found"),
        ("live", "<div class='jupyter-widgets widget-vbox'>the live quiz</div>"),
    ]:
        area = (
            "<div class='jp-OutputArea'>"
            f"<div class='jp-OutputArea-child'><div>{stand_in}</div></div>"
            f"<div class='jp-OutputArea-child' id='widget-output'>{widget_output}</div></div>"
        )
        (root / f"reopened-{name}.html").write_text(page_html(area), encoding="utf-8")
    (root / "reopened-book.html").write_text(page_html(stand_in), encoding="utf-8")
    for chapter, title, questions in COURSE:
        html = quiz.Quiz(title, questions).to_html()
        (root / f"{chapter}.html").write_text(page_html(html), encoding="utf-8")
    with static_server(root) as base_url:
        yield base_url, chromium_browser


@pytest.fixture
def page(site):
    base_url, browser = site
    page, problems = open_page(
        browser, base_url + "two.html", viewport={"width": 900, "height": 900}
    )
    page.evaluate("() => { window.notReloaded = true; }")
    yield page
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    assert problems.console_errors == [], problems.console_errors
    assert problems.blocked == [], problems.blocked
    page.context.close()


def question(page, number, instance=0):
    return page.locator("section.vaeq").nth(instance).locator(qsel(number))


def feedback(page, number, instance=0) -> str:
    return question(page, number, instance).locator(".vaeq-feedback").inner_text()


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


def test_no_form_and_every_button_is_a_plain_button():
    html = make_quiz().to_html()
    buttons = re.findall(r"<button\b[^>]*>", html)
    assert len(buttons) == len(BANK["questions"])
    assert all('type="button"' in b for b in buttons)
    assert "<form" not in re.sub(r"<(script|style)>.*?</\1>", "", html, flags=re.DOTALL)


def test_two_renderings_share_no_dom_id():
    q = make_quiz()
    ids = re.findall(r'\sid="([^"]+)"', q.to_html() + q.to_html())
    assert len(ids) == len(set(ids)) > 10


def test_answers_and_ids_are_not_readable_in_the_page_source():
    html = make_quiz().to_html()
    # The obfuscated payloads are random base64: a short id may turn up inside one by chance.
    readable = re.sub(r"[A-Za-z0-9+/]{24,}={0,2}", "", html)
    for secret in SECRETS:
        assert secret.lower() not in readable.lower(), secret
    markup = re.sub(r"<(script|style)>.*?</\1>", "", html, flags=re.DOTALL)
    assert "correct" not in markup.lower()  # no flag, class or attribute marks a right choice


def test_choices_and_word_banks_are_shown_in_the_display_order():
    html = make_quiz().to_html()
    labels = re.findall(r"<label for=\"[^\"]+-q1-c\d\">(.*?)</label>", html)
    shown = display_choices(QUESTIONS[0])
    assert [re.sub(r"\\\(.*?\\\)", "", t).strip() for t in labels] == [
        re.sub(r"\$.*?\$", "", c.text).strip() for c in shown
    ]
    options = re.findall(r'<option value="([^"]+)">', html)
    assert options == display_words(QUESTIONS[2], QUESTIONS[2].blanks[0])


def test_page_does_not_depend_on_which_choice_is_correct():
    """Move the correct flags: only the obfuscated payloads may change."""
    moved = parse_bank(BANK, "99_test.yaml")
    data = {**BANK, "questions": [dict(q) for q in BANK["questions"]]}
    single = data["questions"][0]
    single["choices"] = [
        {**c, "correct": c["id"] == "zqc"} for c in BANK["questions"][0]["choices"]
    ]
    fixed = {"uid": "vaeq-fixed", "key": b"0123456789abcdef", "salt": "s"}
    a = static.render_static("T", list(moved.questions), **fixed)
    b = static.render_static("T", list(parse_bank(data, "99_test.yaml").questions), **fixed)
    strip = re.compile(r'data-payload="[^"]*"')
    assert a != b
    assert strip.sub("", a) == strip.sub("", b)


def test_payload_holds_a_salted_hash_of_the_correct_positions():
    key, salt = b"k3y", "pepper"
    html = static.render_static("T", list(QUESTIONS), key=key, salt=salt)
    payloads = re.findall(r'data-payload="([^"]+)"', html)
    single = static.decode_payload(payloads[0], key)
    expected = hashlib.sha256(f"{salt}\n1\n{position(1, 'zqa')}".encode()).hexdigest()
    assert single["h"] == expected
    multiple = static.decode_payload(payloads[1], key)
    both = sorted([position(2, "zqm1"), position(2, "zqm2")])
    assert multiple["h"] == static.answer_hash(salt, "2", f"{both[0]},{both[1]}")
    fill = static.decode_payload(payloads[2], key)
    assert static.answer_hash(salt, "3", "1\nzanzi barite") in fill["b"][1]
    numeric = static.decode_payload(payloads[3], key)
    assert numeric["lo"] < 31.4159 * 0.99 + 1e-6 and numeric["hi"] > 31.4159 * 1.01 - 1e-6


# ---------------------------------------------------------------------------------------------
# In the browser


def test_js_sha256_matches_hashlib(page):
    samples = ["", "abc", "a" * 55, "b" * 56, "c" * 64, "d" * 200, "ß ∑ 😀\nlatent"]
    got = page.evaluate("(xs) => xs.map((x) => window.vaeCourseQuiz.sha256hex(x))", samples)
    assert got == [hashlib.sha256(s.encode()).hexdigest() for s in samples]


def test_js_normalization_matches_python(page):
    samples = [
        "N(0, I)",
        " $N(0,  I)$ ",
        "$$ p(z) $$",
        "Standard   Normal",
        "0",
        "0.0",
        "-0.00",
        "\u22120.5",
        "-.5",
        "1e-3",
        "0.001",
        "1E+2",
        "5.",
        "12345678901234567890",
        "1e400",
        "ﬁne  ＡＢＣ",
        "a , b",
        "q(z|x)",
        "latent space.",
        "0.1",
        "0.10",
        "3.14159",
    ]
    samples += TRICKY + [a for q in TYPED for b in q.blanks for a in b.answers]
    samples += [t for q in TYPED for t in (*q.checks.accept, *q.checks.reject)]
    got = page.evaluate("(xs) => xs.map((x) => window.vaeCourseQuiz.normalize(x))", samples)
    assert got == [normalize_answer(s) for s in samples]


def test_js_reads_numbers_as_python_does(page):
    samples = [
        t for q in TYPED if q.type == "numeric" for t in (*q.checks.accept, *q.checks.reject)
    ]
    samples += ["1_000", "nan", "inf", "0x10", "1,5", "\u0661", " 2 ", "+.5", "5.", "-0", "1e-3"]
    got = page.evaluate("(xs) => xs.map((x) => window.vaeCourseQuiz.parseNumber(x))", samples)
    want = []
    for s in samples:
        try:
            want.append(parse_number(s))
        except IncompleteAnswer:
            want.append(None)
    assert got == want


@pytest.mark.parametrize("chapter", sorted({q.chapter for q in TYPED}))
def test_every_row_of_the_answer_tables_gets_the_same_verdict_in_the_page(site, chapter):
    """The checker tables of the bank (tests/unit/test_quiz_answers.py runs them in Python),
    typed into the book's page one row at a time."""
    base_url, browser = site
    page, problems = open_page(browser, base_url + f"{chapter}.html")
    questions = next(qs for c, _, qs in COURSE if c == chapter)
    for number, q in enumerate(questions, start=1):
        if q not in TYPED:
            continue
        block = question(page, number)
        typed_index = next(i for i, b in enumerate(q.blanks) if b.typed) if q.blanks else 0
        for want, rows in ((True, q.checks.accept), (False, q.checks.reject)):
            for row in rows:
                if q.type == "numeric":
                    block.locator("input").fill(row)
                else:
                    for i, b in enumerate(q.blanks):
                        field = block.locator(f".vaeq-blank >> nth={i}")
                        if i == typed_index:
                            field.fill(row)
                        elif b.word_bank is not None:
                            field.select_option(b.answers[0])
                        else:
                            field.fill(b.answers[0])
                block.get_by_role("button").click()
                shown = feedback(page, number)
                assert shown.startswith("\u2714 Correct.") is want, (q.id, row, shown)
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()


def test_single_choice_by_mouse(page):
    f = question(page, 1)
    f.get_by_text("Gamma").click()  # the label, as a reader clicks
    f.get_by_role("button", name="Check question 1").click()
    text = feedback(page, 1)
    assert "Not quite: FBGAMMAWRONG." in text and "Explanation: EXPLSINGLE" in text
    assert score(page) == f"Score: 0 / {TOTAL} points"
    f.get_by_text("Alpha").click()
    f.get_by_role("button").click()
    assert "Correct. FBALPHARIGHT." in feedback(page, 1)
    assert score(page) == f"Score: 1 / {TOTAL} points"
    assert score(page, 1) == f"Score: 0 / {TOTAL} points"  # the second quiz is untouched


def test_single_choice_by_keyboard(page):
    shown = display_choices(QUESTIONS[0])
    alpha = position(1, "zqa")
    tab_to(page, f"{qsel(1)} input[value='0']")  # Tab enters the radio group at its first
    page.keyboard.press("Space")
    if alpha == 0:
        page.keyboard.press("ArrowDown")  # moves to and selects the second choice
    wrong = shown[1] if alpha == 0 else shown[0]
    tab_to(page, f"{qsel(1)} button")
    page.keyboard.press("Enter")
    assert f"Not quite: {wrong.feedback}" in feedback(page, 1)
    page.keyboard.press("Shift+Tab")  # back into the radio group, on the wrong choice
    for _ in range(1 if alpha == 0 else alpha):
        page.keyboard.press("ArrowUp" if alpha == 0 else "ArrowDown")
    tab_to(page, f"{qsel(1)} button")
    page.keyboard.press("Space")
    assert "Correct. FBALPHARIGHT." in feedback(page, 1)
    assert score(page) == f"Score: 1 / {TOTAL} points"


def test_nothing_chosen_asks_for_an_answer(page):
    question(page, 1).get_by_role("button").click()
    assert feedback(page, 1) == "Choose an answer first."
    question(page, 2).get_by_role("button").click()
    assert feedback(page, 2) == "Choose at least one answer first."
    assert score(page) == f"Score: 0 / {TOTAL} points"


def test_multiple_answers_by_mouse(page):
    f = question(page, 2)
    f.get_by_label("One").check()
    f.get_by_label("Three").check()
    f.get_by_role("button").click()
    text = feedback(page, 2)
    chosen = sorted(["zqm1", "zqm3"], key=lambda c: position(2, c))
    words = " ".join("FBONE." if c == "zqm1" else "FBTHREE." for c in chosen)
    assert text.startswith("\u2718 Not quite: " + MULTIPLE_WRONG + " " + words)
    f.get_by_label("Three").uncheck()
    f.get_by_label("Two").check()
    f.get_by_role("button").click()
    assert feedback(page, 2).startswith("\u2714 Correct.")
    assert "FBONE." in feedback(page, 2) and "FBTWO." in feedback(page, 2)
    assert score(page) == f"Score: 2 / {TOTAL} points"


def test_multiple_answers_by_keyboard(page):
    for choice_id in sorted(("zqm1", "zqm2"), key=lambda c: position(2, c)):  # Tab order
        tab_to(page, choice_sel(2, choice_id))
        page.keyboard.press("Space")
    tab_to(page, f"{qsel(2)} button")
    page.keyboard.press("Enter")
    assert feedback(page, 2).startswith("\u2714 Correct.")
    assert score(page) == f"Score: 2 / {TOTAL} points"


def test_fill_blanks_by_keyboard_enter_checks_without_reloading(page):
    tab_to(page, f"{qsel(3)} select")
    page.keyboard.type("plum")  # type-ahead picks the option
    page.keyboard.press("Tab")
    page.keyboard.type("granite")
    page.keyboard.press("Enter")  # checks the question; nothing is submitted
    assert "Not quite: blank 1 is not; blank 2 is not." in feedback(page, 3)
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("pear")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("  ZANZI   Barite ")
    page.keyboard.press("Enter")
    assert feedback(page, 3).startswith("\u2714 Correct.")
    assert "Explanation: EXPLFILL." in feedback(page, 3)


def test_fill_blanks_by_mouse_with_a_notation_variant(page):
    f = question(page, 3)
    f.get_by_label("Blank 1").select_option("pear")
    f.get_by_label("Blank 2").click()
    page.keyboard.type("quartz")
    f.get_by_role("button").click()
    assert "Not quite: blank 1 is right; blank 2 is not." in feedback(page, 3)
    f.get_by_label("Blank 2").fill("$n(0,i)$")  # listed as N(0, I): case matters in symbols
    f.get_by_role("button").click()
    assert "Not quite: blank 1 is right; blank 2 is not." in feedback(page, 3)
    f.get_by_label("Blank 2").fill("the $\\mathcal{N}(0,\\, I)$.")  # listed as N(0, I)
    f.get_by_role("button").click()
    assert feedback(page, 3).startswith("\u2714 Correct.")
    assert score(page) == f"Score: 1 / {TOTAL} points"


def test_numeric_by_keyboard_and_mouse(page):
    tab_to(page, f"{qsel(4)} input")
    page.keyboard.type("forty")
    page.keyboard.press("Enter")
    assert feedback(page, 4).startswith("Enter a number")
    page.keyboard.press("Control+A")
    page.keyboard.type("40")
    page.keyboard.press("Enter")
    assert "Not quite: 40 is too high." in feedback(page, 4)
    page.keyboard.press("Control+A")
    page.keyboard.type("31")  # 1.3 % low: outside the 1 % tolerance
    page.keyboard.press("Enter")
    assert "Not quite: 31 is too low." in feedback(page, 4)
    f = question(page, 4)
    f.get_by_label("Your answer").fill("31.5")
    f.get_by_role("button").click()
    assert feedback(page, 4).startswith("\u2714 Correct.")
    assert score(page) == f"Score: 1 / {TOTAL} points"


def test_two_quizzes_on_one_page_do_not_collide(page):
    question(page, 1, 0).get_by_text("Alpha").click()
    question(page, 1, 1).get_by_text("Beta").click()
    assert question(page, 1, 0).locator(f"input[value='{position(1, 'zqa')}']").is_checked()
    question(page, 1, 1).get_by_role("button").click()
    assert "Not quite" in feedback(page, 1, 1)
    assert feedback(page, 1, 0) == ""
    assert score(page, 0) == f"Score: 0 / {TOTAL} points"


def test_focus_is_visible(page):
    for selector in ("input[type='radio']", "select", "button.vaeq-check"):
        tab_to(page, f".vaeq {selector}")
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style == ["solid", "3px"], (selector, style)


def test_the_run_this_cell_line_shows_only_where_the_script_cannot_run(site):
    base_url, browser = site
    page, problems = open_page(browser, base_url + "two.html")
    assert page.get_by_text(static.OFFLINE_NOTE).count() == 0
    page.context.close()
    page, problems = open_page(browser, base_url + "untrusted.html")
    page.evaluate("() => { window.notReloaded = true; }")
    assert page.get_by_text(static.OFFLINE_NOTE).is_visible()
    question(page, 1).get_by_text("Alpha").click()
    question(page, 1).get_by_role("button").click()
    question(page, 3).get_by_label("Blank 2").fill("x")
    question(page, 3).get_by_label("Blank 2").press("Enter")
    assert page.evaluate("() => window.notReloaded === true"), "a click reloaded the page"
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()


def test_a_dead_widget_is_replaced_by_the_static_quiz(site):
    base_url, browser = site
    page, problems = open_page(browser, base_url + "reopened-dead.html")
    page.locator("section.vaeq").wait_for(timeout=5_000)
    assert page.locator("#widget-output").is_hidden()
    assert page.get_by_text("model not found").is_hidden()
    question(page, 1).get_by_text("Alpha").click()
    question(page, 1).get_by_role("button").click()
    assert "Correct. FBALPHARIGHT." in feedback(page, 1)
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()


@pytest.mark.parametrize("name", ["live", "book"])
def test_a_live_widget_or_the_book_keeps_the_stand_in_empty(site, name):
    base_url, browser = site
    page, problems = open_page(browser, base_url + f"reopened-{name}.html")
    # What proves the stand-in's script ran to its end: it marks its holder, and beside a live
    # widget it then empties the copy it put in (its last act); in the book it stops at once.
    page.wait_for_function(
        """([holderClass, live]) => {
            const holder = document.querySelector("." + holderClass);
            return holder.dataset.ready === "1" && (!live || holder.childElementCount === 0);
        }""",
        arg=[static.FALLBACK_CLASS, name == "live"],
        timeout=20_000,
    )
    assert page.locator("section.vaeq").count() == 0
    if name == "live":
        assert page.locator("#widget-output").is_visible()
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()


def _fill(block, q, right: bool) -> None:
    """Answer one question of the course bank in the page, rightly or wrongly."""
    if q.type in ("single", "multiple"):
        shown = display_choices(q)
        if right:
            wanted = {i for i, c in enumerate(shown) if c.correct}
        else:
            wanted = {next(i for i, c in enumerate(shown) if not c.correct)}
        for i in range(len(shown)):
            box = block.locator(f"input[value='{i}']")
            if i in wanted:
                box.check()
            elif q.type == "multiple":
                box.uncheck()
    elif q.type == "fill_blank":
        for i, b in enumerate(q.blanks):
            field = block.locator(f".vaeq-blank >> nth={i}")
            if b.word_bank is not None:
                words = display_words(q, b)
                word = next(w for w in words if b.accepts(w) == right)
                field.select_option(word)
            else:
                # the last form the question's table accepts, as a learner might type it
                field.fill(f"  {q.checks.accept[-1]} " if right else "zzz not this")
    else:
        lo, hi = q.tolerance.bounds(q.answer)
        block.locator("input").fill(repr(q.answer if right else hi + 1 + abs(hi)))
    block.get_by_role("button").click()


@pytest.mark.parametrize("chapter", [c for c, _, _ in COURSE])
def test_every_course_question_answers_wrong_then_right(site, chapter):
    base_url, browser = site
    page, problems = open_page(browser, base_url + f"{chapter}.html")
    questions = next(qs for c, _, qs in COURSE if c == chapter)
    for number, q in enumerate(questions, start=1):
        block = question(page, number)
        _fill(block, q, right=False)
        assert "Not quite" in feedback(page, number), (q.id, feedback(page, number))
        _fill(block, q, right=True)
        assert feedback(page, number).startswith("\u2714 Correct."), (q.id, feedback(page, number))
    total = sum(q.points for q in questions)
    assert score(page) == f"Score: {total:g} / {total:g} point{'s' * (total != 1)}"
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()


def test_sample_quiz_with_local_mathjax(site):
    """Chapter 06's quiz on a page with the book's local MathJax 3: stems typeset, and all
    questions answered right give the full score."""
    base_url, browser = site
    page, problems = open_page(
        browser, base_url + "sample.html", viewport={"width": 900, "height": 1000}
    )
    page.wait_for_function(
        "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise"
    )
    page.evaluate("() => window.MathJax.startup.promise")
    assert page.locator(".vaeq-stem mjx-container").count() > 0
    questions = load_bank(["06_sampling"])
    for number, q in enumerate(questions, start=1):
        _fill(question(page, number), q, right=True)
    page.keyboard.press("Tab")  # on to the next control: the screenshot shows its focus ring
    total = sum(q.points for q in questions)
    assert score(page) == f"Score: {total:g} / {total:g} points"
    page.evaluate("() => window.MathJax.typesetPromise()")
    page.screenshot(path="/tmp/quiz_static.png", full_page=True)
    assert problems.console_errors == [] and problems.blocked == []
    page.context.close()
