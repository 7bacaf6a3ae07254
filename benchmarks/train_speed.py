"""Training speed of ``vae_course.training.fit`` against PyTorch's floor and the classic loop.

The goal is the floor: ``fit`` should cost no more than 5% over a bare in-memory loop that does
the same work (same model, the same fused Adam, digits held in memory, a fresh binarization of
each minibatch, the same one-sample ELBO, the same test pass) with none of fit's bookkeeping.
The classic DataLoader loop is reported for context only: how much faster ``fit`` is than it
measures that loop's per-item overhead (a PIL image per digit), which varies by machine.

The classic loop is that of the PyTorch MNIST VAE example, written out below: a DataLoader
over torchvision's MNIST dataset class (its ``__getitem__`` makes a uint8 PIL image and
``transforms.ToTensor()`` converts it), batch 128, Adam(lr=1e-3), loss = BCE (sum) + KL.
The digits are the offline ones, written as MNIST idx files into a temporary folder.
``fit`` trains ``vae_course.models.VAE()`` (the same 784-400-20 / 20-400-784 architecture,
starting from the same weights) on the same digits. Epochs alternate in one run (fit epoch,
classic epoch, bare epoch, ...) so all three see the same machine load. Each epoch = one pass
over the training digits plus the test loss (per example, nats, one posterior sample per image).

Also measured: decode latency for one latent vector and for a 16 x 16 grid of them.

Run: python benchmarks/train_speed.py [--epochs 10] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from vae_course import data, losses, models, runtime, training

# ---------------------------------------------------------------- the reference, as usually written


class ReferenceVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def reference_loss(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def write_idx_mnist(root: Path, split: str, pixels: np.ndarray, labels: np.ndarray) -> None:
    """Write digits as the MNIST idx files torchvision's MNIST dataset reads (big-endian header:
    magic number, then each dimension; then the raw bytes)."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    prefix = "train" if split == "train" else "t10k"
    for name, array, magic in (("images-idx3", pixels, 0x0803), ("labels-idx1", labels, 0x0801)):
        header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape)
        (raw / f"{prefix}-{name}-ubyte").write_bytes(header + array.astype(np.uint8).tobytes())


def reference_train_epoch(model, optimizer, loader):
    model.train()
    for x, _ in loader:
        optimizer.zero_grad()
        recon, mu, logvar = model(x)
        loss = reference_loss(recon, x, mu, logvar)
        loss.backward()
        optimizer.step()


def reference_test_loss(model, loader):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, _ in loader:
            recon, mu, logvar = model(x)
            total += reference_loss(recon, x, mu, logvar).item()
    return total / len(loader.dataset)


# ---------------------------------------------------------------- the comparison


def copy_reference_weights(reference: ReferenceVAE, model: models.VAE) -> None:
    """Start both models from the same weights (same layers, the package's names)."""
    pairs = {
        "fc1": model.encoder.fc,
        "fc21": model.to_mu,
        "fc22": model.to_logvar,
        "fc3": model.decoder.fc,
        "fc4": model.decoder.out,
    }
    with torch.no_grad():
        for name, layer in pairs.items():
            source = getattr(reference, name)
            layer.weight.copy_(source.weight)
            layer.bias.copy_(source.bias)


def bare_epoch(model, optimizer, train_x, test_x, generator) -> None:
    """The floor: what fit does in one epoch, written as plainly as PyTorch allows."""
    model.train()
    for index in torch.randperm(len(train_x), generator=generator).split(128):
        x = torch.bernoulli(train_x[index], generator=generator)
        loss = losses.elbo(model, x, generator=generator).objective()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.inference_mode():
        for x in test_x.split(500):
            losses.elbo(model, x, generator=generator).elbo.sum().item()


def decode_latency(model: models.VAE, n_latents: int, repeats: int) -> float:
    """Median seconds to decode ``n_latents`` prior samples into (n, 1, 28, 28) images."""
    z = torch.randn(n_latents, model.latent_dim)
    times = []
    with torch.inference_mode():
        for _ in range(5):
            model.decode(z)
        for _ in range(repeats):
            start = time.perf_counter()
            model.decode(z)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads for both loops (default: torch's own choice); "
        "1 gives steadier figures on a machine shared with other jobs",
    )
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="vae_course_bench_") as folder:
        run(args.epochs, Path(folder))


def run(epochs: int, root: Path) -> None:
    runtime.seed_everything(0)
    train = data.load_mnist("train", download=False)
    test = data.load_mnist("test", download=False, verbose=False)
    # the reference reads the same digits through torchvision's own MNIST dataset class:
    # uint8 idx files -> PIL image per item -> transforms.ToTensor()
    for split, digits in (("train", train), ("test", test)):
        pixels = (digits.images[:, 0] * 255).round().to(torch.uint8).numpy()
        write_idx_mnist(root, split, pixels, digits.labels.numpy())
    to_tensor = transforms.ToTensor()
    train_set = datasets.MNIST(root, train=True, download=False, transform=to_tensor)
    test_set = datasets.MNIST(root, train=False, download=False, transform=to_tensor)
    train_loader = DataLoader(train_set, batch_size=128, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=128, shuffle=False)

    reference = ReferenceVAE()
    reference_optimizer = torch.optim.Adam(reference.parameters(), lr=1e-3)
    model = models.VAE(input_dim=784, hidden_dim=400, latent_dim=20)
    copy_reference_weights(reference, model)
    bare = models.VAE(input_dim=784, hidden_dim=400, latent_dim=20)
    copy_reference_weights(reference, bare)
    bare_optimizer = torch.optim.Adam(bare.parameters(), lr=1e-3, fused=True)
    bare_generator = torch.Generator().manual_seed(0)
    test_bits = data.dynamic_binarize(test.images, torch.Generator().manual_seed(1))

    print(
        f"{len(train.labels)} train / {len(test.labels)} test digits ({train.source}), "
        f"{epochs} epochs each, batch 128, Adam 1e-3, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device cpu"
    )
    ref_seconds, ref_losses, bare_seconds = [], [], []

    def reference_epoch(record: dict) -> None:
        # runs between fit's epochs, so the two alternate: fit epoch, reference epoch, ...
        start = time.perf_counter()
        reference_train_epoch(reference, reference_optimizer, train_loader)
        ref_losses.append(reference_test_loss(reference, test_loader))
        ref_seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        bare_epoch(bare, bare_optimizer, train.images, test_bits, bare_generator)
        bare_seconds.append(time.perf_counter() - start)
        print(
            f"epoch {record['epoch']:>2}: fit {record['seconds']:.3f} s, "
            f"test loss {record['test_loss']:.2f} | bare {bare_seconds[-1]:.3f} s | "
            f"classic {ref_seconds[-1]:.3f} s, test loss {ref_losses[-1]:.2f}"
        )

    history = training.fit(
        model,
        train.images,
        test_x=test.images,
        epochs=epochs,
        batch_size=128,
        lr=1e-3,
        device="cpu",
        progress=False,
        callback=reference_epoch,
    )
    fit_seconds = history["seconds"]
    ref_median, fit_median = statistics.median(ref_seconds), statistics.median(fit_seconds)
    bare_median = statistics.median(bare_seconds)
    # the fastest epoch is the one least disturbed by other jobs on a shared machine
    ref_best, fit_best, bare_best = min(ref_seconds), min(fit_seconds), min(bare_seconds)
    print()
    print(
        f"seconds per epoch, median: fit {fit_median:.3f}, bare {bare_median:.3f}, "
        f"classic {ref_median:.3f}"
    )
    print(
        f"seconds per epoch, fastest: fit {fit_best:.3f}, bare {bare_best:.3f}, "
        f"classic {ref_best:.3f}"
    )
    print(
        f"fit / bare in-memory loop (the floor): {fit_median / bare_median:.3f} by medians, "
        f"{fit_best / bare_best:.3f} by fastest epochs (goal <= 1.05)"
    )
    print(
        f"classic DataLoader loop / fit: {ref_median / fit_median:.2f}x by medians, "
        f"{ref_best / fit_best:.2f}x by fastest epochs (context: the DataLoader's overhead)"
    )
    print(
        f"final test loss per example (nats): reference {ref_losses[-1]:.2f}, "
        f"fit {history.final['test_loss']:.2f} "
        f"(difference fit - reference {history.final['test_loss'] - ref_losses[-1]:+.2f})"
    )

    model.eval()
    one = decode_latency(model, 1, repeats=200)
    grid = decode_latency(model, 16 * 16, repeats=50)
    print(f"decode latency, 1 latent vector: {one * 1e3:.3f} ms ({one / 5e-3:.2f} of a 5 ms frame)")
    print(
        f"decode latency, 16 x 16 grid (256 vectors): {grid * 1e3:.3f} ms "
        f"({grid / 5e-3:.2f} of a 5 ms frame; {grid / 256 * 1e6:.1f} us per digit)"
    )


if __name__ == "__main__":
    main()
