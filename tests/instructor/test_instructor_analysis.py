"""Item analysis on simulated classes: discrimination is the corrected item-total correlation,
picks count each choice, and exactly the items that should be reviewed are flagged (a key that
strong students reject, a distractor nobody picks, one everyone gets right or wrong)."""

from __future__ import annotations

import random
import statistics

import pytest

from vae_course.quiz.validate import parse_bank
from vae_course_instructor.analysis import EASY, HARD, MIN_N, item_statistics, pearson
from vae_course_instructor.grade import ItemResult, StudentResult
from vae_course_instructor.roster import Student


def single(qid: str) -> dict:
    choices = [{"id": c, "text": f"Option {c}", "correct": c == "a"} for c in "abcd"]
    return {"id": qid, "type": "single", "stem": "?", "choices": choices, "explanation": "."}


BANK = parse_bank(
    {
        "chapter": "99_sim",
        "title": "Simulated",
        "questions": [single(q) for q in ("good", "miskeyed", "lazy-distractor", "easy", "hard")]
        + [single(f"filler-{i}") for i in range(6)],
    },
    "99_sim.yaml",
)
QUESTIONS = {q.id: q for q in BANK.questions}


def answer_of(qid: str, able: bool, rng: random.Random) -> str:
    """What a student of this ability picks; 'a' is the key of every question."""
    if qid == "easy":
        return "a"
    if qid == "hard":
        return rng.choice("bcd")
    if qid == "miskeyed":  # strong students see that the key is wrong and pick 'b'
        return "b" if able else rng.choice("ab")
    if qid == "lazy-distractor":  # nobody ever picks 'd'
        return "a" if able else rng.choice("abc")
    return "a" if able or rng.random() < 0.25 else rng.choice("bcd")


def simulate(n: int, seed: int = 0) -> list[StudentResult]:
    rng = random.Random(seed)
    results = []
    for i in range(n):
        ability = rng.random()
        items = []
        for qid, q in QUESTIONS.items():
            able = rng.random() < ability
            choice = answer_of(qid, able, rng)
            right = choice == "a"
            items.append(ItemResult(q, choice, right, q.points if right else 0.0, ""))
        results.append(StudentResult(Student(f"s{i}", f"S {i}"), "graded", "f", tuple(items)))
    return results


@pytest.fixture(scope="module")
def stats():
    return {s.question_id: s for s in item_statistics(QUESTIONS, simulate(200))}


def test_discrimination_is_the_corrected_item_total_correlation(stats):
    results = simulate(200)
    for qid in QUESTIONS:
        xs = [next(i.points for i in r.items if i.question.id == qid) for r in results]
        rest = [sum(i.points for i in r.items if i.question.id != qid) for r in results]
        want = statistics.correlation(xs, rest) if len(set(xs)) > 1 else None
        got = stats[qid].discrimination
        assert (got is None) == (want is None), qid
        if want is not None:
            assert got == pytest.approx(want, abs=1e-12), qid


def test_picks_count_every_choice(stats):
    results = simulate(200)
    for qid in QUESTIONS:
        chosen = [next(i.answer for i in r.items if i.question.id == qid) for r in results]
        assert stats[qid].picks == tuple((c, c == "a", chosen.count(c)) for c in "abcd")
        assert stats[qid].facility == pytest.approx(chosen.count("a") / len(chosen))


def test_exactly_the_items_to_review_are_flagged(stats):
    flagged = {qid: s.review for qid, s in stats.items() if s.review}
    assert set(flagged) == {"miskeyed", "lazy-distractor", "easy", "hard"}
    assert any("negative discrimination" in r for r in flagged["miskeyed"])
    assert flagged["lazy-distractor"] == ("distractor d picked by nobody",)
    assert any("nearly everyone is right" in r for r in flagged["easy"])
    assert stats["easy"].facility >= EASY
    assert any("nearly everyone is wrong" in r for r in flagged["hard"])
    assert stats["hard"].facility <= HARD
    assert stats["good"].discrimination > 0.3


def test_a_small_class_gets_no_statistics_flag():
    stats = item_statistics(QUESTIONS, simulate(MIN_N - 1))
    for s in stats:
        assert len(s.review) == 1 and s.review[0].startswith("too few students")


def test_only_graded_students_given_the_question_count():
    results = simulate(30)
    q = QUESTIONS["good"]
    # one student did not get the question, another was not graded
    results[0] = StudentResult(
        results[0].student,
        "graded",
        "f",
        tuple(i for i in results[0].items if i.question.id != q.id),
    )
    results[1] = StudentResult(results[1].student, "no hand-in", "", results[1].items)
    good = next(s for s in item_statistics(QUESTIONS, results) if s.question_id == "good")
    assert good.n == 28
    assert sum(k for _, _, k in good.picks) == 28


@pytest.mark.parametrize(
    "xs, ys",
    [([1, 1, 1], [0.1, 0.5, 0.9]), ([0, 1], [0.0, 1.0]), ([0, 1, 0], [0.5, 0.5, 0.5])],
)
def test_no_correlation_without_spread_or_with_fewer_than_three(xs, ys):
    assert pearson(xs, ys) is None


def _page_table(header: str) -> list[list[str]]:
    """The rows of the markdown table of book/instructors.md whose header starts so."""
    from paths import BOOK

    lines = (BOOK / "instructors.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_worked_example_of_the_instructors_page_is_what_the_tool_computes():
    answers = _page_table("| student | Q1 |")
    claimed = _page_table("| question | share_correct |")
    qids = [f"Q{i}" for i in range(1, len(answers[0]))]
    questions = {
        q.id: q
        for q in parse_bank(
            {"chapter": "99_page", "title": "Page", "questions": [single(q.lower()) for q in qids]},
            "99_page.yaml",
        ).questions
    }
    results = []
    for sid, *picked in answers:
        items = tuple(
            ItemResult(questions[qid.lower()], a, a == "a", float(a == "a"), "")
            for qid, a in zip(qids, picked, strict=True)
        )
        results.append(StudentResult(Student(sid, sid), "graded", "f", items))
    stats = {s.question_id.upper(): s for s in item_statistics(questions, results)}
    assert [row[0] for row in claimed] == qids
    for qid, facility, discrimination, picks, review in claimed:
        s = stats[qid]
        assert f"{s.facility:.2f}" == facility, qid
        assert f"{s.discrimination:.2f}" == discrimination, qid
        assert s.picks_text() == picks, qid
        assert "; ".join(s.review) == review, qid
