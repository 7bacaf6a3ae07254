"""Hand-ins read without trusting them, at the edges: the size limit by one byte, a BOM, the
latest attempt of a question, the owner named by the file name, the notebook's metadata and
an LMS folder, the identity token, the assignment, extra questions, edited questions and
points, two files of one student that agree or not; each refusal names what is wrong."""

from __future__ import annotations

import json
import re

import pytest
from test_boundaries_key import _key

from vae_course.quiz.handout import RESPONSES_MIME
from vae_course.quiz.responses import responses_document
from vae_course_instructor.handins import read_handins

KEY = _key()
ADA = KEY.version("s1")  # k-many (choices r, p, q; keys q and r) and zz-calc
BO = KEY.version("s2")  # k-one (choices y, x; key y) and zz-calc


def document(version, answers: list[tuple[str, object]], **changes) -> dict:
    """A responses file of ``version``'s student: attempts in order, with their token."""
    questions = KEY.questions_of(version)
    attempts = [
        {
            "question_id": qid,
            "answer": a,
            "correct": False,
            "points": 0,
            "time": f"2026-01-01T10:0{i}:00+00:00",
        }
        for i, (qid, a) in enumerate(answers)
    ]
    doc = responses_document(questions, [], version.student.student_id)
    doc.update(attempts=attempts, assignment=KEY.assignment, token=version.token)
    doc.update(changes)
    return doc


def read(tmp_path, files: dict[str, object], **options):
    folder = tmp_path / "handins"
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else json.dumps(content).encode()
        path.write_bytes(data)
    return read_handins(folder, KEY, **options)


def only_reason(tmp_path, files, **options) -> str:
    handins, rejected = read(tmp_path, files, **options)
    assert handins == [] and len(rejected) == 1, rejected
    return rejected[0].reason


def test_the_latest_attempt_of_each_question_counts(tmp_path):
    doc = document(ADA, [("k-many", ["q"]), ("zz-calc", 1.0), ("k-many", ["r", "q"])])
    (handin,), rejected = read(tmp_path, {"ada.json": doc})
    assert rejected == [] and handin.student_id == "s1"
    assert sorted(handin.answers["k-many"]) == ["q", "r"] and handin.answers["zz-calc"] == 1.0


def test_the_size_limit_by_one_byte_and_a_bom(tmp_path):
    data = b"\xef\xbb\xbf" + json.dumps(document(BO, [("k-one", "y")])).encode()
    handins, _ = read(tmp_path / "a", {"bo.json": data}, max_bytes=len(data))
    assert [h.student_id for h in handins] == ["s2"]
    reason = only_reason(tmp_path / "b", {"bo.json": data}, max_bytes=len(data) - 1)
    assert reason.startswith(f"larger than the limit of {len(data) - 1} bytes"), reason


def test_a_notebook_holding_the_responses(tmp_path):
    doc = document(BO, [("k-one", "x")])
    nb = {
        "cells": [
            {"outputs": [{"data": {RESPONSES_MIME: json.dumps(document(BO, []))}}]},
            {"outputs": [{"data": {RESPONSES_MIME: [json.dumps(doc)]}}]},  # the last counts
        ],
        "metadata": {"vae_course": {"student_id": "s2"}},
    }
    (handin,), _ = read(tmp_path / "a", {"handout.ipynb": nb})
    assert handin.answers == {"k-one": "x"}
    nb["metadata"]["vae_course"]["student_id"] = "s1"
    reason = only_reason(tmp_path / "b", {"handout.ipynb": nb})
    assert reason == "student_id inside is 's2' but the notebook's metadata says 's1'"
    empty = {"cells": [{"outputs": []}], "metadata": {}}
    assert "without saved responses" in only_reason(tmp_path / "c", {"x.ipynb": empty})
    assert "'cells' list" in only_reason(tmp_path / "d", {"x.ipynb": {"cells": 3}})


@pytest.mark.parametrize(
    ("name", "changes", "reason"),
    [
        ("s1-ada.json", {}, "student_id inside is 's2' but the file name says 's1'"),
        ("bo.json", {"token": "t1"}, "the identity token is not s2's"),
        ("bo.json", {"token": None}, "the identity token is not s2's"),
        ("bo.json", {"assignment": "quiz-2"}, "for assignment 'quiz-2', not 'quiz-1'"),
        ("bo.json", {"student_id": "s9"}, "unknown student 's9'"),
        ("bo.json", {"student_id": None}, "no student_id inside"),
        ("bo.txt", {}, "not a .json or .ipynb file"),
    ],
)
def test_a_file_that_is_not_this_students_is_refused_by_reason(tmp_path, name, changes, reason):
    doc = document(BO, [("k-one", "y")], **changes)
    assert reason in only_reason(tmp_path, {name: doc})


def test_a_missing_token_is_named_as_missing(tmp_path):
    doc = document(BO, [("k-one", "y")])
    del doc["token"]
    assert only_reason(tmp_path, {"bo.json": doc}).startswith("no identity token")


def test_questions_points_and_answers_must_be_the_assigned_ones(tmp_path):
    doc = document(BO, [("k-one", "y")])
    doc["questions"]["k-many"] = doc["questions"]["k-one"]
    assert "'k-many' is not in s2's assignment" in only_reason(tmp_path / "a", {"b.json": doc})
    doc = document(BO, [("k-one", "y")])
    doc["questions"]["k-one"]["content_hash"] = "sha256:" + "0" * 64
    assert "content_hash does not match" in only_reason(tmp_path / "b", {"b.json": doc})
    doc = document(BO, [("k-one", "y")])
    doc["questions"]["k-one"]["points"] = 5
    assert "points 5 != 1" in only_reason(tmp_path / "c", {"b.json": doc})
    doc["questions"]["k-one"]["points"] = 0.5  # fewer points than assigned: refused too
    assert "points 0.5 != 1" in only_reason(tmp_path / "e", {"b.json": doc})
    doc = document(BO, [("k-one", "z")])
    assert "answer 'z' refused" in only_reason(tmp_path / "d", {"b.json": doc})


def test_bytes_that_are_not_json_text(tmp_path):
    assert "not UTF-8" in only_reason(tmp_path / "a", {"b.json": b"\xff\xfe{"})
    assert "not valid JSON" in only_reason(tmp_path / "b", {"b.json": b"{"})
    reason = only_reason(tmp_path / "c", {"b.json": b'{"x": NaN}'})
    assert "not valid JSON" in reason and "NaN" in reason


def test_two_files_of_one_student(tmp_path):
    same = document(BO, [("k-one", "y")])
    handins, rejected = read(tmp_path / "a", {"1.json": same, "2.json": same})
    assert [h.name for h in handins] == ["1.json"]
    assert [(r.name, r.student_id) for r in rejected] == [("2.json", "s2")]
    assert rejected[0].reason == "duplicate of 1.json (same answers): counted once"
    other = document(BO, [("k-one", "x")])
    handins, rejected = read(tmp_path / "b", {"1.json": same, "2.json": other})
    assert handins == [] and [r.name for r in rejected] == ["1.json", "2.json"]
    assert all("handed in 2 files with different answers" in r.reason for r in rejected)


def test_an_lms_folder_must_name_the_student(tmp_path):
    doc = document(BO, [("k-one", "y")])
    good = {"Bo_123_assignsubmission_file_/bo.json": doc}
    handins, rejected = read(tmp_path / "a", good)
    assert [h.student_id for h in handins] == ["s2"] and rejected == []
    bad = {"Ada_123_assignsubmission_file_/bo.json": doc}
    reason = only_reason(tmp_path / "b", bad)
    assert "student_id inside is 's2' (Bo) but" in reason and "'Ada'" in reason


def test_the_handin_folder_must_exist(tmp_path):
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        read_handins(tmp_path / "none", KEY)


def test_the_default_size_limit_is_one_mebibyte(tmp_path):
    text = json.dumps(document(BO, [("k-one", "y")]))
    exact = text[:-1] + " " * ((1 << 20) - len(text)) + "}"
    assert len(exact.encode()) == 1 << 20
    handins, _ = read(tmp_path / "a", {"bo.json": exact.encode()})
    assert [h.student_id for h in handins] == ["s2"]
    reason = only_reason(tmp_path / "b", {"bo.json": (exact + " ").encode()})
    assert reason.startswith("larger than the limit of 1048576 bytes")


def test_a_notebook_may_store_the_responses_as_an_object(tmp_path):
    doc = document(BO, [("k-one", "x")])
    nb = {"cells": [{"outputs": [{"data": {RESPONSES_MIME: doc}}]}], "metadata": {}}
    (handin,), _ = read(tmp_path, {"handout.ipynb": nb})
    assert handin.answers == {"k-one": "x"}


def test_a_refusal_keeps_the_student_inside_and_the_list_is_by_name(tmp_path):
    inside_bo = document(BO, [("k-one", "y")])
    other = document(BO, [("k-one", "x")])
    files = {"s1-by-ada.json": inside_bo, "1.json": other, "2.json": other, "0.txt": other}
    handins, rejected = read(tmp_path, files)
    assert [h.name for h in handins] == ["1.json"]
    assert [(r.name, r.student_id) for r in rejected] == [
        ("0.txt", None),
        ("2.json", "s2"),
        ("s1-by-ada.json", "s2"),  # the file says s2 inside; its name claims s1
    ]


def test_a_file_that_breaks_the_reader_is_refused_and_grading_goes_on(tmp_path, monkeypatch):
    # an error nobody foresaw, in one file, rejects that file with its type and message
    from vae_course_instructor import handins as module

    check = module.Reader.check

    def fragile(self, path, parts, name):
        if name == "bo.json":
            raise RuntimeError("disk hiccup")
        return check(self, path, parts, name)

    monkeypatch.setattr(module.Reader, "check", fragile)
    files = {"ada.json": document(ADA, [("zz-calc", 1.0)]), "bo.json": document(BO, [])}
    (handin,), (refused,) = read(tmp_path, files)
    assert handin.student_id == "s1"
    assert refused.reason == "could not be read (RuntimeError: disk hiccup)"


def test_the_size_limit_is_named_not_given_by_position(tmp_path):
    (tmp_path / "h").mkdir()
    with pytest.raises(TypeError):
        read_handins(tmp_path / "h", KEY, 100)


# -- how much of a student's text a refusal echoes -------------------------------------------
def _echo(reason: str, ch: str) -> int:
    """The length of the longest run of ``ch`` in ``reason``: how much of it was echoed."""
    return max((len(run) for run in re.findall(f"{re.escape(ch)}+", reason)), default=0)


def _key_with_bo(**changes):
    from dataclasses import replace as swap

    from vae_course_instructor.key import AssignmentKey

    bo = swap(BO, **changes)
    return AssignmentKey(KEY.assignment, KEY.questions, (ADA, bo))


@pytest.mark.parametrize(
    ("where", "width"),
    [
        ("unknown student", 80),
        ("notebook owner", 80),
        ("assignment", 80),
        ("extra question", 80),
        ("points", 40),
    ],
)
def test_a_refusal_echoes_a_fixed_share_of_a_long_untrusted_value(tmp_path, where, width):
    doc = document(BO, [("k-one", "y")])
    name = "bo.json"
    if where == "unknown student":
        doc["student_id"] = "Q" * 500
    elif where == "notebook owner":
        name = "bo.ipynb"
        doc = {
            "cells": [{"outputs": [{"data": {RESPONSES_MIME: doc}}]}],
            "metadata": {"vae_course": {"student_id": "Q" * 500}},
        }
    elif where == "assignment":
        doc["assignment"] = "Q" * 500
    elif where == "extra question":
        doc["questions"]["Q" * 500] = doc["questions"]["k-one"]
    elif where == "points":
        doc["questions"]["k-one"]["points"] = int("9" * 500)
    reason = only_reason(tmp_path, {name: doc})
    ch = "9" if where == "points" else "Q"
    assert _echo(reason, ch) == width, reason
    assert "characters)" in reason


def test_a_refused_answer_echoes_80_of_it_and_120_of_the_checkers_message(tmp_path):
    reason = only_reason(tmp_path, {"bo.json": document(BO, [("k-one", "Q" * 500)])})
    answer, message = reason.split(" refused: ")
    assert answer == f"question 'k-one': answer '{'Q' * 79}... (502 characters)"
    # the checker's message (a KeyError's text, not its quoted repr), cut at 120 characters
    full = "question 'k-one' has no choice '" + "Q" * 500
    assert message.startswith(full[:120] + "... (") and message.endswith(" characters)")


def test_a_refused_answer_names_the_checkers_message_unquoted(tmp_path):
    reason = only_reason(tmp_path, {"bo.json": document(BO, [("k-one", "z")])})
    assert reason == (
        "question 'k-one': answer 'z' refused: question 'k-one' has no choice 'z' (choices: y, x)"
    )


def test_a_malformed_field_is_named_in_300_characters(tmp_path):
    doc = document(BO, [("k-one", "y")])
    doc["attempts"][0]["time"] = "Q" * 500
    reason = only_reason(tmp_path, {"bo.json": doc})
    shown, rest = reason.split("... (")
    assert len(shown) == 300 and shown.startswith("responses.json: field 'attempts[0].time'")
    assert rest.endswith(" characters)")


def test_a_name_from_the_roster_and_from_the_lms_folder_echo_80_characters(tmp_path):
    key = _key_with_bo(student=type(BO.student)("s2", "Bo" + "n" * 298))
    folder = tmp_path / "handins"
    path = folder / ("L" * 200 + "_123_assignsubmission_file_") / "bo.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document(BO, [("k-one", "y")])), encoding="utf-8")
    handins, (refused,) = read_handins(folder, key)
    assert handins == []
    assert _echo(refused.reason, "n") == 78  # "Bo" and 78 n's: 80 characters of the name
    assert "(300 characters)" in refused.reason
    assert _echo(refused.reason.split(" names ")[1], "L") == 80


def test_a_long_path_is_named_by_its_first_400_characters(tmp_path):
    files = {"a" * 200 + "/" + "b" * 200 + "/bo.txt": document(BO, [])}
    _, (refused,) = read(tmp_path, files)
    assert refused.name == "a" * 200 + "/" + "b" * 199 + "... (408 characters)"


def test_an_unforeseen_error_echoes_120_characters_of_its_message(tmp_path, monkeypatch):
    from vae_course_instructor import handins as module

    def broken(self, path, parts, name):
        raise RuntimeError("d" * 500)

    monkeypatch.setattr(module.Reader, "check", broken)
    _, (refused,) = read(tmp_path, {"bo.json": document(BO, [])})
    assert refused.reason == f"could not be read (RuntimeError: {'d' * 120}... (500 characters))"


# -- entries that are not files, notebooks with other outputs, one cache per student -------------
def test_links_special_files_and_deep_folders_are_skipped_by_kind(tmp_path):
    import os

    from vae_course_instructor.folders import MAX_DEPTH, SKIPPED

    folder = tmp_path / "handins"
    deep = folder.joinpath(*["d"] * (MAX_DEPTH + 1))
    deep.mkdir(parents=True)
    (folder / "bo.json").write_text(json.dumps(document(BO, [("k-one", "y")])), "utf-8")
    (folder / "link.json").symlink_to(folder / "bo.json")
    os.mkfifo(folder / "pipe.json")
    # a link whose name claims two students has no owner (and does not stop grading)
    (folder / "s1-s2.json").symlink_to(folder / "bo.json")
    handins, rejected = read_handins(folder, KEY)
    assert [h.name for h in handins] == ["bo.json"]
    by_name = {r.name: (r.reason, r.student_id) for r in rejected}
    assert by_name == {
        "/".join(["d"] * (MAX_DEPTH + 1)): (SKIPPED["deep"], None),
        "link.json": (SKIPPED["link"], None),
        "pipe.json": (SKIPPED["other"], None),
        "s1-s2.json": (SKIPPED["link"], None),
    }


def test_a_notebook_with_other_outputs_before_its_responses(tmp_path):
    doc = document(BO, [("k-one", "x")])
    nb = {
        "cells": [
            {"outputs": [{"output_type": "stream", "text": "training..."}]},
            {"outputs": [{"data": {"text/plain": "42"}}, "not an output"]},
            {"outputs": [{"data": {RESPONSES_MIME: doc}}]},
        ],
        "metadata": {},
    }
    (handin,), rejected = read(tmp_path, {"bo.ipynb": nb})
    assert rejected == [] and handin.answers == {"k-one": "x"}


def test_numbers_of_their_own_are_checked_per_student_without_tokens(tmp_path):
    # A key without identity tokens: each student's calculated question still has its own
    # values, so what each was shown differs, and both hand-ins must match their own.
    from dataclasses import replace as swap

    from vae_course_instructor.key import AssignmentKey

    key = AssignmentKey(
        KEY.assignment, KEY.questions, tuple(swap(v, token="") for v in KEY.versions)
    )
    folder = tmp_path / "handins"
    folder.mkdir()
    for version, name in ((ADA, "ada.json"), (BO, "bo.json")):
        doc = document(version, [("zz-calc", 1.0)], token="")
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    handins, rejected = read_handins(folder, key)
    assert rejected == [] and sorted(h.student_id for h in handins) == ["s1", "s2"]


def test_a_long_json_error_is_named_in_120_characters(tmp_path):
    # Python refuses to read a number of more than 4,300 digits, with a long message.
    data = b'{"x": ' + b"9" * 5000 + b"}"
    with pytest.raises(ValueError) as caught:
        json.loads(data)
    message = str(caught.value)
    assert len(message) > 121  # long enough to be cut
    reason = only_reason(tmp_path, {"bo.json": data})
    assert reason == f"not valid JSON ({message[:120]}... ({len(message)} characters))"


def test_hand_ins_and_refusals_are_records_nobody_changes(tmp_path):
    import dataclasses

    files = {"bo.json": document(BO, [("k-one", "y")]), "x.txt": b"{}"}
    (handin,), (refused,) = read(tmp_path, files)
    with pytest.raises(dataclasses.FrozenInstanceError):
        handin.student_id = "s1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        refused.reason = "fine"
