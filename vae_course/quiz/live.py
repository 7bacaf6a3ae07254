"""The live quiz: ipywidgets controls, checked in Python, for Jupyter and Colab.

The one widget builder of the quiz (:class:`AnswerControls` also serves the handout). Only
widget APIs present in both ipywidgets 7.7 (Colab) and 8 are used (description, layout,
observe, on_click, add_class, HTML, HTMLMath, HBox, VBox, Checkbox, RadioButtons, Dropdown,
Text, Button). A choice is a row: its control labelled by a letter (a radio button for single
choice, a checkbox for multiple choice), then an HTMLMath text, so long choices wrap and their
math is typeset; ``static/live.css`` stretches the control's label under the text, so a click
on the text selects the choice. A RadioButtons with the choice texts as options would do
neither: its labels are plain text (raw ``$p(z)$``), one line high and cut. Each radio button
is a one-option RadioButtons and Python keeps one of them selected, which is what
RadioButtons' own inputs are too (ipywidgets 8 gives them no shared ``name``). The widgets'
state carries no question or choice id: the views map positions back to ids in Python.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

import ipywidgets as widgets

from .checking import IncompleteAnswer, Outcome
from .render import format_points, markdown_to_html, points_label, score_text
from .schema import Choice, Question
from .shuffle import display_choices, display_words

__all__ = [
    "AnswerControls",
    "LiveQuiz",
    "QuestionView",
    "feedback_html",
    "format_points",
    "points_label",
    "score_text",
]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Widget HTML inherits the widgets' fixed line height; text that wraps needs a normal one.
_WRAP = '<div style="line-height: 1.45; white-space: normal; padding-top: 0.2em">{}</div>'
CHOICE_CLASS, CONTROL_CLASS, TEXT_CLASS = "vaeq-live-choice", "vaeq-live-control", "vaeq-live-text"


def _choice_style() -> str:
    css = resources.files(__package__).joinpath("static", "live.css").read_text("utf-8")
    return f"<style>{css}</style>"


def feedback_html(outcome: Outcome, question: Question, *, math: str = "dollar") -> str:
    """Feedback in words (never colour alone), then the explanation."""
    mark = "\u2714" if outcome.correct else "\u2718"  # check mark / cross, beside the words
    words = markdown_to_html(outcome.feedback, inline=True, math=math)
    explanation = markdown_to_html(question.explanation, inline=True, math=math)
    return _WRAP.format(
        f'<p><span aria-hidden="true">{mark}</span> {words}</p>'
        f"<p><em>Explanation:</em> {explanation}</p>"
    )


class AnswerControls:
    """The answer widgets of one question, without a Check button: ``widgets`` to lay out and
    ``answer()`` in the form checking.check takes (choice ids, never positions).

    Per type: ``choice_boxes`` (single: one one-option RadioButtons per choice, its value True
    when selected and None when not; multiple: one Checkbox per choice; in the order shown,
    which ``shown_choices`` lists), ``blank_inputs`` (fill_blank, by blank name), ``number``
    (numeric). Choices and word banks are shown in the display shuffle (seed: see
    shuffle.display_key), or as given with ``shuffle=False`` (a handout whose order is already
    the student's).
    """

    def __init__(self, question: Question, *, seed: str | None = None, shuffle: bool = True):
        self.question = question
        q = question
        if q.type in ("single", "multiple"):
            self.shown_choices: list[Choice] = (
                display_choices(q, seed) if shuffle else list(q.choices)
            )
            self.choice_boxes: list[widgets.Widget] = []
            self.widgets: list[widgets.Widget] = []
            for i, choice in enumerate(self.shown_choices):
                box = self._control(_LETTERS[i], single=q.type == "single")
                box.add_class(CONTROL_CLASS)
                text = _WRAP.format(markdown_to_html(choice.text, inline=True, math="dollar"))
                label = widgets.HTMLMath(
                    value=(_choice_style() if i == 0 else "") + text,
                    layout=widgets.Layout(flex="1 1 auto", min_width="0"),
                )
                label.add_class(TEXT_CLASS)
                row = widgets.HBox([box, label], layout=widgets.Layout(width="100%"))
                row.add_class(CHOICE_CLASS)
                self.choice_boxes.append(box)
                self.widgets.append(row)
            if q.type == "single":
                for box in self.choice_boxes:
                    box.observe(self._keep_one, names="value")
        elif q.type == "fill_blank":
            self.blank_inputs: dict[str, widgets.Widget] = {}
            for i, blank in enumerate(q.blanks):
                label = f"Blank {i + 1}"
                if blank.word_bank is not None:
                    words = display_words(q, blank, seed) if shuffle else list(blank.word_bank)
                    control = widgets.Dropdown(
                        options=[("(choose a word)", "")] + [(w, w) for w in words],
                        value="",
                        description=label,
                    )
                else:
                    control = widgets.Text(value="", description=label, placeholder="type here")
                self.blank_inputs[blank.name] = control
            self.widgets = list(self.blank_inputs.values())
        else:
            self.number = widgets.Text(value="", description="Answer", placeholder="a number")
            self.widgets = [self.number]

    @staticmethod
    def _control(letter: str, *, single: bool) -> widgets.Widget:
        layout = widgets.Layout(width="auto", flex="0 0 auto")
        if single:
            return widgets.RadioButtons(options=[(letter, True)], index=None, layout=layout)
        return widgets.Checkbox(value=False, description=letter, indent=False, layout=layout)

    def _keep_one(self, change: dict) -> None:
        """Single choice: selecting one radio button clears the others."""
        if change["new"]:
            for box in self.choice_boxes:
                if box is not change["owner"] and box.value:
                    box.value = None

    def select(self, choice_ids: Iterable[str]) -> None:
        """Select exactly these choices, as a learner clicking them would (scripts, handouts)."""
        chosen = set(choice_ids)
        off = None if self.question.type == "single" else False
        for choice, box in zip(self.shown_choices, self.choice_boxes, strict=True):
            box.value = True if choice.id in chosen else off

    def answer(self) -> Any:
        """The answer currently entered, in the form checking.check expects."""
        q = self.question
        if q.type in ("single", "multiple"):
            boxes = zip(self.shown_choices, self.choice_boxes, strict=True)
            ticked = [c.id for c, b in boxes if b.value]
            if q.type == "single":
                return ticked[0] if ticked else None
            return ticked
        if q.type == "fill_blank":
            return {name: control.value for name, control in self.blank_inputs.items()}
        return self.number.value


class QuestionView:
    """The widgets of one question: ``stem``, ``controls`` (an :class:`AnswerControls`),
    ``button``, ``feedback`` and ``box``, the VBox holding them. seed: see AnswerControls."""

    def __init__(
        self,
        question: Question,
        number: int,
        check: Callable[[str, Any], Outcome],
        *,
        seed: str | None = None,
    ) -> None:
        self.question = question
        self._check = check
        header = f"<strong>Question {number}</strong> ({points_label(question.points)})"
        self.stem = widgets.HTMLMath(
            value=_WRAP.format(header + markdown_to_html(question.stem, math="dollar"))
        )
        self.controls = AnswerControls(question, seed=seed)
        self.button = widgets.Button(
            description="Check",
            tooltip=f"Check your answer to question {number}",
            layout=widgets.Layout(width="auto", align_self="flex-start"),
        )
        self.button.on_click(self._on_click)
        self.feedback = widgets.HTMLMath(value="")
        self.box = widgets.VBox(
            [self.stem, *self.controls.widgets, self.button, self.feedback],
            layout=widgets.Layout(margin="0 0 1.2em 0"),
        )

    def answer(self) -> Any:
        return self.controls.answer()

    def _on_click(self, _button: widgets.Button | None) -> None:
        try:
            outcome = self._check(self.question.id, self.answer())
        except IncompleteAnswer as exc:
            self.feedback.value = f"<p>{html.escape(str(exc))}</p>"
            return
        self.feedback.value = feedback_html(outcome, self.question)


class LiveQuiz:
    """All question views of a quiz plus the running score; ``widget`` is the top VBox.

    ``views`` maps question id -> QuestionView (Python side only; never sent to the page).
    """

    def __init__(
        self,
        title: str,
        questions: list[Question],
        check: Callable[[str, Any], Outcome],
        *,
        seed: str | None = None,
    ) -> None:
        self.views = {
            q.id: QuestionView(q, i + 1, check, seed=seed) for i, q in enumerate(questions)
        }
        self.score = widgets.HTML(value="")
        heading = widgets.HTML(value=f"<strong>Quiz: {html.escape(title)}</strong>")
        self.widget = widgets.VBox([heading, *(v.box for v in self.views.values()), self.score])

    def set_score(self, earned: float, total: float) -> None:
        self.score.value = f"<p><strong>{score_text(earned, total)}</strong></p>"
