"""The surface-cue lint fires on a bank built to show each cue and is silent on the course bank;
over the course bank, the test-wise strategies score no better than guessing."""

from __future__ import annotations

import copy

import pytest

from vae_course.quiz import read_bank
from vae_course.quiz.cues import (
    avoid_absolutes_score,
    first_word_score,
    longest_option_score,
    mirror_pair_score,
    mirror_pairs,
    option_similarity,
    surface_cues,
)
from vae_course.quiz.validate import parse_bank


def single(qid: str, key: str, others: list[str], stem: str = "Which one?") -> dict:
    choices = [{"id": "a", "text": key, "correct": True}]
    choices += [{"id": "bcd"[i], "text": t} for i, t in enumerate(others)]
    return {"id": qid, "type": "single", "stem": stem, "choices": choices, "explanation": "."}


CLEAN = {
    "chapter": "99_cues",
    "title": "Cues",
    "questions": [
        single("99-first", "Short key", ["A longer distractor", "Another long one"]),
        single("99-second", "Key of middling length", ["Tiny", "A much longer distractor here"]),
        {
            "id": "99-blank",
            "type": "fill_blank",
            "stem": "Decode from the {{where}} space.",
            "blanks": {"where": {"answers": ["latent"], "word_bank": ["pixel", "latent"]}},
            "explanation": ".",
        },
    ],
}


def cues_of(data: dict) -> list[str]:
    return [str(c) for c in surface_cues([parse_bank(data, "99_cues.yaml")])]


def edited(edit) -> dict:
    data = copy.deepcopy(CLEAN)
    edit(data["questions"])
    return data


def test_the_clean_bank_shows_no_cue():
    assert cues_of(CLEAN) == []


def _longest_keys(qs):
    qs[0]["choices"][0]["text"] = "A key that is clearly the longest option of all"
    qs[1]["choices"][0]["text"] = "Another key that is clearly the longest of the three"


def _answer_first(qs):
    qs[2]["blanks"]["where"]["word_bank"] = ["latent", "pixel"]


def _id_names_key(qs):
    qs[0]["id"] = "99-holes"
    qs[0]["choices"][0]["text"] = "Holes between codes"


def _choice_id_names_key(qs):
    qs[0]["choices"][0]["id"] = "short-key"


def _giveaway_choice_id(qs):
    qs[1]["choices"][1]["id"] = "wrong-tiny"


def _id_names_blank_answer(qs):
    qs[2]["id"] = "99-latent-fill"


def _blank_name_is_answer(qs):
    qs[2]["stem"] = "Decode from the {{latent}} space."
    qs[2]["blanks"] = {"latent": qs[2]["blanks"]["where"]}


def _catch_all(qs):
    qs[1]["choices"][2]["text"] = "None of the above"


@pytest.mark.parametrize(
    "edit, expected",
    [
        (_longest_keys, "the correct option is the longest in 2 of 2"),
        (_answer_first, "question '99-blank': field 'blanks.where.word_bank': the word bank"),
        (_id_names_key, "question '99-holes': field 'id': the id shares ['hole']"),
        (_choice_id_names_key, "field 'choices[0].id': choice id 'short-key' names the answer"),
        (_giveaway_choice_id, "field 'choices[1].id': choice id 'wrong-tiny' names the answer"),
        (_id_names_blank_answer, "question '99-latent-fill': field 'id'"),
        (_blank_name_is_answer, "field 'blanks.latent': the blank's name"),
        (_catch_all, "field 'choices[2].text': a catch-all option"),
    ],
)
def test_each_cue_is_reported_naming_file_and_question(edit, expected):
    found = cues_of(edited(edit))
    assert len(found) == 1 and found[0].startswith("warning: 99_cues.yaml: "), found
    assert expected in found[0], found


def test_the_course_bank_shows_no_cue():
    """Fails while a chapter's bank still has cues (the bank is rewritten chapter by chapter)."""
    assert [str(c) for c in surface_cues(read_bank())] == []


def test_test_wise_strategies_do_no_better_than_chance_on_the_course_bank():
    """Each test-wise strategy (longest option, first word shown, avoid absolutes, mirror pair)
    against guessing.

    Margin: two binomial standard errors of a guesser's mean score (sqrt(sum p(1-p)) / n).
    If the bank had no cue at all, its score would exceed chance + 2 SE about one time in 40
    (a fixed shuffle is one draw); the old bank's cues sat 6 SE (longest: 0.86 against 0.28)
    and 5.5 SE (first word: 1.0 against 0.25) above chance, so this margin catches them.
    """
    questions = [q for f in read_bank() for q in f.questions]
    for name, result in [
        ("longest option", longest_option_score(questions)),
        ("first word shown", first_word_score(questions)),
        ("avoid absolutes", avoid_absolutes_score(questions)),
        ("mirror pair", mirror_pair_score(questions)),
    ]:
        print(f"{name}: {result}")
        if result.n == 0:
            continue  # no question of that kind: nothing to exploit
        assert result.score <= result.chance + 2 * result.standard_error, (name, str(result))


def test_avoiding_absolutes_beats_chance_where_only_distractors_have_them():
    planted = [
        single(f"99-abs-{i}", "It depends on the data", ["It is always zero", "It never changes"])
        for i in range(10)
    ]
    bank = parse_bank({"chapter": "99_abs", "title": "A", "questions": planted}, "99_abs.yaml")
    result = avoid_absolutes_score(bank.questions)
    assert result.score == 1.0  # the key is the one option left
    assert result.chance == pytest.approx(1 / 3)
    assert result.score > result.chance + 2 * result.standard_error
    # with an absolute in every key too, the strategy is a guess among all options
    for q in planted:
        q["choices"][0]["text"] = "It only depends on the data"
    bank = parse_bank({"chapter": "99_abs", "title": "A", "questions": planted}, "99_abs.yaml")
    assert avoid_absolutes_score(bank.questions).score == pytest.approx(1 / 3)


def test_option_similarity_is_jaccard_of_the_words_the_reader_sees():
    # {kl, q, p, rises} against {kl, p, q, falls}: 3 shared of 5
    assert option_similarity("$KL(q \\| p)$ **rises**", "$KL(p \\| q)$ falls") == pytest.approx(
        3 / 5
    )
    assert option_similarity("The rate", "the *rate*") == 1.0
    assert option_similarity("Holes", "Blur") == 0.0


def _mirror_bank(key_in_pair: bool):
    # the mirror pair: "The rate rises with beta" / "The rate falls with beta" (3 of 5 words)
    twin = "The rate falls with beta"
    planted = []
    for i in range(20):  # enough items for a coin toss to stand 2 SE above a 1-in-4 guess
        others = ["Decoder blur", "Posterior holes", twin]
        key = "The rate rises with beta"
        if not key_in_pair:  # the pair is two distractors; the key stands alone
            key, others[0] = "Decoder blur", key
        planted.append(single(f"99-mirror-{i}", key, others))
    return parse_bank({"chapter": "99_mir", "title": "M", "questions": planted}, "99_mir.yaml")


def test_mirror_pair_beats_chance_where_the_pair_holds_the_key():
    result = mirror_pair_score(_mirror_bank(key_in_pair=True).questions)
    assert result.score == pytest.approx(1 / 2)  # a coin toss within the pair
    assert result.chance == pytest.approx(1 / 4)
    assert result.score > result.chance + 2 * result.standard_error


def test_mirror_pair_pays_nothing_where_the_pair_is_two_distractors():
    assert mirror_pair_score(_mirror_bank(key_in_pair=False).questions).score == 0.0
    # below the threshold the strategy is a guess
    bank = _mirror_bank(key_in_pair=True)
    assert mirror_pair_score(bank.questions, threshold=0.7).score == pytest.approx(1 / 4)


def test_mirror_pairs_of_the_course_bank_hold_the_key_no_more_often_than_chance():
    """Where a single-choice item has a mirror pair, does the pair hold the key?

    A pair of 2 of k options drawn at random holds the key with probability 2/k. Margin: the
    expected count plus two binomial standard errors. The mean score of the strategy hides this
    (it acts on few items, and a coin toss within the pair halves its gain); the count does not:
    before chapters 4, 5 and 8 were rewritten, 8 of 8 pairs held the key against 4 +- 1.4.
    """
    questions = [q for f in read_bank() for q in f.questions if q.type == "single"]
    held, expected, variance = 0, 0.0, 0.0
    for q in questions:
        tied = mirror_pairs(q)
        if not tied:
            continue
        held += sum(a.correct or b.correct for a, b in tied) / len(tied)
        p = 2 / len(q.choices)
        expected, variance = expected + p, variance + p * (1 - p)
    print(f"mirror pairs holding the key: {held:g} (chance {expected:g} +- {variance**0.5:.2f})")
    assert held <= expected + 2 * variance**0.5
