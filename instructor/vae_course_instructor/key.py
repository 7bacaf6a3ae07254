"""The answer key of an assignment, per student: Markdown to read and CSV to sort and filter.

Both files are written readable by their owner only (0600), like the key file, and never into
the students' handout folder (nor below it).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from vae_course.quiz.schema import Question

from .assign import write_private
from .calculated import plain
from .keyfile import AssignmentKey
from .text import clean, csv_row, format_points

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _number(value: float) -> str:
    return f"{value:.10g}"


def answer_text(q: Question) -> str:
    """The correct answer in words, with choice letters in the order the question has."""
    if q.type in ("single", "multiple"):
        parts = [f"{LETTERS[i]}. {c.text} [{c.id}]" for i, c in enumerate(q.choices) if c.correct]
        return "; ".join(parts)
    if q.type == "fill_blank":
        return "; ".join(f"{b.name}: " + " | ".join(b.answers) for b in q.blanks)
    tol = q.tolerance
    if tol is None or (tol.absolute == 0 and tol.relative == 0):
        return _number(q.answer)
    lo, hi = tol.bounds(q.answer)
    return f"{_number(q.answer)} (accepted {_number(lo)} to {_number(hi)})"


def answer_value(q: Question) -> str:
    """The correct answer as JSON in the responses file's form (one accepted value each)."""
    if q.type == "single":
        return json.dumps(q.correct_choice_ids[0])
    if q.type == "multiple":
        return json.dumps(list(q.correct_choice_ids))
    if q.type == "fill_blank":
        return json.dumps({b.name: b.answers[0] for b in q.blanks}, ensure_ascii=False)
    return json.dumps(q.answer)


def key_markdown(key: AssignmentKey, student_id: str | None = None) -> str:
    lines = [f"# Answer key: {key.assignment}", "", "Instructor only.", ""]
    for version in key.versions:
        s = version.student
        if student_id is not None and s.student_id != student_id:
            continue
        questions = key.questions_of(version)
        total = sum(q.points for q in questions)
        lines += [f"## {s.name} ({s.student_id})", "", f"{format_points(total)} points.", ""]
        for number, q in enumerate(questions, start=1):
            values = version.values.get(q.id)
            own = ""
            if values:
                own = " with " + ", ".join(f"{k} = {plain(v)}" for k, v in values.items())
            lines.append(
                f"{number}. `{q.id}` ({q.type}, {format_points(q.points)} pt){own}: "
                f"{answer_text(q)}"
            )
        lines.append("")
    return "\n".join(lines)


def key_csv(key: AssignmentKey, student_id: str | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["student_id", "name", "position", "question_id", "type", "points", "answer", "value"]
    )
    for version in key.versions:
        s = version.student
        if student_id is not None and s.student_id != student_id:
            continue
        for number, q in enumerate(key.questions_of(version), start=1):
            writer.writerow(
                csv_row(
                    [
                        s.student_id,
                        s.name,
                        number,
                        q.id,
                        q.type,
                        format_points(q.points),
                        answer_text(q),
                        answer_value(q),
                    ]
                )
            )
    return out.getvalue()


def write_key_files(
    key: AssignmentKey, out_dir: str | Path, student_id: str | None = None
) -> list[Path]:
    """Write <out_dir>/answer-key.md and answer-key.csv; returns the two paths."""
    if student_id is not None and key.version(student_id) is None:
        raise ValueError(f"--student: {student_id!r} is not in the key's roster")
    out_dir = Path(out_dir)
    handout = handout_folder(out_dir, key)
    if handout is not None:
        raise ValueError(
            f"--out: {clean(str(handout))} holds the students' handouts; write the answer key "
            "to an instructor-only folder"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    md, table = out_dir / "answer-key.md", out_dir / "answer-key.csv"
    write_private(md, key_markdown(key, student_id))
    write_private(table, key_csv(key, student_id).replace("\r\n", "\n"))
    return [md, table]


def handout_folder(out_dir: Path, key: AssignmentKey) -> Path | None:
    """``out_dir`` or the first of its parents that holds a handout of this key's roster."""
    folder = out_dir.resolve()
    ids = [v.student.student_id for v in key.versions]
    for candidate in (folder, *folder.parents):
        if not candidate.is_dir():
            continue
        if any(
            (candidate / f"{sid}{suffix}").is_file()
            for sid in ids
            for suffix in (".ipynb", ".html")
        ):
            return candidate
    return None
