"""The live quiz: ipywidgets controls, checked in Python, for Jupyter and Colab.

Only widget APIs present in both ipywidgets 7 and 8 are used (description, layout, observe,
on_click, HTML, HTMLMath, VBox, RadioButtons, Checkbox, Dropdown, Text, Button), so the
same code runs on Colab's older widget manager.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from .checking import IncompleteAnswer, Outcome
from .render import markdown_to_html, markdown_to_text
from .schema import Question

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def format_points(points: float) -> str:
    """'1', '2', '0.5': points without a trailing '.0'."""
    return f"{points:g}"


def points_label(points: float) -> str:
    return f"{format_points(points)} point{'' if points == 1 else 's'}"


def score_text(earned: float, total: float) -> str:
    """'Score: 2 / 4 points' (the same words as the static quiz)."""
    return f"Score: {format_points(earned)} / {format_points(total)} point{'s' * (total != 1)}"


def feedback_html(outcome: Outcome, question: Question, *, math: str = "dollar") -> str:
    """Feedback in words (never colour alone), then the explanation."""
    mark = "\u2714" if outcome.correct else "\u2718"  # check mark / cross, beside the words
    words = markdown_to_html(outcome.feedback, inline=True, math=math)
    explanation = markdown_to_html(question.explanation, inline=True, math=math)
    return (
        f'<p><span aria-hidden="true">{mark}</span> {words}</p>'
        f"<p><em>Explanation:</em> {explanation}</p>"
    )


def _has_math(text: str) -> bool:
    return "$" in text


class QuestionView:
    """The widgets of one question: ``stem``, ``controls``, ``button``, ``feedback``, ``box``.

    Per type: ``radio`` (single; ``choice_list`` lists choices with math, since radio labels
    are not typeset), ``checkboxes`` (multiple, by choice id), ``blank_inputs`` (fill_blank,
    by blank name), ``number`` (numeric).
    """

    def __init__(
        self, question: Question, number: int, check: Callable[[str, Any], Outcome]
    ) -> None:
        self.question = question
        self._check = check
        header = f"<strong>Question {number}</strong> ({points_label(question.points)})"
        parts = [self._stem_widget(header)]
        self.controls: list[widgets.Widget] = self._make_controls()
        if self.choice_list is not None:
            parts.append(self.choice_list)
        parts.extend(self.controls)
        self.button = widgets.Button(
            description="Check",
            tooltip=f"Check your answer to question {number}",
            layout=widgets.Layout(width="auto"),
        )
        self.button.on_click(self._on_click)
        self.feedback = widgets.HTMLMath(value="")
        parts.extend([self.button, self.feedback])
        self.box = widgets.VBox(parts, layout=widgets.Layout(margin="0 0 1.2em 0"))

    def _stem_widget(self, header: str) -> widgets.Widget:
        q = self.question
        self.stem = widgets.HTMLMath(value=header + markdown_to_html(q.stem, math="dollar"))
        return self.stem

    def _make_controls(self) -> list[widgets.Widget]:
        q = self.question
        self.choice_list: widgets.HTMLMath | None = None
        full = widgets.Layout(width="100%")
        if q.type == "single":
            if any(_has_math(c.text) for c in q.choices):
                # Radio labels are plain text (no typesetting), so list the choices with math
                # and label the radios by letter.
                lines = [
                    f"<li><strong>{_LETTERS[i]}.</strong> "
                    f"{markdown_to_html(c.text, inline=True, math='dollar')}</li>"
                    for i, c in enumerate(q.choices)
                ]
                self.choice_list = widgets.HTMLMath(
                    value=f'<ul style="list-style:none">{"".join(lines)}</ul>'
                )
                labels = [_LETTERS[i] for i in range(len(q.choices))]
            else:
                labels = [markdown_to_text(c.text) for c in q.choices]
            self.radio = widgets.RadioButtons(
                options=list(zip(labels, [c.id for c in q.choices], strict=True)),
                index=None,
                description="Answer",
                layout=full,
            )
            return [self.radio]
        if q.type == "multiple":
            # Checkbox labels are typeset by Jupyter, so $math$ may stay in them.
            self.checkboxes = {
                c.id: widgets.Checkbox(
                    value=False, description=markdown_to_text(c.text), indent=False, layout=full
                )
                for c in q.choices
            }
            return list(self.checkboxes.values())
        if q.type == "fill_blank":
            self.blank_inputs: dict[str, widgets.Widget] = {}
            for i, blank in enumerate(q.blanks):
                label = f"Blank {i + 1}"
                if blank.word_bank is not None:
                    control = widgets.Dropdown(
                        options=[("(choose a word)", "")] + [(w, w) for w in blank.word_bank],
                        value="",
                        description=label,
                    )
                else:
                    control = widgets.Text(value="", description=label, placeholder="type here")
                self.blank_inputs[blank.name] = control
            return list(self.blank_inputs.values())
        self.number = widgets.Text(value="", description="Answer", placeholder="a number")
        return [self.number]

    def answer(self) -> Any:
        """The answer currently entered, in the form checking.check expects."""
        q = self.question
        if q.type == "single":
            return self.radio.value
        if q.type == "multiple":
            return [cid for cid, box in self.checkboxes.items() if box.value]
        if q.type == "fill_blank":
            return {name: control.value for name, control in self.blank_inputs.items()}
        return self.number.value

    def _on_click(self, _button: widgets.Button | None) -> None:
        try:
            outcome = self._check(self.question.id, self.answer())
        except IncompleteAnswer as exc:
            self.feedback.value = f"<p>{html.escape(str(exc))}</p>"
            return
        self.feedback.value = feedback_html(outcome, self.question)


class LiveQuiz:
    """All question views of a quiz plus the running score; ``widget`` is the top VBox."""

    def __init__(
        self, title: str, questions: list[Question], check: Callable[[str, Any], Outcome]
    ) -> None:
        self.views = {q.id: QuestionView(q, i + 1, check) for i, q in enumerate(questions)}
        self.score = widgets.HTML(value="")
        heading = widgets.HTML(value=f"<strong>Quiz: {html.escape(title)}</strong>")
        self.widget = widgets.VBox([heading, *(v.box for v in self.views.values()), self.score])

    def set_score(self, earned: float, total: float) -> None:
        self.score.value = f"<p><strong>{score_text(earned, total)}</strong></p>"
