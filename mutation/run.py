"""Run cosmic-ray on each module of mutation/modules.txt and print the score per module.

Each module gets its own copy of the tree under $MUTATION_WORK (default
/tmp/vae-course-mutation/<module>): cosmic-ray edits the module's file in place, one mutant
at a time, and runs the module's tests there, so the working tree is never touched. A session
already in the copy is resumed (only pending mutants run); --fresh starts again.

Environment: MUTATION_SOURCE=HEAD copies the last commit instead of the working tree;
MUTATION_DEADLINE=<unix time> stops starting new mutants after that time (the session keeps
its pending mutants for the next run).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

try:
    from tomllib import loads as toml_loads  # Python >= 3.11
except ModuleNotFoundError:  # Python 3.10: the toml package that cosmic-ray requires
    from toml import loads as toml_loads

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "mutation"
BIN = Path(sys.executable).parent
COPIED = [
    "vae_course",
    "instructor/vae_course_instructor",
    "tests",
    "pyproject.toml",
    "book/instructors.md",  # the analysis tests check the page's worked example
]

# Operators that produce mutants worth a test: arithmetic within + - * /, every comparison
# among < <= > >= == != (and is / is not, in / not in swapped), boolean and unary operators,
# numbers, True/False, break/continue, exceptions, zero-iteration loops, removed decorators.
# Left out: replacements by bitwise, shift, //, % and ** operators (their mutants mostly raise
# TypeError on floats or are killed by any test: they cost time and say little) and
# cosmic-ray's variable inserter/replacer (thousands of mutants, mostly NameErrors).
EXCLUDE = [
    r"core/ReplaceBinaryOperator_.*_(FloorDiv|Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)$",
    r"core/ReplaceBinaryOperator_(BitOr|BitAnd|BitXor|RShift|LShift)_.*",
    r"core/ReplaceComparisonOperator_(Eq|NotEq|Lt|LtE|Gt|GtE)_(Is|IsNot|In|NotIn)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot|In|NotIn)_(Eq|NotEq|Lt|LtE|Gt|GtE)$",
    r"core/ReplaceComparisonOperator_(Is|IsNot)_(In|NotIn)$",
    r"core/ReplaceComparisonOperator_(In|NotIn)_(Is|IsNot)$",
    r"core/VariableInserter",
    r"core/VariableReplacer",
]


def modules() -> list[tuple[str, str, list[str]]]:
    out = []
    for line in (HERE / "modules.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, path, *tests = shlex.split(line)
            out.append((name, path, tests))
    return out


def work_dir(name: str) -> Path:
    return Path(os.environ.get("MUTATION_WORK", "/tmp/vae-course-mutation")) / name


def copy_tree(work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if os.environ.get("MUTATION_SOURCE") == "HEAD":
        archive = subprocess.run(
            ["git", "archive", "HEAD", *COPIED], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive.stdout, check=True)
        return
    for part in COPIED:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(
                source, work / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(source, work / part)


def environment(work: Path) -> dict[str, str]:
    # Both distributions from the copy, whatever is installed in the venv.
    return {
        **os.environ,
        "PYTHONPATH": f"{work}{os.pathsep}{work / 'instructor'}",
        "PYTHONDONTWRITEBYTECODE": "1",
        # No third-party pytest plugins (nbval, playwright, ...): startup drops from ~8 s to
        # ~1.5 s per mutant on a busy machine, and these tests need none of them.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def test_command(tests: list[str]) -> str:
    return shlex.join(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    )


def write_config(work: Path, path: str, tests: list[str], timeout: float) -> Path:
    config = work / "cosmic-ray.toml"
    lines = [
        "[cosmic-ray]",
        f"module-path = {json.dumps(path)}",
        f"timeout = {timeout:.0f}",
        "excluded-modules = []",
        f"test-command = {json.dumps(test_command(tests))}",
        "",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "",
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {json.dumps(EXCLUDE)}",
        "",
    ]
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def prepare(name: str, path: str, tests: list[str], fresh: bool) -> Path | None:
    work = work_dir(name)
    if (work / "session.sqlite").exists() and not fresh:
        print(f"[{name}] resuming the session in {work}", flush=True)
        return work
    copy_tree(work)
    start = time.monotonic()
    baseline = subprocess.run(
        shlex.split(test_command(tests)), cwd=work, env=environment(work), capture_output=True
    )
    seconds = time.monotonic() - start
    if baseline.returncode != 0:
        tail = baseline.stdout.decode(errors="replace")[-1500:]
        print(f"[{name}] the tests fail without any mutation; not run:\n{tail}", flush=True)
        return None
    (work / "original.py").write_bytes((work / path).read_bytes())
    config = write_config(work, path, tests, timeout=max(30.0, 4 * seconds))
    run = {"cwd": work, "env": environment(work), "check": True}
    subprocess.run([BIN / "cosmic-ray", "init", config, "session.sqlite"], **run)
    subprocess.run([BIN / "cr-filter-operators", "session.sqlite", config], **run)
    print(f"[{name}] baseline {seconds:.1f} s; session in {work}", flush=True)
    return work


def execute(name: str, work: Path) -> None:
    deadline = float(os.environ.get("MUTATION_DEADLINE", "inf"))
    if time.time() >= deadline:
        print(f"[{name}] past MUTATION_DEADLINE: not started", flush=True)
        return
    restore(work)  # an earlier run stopped mid-mutant may have left the file mutated
    command = [BIN / "cosmic-ray", "exec", "cosmic-ray.toml", "session.sqlite"]
    process = subprocess.Popen(command, cwd=work, env=environment(work))
    while process.poll() is None:
        if time.time() >= deadline:
            process.terminate()  # the mutant in flight is restored by cosmic-ray's handler
            process.wait()
            print(f"[{name}] stopped at MUTATION_DEADLINE; pending mutants kept", flush=True)
            break
        time.sleep(2)
    restore(work)


def restore(work: Path) -> None:
    """Put the module's unmutated source back (a stopped run may leave a mutant in place)."""
    config = (work / "cosmic-ray.toml").read_text(encoding="utf-8")
    path = json.loads(config.split("module-path = ", 1)[1].splitlines()[0])
    (work / path).write_bytes((work / "original.py").read_bytes())


def results(work: Path) -> dict:
    dump = subprocess.run(
        [BIN / "cosmic-ray", "dump", "session.sqlite"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    counts = {"killed": 0, "survived": 0, "incompetent": 0, "pending": 0}
    survivors = []
    for line in dump.stdout.splitlines():
        job, result = json.loads(line)
        if result is None:
            counts["pending"] += 1
            continue
        if result.get("worker_outcome") == "skipped":
            continue  # an excluded operator
        outcome = result.get("test_outcome") or "incompetent"
        if result.get("worker_outcome") not in ("normal", None):
            outcome = "incompetent" if outcome != "killed" else outcome
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "survived":
            mutation = job["mutations"][0]
            survivors.append(
                {
                    "operator": mutation["operator_name"],
                    "occurrence": mutation["occurrence"],
                    "line": mutation["start_pos"][0],
                    "diff": result.get("diff", ""),
                }
            )
    return {"counts": counts, "survivors": survivors}


def _changed(diff: str) -> tuple[str, str]:
    """(the removed lines, the added lines) of a mutant's diff, without whitespace: the form
    in which mutation/equivalent.toml names a mutant, whatever line it is on."""
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append("".join(line[1:].split()))
        elif line.startswith("+"):
            added.append("".join(line[1:].split()))
    return "".join(removed), "".join(added)


def equivalent() -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    """(module, before, after) -> [(why, context)], from mutation/equivalent.toml. An entry's
    optional ``context`` is text its diff must show (where the same line occurs twice)."""
    data = toml_loads((HERE / "equivalent.toml").read_text(encoding="utf-8"))
    table: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for i, entry in enumerate(data.get("mutant", [])):
        missing = {"module", "before", "after", "why"} - set(entry)
        if missing:
            raise SystemExit(f"mutation/equivalent.toml: mutant[{i}] lacks {sorted(missing)}")
        key = (entry["module"], "".join(entry["before"].split()), "".join(entry["after"].split()))
        table.setdefault(key, []).append((entry["why"], entry.get("context", "")))
    return table


def why_equivalent(known: dict, name: str, diff: str) -> str | None:
    for why, context in known.get((name, *_changed(diff)), []):
        if context in diff:
            return why
    return None


def report(names: list[str]) -> None:
    """Per module: mutants, killed, survived, of which equivalent (mutation/equivalent.toml),
    pending, and the score of the killed among the non-equivalent ones."""
    known = equivalent()
    head = f"{'module':<15} {'mutants':>7} {'killed':>7} {'survived':>8} {'equiv.':>6}"
    print(f"\n{head} {'pending':>7}  killed/all  killed/non-equivalent")
    for name in names:
        work = work_dir(name)
        if not (work / "session.sqlite").exists():
            print(f"{name:<15} not run")
            continue
        r = results(work)
        c = r["counts"]
        done = c["killed"] + c["survived"]
        total = done + c["pending"] + c["incompetent"]
        lines, n_equivalent = [], 0
        for s in sorted(r["survivors"], key=lambda s: (s["line"], s["operator"])):
            why = why_equivalent(known, name, s["diff"])
            n_equivalent += why is not None
            state = f"equivalent: {why}" if why else "OPEN (not equivalent: a test should kill it)"
            lines += [f"## line {s['line']}: {s['operator']} #{s['occurrence']}", state, s["diff"]]
        score = f"{100 * c['killed'] / done:.1f}%" if done else "-"
        real = done - n_equivalent
        strict = f"{c['killed']}/{real} = {100 * c['killed'] / real:.1f}%" if real else "-"
        print(
            f"{name:<15} {total:>7} {c['killed']:>7} {c['survived']:>8} {n_equivalent:>6}"
            f" {c['pending']:>7}  {score:>10}  {strict}"
        )
        (work / "survivors.md").write_text("\n".join(lines), encoding="utf-8")
    print("\nSurvivors of each module, each marked equivalent (why) or OPEN:")
    print("<work>/survivors.md (work: $MUTATION_WORK/<module>)")


def retest_survivors(name: str, path: str, tests: list[str]) -> Path | None:
    """After adding tests: take the current tests into the module's copy and run again only
    the mutants that survived (their results are forgotten; the killed ones stay killed)."""
    work = work_dir(name)
    if not (work / "session.sqlite").exists():
        print(f"[{name}] no session to retest", flush=True)
        return None
    restore(work)
    fresh = work / "fresh"
    if fresh.exists():
        shutil.rmtree(fresh)
    copy_tree(fresh)
    shutil.rmtree(work / "tests")
    shutil.move(fresh / "tests", work / "tests")
    shutil.rmtree(fresh)
    config = (work / "cosmic-ray.toml").read_text(encoding="utf-8")
    timeout = float(config.split("timeout = ", 1)[1].splitlines()[0])
    write_config(work, path, tests, timeout)
    with sqlite3.connect(work / "session.sqlite") as db:
        db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")
    return work


def main(argv: list[str]) -> int:
    fresh = "--fresh" in argv
    only_report = "--report" in argv
    retest = "--retest-survivors" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    table = modules()
    unknown = sorted(set(wanted) - {n for n, _, _ in table})
    if unknown:
        print(f"unknown module(s): {', '.join(unknown)}; see mutation/modules.txt")
        return 2
    selected = [m for m in table if not wanted or m[0] in wanted]
    if not only_report:
        for name, path, tests in selected:
            if retest:
                work = retest_survivors(name, path, tests)
            else:
                work = prepare(name, path, tests, fresh)
            if work is not None:
                execute(name, work)
    report([n for n, _, _ in selected])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
