"""Grading that no hand-in can break, identity, and outputs that are safe to open (issue 13).

Each case is one hostile or broken hand-in beside the synthetic class's good ones; every run
must exit 0, write complete results, name the bad file, and say "rejected: <reason>" for a
student whose only files were rejected.
"""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest
from test_instructor_support import assign_class, cli, make_handins, read_grades

from vae_course_instructor.keyfile import read_key
from vae_course_instructor.text import clean, csv_cell


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    handout, key_path, _ = assign_class(tmp)
    key = read_key(key_path)
    make_handins(key, handout, tmp / "handins")
    good = json.loads((tmp / "handins/responses-s001.json").read_text(encoding="utf-8"))
    return tmp, key, good


def _grade(tmp: Path, folder: Path, out: str, *extra: str):
    result = cli(
        "grade", str(folder), "--key", "instructor/key.json", "--out", out, *extra, cwd=tmp
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with open(tmp / out / "problems.csv", newline="", encoding="utf-8") as handle:
        problems = {row["file"]: row["problem"] for row in csv.DictReader(handle)}
    rows = read_grades(tmp / out / "grades.csv")
    key = read_key(tmp / "instructor/key.json")
    assert list(rows) == [v.student.student_id for v in key.versions]  # complete
    items = (tmp / out / "items.csv").read_text(encoding="utf-8").splitlines()
    assert len(items) == 1 + len(key.questions)
    return result, rows, problems


def _folder(tmp: Path, name: str) -> Path:
    folder = tmp / name
    folder.mkdir()
    return folder


def _typed_question(key, sid):
    version = key.version(sid)
    return next(
        q for q in key.questions_of(version) if q.type == "fill_blank" and q.blanks[0].typed
    )


def test_a_lone_surrogate_in_a_typed_answer_is_graded_as_wrong(classroom):
    tmp, key, good = classroom
    folder = _folder(tmp, "surrogate")
    q = _typed_question(key, "s001")
    doc = json.loads(json.dumps(good))
    doc["attempts"].append(
        {
            "question_id": q.id,
            "answer": {b.name: "\ud800" for b in q.blanks},
            "correct": False,
            "points": 0,
            "time": "2026-01-01T00:00:00+00:00",
        }
    )
    if q.id not in doc["questions"]:
        pytest.skip("s001 did not answer the typed question in the synthetic plan")
    # json.dumps writes the lone surrogate as the escape \ud800, as a hostile file would.
    (folder / "responses-s001.json").write_text(json.dumps(doc), encoding="utf-8")
    _, rows, problems = _grade(tmp, folder, "g-surrogate")
    assert rows["s001"]["status"] == "graded" and float(rows["s001"][q.id]) == 0
    feedback = (tmp / "g-surrogate/feedback/s001.md").read_text(encoding="utf-8")
    assert "\ud800" not in feedback and "?" in feedback


def test_a_file_name_that_is_not_utf8_is_reported_and_grading_goes_on(classroom):
    tmp, key, good = classroom
    folder = _folder(tmp, "bytes-name")
    raw = json.dumps(good).encode("utf-8")
    os.makedirs(os.fsencode(folder), exist_ok=True)
    with open(os.path.join(os.fsencode(folder), b"responses-s001-\xff\xfe.json"), "wb") as handle:
        handle.write(raw)
    (folder / "responses-s002.json").write_bytes(b"{broken")
    _, rows, problems = _grade(tmp, folder, "g-bytes")
    assert rows["s001"]["status"] == "graded"
    assert rows["s001"]["file"] == "responses-s001-??.json"
    assert rows["s002"]["status"].startswith("rejected: not valid JSON")


def test_a_fifo_is_skipped_without_being_opened(classroom):
    tmp, key, good = classroom
    folder = _folder(tmp, "fifo")
    os.mkfifo(folder / "responses-s001.json")  # opening it for reading would block forever
    (folder / "responses-s002.json").write_text(json.dumps(good))  # s001's answers, named s002
    result, rows, problems = _grade(tmp, folder, "g-fifo")
    assert "not a regular file" in problems["responses-s001.json"]
    assert rows["s001"]["status"].startswith("rejected: not a regular file")
    assert stat.S_ISFIFO(os.lstat(folder / "responses-s001.json").st_mode)


@pytest.mark.parametrize(
    ("name", "edit", "reason"),
    [
        ("nan", lambda t: t.replace('"points": 1', '"points": NaN', 1), "NaN is not a JSON number"),
        ("inf", lambda t: t.replace('"points": 1', '"points": Infinity', 1), "Infinity"),
        (
            "assignment",
            lambda t: t.replace('"assignment": "syn"', '"assignment": "other"'),
            "for assignment 'other'",
        ),
        ("no-token", lambda t: t.replace('"token"', '"tokn"'), "no identity token"),
    ],
)
def test_rejected_is_not_absent(classroom, name, edit, reason):
    tmp, key, good = classroom
    folder = _folder(tmp, f"rejected-{name}")
    text = edit(json.dumps(good))
    assert text != json.dumps(good)
    (folder / "responses-s001.json").write_text(text, encoding="utf-8")
    _, rows, problems = _grade(tmp, folder, f"g-{name}")
    assert reason in problems["responses-s001.json"]
    assert rows["s001"]["status"] == "rejected: " + clean(problems["responses-s001.json"])
    assert rows["s002"]["status"] == "no hand-in"


def test_a_byte_order_mark_is_accepted(classroom):
    tmp, key, good = classroom
    folder = _folder(tmp, "bom")
    (folder / "responses-s001.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(good).encode())
    _, rows, problems = _grade(tmp, folder, "g-bom")
    assert rows["s001"]["status"] == "graded" and problems == {}


# -- identity ---------------------------------------------------------------------------------
def test_a_file_for_another_student_is_rejected_by_name_and_the_real_one_graded(classroom):
    tmp, key, good = classroom
    folder = _folder(tmp, "impostor")
    real = json.loads((tmp / "handins/responses-s004.json").read_text())
    forged = dict(good, student_id="s004")  # s001 hands in "for" s004 with their own token
    (folder / "responses-s004-forged.json").write_text(json.dumps(forged))
    _, rows, problems = _grade(tmp, folder, "g-impostor-alone")
    assert "identity token is not s004's" in problems["responses-s004-forged.json"]
    assert rows["s004"]["status"].startswith("rejected: the identity token")
    (folder / "responses-s004.json").write_text(json.dumps(real))
    _, rows, problems = _grade(tmp, folder, "g-impostor")
    assert rows["s004"]["status"] == "graded" and rows["s004"]["file"] == "responses-s004.json"
    assert "duplicate" not in problems["responses-s004-forged.json"]


def test_lms_download_folders_must_name_the_files_student(classroom):
    tmp, key, good = classroom
    folder = _folder(tmp, "lms")
    moodle = folder / "Alan Turing_2001_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "responses-s001.json").write_text(json.dumps(good))  # s001's file in s002's folder
    own = folder / "Ada Lovelace_2002_assignsubmission_file_"
    own.mkdir()
    (own / "my answers.json").write_text(json.dumps(good))
    _, rows, problems = _grade(tmp, folder, "g-moodle")
    name = "Alan Turing_2001_assignsubmission_file_/responses-s001.json"
    assert "the Moodle folder names 'Alan Turing'" in problems[name]
    assert rows["s001"]["status"] == "graded"
    assert rows["s001"]["file"] == "Ada Lovelace_2002_assignsubmission_file_/my answers.json"

    canvas = _folder(tmp, "canvas")
    (canvas / "turingalan_1717_2323_responses-s001.json").write_text(json.dumps(good))
    _, rows, problems = _grade(tmp, canvas, "g-canvas-wrong")
    assert (
        "the Canvas file name names 'turingalan'"
        in problems["turingalan_1717_2323_responses-s001.json"]
    )
    (canvas / "turingalan_1717_2323_responses-s001.json").rename(
        canvas / "lovelaceada_late_1818_2424_responses-s001.json"
    )
    _, rows, problems = _grade(tmp, canvas, "g-canvas-right")
    assert rows["s001"]["status"] == "graded" and problems == {}


# -- outputs ----------------------------------------------------------------------------------
def test_a_used_output_folder_is_refused_unless_replaced(classroom):
    tmp, key, good = classroom
    folder = _folder(tmp, "twice")
    (folder / "responses-s001.json").write_text(json.dumps(good))
    _grade(tmp, folder, "g-twice")
    first = (tmp / "g-twice/grades.csv").read_bytes()
    again = cli("grade", str(folder), "--key", "instructor/key.json", "--out", "g-twice", cwd=tmp)
    assert again.returncode == 1 and "--replace" in again.stderr
    (folder / "responses-s001.json").unlink()
    _grade(tmp, folder, "g-twice", "--replace")
    assert (tmp / "g-twice/grades.csv").read_bytes() != first
    assert not list(tmp.glob(".g-twice*"))  # no temporary folder left behind
    (tmp / "mine").mkdir()
    (tmp / "mine/thesis.tex").write_text("precious")
    refused = cli(
        "grade", str(folder), "--key", "instructor/key.json", "--out", "mine", "--replace", cwd=tmp
    )
    assert refused.returncode == 1 and "thesis.tex" in refused.stderr
    assert (tmp / "mine/thesis.tex").read_text() == "precious"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+2", "'+1+2"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'?TAB"),
        ("\rCR", "'?CR"),
        ("-0.5", "-0.5"),
        ("+3", "+3"),
        ("1e-3", "1e-3"),
        (-2, -2),
        (0.25, 0.25),
        ("plain", "plain"),
    ],
)
def test_csv_cells_cannot_be_formulas_and_numbers_stay_numbers(value, cell):
    assert csv_cell(value) == cell


def test_file_and_roster_names_reach_the_csv_and_terminal_defused(classroom, tmp_path):
    tmp, key, good = classroom
    folder = _folder(tmp, "inject")
    (folder / '=HYPERLINK("http:evil","click") s001.json').write_text(json.dumps(good))
    (folder / "\x1b[2J\x1b[31mred s002.json").write_text("{")
    long_answer = json.loads(json.dumps(good))
    q = _typed_question(key, "s003")
    (tmp / "long").mkdir()
    doc = json.loads(
        (tmp / "handins/Grace Hopper_1002_assignsubmission_file_/responses-s003.json").read_text()
    )
    doc["attempts"].append(
        {
            "question_id": q.id,
            "answer": {b.name: "x" * 100_000 for b in q.blanks},
            "correct": False,
            "points": 0,
            "time": "2026-01-01T00:00:00+00:00",
        }
    )
    if q.id in doc["questions"]:
        (folder / "responses-s003.json").write_text(json.dumps(doc))
    del long_answer
    result, rows, problems = _grade(tmp, folder, "g-inject")
    text = (tmp / "g-inject/grades.csv").read_text()
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert rows["s001"]["file"].startswith("'=HYPERLINK")
    assert "\x1b" not in result.stderr + result.stdout
    assert "\x1b" not in (tmp / "g-inject/problems.csv").read_text()
    if q.id in doc["questions"]:
        feedback = (tmp / "g-inject/feedback/s003.md").read_text()
        assert max(len(line) for line in feedback.splitlines()) < 2000


def test_owner_in_a_file_name_is_a_whole_word_found_by_set_lookups():
    from vae_course_instructor.folders import _Reject, claimed_owner, names_match

    ids = frozenset({"s1", "s12", "ab.c", "x-1"})
    assert claimed_owner("responses-s12.json", ids) == "s12"
    assert claimed_owner("sub/ab.c_final.json", ids) == "ab.c"
    assert claimed_owner("s123.json", ids) is None  # not a whole word
    assert claimed_owner("x-1.json", ids) == "x-1"
    with pytest.raises(_Reject, match="several students"):
        claimed_owner("s1-and-s12.json", ids)
    assert names_match("lovelaceada", "Ada Lovelace")
    assert names_match("Émile Borel", "Emile Borel") and not names_match("turingalan", "Ada X")
    assert names_match("wangli", "王力")  # no Latin letters to compare with: not held against
