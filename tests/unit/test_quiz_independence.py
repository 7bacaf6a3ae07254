"""The independence lint: it names the item and the clause that answers it, for a blank's
answer, a formula, a key option restated and a numeric value stated elsewhere; it stays silent
when an answer word turns up without the question's own words; the course bank has no item
answered by another."""

from __future__ import annotations

import copy

import pytest

from vae_course.quiz import read_bank
from vae_course.quiz.independence import answer_leaks
from vae_course.quiz.validate import parse_bank


def single(qid: str, stem: str, key: str, others: list[str]) -> dict:
    choices = [{"id": "a", "text": key, "correct": True}]
    choices += [{"id": "bcd"[i], "text": t} for i, t in enumerate(others)]
    return {"id": qid, "type": "single", "stem": stem, "choices": choices, "explanation": "."}


def blank(qid: str, stem: str, answers: list[str]) -> dict:
    return {
        "id": qid,
        "type": "fill_blank",
        "stem": stem,
        "blanks": {"x": {"answers": answers}},
        "explanation": ".",
    }


CLEAN = {
    "chapter": "99_pairs",
    "title": "Pairs",
    "questions": [
        blank(
            "99-pull", "The KL term pulls each encoder distribution toward the {{x}}.", ["prior"]
        ),
        blank(
            "99-shell",
            "Gaussian samples have norms close to {{x}} in high dimensions.",
            ["sqrt(d)"],
        ),
        {
            "id": "99-ratio",
            "type": "numeric",
            "stem": "Two independent Gaussian samples: their midpoint's norm over one sample's "
            "norm, to two decimals?",
            "answer": 0.70711,
            "tolerance": {"absolute": 0.01},
            "explanation": ".",
        },
        single(
            "99-gap",
            "Which change can shrink the approximation gap of a Gaussian encoder?",
            "Replacing the Gaussian by a normalizing flow posterior",
            ["A wider encoder network", "More importance samples", "A smaller learning rate"],
        ),
        single(
            "99-other",
            "Which statement about the decoder is true?",
            "It maps a code to the parameters of a distribution over images",
            ["It is trained alone", "It has no weights", "It sees the labels"],
        ),
    ],
}


def leaks(data: dict) -> list[str]:
    return [str(c) for c in answer_leaks([parse_bank(data, "99_pairs.yaml")], all_hits=True)]


def with_option(text: str) -> dict:
    data = copy.deepcopy(CLEAN)
    data["questions"][-1]["choices"][1]["text"] = text
    return data


def test_the_clean_page_has_no_leak():
    assert leaks(CLEAN) == []


@pytest.mark.parametrize(
    "option, victim, words",
    [
        ("It pulls every encoder distribution toward the prior.", "99-pull", "prior"),
        ("Samples have norms near $\\sqrt{d}$, a thin shell.", "99-shell", "sqrt(d)"),
        ("A midpoint of two independent samples shrinks by $1/\\sqrt{2}$.", "99-ratio", "0.707"),
        ("Replacing it by a flow posterior shrinks the approximation gap.", "99-gap", "flow"),
    ],
)
def test_an_answer_stated_by_another_item_is_an_error_naming_both(option, victim, words):
    found = leaks(with_option(option))
    assert len(found) == 1, found
    assert found[0].startswith(f"error: 99_pairs.yaml: question '{victim}': answered by 99-other")
    assert words in found[0]


@pytest.mark.parametrize(
    "option",
    [
        "It has no prior knowledge of the labels.",  # the answer word, none of the stem's
        "It computes $d$ outputs and a square root.",  # not the formula
        "It was trained for 0.7 epochs.",  # the number, but nothing of the stem beside it
        "It uses a normalizing layer.",  # one word of the key only
    ],
)
def test_an_answer_word_without_the_questions_context_is_not_a_leak(option):
    assert leaks(with_option(option)) == []


def test_the_course_bank_has_no_item_answered_by_another():
    assert [str(c) for c in answer_leaks(read_bank())] == []
