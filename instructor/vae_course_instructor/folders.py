"""What is in a hand-in folder: its entries (links and special files never opened), the bytes
of a regular file, and who a file claims to belong to by its name or its LMS download folder.

- :func:`walk`: every entry below the folder, sorted, symbolic links not followed, at most
  :data:`MAX_DEPTH` levels; FIFOs, devices and sockets are reported, never opened.
- :func:`read_regular`: a file's bytes, opened without following links and without blocking,
  refused if it is not a regular file or over the size limit.
- :func:`claimed_owner`: the roster id a file name contains as a whole word, found by set
  look-ups of the name's word-bounded substrings (linear in the number of files, whatever the
  roster's size).
- :func:`lms_claims` and :func:`names_match`: the student named by a Moodle download folder
  (``Full Name_123_assignsubmission_file_``) or a Canvas file-name prefix
  (``lastfirst_1234_5678_``), and whether it fits the roster's name.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata

from .text import clean

MAX_DEPTH = 8  # folder levels below the hand-in folder
MAX_ID = 64  # the longest roster id (see roster.STUDENT_ID)
MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<number>\d+)_assign(?:submission|feedback)_\w*$")
# Canvas ids have several digits; shorter numbers are more likely a student's own naming.
CANVAS_FILE = re.compile(
    r"^(?P<login>[a-z]+?)(?:_?late)?_(?P<user>\d{3,})_(?P<submission>\d{3,})_", re.I
)


class _Reject(Exception):
    def __init__(self, reason: str, student_id: str | None = None) -> None:
        super().__init__(reason)
        self.student_id = student_id


def letters(text: str) -> str:
    """Lower-case ASCII letters of ``text`` (accents dropped): 'Émile Borel' -> 'emileborel'."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded.lower() if "a" <= ch <= "z")


def names_match(lms_name: str, roster_name: str) -> bool:
    """Does an LMS's spelling of a name (Moodle's full name, Canvas's 'lastfirst') fit?"""
    got = letters(lms_name)
    words = roster_name.split()
    if not got or not words:
        return True  # nothing to compare with: do not reject on it
    first_last = letters(roster_name)
    last_first = letters(words[-1] + "".join(words[:-1]))
    if not first_last:
        return True  # a name without Latin letters: nothing the LMS spelling can be held to
    return got in (first_last, last_first)


def claimed_owner(name: str, student_ids: set[str] | frozenset[str]) -> str | None:
    """The roster id that the file name contains as a whole word, if any (longest wins).

    A word is bounded by characters that are not ASCII letters or digits; the candidates are
    the O(L^2) bounded substrings of the name (L <= 255), each one set look-up.
    """
    stem = name.rsplit("/", 1)[-1]
    alnum = [ch.isascii() and ch.isalnum() for ch in stem]
    n = len(stem)
    starts = [i for i in range(n) if alnum[i] and (i == 0 or not alnum[i - 1])]
    ends = [j for j in range(1, n + 1) if alnum[j - 1] and (j == n or not alnum[j])]
    spans = [
        (i, j) for i in starts for j in ends if 0 < j - i <= MAX_ID and stem[i:j] in student_ids
    ]
    if not spans:
        return None
    # The longest id wins; another id inside its span (s1 in s1.x) is part of it, not a rival.
    i0, j0 = max(spans, key=lambda ij: (ij[1] - ij[0], stem[ij[0] : ij[1]]))
    best = stem[i0:j0]
    rivals = {stem[i:j] for i, j in spans if (i < i0 or j > j0) and stem[i:j] != best}
    if rivals:
        names = ", ".join(sorted(rivals | {best}))
        raise _Reject(f"the file name names several students ({clean(names)})")
    return best


def lms_claims(relative: list[str]) -> list[tuple[str, str]]:
    """(where, LMS name) claimed by Moodle folder names and a Canvas file-name prefix."""
    claims = []
    for part in relative[:-1]:
        m = MOODLE_FOLDER.match(part)
        if m:
            claims.append(("the Moodle folder", m.group("name")))
    m = CANVAS_FILE.match(relative[-1])
    if m:
        claims.append(("the Canvas file name", m.group("login").lower()))
    return claims


def read_regular(path: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, opened without following links and without blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Reject("not a regular file (skipped)")
        if info.st_size > max_bytes:
            raise _Reject(f"larger than the limit of {max_bytes} bytes ({info.st_size} bytes)")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > max_bytes:
        raise _Reject(f"larger than the limit of {max_bytes} bytes")
    return b"".join(chunks)


def walk(folder: str, parts: tuple[str, ...] = ()):
    """(path, relative parts, kind) of every entry below ``folder``, sorted, links not followed.

    kind: 'file', 'link', 'other' (FIFO, device, socket) or 'deep'.
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        yield folder, list(parts) or ["."], "unreadable"
        return
    for entry in entries:
        rel = (*parts, entry.name)
        if entry.is_symlink():
            yield entry.path, list(rel), "link"
        elif entry.is_dir(follow_symlinks=False):
            if len(rel) > MAX_DEPTH:
                yield entry.path, list(rel), "deep"
            else:
                yield from walk(entry.path, rel)
        elif entry.is_file(follow_symlinks=False):
            yield entry.path, list(rel), "file"
        else:
            yield entry.path, list(rel), "other"


SKIPPED = {
    "link": "a symbolic link (not followed)",
    "other": "not a regular file (FIFO, device or socket): skipped without opening it",
    "deep": f"a folder more than {MAX_DEPTH} levels deep (not read)",
    "unreadable": "a folder that cannot be read",
}
