"""Shared fixtures, and one marker per kind of test taken from the folder a test lives in
(tests/unit, tests/notebooks, tests/browser, tests/instructor), so `pytest -m unit` runs the
quick everyday checks.

Every chapter is executed once per test run: ``executed_chapters`` runs each notebook alone
with nbval against an installed wheel (as Colab would run it), and ``built_book`` builds the
book from those executed notebooks with execution turned off. Notebook timings are reported
at the end of the run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from paths import ROOT, chapters
from standalone import prepare_plugins, standalone_env, test_run, with_solutions

KINDS = ("unit", "notebooks", "browser", "instructor")

# Wall-clock seconds per notebook, filled by the notebook tests, printed in the summary (with the
# kernel's CPU seconds, which do not depend on what else the machine runs).
NOTEBOOK_SECONDS: dict[str, float] = {}
NOTEBOOK_CPU_SECONDS: dict[str, float] = {}


@pytest.fixture(scope="session")
def notebook_seconds() -> dict[str, float]:
    return NOTEBOOK_SECONDS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook execution times (standalone nbval run)")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        cpu = NOTEBOOK_CPU_SECONDS.get(name)
        kernel = f"   kernel CPU {cpu:7.1f} s" if cpu is not None else ""
        terminalreporter.write_line(f"{name:<40} {seconds:6.1f} s{kernel}")
    total = sum(NOTEBOOK_SECONDS.values())
    cpu_total = sum(NOTEBOOK_CPU_SECONDS.values())
    terminalreporter.write_line(f"{'total':<40} {total:6.1f} s   kernel CPU {cpu_total:7.1f} s")


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


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory) -> Path:
    """A folder holding vae_course installed from a freshly built wheel."""
    work = tmp_path_factory.mktemp("wheel")
    dist, site, source = work / "dist", work / "site", work / "source"
    # Built from a copy of the package's files: two test workers may build at once, and an
    # in-tree build shares build/ and *.egg-info between them.
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-CONTENT"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "vae_course", source / "vae_course", ignore=shutil.ignore_patterns("__pycache__")
    )
    pip = [sys.executable, "-m", "pip"]
    build = ["wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dist)]
    subprocess.run([*pip, *build, str(source)], check=True)
    wheels = list(dist.glob("vae_course-*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {dist}, found {wheels}"
    subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "--target", str(site), str(wheels[0])],
        check=True,
    )
    return site


@dataclass
class ChapterRun:
    returncode: int
    log: str
    seconds: float
    executed: Path  # the notebook with its outputs (missing when the run failed early)
    leftovers: list[str]  # files the chapter wrote next to itself
    peak_bytes: int | None  # the kernel's peak resident memory (None: it did not report)
    cpu_seconds: float | None  # the kernel's CPU time (user + system), whatever the load


def _run_chapter(notebook: Path, work: Path, site: Path, plugins: Path, out: Path) -> ChapterRun:
    work.mkdir()
    if test_run() == "full":  # the solutions' code runs too, each right after its solution
        source = with_solutions(json.loads(notebook.read_text(encoding="utf-8")))
        (work / notebook.name).write_text(json.dumps(source), encoding="utf-8")
    else:
        shutil.copy(notebook, work / notebook.name)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "nbval_save"]
    timeout = 300 if test_run() == "quick" else 3600  # seconds per cell
    command += ["--nbval-lax", "--nbval-current-env", f"--nbval-cell-timeout={timeout}"]
    command.append(notebook.name)
    env = {
        **standalone_env(site, plugins),
        "VAE_COURSE_EXECUTED_DIR": str(out),
        "VAE_COURSE_CHAPTER": notebook.stem,
    }
    start = time.perf_counter()
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    leftovers = sorted({p.name for p in work.iterdir()} - {notebook.name})
    log = result.stdout[-6000:] + result.stderr[-3000:]
    report = out / f"{notebook.stem}.usage.json"
    usage = json.loads(report.read_text()) if report.exists() else {}
    peak = usage["peak_kib"] * 1024 if usage else None
    return ChapterRun(
        result.returncode,
        log,
        seconds,
        out / notebook.name,
        leftovers,
        peak,
        usage.get("cpu_seconds"),
    )


def _chapters_wanted(session) -> list[Path]:
    """The chapters the selected tests need: all of them when the book is built, otherwise
    those named by the selected per-chapter tests (so `-k 06_sampling` runs one chapter)."""
    wanted = set()
    for item in session.items:
        if "built_book" in getattr(item, "fixturenames", ()):
            return chapters()
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "executed_chapters" in getattr(item, "fixturenames", ()):
            if "notebook" not in params:
                return chapters()
            wanted.add(params["notebook"].stem)
    return [nb for nb in chapters() if nb.stem in wanted]


@pytest.fixture(scope="session")
def executed_chapters(request, installed_wheel, tmp_path_factory) -> dict[str, ChapterRun]:
    """Each chapter the selected tests need, run once, alone in an empty folder, two at a time
    (the machine's cores)."""
    base = tmp_path_factory.mktemp("chapters")
    plugins, out = base / "plugins", base / "executed"
    plugins.mkdir()
    out.mkdir()
    prepare_plugins(plugins)
    notebooks = _chapters_wanted(request.session)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = pool.map(
            lambda nb: _run_chapter(nb, base / nb.stem, installed_wheel, plugins, out), notebooks
        )
        results = {nb.stem: run for nb, run in zip(notebooks, runs, strict=True)}
    for stem, run in results.items():
        NOTEBOOK_SECONDS[f"{stem}.ipynb"] = run.seconds
        if run.cpu_seconds is not None:
            NOTEBOOK_CPU_SECONDS[f"{stem}.ipynb"] = run.cpu_seconds
    return results


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, executed_chapters) -> Path:
    """The HTML book, built with warnings as errors from the executed chapters (no second
    execution): a copy of the sources whose notebooks carry nbval's outputs."""
    failed = [stem for stem, run in executed_chapters.items() if run.returncode != 0]
    assert failed == [], f"chapters that did not run: {failed}"
    stage = tmp_path_factory.mktemp("book-sources")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, stage / name)
    shutil.copytree(ROOT / "book", stage / "book", ignore=shutil.ignore_patterns("*.ipynb"))
    # The instructors page includes the example roster of the instructor tool.
    examples = Path("instructor", "vae_course_instructor", "examples")
    shutil.copytree(ROOT / examples, stage / examples)
    for stem, run in executed_chapters.items():
        shutil.copy(run.executed, stage / "book" / f"{stem}.ipynb")
    config = yaml.safe_load((stage / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(stage), "-W", "-n", "--keep-going"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    NOTEBOOK_SECONDS["(book build from the executed chapters)"] = time.perf_counter() - start
    log = result.stdout + result.stderr
    (stage / "build.log").write_text(log)
    problems = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert result.returncode == 0, "\n".join(problems[:40]) + "\n...\n" + log[-3000:]
    return stage / "_build" / "html"
