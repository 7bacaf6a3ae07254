"""Grading hand-ins against the key: grades CSV, feedback per student, item statistics.

Every answer is re-checked with the course quiz's own rules (:func:`vae_course.quiz.check`,
all-or-nothing per question, the latest answer counts); ``correct``/``points`` written in a
responses file are never trusted. Outputs in the output folder:
``grades.csv`` (one row per roster student), ``feedback/<student id>.md``, ``items.csv``
(per question: share correct, the most chosen wrong answer, and the item analysis of
:mod:`.analysis`: discrimination, how often each choice was picked, reasons to review) and
``problems.csv`` (every rejected file and why). A student whose only files were rejected is
``rejected: <reason>``, never "no hand-in".

Outputs are safe to open: every CSV cell goes through :func:`.text.csv_cell` (no spreadsheet
formulas, numbers stay numbers), students' text is scrubbed of control characters and lone
surrogates and echoed answers are cut to a bounded length. The folder is written whole into a
temporary sibling and moved into place in one step, so a failed run leaves no partial results.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vae_course.quiz.checking import check
from vae_course.quiz.schema import Question
from vae_course.quiz.validate import PLACEHOLDER

from .analysis import item_statistics
from .handins import Handin, Rejected
from .key import answer_text
from .keyfile import AssignmentKey
from .roster import Student
from .text import clean, csv_row, format_points, scrub

OUTPUTS = ("grades.csv", "items.csv", "problems.csv", "feedback")


@dataclass(frozen=True)
class ItemResult:
    question: Question  # with the student's choice order
    answer: Any  # canonical answer, None when unanswered
    correct: bool
    points: float
    feedback: str


@dataclass(frozen=True)
class StudentResult:
    student: Student
    status: str  # 'graded', 'no hand-in' or 'rejected: <reason>'
    file: str
    items: tuple[ItemResult, ...]

    @property
    def score(self) -> float:
        return float(sum(i.points for i in self.items))

    @property
    def max_score(self) -> float:
        return float(sum(i.question.points for i in self.items))


def grade(
    key: AssignmentKey, handins: list[Handin], rejected: list[Rejected]
) -> list[StudentResult]:
    """One result per roster student, in roster order."""
    by_student = {h.student_id: h for h in handins}
    reasons: dict[str, str] = {}
    for r in rejected:
        if r.student_id is not None and r.student_id not in reasons:
            reasons[r.student_id] = r.reason
    results = []
    for version in key.versions:
        sid = version.student.student_id
        handin = by_student.get(sid)
        items = []
        for q in key.questions_of(version):
            answer = None if handin is None else handin.answers.get(q.id)
            if answer is None:
                items.append(ItemResult(q, None, False, 0.0, "Not answered."))
                continue
            outcome = check(q, answer)
            items.append(
                ItemResult(q, outcome.answer, outcome.correct, outcome.points, outcome.feedback)
            )
        if handin is not None:
            status = "graded"
        elif sid in reasons:
            status = f"rejected: {clean(reasons[sid])}"
        else:
            status = "no hand-in"
        results.append(
            StudentResult(version.student, status, handin.name if handin else "", tuple(items))
        )
    return results


def describe(q: Question, answer: Any) -> str:
    """An answer in words: choice letters and texts, filled words, or the number."""
    if answer is None:
        return "(no answer)"
    if q.type in ("single", "multiple"):
        chosen = [answer] if q.type == "single" else list(answer)
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        parts = [
            f"{letters[i]}. {c.text} [{c.id}]" for i, c in enumerate(q.choices) if c.id in chosen
        ]
        return "; ".join(parts)
    if q.type == "fill_blank":
        return clean("; ".join(f"{name}: {word}" for name, word in answer.items()))
    return f"{answer:g}"


def grades_csv(key: AssignmentKey, results: list[StudentResult]) -> str:
    ids = list(key.questions)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        csv_row(["student_id", "name", "email", "status", "score", "max_score", "percent", "file"])
        + csv_row(ids)
    )
    for r in results:
        points = {i.question.id: format_points(i.points) for i in r.items}
        percent = 100 * r.score / r.max_score if r.max_score else 0.0
        writer.writerow(
            csv_row(
                [
                    r.student.student_id,
                    r.student.name,
                    r.student.email,
                    r.status,
                    format_points(r.score),
                    format_points(r.max_score),
                    f"{percent:.1f}",
                    r.file,
                    *(points.get(qid, "") for qid in ids),
                ]
            )
        )
    return out.getvalue()


def stem_markdown(q: Question) -> str:
    """The stem with each {{blank}} shown as a numbered gap."""
    count = iter(range(1, len(q.blanks) + 1))
    return PLACEHOLDER.sub(lambda _m: f"____ ({next(count)})", q.stem)


def feedback_markdown(key: AssignmentKey, r: StudentResult) -> str:
    s = r.student
    lines = [f"# {key.assignment}: feedback for {s.name} ({s.student_id})", ""]
    if r.status != "graded":
        lines += [f"No graded hand-in ({r.status}).", ""]
    lines += [f"**Score: {format_points(r.score)} / {format_points(r.max_score)}**", ""]
    for number, item in enumerate(r.items, start=1):
        q = item.question
        mark = "correct" if item.correct else "not correct"
        lines += [
            f"## Question {number} ({format_points(item.points)} / "
            f"{format_points(q.points)}, {mark})",
            "",
            stem_markdown(q),
            "",
            f"- Your answer: {describe(q, item.answer)}",
            f"- Correct answer: {answer_text(q)}",
            f"- Feedback: {item.feedback}",
            f"- Explanation: {q.explanation}",
            "",
        ]
    return scrub_markdown("\n".join(lines))


def scrub_markdown(text: str) -> str:
    """Control characters and lone surrogates out, line breaks kept."""
    return "\n".join(scrub(line) for line in text.split("\n"))


def _answer_key(answer: Any) -> str:
    return json.dumps(answer, sort_keys=True, ensure_ascii=False)


def item_rows(key: AssignmentKey, results: list[StudentResult]) -> list[dict[str, Any]]:
    """Per question: how many were graded, answered, correct, the most chosen wrong answer,
    and the item analysis of :mod:`.analysis` (discrimination, picks, reasons to review)."""
    stats = {s.question_id: s for s in item_statistics(key.questions, results)}
    rows = []
    for qid, q in key.questions.items():
        graded = [
            i for r in results if r.status == "graded" for i in r.items if i.question.id == qid
        ]
        answered = [i for i in graded if i.answer is not None]
        correct = [i for i in graded if i.correct]
        wrong = Counter(_answer_key(i.answer) for i in answered if not i.correct)
        top, count = ("", 0)
        if wrong:
            # Most common; ties broken by the answer's text so the output is stable.
            top, count = min(wrong.items(), key=lambda kv: (-kv[1], kv[0]))
        rows.append(
            {
                "question_id": qid,
                "type": q.type,
                "points": format_points(q.points),
                "assigned": sum(qid in v.question_ids for v in key.versions),
                "graded": len(graded),
                "answered": len(answered),
                "correct": len(correct),
                "share_correct": f"{len(correct) / len(graded):.3f}" if graded else "",
                "most_chosen_wrong": describe(q, json.loads(top)) if top else "",
                "most_chosen_wrong_count": count,
                "discrimination": _optional(stats[qid].discrimination),
                "picks": stats[qid].picks_text(),
                "review": "; ".join(stats[qid].review),
            }
        )
    return rows


def _optional(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(list(columns)))
    for row in rows:
        writer.writerow(csv_row([row.get(c, "") for c in columns]))
    return out.getvalue()


def check_out_dir(out_dir: Path, replace: bool) -> None:
    """Refuse a used output folder, unless ``replace`` and it holds only grade outputs."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir() or out_dir.is_symlink():
        raise FileExistsError(f"--out: {clean(str(out_dir))} exists and is not a folder")
    used = sorted(p.name for p in out_dir.iterdir())
    if not used:
        return
    if not replace:
        raise FileExistsError(
            f"--out: {clean(str(out_dir))} is not empty; choose a new folder or pass --replace "
            "to replace the results of an earlier run"
        )
    foreign = [n for n in used if n not in OUTPUTS]
    if foreign:
        raise FileExistsError(
            f"--out: {clean(str(out_dir))} holds files that grade did not write "
            f"({clean(', '.join(foreign[:5]))}); --replace only replaces earlier results"
        )


def write_grades(
    out_dir: str | Path,
    key: AssignmentKey,
    results: list[StudentResult],
    rejected: list[Rejected],
    *,
    replace: bool = False,
) -> list[Path]:
    """Write grades.csv, items.csv, problems.csv and feedback/<id>.md, all or nothing.

    Everything is written into a temporary folder beside ``out_dir`` and moved into place in
    one rename (an earlier run's folder, with ``replace``, is moved aside first and removed).
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir, replace)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    names = []
    try:
        (work / "feedback").mkdir()

        def put(relative: str, text: str) -> None:
            with open(work / relative, "w", encoding="utf-8", errors="replace", newline="") as f:
                f.write(text)
            names.append(relative)

        put("grades.csv", grades_csv(key, results))
        rows = item_rows(key, results)
        put("items.csv", _csv(rows, list(rows[0]) if rows else ["question_id"]))
        problems = [{"file": r.name, "problem": r.reason} for r in rejected]
        put("problems.csv", _csv(problems, ["file", "problem"]))
        for r in results:
            put(f"feedback/{r.student.student_id}.md", feedback_markdown(key, r))
        os.chmod(work, 0o755 & ~_umask())
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(work, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return [out_dir / n for n in names]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
