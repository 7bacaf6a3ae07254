"""Questions built by hand in the tests, with only what a test is about spelled out: a stem
and chapter tag that no check reads get placeholders, and the explanation is empty."""

from __future__ import annotations

from vae_course.quiz.schema import Question, Tags


def question(id: str, type: str, *, stem: str = "?", chapter: str = "zz", **fields) -> Question:
    """A Question of ``type`` tagged with ``chapter``; ``fields`` are Question's other fields
    (points, choices, blanks, answer, tolerance, checks)."""
    return Question(id=id, type=type, stem=stem, explanation="", tags=Tags(chapter), **fields)
