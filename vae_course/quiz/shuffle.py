"""The one deterministic shuffle of the course: choices and word banks wherever they are shown.

``shuffled(items, key)`` orders ``items`` by a permutation drawn from SHA-256 of the string
``key`` (never Python's ``hash()``, which changes between runs, nor ``random``, whose algorithm
is a CPython detail), so the same key gives the same order on any machine and Python version.
The live widget, the static book quiz, per-student assignments and LMS exports all call it,
with keys built by :func:`display_key`::

    shuffled(choices, display_key("06-generation-source", "choices"))          # the book
    shuffled(words, display_key(qid, "blank:space", seed=student_seed.hex()))  # one student

Pinned items (e.g. a choice that refers to the others) keep their index; the rest are shuffled
among the remaining places. ``display_choices`` and ``display_words`` give a question's lists in
the order shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

from .schema import Blank, Choice, Question

T = TypeVar("T")

_DOMAIN = "vae-course shuffle v1"


def display_key(question_id: str, part: str, seed: str | None = None) -> str:
    """The shuffle key of one shown list: ``part`` is 'choices' or 'blank:<name>'.

    seed: None for the book and the live quiz (one order per question), or any string (e.g. a
    student's hex seed) for a per-student order.
    """
    prefix = "" if seed is None else f"seed={len(seed)}:{seed}|"
    return f"{prefix}question={question_id}|{part}"


def _draws(key: str):
    """Endless 64-bit integers: SHA-256(domain, key, counter) blocks, 4 integers per block."""
    counter = 0
    while True:
        message = f"{_DOMAIN}\n{key}\n{counter}".encode()
        block = hashlib.sha256(message).digest()
        for i in range(0, 32, 8):
            yield int.from_bytes(block[i : i + 8], "big")
        counter += 1


def permutation(n: int, key: str) -> list[int]:
    """A uniform permutation of range(n) from ``key`` (Fisher-Yates, rejection sampling)."""
    if not isinstance(key, str):
        raise TypeError(f"key: expected a str, got {type(key).__name__}")
    if n < 0:
        raise ValueError(f"n: must be >= 0, got {n}")
    draws = _draws(key)
    order = list(range(n))
    span = 1 << 64
    for i in range(n - 1, 0, -1):
        bound = i + 1
        limit = span - span % bound  # reject the top values that would bias the modulo
        value = next(draws)
        while value >= limit:
            value = next(draws)
        j = value % bound
        order[i], order[j] = order[j], order[i]
    return order


def shuffled(items: Sequence[T], key: str, pinned: Sequence[bool] | None = None) -> list[T]:
    """``items`` in the order drawn from ``key``; items whose ``pinned`` flag is set stay put.

    The same (items, key) always gives the same list; the input is not modified.
    """
    items = list(items)
    if pinned is None:
        return [items[i] for i in permutation(len(items), key)]
    pinned = list(pinned)
    if len(pinned) != len(items):
        raise ValueError(f"pinned: expected {len(items)} flags, got {len(pinned)}")
    free = [item for item, pin in zip(items, pinned, strict=True) if not pin]
    order = iter(shuffled(free, key))
    return [item if pin else next(order) for item, pin in zip(items, pinned, strict=True)]


def display_choices(question: Question, seed: str | None = None) -> list[Choice]:
    """The choices of a single/multiple question in the order they are shown."""
    key = display_key(question.id, "choices", seed)
    return shuffled(question.choices, key, [c.pinned for c in question.choices])


def display_words(question: Question, blank: Blank, seed: str | None = None) -> list[str]:
    """The word bank of one blank in the order it is shown (empty for a typed blank)."""
    if blank.word_bank is None:
        return []
    return shuffled(blank.word_bank, display_key(question.id, f"blank:{blank.name}", seed))
