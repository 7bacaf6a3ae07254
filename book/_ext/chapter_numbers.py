"""Sphinx extension: number exercises and figures per chapter, "Exercise 7.1", from the file name.

A chapter's number is the two-digit prefix of its file (book/07_interpolation -> 7), the same
number its title starts with, so the book's TOC stays unnumbered (Sphinx would otherwise add a
second "7." to every title). Pages without such a prefix keep Sphinx's own numbering.
"""

from __future__ import annotations

import re

CHAPTER = re.compile(r"(?:^|/)(\d\d)_[^/]*$")


def _number_per_chapter(app, env) -> list[str]:
    changed = []
    for docname, numbers_by_type in env.toc_fignumbers.items():
        match = CHAPTER.search(docname)
        if not match:
            continue
        chapter = int(match.group(1))
        for numbers in numbers_by_type.values():
            # Sphinx fills each dict in document order: 1, 2, ... in reading order.
            for count, node_id in enumerate(numbers, start=1):
                numbers[node_id] = (chapter, count)
        changed.append(docname)
    return changed


def setup(app):
    # After Sphinx's TocTreeCollector (priority 500) has assigned its global numbers.
    app.connect("env-get-updated", _number_per_chapter, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
