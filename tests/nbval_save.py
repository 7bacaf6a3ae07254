"""A pytest plugin for the standalone nbval runs: when the run ends, each notebook is written,
with the outputs nbval recorded, into $VAE_COURSE_EXECUTED_DIR, so that the book is built from
this very execution instead of running every chapter a second time."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001 (hook signature)
    target = os.environ.get("VAE_COURSE_EXECUTED_DIR")
    if not target:
        return
    counts: dict = {}
    for item in session.items:
        outputs = getattr(item, "test_outputs", None)
        if getattr(item, "cell", None) is None or outputs is None:
            continue  # not an nbval cell, or a cell that never ran
        counts[item.parent] = counts.get(item.parent, 0) + 1
        item.cell.outputs = outputs
        item.cell.execution_count = counts[item.parent]
    for parent in counts:
        name = Path(str(parent.fspath)).name
        nbformat.write(parent.nb, str(Path(target) / name))
