"""Marks at their boundaries, computed by hand: grades.csv's percent, the most chosen wrong
answer and the item analysis of a small class with two different wrong answers, and the latest
attempt of a hand-in counting (a right answer after a wrong one, and the reverse)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import stat
import statistics
from dataclasses import replace
from types import SimpleNamespace

import pytest
from test_instructor_support import assign_class, notebook_payload, right_answer, wrong_answer

from vae_course.quiz.handout_widget import AssignmentQuiz
from vae_course.quiz.responses import Attempt, Responses
from vae_course.quiz.schema import Blank, Choice, Tolerance
from vae_course_instructor import grade as grade_module
from vae_course_instructor.analysis import item_statistics, pearson
from vae_course_instructor.grade import (
    ItemResult,
    StudentResult,
    check_out_dir,
    describe,
    feedback_markdown,
    grade,
    grades_csv,
    item_rows,
    stem_markdown,
    write_grades,
)
from vae_course_instructor.handins import Rejected, read_handins
from vae_course_instructor.keyfile import read_key
from vae_course_instructor.roster import Student

from questions import question

SINGLE = question(
    "q-single",
    "single",
    stem="Which?",
    points=2,
    choices=(
        Choice("a", "right", correct=True),
        Choice("b", "often chosen"),
        Choice("c", "once chosen"),
        Choice("d", "never chosen"),
    ),
)
NUMBER = question(
    "q-number",
    "numeric",
    stem="How much, to one decimal?",
    points=1,
    answer=1.5,
    tolerance=Tolerance(absolute=0.05),
)
# Six students: (choice on q-single, number on q-number). q-single: a, a right; b three
# times, c once, d never. q-number right for students 1 and 3.
CLASS = [("a", 1.5), ("a", 9.0), ("b", 1.5), ("b", 9.0), ("b", 9.0), ("c", 9.0)]


def result(i: int, choice: str, number: float) -> StudentResult:
    items = []
    for q, answer in ((SINGLE, choice), (NUMBER, number)):
        right = answer == "a" if q is SINGLE else answer == 1.5
        items.append(ItemResult(q, answer, right, q.points if right else 0.0, ""))
    return StudentResult(Student(f"s{i}", f"Student {i}"), "graded", f"s{i}.json", tuple(items))


@pytest.fixture(scope="module")
def small_class():
    key = SimpleNamespace(
        questions={SINGLE.id: SINGLE, NUMBER.id: NUMBER},
        versions=[SimpleNamespace(question_ids=[SINGLE.id, NUMBER.id]) for _ in CLASS],
    )
    results = [result(i, c, n) for i, (c, n) in enumerate(CLASS, start=1)]
    return key, results


def test_grades_csv_percent_is_the_share_of_points_in_percent(small_class):
    key, results = small_class
    rows = list(csv.DictReader(io.StringIO(grades_csv(key, results))))
    # s1: 2 + 1 of 3 points; s2: 2 of 3; s3: 1 of 3; s4: 0 of 3.
    got = {r["student_id"]: (r["score"], r["max_score"], r["percent"]) for r in rows}
    assert got["s1"] == ("3", "3", "100.0")
    assert got["s2"] == ("2", "3", "66.7")
    assert got["s3"] == ("1", "3", "33.3")
    assert got["s4"] == ("0", "3", "0.0")
    assert [r["q-single"] for r in rows] == ["2", "2", "0", "0", "0", "0"]


def test_no_questions_is_zero_percent():
    key = SimpleNamespace(questions={}, versions=[])
    empty = StudentResult(Student("s0", "Nobody"), "no hand-in", "", ())
    row = next(csv.DictReader(io.StringIO(grades_csv(key, [empty]))))
    assert row["percent"] == "0.0"


def test_most_chosen_wrong_answer_of_two_different_ones(small_class):
    key, results = small_class
    rows = {r["question_id"]: r for r in item_rows(key, results)}
    single = rows["q-single"]
    assert single["most_chosen_wrong"] == "B. often chosen [b]"
    assert single["most_chosen_wrong_count"] == 3
    assert (single["graded"], single["answered"], single["correct"]) == (6, 6, 2)
    assert single["share_correct"] == "0.333"
    assert single["picks"] == "a*: 2; b: 3; c: 1; d: 0"
    number = rows["q-number"]
    assert number["most_chosen_wrong"] == "9" and number["most_chosen_wrong_count"] == 4


def test_a_tie_between_wrong_answers_is_broken_by_the_answer_text():
    key = SimpleNamespace(questions={SINGLE.id: SINGLE, NUMBER.id: NUMBER}, versions=[])
    results = [result(i, c, 1.5) for i, c in enumerate(["c", "b", "a"], start=1)]
    row = next(r for r in item_rows(key, results) if r["question_id"] == "q-single")
    assert row["most_chosen_wrong"] == "B. often chosen [b]"  # '"b"' < '"c"'
    assert row["most_chosen_wrong_count"] == 1


def test_item_analysis_by_hand(small_class):
    key, results = small_class
    rows = {r["question_id"]: r for r in item_rows(key, results)}
    # Scores on q-single x = [1, 1, 0, 0, 0, 0], rest (q-number) y = [1, 0, 1, 0, 0, 0]:
    # means 1/3; sum (x - mx)(y - my) = (4 - 2 - 2 + 3) / 9 = 1/3; sum (x - mx)^2 = 4/3 for
    # both; r = (1/3) / (4/3) = 0.25, and the same for q-number by symmetry.
    assert rows["q-single"]["discrimination"] == "0.250"
    assert rows["q-number"]["discrimination"] == "0.250"
    assert rows["q-single"]["review"] == "distractor d picked by nobody"
    assert rows["q-number"]["review"] == ""


# -- the latest attempt counts ---------------------------------------------------------------
@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("latest")
    handout, key_path, _ = assign_class(tmp)
    return tmp, handout, read_key(key_path)


@pytest.mark.slow  # its fixture runs `assign` in a subprocess (about 2 s of CPU)
def test_the_latest_attempt_counts(assigned):
    tmp, handout, key = assigned
    version = key.versions[0]
    sid = version.student.student_id
    questions = key.questions_of(version)
    nb = json.loads((handout / f"{sid}.ipynb").read_text(encoding="utf-8"))
    quiz = AssignmentQuiz.from_json(notebook_payload(nb))
    for q in questions:
        quiz.set_answer(q.id, right_answer(q, 0))
    document = quiz.responses_document(sid)
    by_id = {a["question_id"]: a for a in document["attempts"]}
    assert set(by_id) == {q.id for q in questions}
    # Question 0: wrong, then right (right counts). Question 1: right, then wrong (wrong
    # counts). The others: right once.
    first, second = questions[0], questions[1]
    wrong_first = {**by_id[first.id], "answer": wrong_answer(first)}
    wrong_last = {**by_id[second.id], "answer": wrong_answer(second)}
    document["attempts"] = [wrong_first, *document["attempts"], wrong_last]
    folder = tmp / "handins"
    folder.mkdir()
    (folder / f"responses-{sid}.json").write_text(json.dumps(document), encoding="utf-8")
    handins, rejected = read_handins(folder, key)
    assert rejected == [] and len(handins) == 1
    results = {r.student.student_id: r for r in grade(key, handins, rejected)}
    marks = {i.question.id: i.correct for i in results[sid].items}
    assert marks[first.id] is True
    assert marks[second.id] is False
    assert all(marks[q.id] for q in questions[2:])
    assert results[sid].score == sum(q.points for q in questions) - second.points


def test_responses_latest_is_the_last_attempt_of_that_question():
    responses = Responses()
    responses.attempts = [
        Attempt("q1", "a", True, 1, "2026-01-01T10:00:00+00:00"),
        Attempt("q2", "b", False, 0, "2026-01-01T10:01:00+00:00"),
        Attempt("q1", "c", False, 0, "2026-01-01T10:02:00+00:00"),
        Attempt("q2", "d", True, 1, "2026-01-01T10:03:00+00:00"),
    ]
    assert responses.latest("q1").answer == "c"
    assert responses.latest("q2").answer == "d"
    assert responses.latest("q3") is None


# -- what a student and the instructor read ----------------------------------------------------
BLANKS = question(
    "q-blanks",
    "fill_blank",
    stem="A {{first}} and a {{second}}.",
    blanks=(Blank("first", ("encoder",)), Blank("second", ("decoder",))),
)
MULTIPLE = question(
    "q-multiple",
    "multiple",
    stem="Which?",
    choices=(Choice("x", "ex", correct=True), Choice("y", "why"), Choice("z", "zed")),
)


@pytest.mark.parametrize(
    ("question", "answer", "text"),
    [
        (SINGLE, "b", "B. often chosen [b]"),
        (MULTIPLE, ["z", "x"], "A. ex [x]; C. zed [z]"),
        (BLANKS, {"first": "encoder", "second": "coder"}, "first: encoder; second: coder"),
        (NUMBER, 0.000125, "0.000125"),
        (NUMBER, 1.5, "1.5"),
        (SINGLE, None, "(no answer)"),
    ],
)
def test_describe_an_answer(question, answer, text):
    assert describe(question, answer) == text


def test_stem_markdown_numbers_the_gaps_from_one():
    assert stem_markdown(BLANKS) == "A ____ (1) and a ____ (2)."


def test_feedback_of_a_graded_and_a_missing_hand_in(small_class):
    _, results = small_class
    key = SimpleNamespace(assignment="quiz 1")
    text = feedback_markdown(key, results[2])  # s3: q-single wrong (b), q-number right
    assert text.startswith("# quiz 1: feedback for Student 3 (s3)\n\n**Score: 1 / 3**\n")
    assert "## Question 1 (0 / 2, not correct)" in text
    assert "## Question 2 (1 / 1, correct)" in text
    assert "- Your answer: B. often chosen [b]" in text
    assert "No graded hand-in" not in text
    missing = StudentResult(Student("s9", "Late"), "no hand-in", "", results[0].items)
    assert "No graded hand-in (no hand-in).\n" in feedback_markdown(key, missing)


def test_results_are_frozen(small_class):
    _, results = small_class
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].items[0].points = 99.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].status = "graded"


def test_the_output_folder_is_checked(tmp_path):
    check_out_dir(tmp_path / "new", replace=False)  # absent: fine
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty", replace=False)  # empty: fine
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="exists and is not a folder"):
        check_out_dir(tmp_path / "file", replace=True)
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    with pytest.raises(FileExistsError, match="exists and is not a folder"):
        check_out_dir(tmp_path / "link", replace=True)
    old = tmp_path / "old"
    old.mkdir()
    (old / "grades.csv").write_text("x")
    with pytest.raises(FileExistsError, match="is not empty; choose a new folder"):
        check_out_dir(old, replace=False)
    check_out_dir(old, replace=True)  # only grade's outputs: replaced
    (old / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"grade did not write \(notes.txt\)"):
        check_out_dir(old, replace=True)


def one_question_key():
    version = SimpleNamespace(student=Student("s1", "Ann"), question_ids=[SINGLE.id])
    return SimpleNamespace(
        assignment="quiz 1",
        questions={SINGLE.id: SINGLE},
        versions=[version],
        questions_of=lambda v: [SINGLE],
    )


def test_a_students_first_rejection_reason_is_reported():
    key = one_question_key()
    rejected = [
        Rejected("anon.json", "no student_id inside", None),
        Rejected("a.json", "first reason", "s1"),
        Rejected("b.json", "second reason", "s1"),
    ]
    (result,) = grade(key, [], rejected)
    assert result.status == "rejected: first reason"
    assert result.score == 0 and result.items[0].feedback == "Not answered."


def test_write_grades_whole_with_its_mode_and_replaces_an_earlier_run(tmp_path):
    key = one_question_key()
    results = [result(1, "b", 1.5)]
    results = [StudentResult(results[0].student, "graded", "s1.json", results[0].items[:1])]
    out = tmp_path / "deep" / "er" / "grades"
    written = write_grades(out, key, results, [])
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "feedback/s1.md",
        "grades.csv",
        "items.csv",
        "problems.csv",
    ]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755 & ~mask
    header = (out / "items.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("question_id,type,points,assigned,graded,answered,correct")
    write_grades(out, key, results, [Rejected("x.json", "bad", None)], replace=True)
    assert "x.json,bad" in (out / "problems.csv").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == ["grades"]  # nothing left aside


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    key = one_question_key()
    results = [StudentResult(Student("s1", "Ann"), "no hand-in", "", ())]

    def broken(*args):
        raise KeyboardInterrupt  # not an Exception: the cleanup must still run

    monkeypatch.setattr(grade_module, "feedback_markdown", broken)
    with pytest.raises(KeyboardInterrupt):
        write_grades(tmp_path / "out", key, results, [])
    assert list(tmp_path.iterdir()) == []


# -- item analysis at its thresholds -------------------------------------------------------------
def cohort(n_right: int, n: int, choice_wrong: str = "b") -> list[StudentResult]:
    """n students: the first n_right right on q-single; q-number right for the even ones."""
    return [
        result(i, "a" if i <= n_right else choice_wrong, 1.5 if i % 2 == 0 else 9.0)
        for i in range(1, n + 1)
    ]


@pytest.mark.parametrize(
    ("n_right", "n", "flag"),
    [
        (19, 20, "facility 0.95: nearly everyone is right"),  # exactly EASY
        (1, 20, "facility 0.05: nearly everyone is wrong"),  # exactly HARD
        (18, 20, None),  # 0.90
        (2, 20, None),  # 0.10
    ],
)
def test_facility_flags_at_their_thresholds(n_right, n, flag):
    (stats,) = [
        s
        for s in item_statistics({SINGLE.id: SINGLE, NUMBER.id: NUMBER}, cohort(n_right, n))
        if s.question_id == SINGLE.id
    ]
    assert stats.n == n and stats.facility == pytest.approx(n_right / n)
    facility_flags = [r for r in stats.review if r.startswith("facility")]
    assert facility_flags == ([] if flag is None else [flag])


@pytest.mark.parametrize(("n", "too_few"), [(4, True), (5, False)])
def test_statistics_from_five_students(n, too_few):
    stats = item_statistics({SINGLE.id: SINGLE, NUMBER.id: NUMBER}, cohort(2, n, "c"))
    single = next(s for s in stats if s.question_id == SINGLE.id)
    if too_few:
        assert single.review == (f"too few students ({n} < 5) for statistics",)
    else:
        assert "distractor b, d picked by nobody" in single.review


def test_negative_discrimination_is_flagged():
    # q-single right exactly for the students who get q-number wrong: r = -1.
    results = [result(i, "a" if i % 2 else "b", 1.5 if i % 2 == 0 else 9.0) for i in range(1, 7)]
    stats = item_statistics({SINGLE.id: SINGLE, NUMBER.id: NUMBER}, results)
    single = next(s for s in stats if s.question_id == SINGLE.id)
    assert single.discrimination == pytest.approx(-1.0)
    assert single.review[0] == "negative discrimination (-1.00): check the key and the wording"


def test_the_most_chosen_wrong_answer_wins_over_the_text_order():
    # c three times, b once: c is reported although '"b"' sorts first.
    key = SimpleNamespace(questions={SINGLE.id: SINGLE, NUMBER.id: NUMBER}, versions=[])
    results = [result(i, c, 1.5) for i, c in enumerate(["c", "b", "c", "c"], start=1)]
    row = next(r for r in item_rows(key, results) if r["question_id"] == "q-single")
    assert (row["most_chosen_wrong"], row["most_chosen_wrong_count"]) == ("C. once chosen [c]", 3)


def test_pearson_by_hand():
    # x = [0, 1, 2], y = [0, 1, 3]: sxy = 3, sxx = 2, syy = 14/3, r = 3 / sqrt(28/3).
    assert pearson([0, 1, 2], [0, 1, 3]) == pytest.approx(3 / math.sqrt(28 / 3), rel=1e-12)
    assert pearson([1, 1, 1], [1, 2, 3]) is None  # no spread in x
    assert pearson([1, 2, 3], [5, 5, 5]) is None  # no spread in y
    assert pearson([1, 2], [1, 2]) is None  # fewer than three


def test_zero_discrimination_is_not_flagged():
    # Scores x = [1, 1, 0, 0, 0, 0], rests y = [1, 0, 1, 1, 0, 0]: sxy = 0 exactly.
    results = [
        result(i, c, n)
        for i, (c, n) in enumerate(
            [("a", 1.5), ("a", 9.0), ("b", 1.5), ("b", 1.5), ("b", 9.0), ("c", 9.0)], start=1
        )
    ]
    single = item_statistics({SINGLE.id: SINGLE, NUMBER.id: NUMBER}, results)[0]
    assert single.discrimination == 0.0
    assert not any("negative" in r for r in single.review)


def test_discrimination_uses_the_share_of_the_other_questions_points():
    # Two versions: q-single beside q-number (1 point) or beside q-blanks (3 points). The rest
    # score is a share of the other questions' points, so versions compare.
    big = replace(BLANKS, points=3)
    plan = [("a", NUMBER, 1.0), ("a", big, 1 / 3), ("b", NUMBER, 0.0), ("b", big, 1.0)]
    plan += [("c", NUMBER, 1.0), ("a", big, 0.0)]
    results, xs, ys = [], [], []
    for i, (choice, other, share) in enumerate(plan, start=1):
        right = choice == "a"
        items = (
            ItemResult(SINGLE, choice, right, 2.0 if right else 0.0, ""),
            ItemResult(other, None, share == 1.0, share * other.points, ""),
        )
        results.append(StudentResult(Student(f"s{i}", "x"), "graded", "", items))
        xs.append(1.0 if right else 0.0)
        ys.append(share)
    questions = {SINGLE.id: SINGLE, NUMBER.id: NUMBER, big.id: big}
    single = item_statistics(questions, results)[0]
    assert single.discrimination == pytest.approx(statistics.correlation(xs, ys), rel=1e-12)


def test_picks_of_multiple_answers_and_of_a_word_bank():
    multiple = [
        ItemResult(MULTIPLE, ["x", "z"], False, 0.0, ""),
        ItemResult(MULTIPLE, ["x"], True, 1.0, ""),
        ItemResult(MULTIPLE, None, False, 0.0, ""),
    ]
    bank = replace(
        BLANKS,
        id="q-bank",
        blanks=(Blank("first", ("encoder",), word_bank=("encoder", "decoder", "prior")),),
    )
    words = [
        ItemResult(bank, {"first": w}, w == "encoder", float(w == "encoder"), "")
        for w in ("decoder", "encoder", "decoder")
    ]
    typed = [ItemResult(BLANKS, {"first": "a", "second": "b"}, False, 0.0, "")]
    results = [
        StudentResult(Student(f"s{i}", "x"), "graded", "", items)
        for i, items in enumerate(
            [(multiple[0], words[0], typed[0]), (multiple[1], words[1]), (multiple[2], words[2])]
        )
    ]
    stats = {
        s.question_id: s
        for s in item_statistics({q.id: q for q in (MULTIPLE, bank, BLANKS)}, results)
    }
    assert stats["q-multiple"].picks_text() == "x*: 2; y: 0; z: 1"
    assert stats["q-bank"].picks_text() == "encoder*: 1; decoder: 2; prior: 0"
    assert stats["q-blanks"].picks == ()  # typed blanks: no picks


def test_describe_a_single_choice_with_a_long_id():
    q = replace(SINGLE, choices=(Choice("gauss", "G", correct=True), Choice("unif", "U")))
    assert describe(q, "unif") == "B. U [unif]"


def test_no_wrong_answer_counts_zero(small_class):
    key = SimpleNamespace(questions={SINGLE.id: SINGLE, NUMBER.id: NUMBER}, versions=[])
    results = [result(i, "a", 1.5) for i in range(1, 4)]
    row = next(r for r in item_rows(key, results) if r["question_id"] == "q-single")
    assert (row["most_chosen_wrong"], row["most_chosen_wrong_count"]) == ("", 0)


def test_write_grades_refuses_a_used_folder_unless_told(tmp_path):
    key = one_question_key()
    results = [StudentResult(Student("s1", "Ann"), "no hand-in", "", ())]
    write_grades(tmp_path / "out", key, results, [])
    with pytest.raises(FileExistsError, match="is not empty"):
        write_grades(tmp_path / "out", key, results, [])
    for name in "abcdef":
        (tmp_path / "out" / f"{name}.txt").write_text("x")
    with pytest.raises(FileExistsError, match=r"\(a.txt, b.txt, c.txt, d.txt, e.txt\);"):
        write_grades(tmp_path / "out", key, results, [], replace=True)  # the first five


def test_picks_with_long_choice_ids_and_the_first_of_two_word_banks():
    single = replace(SINGLE, choices=(Choice("gauss", "G", correct=True), Choice("unif", "U")))
    two = replace(
        BLANKS,
        blanks=(
            Blank("first", ("encoder",), word_bank=("encoder", "decoder")),
            Blank("second", ("prior",), word_bank=("prior", "noise")),
        ),
    )
    results = [
        StudentResult(
            Student(f"s{i}", "x"),
            "graded",
            "",
            (
                ItemResult(single, c, c == "gauss", float(c == "gauss"), ""),
                ItemResult(two, {"first": w, "second": "noise"}, False, 0.0, ""),
            ),
        )
        for i, (c, w) in enumerate([("unif", "decoder"), ("gauss", "decoder")])
    ]
    stats = {s.question_id: s for s in item_statistics({single.id: single, two.id: two}, results)}
    assert stats[single.id].picks_text() == "gauss*: 1; unif: 1"
    assert stats[two.id].picks_text() == "encoder*: 0; decoder: 2"  # the first blank's words
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats[single.id].n = 0


@pytest.mark.parametrize("banked", ["first", "second"])
def test_picks_follow_the_first_blank_whether_or_not_the_last_has_a_word_bank(banked):
    bank = ("encoder", "decoder")
    blanks = (
        Blank("first", ("encoder",), word_bank=bank if banked == "first" else None),
        Blank("second", ("encoder",), word_bank=bank if banked == "second" else None),
    )
    q = replace(BLANKS, id="q-mixed", blanks=blanks)
    results = [
        StudentResult(
            Student(f"s{i}", "x"),
            "graded",
            "",
            (ItemResult(q, {"first": w, "second": "decoder"}, False, 0.0, ""),),
        )
        for i, w in enumerate(["decoder", "encoder", "decoder"])
    ]
    (stats,) = item_statistics({q.id: q}, results)
    # Picks are counted for a first blank with a word bank; a typed first blank has none.
    expected = "encoder*: 1; decoder: 2" if banked == "first" else ""
    assert stats.picks_text() == expected


def test_the_rest_score_of_a_student_with_this_question_alone_is_zero():
    # s1..s3 answered both questions; s4's version held q-single only, so their rest score is
    # 0.0. Scores on q-single x = [1, 0, 1, 1], rest y = [1, 0, 0, 0]: means 3/4 and 1/4,
    # sum (x - mx)(y - my) = 1/4, sum (x - mx)^2 = sum (y - my)^2 = 3/4, so r = 1/3.
    results = [result(1, "a", 1.5), result(2, "b", 9.0), result(3, "a", 9.0)]
    alone = ItemResult(SINGLE, "a", True, SINGLE.points, "")
    results.append(StudentResult(Student("s4", "Student 4"), "graded", "s4.json", (alone,)))
    stats = {s.question_id: s for s in item_statistics({SINGLE.id: SINGLE}, results)}
    assert stats[SINGLE.id].n == 4
    assert stats[SINGLE.id].discrimination == pytest.approx(1 / 3, rel=1e-12)


def _failing_rmtree(path, ignore_errors=False):
    """shutil.rmtree on a disk where the removal fails (a busy NFS file, say)."""
    if not ignore_errors:
        raise PermissionError(f"cannot remove {path}")


def test_grades_are_written_when_the_old_copy_cannot_be_removed(tmp_path, monkeypatch):
    key = one_question_key()
    results = [StudentResult(Student("s1", "Ann"), "no hand-in", "", ())]
    write_grades(tmp_path / "out", key, results, [])
    monkeypatch.setattr(grade_module.shutil, "rmtree", _failing_rmtree)
    paths = write_grades(tmp_path / "out", key, results, [], replace=True)
    assert (tmp_path / "out" / "grades.csv") in paths and paths[0].is_file()


def test_a_failed_write_reports_its_own_error_not_the_clean_ups(tmp_path, monkeypatch):
    key = one_question_key()
    results = [StudentResult(Student("s1", "Ann"), "no hand-in", "", ())]

    def broken(*args):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(grade_module, "grades_csv", broken)
    monkeypatch.setattr(grade_module.shutil, "rmtree", _failing_rmtree)
    with pytest.raises(RuntimeError, match="the disk is full"):
        write_grades(tmp_path / "out", key, results, [])
    assert not (tmp_path / "out").exists()


def test_write_grades_takes_every_argument_by_name(tmp_path):
    key = one_question_key()
    results = [StudentResult(Student("s1", "Ann"), "no hand-in", "", ())]
    paths = write_grades(out_dir=tmp_path / "out", key=key, results=results, rejected=[])
    assert paths[0].name == "grades.csv"
