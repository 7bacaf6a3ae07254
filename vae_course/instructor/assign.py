"""Making an assignment: one shuffled version per student, their files, and the key file.

Each student's question order and choice orders come from HMAC-SHA256 of the instructor's
secret, the assignment name and the student id (:mod:`.shuffle`), so the same inputs give
byte-identical files. Pinned choices keep their place. ``random_n`` picks N questions for the
whole class (or, with ``per_student``, N per student) from the same secret.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from pathlib import Path

from vae_course import __version__
from vae_course.quiz import Question

from .keyfile import AssignmentKey, Version, dumps, key_document, presented, presented_dict
from .notebook import student_notebook
from .roster import Student
from .shuffle import HmacStream, class_seed, sample, shuffled, shuffled_keep_pinned, student_seed
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
        pool = sample(pool, random_n, HmacStream(class_seed(secret, assignment), "pick"))
    versions = []
    for student in students:
        seed = student_seed(secret, assignment, student.student_id)
        mine = pool
        if random_n is not None and per_student:
            mine = sample(pool, random_n, HmacStream(seed, "pick"))
        order = shuffled([q.id for q in mine], HmacStream(seed, "questions"))
        by_id = {q.id: q for q in mine}
        choice_orders = {}
        for qid in order:
            q = by_id[qid]
            if q.choices:
                stream = HmacStream(seed, f"choices/{qid}")
                ids = [c.id for c in q.choices]
                pinned = [c.pinned for c in q.choices]
                choice_orders[qid] = tuple(shuffled_keep_pinned(ids, pinned, stream))
        versions.append(Version(student, tuple(order), choice_orders))
    used = {qid for v in versions for qid in v.question_ids}
    snapshot = {q.id: q for q in questions if q.id in used}
    return AssignmentKey(assignment, snapshot, tuple(versions))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


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
        shown = [presented(q) for q in key.questions_of(version)]
        notebook = student_notebook(
            assignment=key.assignment,
            title=title,
            student_id=student.student_id,
            name=student.name,
            questions=[presented_dict(q) for q in shown],
            requirement=requirement,
        )
        page = render_student_page(
            title=title,
            assignment=key.assignment,
            student_id=student.student_id,
            name=student.name,
            questions=shown,
            package_version=__version__,
            mathjax=mathjax,
        )
        for suffix, text in ((".ipynb", notebook), (".html", page)):
            path = out_dir / f"{student.student_id}{suffix}"
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(dumps(key_document(key, __version__)), encoding="utf-8", newline="\n")
    try:
        key_path.chmod(0o600)  # instructor only
    except OSError:
        pass
    written.append(key_path)
    return written
