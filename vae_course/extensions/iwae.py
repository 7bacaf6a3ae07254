"""Training with the importance-weighted bound (IWAE; Burda, Grosse and Salakhutdinov, 2016).

The model is an ordinary ``models.VAE``; only the objective changes. With k samples
z_1..z_k ~ q(z|x) and weights w_i = p(x, z_i) / q(z_i|x), the bound is
log (1/k) sum_i w_i. For k = 1 it is the one-sample ELBO estimate; it tightens as k grows.
The bound itself is ``losses.iwae_bound``; here it is made differentiable and trained.
"""

from __future__ import annotations

import torch

from ..losses import iwae_bound
from ..training import History, fit


def iwae_loss(
    model, x: torch.Tensor, k: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Scalar loss: minus the batch mean of the k-sample bound, differentiable in all weights.

    x: (N, 1, 28, 28). All k samples are drawn in one chunk, as they are in training.
    """
    return -iwae_bound(model, x, k, chunk_size=k, generator=generator, grad=True).mean()


def fit_iwae(
    model,
    train_x: torch.Tensor,
    *,
    k: int,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    device: str | torch.device | None = None,
    binarize: bool | None = None,
    progress: bool = True,
) -> History:
    """Train a VAE on the k-sample IWAE bound. History column train_loss = -bound (nats).

    Each step costs about k times a k = 1 (ELBO) step: k decoder passes per image.
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be an int >= 1 (the number of importance samples); got {k!r}")

    def objective(model, x, generator):
        return {"loss": iwae_loss(model, x, k, generator)}

    return fit(
        model,
        train_x,
        objective=objective,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        device=device,
        binarize=binarize,
        progress=progress,
    )
