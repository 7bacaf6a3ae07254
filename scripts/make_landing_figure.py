"""Make the landing page's figure: digits decoded from prior samples of a small trained VAE.

    PYTHONPATH=. python scripts/make_landing_figure.py [--out PATH] [--epochs N]

Trains a VAE (Bernoulli likelihood, d = 8) on the 4,000 offline training digits that ship
with the course (no network needed), draws 64 codes z ~ N(0, I) and saves the decoder's
mean images as an 8 x 8 grid. About a minute on a laptop CPU; seeded, so the figure can be
remade as it is.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from vae_course import data, latent, models, runtime, training

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "book" / "_static" / "landing_prior_samples.png"


def tile(images: np.ndarray, nrow: int, pad: int = 2) -> np.ndarray:
    """images (N, 28, 28) in [0, 1] -> one (rows*(28+pad)+pad, nrow*(28+pad)+pad) canvas."""
    n, h, w = images.shape
    rows = -(-n // nrow)
    canvas = np.zeros((rows * (h + pad) + pad, nrow * (w + pad) + pad))
    for i, image in enumerate(images):
        r, c = divmod(i, nrow)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        canvas[top : top + h, left : left + w] = image
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()

    torch.set_num_threads(1)  # a script, not a chapter: keep a shared machine responsive
    generator = runtime.seed_everything(0)
    train = data.load_mnist("train", download=False)
    model = models.VAE(latent_dim=8, hidden_dim=400)
    history = training.fit(
        model, train.images, epochs=args.epochs, seed=0, device="cpu", progress=False
    )
    elbo = history.final["train_elbo"]
    print(f"{args.epochs} epochs on {len(train.images)} digits: train ELBO {elbo:.1f} nats")

    with torch.no_grad():
        z = latent.sample_prior(64, model.latent_dim, generator=generator)  # (64, 8)
        images = model.decode(z).squeeze(1).numpy()  # (64, 28, 28) Bernoulli means

    fig = Figure(figsize=(5, 5), dpi=120, layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(tile(images, nrow=8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, facecolor="white")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
