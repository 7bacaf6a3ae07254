"""Training: one ``fit`` for every model in ``vae_course.models``, its per-epoch ``History``,
and checkpoints (config + state dict, read back with ``torch.load(..., weights_only=True)``).
"""

from __future__ import annotations

import math
import os
import pickle
import time
import zipfile
from collections.abc import Callable

import torch
from tqdm.auto import tqdm

from . import models as models_module
from .data import batches, dynamic_binarize
from .losses import elbo, kl_warmup
from .runtime import get_device

CHECKPOINT_FORMAT = "vae_course.checkpoint.v1"


class History:
    """Per-epoch records: ``.records`` is a list of dicts (epoch, train_loss, train_elbo,
    train_reconstruction, train_kl, test_* when a test set was given, seconds).
    ``history["train_elbo"]`` is that column as a list; ``history.final`` the last record."""

    def __init__(self, records: list[dict] | None = None):
        self.records = list(records or [])

    def __getitem__(self, key: str) -> list:
        if not self.records or key not in self.records[0]:
            raise KeyError(f"{key!r} is not recorded; available: {self.keys()}")
        return [record[key] for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def keys(self) -> list[str]:
        return list(self.records[0]) if self.records else []

    @property
    def final(self) -> dict:
        if not self.records:
            raise ValueError("history is empty: no epoch has finished")
        return self.records[-1]

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, final={self.final if self.records else None})"


# objective(model, x, generator) -> dict of scalar batch means: "loss" (minimised) and any
# further parts to record, e.g. {"loss": -bound, "kl": kl}. The default objective (None) is the
# negative ELBO for a VAE (with beta, warm-up and free bits) and the reconstruction loss for an
# Autoencoder.
Objective = Callable[[torch.nn.Module, torch.Tensor, torch.Generator], dict]


def _default_parts(model, x, y, generator, beta, free_bits) -> dict[str, torch.Tensor]:
    """Batch means: the loss to minimise and, for VAEs, the ELBO and its two parts."""
    if isinstance(model, models_module.Autoencoder):
        return {"loss": model.reconstruction_loss(x).mean()}
    terms = elbo(model, x, y, generator=generator)
    return {
        "loss": terms.objective(beta=beta, free_bits=free_bits),
        "elbo": terms.elbo.mean(),
        "reconstruction": terms.reconstruction.mean(),
        "kl": terms.kl.mean(),
    }


def _batch_parts(model, objective, x, y, generator, beta, free_bits) -> dict[str, torch.Tensor]:
    if objective is None:
        return _default_parts(model, x, y, generator, beta, free_bits)
    parts = objective(model, x, generator)
    if not isinstance(parts, dict) or "loss" not in parts:
        got = sorted(parts) if isinstance(parts, dict) else type(parts).__name__
        raise ValueError(f"objective must return a dict with a scalar 'loss'; got {got}")
    return parts


def _adam(model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    """Adam with the fused single-kernel update (PyTorch >= 2.4 has it on CPUs and CUDA GPUs;
    faster on small models). Chapter 5's hand-written loop uses the same, so the two agree
    bit for bit on any device; devices without it fall back to the default implementation."""
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(model.parameters(), lr=lr)


def _check_labels(model, x, y, name: str):
    conditional = model.conditional
    if conditional and y is None:
        raise ValueError(f"{name.replace('x', 'y')} is required to train a ConditionalVAE")
    if y is not None and not conditional:
        raise ValueError(f"{name.replace('x', 'y')} is only used by a ConditionalVAE")
    if y is not None and len(y) != len(x):
        raise ValueError(f"{name.replace('x', 'y')} has {len(y)} labels for {len(x)} images")


def _is_real(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_int(name: str, value, least: int | None) -> None:
    """An int (not a bool) of at least ``least``, or a ValueError naming the argument."""
    if isinstance(value, int) and not isinstance(value, bool):
        if least is None or value >= least:
            return
    what = "an int" if least is None else ("a positive int" if least == 1 else f"an int >= {least}")
    raise ValueError(f"{name} must be {what}; got {value!r}")


def fit(
    model: torch.nn.Module,
    train_x: torch.Tensor,
    *,
    epochs: int,
    objective: Objective | None = None,
    batch_size: int = 128,
    lr: float = 1e-3,
    test_x: torch.Tensor | None = None,
    train_y: torch.Tensor | None = None,
    test_y: torch.Tensor | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    beta: float = 1.0,
    warmup_epochs: int = 0,
    free_bits: float = 0.0,
    binarize: bool | None = None,
    progress: bool = True,
    callback: Callable[[dict], None] | None = None,
) -> History:
    """Train ``model`` with Adam on preloaded images train_x (N, 1, 28, 28) in [0, 1].

    The loop, once per minibatch: (binarize), compute the objective's "loss", backward, step.
    ``objective=None``: VAEs minimise ``elbo(...).objective(beta_t, free_bits)`` with beta_t
    rising linearly from 0 to ``beta`` over ``warmup_epochs``; autoencoders minimise their
    summed reconstruction loss. Any other objective(model, x, generator) -> {"loss": ...} is
    minimised as it is (chapter 9: IWAE, VQ-VAE, hierarchical VAE, latent diffusion).
    ``binarize``: draw fresh {0, 1} pixels every batch (the test set is binarised once, seeded).
    None (the default) binarizes exactly when the model has a Bernoulli likelihood, so that
    every ELBO it reports in nats is a bound on a real log-likelihood.
    Seeded (shuffling, noise, binarisation); the model ends on ``device`` in eval mode.
    Records are per-example means in nats; test_* parts are evaluated after each epoch.
    ``callback(record)``, if given, runs after each epoch (outside the timed part).
    """
    _check_int("epochs", epochs, 1)
    _check_int("batch_size", batch_size, 1)
    _check_int("warmup_epochs", warmup_epochs, 0)
    _check_int("seed", seed, None)
    if not _is_real(lr) or not (0 < lr < math.inf):
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}")
    for name, value in (("beta", beta), ("free_bits", free_bits)):
        if not _is_real(value) or not (0 <= value < math.inf):
            raise ValueError(f"beta and free_bits must be >= 0 and finite; got {name}={value!r}")
    if not isinstance(train_x, torch.Tensor) or len(train_x) == 0:
        raise ValueError(f"train_x must be a non-empty tensor; got {train_x!r:.60}")
    if objective is None:
        if not isinstance(model, models_module.Autoencoder | models_module.VAE):
            raise ValueError(
                "objective is required for a model that is not a vae_course Autoencoder, VAE "
                f"or ConditionalVAE; got {type(model).__name__}"
            )
        model._check_x(train_x, "train_x")
        _check_labels(model, train_x, train_y, "train_x")
        if test_x is not None:
            model._check_x(test_x, "test_x")
            _check_labels(model, test_x, test_y, "test_x")
    elif train_y is not None or test_y is not None:
        raise ValueError("train_y/test_y: labels are only used with the default objective")
    if binarize is None:
        binarize = models_module.has_bernoulli_likelihood(model)
    device = get_device(device)
    model.to(device)
    generator = torch.Generator(device=device).manual_seed(seed)
    train_x = train_x.to(device)
    train_y = None if train_y is None else train_y.to(device)
    if test_x is not None:
        test_x = test_x.to(device)
        test_y = None if test_y is None else test_y.to(device)
        if binarize:
            test_x = dynamic_binarize(test_x, torch.Generator(device).manual_seed(seed + 1))
    optimizer = _adam(model, lr)
    steps_per_epoch = -(-len(train_x) // batch_size)
    warmup_steps = warmup_epochs * steps_per_epoch
    history = History()
    step = 0
    bar = tqdm(range(1, epochs + 1), desc=f"training {type(model).__name__}", disable=not progress)
    for epoch in bar:
        start = time.perf_counter()
        model.train()
        sums: dict[str, torch.Tensor] = {}
        tensors = (train_x,) if train_y is None else (train_x, train_y)
        for batch in batches(*tensors, batch_size=batch_size, generator=generator):
            x, y = batch[0], (batch[1] if len(batch) > 1 else None)
            if binarize:
                x = torch.bernoulli(x, generator=generator)
            beta_t = beta * kl_warmup(step, warmup_steps)
            parts = _batch_parts(model, objective, x, y, generator, beta_t, free_bits)
            optimizer.zero_grad(set_to_none=True)
            parts["loss"].backward()
            optimizer.step()
            step += 1
            for name, value in parts.items():
                sums[name] = sums.get(name, 0.0) + torch.as_tensor(value).detach() * len(x)
        record = {"epoch": epoch}
        record.update({f"train_{k}": float(v) / len(train_x) for k, v in sums.items()})
        if objective is None and isinstance(model, models_module.VAE):
            record["beta"] = beta_t  # the KL weight at the end of the epoch
        if test_x is not None:
            test = evaluate(model, test_x, test_y, objective=objective, seed=seed + 2)
            record.update({f"test_{k}": v for k, v in test.items()})
        record["seconds"] = time.perf_counter() - start
        history.records.append(record)
        bar.set_postfix(loss=f"{record['train_loss']:.2f}")
        if callback is not None:
            callback(record)
    model.eval()
    return history


@torch.inference_mode()
def evaluate(
    model,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    objective: Objective | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Per-example means over x of the objective's parts (x and y are moved to the model's
    device 500 images at a time, so a test set may stay on the CPU): for the
    default objective the loss (negative ELBO for VAEs) and the ELBO parts, in nats, with one
    seeded posterior sample per image."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    sums: dict[str, torch.Tensor] = {}
    tensors = (x,) if y is None else (x, y)
    for batch in batches(*tensors, batch_size=500, shuffle=False):
        xb = batch[0].to(device)
        yb = batch[1].to(device) if len(batch) > 1 else None
        parts = _batch_parts(model, objective, xb, yb, generator, 1.0, 0.0)
        for name, value in parts.items():
            sums[name] = sums.get(name, 0.0) + torch.as_tensor(value) * len(xb)
    model.train(was_training)
    return {k: float(v) / len(x) for k, v in sums.items()}


def save_checkpoint(model: torch.nn.Module, path: str | os.PathLike) -> None:
    """Save the model's class name, constructor config and state dict to ``path``."""
    if not hasattr(model, "config"):
        raise ValueError(
            f"model must be a vae_course model with a .config; got {type(model).__name__}"
        )
    torch.save(
        {
            "format": CHECKPOINT_FORMAT,
            "model_class": type(model).__name__,
            "config": dict(model.config),
            "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        },
        path,
    )


def load_checkpoint(model_or_class, path: str | os.PathLike, *, device=None):
    """Load a checkpoint written by ``save_checkpoint`` into a model and return it (eval mode).

    ``model_or_class``: a model instance (its config must match the checkpoint's, field by
    field) or a model class (built from the checkpoint's config).
    """
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except (
        pickle.UnpicklingError,
        RuntimeError,
        EOFError,
        OSError,  # a cut file can fail a seek (EINVAL); a missing one is re-raised above
        zipfile.BadZipFile,
        ValueError,
    ) as error:
        first = (str(error).splitlines() or [type(error).__name__])[0]  # EOFError has no text
        raise ValueError(
            f"{os.fspath(path)} is not a readable state-dict checkpoint "
            f"(torch.load with weights_only=True failed: {first})"
        ) from error
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"{os.fspath(path)} is not a vae_course checkpoint: expected a dict with format "
            f"{CHECKPOINT_FORMAT!r}, config and state_dict, as written by save_checkpoint"
        )
    config, saved_class = checkpoint["config"], checkpoint["model_class"]
    if isinstance(model_or_class, type):
        if model_or_class.__name__ != saved_class:
            raise ValueError(
                f"{os.fspath(path)} holds a {saved_class} checkpoint, not {model_or_class.__name__}"
            )
        model = model_or_class(**config)
    else:
        model = model_or_class
        if type(model).__name__ != saved_class:
            raise ValueError(
                f"{os.fspath(path)} holds a {saved_class} checkpoint; "
                f"model is {type(model).__name__}"
            )
        for field in sorted(set(config) | set(model.config)):
            saved, current = config.get(field), model.config.get(field)
            if saved != current:
                raise ValueError(f"{field}: checkpoint has {saved!r}, model has {current!r}")
    model.load_state_dict(checkpoint["state_dict"])
    if device is not None:
        model.to(get_device(device))
    return model.eval()
