"""Tests for vae_course.metrics: the Frechet distance and the digit classifier whose features
it is computed on in chapter 9."""

import pytest
import torch

from vae_course import data, metrics


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


def test_frechet_distance_of_a_scaled_and_shifted_copy_is_exact():
    # b = s * a + m with a centred: C_b = s^2 C_a, so the trace term is (1 - s)^2 tr C_a for any
    # (also non-diagonal) covariance, and the mean term is |m|^2
    g = torch.Generator().manual_seed(1)
    mixing = torch.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, -0.3], [0.2, 0.0, 0.7]])
    a = torch.randn(2000, 3, generator=g) @ mixing
    a = a - a.mean(0)
    s, m = 1.7, torch.tensor([0.3, -0.4, 1.2])
    b = s * a + m
    trace = float(torch.cov(a.double().T).trace())
    expected = float(m.pow(2).sum()) + (1 - s) ** 2 * trace
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert metrics.frechet_distance(b, a) == pytest.approx(expected, rel=1e-6)


@pytest.fixture(scope="module")
def digits():
    train = data.load_mnist("train", limit=3000, verbose=False)
    test = data.load_mnist("test", limit=1000, verbose=False)
    return train, test


@pytest.fixture(scope="module")
def classifier(digits):
    train, _ = digits
    return metrics.fit_digit_classifier(train.images, train.labels, epochs=3, seed=0)


def test_classifier_recognises_held_out_digits(digits, classifier):
    _, test = digits
    accuracy = classifier.accuracy(test.images, test.labels)
    # always answering the commonest digit of the test set, the baseline to beat
    majority = float(test.labels.bincount().max()) / len(test.labels)
    # at most a third of the baseline's errors
    assert 1 - accuracy < (1 - majority) / 3


def test_classifier_features_shape_and_batch_independence(digits, classifier):
    _, test = digits
    x = test.images[:300]
    features = classifier.features(x, batch_size=64)
    assert features.shape == (300, 64) and features.dtype == torch.float32
    torch.testing.assert_close(classifier.features(x[:10]), features[:10])
    logits = classifier(x)
    torch.testing.assert_close(classifier.head(features), logits)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 1, 28, 28\)"):
        classifier.features(x.flatten(1))


def test_fit_is_seeded_and_leaves_the_global_generator_alone(digits):
    train, _ = digits
    x, y = train.images[:500], train.labels[:500]
    state = torch.random.get_rng_state()
    first = metrics.fit_digit_classifier(x, y, epochs=1, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    second = metrics.fit_digit_classifier(x, y, epochs=1, seed=3)
    other = metrics.fit_digit_classifier(x, y, epochs=1, seed=4)
    for p, q in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(p, q)
    assert not torch.equal(first.head[1].weight, other.head[1].weight)
    with pytest.raises(ValueError, match="labels must have shape"):
        metrics.fit_digit_classifier(x, y[:10])


def test_real_digits_are_closer_to_real_digits_than_noise_is(digits, classifier):
    train, test = digits
    real_test = classifier.features(test.images)
    real_train = classifier.features(train.images[:1000])
    noise = torch.rand(1000, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    to_real = metrics.frechet_distance(real_train, real_test)
    to_noise = metrics.frechet_distance(classifier.features(noise), real_test)
    assert to_real < to_noise / 10
