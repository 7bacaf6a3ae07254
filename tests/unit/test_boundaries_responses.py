"""The responses file at its edges: a document written by hand in format 1 (the format is a
promise to every grader, so the number is pinned here, not read from the module), each field
refused by name and message, the size limit by one byte, the file's own layout, and the
Colab download's answer."""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest
from colab_stub import fake_colab

from vae_course.quiz import responses
from vae_course.quiz.responses import ResponsesError, load_responses, write_json_atomic


def hand_written() -> dict:
    """A format-1 responses file as the module docstring describes it."""
    return {
        "format": "vae-course-responses",
        "format_version": 1,
        "package_version": "0.1.0",
        "student_id": "ada",
        "saved_at": "2026-01-31T12:00:00+00:00",
        "questions": {"q1": {"chapter": "06", "points": 1, "content_hash": "sha256:00"}},
        "attempts": [
            {
                "question_id": "q1",
                "answer": "a",
                "correct": True,
                "points": 1,
                "time": "2026-01-31T11:59:00+00:00",
            }
        ],
    }


def refusal(tmp_path, change) -> str:
    doc = hand_written()
    change(doc)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ResponsesError) as caught:
        load_responses(path)
    return str(caught.value)


def test_a_hand_written_format_1_file_loads_and_is_frozen(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(hand_written()), encoding="utf-8")
    saved = load_responses(path)
    assert (saved.format_version, saved.student_id, saved.saved_at) == (
        1,
        "ada",
        "2026-01-31T12:00:00+00:00",
    )
    assert saved.attempts[0].points == 1 and saved.attempts[0].correct is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        saved.student_id = "bo"
    assert responses.responses_document([], [])["format_version"] == 1


def _set(key, value):
    return lambda d: d.__setitem__(key, value)


def _attempt(key, value):
    return lambda d: d["attempts"][0].__setitem__(key, value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("format", "a"), "r.json: field 'format': expected 'vae-course-responses', got 'a'"),
        (_set("format", "zz"), "r.json: field 'format': expected 'vae-course-responses', got 'zz'"),
        (_set("format_version", 0), "r.json: field 'format_version': expected 1, got 0"),
        (_set("format_version", 2), "r.json: field 'format_version': expected 1, got 2"),
        (_set("package_version", 1), "r.json: field 'package_version': expected a string, got 1"),
        (_set("saved_at", None), "r.json: field 'saved_at': expected a string, got None"),
        (
            lambda d: d["attempts"][0].pop("time"),
            "r.json: field 'attempts[0]': expected keys ['answer', 'correct', 'points', "
            "'question_id', 'time'], got ['answer', 'correct', 'points', 'question_id']",
        ),
        (
            _set("attempts", ["ab"]),
            "r.json: field 'attempts[0]': expected keys ['answer', 'correct', 'points', "
            "'question_id', 'time'], got 'ab'",
        ),
        (
            _attempt("points", True),
            "r.json: field 'attempts[0].points': expected a number, got True",
        ),
        (_attempt("points", "1"), "r.json: field 'attempts[0].points': expected a number, got '1'"),
    ],
)
def test_each_field_is_refused_by_name_and_message(tmp_path, change, message):
    assert refusal(tmp_path, change) == message


def test_the_size_limit_is_one_mebibyte_by_one_byte(tmp_path):
    text = json.dumps(hand_written())
    exact = text[:-1] + " " * ((1 << 20) - len(text)) + "}"
    path = tmp_path / "r.json"
    path.write_text(exact, encoding="utf-8")
    assert path.stat().st_size == 1 << 20
    assert load_responses(path).student_id == "ada"
    path.write_text(exact + " ", encoding="utf-8")
    with pytest.raises(ResponsesError, match=r"^r.json: 1048577 bytes; .* at most 1048576$"):
        load_responses(path)


def test_the_file_is_indented_json_keeping_names_readable(tmp_path):
    doc = hand_written()
    doc["student_id"] = "Zoë"
    path = write_json_atomic(tmp_path / "new" / "folder" / "r.json", doc)
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    assert '"student_id": "Zoë"' in text


def test_the_colab_download_says_whether_it_was_offered(tmp_path, monkeypatch):
    got = fake_colab(monkeypatch)
    assert responses.offer_download(tmp_path / "r.json") is True
    assert got == [str(tmp_path / "r.json")]
    monkeypatch.setitem(sys.modules, "google.colab", None)  # not on Colab: the import fails
    assert responses.offer_download(tmp_path / "r.json") is False


def test_an_attempt_is_a_record_nobody_changes(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(hand_written()), encoding="utf-8")
    (attempt,) = load_responses(path).attempts
    with pytest.raises(dataclasses.FrozenInstanceError):
        attempt.correct = False


def test_bytes_that_are_not_utf8_are_refused_by_name(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(ResponsesError, match=r"^r.json: not valid JSON \('utf-8' codec"):
        load_responses(path)
