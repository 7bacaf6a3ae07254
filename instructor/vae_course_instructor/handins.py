"""Reading handed-in responses files (or notebooks holding them) without trusting them.

Every file is read inside its own error boundary: whatever it holds, it is either accepted or
*rejected* with a reason naming it, and the run goes on. Files are only ever opened read-only
(never moved or rewritten); what is not a regular file (FIFO, device, socket) or is a
symbolic link is skipped without being opened. Rejected: files that are not .json/.ipynb,
files over the size limit, text that is not UTF-8 (a BOM is accepted), invalid JSON,
NaN/Infinity, notebooks without saved responses, anything
:func:`vae_course.quiz.load_responses` refuses, no or unknown student id, a student id that
differs from the file's claimed owner (a roster id in its name, the notebook's metadata, or
the student named by an LMS download folder: Moodle's ``Full Name_123_assignsubmission_file_``
and Canvas's ``lastfirst_123_456_name`` prefixes), a missing or wrong identity token (see
:func:`.seeds.identity_token`), another assignment, questions not in that student's version,
a content hash that matches none of the versions of the question that student was shown, and
answers the question does not offer. Several usable files of one student are graded once if
their answers agree, else none is.

Time is linear in the number of files: the owner in a file name is found by looking its
word-bounded substrings up in a set of roster ids, never by one pattern per roster id.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vae_course.quiz.checking import canonical_answer
from vae_course.quiz.handout import RESPONSES_MIME, presented
from vae_course.quiz.responses import load_responses

from .calculated import Calculated
from .folders import (
    SKIPPED,
    _Reject,
    claimed_owner,
    lms_claims,
    names_match,
    read_regular,
    walk,
)
from .keyfile import AssignmentKey, Version, shown
from .seeds import tokens_match
from .text import MAX_ECHO, bounded, clean

MAX_BYTES = 1 << 20  # 1 MiB


@dataclass(frozen=True)
class Handin:
    name: str  # path relative to the hand-in folder, safe to print
    student_id: str
    answers: dict[str, Any]  # question id -> canonical answer (latest attempt)
    saved_at: str


@dataclass(frozen=True)
class Rejected:
    name: str  # safe to print
    reason: str
    student_id: str | None = None  # set when the file is known or claimed to be this student's


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


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
    if isinstance(found, list) and all(isinstance(x, str) for x in found):
        found = "".join(found)  # some front ends store JSON output as text
    if isinstance(found, str):
        found = json.loads(found, parse_constant=_no_constants)
    return found, owner


class Reader:
    """Checks files against one key; caches what is the same for every file of a student."""

    def __init__(self, key: AssignmentKey, scratch: Path, max_bytes: int) -> None:
        self.key = key
        self.scratch = scratch
        self.max_bytes = max_bytes
        self.ids = frozenset(v.student.student_id for v in key.versions)
        self._hashes: dict[str, tuple[dict[str, Any], dict[str, set[str]]]] = {}
        self._cache: dict[tuple[str, str, str], set[str]] = {}
        self._calculated = {qid for qid, q in key.questions.items() if isinstance(q, Calculated)}

    def questions(self, version: Version) -> tuple[dict[str, Any], dict[str, set[str]]]:
        """(question id -> the student's question, question id -> accepted content hashes)."""
        sid = version.student.student_id
        if sid not in self._hashes:
            questions = {q.id: q for q in self.key.questions_of(version)}
            hashes = {qid: self._accepted(q, version.token) for qid, q in questions.items()}
            self._hashes[sid] = (questions, hashes)
        return self._hashes[sid]

    def _accepted(self, q, token: str) -> set[str]:
        """The hashes of what the student may have been shown (the bank question, the
        presented one, with their own word-bank order); the same for every student unless the
        question has word banks or numbers of their own."""
        own = any(b.word_bank for b in q.blanks) or q.id in self._calculated
        cache_key = (q.id, token if own else "", q.stem if own else "")
        if cache_key not in self._cache:
            self._cache[cache_key] = {
                q.content_hash(),
                presented(q).content_hash(),
                presented(shown(q, token)).content_hash(),
            }
        return self._cache[cache_key]

    def check(self, path: str, parts: list[str], name: str) -> Handin:
        owner = claimed_owner(name, self.ids)
        try:
            return self._check(path, parts, name, owner)
        except _Reject as exc:
            if exc.student_id is None and owner is not None:
                exc.student_id = owner
            raise

    def _check(self, path: str, parts: list[str], name: str, owner: str | None) -> Handin:
        if not parts[-1].lower().endswith((".json", ".ipynb")):
            raise _Reject("not a .json or .ipynb file")
        raw = read_regular(path, self.max_bytes)
        try:
            text = raw.decode("utf-8-sig")  # a BOM (Windows editors) is accepted
        except UnicodeDecodeError:
            raise _Reject("not UTF-8 text (binary data?)") from None
        try:
            data = json.loads(text, parse_constant=_no_constants)
        except (ValueError, RecursionError) as exc:
            raise _Reject(f"not valid JSON ({bounded(str(exc), 120)})") from None
        owners = []
        if isinstance(data, dict) and "cells" in data:
            data, nb_owner = _notebook_responses(data)
            if nb_owner is not None:
                owners.append(("the notebook's metadata", nb_owner))
        if owner is not None:
            owners.append(("the file name", owner))
        # load_responses validates a path: hand it a private copy, never the student's file
        # (one scratch file, overwritten: creating a file per hand-in is slow on busy disks).
        copy = self.scratch / "responses.json"
        copy.write_text(json.dumps(data), encoding="utf-8")
        try:
            saved = load_responses(copy)
        except ValueError as exc:
            raise _Reject(bounded(str(exc).replace(str(copy), "responses"), 300)) from None
        sid = saved.student_id
        if sid is None:
            raise _Reject("no student_id inside (save with the student id)")
        version = self.key.version(sid)
        if version is None:
            raise _Reject(f"unknown student {clean(sid, 80)!r} (not in the assignment's roster)")
        for where, claimed in owners:
            if claimed != sid:
                raise _Reject(
                    f"student_id inside is {sid!r} but {where} says {clean(claimed, 80)!r}", sid
                )
        for where, lms_name in lms_claims(parts):
            if not names_match(lms_name, version.student.name):
                raise _Reject(
                    f"student_id inside is {sid!r} ({clean(version.student.name, 80)}) but "
                    f"{where} names {clean(lms_name, 80)!r}",
                    sid,
                )
        assignment = data.get("assignment")
        if assignment != self.key.assignment:
            raise _Reject(
                f"for assignment {clean(str(assignment), 80)!r}, not {self.key.assignment!r} "
                "(hand in the file saved from this assignment's notebook or page)",
                sid,
            )
        if version.token and not tokens_match(version.token, data.get("token")):
            missing = "token" not in data
            raise _Reject(
                "no identity token (hand in the file saved from your own assignment notebook "
                "or page)"
                if missing
                else f"the identity token is not {sid}'s (a handout made for another student?)",
                sid,
            )
        questions, hashes = self.questions(version)
        for qid, info in saved.questions.items():
            if qid not in questions:
                raise _Reject(
                    f"question {clean(qid, 80)!r} is not in {sid}'s assignment (extra question)",
                    sid,
                )
            q = questions[qid]
            if info["content_hash"] not in hashes[qid]:
                raise _Reject(
                    f"question {qid!r}: content_hash does not match the assigned question "
                    "(edited file, or another version of the bank)",
                    sid,
                )
            if "points" in info and info["points"] != q.points:
                raise _Reject(
                    f"question {qid!r}: points {clean(repr(info['points']), 40)} != {q.points!r}",
                    sid,
                )
        answers: dict[str, Any] = {}
        for attempt in saved.attempts:  # in file order: the last one counts
            q = questions[attempt.question_id]
            try:
                answers[q.id] = canonical_answer(q, attempt.answer)
            except (ValueError, KeyError, TypeError) as exc:
                message = exc.args[0] if exc.args else exc
                raise _Reject(
                    f"question {q.id!r}: answer {clean(repr(attempt.answer), 80)} refused: "
                    f"{clean(str(message), 120)}",
                    sid,
                ) from None
        return Handin(name, sid, answers, saved.saved_at)


def read_handins(
    folder: str | Path, key: AssignmentKey, *, max_bytes: int = MAX_BYTES
) -> tuple[list[Handin], list[Rejected]]:
    """(usable hand-ins, one per student at most; rejected files with reasons), by file name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"handins: {clean(str(folder))} is not a folder")
    accepted: list[Handin] = []
    rejected: list[Rejected] = []
    # The scratch copy lives in memory when the system has a RAM disk (writes are cheap there).
    ram = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="vae-course-grade-", dir=ram) as scratch:
        reader = Reader(key, Path(scratch), max_bytes)
        for path, parts, kind in walk(str(folder)):
            name = clean("/".join(parts), 2 * MAX_ECHO)
            if kind != "file":
                try:
                    owner = claimed_owner(name, reader.ids)
                except _Reject:
                    owner = None
                rejected.append(Rejected(name, SKIPPED[kind], owner))
                continue
            try:
                accepted.append(reader.check(path, parts, name))
            except _Reject as exc:
                rejected.append(Rejected(name, str(exc), exc.student_id))
            except Exception as exc:  # noqa: BLE001 - one bad file must never stop grading
                reason = f"could not be read ({type(exc).__name__}: {clean(str(exc), 120)})"
                rejected.append(Rejected(name, reason))
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
                reason = f"duplicate of {handins[0].name} (same answers): counted once"
                rejected.append(Rejected(h.name, reason, sid))
        else:
            for h in handins:
                reason = (
                    f"student {sid!r} handed in {len(handins)} files with different answers "
                    f"({bounded(names)}): none is graded; keep one and grade again"
                )
                rejected.append(Rejected(h.name, reason, sid))
    rejected.sort(key=lambda r: r.name)
    return usable, rejected
