"""The first cell of every notebook a learner opens on Colab (the chapters and the instructor's
handouts): a Colab form that installs the course package there, keeping Colab's own torch,
torchvision, numpy and matplotlib exactly as they are, and does nothing where the package is
already installed. No torch import here: the notebook scripts and the instructor tool use it.
"""

from __future__ import annotations

SETUP_TITLE = "Setup: installs the course package on Colab (does nothing elsewhere)"

_SETUP_TEMPLATE = """\
#@title {title}
import importlib.metadata
import importlib.util
import subprocess
import sys
import tempfile

REQUIREMENT = {requirement}
if importlib.util.find_spec("vae_course") is None:
    try:
        import google.colab  # noqa: F401  (present only on Colab)
    except ImportError:
        message = f"vae_course is missing: pip install '{{REQUIREMENT}}'"
        raise ModuleNotFoundError(message) from None
    # Colab's torch, torchvision, numpy and matplotlib stay exactly as they are.
    keep = ("torch", "torchvision", "numpy", "matplotlib")
    pins = [f"{{n}}=={{importlib.metadata.version(n)}}" for n in keep]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\\n".join(pins) + "\\n")
    pip = [sys.executable, "-m", "pip", "install", "-q", "-c", f.name]
    subprocess.check_call([*pip, REQUIREMENT])"""


def setup_source(requirement: str) -> str:
    """The setup cell's code, installing ``requirement`` (a pip requirement string)."""
    if not isinstance(requirement, str) or not requirement.strip() or "\n" in requirement:
        raise ValueError(f"requirement must be a one-line pip requirement; got {requirement!r}")
    quoted = '"' + requirement + '"' if '"' not in requirement else repr(requirement)
    return _SETUP_TEMPLATE.format(title=SETUP_TITLE, requirement=quoted)
