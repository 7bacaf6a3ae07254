"""The package's layering rule (CONTRIBUTING.md): a module imports only modules of a lower
layer, so there is no import circle; every module is in CONTRIBUTING's map; none passes 400
lines; learner-side modules import no widget library at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from paths import ROOT

PACKAGE = ROOT / "vae_course"

# Layer of each top-level unit of vae_course (a module, or a subpackage taken whole).
LAYERS = {
    "runtime": 0,
    "distributions": 0,
    "pixels": 0,
    "colab": 0,
    "data": 1,
    "shapes": 1,
    "models": 1,
    "losses": 2,
    "priors": 2,
    "autoregressive": 2,
    "training": 3,
    "latent": 3,
    "exact": 3,
    "probes": 3,
    "disentanglement": 3,
    "ood": 3,
    "metrics": 4,
    "plotting": 4,
    "diagrams": 4,
    "extensions": 4,
    "display": 5,
    "quiz": 6,
}


def unit_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imported_units(path: Path) -> set[str]:
    """The vae_course units that ``path`` imports (relative or absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package_parts = path.relative_to(ROOT).with_suffix("").parts[:-1]  # ('vae_course', ...)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                module = [*base, *(node.module.split(".") if node.module else [])]
            else:
                module = (node.module or "").split(".")
            if module[:1] != ["vae_course"]:
                continue
            if len(module) == 1:  # from vae_course import a, b
                found |= {alias.name for alias in node.names}
            else:
                found.add(module[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "vae_course" and len(parts) > 1:
                    found.add(parts[1])
    return found - {"__init__"}


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_lower_layers(path):
    unit = unit_of(path)
    assert unit in LAYERS, f"{unit} has no layer: add it to LAYERS and CONTRIBUTING.md"
    for other in imported_units(path) - {unit, "__version__"}:
        assert other in LAYERS, f"{path.name} imports unknown unit {other}"
        assert LAYERS[other] < LAYERS[unit], (
            f"{path.relative_to(ROOT)} ({unit}, layer {LAYERS[unit]}) imports {other} "
            f"(layer {LAYERS[other]}): a module imports only lower layers"
        )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_small_and_in_the_map(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines: split it by job"
    if path.name == "__init__.py":
        return  # a subpackage's front door: the map lists its modules
    name = str(path.relative_to(ROOT))
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert f"`{name}`" in contributing, f"{name} is missing from CONTRIBUTING.md's module map"


def test_core_and_quiz_bank_import_no_widget_library():
    code = (
        "import sys\n"
        "from vae_course import data, distributions, latent, losses, models, training\n"
        "from vae_course import quiz\n"
        "quiz.load_bank()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'ipywidgets', 'IPython'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_quiz_display_does_not_load_torch():
    code = (
        "import sys\n"
        "from vae_course import quiz\n"
        "quiz.Quiz('t', quiz.load_bank('06_sampling'))._repr_mimebundle_()\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
