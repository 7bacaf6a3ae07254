"""Loading the question bank (the course's plus an instructor's own files) and choosing questions.

The assessment bank (:mod:`.banks`) comes after the course's self-check bank. A selection is:
the questions named by ``ids`` and those of the ``chapters`` (all questions when neither is
given), then only those matching every ``tags`` filter (``topic=sampling``,
``difficulty=easy``, ``chapter=06_sampling``). Order: bank order, chapter by chapter.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vae_course.quiz.bank import check_unique_ids, read_bank
from vae_course.quiz.schema import BankError, BankFile, Question

from .banks import files_in as bank_files_in
from .banks import read_assessment, read_extra

__all__ = ["Selection", "bank_files_in", "load_all", "parse_tag", "select"]

TAG_KEYS = ("chapter", "topic", "difficulty")


def check_unique(files: Sequence[BankFile]) -> None:
    """BankError naming both files when a chapter or a question id is defined twice."""
    chapters: dict[str, str] = {}
    for bank_file in files:
        if bank_file.chapter in chapters:
            raise BankError(
                f"chapter {bank_file.chapter!r} is also defined in {chapters[bank_file.chapter]}",
                file=bank_file.source,
                field="chapter",
            )
        chapters[bank_file.chapter] = bank_file.source
    check_unique_ids(files)


def load_all(extra: Iterable[str | Path] = ()) -> list[BankFile]:
    """The course's self-check bank, the assessment bank and the extra files; ids unique."""
    files = [*_course_bank(), *read_assessment(), *read_extra(extra)]
    check_unique(files)
    return files


def _course_bank() -> list[BankFile]:
    from vae_course.quiz.bank import bank_dir

    stamps = tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(bank_dir().glob("*.yaml"))
    )
    return list(_course_bank_unchanged(stamps))


@functools.lru_cache(maxsize=4)
def _course_bank_unchanged(stamps: tuple) -> tuple[BankFile, ...]:
    """The course's self-check bank, parsed once per process while its files do not change."""
    return tuple(read_bank())


def parse_tag(text: str) -> tuple[str, str]:
    """'topic=sampling' -> ('topic', 'sampling'); ValueError naming the expected form."""
    key, sep, value = text.partition("=")
    if not sep or key not in TAG_KEYS or not value:
        raise ValueError(
            f"--tag: expected KEY=VALUE with KEY one of {', '.join(TAG_KEYS)}, got {text!r}"
        )
    return key, value


@dataclass(frozen=True)
class Selection:
    """What to pick: question ids, chapters, tag filters (all optional)."""

    ids: tuple[str, ...] = ()
    chapters: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


def select(files: Sequence[BankFile], selection: Selection) -> list[Question]:
    """The selected questions in bank order; ValueError names an unknown id or chapter."""
    questions = [q for f in files for q in f.questions]
    by_id = {q.id: q for q in questions}
    known_chapters = [f.chapter for f in files]
    for qid in selection.ids:
        if qid not in by_id:
            raise ValueError(f"--id: no question {qid!r} in the bank (see `vae-course list`)")
    for chapter in selection.chapters:
        if chapter not in known_chapters:
            raise ValueError(
                f"--chapter: no bank file for {chapter!r} (chapters: {', '.join(known_chapters)})"
            )
    if selection.ids or selection.chapters:
        wanted = set(selection.ids)
        chapters = set(selection.chapters)
        chosen = [q for q in questions if q.id in wanted or q.chapter in chapters]
    else:
        chosen = questions
    for key, value in selection.tags:
        chosen = [q for q in chosen if getattr(q.tags, key) == value]
    if not chosen:
        raise ValueError("the selection is empty: no question matches --id/--chapter/--tag")
    return chosen
