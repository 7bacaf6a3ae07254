"""Shared fixtures: notebook timings reported at the end of the run, and one marker per kind of
test, taken from the folder a test lives in (tests/unit, tests/notebooks, tests/browser,
tests/instructor), so `pytest -m unit` runs the quick everyday checks."""

from __future__ import annotations

from pathlib import Path

import pytest

KINDS = ("unit", "notebooks", "browser", "instructor")

# Wall-clock seconds per notebook, filled by the notebook tests, printed in the summary.
NOTEBOOK_SECONDS: dict[str, float] = {}


@pytest.fixture(scope="session")
def notebook_seconds() -> dict[str, float]:
    return NOTEBOOK_SECONDS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook execution times (standalone nbval run)")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{name:<40} {seconds:6.1f} s")
    total = sum(NOTEBOOK_SECONDS.values())
    terminalreporter.write_line(f"{'total':<40} {total:6.1f} s")


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).resolve().parent
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if tests not in path.parents:
            continue  # e.g. a chapter run directly with --nbval-lax while editing it
        folder = path.parent.name
        if folder not in KINDS:
            raise pytest.UsageError(
                f"{item.nodeid}: tests live in one of tests/{{{','.join(KINDS)}}}/"
            )
        item.add_marker(getattr(pytest.mark, folder))
