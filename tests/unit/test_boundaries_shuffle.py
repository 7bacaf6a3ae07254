"""The shuffle at its edges, by hand: the bytes each draw is read from, a draw exactly at the
rejection limit (which would bias the modulo if kept), and the word bank of a blank."""

from __future__ import annotations

import hashlib

import pytest

from vae_course.quiz import shuffle
from vae_course.quiz.schema import Blank

from questions import question


def test_draws_are_the_four_big_endian_words_of_each_counter_block():
    # Blocks 0 and 1 of SHA-256("vae-course shuffle v1\nk\n<counter>"), each cut into four
    # 8-byte big-endian integers, in order: eight draws, then block 2 starts.
    want = []
    for counter in (0, 1):
        block = hashlib.sha256(f"vae-course shuffle v1\nk\n{counter}".encode()).digest()
        want += [int.from_bytes(block[8 * i : 8 * i + 8], "big") for i in range(4)]
    draws = shuffle._draws("k")
    assert [next(draws) for _ in range(8)] == want
    assert all(0 <= w < 1 << 64 for w in want)


def test_a_draw_at_the_rejection_limit_is_drawn_again(monkeypatch):
    # n = 3: the first step draws j in range(3). 2**64 = 1 (mod 3), so the top value 2**64 - 1
    # (= 0 mod 3) is the only one rejected: keeping it would make j = 0 one part in 2**64 more
    # likely. Draws: 2**64 - 1 (rejected), 1 (j = 1: swap places 2 and 1 -> [0, 2, 1]), then
    # 0 for the second step (j = 0: swap places 1 and 0 -> [2, 0, 1]). Had the top value been
    # kept: j = 0 -> [2, 1, 0], then 1 -> j = 1, no swap: [2, 1, 0].
    top = (1 << 64) - 1
    assert (1 << 64) % 3 == 1 and top % 3 == 0
    monkeypatch.setattr(shuffle, "_draws", lambda key: iter([top, 1, 0]))
    assert shuffle.permutation(3, "any") == [2, 0, 1]
    # One below the limit is kept: 2**64 - 2 = 2 (mod 3), j = 2 (no swap), then 0 -> j = 0.
    monkeypatch.setattr(shuffle, "_draws", lambda key: iter([top - 1, 0]))
    assert shuffle.permutation(3, "any") == [1, 0, 2]


def test_display_words_shuffles_a_word_bank_and_gives_nothing_for_a_typed_blank():
    bank = Blank("w", ("latent",), word_bank=("latent", "pixel", "decoder", "prior"))
    typed = Blank("v", ("sqrt(d)",))
    q = question(
        "edge-words",
        "fill_blank",
        stem="{{w}} {{v}}",
        chapter="01_autoencoders",
        blanks=(bank, typed),
    )
    words = shuffle.display_words(q, bank)
    assert words == shuffle.shuffled(bank.word_bank, shuffle.display_key(q.id, "blank:w"))
    assert sorted(words) == sorted(bank.word_bank)
    assert shuffle.display_words(q, typed) == []


def test_every_draw_at_or_above_the_limit_is_skipped_as_if_it_never_came(monkeypatch):
    # n = 7: the first step's bound is 7 and 2**64 = 2 (mod 7), so the limit is 2**64 - 2 and
    # both 2**64 - 1 and 2**64 - 2 are drawn again. The remaining draws, 3 then zeros, give
    # j = 3 for the first step and j = 0 for the others: swaps (6, 3), (5, 0), (4, 0), (3, 0),
    # (2, 0), (1, 0) turn [0, ..., 6] into [1, 2, 6, 4, 5, 0, 3].
    top = (1 << 64) - 1
    assert (1 << 64) % 7 == 2
    want = [1, 2, 6, 4, 5, 0, 3]
    monkeypatch.setattr(shuffle, "_draws", lambda key: iter([3, 0, 0, 0, 0, 0]))
    assert shuffle.permutation(7, "any") == want
    monkeypatch.setattr(shuffle, "_draws", lambda key: iter([top, top - 1, 3, 0, 0, 0, 0, 0]))
    assert shuffle.permutation(7, "any") == want


def test_list_lengths_at_their_limits():
    assert shuffle.permutation(0, "k") == []
    assert shuffle.permutation(1, "k") == [0]
    for n in (-1, -2):
        with pytest.raises(ValueError, match=rf"^n: must be >= 0, got {n}$"):
            shuffle.permutation(n, "k")
    # One pinned flag too many or too few is refused, naming both counts.
    for flags in ([False] * 2, [False] * 4):
        with pytest.raises(ValueError, match=rf"^pinned: expected 3 flags, got {len(flags)}$"):
            shuffle.shuffled("abc", "k", flags)
