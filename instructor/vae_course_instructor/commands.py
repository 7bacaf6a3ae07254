"""What each ``vae-course`` command does (the parser and the entry point are in :mod:`.cli`).

Each ``cmd_<name>(args)`` returns the exit status; a failure raises :class:`CliError` (or a
ValueError/OSError) whose message names the file, field or option at fault.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from vae_course.quiz.schema import BankError

from .select import Selection, bank_files_in, load_all, parse_tag, select
from .text import clean, format_points

SECRET_ENV = "VAE_COURSE_SECRET"
MIN_SECRET = 16


class CliError(Exception):
    """A failure to report in one line."""


def _chosen(args: argparse.Namespace) -> list:
    files = load_all(args.banks)
    tags = tuple(parse_tag(t) for t in args.tags)
    return select(files, Selection(tuple(args.ids), tuple(args.chapters), tags))


def _read_secret(path: Path | None) -> bytes:
    if path is not None:
        try:
            secret = path.read_bytes().strip()
        except OSError as exc:
            raise CliError(f"--secret-file: cannot read {path} ({exc.strerror})") from None
        source = f"--secret-file {path}"
    elif os.environ.get(SECRET_ENV):
        secret = os.environ[SECRET_ENV].strip().encode("utf-8")
        source = f"environment variable {SECRET_ENV}"
    else:
        raise CliError(
            f"no secret: pass --secret-file FILE or set {SECRET_ENV} "
            "(make one with `vae-course secret FILE`)"
        )
    if len(secret) < MIN_SECRET:
        raise CliError(f"{source}: the secret must have at least {MIN_SECRET} characters")
    return secret


# -- commands ---------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    questions = _chosen(args)
    rows = [("id", "type", "chapter", "topic", "difficulty", "points")]
    rows += [
        tuple(
            clean(cell, 60)
            for cell in (
                q.id,
                q.type,
                q.chapter,
                q.tags.topic or "-",
                q.tags.difficulty or "-",
                format_points(q.points),
            )
        )
        for q in questions
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(f"{len(questions)} questions")
    return 0


def _problems_of(exc: BankError, fallback: str):
    from .banks import BankErrors
    from .lint import Problem

    errors = exc.errors if isinstance(exc, BankErrors) else [exc]
    out = []
    for e in errors:
        qid = e.question_id
        if qid is None and e.question_index is not None:
            qid = f"#{e.question_index + 1}"
        out.append(Problem("error", e.file or fallback, qid, e.field, e.reason))
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    from vae_course.quiz.bank import bank_dir
    from vae_course.quiz.cues import checker_problems, surface_cues
    from vae_course.quiz.independence import answer_leaks

    from .banks import read_assessment, read_file
    from .calculated import Calculated
    from .fairness import fairness_report
    from .lint import Problem, lint

    problems: list[Problem] = []
    files = []
    # The course's self-check bank, file by file with the defensive reader (every error).
    for file in sorted(bank_dir().glob("*.yaml")):
        try:
            bank_file = read_file(file)
        except BankError as exc:
            problems.extend(_problems_of(exc, file.name))
            continue
        files.append(bank_file)
        for q in bank_file.questions:
            if isinstance(q, Calculated):
                problems.append(
                    Problem(
                        "error",
                        file.name,
                        q.id,
                        "type",
                        "calculated questions belong in "
                        "the assessment bank or your own files, not the self-check bank",
                    )
                )
    try:
        files.extend(read_assessment())
    except BankError as exc:
        problems.extend(_problems_of(exc, "assessment"))
    for path in args.paths:
        try:
            paths = bank_files_in(path)
        except BankError as exc:
            problems.append(Problem("error", exc.file or str(path), None, None, exc.reason))
            continue
        for file in paths:
            try:
                files.append(read_file(file))
            except BankError as exc:
                problems.extend(_problems_of(exc, str(file)))
    problems.extend(lint(files))
    problems.extend(surface_cues(files))
    problems.extend(checker_problems(files))
    # The whole bank is one page: assign's default selection puts every question together.
    problems.extend(answer_leaks(files))
    for bank_file in files:
        for q in bank_file.questions:
            if isinstance(q, Calculated):
                for field, message in fairness_report(q):
                    problems.append(Problem("error", bank_file.source, q.id, field, message))
    for problem in problems:
        print(clean(str(problem), 400), file=sys.stderr if problem.level == "error" else sys.stdout)
    n_errors = sum(p.level == "error" for p in problems)
    n_questions = sum(len(f.questions) for f in files)
    print(
        f"{n_questions} questions in {len(files)} files: {n_errors} errors, "
        f"{len(problems) - n_errors} warnings"
    )
    return 1 if n_errors else 0


def cmd_secret(args: argparse.Namespace) -> int:
    path: Path = args.path
    if path.exists():
        raise CliError(f"{path} exists; a secret is never overwritten (delete it yourself)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    print(f"wrote a new secret to {path} (keep it private; it is never printed)")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    from vae_course.quiz.bank import read_bank

    from .assign import build_key, public_fixed, write_assignment
    from .roster import read_roster

    secret = _read_secret(args.secret_file)
    questions = _chosen(args)
    students = read_roster(args.roster)
    key = build_key(
        questions, students, secret, args.name, random_n=args.random, per_student=args.per_student
    )
    written = write_assignment(
        key,
        args.out,
        args.key,
        title=args.title or args.name,
        requirement=args.requirement,
        mathjax=args.mathjax,
        force=args.force,
    )
    n = len(key.versions)
    print(f"assignment {key.assignment!r}: {len(key.questions)} questions, {n} students")
    public = public_fixed(key, {q.id for f in read_bank() for q in f.questions})
    if public:
        print(
            f"warning: {len(public)} of the questions are fixed questions from the course's "
            "public self-check bank, whose answers anyone can read (the bank ships with the "
            "course): " + clean(", ".join(public), 300) + ". For graded work prefer calculated "
            "questions (each student gets their own numbers) or your own private questions.",
            file=sys.stderr,
        )
    print(f"students' files: {n} notebooks and {n} pages in {args.out}")
    print(f"key (instructor only): {written[-1]}")
    return 0


def cmd_key(args: argparse.Namespace) -> int:
    from .key import write_key_files
    from .keyfile import read_key

    key = read_key(args.key)
    for path in write_key_files(key, args.out, args.student):
        print(f"wrote {clean(str(path))} (readable by you only)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .calculated import Calculated
    from .export_gift import export_gift
    from .export_moodle import export_moodle
    from .export_qti import export_qti

    questions = _chosen(args)
    exporter = {"canvas-qti": export_qti, "moodle-xml": export_moodle, "gift": export_gift}
    data = exporter[args.format](args.title, questions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(args.out)
    print(f"wrote {clean(str(args.out))} ({args.format}, {len(questions)} questions)")
    calculated = [q.id for q in questions if isinstance(q, Calculated)]
    if calculated and args.format == "gift":
        print(
            f"note: GIFT has no calculated questions: {len(calculated)} calculated question(s) "
            "were exported as numeric questions with one fixed set of values each (the same "
            "numbers for every student); use moodle-xml or canvas-qti for per-student numbers",
            file=sys.stderr,
        )
    elif calculated:
        print(
            f"note: {len(calculated)} calculated question(s) exported with their formula and "
            "datasets; the LMS picks each student's numbers (they differ from `assign`'s)",
            file=sys.stderr,
        )
    blind = case_blind_blanks(questions) if args.format in CASE_BLIND else []
    if blind:
        print(
            f"note: {CASE_BLIND[args.format]}, but the course tells a math letter from its "
            "other case (d is not D): "
            f"{len(blind)} blank(s) ({clean(', '.join(blind))}) will also accept the answer "
            "in the other case there; check those by hand, or use moodle-xml, which keeps case",
            file=sys.stderr,
        )
    return 0


# LMS imports that match a typed blank's answer without regard to case: Canvas Classic
# Quizzes' fill-in-multiple-blanks (answers compared in lower case) and Moodle's GIFT import
# (short answers made case-insensitive). The Moodle XML export writes case-sensitive blanks.
CASE_BLIND = {
    "canvas-qti": "Canvas compares typed answers without regard to case",
    "gift": "Moodle imports GIFT short answers as case-insensitive",
}


def case_blind_blanks(questions) -> list[str]:
    """'question-id/blank' of each typed blank with an answer whose case the course keeps."""
    from .export_moodle import case_matters

    return [
        f"{q.id}/{b.name}"
        for q in questions
        if q.type == "fill_blank"
        for b in q.blanks
        if b.word_bank is None and any(case_matters(a) for a in b.answers)
    ]


def cmd_grade(args: argparse.Namespace) -> int:
    from .analysis import item_statistics
    from .grade import check_out_dir, grade, write_grades
    from .handins import read_handins
    from .keyfile import read_key

    key = read_key(args.key)
    handins_dir, out_dir = args.handins.resolve(), args.out.resolve()
    if out_dir == handins_dir or handins_dir in out_dir.parents:
        raise CliError(f"--out: {args.out} is inside the hand-in folder; choose another folder")
    check_out_dir(args.out, args.replace)
    handins, rejected = read_handins(args.handins, key, max_bytes=args.max_bytes)
    results = grade(key, handins, rejected)
    write_grades(args.out, key, results, rejected, replace=args.replace)
    flagged = [s for s in item_statistics(key.questions, results) if s.review]
    for r in rejected:
        print(f"skipped {clean(r.name)}: {clean(r.reason, 400)}", file=sys.stderr)
    graded = [r for r in results if r.status == "graded"]
    print(f"graded {len(graded)} of {len(results)} students; {len(rejected)} files skipped")
    print(f"wrote grades.csv, items.csv, problems.csv and feedback/ in {clean(str(args.out))}")
    if flagged:
        print(f"{len(flagged)} of {len(key.questions)} questions to review (column review):")
        for s in flagged[:20]:
            print(f"  {clean(s.question_id)}: {clean('; '.join(s.review), 300)}")
    return 0
