"""How a chapter runs standalone, as on Colab: the package from an installed wheel, never the
repository, and the quick sizes."""

from __future__ import annotations

import os
from pathlib import Path


def standalone_env(site: Path, plugins: Path | None = None) -> dict[str, str]:
    """The environment of a standalone run: the wheel (not the repository) on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (site, plugins) if p is not None)
    env["VAE_COURSE_MODE"] = "quick"
    return env
