"""Everything per-student in an assignment comes from the instructor's secret, through HMAC.

- ``student_seed(secret, assignment, student_id)``: 32 bytes, HMAC-SHA256 of the ids; the
  student's question order, choice and word-bank orders (through the course's one shuffle,
  :func:`vae_course.quiz.shuffle.shuffled`, keyed by the seed) and parameter values.
- ``identity_token(secret, student_id)``: the token a handout carries and its saved responses
  hand back; only someone holding the secret can make the token of another student.
- ``HmacStream(seed, purpose)``: endless bytes, block i = HMAC(seed, purpose, i), for draws
  that are not shuffles (parameter values).

The same secret, assignment name and student id give the same everything, on any machine.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TypeVar

from vae_course.quiz.shuffle import display_key, shuffled

T = TypeVar("T")

_DOMAIN = b"vae-course assign v1"
TOKEN_HEX = 32  # 128 bits


def _join(*parts: str) -> bytes:
    # Length-prefixed, so ("ab", "c") and ("a", "bc") can never give the same message.
    out = bytearray(_DOMAIN)
    for part in parts:
        raw = part.encode("utf-8", "surrogatepass")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def _hmac(secret: bytes, *parts: str) -> bytes:
    if not secret:
        raise ValueError("secret: must not be empty")
    return hmac.new(secret, _join(*parts), hashlib.sha256).digest()


def student_seed(secret: bytes, assignment: str, student_id: str) -> bytes:
    """32-byte seed of one student's version: HMAC-SHA256(secret, assignment, student id)."""
    return _hmac(secret, "student", assignment, student_id)


def class_seed(secret: bytes, assignment: str) -> bytes:
    """32-byte seed shared by the whole class (e.g. which N questions everybody gets)."""
    return _hmac(secret, "class", assignment)


def identity_token(secret: bytes, student_id: str) -> str:
    """The student's token (hex): HMAC-SHA256(secret, 'identity', student id), 128 bits."""
    return _hmac(secret, "identity", student_id).hex()[:TOKEN_HEX]


def tokens_match(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected, given)


def order(items: Sequence[T], seed: bytes, part: str, pinned: Sequence[bool] | None = None):
    """``items`` shuffled for one student (``part``: 'questions', '<qid>/choices', ...)."""
    return shuffled(items, display_key("", part, seed=seed.hex()), pinned)


def sample(items: Sequence[T], k: int, seed: bytes, part: str = "pick") -> list[T]:
    """k distinct items chosen uniformly (the first k of a shuffle), kept in their order."""
    if not 0 <= k <= len(items):
        raise ValueError(f"k: must be between 0 and {len(items)}, got {k}")
    chosen = sorted(order(list(range(len(items))), seed, part)[:k])
    return [items[i] for i in chosen]


class HmacStream:
    """Deterministic random integers from HMAC-SHA256(seed, purpose || counter) blocks."""

    def __init__(self, seed: bytes, purpose: str) -> None:
        self._seed = seed
        self._purpose = purpose
        self._counter = 0
        self._buffer = b""

    def _take(self, n_bytes: int) -> bytes:
        while len(self._buffer) < n_bytes:
            message = _join("stream", self._purpose) + self._counter.to_bytes(8, "big")
            self._buffer += hmac.new(self._seed, message, hashlib.sha256).digest()
            self._counter += 1
        out, self._buffer = self._buffer[:n_bytes], self._buffer[n_bytes:]
        return out

    def randbelow(self, n: int) -> int:
        """A uniform integer in [0, n), from 64-bit draws with rejection of the biased tail."""
        if n <= 0:
            raise ValueError(f"n: must be positive, got {n}")
        span = 1 << 64
        limit = span - span % n  # largest multiple of n not above 2**64
        while True:
            value = int.from_bytes(self._take(8), "big")
            if value < limit:
                return value % n
