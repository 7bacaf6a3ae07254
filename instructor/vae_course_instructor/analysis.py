"""Item analysis of a graded assignment: what Moodle's quiz statistics give instructors.

For each question, over the students who were given it and whose hand-in was graded:

- **facility**: the mean share of the question's points earned (all or nothing here, so the
  share of students right);
- **discrimination**: the corrected item-total correlation, Pearson's r between the question's
  score and the student's score on the *other* questions of their version (as a share of those
  questions' points, since versions may differ). Near 0: the question does not separate
  students who know the material from those who do not; negative: those who do well elsewhere
  do worse here, which usually means a wrong or disputable key;
- **picks**: for single- and multiple-answer questions, how many students chose each choice
  (``a*: 12`` marks a correct choice); for a word bank, each word of the first blank;
- **review**: the reasons to look at the question again: negative discrimination; a distractor
  nobody picked (it does no work); a facility of at least :data:`EASY` or at most :data:`HARD`
  (Moodle's "extremely easy" and "extremely difficult"). Fewer than :data:`MIN_N` answers give
  no flag but "too few students".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vae_course.quiz.schema import Question

if TYPE_CHECKING:
    from .grade import StudentResult

EASY = 0.95
HARD = 0.05
MIN_N = 5


@dataclass(frozen=True)
class ItemStats:
    question_id: str
    n: int  # graded students who were given the question
    facility: float | None
    discrimination: float | None  # None: fewer than 3 students, or no spread
    picks: tuple[tuple[str, bool, int], ...]  # (choice id or word, correct, how many chose it)
    review: tuple[str, ...]

    def picks_text(self) -> str:
        return "; ".join(f"{c}{'*' if ok else ''}: {k}" for c, ok, k in self.picks)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None with fewer than 3 pairs or no spread in either."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 * n or syy <= 1e-12 * n:
        return None
    return sxy / math.sqrt(sxx * syy)


def _picks(q: Question, answers: list) -> tuple[tuple[str, bool, int], ...]:
    if q.type in ("single", "multiple"):
        chosen = [a for a in answers if a is not None]
        counts = {c.id: 0 for c in q.choices}
        for a in chosen:
            for cid in [a] if q.type == "single" else a:
                counts[cid] = counts.get(cid, 0) + 1
        return tuple((c.id, c.correct, counts[c.id]) for c in q.choices)
    if q.type == "fill_blank" and q.blanks and q.blanks[0].word_bank is not None:
        blank = q.blanks[0]
        words = [a.get(blank.name) for a in answers if a is not None]
        return tuple((w, blank.accepts(w), words.count(w)) for w in blank.word_bank)
    return ()


def item_statistics(
    questions: dict[str, Question], results: Sequence[StudentResult]
) -> list[ItemStats]:
    """One :class:`ItemStats` per question of ``questions``, in their order."""
    graded = [r for r in results if r.status == "graded"]
    out = []
    for qid, question in questions.items():
        scores, rests, answers = [], [], []
        for r in graded:
            item = next((i for i in r.items if i.question.id == qid), None)
            if item is None:
                continue
            others = [i for i in r.items if i.question.id != qid]
            other_max = sum(i.question.points for i in others)
            scores.append(item.points / item.question.points)
            rests.append(sum(i.points for i in others) / other_max if other_max else 0.0)
            answers.append(item.answer)
        n = len(scores)
        facility = sum(scores) / n if n else None
        discrimination = pearson(scores, rests)
        picks = _picks(question, answers)
        review: list[str] = []
        if n < MIN_N:
            review.append(f"too few students ({n} < {MIN_N}) for statistics")
        else:
            if discrimination is not None and discrimination < 0:
                review.append(
                    f"negative discrimination ({discrimination:.2f}): check the key and the wording"
                )
            unpicked = [c for c, ok, k in picks if not ok and k == 0]
            if unpicked:
                review.append(f"distractor {', '.join(unpicked)} picked by nobody")
            if facility is not None and facility >= EASY:
                review.append(f"facility {facility:.2f}: nearly everyone is right")
            elif facility is not None and facility <= HARD:
                review.append(f"facility {facility:.2f}: nearly everyone is wrong")
        out.append(ItemStats(qid, n, facility, discrimination, picks, tuple(review)))
    return out
