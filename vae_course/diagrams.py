"""Diagrams of the models themselves (not of their outputs): the MLP VAE's layers with their
widths and parameter counts. Like plotting, each function returns a matplotlib Figure built
without pyplot."""

from __future__ import annotations

import math

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch


def linear_parameters(n_in: int, n_out: int) -> int:
    """Weights and biases of ``nn.Linear(n_in, n_out)``."""
    return n_in * n_out + n_out


def mlp_vae_parameters(D: int, hidden: int, d: int) -> int:
    """Parameters of the one-hidden-layer VAE: encoder D -> hidden -> (mu, log sigma^2), each d
    wide; decoder d -> hidden -> D."""
    return (
        linear_parameters(D, hidden)
        + 2 * linear_parameters(hidden, d)
        + linear_parameters(d, hidden)
        + linear_parameters(hidden, D)
    )


def _check_width(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")


def vae_architecture(D: int, hidden: int, d: int, title: str | None = None) -> Figure:
    """The MLP VAE as boxes (one per layer of units, height growing with its width) and arrows
    (one per linear map, with its parameter count). The noise eps, which has no parameters,
    is dashed. The title gives the total, :func:`mlp_vae_parameters`."""
    for name, value in (("D", D), ("hidden", hidden), ("d", d)):
        _check_width(name, value)

    def height(width: int) -> float:  # by the square root, so 20 units still show beside 784
        return 0.35 + 2.2 * math.sqrt(width / max(D, hidden, d))

    # name: (x, y, label, width, dashed)
    boxes = {
        "x": (0.0, 0.0, f"$x$\n{D}", D, False),
        "h_enc": (2.2, 0.0, f"$h$\n{hidden}\nReLU", hidden, False),
        "mu": (4.4, 0.9, rf"$\mu_\phi(x)$" f"\n{d}", d, False),
        "logvar": (4.4, -0.9, r"$\log\sigma^2_\phi(x)$" f"\n{d}", d, False),
        "z": (6.6, 0.0, f"$z$\n{d}", d, False),
        "eps": (6.6, -2.0, r"$\varepsilon \sim \mathcal{N}(0, I)$" f"\n{d}", d, True),
        "h_dec": (8.8, 0.0, f"$h$\n{hidden}\nReLU", hidden, False),
        "logits": (11.0, 0.0, f"logits\n{D}", D, False),
    }
    # (from, to, label): a label is the linear map's parameter count
    maps = [
        ("x", "h_enc", linear_parameters(D, hidden)),
        ("h_enc", "mu", linear_parameters(hidden, d)),
        ("h_enc", "logvar", linear_parameters(hidden, d)),
        ("mu", "z", None),
        ("logvar", "z", None),
        ("eps", "z", None),
        ("z", "h_dec", linear_parameters(d, hidden)),
        ("h_dec", "logits", linear_parameters(hidden, D)),
    ]
    fig = Figure(figsize=(10.0, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.set(xlim=(-0.8, 12.0), ylim=(-3.0, 2.4))
    ax.axis("off")
    for bx, by, label, width, dashed in boxes.values():
        h = height(width)
        ax.add_patch(_box(bx - 0.45, by - h / 2, 0.9, h, dashed, fc="white" if dashed else "0.92"))
        ax.text(bx, by, label, ha="center", va="center", fontsize=8)
    for start, end, count in maps:
        (x0, y0, *_), (x1, y1, *_) = boxes[start], boxes[end]
        ax.annotate(
            "",
            xy=(x1 - 0.5, y1) if end != "z" or start != "eps" else (x1, y1 - height(d) / 2),
            xytext=(x0 + 0.5, y0) if start != "eps" else (x0, y0 + height(d) / 2),
            arrowprops=dict(arrowstyle="->", color="0.25", ls="--" if start == "eps" else "-"),
        )
        if count is not None:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.25, f"{count:,}", ha="center", fontsize=7)
    ax.text(6.6, 1.25, r"$z = \mu + \sigma \odot \varepsilon$", ha="center", fontsize=8)
    ax.text(1.1, -2.3, "encoder $f_\\phi$", ha="center", fontsize=9)
    ax.text(9.9, -2.3, "decoder $g_\\theta$", ha="center", fontsize=9)
    total = mlp_vae_parameters(D, hidden, d)
    ax.set_title(
        title
        or f"The VAE's layers (width under each name; parameters on each arrow): {total:,} in all",
        fontsize=9,
    )
    return fig


def _box(x: float, y: float, w: float, h: float, dashed: bool, fc: str) -> FancyBboxPatch:
    return FancyBboxPatch(
        (x, y), w, h, boxstyle="round,pad=0.02", fc=fc, ec="0.3", ls="--" if dashed else "-"
    )
