"""The responses file: written atomically, round-trips, malformed files are refused clearly, and
the Colab download and the per-kernel registry of shown quizzes work."""

from __future__ import annotations

import json
import sys
import types

import pytest

import vae_course
from vae_course import quiz
from vae_course.quiz import display, responses


def answered_quiz():
    q = quiz.show("06_sampling")
    q.check("sampling-generative-distribution", "posterior")
    q.check("sampling-generative-distribution", "prior")
    q.check("sampling-kl-role", ["covers-prior", "pulls-to-prior"])
    q.check("sampling-fill-latent", {"space": "latent"})
    q.check("sampling-temperature-variance", "0.3")
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
        assert saved.questions[x.id]["chapter"] == "06_sampling"
    assert [a.correct for a in saved.attempts] == [False, True, True, True, False]
    assert list(tmp_path.joinpath("out").iterdir()) == [path]  # no temporary file left behind


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    q = answered_quiz()
    path = quiz.save_responses(tmp_path / "r.json", quizzes=[q], download=False)
    before = path.read_bytes()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(responses.json, "dump", broken_dump)
    q.check("sampling-holes", "holes")
    with pytest.raises(OSError, match="disk full"):
        quiz.save_responses(path, quizzes=[q], download=False)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_colab_download_is_offered(tmp_path, monkeypatch):
    downloaded = []
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(download=downloaded.append)
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
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
    first = quiz.show("06_sampling")
    second = quiz.show(["sampling-holes"])
    first.check("sampling-fill-latent", {"space": "data"})
    second.check("sampling-holes", "holes")
    saved = quiz.load_responses(quiz.save_responses(tmp_path / "r.json", download=False))
    assert {(a.question_id, a.correct) for a in saved.attempts} == {
        ("sampling-fill-latent", False),
        ("sampling-holes", True),
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
        lambda d: d["questions"]["sampling-holes"].pop("content_hash"),
        "field 'questions.sampling-holes'",
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
