"""Evaluation metrics for generated images (chapter 9): the Frechet distance between Gaussians
fitted to two sets of features, and a small digit classifier whose hidden layer gives features
that do not come from the generative model being judged.

The Frechet Inception Distance (FID; Heusel et al., 2017) applies the same distance to
features of an Inception network trained on natural photographs. For 28 x 28 digits we use
features of a digit classifier trained here instead, so the numbers are not FIDs and are not
comparable with published FIDs.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .data import batches
from .runtime import get_device


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Frechet distance between Gaussians fitted to two sample sets a (N, d) and b (M, d):
    |m_a - m_b|^2 + tr(C_a + C_b - 2 (C_a^1/2 C_b C_a^1/2)^1/2). Zero iff mean and covariance agree.
    """
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"a and b must be (N, d) and (M, d), N, M >= 2; got {a.shape}, {b.shape}")
    a, b = a.detach().double().cpu(), b.detach().double().cpu()

    def sqrtm(matrix):  # symmetric positive semi-definite square root
        values, vectors = torch.linalg.eigh(matrix)
        return vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T

    cov_a, cov_b = torch.cov(a.T).reshape(a.shape[1], -1), torch.cov(b.T).reshape(b.shape[1], -1)
    root_a = sqrtm(cov_a)
    cross = sqrtm(root_a @ cov_b @ root_a)
    value = (a.mean(0) - b.mean(0)).pow(2).sum() + torch.trace(cov_a + cov_b - 2 * cross)
    return float(value)


class DigitClassifier(nn.Module):
    """A small MLP: images (N, 1, 28, 28) in [0, 1] -> features (N, feature_dim) -> logits.

    ``features`` is the last hidden layer before its ReLU, the layer a Frechet distance uses
    (taken before the ReLU so that no feature is clipped to a constant); ``head`` maps features
    to class logits (N, n_classes).
    """

    def __init__(self, hidden_dim: int = 256, feature_dim: int = 64, n_classes: int = 10):
        super().__init__()
        for name, value in dict(
            hidden_dim=hidden_dim, feature_dim=feature_dim, n_classes=n_classes
        ).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        self.body = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, feature_dim),
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(feature_dim, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (N, n_classes) for images x (N, 1, 28, 28)."""
        return self.head(self.body(x))

    @torch.no_grad()
    def features(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """The last hidden layer for images x (N, 1, 28, 28): (N, feature_dim), on the CPU.

        Images are moved to the classifier's device ``batch_size`` at a time.
        """
        _check_images(x)
        device = self.head[1].weight.device
        was_training = self.training
        self.eval()
        parts = [
            self.body(chunk.to(device)).cpu()
            for (chunk,) in batches(x, batch_size=batch_size, shuffle=False)
        ]
        self.train(was_training)
        return torch.cat(parts)

    @torch.no_grad()
    def accuracy(self, x: torch.Tensor, labels: torch.Tensor) -> float:
        """Fraction of images x (N, 1, 28, 28) whose most probable class is the label (N,)."""
        if labels.shape != (len(x),):
            raise ValueError(
                f"labels must have shape ({len(x)},), one per image; got {tuple(labels.shape)}"
            )
        logits = self.head(self.features(x).to(self.head[1].weight.device)).cpu()
        return float((logits.argmax(1) == labels.cpu()).double().mean())


def _check_images(x) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"images must have shape (N, 1, 28, 28); got {shape}")


def fit_digit_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int = 5,
    batch_size: int = 128,
    lr: float = 1e-3,
    hidden_dim: int = 256,
    feature_dim: int = 64,
    seed: int = 0,
    device: str | torch.device | None = None,
) -> DigitClassifier:
    """Train a ``DigitClassifier`` with Adam on cross-entropy: images (N, 1, 28, 28) in [0, 1],
    labels (N,) int64 in 0..9. Seeded (initial weights and shuffling); returned in eval mode."""
    _check_images(images)
    if labels.shape != (len(images),):
        raise ValueError(
            f"labels must have shape ({len(images)},), one per image; got {tuple(labels.shape)}"
        )
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int; got {epochs!r}")
    device = get_device(device)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights, global state untouched
        torch.manual_seed(seed)
        classifier = DigitClassifier(hidden_dim, feature_dim, int(labels.max()) + 1)
    classifier.to(device)
    generator = torch.Generator(device=device).manual_seed(seed)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr)
    images, labels = images.to(device), labels.to(device)
    classifier.train()
    for _ in range(epochs):
        for x, y in batches(images, labels, batch_size=batch_size, generator=generator):
            loss = F.cross_entropy(classifier(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    classifier.eval()
    return classifier
