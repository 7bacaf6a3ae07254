"""Shared fixtures: notebook timings reported at the end of the run."""

from __future__ import annotations

import pytest

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
