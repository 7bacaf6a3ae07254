"""The live quiz: drive each question type's ipywidgets like a learner (tick, pick, type, press
Check) and check the feedback words, the recorded attempt and the running score; the widgets'
layout (wrapping rows, typeset math, buttons sized to their text), that their state names no
question or choice id, and the mimebundle."""

from __future__ import annotations

import json
import re

import ipywidgets as widgets
import pytest

from vae_course import quiz
from vae_course.quiz import display, live
from vae_course.quiz.checking import MULTIPLE_WRONG
from vae_course.quiz.shuffle import display_words
from vae_course.quiz.static import OFFLINE_NOTE
from vae_course.quiz.validate import parse_bank

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LONG = (
    "a choice long enough to need several lines in a notebook output, "
    "which a radio button label would cut with an ellipsis after sixty characters or so"
)
# Ids and names distinctive enough that "not in the widget state" means something.
BANK = {
    "chapter": "99_live",
    "title": "Live test quiz",
    "questions": [
        {
            "id": "qzsingle",
            "type": "single",
            "stem": "Which $z$?",
            "choices": [
                {
                    "id": "chzalpha",
                    "text": "The prior $p(z)$",
                    "correct": True,
                    "feedback": "Yes: the prior.",
                },
                {"id": "chzbeta", "text": "The posterior, " + LONG, "feedback": "Needs $x$."},
                {"id": "chzgamma", "text": "Uniform", "feedback": "No."},
            ],
            "explanation": "Ancestral sampling.",
        },
        {
            "id": "qzmultiple",
            "type": "multiple",
            "stem": "Which two?",
            "choices": [
                {"id": "chzone", "text": "One", "correct": True, "feedback": "One is."},
                {"id": "chztwo", "text": "Two", "correct": True, "feedback": "Two is."},
                {"id": "chzthree", "text": "Three, $\\log 2$", "feedback": "Three is not."},
            ],
            "explanation": "One and two.",
            "points": 2,
        },
        {
            "id": "qzfill",
            "type": "fill_blank",
            "stem": "From the {{bnzspace}} space, under {{bnzprior}}.",
            "blanks": {
                "bnzspace": {
                    "answers": ["latent"],
                    "word_bank": ["latent", "pixel", "data", "feature"],
                },
                "bnzprior": {"answers": ["N(0, I)", "standard normal"]},
            },
            "explanation": "Latent.",
        },
        {
            "id": "qznumeric",
            "type": "numeric",
            "stem": "Variance at $\\tau = 0.5$?",
            "answer": 0.25,
            "tolerance": {"absolute": 0.001},
            "explanation": "tau squared.",
        },
    ],
}
IDS = ["qzsingle", "qzmultiple", "qzfill", "qznumeric", "chz", "bnz"]


@pytest.fixture
def sample():
    bank_file = parse_bank(BANK, "99_live.yaml")
    return quiz.Quiz(bank_file.title, list(bank_file.questions))


def view(q, qid):
    return q.live.views[qid]


def tick(v, choice_id, value=True):
    """Click a choice, wherever the shuffle put it, as the page would: a radio button sets its
    index (None clears it), a checkbox its value."""
    position = [c.id for c in v.controls.shown_choices].index(choice_id)
    box = v.controls.choice_boxes[position]
    if isinstance(box, widgets.RadioButtons):
        box.index = 0 if value else None
    else:
        box.value = value


def text_of(feedback_widget) -> str:
    return re.sub(r"<[^>]+>", "", feedback_widget.value)


def widget_tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widget_tree(child)


def choice_text(label) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"<style>.*?</style>", "", label.value, flags=re.S))


@pytest.mark.parametrize(
    ("qid", "kind"), [("qzsingle", widgets.RadioButtons), ("qzmultiple", widgets.Checkbox)]
)
def test_choices_are_rows_that_wrap_with_typeset_math(sample, qid, kind):
    v = view(sample, qid)
    for i, (row, box, choice) in enumerate(
        zip(v.controls.widgets, v.controls.choice_boxes, v.controls.shown_choices, strict=True)
    ):
        control, label = row.children
        assert control is box and type(box) is kind and isinstance(label, widgets.HTMLMath)
        letter = box.options[0][0] if kind is widgets.RadioButtons else box.description
        assert letter == "ABC"[i]  # a letter; the text is in the wrapping label
        assert "white-space: normal" in label.value
        assert choice_text(label) == choice.text  # the whole text, math as $...$ for HTMLMath
        # the classes live.css stretches the control's label under the text by
        assert live.CHOICE_CLASS in row._dom_classes
        assert live.CONTROL_CLASS in box._dom_classes and live.TEXT_CLASS in label._dom_classes
    math = {"qzsingle": "$p(z)$", "qzmultiple": "$\\log 2$"}[qid]
    assert any(math in row.children[1].value for row in v.controls.widgets)
    # the style once per question, in its first row, so a handout's question has it too
    assert ["<style>" in row.children[1].value for row in v.controls.widgets] == [1, 0, 0]


def test_single_choice_is_radio_buttons_that_name_no_choice(sample):
    v = view(sample, "qzsingle")
    radios = [w for w in widget_tree(v.box) if isinstance(w, widgets.RadioButtons)]
    assert radios == v.controls.choice_boxes and len(radios) == 3
    assert all(r.index is None and r.value is None for r in radios)  # nothing chosen yet
    assert not any(isinstance(w, widgets.Checkbox) for w in widget_tree(v.box))
    assert any(LONG in choice_text(row.children[1]) for row in v.controls.widgets)


def test_choice_style_stretches_the_control_under_text_that_lets_clicks_through():
    css = (live.resources.files("vae_course.quiz") / "static" / "live.css").read_text()
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)))
    rules = {" ".join(k.split()): v for k, v in rules.items()}
    control = rules[f".{live.CHOICE_CLASS} > .{live.CONTROL_CLASS}"]
    assert "position: absolute" in control and "left: 0" in control and "bottom: 0" in control
    assert "pointer-events: none" in rules[f".{live.CHOICE_CLASS} > .{live.TEXT_CLASS}"]


def test_select_sets_exactly_the_given_choices(sample):
    single, multiple = view(sample, "qzsingle"), view(sample, "qzmultiple")
    single.controls.select(["chzbeta"])
    single.controls.select(["chzgamma"])
    assert single.answer() == "chzgamma"
    assert [b.value for b in single.controls.choice_boxes].count(True) == 1
    multiple.controls.select(["chzone", "chzthree"])
    multiple.controls.select(["chztwo", "chzone"])
    assert multiple.answer() == ["chzone", "chztwo"]


def test_check_buttons_are_sized_to_their_text(sample):
    for v in sample.live.views.values():
        assert v.button.description == "Check"
        assert v.button.layout.width == "auto" and v.button.layout.align_self == "flex-start"


def test_widget_state_names_no_question_choice_or_blank_id(sample):
    states = [w.get_state() for w in widget_tree(sample.widget)]
    dumped = json.dumps(states, default=str)
    for identifier in IDS:
        assert identifier not in dumped, identifier


def test_single_choice_keeps_one_radio_button_selected(sample):
    v = view(sample, "qzsingle")
    tick(v, "chzbeta")
    tick(v, "chzgamma")
    assert [b.index for b in v.controls.choice_boxes].count(0) == 1
    assert v.answer() == "chzgamma"


def test_single_choice_wrong_then_right(sample):
    v = view(sample, "qzsingle")
    tick(v, "chzbeta")
    v.button.click()
    words = text_of(v.feedback)
    assert words.startswith("\u2718 Not quite: Needs $x$.")
    assert "Explanation: Ancestral sampling." in words
    tick(v, "chzalpha")
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct. Yes: the prior.")
    attempts = sample.responses.attempts
    assert [(a.question_id, a.answer, a.correct, a.points) for a in attempts] == [
        ("qzsingle", "chzbeta", False, 0),
        ("qzsingle", "chzalpha", True, 1),
    ]
    assert sample.score() == (1, 5)
    assert "Score: 1 / 5 points" in sample.live.score.value


def test_multiple_answers_partial_then_complete(sample):
    v = view(sample, "qzmultiple")
    tick(v, "chzone")
    v.button.click()
    assert text_of(v.feedback).startswith("\u2718 Not quite: " + MULTIPLE_WRONG)
    tick(v, "chztwo")
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct.")
    last = sample.responses.latest("qzmultiple")
    assert last.answer == ["chzone", "chztwo"] and last.correct and last.points == 2


def test_blanks_word_bank_in_display_order_and_typed_variants(sample):
    v = view(sample, "qzfill")
    bank_box, typed = v.controls.blank_inputs["bnzspace"], v.controls.blank_inputs["bnzprior"]
    assert isinstance(bank_box, widgets.Dropdown) and bank_box.description == "Blank 1"
    shown = [value for _, value in bank_box.options][1:]
    assert shown == display_words(v.question, v.question.blanks[0])
    assert isinstance(typed, widgets.Text) and typed.description == "Blank 2"
    bank_box.value = "pixel"
    typed.value = "N(0,I)"
    v.button.click()
    assert "Not quite: blank 1 is not; blank 2 is right." in text_of(v.feedback)
    bank_box.value = "latent"
    typed.value = "  Standard   NORMAL "
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct.")
    assert sample.responses.latest("qzfill").answer == {
        "bnzspace": "latent",
        "bnzprior": "Standard NORMAL",
    }


def test_numeric_within_tolerance(sample):
    v = view(sample, "qznumeric")
    v.controls.number.value = "0.5"
    v.button.click()
    assert "Not quite: 0.5 is too high." in text_of(v.feedback)
    v.controls.number.value = "0.2"
    v.button.click()
    assert "is too low." in text_of(v.feedback)
    v.controls.number.value = "\u22120.25"  # a Unicode minus: read, and wrong
    v.button.click()
    assert "Not quite: -0.25 is too low." in text_of(v.feedback)
    v.controls.number.value = "0.2505"
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct.")
    assert [a.correct for a in sample.responses.attempts] == [False, False, False, True]


def test_incomplete_answers_are_not_recorded(sample):
    for qid, message in [
        ("qzsingle", "Choose an answer first."),
        ("qzmultiple", "Choose at least one answer first."),
        ("qzfill", "Fill in every blank first."),
        ("qznumeric", "Enter a number"),
    ]:
        v = view(sample, qid)
        if qid == "qznumeric":
            v.controls.number.value = "a quarter"
        v.button.click()
        assert message in text_of(v.feedback)
    assert sample.responses.attempts == []
    assert sample.score()[0] == 0


def test_score_follows_the_latest_attempt(sample):
    v = view(sample, "qzsingle")
    tick(v, "chzalpha")
    v.button.click()
    assert sample.score()[0] == 1
    tick(v, "chzgamma")
    v.button.click()
    assert sample.score()[0] == 0
    assert "Score: 0 /" in sample.live.score.value


def test_a_seed_changes_the_order_and_keeps_the_checks(sample):
    questions = sample.questions
    orders = {
        tuple(
            c.id
            for c in quiz.Quiz("T", questions, seed=f"s{i}")
            .live.views["qzsingle"]
            .controls.shown_choices
        )
        for i in range(12)
    }
    assert len(orders) > 1
    seeded = quiz.Quiz("T", questions, seed="student-7")
    v = seeded.live.views["qzsingle"]
    tick(v, "chzalpha")
    v.button.click()
    assert seeded.responses.latest("qzsingle").correct


def test_mimebundle_carries_widget_view_html_and_a_run_this_cell_line(sample):
    bundle = sample._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
    assert bundle[WIDGET_VIEW] == {
        "version_major": 2,
        "version_minor": 0,
        "model_id": sample.widget.model_id,
    }
    html = bundle["text/html"]
    assert html.startswith('<section class="vaeq') and OFFLINE_NOTE in html
    markup = re.sub(r"<(script|style)>.*?</\1>", "", html, flags=re.DOTALL)
    assert "<form" not in markup and '"submit"' not in html  # nothing can reload the page
    assert re.findall(r"<button\b[^>]*>", html) and all(
        'type="button"' in tag for tag in re.findall(r"<button\b[^>]*>", html)
    )
    assert "Live test quiz" in bundle["text/plain"] and OFFLINE_NOTE in bundle["text/plain"]
    only_html = sample._repr_mimebundle_(include={"text/html"})
    assert set(only_html) == {"text/html"}
    assert WIDGET_VIEW not in sample._repr_mimebundle_(exclude={WIDGET_VIEW})


def shown_outputs(q, monkeypatch) -> list[dict]:
    """The outputs a notebook cell ending in ``q`` gets (IPython's display formatter)."""
    from IPython.core.formatters import DisplayFormatter

    published = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: published.append(obj))
    data, _metadata = DisplayFormatter().format(q)
    return [data] if data else published


def _without_randomness(page: str) -> str:
    """A static quiz with its random DOM ids, key, salt and payloads blanked."""
    page = re.sub(r"vaeq-[0-9a-f]{12}", "vaeq-ID", page)
    return re.sub(r'(data-key|data-salt|data-payload)="[^"]*"', r'\1=""', page)


def test_a_cell_shows_the_dead_widget_stand_in_then_the_quiz(sample, monkeypatch):
    import base64

    stand_in, bundle = shown_outputs(sample, monkeypatch)
    assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
    assert bundle[WIDGET_VIEW]["model_id"] == sample.widget.model_id
    assert set(stand_in) == {"text/html"}
    html = stand_in["text/html"]
    carried = base64.b64decode(re.search(r'data-view="([^"]+)"', html).group(1)).decode()
    # the static quiz, shown only if the widget is dead: the same quiz as the cell's text/html
    # (its own random ids, key and salt), plus the typeset formulas of its feedback
    bank = re.compile(r'<div class="vaeq-mathbank".*?</div>', re.S)
    assert bank.search(carried) and not bank.search(bundle["text/html"])
    assert _without_randomness(bank.sub("", carried)) == _without_randomness(bundle["text/html"])
    assert "vaeCourseQuizFallback" in html and OFFLINE_NOTE not in html


def test_colab_and_a_closed_widget_get_the_quiz_alone(sample, monkeypatch):
    import sys
    import types

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    (only,) = shown_outputs(sample, monkeypatch)
    assert WIDGET_VIEW in only
    monkeypatch.delitem(sys.modules, "google.colab")
    sample.widget.close()
    (only,) = shown_outputs(sample, monkeypatch)
    assert WIDGET_VIEW not in only and "text/html" in only


def test_widget_bundle_for_ipywidgets_7_style_widgets():
    """ipywidgets 7 widgets have no _repr_mimebundle_; the view is built from model_id."""

    class SevenStyleWidget:
        _view_name = "VBoxView"
        comm = object()
        model_id = "abc123"
        displayed = 0

        def _handle_displayed(self, **kwargs):
            self.displayed += 1

    old = SevenStyleWidget()
    assert display.widget_mimebundle(old) == {
        WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": "abc123"}
    }
    assert old.displayed == 1  # on_displayed callbacks run, as ipywidgets 7 does


def test_closed_widget_falls_back_to_html_only(sample):
    sample.widget.close()
    bundle = sample._repr_mimebundle_()
    assert WIDGET_VIEW not in bundle and "text/html" in bundle


def test_show_by_ids_and_bad_argument():
    ids = [q.id for q in quiz.load_bank("06_sampling")][:2]
    q = quiz.show(ids)
    assert [x.id for x in q.questions] == ids
    with pytest.raises(ValueError, match="'no-such-question' is neither a chapter stem"):
        quiz.show("no-such-question")
    with pytest.raises(ValueError, match="listed twice"):
        quiz.show([ids[0], ids[0]])
