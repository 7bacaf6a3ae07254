"""Evaluation metrics for generated images (chapter 9): the Frechet distance between Gaussians
fitted to two sets of features.
"""

from __future__ import annotations

import torch


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
