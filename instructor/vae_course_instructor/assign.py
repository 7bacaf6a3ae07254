"""Making an assignment: one shuffled version per student, their files, and the key file.

Each student's question order, choice and word-bank orders and calculated-question values
come from HMAC-SHA256 of the instructor's secret, the assignment name and the student id
(:mod:`.seeds`), so the same inputs give byte-identical files. Pinned choices keep their place.
``random_n`` picks N questions for the whole class (or, with ``per_student``, N per student)
from the same secret. Every handout carries the student's identity token.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Sequence
from pathlib import Path

from vae_course import __version__
from vae_course.quiz.handout import presented, presented_dict
from vae_course.quiz.schema import Question

from .calculated import Calculated, draw
from .keyfile import AssignmentKey, Version, dumps, key_document, shown
from .notebook import student_notebook
from .roster import Student
from .seeds import class_seed, identity_token, order, sample, student_seed
from .student_html import render_student_page


def default_requirement() -> str:
    """What the notebook's setup cell installs on Colab: the package from its repository."""
    url = "https://github.com/vae-course/vae-course"
    try:
        for entry in importlib.metadata.metadata("vae-course").get_all("Project-URL") or []:
            label, _, value = entry.partition(",")
            if label.strip().lower() == "homepage":
                url = value.strip()
    except importlib.metadata.PackageNotFoundError:
        pass
    return f"vae-course @ git+{url.rstrip('/')}@main"


def build_key(
    questions: Sequence[Question],
    students: Sequence[Student],
    secret: bytes,
    assignment: str,
    *,
    random_n: int | None = None,
    per_student: bool = False,
) -> AssignmentKey:
    """Every student's version of the selected ``questions`` (see the module docstring)."""
    if not assignment.strip():
        raise ValueError("--name: the assignment name must not be empty")
    pool = list(questions)
    if random_n is not None and not 1 <= random_n <= len(pool):
        raise ValueError(
            f"--random: expected 1 to {len(pool)} (the selection's size), got {random_n}"
        )
    if random_n is not None and not per_student:
        pool = sample(pool, random_n, class_seed(secret, assignment))
    versions = []
    for student in students:
        seed = student_seed(secret, assignment, student.student_id)
        mine = pool
        if random_n is not None and per_student:
            mine = sample(pool, random_n, seed)
        question_order = order([q.id for q in mine], seed, "questions")
        by_id = {q.id: q for q in mine}
        choice_orders, values = {}, {}
        for qid in question_order:
            q = by_id[qid]
            if q.choices:
                ids = [c.id for c in q.choices]
                pinned = [c.pinned for c in q.choices]
                choice_orders[qid] = tuple(order(ids, seed, f"{qid}/choices", pinned))
            if isinstance(q, Calculated):
                values[qid] = draw(q, seed)
        token = identity_token(secret, student.student_id)
        versions.append(Version(student, tuple(question_order), choice_orders, values, token))
    used = {qid for v in versions for qid in v.question_ids}
    snapshot = {q.id: q for q in questions if q.id in used}
    return AssignmentKey(assignment, snapshot, tuple(versions))


def public_fixed(key: AssignmentKey, public_ids: set[str]) -> list[str]:
    """Ids of assigned questions that are in the public self-check bank and not calculated."""
    return [
        qid
        for qid, q in key.questions.items()
        if qid in public_ids and not isinstance(q, Calculated)
    ]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def write_assignment(
    key: AssignmentKey,
    out_dir: str | Path,
    key_path: str | Path,
    *,
    title: str,
    requirement: str | None = None,
    mathjax: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Write <out_dir>/<student id>.ipynb and .html for every student, and the key file.

    Refuses a key path inside ``out_dir`` (students must never get it), and existing outputs
    unless ``force``. Returns the paths written, key file last.
    """
    out_dir, key_path = Path(out_dir), Path(key_path)
    if _inside(key_path, out_dir):
        raise ValueError(
            f"--key: {key_path} is inside the students' folder {out_dir}; "
            "keep the key in a separate, instructor-only folder"
        )
    if not force:
        if key_path.exists():
            raise FileExistsError(f"--key: {key_path} exists (use --force to overwrite it)")
        if out_dir.exists() and any(out_dir.iterdir()):
            raise FileExistsError(f"--out: {out_dir} is not empty (use --force to overwrite)")
    requirement = requirement or default_requirement()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for version in key.versions:
        student = version.student
        visible = [presented(shown(q, version.token)) for q in key.questions_of(version)]
        notebook = student_notebook(
            assignment=key.assignment,
            title=title,
            student_id=student.student_id,
            name=student.name,
            questions=[presented_dict(q) for q in visible],
            requirement=requirement,
            token=version.token,
        )
        page = render_student_page(
            title=title,
            assignment=key.assignment,
            student_id=student.student_id,
            name=student.name,
            questions=visible,
            package_version=__version__,
            mathjax=mathjax,
            token=version.token,
        )
        for suffix, text in ((".ipynb", notebook), (".html", page)):
            path = out_dir / f"{student.student_id}{suffix}"
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    write_private(key_path, dumps(key_document(key, __version__)))
    written.append(key_path)
    return written
