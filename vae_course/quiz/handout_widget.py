"""The student's side of an assignment notebook: answer with widgets, save, nothing is checked.

The notebook made by ``vae-course assign`` embeds the student's answer-free version (a
:func:`vae_course.quiz.handout.version_document`) and shows it with :class:`AssignmentQuiz`.
No answer is ever checked here and nothing tells the student whether an answer is right: the
notebook holds no answers to check against. ``save_responses`` writes the course's responses
file (:mod:`vae_course.quiz.responses`, one attempt per answered question, plus the assignment
name and the student's identity token) and also shows it as an output of the cell, so a
handed-in notebook carries the answers too.

In these files ``correct`` is always false and ``points`` 0: they are placeholders, since the
student side cannot grade; ``vae-course grade`` ignores them in every file and grades from the key.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from vae_course.display.bundle import widget_mimebundle

from .checking import IncompleteAnswer, canonical_answer
from .handout import RESPONSES_MIME, VERSION_FORMAT, presented_from_dict
from .live import AnswerControls, points_label
from .render import markdown_to_html
from .responses import Attempt, offer_download, responses_document, write_json_atomic
from .schema import Question

__all__ = ["RESPONSES_MIME", "VERSION_FORMAT", "AssignmentQuiz"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class AssignmentQuiz:
    """An answer-free quiz for one student. ``widget`` shows it; ``save_responses`` hands in."""

    def __init__(self, version: dict[str, Any]) -> None:
        if not isinstance(version, dict) or version.get("format") != VERSION_FORMAT:
            raise ValueError(f"version: expected a {VERSION_FORMAT!r} document")
        self.assignment: str = version["assignment"]
        self.title: str = version["title"]
        self.student_id: str = version["student_id"]
        self.name: str = version["name"]
        self.token: str = str(version.get("token", ""))
        self.questions = [presented_from_dict(q) for q in version["questions"]]
        self._controls: dict[str, Any] = {}
        self._widget: widgets.Widget | None = None
        self._status: widgets.HTML | None = None

    @classmethod
    def from_json(cls, text: str) -> AssignmentQuiz:
        return cls(json.loads(text))

    def __repr__(self) -> str:
        return (
            f"<AssignmentQuiz {self.title!r} for {self.student_id}: {len(self.questions)} "
            "questions (run in Jupyter or Colab to answer)>"
        )

    # -- widgets -----------------------------------------------------------------------------
    @property
    def widget(self) -> widgets.Widget:
        if self._widget is None:
            self._status = widgets.HTML()
            parts: list[widgets.Widget] = [
                widgets.HTML(
                    f"<strong>{html.escape(self.title)}</strong> &mdash; "
                    f"{html.escape(self.name)} ({html.escape(self.student_id)})"
                ),
                widgets.HTML(
                    "<p>Your answers are not checked here. Run the save cell at the "
                    "end and hand in the file it writes.</p>"
                ),
            ]
            for number, q in enumerate(self.questions, start=1):
                parts.append(self._question_box(q, number))
            parts.append(self._status)
            self._update_status()
            self._widget = widgets.VBox(parts)
        return self._widget

    def _build(self) -> None:
        if self._widget is None and not self._controls:
            self.widget  # noqa: B018  (builds the controls)

    def _question_box(self, q: Question, number: int) -> widgets.Widget:
        header = f"<strong>Question {number}</strong> ({points_label(q.points)})"
        # The live quiz's answer widgets, in the handout's order (already the student's own).
        controls = AnswerControls(q, shuffle=False)
        for control in _inputs(controls):
            control.observe(lambda _change: self._update_status(), names="value")
        self._controls[q.id] = controls
        parts = [widgets.HTMLMath(header + markdown_to_html(q.stem, math="dollar"))]
        parts.extend(controls.widgets)
        return widgets.VBox(parts, layout=widgets.Layout(margin="0 0 1.2em 0"))

    def _raw_answer(self, q: Question) -> Any:
        return self._controls[q.id].answer()

    def set_answer(self, question_id: str, answer: Any) -> None:
        """Fill the widgets as a student would (for scripts and tests); same forms as checking."""
        self._build()
        q = self._question(question_id)
        controls = self._controls[q.id]
        if q.type in ("single", "multiple"):
            controls.select([answer] if q.type == "single" else answer)
        elif q.type == "fill_blank":
            for name, box in controls.blank_inputs.items():
                box.value = answer.get(name, "")
        else:
            controls.number.value = str(answer)

    def _question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"question_id: {question_id!r} is not in this assignment")

    # -- answers -----------------------------------------------------------------------------
    def answers(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(canonical answers by question id, problems by question id) of what is entered now."""
        self._build()
        done: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for number, q in enumerate(self.questions, start=1):
            raw = self._raw_answer(q)
            empty = raw in (None, "", []) or (
                isinstance(raw, dict) and not any(str(v).strip() for v in raw.values())
            )
            if empty:
                problems[q.id] = f"question {number}: not answered"
                continue
            try:
                done[q.id] = canonical_answer(q, raw)
            except (IncompleteAnswer, ValueError, KeyError) as exc:
                problems[q.id] = f"question {number}: not saved: {exc}"
        return done, problems

    def _update_status(self) -> None:
        if self._status is None or len(self._controls) < len(self.questions):
            return  # still building the widgets
        done, _ = self.answers()
        self._status.value = f"<p>Answered {len(done)} of {len(self.questions)} questions.</p>"

    def responses_document(self, student_id: str) -> dict[str, Any]:
        """The responses file content: one attempt per answered question (not graded)."""
        if student_id != self.student_id:
            raise ValueError(
                f"student_id: this assignment was made for {self.student_id!r}, got {student_id!r}"
            )
        done, _ = self.answers()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        attempts = [Attempt(qid, value, False, 0, now) for qid, value in done.items()]
        document = responses_document(self.questions, attempts, student_id=student_id)
        document["assignment"] = self.assignment
        document["token"] = self.token
        return document

    def save_responses(
        self, path: str | Path, student_id: str, *, download: bool | None = None
    ) -> Path:
        """Write the responses file, show it as this cell's output, and say what is missing."""
        document = self.responses_document(student_id)
        written = write_json_atomic(path, document)
        _, problems = self.answers()
        n = len(document["attempts"])
        lines = [f"Saved {n} of {len(self.questions)} answers to {written}."]
        lines += sorted(problems.values(), key=lambda s: int(s.split()[1].rstrip(":")))
        summary = "\n".join(lines)
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython comes with ipywidgets
            get_ipython = None  # noqa: N806
        if get_ipython is not None and get_ipython() is not None:
            display({RESPONSES_MIME: document, "text/plain": summary}, raw=True)
        else:
            print(summary)
        if download is None or download:
            offer_download(written)
        return written

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self)}
        bundle.update(widget_mimebundle(self.widget))
        return bundle


def _inputs(controls: AnswerControls) -> list[widgets.Widget]:
    """The widgets whose value is the student's answer."""
    if controls.question.type in ("single", "multiple"):
        return list(controls.choice_boxes)
    if controls.question.type == "fill_blank":
        return list(controls.blank_inputs.values())
    return [controls.number]
