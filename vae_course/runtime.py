"""Runtime switches in one place: device choice, seeding, and the quick/full mode.

Every chapter starts with ``seed_everything`` and sizes its experiments with ``choose``, so the
same cells run in seconds on a laptop CPU (quick) and at full size on a GPU (full).
"""

from __future__ import annotations

import os
import random
from typing import TypeVar

import numpy as np
import torch

MODE_ENV = "VAE_COURSE_MODE"
MODES = ("quick", "full")

T = TypeVar("T")


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch (CPU and CUDA); return a CPU generator seeded alike.

    In quick mode without a GPU it also keeps torch to one CPU thread: the quick models are so
    small that more threads cost more in synchronisation than they save (and the tests run two
    chapters side by side on a 2-core machine). Chapters call this once, in their first cell.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    if mode() == "quick" and not torch.cuda.is_available():
        torch.set_num_threads(1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


def get_device(device: str | torch.device | None = None) -> torch.device:
    """The device to compute on: ``device`` when given, else CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be e.g. 'cpu' or 'cuda'; got {device!r}") from error
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was requested but CUDA is not available here")
    return chosen


def mode() -> str:
    """'quick' or 'full'. The environment variable VAE_COURSE_MODE wins; otherwise full iff CUDA."""
    value = os.environ.get(MODE_ENV, "").strip().lower()
    if not value:
        return "full" if torch.cuda.is_available() else "quick"
    if value not in MODES:
        raise ValueError(f"{MODE_ENV} must be 'quick' or 'full'; got {value!r}")
    return value


def choose(quick: T, full: T) -> T:
    """Return ``quick`` or ``full`` according to ``mode()`` (any values, e.g. ints or dicts)."""
    return quick if mode() == "quick" else full
