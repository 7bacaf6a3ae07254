"""``vae-course``: the instructor command (list, validate, secret, assign, key, export, grade).

Run ``vae-course --help`` or ``vae-course <command> --help``. Every failure prints one line
naming the file, field or option at fault and exits with status 1; no input makes a command
print a traceback. Nothing here imports a widget library (the learner's quiz widgets are
never loaded by the command).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .commands import (
    SECRET_ENV,
    CliError,
    cmd_assign,
    cmd_export,
    cmd_grade,
    cmd_key,
    cmd_list,
    cmd_secret,
    cmd_validate,
)
from .text import clean

EXPORTS = {"canvas-qti": ".zip", "moodle-xml": ".xml", "gift": ".txt"}


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
