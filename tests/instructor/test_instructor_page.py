"""The students' views: the page in headless Chromium and the notebook in a kernel, graded."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient
from test_instructor_support import assign_class, cli, read_grades, right_answer, wrong_answer

from vae_course_instructor.keyfile import read_key

from browser import chromium, open_page, static_server


@pytest.fixture(scope="module")
def page_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("page")
    handout, key_path, _ = assign_class(tmp)
    key = read_key(key_path)
    version = key.versions[0]
    sid = version.student.student_id
    questions = key.questions_of(version)
    plan = {q.id: (i % 2 == 0) for i, q in enumerate(questions)}
    skipped = questions[-1].id  # left unanswered on purpose
    (tmp / "handins").mkdir()
    with static_server(handout) as base, chromium() as browser:
        page, problems = open_page(browser, base + f"{sid}.html", accept_downloads=True)
        for number, q in enumerate(questions, start=1):
            if q.id == skipped:
                continue
            answer = right_answer(q, 1) if plan[q.id] else wrong_answer(q)
            form = page.locator(f"#q{number}")
            if q.type == "single":
                form.locator(f"input[value='{answer}']").check()
            elif q.type == "multiple":
                for cid in answer:
                    form.locator(f"input[value='{cid}']").check()
            elif q.type == "fill_blank":
                for name, word in answer.items():
                    box = form.locator(f"[data-blank='{name}']")
                    if box.evaluate("e => e.tagName") == "SELECT":
                        box.select_option(word)
                    else:
                        box.fill(f"  {word} ")
            else:
                form.locator("input").fill(str(answer).replace("-", "\u2212"))
        with page.expect_download() as info:
            page.click("#vaes-download")
        download = info.value
        assert download.suggested_filename == f"responses-{sid}.json"
        download.save_as(tmp / "handins" / download.suggested_filename)
        status = page.locator("#vaes-status").inner_text()
        assert problems.console_errors == [] and problems.blocked == []
    result = cli("grade", "handins", "--key", str(key_path), "--out", "grades", cwd=tmp)
    assert result.returncode == 0, result.stderr
    return tmp, key, version, plan, skipped, status


def test_the_page_records_answers_that_grade_accepts(page_run):
    tmp, key, version, plan, skipped, status = page_run
    sid = version.student.student_id
    row = read_grades(tmp / "grades/grades.csv")[sid]
    assert row["status"] == "graded", (tmp / "grades/problems.csv").read_text()
    for q in key.questions_of(version):
        got = float(row[q.id])
        assert got == (q.points if plan[q.id] and q.id != skipped else 0), q.id
    n = len(version.question_ids)
    assert status.startswith(f"Saved {n - 1} of {n} answers.") and "not answered" in status


def test_the_downloaded_file_is_a_responses_file_without_grades(page_run):
    tmp, key, version, *_ = page_run
    sid = version.student.student_id
    data = json.loads((tmp / "handins" / f"responses-{sid}.json").read_text())
    assert data["format"] == "vae-course-responses" and data["student_id"] == sid
    assert all(a["correct"] is False and a["points"] == 0 for a in data["attempts"])


def test_the_student_notebook_runs_saves_and_is_graded_when_handed_in(tmp_path):
    """Execute a student's notebook in a kernel, answering as the student would between the
    quiz cell and the save cell; the executed notebook itself is the hand-in."""
    handout, key_path, _ = assign_class(tmp_path)
    key = read_key(key_path)
    version = key.versions[1]
    sid = version.student.student_id
    questions = key.questions_of(version)
    nb = nbformat.read(handout / f"{sid}.ipynb", as_version=4)
    answers = {q.id: right_answer(q, 0) for q in questions[:3]}
    answers.update({q.id: wrong_answer(q) for q in questions[3:]})
    lines = [f"quiz.set_answer({qid!r}, {answer!r})" for qid, answer in answers.items()]
    nb.cells.insert(3, nbformat.v4.new_code_cell("\n".join(lines)))
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(handout)}}
    ).execute()
    assert (handout / f"responses-{sid}.json").is_file()
    (tmp_path / "handins").mkdir()
    nbformat.write(nb, tmp_path / "handins" / f"{sid}.ipynb")
    result = cli("grade", "handins", "--key", str(key_path), "--out", "grades", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    row = read_grades(tmp_path / "grades/grades.csv")[sid]
    assert row["status"] == "graded" and row["file"] == f"{sid}.ipynb"
    assert float(row["score"]) == pytest.approx(sum(q.points for q in questions[:3]))
