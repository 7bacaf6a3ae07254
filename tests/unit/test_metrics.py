"""Tests for vae_course.metrics: the Frechet distance."""

import pytest
import torch

from vae_course import metrics


def test_frechet_distance_closed_forms():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(4000, 3, generator=g)
    assert abs(metrics.frechet_distance(a, a)) < 1e-8
    # means differ, covariances equal: the distance is the squared distance of the means
    shifted = a + torch.tensor([1.0, -2.0, 0.5])
    assert abs(metrics.frechet_distance(a, shifted) - 5.25) < 1e-6
    # diagonal covariances: sum over dimensions of (sigma_a - sigma_b)^2
    scaled = a * torch.tensor([2.0, 1.0, 0.5])
    stds_a, stds_b = a.std(0), scaled.std(0)
    expected = float((stds_a - stds_b).pow(2).sum())
    assert abs(metrics.frechet_distance(a, scaled) - expected) < 0.02
    with pytest.raises(ValueError, match="must be \\(N, d\\) and \\(M, d\\)"):
        metrics.frechet_distance(a, torch.randn(10, 2))
