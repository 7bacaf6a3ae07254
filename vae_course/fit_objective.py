"""Train any model on any per-batch objective: the small loop behind the chapter-9 demonstrations
(IWAE training, VQ-VAE, hierarchical VAE, latent diffusion), whose losses ``training.fit`` does
not know. Same conventions as ``training.fit``: Adam, seeded shuffling and noise, optional fresh
binarisation per batch, one ``training.History`` record per epoch, the model left in eval mode.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from tqdm.auto import tqdm

from .data import batches
from .runtime import get_device
from .training import History

# objective(model, batch, generator) -> dict with a scalar "loss" to minimise and, optionally,
# further scalar parts (batch means) to record, e.g. {"loss": ..., "reconstruction": ...}.
Objective = Callable[[torch.nn.Module, torch.Tensor, torch.Generator], dict]


def fit_objective(
    model: torch.nn.Module,
    objective: Objective,
    train_x: torch.Tensor,
    *,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    device: str | torch.device | None = None,
    binarize: bool = False,
    progress: bool = True,
) -> History:
    """Minimise ``objective`` over mini-batches of ``train_x`` (N, ...) with Adam.

    ``binarize``: draw fresh {0, 1} pixels from ``train_x`` (values in [0, 1]) for every batch.
    Returns a History with epoch, train_<part> (batch means averaged over the epoch, weighted by
    batch size) and seconds per epoch.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int; got {epochs!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int; got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0; got {lr!r}")
    if not isinstance(train_x, torch.Tensor) or len(train_x) == 0:
        raise ValueError(f"train_x must be a non-empty tensor; got {train_x!r:.60}")
    device = get_device(device)
    model.to(device)
    train_x = train_x.to(device)
    generator = torch.Generator(device=device).manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = History()
    bar = tqdm(range(1, epochs + 1), desc=f"training {type(model).__name__}", disable=not progress)
    for epoch in bar:
        start = time.perf_counter()
        model.train()
        sums: dict[str, float] = {}
        for (x,) in batches(train_x, batch_size=batch_size, generator=generator):
            if binarize:
                x = torch.bernoulli(x, generator=generator)
            parts = objective(model, x, generator)
            if "loss" not in parts:
                raise ValueError(f"objective must return a dict with a 'loss'; got {sorted(parts)}")
            optimizer.zero_grad(set_to_none=True)
            parts["loss"].backward()
            optimizer.step()
            for name, value in parts.items():
                sums[name] = sums.get(name, 0.0) + float(torch.as_tensor(value).detach()) * len(x)
        record = {"epoch": epoch}
        record.update({f"train_{name}": total / len(train_x) for name, total in sums.items()})
        record["seconds"] = time.perf_counter() - start
        history.records.append(record)
        bar.set_postfix(loss=f"{record['train_loss']:.3g}")
    model.eval()
    return history
