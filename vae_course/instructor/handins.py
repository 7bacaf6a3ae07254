"""Reading handed-in responses files (or notebooks holding them) without trusting them.

Every file is opened read-only, never moved or rewritten; a file that is not usable is
*rejected* with a reason naming it, and the run goes on. Rejected: symbolic links, files that
are not .json/.ipynb, files over the size limit, binary or non-JSON content, notebooks without
saved responses, anything :func:`vae_course.quiz.load_responses` refuses (wrong format or
version, missing fields), no or unknown student id, a student id that differs from the file's
claimed owner (a roster id in its name, or the notebook's metadata), another assignment,
questions not in that student's version, a content hash that matches neither the presented
nor the bank question, and answers the question does not offer (e.g. unknown choice ids).
Several usable files of one student are graded once if their answers agree, else none is.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vae_course.quiz import load_responses
from vae_course.quiz.checking import canonical_answer

from .keyfile import AssignmentKey, presented
from .student import RESPONSES_MIME

MAX_BYTES = 1 << 20  # 1 MiB


@dataclass(frozen=True)
class Handin:
    name: str  # path relative to the hand-in folder
    student_id: str
    answers: dict[str, Any]  # question id -> canonical answer (latest attempt)
    saved_at: str


@dataclass(frozen=True)
class Rejected:
    name: str
    reason: str
    student_id: str | None = None  # set when the file is known to be this student's


class _Reject(Exception):
    def __init__(self, reason: str, student_id: str | None = None) -> None:
        super().__init__(reason)
        self.student_id = student_id


def _read_limited(path: Path, max_bytes: int) -> bytes:
    size = path.lstat().st_size
    if size > max_bytes:
        raise _Reject(f"larger than the limit of {max_bytes} bytes ({size} bytes)")
    with open(path, "rb") as handle:  # read-only; never written, moved or deleted
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _Reject(f"larger than the limit of {max_bytes} bytes")
    return data


def _notebook_responses(nb: dict[str, Any]) -> tuple[Any, str | None]:
    """(the last saved responses document in the outputs, the metadata's student id)."""
    if not isinstance(nb.get("cells"), list):
        raise _Reject("a notebook without a 'cells' list")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    course = meta.get("vae_course") if isinstance(meta.get("vae_course"), dict) else {}
    owner = course.get("student_id") if isinstance(course.get("student_id"), str) else None
    found = None
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("outputs"), list):
            continue
        for output in cell["outputs"]:
            data = output.get("data") if isinstance(output, dict) else None
            if isinstance(data, dict) and RESPONSES_MIME in data:
                found = data[RESPONSES_MIME]
    if found is None:
        raise _Reject(
            "a notebook without saved responses (run its last cell, then save the notebook)"
        )
    if isinstance(found, str | list):  # some front ends store JSON output as text
        found = json.loads(found if isinstance(found, str) else "".join(found))
    return found, owner


def claimed_owner(name: str, student_ids: Iterable[str]) -> str | None:
    """The roster id that the file name contains as a whole word, if any (longest wins)."""
    stem = Path(name).name
    hits = [
        sid
        for sid in student_ids
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(sid)}(?![A-Za-z0-9])", stem)
    ]
    if not hits:
        return None
    hits.sort(key=len, reverse=True)
    best = hits[0]
    others = [h for h in hits[1:] if h not in best]
    if others:
        raise _Reject(f"the file name names several students ({', '.join(sorted(hits))})")
    return best


def _check(path: Path, name: str, key: AssignmentKey, scratch: Path, max_bytes: int) -> Handin:
    if path.is_symlink():
        raise _Reject("a symbolic link (not followed)")
    if path.suffix.lower() not in (".json", ".ipynb"):
        raise _Reject("not a .json or .ipynb file")
    raw = _read_limited(path, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Reject("not UTF-8 text (binary data?)") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _Reject(f"not valid JSON ({str(exc)[:120]})") from None
    owners = []
    if isinstance(data, dict) and "cells" in data:
        data, nb_owner = _notebook_responses(data)
        if nb_owner is not None:
            owners.append(("the notebook's metadata", nb_owner))
    ids = [v.student.student_id for v in key.versions]
    from_name = claimed_owner(name, ids)
    if from_name is not None:
        owners.append(("the file name", from_name))
    # load_responses validates a path: hand it a private copy, never the student's file.
    copy = scratch / (path.stem + ".json")
    copy.write_text(json.dumps(data), encoding="utf-8")
    try:
        saved = load_responses(copy)
    except ValueError as exc:
        raise _Reject(str(exc).replace(copy.name, "responses")) from None
    finally:
        copy.unlink(missing_ok=True)
    sid = saved.student_id
    if sid is None:
        raise _Reject("no student_id inside (save with the student id)")
    version = key.version(sid)
    if version is None:
        raise _Reject(f"unknown student {sid!r} (not in the assignment's roster)")
    for where, owner in owners:
        if owner != sid:
            raise _Reject(f"student_id inside is {sid!r} but {where} says {owner!r}")
    assignment = data.get("assignment") if isinstance(data, dict) else None
    if assignment is not None and assignment != key.assignment:
        raise _Reject(f"for assignment {assignment!r}, not {key.assignment!r}")
    questions = {q.id: q for q in key.questions_of(version)}
    for qid, info in saved.questions.items():
        if qid not in questions:
            raise _Reject(f"question {qid!r} is not in {sid}'s assignment (extra question)", sid)
        q = questions[qid]
        if info["content_hash"] not in (presented(q).content_hash(), q.content_hash()):
            raise _Reject(
                f"question {qid!r}: content_hash does not match the assigned question "
                "(edited file, or another version of the bank)",
                sid,
            )
        if "points" in info and info["points"] != q.points:
            raise _Reject(f"question {qid!r}: points {info['points']!r} != {q.points!r}", sid)
    answers: dict[str, Any] = {}
    for attempt in saved.attempts:  # in file order: the last one counts
        q = questions[attempt.question_id]
        try:
            answers[q.id] = canonical_answer(q, attempt.answer)
        except (ValueError, KeyError, TypeError) as exc:
            message = exc.args[0] if exc.args else exc
            raise _Reject(
                f"question {q.id!r}: answer {attempt.answer!r} refused: {message}"
            ) from None
    return Handin(name, sid, answers, saved.saved_at)


def read_handins(
    folder: str | Path, key: AssignmentKey, *, max_bytes: int = MAX_BYTES
) -> tuple[list[Handin], list[Rejected]]:
    """(usable hand-ins, one per student at most; rejected files with reasons), by file name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"handins: {folder} is not a folder")
    accepted: list[Handin] = []
    rejected: list[Rejected] = []
    with tempfile.TemporaryDirectory(prefix="vae-course-grade-") as scratch:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            name = path.relative_to(folder).as_posix()
            try:
                accepted.append(_check(path, name, key, Path(scratch), max_bytes))
            except _Reject as exc:
                rejected.append(Rejected(name, str(exc), exc.student_id))
            except Exception as exc:  # noqa: BLE001 - one bad file must never stop grading
                rejected.append(Rejected(name, f"could not be read ({type(exc).__name__}: {exc})"))
    by_student: dict[str, list[Handin]] = defaultdict(list)
    for handin in accepted:
        by_student[handin.student_id].append(handin)
    usable = []
    for sid, handins in by_student.items():
        if len(handins) == 1:
            usable.append(handins[0])
            continue
        names = ", ".join(h.name for h in handins)
        if all(h.answers == handins[0].answers for h in handins):
            usable.append(handins[0])
            for h in handins[1:]:
                rejected.append(
                    Rejected(
                        h.name, f"duplicate of {handins[0].name} (same answers): counted once", sid
                    )
                )
        else:
            for h in handins:
                rejected.append(
                    Rejected(
                        h.name,
                        f"student {sid!r} handed in {len(handins)} files with different answers "
                        f"({names}): none is graded; keep one and grade again",
                        sid,
                    )
                )
    rejected.sort(key=lambda r: r.name)
    return usable, rejected
