"""Reading the question bank: one YAML file per chapter in ``vae_course/quiz/bank/``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from .schema import BankError, BankFile, Question
from .validate import parse_bank

BANK_DIR = Path(__file__).resolve().parent / "bank"


MAX_DEPTH = 20  # nesting levels a bank file may use


class _BankLoader(yaml.SafeLoader):
    """SafeLoader without aliases (no "billion laughs" expansion), with a nesting limit (no
    recursion error) and without repeated keys (plain YAML keeps the last one silently)."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.events.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a bank file", mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _mapping_without_repeats(loader: _BankLoader, node: yaml.MappingNode) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, str | int | float | bool) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {str(key)[:40]!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_BankLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats
)


def load_yaml(text: str, name: str) -> Any:
    """The YAML of a bank file, read without trusting it; BankError naming ``name`` and the
    line and column of the first problem (messages bounded in length)."""
    try:
        return yaml.load(text, Loader=_BankLoader)  # a SafeLoader subclass  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = str(getattr(exc, "problem", None) or "not valid YAML")[:200]
        raise BankError(f"YAML syntax error{at}: {problem}", file=name) from None
    except RecursionError:
        raise BankError("YAML syntax error: nested too deeply", file=name) from None


def bank_dir() -> Path:
    """The directory of the bank files shipped with the package."""
    return BANK_DIR


def chapters(directory: str | Path | None = None) -> list[str]:
    """The chapter stems that have a bank file, sorted, e.g. ['06_sampling']."""
    root = Path(directory) if directory is not None else BANK_DIR
    return sorted(p.stem for p in root.glob("*.yaml"))


def read_bank_file(path: str | Path) -> BankFile:
    """Parse and validate one bank file; its ``chapter`` must equal the file name stem.

    Raises BankError (a ValueError) naming the file, question and field of the first problem.
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BankError("file not found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise BankError(f"not UTF-8 text ({exc.reason})", file=name) from None
    if not text.strip():
        raise BankError(
            "the file is empty (expected a mapping with chapter, title, questions)", file=name
        )
    return parse_bank(load_yaml(text, name), name, chapter=path.stem)


def load_file(path: str | Path) -> list[Question]:
    """The validated questions of one bank file, in file order."""
    return list(read_bank_file(path).questions)


def _resolve_chapters(
    requested: str | Iterable[str] | None, directory: Path
) -> list[tuple[str, Path]]:
    available = chapters(directory)
    if requested is None:
        wanted = available
    else:
        wanted = [requested] if isinstance(requested, str) else list(requested)
        for stem in wanted:
            if stem not in available:
                raise ValueError(
                    f"chapters: no bank file for {stem!r} in {directory} "
                    f"(available: {', '.join(available) or 'none'})"
                )
    return [(stem, directory / f"{stem}.yaml") for stem in wanted]


def read_bank(
    chapters: str | Iterable[str] | None = None, *, directory: str | Path | None = None
) -> list[BankFile]:
    """Bank files of the given chapter stems (all when None), with ids checked across files."""
    root = Path(directory) if directory is not None else BANK_DIR
    files = [read_bank_file(path) for _, path in _resolve_chapters(chapters, root)]
    check_unique_ids(files)
    return files


def check_unique_ids(files: Sequence[BankFile]) -> None:
    """BankError naming both files when a question id is defined in more than one place."""
    owner: dict[str, str] = {}
    for bank_file in files:
        for question in bank_file.questions:
            if question.id in owner:
                raise BankError(
                    f"duplicate id: also defined in {owner[question.id]}",
                    file=bank_file.source,
                    question_id=question.id,
                    field="id",
                )
            owner[question.id] = bank_file.source


def load_bank(
    chapters: str | Iterable[str] | None = None, *, directory: str | Path | None = None
) -> list[Question]:
    """All questions of the given chapter stems (all chapters when None), chapter by chapter.

    Every file is validated, and ids must be unique across all files read; any problem raises
    BankError naming file, question and field. An unknown chapter stem raises ValueError.
    """
    return [q for f in read_bank(chapters, directory=directory) for q in f.questions]


def select_questions(
    chapter_or_ids: str | Sequence[str], *, directory: str | Path | None = None
) -> tuple[str, list[Question]]:
    """Resolve ``show()``'s argument: a chapter stem, one question id, or a list of ids.

    Returns (title, questions). The whole bank is validated, so ids are checked across files.
    """
    files = read_bank(directory=directory)
    by_chapter = {f.chapter: f for f in files}
    by_id = {q.id: q for f in files for q in f.questions}
    if isinstance(chapter_or_ids, str):
        if chapter_or_ids in by_chapter:
            bank_file = by_chapter[chapter_or_ids]
            return bank_file.title, list(bank_file.questions)
        ids = [chapter_or_ids]
    else:
        ids = list(chapter_or_ids)
        if not ids:
            raise ValueError("chapter_or_ids: expected a chapter stem or question ids, got []")
    questions = []
    for qid in ids:
        if not isinstance(qid, str) or qid not in by_id:
            raise ValueError(
                f"chapter_or_ids: {qid!r} is neither a chapter stem "
                f"({', '.join(sorted(by_chapter)) or 'none'}) nor a question id in the bank"
            )
        questions.append(by_id[qid])
    if len(set(ids)) != len(ids):
        raise ValueError(f"chapter_or_ids: a question id is listed twice in {ids}")
    titles = {by_chapter[q.chapter].title for q in questions}
    title = titles.pop() if len(titles) == 1 else "Quiz"
    return title, questions
