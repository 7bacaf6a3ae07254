"""``vae-course``: the instructor command (list, validate, secret, assign, key, export, grade).

Run ``vae-course --help`` or ``vae-course <command> --help``. Every failure prints one line
naming the file, field or option at fault and exits with status 1; no input makes a command
print a traceback. Nothing here imports a widget library (the learner's quiz widgets are
never loaded by the command).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from vae_course.quiz.schema import BankError

from .select import Selection, bank_files_in, load_all, parse_tag, select
from .text import clean, format_points

SECRET_ENV = "VAE_COURSE_SECRET"
MIN_SECRET = 16
EXPORTS = {"canvas-qti": ".zip", "moodle-xml": ".xml", "gift": ".txt"}


class CliError(Exception):
    """A failure to report in one line."""


def _selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("choosing questions (default: the whole bank)")
    group.add_argument(
        "--id",
        dest="ids",
        action="append",
        default=[],
        metavar="ID",
        help="a question id (repeat the option for several)",
    )
    group.add_argument(
        "--chapter",
        dest="chapters",
        action="append",
        default=[],
        metavar="CHAPTER",
        help="every question of a chapter, e.g. 06_sampling",
    )
    group.add_argument(
        "--tag",
        dest="tags",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep only questions with this tag (topic=..., difficulty=easy, "
        "chapter=...); repeat to require several",
    )
    group.add_argument(
        "--bank",
        dest="banks",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="an extra bank file or folder (your own questions)",
    )


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

    from .banks import read_assessment, read_file
    from .calculated import Calculated
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
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
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
    for r in rejected:
        print(f"skipped {clean(r.name)}: {clean(r.reason, 400)}", file=sys.stderr)
    graded = [r for r in results if r.status == "graded"]
    print(f"graded {len(graded)} of {len(results)} students; {len(rejected)} files skipped")
    print(f"wrote grades.csv, items.csv, problems.csv and feedback/ in {clean(str(args.out))}")
    return 0


# -- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vae-course",
        description="Instructor toolkit of vae-course: assign quizzes from the course's "
        "question bank, keep the answers from students, export to LMSes and grade.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "list",
        help="list the bank's questions (ids, types, chapters, tags)",
        description="List questions with their ids, types, chapters and tags.",
    )
    _selection_options(p)
    p.set_defaults(run=cmd_list)

    p = sub.add_parser(
        "validate",
        help="check the bank (and your own bank files) for errors and LMS problems",
        description="Validate the course's bank plus any extra bank files or folders: the "
        "schema, duplicate ids, and what Canvas and Moodle need. Exits 1 on any error.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="extra bank file (.yaml) or folder of them",
    )
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser(
        "secret",
        help="write a new random instructor secret to a file",
        description="Write a new random secret (64 hex digits) to PATH, "
        "readable by you only. Refuses to overwrite.",
    )
    p.add_argument("path", type=Path, metavar="PATH")
    p.set_defaults(run=cmd_secret)

    p = sub.add_parser(
        "assign",
        help="make one shuffled, answer-free version per student, and the key",
        description="Make per-student notebooks and HTML pages (no answers in them) and an "
        "instructor-only key file. Orders come from HMAC-SHA256 of the secret, the assignment "
        f"name and the student id. The secret: --secret-file or ${SECRET_ENV}.",
    )
    p.add_argument(
        "--roster", type=Path, required=True, help="CSV with columns student_id,name[,email]"
    )
    p.add_argument("--name", required=True, help="assignment name, e.g. quiz-06 (part of the seed)")
    p.add_argument("--title", help="title shown to students (default: the name)")
    p.add_argument("--out", type=Path, required=True, help="folder for the students' files")
    p.add_argument(
        "--key", type=Path, required=True, help="where to write the key file (outside --out)"
    )
    p.add_argument("--secret-file", type=Path, help=f"file holding the secret (else ${SECRET_ENV})")
    p.add_argument("--random", type=int, metavar="N", help="pick N of the selected questions")
    p.add_argument(
        "--per-student",
        action="store_true",
        help="with --random: pick N per student instead of N for the class",
    )
    p.add_argument(
        "--requirement",
        help="what the notebooks install on Colab (default: the package from its repository)",
    )
    p.add_argument(
        "--mathjax",
        metavar="URL",
        help="MathJax script for the HTML pages (default: none, math stays as TeX)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    _selection_options(p)
    p.set_defaults(run=cmd_assign)

    p = sub.add_parser(
        "key",
        help="write the answer key per student (Markdown and CSV)",
        description="Write answer-key.md and answer-key.csv from a key file.",
    )
    p.add_argument("key", type=Path, help="the key file written by assign")
    p.add_argument("--out", type=Path, required=True, help="folder for the two files")
    p.add_argument("--student", help="only this student id")
    p.set_defaults(run=cmd_key)

    p = sub.add_parser(
        "export",
        help="export questions for Canvas (QTI 1.2), Moodle (XML) or GIFT",
        description="Export questions, answers and feedback for an LMS: canvas-qti (zip), "
        "moodle-xml, gift. Math becomes \\( \\) for MathJax.",
    )
    p.add_argument("--format", required=True, choices=sorted(EXPORTS))
    p.add_argument("--out", type=Path, required=True, help="file to write")
    p.add_argument("--title", default="vae-course quiz", help="quiz or category title")
    _selection_options(p)
    p.set_defaults(run=cmd_export)

    p = sub.add_parser(
        "grade",
        help="grade a folder of hand-ins against the key",
        description="Grade handed-in responses files (or notebooks holding them) against the "
        "key: grades.csv, feedback/<id>.md, items.csv, problems.csv. Bad files are reported "
        "by name and skipped; hand-in files are only read, never changed or moved.",
    )
    p.add_argument("handins", type=Path, help="folder of hand-in files")
    p.add_argument("--key", type=Path, required=True, help="the key file written by assign")
    p.add_argument("--out", type=Path, required=True, help="folder for the results")
    p.add_argument(
        "--max-bytes",
        type=int,
        default=1 << 20,
        help="refuse files larger than this (default 1 MiB)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace the results of an earlier run in --out (refused otherwise)",
    )
    p.set_defaults(run=cmd_grade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (CliError, ValueError, KeyError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"vae-course {args.command}: error: {clean(str(message), 600)}", file=sys.stderr)
        return 1
    except (RecursionError, MemoryError):
        print(
            f"vae-course {args.command}: error: the input is too large or nested too deeply",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug must still not print a traceback at users
        print(
            f"vae-course {args.command}: internal error ({type(exc).__name__}: "
            f"{clean(str(exc), 300)}); please report it",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
