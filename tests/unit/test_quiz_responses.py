"""The responses file: written atomically, round-trips, malformed files are refused clearly, and
the Colab download and the per-kernel registry of shown quizzes work."""

from __future__ import annotations

import json
import sys
import types

import pytest
from colab_stub import fake_colab

import vae_course
from vae_course import quiz
from vae_course.quiz import display, responses


def first_of(kind: str):
    """The course bank's first question of a type (found by type, so bank edits do not matter)."""
    return next(q for q in quiz.load_bank() if q.type == kind)


def answer(question, right: bool):
    """A right or a wrong answer to any question, in the form checking.check takes."""
    if question.type == "single":
        return next(c.id for c in question.choices if c.correct == right)
    if question.type == "multiple":
        correct = [c.id for c in question.choices if c.correct]
        return correct if right else [next(c.id for c in question.choices if not c.correct)]
    if question.type == "fill_blank":
        return {
            b.name: next(w for w in (b.word_bank or b.answers) if b.accepts(w))
            if right
            else "definitely not this"
            for b in question.blanks
        }
    return question.answer if right else question.answer + 10 * (1 + abs(question.answer))


SINGLE, MULTIPLE, FILL, NUMERIC = (
    first_of(k) for k in ("single", "multiple", "fill_blank", "numeric")
)


def answered_quiz():
    q = quiz.show([SINGLE.id, MULTIPLE.id, FILL.id, NUMERIC.id])
    q.check(SINGLE.id, answer(SINGLE, False))
    q.check(SINGLE.id, answer(SINGLE, True))
    q.check(MULTIPLE.id, answer(MULTIPLE, True)[::-1])  # any order
    q.check(FILL.id, answer(FILL, True))
    q.check(NUMERIC.id, answer(NUMERIC, False))
    return q


def test_round_trip(tmp_path):
    q = answered_quiz()
    path = quiz.save_responses(
        tmp_path / "out" / "responses.json", "ada", quizzes=[q], download=False
    )
    saved = quiz.load_responses(path)
    assert saved.student_id == "ada"
    assert saved.package_version == vae_course.__version__
    assert saved.format_version == responses.FORMAT_VERSION
    assert saved.attempts == q.responses.attempts
    assert set(saved.questions) == {x.id for x in q.questions}
    for x in q.questions:
        assert saved.questions[x.id]["content_hash"] == x.content_hash()
        assert saved.questions[x.id]["chapter"] == x.chapter
    assert [a.correct for a in saved.attempts] == [False, True, True, True, False]
    assert list(tmp_path.joinpath("out").iterdir()) == [path]  # no temporary file left behind


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    q = answered_quiz()
    path = quiz.save_responses(tmp_path / "r.json", quizzes=[q], download=False)
    before = path.read_bytes()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(responses.json, "dump", broken_dump)
    q.check(SINGLE.id, answer(SINGLE, False))
    with pytest.raises(OSError, match="disk full"):
        quiz.save_responses(path, quizzes=[q], download=False)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_colab_download_is_offered(tmp_path, monkeypatch):
    downloaded = fake_colab(monkeypatch)
    path = quiz.save_responses(tmp_path / "r.json", quizzes=[answered_quiz()])
    assert downloaded == [str(path)]
    quiz.save_responses(tmp_path / "r.json", quizzes=[answered_quiz()], download=False)
    assert len(downloaded) == 1


def test_download_without_colab_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", None)  # import fails
    with pytest.raises(RuntimeError, match="Colab"):
        quiz.save_responses(tmp_path / "r.json", quizzes=[answered_quiz()], download=True)
    assert quiz.save_responses(tmp_path / "r.json", quizzes=[answered_quiz()]).exists()


def test_quizzes_shown_in_a_kernel_are_found(tmp_path, monkeypatch):
    shell = types.SimpleNamespace()
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    first = quiz.show(FILL.chapter)
    second = quiz.show([SINGLE.id])
    first.check(FILL.id, answer(FILL, False))
    second.check(SINGLE.id, answer(SINGLE, True))
    saved = quiz.load_responses(quiz.save_responses(tmp_path / "r.json", download=False))
    assert {(a.question_id, a.correct) for a in saved.attempts} == {
        (FILL.id, False),
        (SINGLE.id, True),
    }
    assert display.kernel_quizzes() == [first, second]


def test_outside_a_kernel_save_needs_quizzes(tmp_path, monkeypatch):
    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    with pytest.raises(ValueError, match="no quiz has been shown in this kernel"):
        quiz.save_responses(tmp_path / "r.json")


def _valid_document(tmp_path):
    path = quiz.save_responses(tmp_path / "r.json", quizzes=[answered_quiz()], download=False)
    return json.loads(path.read_text())


BROKEN = {
    "wrong format name": (lambda d: d.__setitem__("format", "other"), "field 'format'"),
    "future version": (lambda d: d.__setitem__("format_version", 99), "field 'format_version'"),
    "no attempts": (lambda d: d.pop("attempts"), "field 'attempts'"),
    "attempt with extra key": (
        lambda d: d["attempts"][0].__setitem__("score", 1),
        "field 'attempts[0]'",
    ),
    "attempt of an unknown question": (
        lambda d: d["attempts"][1].__setitem__("question_id", "nope"),
        "field 'attempts[1].question_id'",
    ),
    "bad time": (
        lambda d: d["attempts"][0].__setitem__("time", "yesterday"),
        "field 'attempts[0].time'",
    ),
    "correct not a bool": (
        lambda d: d["attempts"][0].__setitem__("correct", "yes"),
        "field 'attempts[0].correct'",
    ),
    "question without hash": (
        lambda d: d["questions"][SINGLE.id].pop("content_hash"),
        f"field 'questions.{SINGLE.id}'",
    ),
    "student id not a string": (lambda d: d.__setitem__("student_id", 7), "field 'student_id'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_responses_file_is_refused(tmp_path, case):
    edit, expected = BROKEN[case]
    document = _valid_document(tmp_path)
    edit(document)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    with pytest.raises(quiz.ResponsesError) as info:
        quiz.load_responses(path)
    assert str(info.value).startswith("broken.json: ") and expected in str(info.value)


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2]"])
def test_non_json_or_non_object_is_refused(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(quiz.ResponsesError, match="^bad.json: "):
        quiz.load_responses(path)


def test_missing_file(tmp_path):
    with pytest.raises(quiz.ResponsesError, match="file not found"):
        quiz.load_responses(tmp_path / "absent.json")


def test_load_refuses_deep_nesting_and_huge_files(tmp_path):
    from vae_course.quiz import load_responses
    from vae_course.quiz.responses import MAX_BYTES, ResponsesError

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(ResponsesError, match="deep.json"):
        load_responses(deep)
    huge = tmp_path / "huge.json"
    huge.write_text(" " * (MAX_BYTES + 1))
    with pytest.raises(ResponsesError, match=r"huge.json: \d+ bytes"):
        load_responses(huge)
