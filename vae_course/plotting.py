"""Figures: image grids, reconstructions, latent scatter plots, decoded manifolds, training
curves, the rate-distortion plane, and the generative process as a diagram. Each function returns a
``matplotlib.figure.Figure`` built without pyplot, so nothing accumulates in pyplot's global
state and it works headless; in Jupyter, a returned Figure displays as the cell's result (or
use ``display(fig)``).
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from .latent import quantile_grid


def _as_images(images, name: str = "images") -> np.ndarray:
    """(N, 1, H, W) or (N, H, W) tensor/array -> (N, H, W) float numpy."""
    array = (
        images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    )
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3:
        raise ValueError(f"{name} must have shape (N, 1, H, W) or (N, H, W); got {array.shape}")
    return array.astype(np.float32)


# Ink is 1 and drawn black with the gray_r colormap, so the gaps between tiles get a light grey:
# separate cells, without the heavy black frames a padding of 1 would draw.
PAD_VALUE = 0.15


def _tile(images: np.ndarray, nrow: int, pad: int = 2) -> np.ndarray:
    """(N, H, W) -> one (rows*(H+pad)+pad, nrow*(W+pad)+pad) mosaic, gaps at PAD_VALUE."""
    n, h, w = images.shape
    rows = -(-n // nrow)
    canvas = np.full((rows * (h + pad) + pad, nrow * (w + pad) + pad), PAD_VALUE, np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, nrow)
        canvas[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) :][:, :w] = image
    return canvas


def image_grid(images, nrow: int = 8, title: str | None = None) -> Figure:
    """Images (N, 1, 28, 28) in [0, 1] tiled ``nrow`` per row."""
    array = _as_images(images)
    if not isinstance(nrow, int) or nrow < 1:
        raise ValueError(f"nrow must be a positive int; got {nrow!r}")
    nrow = min(nrow, max(1, len(array)))
    rows = -(-len(array) // nrow)
    fig = Figure(figsize=(max(2.5, 0.6 * nrow), max(1.6, 0.6 * rows + 0.6)), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(_tile(array, nrow), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{nrow} images per row")
    ax.set_ylabel(f"{rows} row{'s' if rows != 1 else ''}")
    ax.set_title(title or f"{len(array)} images")
    return fig


def reconstructions(originals, recons, n: int = 8, title: str | None = None) -> Figure:
    """The first ``n`` originals (top row) above their reconstructions (bottom row)."""
    top, bottom = _as_images(originals, "originals")[:n], _as_images(recons, "recons")[:n]
    if top.shape != bottom.shape:
        raise ValueError(f"originals and recons must match; got {top.shape} and {bottom.shape}")
    fig = Figure(figsize=(max(3.0, 0.8 * len(top)), 2.2), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(_tile(np.concatenate([top, bottom]), len(top)), cmap="gray_r", vmin=0, vmax=1)
    h = top.shape[1] + 2
    ax.set_yticks([2 + h / 2 - 1, 2 + 1.5 * h - 1], ["original", "reconstruction"])
    ax.set_xticks([])
    ax.set_xlabel(f"{len(top)} images")
    ax.set_ylabel("row")
    ax.set_title(title or "Originals (top) and reconstructions (bottom)")
    return fig


def latent_scatter(z, labels, title: str | None = None) -> Figure:
    """2-D latent codes z (N, 2) as points coloured by label (N,); for d > 2 the first two dims."""
    points = z.detach().cpu().numpy() if isinstance(z, torch.Tensor) else np.asarray(z)
    classes = labels.cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if points.ndim != 2 or points.shape[1] < 2 or len(classes) != len(points):
        raise ValueError(
            f"z must be (N, d >= 2) and labels (N,); got {points.shape} and {classes.shape}"
        )
    fig = Figure(figsize=(5.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    scatter = ax.scatter(
        points[:, 0], points[:, 1], c=classes, cmap="tab10", vmin=-0.5, vmax=9.5, s=6, alpha=0.8
    )
    fig.colorbar(scatter, ax=ax, ticks=range(10), label="label")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title or "Latent codes coloured by label")
    return fig


@torch.no_grad()
def manifold(
    model, n: int = 15, title: str | None = None, *, y: int | None = None, lo=0.05, hi=0.95
) -> Figure:
    """Decode an n x n grid of prior quantiles of a 2-D latent space into one mosaic.

    ``y``: the class to condition on, for a ConditionalVAE.
    """
    if model.latent_dim != 2:
        raise ValueError(f"manifold needs a model with latent_dim=2; got {model.latent_dim}")
    grid = quantile_grid(n, lo=lo, hi=hi)  # (n*n, 2), row-major, y decreasing downwards
    device = next(model.parameters()).device
    if getattr(model, "conditional", False):
        if y is None:
            raise ValueError("y: a ConditionalVAE needs the class to draw, e.g. y=3")
        images = model.decode(grid.to(device), torch.full((n * n,), y, device=device))
    else:
        images = model.decode(grid.to(device))
    fig = Figure(figsize=(6, 6), layout="constrained")
    ax = fig.add_subplot()
    side = images.shape[-1] + 2
    ax.imshow(_tile(_as_images(images), n), cmap="gray_r", vmin=0, vmax=1)
    values = grid[:n, 0].numpy()
    centres = 2 + side * np.arange(n) + side / 2 - 1
    shown = np.unique(np.linspace(0, n - 1, min(n, 5)).round().astype(int))
    ax.set_xticks(centres[shown], [f"{values[i]:.2f}" for i in shown])
    ax.set_yticks(centres[shown], [f"{values[::-1][i]:.2f}" for i in shown])
    ax.set_xlabel("$z_1$ (prior quantiles)")
    ax.set_ylabel("$z_2$ (prior quantiles)")
    ax.set_title(title or "Decoded latent grid")
    return fig


def training_curves(history, title: str | None = None) -> Figure:
    """Loss per epoch (train solid, test dashed) and, for VAEs, its two parts in their own
    panels: the reconstruction term -E_q log p(x|z) and the KL, in nats per example.

    ``history``: a training.History or a dict of per-epoch lists.
    """
    keys = list(history.keys()) if hasattr(history, "keys") else []
    if "train_loss" not in keys:
        raise ValueError(f"history has no 'train_loss' column; got {keys}")
    panels = [("loss", "Loss", 1.0)]
    if "train_kl" in keys:
        panels += [("reconstruction", "Reconstruction term", -1.0), ("kl", "KL term", 1.0)]
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(3.6 * len(panels) + 1, 3.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (part, name, sign) in zip(axes, panels, strict=True):
        for split, style in (("train", "-"), ("test", "--")):
            if f"{split}_{part}" in keys:
                values = sign * np.asarray(history[f"{split}_{part}"], dtype=float)
                ax.plot(epochs, values, style, marker="o", markersize=3, label=split)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("nats per example")
        ax.legend()
    fig.suptitle(title or "Training curves")
    return fig


def rate_distortion(rates, distortions, labels=None, elbos=(), title: str | None = None) -> Figure:
    """Models as points in the plane of rate R (x) and distortion Delta (y), both in nats per
    example, joined in the order given, with dashed lines of constant ELBO.

    ``rates``, ``distortions``: (n,) the mean KL term and the mean -E_q log p(x|z) of each
    model; ``labels``: n strings written next to the points; ``elbos``: ELBO values (nats) to
    draw. Since ELBO = -(Delta + R), the models with a given ELBO lie on the line
    Delta = -ELBO - R, of slope -1; both axes get the same scale, so those lines are diagonals.
    """
    r = np.asarray(rates, dtype=float)
    dist = np.asarray(distortions, dtype=float)
    levels = [float(e) for e in elbos]
    if r.ndim != 1 or r.shape != dist.shape or len(r) == 0:
        raise ValueError(
            f"rates and distortions must be two (n,) sequences, n >= 1; got {r.shape} and "
            f"{dist.shape}"
        )
    if labels is not None and len(labels) != len(r):
        raise ValueError(f"labels must hold one string per model ({len(r)}); got {len(labels)}")
    if not all(np.isfinite(e) for e in levels):
        raise ValueError(f"elbos must be finite numbers; got {levels}")
    # the x range starts at R = 0 (no information) and leaves room for the labels
    x_lo, x_hi = 0.0, 1.3 * float(r.max()) + 2.0
    x = np.array([x_lo, x_hi])
    fig = Figure(figsize=(6, 5.2), layout="constrained")
    ax = fig.add_subplot()
    for i, level in enumerate(levels):
        # Delta + R = -ELBO along the line
        ax.plot(x, -level - x, "--", color=f"C{i + 1}", lw=1.2, label=f"ELBO = {level:.1f}")
    ax.plot(r, dist, "o-", color="C0", zorder=3)
    for label, a, b in zip(labels or [], r, dist, strict=False):  # no labels: none drawn
        ax.annotate(str(label), (a, b), textcoords="offset points", xytext=(6, 4))
    y_lo = float(dist.min()) - 0.1 * float(np.ptp(dist)) - 1.0
    y_hi = float(dist.max()) + 0.1 * float(np.ptp(dist)) + 1.0
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal", adjustable="box")  # one nat is as long on both axes
    ax.set_xlabel("rate $R$ = mean KL term (nats)")
    ax.set_ylabel(r"distortion $\Delta$ = mean $-\log p_\theta(x|z)$ (nats)")
    if levels:
        ax.legend(title="dashed: constant ELBO", fontsize=8, loc="upper right")
    ax.set_title(title or "Rate against distortion")
    return fig


def generative_process(z, images, title: str | None = None) -> Figure:
    """The VAE's generative process drawn as a diagram: the prior p(z) = N(0, I) with the
    sampled codes marked, arrows through the decoder g_theta, and the decoded images x-hat.

    ``z``: (n, d) prior samples, d >= 2 (the first two coordinates are drawn: for a standard
    normal prior their marginal density is N(0, I) in two dimensions); ``images``: (n, 1, 28, 28)
    in [0, 1], the decoder's output g_theta(z) for each row of z; n from 1 to 8.
    """
    from matplotlib.patches import ConnectionPatch, FancyBboxPatch

    points = z.detach().cpu().numpy() if isinstance(z, torch.Tensor) else np.asarray(z)
    decoded = _as_images(images)
    if points.ndim != 2 or points.shape[1] < 2:
        raise ValueError(f"z must have shape (n, d) with d >= 2; got {points.shape}")
    if not 1 <= len(points) <= 8 or len(decoded) != len(points):
        raise ValueError(
            f"z and images must hold the same number n of samples, 1 <= n <= 8; "
            f"got {len(points)} codes and {len(decoded)} images"
        )
    n = len(points)
    fig = Figure(figsize=(9.0, 3.8))
    # Left: the prior's density in (z_1, z_2), with the samples numbered.
    ax_prior = fig.add_axes((0.07, 0.14, 0.3, 0.7))
    limit = max(3.0, float(np.abs(points[:, :2]).max()) + 0.5)
    axis = np.linspace(-limit, limit, 121)
    z1, z2 = np.meshgrid(axis, axis)
    density = np.exp(-0.5 * (z1**2 + z2**2)) / (2 * np.pi)
    ax_prior.contourf(z1, z2, density, levels=8, cmap="Blues", alpha=0.8)
    ax_prior.scatter(points[:, 0], points[:, 1], s=36, c="black", zorder=3)
    for i, (a, b) in enumerate(points[:, :2], start=1):
        ax_prior.annotate(str(i), (a, b), xytext=(4, 4), textcoords="offset points")
    ax_prior.set_aspect("equal")
    ax_prior.set_xlabel("$z_1$")
    ax_prior.set_ylabel("$z_2$")
    ax_prior.set_title(r"1. sample $z \sim p(z) = \mathcal{N}(0, I)$", fontsize=10)
    # Middle: the decoder as a box, one arrow in per sample and one out per image.
    ax_flow = fig.add_axes((0.42, 0.0, 0.36, 1.0))
    ax_flow.set_xlim(0, 1)
    ax_flow.set_ylim(0, 1)
    ax_flow.axis("off")
    box = FancyBboxPatch((0.3, 0.3), 0.4, 0.4, boxstyle="round,pad=0.02", fc="#fde9c9", ec="black")
    ax_flow.add_patch(box)
    ax_flow.text(0.5, 0.56, r"decoder $g_\theta$", ha="center", va="center", fontsize=12)
    ax_flow.text(0.5, 0.42, "2. decode", ha="center", va="center", fontsize=10)
    # Right: the decoded images, one small panel each, top to bottom.
    height = 0.84 / n
    image_axes = []
    for i, image in enumerate(decoded):
        ax = fig.add_axes((0.8, 0.92 - (i + 1) * height, 0.14, height * 0.9))
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(1.06, 0.5, rf"$\hat x_{i + 1}$", transform=ax.transAxes, ha="left", va="center")
        image_axes.append(ax)
    fig.text(0.87, 0.95, r"3. images $\hat x = g_\theta(z)$", ha="center", fontsize=10)
    arrow = dict(arrowstyle="->", color="0.3", lw=1.0)
    for i, (a, b) in enumerate(points[:, :2]):
        fig.add_artist(
            ConnectionPatch(
                (a, b), (0.3, 0.5), "data", "data", axesA=ax_prior, axesB=ax_flow, **arrow
            )
        )
        fig.add_artist(
            ConnectionPatch(
                (0.7, 0.5),
                (0.0, 0.5),
                "data",
                "axes fraction",
                axesA=ax_flow,
                axesB=image_axes[i],
                **arrow,
            )
        )
    fig.suptitle(title or "Generation: sample the prior, decode", x=0.07, ha="left")
    return fig
