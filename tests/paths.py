"""Where things are, for the repository-level tests."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
# The folders that hold the two distributions' packages (vae_course, vae_course_instructor):
# what every test imports, in this process and in the subprocesses it starts (conftest.py).
SOURCE_TREES = (ROOT, ROOT / "instructor")


def chapters() -> list[Path]:
    """Chapter notebooks in reading order (book/NN_topic.ipynb)."""
    return sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def toc_files() -> list[str]:
    """Every file named in _toc.yml, in order, without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    files += [entry["file"] for entry in toc.get("chapters", [])]
    return files
