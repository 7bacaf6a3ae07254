"""`vae-course grade`: a synthetic class graded as planned, and hostile hand-ins refused."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import pytest
from test_instructor_support import assign_class, cli, make_handins, read_grades

from vae_course_instructor.keyfile import read_key


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grade")
    handout, key_path, _ = assign_class(tmp)
    key = read_key(key_path)
    synthetic = make_handins(key, handout, tmp / "handins")
    result = cli("grade", "handins", "--key", str(key_path), "--out", "grades", cwd=tmp)
    assert result.returncode == 0, result.stderr
    return tmp, key, synthetic, result


def test_grades_match_the_planned_answers(graded):
    tmp, key, synthetic, _ = graded
    rows = read_grades(tmp / "grades/grades.csv")
    assert list(rows) == [v.student.student_id for v in key.versions]
    for version in key.versions:
        sid = version.student.student_id
        row = rows[sid]
        questions = {q.id: q for q in key.questions_of(version)}
        if sid not in synthetic.handed_in:
            assert row["status"] == "no hand-in" and float(row["score"]) == 0
            continue
        assert row["status"] == "graded"
        expected = sum(q.points for qid, q in questions.items() if synthetic.expected[sid][qid])
        assert float(row["score"]) == pytest.approx(expected)
        assert float(row["max_score"]) == pytest.approx(sum(q.points for q in questions.values()))
        for qid, q in questions.items():
            want = q.points if synthetic.expected[sid][qid] else 0
            assert float(row[qid]) == pytest.approx(want), (sid, qid)


def test_item_statistics_count_the_class(graded):
    tmp, key, synthetic, _ = graded
    with open(tmp / "grades/items.csv", newline="") as handle:
        items = {row["question_id"]: row for row in csv.DictReader(handle)}
    assert set(items) == set(key.questions)
    for qid, row in items.items():
        marks = [synthetic.expected[s][qid] for s in synthetic.handed_in]
        assert int(row["graded"]) == len(marks)
        assert int(row["correct"]) == sum(marks)
        assert float(row["share_correct"]) == pytest.approx(sum(marks) / len(marks), abs=5e-4)
        wrong = int(row["answered"]) - int(row["correct"])
        assert (int(row["most_chosen_wrong_count"]) > 0) == (wrong > 0)


def test_feedback_per_student_names_score_and_answers(graded):
    tmp, key, synthetic, _ = graded
    rows = read_grades(tmp / "grades/grades.csv")
    for version in key.versions:
        sid = version.student.student_id
        text = (tmp / "grades/feedback" / f"{sid}.md").read_text(encoding="utf-8")
        assert f"({sid})" in text
        assert f"**Score: {rows[sid]['score']} / {rows[sid]['max_score']}**" in text
        assert text.count("- Correct answer:") == len(version.question_ids)
        assert "{{" not in text  # blanks are shown as gaps, not placeholders


# -- hostile and malformed hand-ins -----------------------------------------------------------
def _valid(tmp: Path, name: str) -> dict:
    return json.loads((tmp / "handins" / name).read_text(encoding="utf-8"))


def test_hostile_handins_are_reported_by_name_skipped_and_left_untouched(graded):
    tmp, key, synthetic, _ = graded
    good = tmp / "handins"
    bad = tmp / "hostile"
    bad.mkdir()
    # A well-formed file of s001 to start from (saved by the assignment notebook's quiz).
    base = _valid(tmp, "responses-s001.json")
    version = key.version("s001")
    choice_q = next(q for q in key.questions_of(version) if q.choices)
    other = next(v for v in key.versions if v.student.student_id != "s001")

    def put(name: str, data) -> None:
        raw = data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")
        (bad / name).write_bytes(raw)

    put("bad-json.json", b'{"format": "vae-course-responses", "attempts": [')
    put("huge.json", b'{"pad": "' + b"x" * (1 << 20) + b'"}')
    put("garbage.json", os.urandom(4096) + b"\xff\xfe\x00")
    wrong_owner = dict(base)  # s001's answers in a file named for s003
    put("responses-s003.json", wrong_owner)
    put("unknown-student.json", {**base, "student_id": "mallory"})
    extra = json.loads(json.dumps(base))
    extra["questions"]["sampling-smuggled"] = {
        "chapter": "x",
        "points": 5,
        "content_hash": "sha256:0",
    }
    put("extra-question-s001.json", extra)
    ghost = json.loads(json.dumps(base))
    ghost["attempts"].append(
        {
            "question_id": choice_q.id,
            "answer": "no-such-choice" if choice_q.type == "single" else ["no-such-choice"],
            "correct": True,
            "points": 1,
            "time": "2026-01-01T00:00:00+00:00",
        }
    )
    put("ghost-choice-s001.json", ghost)
    put("old-format-s001.json", {**base, "format_version": 99})
    missing = {k: v for k, v in base.items() if k != "attempts"}
    put("missing-field-s001.json", missing)
    tampered = json.loads(json.dumps(base))
    tampered["questions"][choice_q.id]["content_hash"] = "sha256:" + "0" * 64
    put("tampered-hash-s001.json", tampered)
    notebook = json.loads((tmp / "handout" / f"{other.student.student_id}.ipynb").read_text())
    put(f"{other.student.student_id}-no-responses.ipynb", notebook)
    put("deep.json", b"[" * 200000 + b"]" * 200000)
    put("notes.txt", b"not a hand-in")
    # Two different files of one student: neither may be graded.
    twin = json.loads(json.dumps(base))
    twin["attempts"] = twin["attempts"][:1]
    put("responses-s001-again.json", twin)
    put("responses-s001.json", base)
    (bad / "link.json").symlink_to(good / "responses-s001.json")

    before = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.lstat().st_mtime_ns)
        for p in bad.iterdir()
    }
    result = cli(
        "grade", "hostile", "--key", str(tmp / "instructor/key.json"), "--out", "g2", cwd=tmp
    )
    assert result.returncode == 0, result.stderr
    after = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.lstat().st_mtime_ns)
        for p in bad.iterdir()
    }
    assert after == before  # nothing changed, moved or lost

    with open(tmp / "g2/problems.csv", newline="") as handle:
        problems = {row["file"]: row["problem"] for row in csv.DictReader(handle)}
    expect = {
        "bad-json.json": "not valid JSON",
        "huge.json": "larger than the limit",
        "garbage.json": "not UTF-8",
        "responses-s003.json": "the file name says 's003'",
        "unknown-student.json": "unknown student 'mallory'",
        "extra-question-s001.json": "extra question",
        "ghost-choice-s001.json": "no-such-choice",
        "old-format-s001.json": "format_version",
        "missing-field-s001.json": "attempts",
        "tampered-hash-s001.json": "content_hash does not match",
        f"{other.student.student_id}-no-responses.ipynb": "without saved responses",
        "deep.json": "not valid JSON",
        "notes.txt": "not a .json or .ipynb",
        "link.json": "symbolic link",
        "responses-s001.json": "different answers",
        "responses-s001-again.json": "different answers",
    }
    for name, words in expect.items():
        assert name in problems, (name, sorted(problems))
        assert words in problems[name], (name, problems[name])
        assert f"skipped {name}:" in result.stderr
    rows = read_grades(tmp / "g2/grades.csv")
    assert rows["s001"]["status"].startswith("rejected: ")
    assert all(row["status"] != "graded" for row in rows.values())


def test_identical_duplicates_count_once(graded, tmp_path):
    tmp, key, synthetic, _ = graded
    folder = tmp_path / "dups"
    folder.mkdir()
    data = (tmp / "handins/responses-s001.json").read_bytes()
    (folder / "responses-s001.json").write_bytes(data)
    (folder / "copy-of-responses-s001.json").write_bytes(data)
    result = cli(
        "grade",
        str(folder),
        "--key",
        str(tmp / "instructor/key.json"),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stderr
    rows = read_grades(tmp_path / "out/grades.csv")
    first = read_grades(tmp / "grades/grades.csv")
    assert rows["s001"]["status"] == "graded" and rows["s001"]["score"] == first["s001"]["score"]
    assert "counted once" in (tmp_path / "out/problems.csv").read_text()


def test_grade_refuses_an_output_folder_inside_the_handins(graded):
    tmp, *_ = graded
    result = cli(
        "grade", "handins", "--key", "instructor/key.json", "--out", "handins/out", cwd=tmp
    )
    assert result.returncode == 1 and "--out" in result.stderr
    assert not (tmp / "handins/out").exists()


def test_items_csv_holds_the_item_analysis_recomputed_from_grades_csv(graded):
    """Discrimination is the corrected item-total correlation: recomputed here from grades.csv
    (a question's share of points against the share of the student's other points)."""
    import statistics

    tmp, key, synthetic, _ = graded
    grades = read_grades(tmp / "grades/grades.csv")
    with open(tmp / "grades/items.csv", newline="") as handle:
        items = {row["question_id"]: row for row in csv.DictReader(handle)}
    checked = 0
    for qid, q in key.questions.items():
        xs, ys = [], []
        for row in grades.values():
            if row["status"] != "graded" or row[qid] == "":
                continue
            points, score = float(row[qid]), float(row["score"])
            rest_max = float(row["max_score"]) - q.points
            xs.append(points / q.points)
            ys.append((score - points) / rest_max if rest_max else 0.0)
        spread = len(xs) >= 3 and len(set(xs)) > 1 and len(set(ys)) > 1
        if not spread:
            assert items[qid]["discrimination"] == ""
            continue
        want = statistics.correlation(xs, ys)
        assert float(items[qid]["discrimination"]) == pytest.approx(want, abs=5e-4), qid
        checked += 1
        if q.type in ("single", "multiple"):
            picks = dict(p.split(": ") for p in items[qid]["picks"].split("; "))
            assert set(picks) == {c.id + "*" * c.correct for c in q.choices}
    assert checked >= 3
