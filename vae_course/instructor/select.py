"""Loading the question bank (the course's plus an instructor's own files) and choosing questions.

A selection is: the questions named by ``ids`` and those of the ``chapters`` (all questions when
neither is given), then only those matching every ``tags`` filter (``topic=sampling``,
``difficulty=easy``, ``chapter=06_sampling``). Order: bank order, chapter by chapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vae_course.quiz import BankError, BankFile, Question, read_bank, read_bank_file
from vae_course.quiz.bank import check_unique_ids

TAG_KEYS = ("chapter", "topic", "difficulty")


def bank_files_in(path: str | Path) -> list[Path]:
    """The YAML files of an extra bank: the file itself, or every *.yaml / *.yml in a folder."""
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise BankError("the folder has no *.yaml or *.yml bank file", file=str(path))
        return files
    if not path.exists():
        raise BankError("file not found", file=str(path))
    return [path]


def read_extra(paths: Iterable[str | Path]) -> list[BankFile]:
    """Parse and validate extra bank files/folders (first problem per file raises BankError)."""
    return [read_bank_file(f) for p in paths for f in bank_files_in(p)]


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
    """The course's bank files followed by the extra ones, with ids unique across all."""
    files = [*read_bank(), *read_extra(extra)]
    check_unique(files)
    return files


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
