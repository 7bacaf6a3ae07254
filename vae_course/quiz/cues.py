"""Surface cues: what lets a test-wise learner answer without knowing the subject.

Two lints here: ``surface_cues`` (warnings, below) and ``checker_problems`` (errors: typed
answers checked unfairly); :mod:`.independence` has the third, items that answer each other.

``surface_cues(files)`` returns warnings, each naming the file and the question:

- **longest key**: in more than half of a file's single-choice questions (at least two), the
  correct option is strictly the longest (length as the reader sees it: Markdown and TeX
  commands dropped);
- **word bank answer first**: a word bank lists an accepted answer first;
- **id names the answer**: a word of the question id appears in the key (the correct choices,
  or a blank's answers) but in no distractor and not in the stem; the correct choice's id
  repeats a word of its text; a choice id says right/wrong; a blank's name is its answer;
- **catch-all option**: "all / none / both / neither of the above" (or "of these").

The test-wise strategies are measured over a whole bank with ``longest_option_score``,
``first_word_score`` and ``avoid_absolutes_score`` (drop the options that say always, never,
only, ...) and ``mirror_pair_score`` (pick within the pair of near-copy options, the key's
likely twin): each returns (score, chance, standard error) so a test can check that the strategy
does no better than guessing. From a shell: ``python -m vae_course.quiz.cues [files]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .checking import precision_problems, table_problems
from .render import markdown_to_text
from .schema import BankFile, Question
from .shuffle import display_choices, display_words

# Words that say whether a choice is right, wherever they appear in a choice id.
GIVEAWAY = {"correct", "incorrect", "right", "wrong", "true", "false", "answer", "yes", "no"}
CATCH_ALL = re.compile(r"\b(all|none|both|neither)\s+of\s+(the\s+)?(above|these|them)\b", re.I)
# Id words too common to leak anything.
_STOP = {"the", "and", "for", "with", "from", "into", "what", "which", "why", "how", "vs"}
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Cue:
    """One warning; printed like the instructor lint's problems."""

    file: str
    question_id: str | None
    field: str | None
    message: str
    level: str = "warning"

    def __str__(self) -> str:
        return located(self.level, self.file, self.question_id, self.field, self.message)


def located(level: str, file: str, question_id: str | None, field: str | None, message: str) -> str:
    """'warning: file: question 'id': field 'f': message', the one format of bank problems."""
    where = [file]
    if question_id:
        where.append(f"question {question_id!r}")
    if field:
        where.append(f"field {field!r}")
    return f"{level}: {': '.join(where)}: {message}"


def visible_length(text: str) -> int:
    """Characters a reader sees: Markdown markup, TeX commands, braces and $ dropped."""
    plain = markdown_to_text(text)
    plain = _TEX_COMMAND.sub("x", plain)  # \mathcal{N} shows as one letter
    plain = re.sub(r"[{}$^_\\]", "", plain)
    return len(" ".join(plain.split()))


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(markdown_to_text(text).lower())}


def key_is_longest(question: Question) -> bool:
    """Whether a single-choice question's correct option is strictly its longest."""
    lengths = [(visible_length(c.text), c.correct) for c in question.choices]
    key = next(n for n, correct in lengths if correct)
    return all(n < key for n, correct in lengths if not correct)


def _id_words(identifier: str) -> set[str]:
    words = {_stem(w) for w in re.split(r"[-_]", identifier.lower())}
    return {w for w in words if len(w) >= 3 and not w.isdigit() and w not in _STOP}


def _question_cues(q: Question, source: str) -> list[Cue]:
    out: list[Cue] = []

    def add(field: str | None, message: str) -> None:
        out.append(Cue(source, q.id, field, message))

    stem_words = _words(q.stem)
    if q.type in ("single", "multiple"):
        key_words = set().union(*(_words(c.text) for c in q.choices if c.correct))
        other_words = set().union(*(_words(c.text) for c in q.choices if not c.correct))
        leaked = (_id_words(q.id) & key_words) - other_words - stem_words
        if leaked:
            add("id", f"the id shares {sorted(leaked)} with the key and with no distractor")
        for i, c in enumerate(q.choices):
            giveaway = set(re.split(r"[-_]", c.id.lower())) & GIVEAWAY
            own = (_id_words(c.id) & _words(c.text)) - stem_words if c.correct else set()
            if giveaway or own:
                add(
                    f"choices[{i}].id",
                    f"choice id {c.id!r} names the answer ({', '.join(sorted(giveaway | own))}); "
                    "use letters a, b, c, d",
                )
            if CATCH_ALL.search(markdown_to_text(c.text)):
                add(f"choices[{i}].text", "a catch-all option ('... of the above')")
    elif q.type == "fill_blank":
        for b in q.blanks:
            answer_words = set().union(*(_words(a) for a in b.answers))
            other_words = set()
            if b.word_bank is not None:
                wrong = [w for w in b.word_bank if not b.accepts(w)]
                other_words = set().union(set(), *(_words(w) for w in wrong))
                if b.word_bank and b.accepts(b.word_bank[0]):
                    add(f"blanks.{b.name}.word_bank", "the word bank lists an answer first")
            leaked_id = (_id_words(q.id) & answer_words) - other_words - stem_words
            if leaked_id:
                add("id", f"the id shares {sorted(leaked_id)} with the answer of {b.name!r}")
            leaked_name = (_id_words(b.name) & answer_words) - other_words - stem_words
            if leaked_name:
                add(
                    f"blanks.{b.name}",
                    f"the blank's name shares {sorted(leaked_name)} with its answer",
                )
    return out


def surface_cues(files: Sequence[BankFile]) -> list[Cue]:
    """Warnings for every surface cue in ``files`` (see the module docstring)."""
    cues: list[Cue] = []
    for bank_file in files:
        singles = [q for q in bank_file.questions if q.type == "single"]
        longest = [q.id for q in singles if key_is_longest(q)]
        if len(longest) >= 2 and len(longest) * 2 > len(singles):
            cues.append(
                Cue(
                    bank_file.source,
                    None,
                    None,
                    f"the correct option is the longest in {len(longest)} of {len(singles)} "
                    f"single-choice questions ({', '.join(longest)}): make the keys no longer "
                    "than the distractors",
                )
            )
        for q in bank_file.questions:
            cues.extend(_question_cues(q, bank_file.source))
    return cues


def checker_problems(files: Sequence[BankFile]) -> list[Cue]:
    """Errors where typed answers are checked unfairly: an entry of a question's test table
    (``checks``) that the checker gets wrong; a numeric question whose stem states no
    precision, or whose tolerance does not follow it (:func:`~.checking.precision_problems`).
    Questions whose key changes per student (``answer`` None) are checked by their owner."""
    out: list[Cue] = []
    for bank_file in files:
        for q in bank_file.questions:
            for field, message in table_problems(q):
                out.append(Cue(bank_file.source, q.id, field, message, "error"))
            if q.type == "numeric" and q.answer is not None and q.tolerance is not None:
                lo, hi = q.tolerance.bounds(q.answer)
                for message in precision_problems(q.stem, q.answer, (hi - lo) / 2):
                    out.append(Cue(bank_file.source, q.id, "tolerance", message, "error"))
    return out


@dataclass(frozen=True)
class StrategyScore:
    """A strategy's mean score over ``n`` items, the mean score of guessing (``chance``) and the
    binomial standard error of a guesser's mean score."""

    score: float
    chance: float
    standard_error: float
    n: int

    def __str__(self) -> str:
        return (
            f"{self.score:.3f} over {self.n} items (chance {self.chance:.3f}, "
            f"standard error {self.standard_error:.3f})"
        )


def _strategy(hits: list[float], p_chance: list[float]) -> StrategyScore:
    n = len(hits)
    if n == 0:
        return StrategyScore(0.0, 0.0, 0.0, 0)
    variance = sum(p * (1 - p) for p in p_chance)
    return StrategyScore(sum(hits) / n, sum(p_chance) / n, math.sqrt(variance) / n, n)


def longest_option_score(questions: Iterable[Question], *, shuffle: bool = True) -> StrategyScore:
    """'Pick the longest option' over single-choice questions (of equals, the first shown;
    ``shuffle=False``: the first in the YAML)."""
    hits, chance = [], []
    for q in questions:
        if q.type != "single":
            continue
        shown = display_choices(q) if shuffle else list(q.choices)
        best = max(shown, key=lambda c: visible_length(c.text))  # first of equals wins
        hits.append(best.correct)
        chance.append(1 / len(shown))
    return _strategy(hits, chance)


# Words a test-wise learner reads as "too strong to be true".
ABSOLUTE = re.compile(
    r"\b(always|never|every|exactly|cannot|can't|must|only|all|none|impossible|guaranteed?)\b",
    re.IGNORECASE,
)


def avoid_absolutes_score(questions: Iterable[Question]) -> StrategyScore:
    """'Drop the options that say always, never, only, ...; guess among the rest' over
    single-choice questions: the expected score of that guess (among all options when every
    one has such a word)."""
    hits, chance = [], []
    for q in questions:
        if q.type != "single":
            continue
        plain = [(c, ABSOLUTE.search(markdown_to_text(c.text)) is None) for c in q.choices]
        kept = [c for c, free in plain if free] or list(q.choices)
        hits.append(sum(c.correct for c in kept) / len(kept))
        chance.append(1 / len(q.choices))
    return _strategy(hits, chance)


# Two options are a mirror pair when at least half of the words of either are shared
# (Jaccard similarity of their word sets): "KL(q||p) rises" beside "KL(p||q) falls".
MIRROR_SIMILARITY = 0.5


def option_similarity(a: str, b: str) -> float:
    """Jaccard similarity of two options' word sets, words as the reader sees them (Markdown
    markup dropped, lower-cased, runs of letters and digits: ``$\\omega = 3$`` gives omega, 3)."""
    words_a, words_b = (set(_WORD.findall(markdown_to_text(t).lower())) for t in (a, b))
    union = words_a | words_b
    return len(words_a & words_b) / len(union) if union else 1.0


def mirror_pairs(question: Question, *, threshold: float = MIRROR_SIMILARITY) -> list[tuple]:
    """The pairs of choices tied for most similar (:func:`option_similarity`) when that
    similarity is at least ``threshold``; empty when no pair is that similar."""
    pairs = [
        (option_similarity(a.text, b.text), (a, b))
        for i, a in enumerate(question.choices)
        for b in question.choices[i + 1 :]
    ]
    best = max((sim for sim, _ in pairs), default=0.0)
    return [pair for sim, pair in pairs if sim == best] if best >= threshold else []


def mirror_pair_score(
    questions: Iterable[Question], *, threshold: float = MIRROR_SIMILARITY
) -> StrategyScore:
    """'Pick at random within the most similar pair of options when their similarity is at least
    ``threshold`` (:func:`option_similarity`), else guess' over single-choice questions: the
    expected score of that pick (averaged over pairs tied for most similar)."""
    hits, chance = [], []
    for q in questions:
        if q.type != "single":
            continue
        tied = mirror_pairs(q, threshold=threshold)
        if tied:
            hits.append(sum((a.correct + b.correct) / 2 for a, b in tied) / len(tied))
        else:
            hits.append(1 / len(q.choices))
        chance.append(1 / len(q.choices))
    return _strategy(hits, chance)


def first_word_score(questions: Iterable[Question], *, shuffle: bool = True) -> StrategyScore:
    """'Pick the first word of the word bank' as shown (``shuffle=False``: as in the YAML)."""
    hits, chance = [], []
    for q in questions:
        for b in q.blanks:
            if not b.word_bank:
                continue
            shown = display_words(q, b) if shuffle else list(b.word_bank)
            hits.append(b.accepts(shown[0]))
            chance.append(sum(b.accepts(w) for w in shown) / len(shown))
    return _strategy(hits, chance)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m vae_course.quiz.cues [bank.yaml ...]``: print the cues of the given bank
    files (default: the course bank) and the strategies' scores; exit 1 if any cue."""
    import sys

    from .bank import read_bank, read_bank_file
    from .independence import answer_leaks

    paths = list(sys.argv[1:] if argv is None else argv)
    files = [read_bank_file(p) for p in paths] if paths else read_bank()
    cues = surface_cues(files) + checker_problems(files) + answer_leaks(files)
    for cue in cues:
        print(cue)
    questions = [q for f in files for q in f.questions]
    print(f"pick the longest option: {longest_option_score(questions)}")
    print(f"pick the first word shown: {first_word_score(questions)}")
    print(f"avoid options with absolutes: {avoid_absolutes_score(questions)}")
    print(f"pick within the mirror pair: {mirror_pair_score(questions)}")
    print(f"{len(cues)} problems in {len(files)} files")
    return 1 if cues else 0


if __name__ == "__main__":
    raise SystemExit(main())
