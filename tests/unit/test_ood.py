"""Tests for vae_course.ood: AUROC against scikit-learn, the paired bootstrap against a direct
resampling, the compressor's length against zlib by hand, the corrected and typicality scores
by hand, and the bound in bits per dimension against losses.iwae_bound."""

import math
import zlib

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from vae_course import losses, models, ood


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auroc_matches_sklearn_with_and_without_ties(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=40), rng.normal(0.7, size=25)
    if seed == 2:  # many ties, across and within the two sets
        a, b = np.round(a), np.round(b)
    labels = np.r_[np.zeros(len(a)), np.ones(len(b))]
    assert ood.auroc(a, b) == pytest.approx(roc_auc_score(labels, np.r_[a, b]), abs=1e-12)


def test_auroc_extremes_and_errors():
    assert ood.auroc([0.0, 1.0], [2.0, 3.0]) == 1.0
    assert ood.auroc([2.0, 3.0], [0.0, 1.0]) == 0.0
    assert ood.auroc([1.0, 1.0], [1.0]) == 0.5
    with pytest.raises(ValueError, match="in_scores"):
        ood.auroc([], [1.0])
    with pytest.raises(ValueError, match="out_scores"):
        ood.auroc([1.0], [float("nan")])


@pytest.mark.slow
def test_paired_bootstrap_resamples_both_scores_alike():
    rng = np.random.default_rng(3)
    a_in, a_out = rng.normal(size=30), rng.normal(0.3, size=20)
    b_in, b_out = a_in + rng.normal(0, 0.1, 30), a_out + 1.0
    result = ood.paired_bootstrap((a_in, a_out), (b_in, b_out), n_boot=200, seed=5)
    # the same draws, made here by hand, give the same percentile interval
    draw = np.random.default_rng(5)
    i = draw.integers(0, 30, size=(200, 30))
    j = draw.integers(0, 20, size=(200, 20))
    lab = np.r_[np.zeros(30), np.ones(20)]
    diffs = [
        roc_auc_score(lab, np.r_[b_in[i[r]], b_out[j[r]]])
        - roc_auc_score(lab, np.r_[a_in[i[r]], a_out[j[r]]])
        for r in range(200)
    ]
    low, high = np.percentile(diffs, [2.5, 97.5])
    est, got_low, got_high = result["difference"]
    assert (got_low, got_high) == pytest.approx((low, high), abs=1e-12)
    assert est == pytest.approx(ood.auroc(b_in, b_out) - ood.auroc(a_in, a_out))
    assert result["after"][0] == pytest.approx(roc_auc_score(lab, np.r_[b_in, b_out]))
    with pytest.raises(ValueError, match="same images"):
        ood.paired_bootstrap((a_in, a_out), (b_in[:5], b_out))
    with pytest.raises(ValueError, match="n_boot"):
        ood.paired_bootstrap((a_in, a_out), (b_in, b_out), n_boot=1)


def test_complexity_is_the_zlib_length_per_pixel():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3, 1, 28, 28, generator=g)
    x[0] = 0.0  # an empty image compresses to almost nothing
    got = ood.complexity_bits(x)
    for n in range(3):
        raw = bytes(255 if v > 0.5 else 0 for v in x[n].flatten().tolist())
        assert got[n] == pytest.approx(8 * len(zlib.compress(raw, 9)) / 784)
    assert got[0] < got[1]
    with pytest.raises(ValueError, match="x must"):
        ood.complexity_bits(torch.zeros(3, 28, 28))


def test_corrected_and_typicality_scores_by_hand():
    nll, comp = torch.tensor([0.3, 0.1, 0.5]), torch.tensor([0.4, 0.05, 0.2])
    torch.testing.assert_close(
        ood.complexity_corrected(nll, comp), torch.tensor([-0.1, 0.05, 0.3], dtype=torch.float64)
    )
    reference = [0.2, 0.3, 0.4]  # entropy estimate 0.3
    torch.testing.assert_close(
        ood.typicality(nll, reference), torch.tensor([0.0, 0.2, 0.2], dtype=torch.float64)
    )
    with pytest.raises(ValueError, match="must match"):
        ood.complexity_corrected(nll, comp[:2])


def test_negative_bound_bits_is_the_iwae_bound_in_bits():
    torch.manual_seed(0)
    vae = models.VAE(hidden_dim=16, latent_dim=2)
    x = torch.bernoulli(torch.full((7, 1, 28, 28), 0.2), generator=torch.Generator().manual_seed(1))
    got = ood.negative_bound_bits(vae, x, k=4, seed=3, batch_size=7)
    with torch.no_grad():
        bound = losses.iwae_bound(vae, x, 4, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(got, -bound / (784 * math.log(2)))
    with pytest.raises(ValueError, match="x must"):
        ood.negative_bound_bits(vae, x.flatten(1))
