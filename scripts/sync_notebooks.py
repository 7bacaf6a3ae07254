"""Keep every chapter notebook in the shape the course expects.

Run after editing a chapter:  python scripts/sync_notebooks.py book/NN_topic.ipynb
Check only (CI does this):      python scripts/sync_notebooks.py --check
Then regenerate its Colab copy:  python scripts/make_colab.py book/NN_topic.ipynb

What it maintains, from `_config.yml` (the one place the repository URL and branch live):
- the first cell: the Colab setup cell, a Colab form (`#@title` line, `cellView: form`) that
  installs `vae-course` from the repository when it is missing on Colab, with Colab's torch,
  torchvision, numpy and matplotlib pinned as they are;
- notebook metadata: the python3 kernelspec, and for chapters that declare
  `"vae_course": {"gpu": true}` the metadata that makes Colab ask for a GPU runtime;
- no stored outputs or execution counts.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import yaml

from vae_course import colab

ROOT = Path(__file__).resolve().parents[1]
SETUP_TAG = "colab-setup"


def repository() -> tuple[str, str]:
    """(url, branch) of the course repository, from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def requirement() -> str:
    url, branch = repository()
    return f"vae-course @ git+{url}@{branch}"


def setup_source() -> str:
    return colab.setup_source(requirement())


def setup_cell() -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "colab-setup",
        # A Colab form: Colab shows the title line only; the book removes the cell.
        "metadata": {"cellView": "form", "tags": [SETUP_TAG, "remove-cell"]},
        "outputs": [],
        "source": setup_source().splitlines(keepends=True),
    }


def wants_gpu(nb: dict) -> bool:
    return bool(nb.get("metadata", {}).get("vae_course", {}).get("gpu", False))


def normalised(nb: dict) -> dict:
    """The notebook as the course stores it."""
    nb = copy.deepcopy(nb)
    cells = nb.setdefault("cells", [])
    if cells and SETUP_TAG in cells[0].get("metadata", {}).get("tags", []):
        cells[0] = setup_cell()
    else:
        cells.insert(0, setup_cell())
    for cell in cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    meta = nb.setdefault("metadata", {})
    meta["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    meta["language_info"] = {"name": "python"}
    meta.pop("widgets", None)
    colab = {"provenance": [], "toc_visible": True}
    if wants_gpu(nb):
        colab["gpuType"] = "T4"
        meta["accelerator"] = "GPU"
    else:
        meta.pop("accelerator", None)
    meta["colab"] = colab
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def chapters() -> list[Path]:
    return sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every chapter)")
    args = parser.parse_args(argv)
    stale = []
    for path in args.paths or chapters():
        text = path.read_text(encoding="utf-8")
        try:
            nb = json.loads(text)
        except json.JSONDecodeError as exc:
            print(f"{path}: not valid notebook JSON: {exc}", file=sys.stderr)
            return 2
        want = dumps(normalised(nb))
        if want != text:
            stale.append(path)
            if not args.check:
                path.write_text(want, encoding="utf-8")
    for path in stale:
        verb = "out of sync (run scripts/sync_notebooks.py)" if args.check else "synced"
        print(f"{path}: {verb}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
