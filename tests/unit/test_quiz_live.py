"""The live quiz: drive each question type's ipywidgets like a learner (set a value, press Check)
and check the feedback words, the recorded attempt and the running score; and the mimebundle."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from vae_course import quiz
from vae_course.quiz import display
from vae_course.quiz.checking import MULTIPLE_WRONG

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def sample():
    return quiz.show("06_sampling")


def view(q, qid):
    return q.live.views[qid]


def text_of(feedback_widget) -> str:
    import re

    return re.sub(r"<[^>]+>", "", feedback_widget.value)


def test_controls_are_native_labelled_widgets(sample):
    single = view(sample, "sampling-holes")
    assert isinstance(single.radio, widgets.RadioButtons) and single.radio.description
    assert single.radio.value is None  # nothing preselected
    assert [value for _, value in single.radio.options] == [
        "holes",
        "too-small",
        "needs-temperature",
    ]
    assert single.radio.options[0][0] == single.question.choices[0].text  # no math: full text
    with_math = view(sample, "sampling-generative-distribution")  # radio labels cannot typeset
    assert [label for label, _ in with_math.radio.options] == ["A", "B", "C", "D"]
    listing = with_math.choice_list.value
    assert "<strong>A.</strong> The prior $p(z) = \\mathcal{N}(0, I)$" in listing
    multiple = view(sample, "sampling-kl-role")
    assert all(
        isinstance(c, widgets.Checkbox) and c.description for c in multiple.checkboxes.values()
    )
    word_bank = view(sample, "sampling-fill-latent").blank_inputs["space"]
    assert isinstance(word_bank, widgets.Dropdown) and word_bank.description == "Blank 1"
    assert [v for _, v in word_bank.options][1:] == ["latent", "pixel", "data", "feature"]
    typed = view(sample, "sampling-kl-target").blank_inputs["target"]
    assert isinstance(typed, widgets.Text) and typed.description == "Blank 1"
    number = view(sample, "sampling-temperature-variance").number
    assert isinstance(number, widgets.Text) and number.description
    for v in sample.live.views.values():
        assert isinstance(v.button, widgets.Button) and v.button.description == "Check"
        assert isinstance(v.stem, widgets.HTMLMath)
    # Math in the stem reaches HTMLMath as $...$ for Jupyter to typeset.
    assert "$z$" in view(sample, "sampling-generative-distribution").stem.value


def test_single_choice_wrong_then_right(sample):
    v = view(sample, "sampling-generative-distribution")
    question = v.question
    v.radio.value = "posterior"
    v.button.click()
    words = text_of(v.feedback)
    assert words.startswith("\u2718 Not quite: " + question.choice("posterior").feedback[:20])
    assert "Explanation: Generation is ancestral sampling" in words
    v.radio.value = "prior"
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct. " + question.choice("prior").feedback)
    attempts = sample.responses.attempts
    assert [(a.question_id, a.answer, a.correct, a.points) for a in attempts] == [
        (question.id, "posterior", False, 0),
        (question.id, "prior", True, 1),
    ]
    total = sum(q.points for q in sample.questions)
    assert sample.score() == (1, total)
    assert f"Score: 1 / {total:g} points" in sample.live.score.value


def test_multiple_answers_partial_then_complete(sample):
    v = view(sample, "sampling-kl-role")
    v.checkboxes["pulls-to-prior"].value = True
    v.button.click()
    assert text_of(v.feedback).startswith("\u2718 Not quite: " + MULTIPLE_WRONG)
    v.checkboxes["covers-prior"].value = True
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct.")
    last = sample.responses.latest(v.question.id)
    assert last.answer == ["pulls-to-prior", "covers-prior"] and last.correct
    assert last.points == v.question.points == 2


def test_word_bank_blank(sample):
    v = view(sample, "sampling-fill-latent")
    v.blank_inputs["space"].value = "pixel"
    v.button.click()
    assert "Not quite: the blank is not right." in text_of(v.feedback)
    v.blank_inputs["space"].value = "latent"
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct.")
    assert [a.answer for a in sample.responses.attempts] == [
        {"space": "pixel"},
        {"space": "latent"},
    ]


def test_typed_blank_ignores_case_and_spacing(sample):
    v = view(sample, "sampling-kl-target")
    v.blank_inputs["target"].value = "posterior"
    v.button.click()
    assert "Not quite" in text_of(v.feedback)
    v.blank_inputs["target"].value = "  PRIOR   distribution "
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct.")
    assert sample.responses.latest(v.question.id).answer == {"target": "PRIOR distribution"}


def test_numeric_within_tolerance(sample):
    v = view(sample, "sampling-temperature-variance")
    q = v.question
    v.number.value = "0.5"
    v.button.click()
    assert "Not quite: 0.5 is too high." in text_of(v.feedback)
    v.number.value = str(q.answer - 2 * q.tolerance.absolute)
    v.button.click()
    assert "is too low." in text_of(v.feedback)
    v.number.value = str(q.answer + 0.5 * q.tolerance.absolute)  # inside the tolerance
    v.button.click()
    assert text_of(v.feedback).startswith("\u2714 Correct.")
    assert [a.correct for a in sample.responses.attempts] == [False, False, True]


def test_incomplete_answers_are_not_recorded(sample):
    for qid, message in [
        ("sampling-generative-distribution", "Choose an answer first."),
        ("sampling-kl-role", "Choose at least one answer first."),
        ("sampling-fill-latent", "Fill in every blank first."),
        ("sampling-temperature-variance", "Enter a number"),
    ]:
        v = view(sample, qid)
        if qid == "sampling-temperature-variance":
            v.number.value = "a quarter"
        v.button.click()
        assert message in text_of(v.feedback)
    assert sample.responses.attempts == []
    assert sample.score()[0] == 0


def test_score_follows_the_latest_attempt(sample):
    v = view(sample, "sampling-holes")
    v.radio.value = "holes"
    v.button.click()
    assert sample.score()[0] == 1
    v.radio.value = "too-small"
    v.button.click()
    assert sample.score()[0] == 0
    assert "Score: 0 /" in sample.live.score.value


def test_mimebundle_carries_widget_view_html_and_text(sample):
    bundle = sample._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
    assert bundle[WIDGET_VIEW] == {
        "version_major": 2,
        "version_minor": 0,
        "model_id": sample.widget.model_id,
    }
    assert bundle["text/html"].startswith('<section class="vaeq')
    assert "Latent space sampling and generation" in bundle["text/plain"]
    only_html = sample._repr_mimebundle_(include={"text/html"})
    assert set(only_html) == {"text/html"}
    assert WIDGET_VIEW not in sample._repr_mimebundle_(exclude={WIDGET_VIEW})


def test_ipython_display_formatter_publishes_all_three(sample):
    from IPython.core.formatters import DisplayFormatter

    data, _metadata = DisplayFormatter().format(sample)
    assert {WIDGET_VIEW, "text/html", "text/plain"} <= set(data)
    assert data[WIDGET_VIEW]["model_id"] == sample.widget.model_id


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


def test_shuffle_keeps_pinned_choices_and_is_seeded(tmp_path):
    base = quiz.load_bank("06_sampling")[0]
    pinned = base.choices[-1].__class__(id="none", text="None of the above", pinned=True)
    q = base.__class__(**{**base.__dict__, "choices": (*base.choices, pinned)})
    a = display.shuffle_choices(q, seed=1)
    b = display.shuffle_choices(q, seed=1)
    assert [c.id for c in a.choices] == [c.id for c in b.choices]
    assert a.choices[-1].id == "none"
    assert sorted(c.id for c in a.choices) == sorted(c.id for c in q.choices)
    orders = {tuple(c.id for c in display.shuffle_choices(q, s).choices) for s in range(20)}
    assert len(orders) > 1  # the seed matters


def test_show_by_ids_and_bad_argument():
    q = quiz.show(["sampling-holes", "sampling-fill-latent"])
    assert [x.id for x in q.questions] == ["sampling-holes", "sampling-fill-latent"]
    with pytest.raises(ValueError, match="'no-such-question' is neither a chapter stem"):
        quiz.show("no-such-question")
    with pytest.raises(ValueError, match="listed twice"):
        quiz.show(["sampling-holes", "sampling-holes"])
