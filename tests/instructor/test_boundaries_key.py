"""The answer key and the key file, by hand: the right answer of each type in words and in the
responses file's form (a numeric answer with its accepted interval, computed here), each
student's own questions in their order with their choice letters and calculated values, the
key's files private and never beside a handout; a key file that reads back as written and
refuses what is malformed by field."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import stat
from dataclasses import replace

import pytest
from test_boundaries_exports import calculated

from vae_course.quiz.schema import Blank, Choice, Tolerance
from vae_course_instructor.key import (
    answer_text,
    answer_value,
    handout_folder,
    key_csv,
    key_markdown,
    write_key_files,
)
from vae_course_instructor.keyfile import (
    AssignmentKey,
    KeyFileError,
    Version,
    dumps,
    key_document,
    ordered,
    read_key,
    shown,
)
from vae_course_instructor.roster import Student

from questions import question

CHOICES = (Choice("p", "first"), Choice("q", "second", True), Choice("r", "third", True))
SINGLE = question("k-one", "single", choices=(Choice("x", "no"), Choice("y", "yes", True)))
MULTIPLE = question("k-many", "multiple", choices=CHOICES, points=2)
BLANKS = question(
    "k-gaps",
    "fill_blank",
    stem="{{first}} {{second}}",
    blanks=(Blank("first", ("ELBO", "evidence lower bound")), Blank("second", ("σ",))),
)
NUMBER = question("k-num", "numeric", answer=-2.0, tolerance=Tolerance(relative=0.25))
EXACT = question("k-exact", "numeric", answer=0.1 + 0.2, tolerance=Tolerance())


@pytest.mark.parametrize(
    ("q", "text", "value"),
    [
        (SINGLE, "B. yes [y]", '"y"'),
        (MULTIPLE, "B. second [q]; C. third [r]", '["q", "r"]'),
        (
            BLANKS,
            "first: ELBO | evidence lower bound; second: σ",
            '{"first": "ELBO", "second": "σ"}',
        ),
        # -2 with a quarter of |answer|: -2.5 to -1.5.
        (NUMBER, "-2 (accepted -2.5 to -1.5)", "-2.0"),
        (EXACT, "0.3", "0.30000000000000004"),
        (question("k-none", "numeric", answer=4.0), "4", "4.0"),
        (
            question("k-abs", "numeric", answer=4.0, tolerance=Tolerance(absolute=0.5)),
            "4 (accepted 3.5 to 4.5)",
            "4.0",
        ),
    ],
    ids=lambda v: v.id if hasattr(v, "id") else None,
)
def test_answer_in_words_and_in_the_responses_form(q, text, value):
    assert answer_text(q) == text
    assert answer_value(q) == value


def _key() -> AssignmentKey:
    calc = calculated({"absolute": 0.05}, formula="x + a * mu")
    # A key file's questions are validated again on reading: each needs its explanation.
    questions = {q.id: replace(q, explanation="Why.") for q in (SINGLE, MULTIPLE, calc)}
    first = Version(
        Student("s1", "Ada", "ada@example.org"),
        ("k-many", "zz-calc"),
        {"k-many": ("r", "p", "q")},
        {"zz-calc": {"x": 10.0, "a": 0.25, "mu": 1.5}},
        token="t1",
    )
    second = Version(
        Student("s2", "Bo"),
        ("k-one", "zz-calc"),
        {"k-one": ("y", "x")},
        {"zz-calc": {"x": 1.0, "a": 2.0, "mu": 0.5}},
        token="t2",
    )
    return AssignmentKey("quiz-1", questions, (first, second))


def test_each_students_key_lists_their_questions_letters_and_values():
    text = key_markdown(_key())
    ada, bo = text.split("## Ada (s1)")[1].split("## Bo (s2)")
    # Ada: choices in her order r, p, q, so the keys q and r are her C and A.
    assert "3 points." in ada  # 2 + 1
    assert "1. `k-many` (multiple, 2 pt): A. third [r]; C. second [q]" in ada
    # x + a * mu = 10 + 0.375, with the tolerance 0.05 around it.
    assert "2. `zz-calc` (numeric, 1 pt) with x = 10, a = 0.25, mu = 1.5: 10.375 (accepted" in ada
    assert "1. `k-one` (single, 1 pt): A. yes [y]" in bo
    assert "with x = 1, a = 2, mu = 0.5: 2 (accepted 1.95 to 2.05)" in bo
    only_bo = key_markdown(_key(), "s2")
    assert "Ada" not in only_bo and "## Bo (s2)" in only_bo


def test_key_csv_has_a_row_per_student_question_in_their_order():
    rows = list(csv.DictReader(io.StringIO(key_csv(_key()))))
    assert [(r["student_id"], r["position"], r["question_id"]) for r in rows] == [
        ("s1", "1", "k-many"),
        ("s1", "2", "zz-calc"),
        ("s2", "1", "k-one"),
        ("s2", "2", "zz-calc"),
    ]
    assert rows[0]["points"] == "2" and json.loads(rows[0]["value"]) == ["r", "q"]
    assert json.loads(rows[3]["value"]) == 2.0 and rows[3]["type"] == "numeric"
    assert [r["student_id"] for r in csv.DictReader(io.StringIO(key_csv(_key(), "s1")))] == [
        "s1",
        "s1",
    ]


def test_key_files_are_private_and_refused_beside_a_handout(tmp_path):
    key = _key()
    paths = write_key_files(key, tmp_path / "key")
    assert [p.name for p in paths] == ["answer-key.md", "answer-key.csv"]
    for p in paths:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert "\r" not in paths[1].read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="--student: 's9' is not in the key's roster"):
        write_key_files(key, tmp_path / "other", student_id="s9")
    handouts = tmp_path / "handouts"
    (handouts / "deeper").mkdir(parents=True)
    (handouts / "s2.html").write_text("handout", encoding="utf-8")
    assert handout_folder(handouts / "deeper", key) == handouts.resolve()
    with pytest.raises(ValueError, match="--out: .*holds the students' handouts"):
        write_key_files(key, handouts / "deeper")
    (handouts / "s2.html").unlink()
    (handouts / "s1.ipynb").mkdir()  # a folder named like a handout is not one
    assert handout_folder(handouts / "deeper", key) is None


# -- the key file --------------------------------------------------------------------------------
def test_a_key_file_reads_back_as_written(tmp_path):
    key = _key()
    path = tmp_path / "key.json"
    path.write_text(dumps(key_document(key, "0.0.0")), encoding="utf-8")
    back = read_key(path)
    assert back.assignment == "quiz-1" and list(back.questions) == list(key.questions)
    assert back.versions == key.versions
    ada = back.version("s1")
    assert [c.id for c in back.questions_of(ada)[0].choices] == ["r", "p", "q"]
    assert back.questions_of(ada)[1].answer == 10.375
    assert back.version("s9") is None


def _broken(tmp_path, change) -> str:
    document = key_document(_key(), "0.0.0")
    change(document)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(KeyFileError) as info:
        read_key(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "field 'format': expected"),
        (lambda d: d.update(format_version=2), "field 'format_version': expected 1, got 2"),
        (lambda d: d.update(assignment=3), "field 'assignment': expected a string"),
        (lambda d: d.update(questions=[]), "field 'questions': expected a non-empty list"),
        (lambda d: d.update(students=[]), "field 'students': expected a non-empty list"),
        (lambda d: d["students"][1].update(student_id=5), "field 'students[1]': expected"),
        (lambda d: d["students"][0].update(token=7), "field 'students[0].token'"),
        (
            lambda d: d["students"][0]["questions"][1].update(id="nope"),
            "field 'students[0].questions[1].id': 'nope' is not in 'questions'",
        ),
        (
            lambda d: d["students"][0]["questions"][0].update(choices=["p", "q"]),
            "field 'students[0].questions[0].choices'",
        ),
        (
            lambda d: d["students"][1]["questions"][1].update(values={"x": 1, "a": 2}),
            "field 'students[1].questions[1].values': expected numbers",
        ),
        (
            lambda d: d["students"][1]["questions"][1]["values"].update(mu=True),
            "field 'students[1].questions[1].values'",
        ),
    ],
)
def test_a_malformed_key_file_is_refused_by_field(tmp_path, change, message):
    assert message in _broken(tmp_path, change)


def test_a_missing_or_unreadable_key_file_is_named(tmp_path):
    with pytest.raises(KeyFileError, match="file not found"):
        read_key(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(KeyFileError, match="bad.json: not a JSON key file"):
        read_key(tmp_path / "bad.json")


def test_each_student_sees_their_own_word_bank_order():
    bank = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
    q = question("k-bank", "fill_blank", stem="{{w}}", blanks=(Blank("w", ("beta",), bank),))
    orders = {shown(q, f"token-{i}").blanks[0].word_bank for i in range(4)}
    assert all(sorted(order) == sorted(bank) for order in orders)
    assert orders != {bank}  # shuffled: four tokens do not all keep the bank's order
    assert shown(q, "token-0") == shown(q, "token-0")
    assert shown(SINGLE, "token-0") is SINGLE  # nothing to shuffle


def _three_students() -> AssignmentKey:
    key = _key()
    third = Version(
        Student("s3", "Cy"),
        ("k-one",),
        {"k-one": ("x", "y")},
        {},
        token="t3",
    )
    return AssignmentKey(key.assignment, key.questions, (*key.versions, third))


def test_one_students_key_holds_them_alone_wherever_they_are_in_the_roster():
    key = _three_students()
    # The middle student: ids before and after theirs, so "skip the others" cannot be
    # mistaken for "skip the ids before" or "stop at the first other".
    text = key_markdown(key, "s2")
    assert "## Bo (s2)" in text and "Ada" not in text and "Cy" not in text
    rows = list(csv.DictReader(io.StringIO(key_csv(key, "s2"))))
    assert [(r["student_id"], r["question_id"]) for r in rows] == [
        ("s2", "k-one"),
        ("s2", "zz-calc"),
    ]
    assert [r["student_id"] for r in csv.DictReader(io.StringIO(key_csv(key, "s3")))] == ["s3"]


def test_key_files_go_to_a_new_nested_folder_and_can_be_written_again(tmp_path):
    key = _key()
    out = tmp_path / "term" / "quiz-1" / "key"  # none of these folders exists yet
    first = write_key_files(key, out)
    assert all(p.is_file() for p in first)
    again = write_key_files(key, out, student_id="s1")  # the folder exists now
    assert "Bo" not in again[0].read_text(encoding="utf-8")


def test_a_new_folder_under_a_handout_folder_is_refused_too(tmp_path):
    key = _key()
    handouts = tmp_path / "handouts"
    handouts.mkdir()
    (handouts / "s1.ipynb").write_text("{}", encoding="utf-8")
    # Neither "new" nor "new/key" exists: the search climbs past them to the handouts.
    assert handout_folder(handouts / "new" / "key", key) == handouts.resolve()
    with pytest.raises(ValueError, match="--out: .*holds the students' handouts"):
        write_key_files(key, handouts / "new" / "key")
    assert not (handouts / "new").exists()


# -- the key file at its edges -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="zz-other"), "field 'format': expected"),
        (lambda d: d.update(format_version=0), "field 'format_version': expected 1, got 0"),
        (
            lambda d: d["students"][1]["questions"][1]["values"].update(extra=1.0),
            "field 'students[1].questions[1].values': expected numbers",
        ),
        (
            lambda d: d["questions"][0].pop("type"),
            "field 'questions[0]': key.json questions[0]: question 'k-one' field 'type': missing",
        ),
        (
            lambda d: d["questions"][0].update(tags=["zz"]),
            "field 'questions[0]': key.json questions[0]: question 'k-one' field 'tags': "
            "expected an object",
        ),
        (
            lambda d: d["questions"][2].update(tags="zz"),
            "question 'zz-calc' field 'tags': expected an object",
        ),
        (
            lambda d: d["questions"][2].update(stem=5),
            "question 'zz-calc' field 'stem': must be a string, got int 5",
        ),
    ],
)
def test_a_key_file_is_refused_at_the_edges_of_each_field(tmp_path, change, message):
    assert message in _broken(tmp_path, change)


def test_a_key_file_that_is_a_list_names_its_type(tmp_path):
    path = tmp_path / "key.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(KeyFileError, match=r"field 'format': expected '[^']+', got 'list'$"):
        read_key(path)


def test_a_long_unknown_question_id_is_echoed_in_80_characters(tmp_path):
    message = _broken(tmp_path, lambda d: d["students"][0]["questions"][0].update(id="Q" * 500))
    assert f"questions[0].id': '{'Q' * 80}' is not in 'questions'" in message


def test_a_long_question_error_is_cut_at_300_characters(tmp_path):
    message = _broken(tmp_path, lambda d: d["questions"][0].update(id="Q" * 1000))
    head = f"{tmp_path / 'key.json'}: field 'questions[0]': "
    assert message.startswith(head) and len(message) == len(head) + 300


def test_a_key_with_typed_and_banked_blanks_reads_back(tmp_path):
    blanks = question(
        "k-blanks",
        "fill_blank",
        stem="{{typed}} and {{banked}}",
        blanks=(Blank("typed", ("encoder",)), Blank("banked", ("prior",), ("prior", "noise"))),
    )
    blanks = replace(blanks, explanation="Why.")  # a key file's questions are validated again
    key = _key()
    questions = {**key.questions, blanks.id: blanks}
    versions = tuple(replace(v, question_ids=(*v.question_ids, blanks.id)) for v in key.versions)
    key = AssignmentKey(key.assignment, questions, versions)
    path = tmp_path / "key.json"
    path.write_text(dumps(key_document(key, "0.0.0")), encoding="utf-8")
    back = read_key(path)
    assert back.questions["k-blanks"] == blanks


def test_the_key_file_is_indented_in_writing_order_and_keeps_names_readable():
    document = key_document(_key(), "0.0.0")
    document["students"][0]["name"] = "Zoë"
    text = dumps(document)
    assert text == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert text.index('"format"') < text.index('"notice"') < text.index('"assignment"')
    assert '"name": "Zoë"' in text


def test_key_records_are_frozen_and_a_new_version_is_not_served_from_the_cache():
    key = _key()
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.assignment = "quiz-2"
    bo = key.version("s2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        bo.token = "t9"
    assert [q.id for q in key.questions_of(bo)] == ["k-one", "zz-calc"]
    # Another Version object of the same student (a key rebuilt with another order): its own
    # questions, not those cached for the first one.
    swapped = replace(bo, question_ids=("zz-calc", "k-one"))
    assert [q.id for q in key.questions_of(swapped)] == ["zz-calc", "k-one"]
    assert [q.id for q in key.questions_of(bo)] == ["k-one", "zz-calc"]


def test_a_choice_order_with_a_choice_of_another_question_is_refused():
    with pytest.raises(ValueError, match=r"choice order \['p', 'q', 'r', 'zz'\]"):
        ordered(MULTIPLE, ["p", "q", "r", "zz"])
    with pytest.raises(ValueError, match="choice order"):
        ordered(MULTIPLE, ["p", "q", "zz"])
