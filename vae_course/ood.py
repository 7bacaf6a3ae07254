"""Out-of-distribution scores from a trained VAE (chapter 12): each image's negative bound in
bits per dimension, its complexity (the length a general-purpose compressor needs), the
complexity-corrected score of Serrà et al. (2020), the typicality score of Nalisnick et al.
(2019b), and the area under the ROC curve with a paired bootstrap interval.

Every score is "larger means more out-of-distribution"; the AUROC is the probability that a
random out-of-distribution image scores above a random in-distribution one.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch

from .data import batches
from .losses import iwae_bound


def _images(x, name: str = "x") -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != 1:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} must be a tensor of shape (N, 1, S, S); got {got}")
    return x


def _scores(values, name: str) -> np.ndarray:
    array = np.asarray(values.cpu() if isinstance(values, torch.Tensor) else values, float)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of scores; got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite scores only")
    return array


@torch.no_grad()
def negative_bound_bits(
    model, x: torch.Tensor, *, k: int = 16, seed: int = 0, batch_size: int = 250
) -> torch.Tensor:
    """-log p(x) estimated by the k-sample IWAE bound, in bits per dimension: (N,) on the CPU.

    x: (N, 1, 28, 28) binary images on any device; moved to the model's device a batch at a
    time. The bound only tightens with k, so this over-estimates -log p(x) a little.
    """
    x = _images(x)
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    n_dims = x[0].numel()
    out = [
        -iwae_bound(model, xb.to(device), k, generator=generator).cpu()
        for (xb,) in batches(x, batch_size=batch_size, shuffle=False)
    ]
    nats = torch.cat(out) if out else torch.empty(0)
    return nats / (n_dims * math.log(2))


def complexity_bits(x: torch.Tensor) -> torch.Tensor:
    """The length of each image compressed by zlib (level 9, the compressor inside PNG), in
    bits per dimension: (N,) on the CPU. x: (N, 1, S, S) in [0, 1], thresholded at 0.5 and
    written as one byte per pixel (0 or 255) in raster order."""
    x = _images(x)
    pixels = ((x.detach().cpu() > 0.5).to(torch.uint8) * 255).flatten(1).numpy()  # (N, D)
    n_dims = pixels.shape[1]
    lengths = [8 * len(zlib.compress(row.tobytes(), 9)) for row in pixels]
    return torch.tensor(lengths, dtype=torch.float32) / n_dims


def complexity_corrected(nll_bits, complexity) -> torch.Tensor:
    """Serrà et al.'s score S(x) = -log2 p(x) - L(x), per dimension: the model's code length
    minus the compressor's. It is the log-ratio of a generic image model (the compressor) to
    the trained one, so an image the compressor explains as well as the model scores high."""
    a, b = _scores(nll_bits, "nll_bits"), _scores(complexity, "complexity")
    if a.shape != b.shape:
        raise ValueError(f"nll_bits and complexity must match; got {a.shape} and {b.shape}")
    return torch.from_numpy(a - b)


def typicality(nll_bits, reference_nll_bits) -> torch.Tensor:
    """Nalisnick et al.'s (2019b) typicality score for single inputs: |-log p(x) - H|, with the
    entropy H estimated by the mean -log p of held-out in-distribution images. (N,)"""
    a, ref = _scores(nll_bits, "nll_bits"), _scores(reference_nll_bits, "reference_nll_bits")
    return torch.from_numpy(np.abs(a - ref.mean()))


def auroc(in_scores, out_scores) -> float:
    """P(out > in) + P(out = in) / 2 for a random pair (the Mann-Whitney statistic): 1 when every
    out-of-distribution score is above every in-distribution one, 0.5 for no separation."""
    a, b = _scores(in_scores, "in_scores"), _scores(out_scores, "out_scores")
    return float(_auroc_many(a[None], b[None])[0])


def _auroc_many(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """AUROC of each row pair: a (R, n) in-distribution, b (R, m) out-of-distribution scores."""
    n, m = a.shape[1], b.shape[1]
    both = np.concatenate([a, b], axis=1)  # (R, n + m)
    order = both.argsort(axis=1, kind="stable")
    sorted_ = np.take_along_axis(both, order, axis=1)
    ranks = np.empty_like(both)
    for r in range(len(both)):  # average ranks over ties, 1-based
        values, first, counts = np.unique(sorted_[r], return_index=True, return_counts=True)
        mean_rank = first + (counts + 1) / 2.0
        ranks[r, order[r]] = np.repeat(mean_rank, counts)
    rank_sum_out = ranks[:, n:].sum(axis=1)
    return (rank_sum_out - m * (m + 1) / 2.0) / (n * m)


def paired_bootstrap(
    before: tuple, after: tuple, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> dict[str, tuple[float, float, float]]:
    """AUROC of two scores of the same images, and of their difference, with percentile
    bootstrap intervals: each draw resamples the in- and the out-of-distribution images (with
    replacement, the same draw for both scores), so the interval of the difference is paired.

    before, after: (in_scores (n,), out_scores (m,)) each. Returns {"before", "after",
    "difference"}: (estimate, low, high), the difference being after - before.
    """
    a_in, a_out = (_scores(s, f"before[{i}]") for i, s in enumerate(before))
    b_in, b_out = (_scores(s, f"after[{i}]") for i, s in enumerate(after))
    if a_in.shape != b_in.shape or a_out.shape != b_out.shape:
        raise ValueError("before and after must score the same images (equal lengths)")
    if not isinstance(n_boot, int) or isinstance(n_boot, bool) or n_boot < 2:
        raise ValueError(f"n_boot must be an int >= 2; got {n_boot!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(a_in), size=(n_boot, len(a_in)))
    j = rng.integers(0, len(a_out), size=(n_boot, len(a_out)))
    auc_a = _auroc_many(a_in[i], a_out[j])
    auc_b = _auroc_many(b_in[i], b_out[j])
    tail = 100 * (1 - level) / 2
    out = {}
    for name, point, draws in (
        ("before", auroc(a_in, a_out), auc_a),
        ("after", auroc(b_in, b_out), auc_b),
        ("difference", auroc(b_in, b_out) - auroc(a_in, a_out), auc_b - auc_a),
    ):
        low, high = np.percentile(draws, [tail, 100 - tail])
        out[name] = (float(point), float(low), float(high))
    return out
