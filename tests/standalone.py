"""How a chapter runs standalone, as on Colab: the package from an installed wheel, never the
repository.

Two configurations, chosen by the environment variable VAE_COURSE_TEST_RUN:

- ``quick`` (the default, ``make test``): the quick sizes on the CPU, as a laptop runs them;
- ``full`` (``make test-full``): the full sizes a Colab GPU runs, on the CPU, with an emulated
  CUDA device (``emulated_cuda``): the chapters see ``cuda`` as their device, and any tensor
  left on the wrong device fails as it would on a GPU. The code of every exercise solution
  runs too, as a cell right after its solution (``with_solutions``).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

RUN_ENV = "VAE_COURSE_TEST_RUN"
RUNS = ("quick", "full")
HERE = Path(__file__).resolve().parent

# IPython startup files, run by every chapter's kernel before the notebook's first cell: the
# peak memory report (both runs) and the emulated CUDA device (the full run only).
MEMORY_STARTUP = """\
import json
import os
import resource

from IPython import get_ipython


def _report_usage(result=None):  # the kernel's peak memory and CPU time so far, after each cell
    target = os.environ.get("VAE_COURSE_EXECUTED_DIR")
    if target:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        name = os.environ.get("VAE_COURSE_CHAPTER", "chapter")
        report = {"peak_kib": usage.ru_maxrss, "cpu_seconds": usage.ru_utime + usage.ru_stime}
        with open(os.path.join(target, name + ".usage.json"), "w") as f:
            json.dump(report, f)


get_ipython().events.register("post_run_cell", _report_usage)
"""
EMULATION_STARTUP = """\
import os

import emulated_cuda
import torch

emulated_cuda.install()
# Two chapters run side by side (conftest): each kernel gets half of the cores, as quick mode's
# seed_everything does on its own, instead of both oversubscribing all of them.
torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))
"""


def test_run() -> str:
    """The configuration of this test session: 'quick' or 'full'."""
    value = os.environ.get(RUN_ENV, "quick").strip().lower() or "quick"
    if value not in RUNS:
        raise ValueError(f"{RUN_ENV} must be one of {RUNS}; got {value!r}")
    return value


test_run.__test__ = False  # a helper, not a test


def prepare_plugins(plugins: Path) -> None:
    """Put what the kernels of a run need into ``plugins`` (on their PYTHONPATH)."""
    shutil.copy(HERE / "nbval_save.py", plugins / "nbval_save.py")
    shutil.copy(HERE / "emulated_cuda.py", plugins / "emulated_cuda.py")
    startup = plugins / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00_memory.py").write_text(MEMORY_STARTUP, encoding="utf-8")
    if test_run() == "full":
        (startup / "01_emulated_cuda.py").write_text(EMULATION_STARTUP, encoding="utf-8")


def standalone_env(site: Path, plugins: Path | None = None) -> dict[str, str]:
    """The environment of a standalone run: the wheel (not the repository) on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (site, plugins) if p is not None)
    env["VAE_COURSE_MODE"] = test_run()
    if plugins is not None:  # kernels run the startup files prepare_plugins wrote
        env["IPYTHONDIR"] = str(plugins / "ipython")
    return env


# A {solution} directive (fenced by backticks or colons) and the Python code blocks inside it.
SOLUTION = re.compile(r"^(?P<fence>`{3,}|:{3,})\{solution\}.*?^(?P=fence)[ \t]*$", re.M | re.S)
PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)


def solution_code(notebook: dict) -> list[tuple[int, str]]:
    """(index of the markdown cell, code) for each Python block inside a ``{solution}``: the
    code a learner copies into a cell at that point of the chapter."""
    found = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for solution in SOLUTION.finditer("".join(cell["source"])):
            found += [(index, m["code"]) for m in PYTHON_BLOCK.finditer(solution.group(0))]
    return found


def with_solutions(notebook: dict) -> dict:
    """A copy of ``notebook`` with every solution's code run as a cell right after it."""
    notebook = copy.deepcopy(notebook)
    for index, code in reversed(solution_code(notebook)):
        cell = {
            "cell_type": "code",
            "execution_count": None,
            "id": f"solution-check-{index}-{len(code)}",
            "metadata": {"tags": ["solution-check"]},
            "outputs": [],
            "source": code,
        }
        notebook["cells"].insert(index + 1, cell)
    return notebook
