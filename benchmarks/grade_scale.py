"""Grading time against class size: `vae-course grade` on 2,000 students and on 200.

Each student hands in one responses file (as the assignment notebook saves it, with their
identity token) answering 12 questions: 6 fixed questions of the course's bank and 6
calculated ones of the assessment bank, so every student has their own numbers. Both classes
are graded in the same run (the small class first and last, the larger in between), with the
command's own entry point. Grading is linear in the number of files when the ratio of the
times is about the ratio of the class sizes (10); the issue's bound is well under 15 s for
2,000 students on 2 cores.

Run: PYTHONPATH=.:instructor python benchmarks/grade_scale.py [--students 2000] [--reference 200]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

from vae_course.quiz.handout import presented
from vae_course.quiz.responses import Attempt, responses_document
from vae_course_instructor.assign import build_key
from vae_course_instructor.cli import main
from vae_course_instructor.keyfile import dumps, key_document, shown
from vae_course_instructor.roster import Student
from vae_course_instructor.select import Selection, load_all, select

QUESTIONS = (
    "06_sampling",
    "04_elbo_assessment",
    "06_sampling_assessment",
    "07_interpolation_assessment",
)


def right(q):
    if q.type == "single":
        return q.correct_choice_ids[0]
    if q.type == "multiple":
        return list(q.correct_choice_ids)
    if q.type == "fill_blank":
        return {b.name: b.answers[0] for b in q.blanks}
    return q.answer


def make_class(folder: Path, n: int) -> Path:
    """A key and n hand-ins in ``folder``; returns the key path."""
    questions = select(load_all(), Selection(chapters=QUESTIONS))
    students = [Student(f"s{i:05d}", f"Student {i}") for i in range(n)]
    key = build_key(questions, students, b"benchmark-secret-0123456789", "bench", random_n=12)
    key_path = folder / "key.json"
    key_path.write_text(dumps(key_document(key, "bench")), encoding="utf-8")
    handins = folder / "handins"
    handins.mkdir()
    for version in key.versions:
        sid = version.student.student_id
        qs = key.questions_of(version)
        attempts = [Attempt(q.id, right(q), False, 0, "2026-01-01T00:00:00+00:00") for q in qs]
        document = responses_document(
            [presented(shown(q, version.token)) for q in qs], attempts, student_id=sid
        )
        document.update(assignment=key.assignment, token=version.token)
        (handins / f"responses-{sid}.json").write_text(json.dumps(document), encoding="utf-8")
    return key_path


def grade_seconds(folder: Path, run: int) -> float:
    args = ["grade", str(folder / "handins"), "--key", str(folder / "key.json")]
    args += ["--out", str(folder / f"grades-{run}")]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = main(args)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"grade failed on {folder}")
    return seconds


def main_benchmark() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--reference", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp, "big"), Path(tmp, "small")
        big.mkdir()
        small.mkdir()
        make_class(big, args.students)
        make_class(small, args.reference)
        ref = [grade_seconds(small, 0)]
        t_big = grade_seconds(big, 0)
        ref.append(grade_seconds(small, 1))
        t_ref = min(ref)
        rows = Path(big, "grades-0", "grades.csv").read_text().count("\n") - 1
        assert rows == args.students, rows
    size_ratio = args.students / args.reference
    print(f"grade {args.students} students: {t_big:.2f} s")
    print(f"grade {args.reference} students (reference, best of 2): {t_ref:.2f} s")
    print(
        f"time ratio {t_big / t_ref:.1f} for a class {size_ratio:.0f} times larger "
        f"(linear: about {size_ratio:.0f})"
    )


if __name__ == "__main__":
    main_benchmark()
