"""Per-student randomness derived from an instructor secret with HMAC-SHA256.

Everything random in an assignment comes from here, so the same secret, assignment name and
student id always give the same version on any machine and any Python version: the permutation
is computed from HMAC output bytes with our own Fisher-Yates shuffle (``random.shuffle``'s
algorithm is an implementation detail of CPython and is not used).

- ``student_seed(secret, assignment, student_id)``: 32 bytes, HMAC-SHA256 of the ids.
- ``HmacStream(seed, purpose)``: an endless byte stream, block i = HMAC(seed, purpose, i).
- ``permutation(n, stream)``: a uniform permutation of range(n) (rejection sampling, no bias).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_DOMAIN = b"vae-course assign v1"


def _join(*parts: str) -> bytes:
    # Length-prefixed, so ("ab", "c") and ("a", "bc") can never give the same message.
    out = bytearray(_DOMAIN)
    for part in parts:
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def student_seed(secret: bytes, assignment: str, student_id: str) -> bytes:
    """32-byte seed of one student's version: HMAC-SHA256(secret, assignment, student id)."""
    if not secret:
        raise ValueError("secret: must not be empty")
    return hmac.new(secret, _join("student", assignment, student_id), hashlib.sha256).digest()


def class_seed(secret: bytes, assignment: str) -> bytes:
    """32-byte seed shared by the whole class (e.g. which N questions everybody gets)."""
    if not secret:
        raise ValueError("secret: must not be empty")
    return hmac.new(secret, _join("class", assignment), hashlib.sha256).digest()


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


def permutation(n: int, stream: HmacStream) -> list[int]:
    """A uniformly random permutation of range(n) by Fisher-Yates (Durstenfeld) from ``stream``."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = stream.randbelow(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def shuffled(items: Sequence[T], stream: HmacStream) -> list[T]:
    """``items`` in a random order drawn from ``stream``."""
    return [items[i] for i in permutation(len(items), stream)]


def shuffled_keep_pinned(items: Sequence[T], pinned: Sequence[bool], stream: HmacStream) -> list[T]:
    """Shuffle the unpinned items among the unpinned places; pinned items keep their index."""
    if len(items) != len(pinned):
        raise ValueError(f"pinned: expected {len(items)} flags, got {len(pinned)}")
    free = [item for item, pin in zip(items, pinned, strict=True) if not pin]
    order = iter(shuffled(free, stream))
    return [item if pin else next(order) for item, pin in zip(items, pinned, strict=True)]


def sample(items: Sequence[T], k: int, stream: HmacStream) -> list[T]:
    """k distinct items chosen uniformly, kept in their original order."""
    if not 0 <= k <= len(items):
        raise ValueError(f"k: must be between 0 and {len(items)}, got {k}")
    chosen = sorted(permutation(len(items), stream)[:k])
    return [items[i] for i in chosen]
