"""The Quiz object: one definition, live widgets in a kernel and a static HTML quiz in the book.

``Quiz._repr_mimebundle_`` returns the ipywidgets view *and* a self-contained text/html quiz;
live frontends pick the widget view, the book's html builder is told to rank text/html first
(``nb_mime_priority_overrides`` in _config.yml).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..display.bundle import WIDGET_VIEW as WIDGET_VIEW  # re-exported for quiz users
from ..display.bundle import display_with_stand_in, dual_view_bundle
from ..display.bundle import widget_mimebundle as widget_mimebundle  # re-exported
from .bank import select_questions
from .checking import Outcome, check
from .live import LiveQuiz
from .render import score_text
from .responses import Responses, offer_download, responses_document, write_json_atomic
from .schema import Question
from .static import OFFLINE_NOTE, render_static

# Quizzes shown in this kernel are remembered on the IPython shell object (one per kernel), not
# in a module global, so save_responses() can find them.
_SHELL_ATTRIBUTE = "_vae_course_quizzes"


class Quiz:
    """A displayable quiz. ``responses`` holds every checked attempt of this quiz.

    ``check(question_id, answer)`` is what the Check buttons call; tests and scripts may call it
    directly. The widget tree is built lazily (``live``) the first time it is needed. seed:
    display-order seed of choices and word banks (None: one order per question, as the book).
    """

    def __init__(
        self, title: str, questions: Sequence[Question], *, seed: str | None = None
    ) -> None:
        if not questions:
            raise ValueError("questions: a quiz needs at least one question, got none")
        self.title = title
        self.seed = seed
        self.questions = list(questions)
        self._by_id = {q.id: q for q in self.questions}
        self.responses = Responses(questions=dict(self._by_id))
        self._live: LiveQuiz | None = None

    def __repr__(self) -> str:
        earned, total = self.score()
        return (
            f"<Quiz {self.title!r}: {len(self.questions)} questions, {score_text(earned, total)}>"
        )

    @property
    def live(self) -> LiveQuiz:
        """The ipywidgets view (built on first use)."""
        if self._live is None:
            self._live = LiveQuiz(self.title, self.questions, self.check, seed=self.seed)
            self._live.set_score(*self.score())
        return self._live

    @property
    def widget(self) -> Any:
        return self.live.widget

    def check(self, question_id: str, answer: Any) -> Outcome:
        """Check and record one answer; updates the running score. See checking.py for forms."""
        if question_id not in self._by_id:
            raise KeyError(f"question_id: {question_id!r} is not in this quiz")
        question = self._by_id[question_id]
        outcome = check(question, answer)
        self.responses.record(question, outcome)
        if self._live is not None:
            self._live.set_score(*self.score())
        return outcome

    def score(self) -> tuple[float, float]:
        """(points earned, points possible); a question counts by its latest attempt."""
        earned = 0.0
        for q in self.questions:
            latest = self.responses.latest(q.id)
            if latest is not None:
                earned += latest.points
        return earned, float(sum(q.points for q in self.questions))

    def to_html(self, **kwargs: Any) -> str:
        """The static quiz (see static.render_static for the keyword arguments)."""
        return render_static(self.title, self.questions, seed=self.seed, **kwargs)

    def _ipython_display_(self) -> None:
        """Two outputs: a stand-in for a dead widget (see static/fallback.js), then the quiz.

        JupyterLab and classic Notebook never fall back from a missing widget model to the
        output's text/html, so a reopened notebook would show "Error displaying widget: model
        not found"; the stand-in shows the static quiz there instead. Colab renders each output
        in its own frame, where the stand-in can do nothing: there only the quiz is shown.
        """
        bundle = self._repr_mimebundle_()
        display_with_stand_in(bundle, self.to_html(math_bank=True))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # text/html stays beside the widget view: front ends without the widget's model
        # (nbconvert / nbviewer without saved widget state, the book, an untrusted notebook
        # showing sanitized HTML) show the static quiz or its "run this cell" line instead.
        plain = f"{self!r}\n{OFFLINE_NOTE}"
        return dual_view_bundle(plain, self.to_html(), self.widget, include, exclude)


def kernel_quizzes() -> list[Quiz] | None:
    """The quizzes shown in this IPython kernel, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    quizzes = getattr(shell, _SHELL_ATTRIBUTE, None)
    if quizzes is None:
        quizzes = []
        setattr(shell, _SHELL_ATTRIBUTE, quizzes)
    return quizzes


def show(chapter_or_ids: str | Sequence[str], *, seed: str | None = None) -> Quiz:
    """A quiz of a chapter ("06_sampling"), one question id, or a list of ids.

    Put it last in a cell to display it. Choices and word banks are always shown shuffled, in
    an order fixed by the question id (and ``seed`` when given), so every run and the book
    show the same order.
    """
    title, questions = select_questions(chapter_or_ids)
    quiz = Quiz(title, questions, seed=seed)
    registry = kernel_quizzes()
    if registry is not None:
        registry.append(quiz)
    return quiz


def save_responses(
    path: str | Path,
    student_id: str | None = None,
    *,
    quizzes: Sequence[Quiz] | None = None,
    download: bool | None = None,
) -> Path:
    """Write every attempt of the quizzes shown in this kernel (or of ``quizzes``) as JSON.

    The file is written atomically (temporary file + rename). download: offer the file as a
    browser download on Colab (default: whenever google.colab is importable).
    Returns the path written.
    """
    if quizzes is None:
        quizzes = kernel_quizzes()
        if not quizzes:
            raise ValueError(
                "no quiz has been shown in this kernel yet: run a cell with quiz.show(...) "
                "first, or pass quizzes=[...]"
            )
    questions: dict[str, Question] = {}
    attempts = []
    for quiz in quizzes:
        for q in quiz.questions:
            known = questions.setdefault(q.id, q)
            if known.content_hash() != q.content_hash():
                raise ValueError(f"quizzes: question {q.id!r} appears in two different versions")
        attempts.extend(quiz.responses.attempts)
    attempts.sort(key=lambda a: a.time)
    document = responses_document(questions.values(), attempts, student_id=student_id)
    written = write_json_atomic(path, document)
    if download is None or download:
        offered = offer_download(written)
        if download and not offered:
            raise RuntimeError("download=True needs Google Colab (google.colab is not available)")
    return written
