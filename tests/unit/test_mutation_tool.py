"""The mutation-testing tool's own bookkeeping (mutation/run.py): the module table names files
that exist, every mutant listed as equivalent names a line that is still in its module (an
entry for a line that has changed must be looked at again), and a survivor is matched to its
entry by its changed line alone."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("mutation_run", ROOT / "mutation" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_run"] = module
    spec.loader.exec_module(module)
    return module


def test_every_module_and_test_file_of_the_table_exists(tool):
    table = tool.modules()
    assert len(table) >= 17
    for name, path, tests in table:
        assert (ROOT / path).is_file(), (name, path)
        files = [t for t in tests if t.endswith(".py")]
        assert files, name
        for t in files:
            assert (ROOT / t).is_file(), (name, t)


def test_each_equivalent_mutant_names_a_line_still_in_its_module(tool):
    paths = {name: path for name, path, _ in tool.modules()}
    known = tool.equivalent()
    assert known
    for (module, before, _after), entries in known.items():
        assert module in paths, module
        source = "".join((ROOT / paths[module]).read_text(encoding="utf-8").split())
        assert before in source, f"{module}: {before!r} is no longer in {paths[module]}"
        for why, _context in entries:
            assert len(why) > 15, (module, before)


DIFF = """--- mutation diff ---
--- a/vae_course/quiz/shuffle.py
+++ b/vae_course/quiz/shuffle.py
@@ -46,7 +46,7 @@
     words = []
-    for i in range(0, 32, 8):
+    for i in range(0, 31, 8):
         words.append(i)
"""


def test_a_survivor_is_matched_by_its_changed_line_wherever_it_is(tool):
    assert tool._changed(DIFF) == ("foriinrange(0,32,8):", "foriinrange(0,31,8):")
    known = {("shuffle", "foriinrange(0,32,8):", "foriinrange(0,31,8):"): [("why", "")]}
    assert tool.why_equivalent(known, "shuffle", DIFF) == "why"
    assert tool.why_equivalent(known, "checking", DIFF) is None  # another module
    with_context = {key: [("why", "def elsewhere")] for key in known}
    assert tool.why_equivalent(with_context, "shuffle", DIFF) is None
    moved = DIFF.replace("@@ -46,7 +46,7 @@", "@@ -90,7 +90,7 @@")
    assert tool.why_equivalent(known, "shuffle", moved) == "why"


def test_the_test_command_runs_the_tables_tests_in_order(tool):
    _name, _path, tests = tool.modules()[0]
    command = shlex.split(tool.test_command(tests))
    positions = [command.index(t) for t in tests if t.endswith(".py")]
    assert positions == sorted(positions)
