"""Tests for vae_course.probes: k-NN accuracy, k-means ARI, nearest distances, angles."""

import numpy as np
import pytest
import torch

from vae_course import probes


def clusters(n_per_class: int = 30, n_classes: int = 4, width: int = 5, seed: int = 0):
    """Tight Gaussian blobs around far-apart centres: (n, width) features and (n,) labels."""
    rng = np.random.default_rng(seed)
    centres = 100.0 * np.eye(n_classes, width)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    features = centres[labels] + rng.normal(scale=0.1, size=(len(labels), width))
    return torch.tensor(features, dtype=torch.float32), torch.tensor(labels)


def test_knn_accuracy_is_one_on_separated_clusters_and_zero_with_every_label_wrong():
    x, y = clusters()
    assert probes.knn_accuracy(x, y, x, y, k=3) == 1.0
    assert probes.knn_accuracy(x, y, x, (y + 1) % 4, k=3) == 0.0


def test_knn_accuracy_counts_the_fraction_right():
    x, y = clusters(n_per_class=10, n_classes=2)
    wrong = y.clone()
    wrong[:5] = 1 - wrong[:5]  # 5 of 20 test labels disagree with their cluster
    assert probes.knn_accuracy(x, y, x, wrong, k=1) == pytest.approx(0.75)


def test_knn_predict_returns_the_nearest_label_and_agrees_with_the_accuracy():
    """With k = 1, each training row predicts its own label; the accuracy is the share of
    predictions equal to the test labels, whichever labels those are."""
    gen = np.random.default_rng(0)
    x = gen.normal(size=(30, 4))
    y = gen.integers(0, 3, size=30)
    np.testing.assert_array_equal(probes.knn_predict(x, y, x, k=1), y)
    queries = gen.normal(size=(12, 4))
    truth = gen.integers(0, 3, size=12)
    predicted = probes.knn_predict(x, y, queries, k=5)
    assert predicted.shape == (12,)
    assert probes.knn_accuracy(x, y, queries, truth, k=5) == pytest.approx(
        (predicted == truth).mean()
    )


def test_knn_accuracy_flattens_images_like_codes():
    images = torch.rand(12, 1, 28, 28)
    labels = torch.arange(12) % 3
    flat = images.flatten(1)
    assert probes.knn_accuracy(images, labels, images, labels, k=1) == 1.0
    assert probes.knn_accuracy(images, labels, images[:6], labels[:6], k=3) == probes.knn_accuracy(
        flat, labels, flat[:6], labels[:6], k=3
    )


def test_knn_accuracy_names_bad_arguments():
    x, y = clusters()
    with pytest.raises(ValueError, match="train_labels"):
        probes.knn_accuracy(x, y[:-1], x, y)
    with pytest.raises(ValueError, match="same width"):
        probes.knn_accuracy(x, y, x[:, :3], y)
    with pytest.raises(ValueError, match="k must be"):
        probes.knn_accuracy(x, y, x, y, k=0)


def test_kmeans_ari_is_one_for_separated_clusters_under_any_label_names():
    x, y = clusters()
    renamed = torch.tensor([3, 0, 2, 1])[y]
    assert probes.kmeans_ari(x, y, n_clusters=4) == pytest.approx(1.0)
    assert probes.kmeans_ari(x, renamed, n_clusters=4) == pytest.approx(1.0)


def test_kmeans_ari_is_near_zero_for_labels_unrelated_to_the_features():
    x, _ = clusters(n_per_class=100)
    shuffled = torch.randint(0, 4, (len(x),), generator=torch.Generator().manual_seed(1))
    assert abs(probes.kmeans_ari(x, shuffled, n_clusters=4)) < 0.05


def test_kmeans_ari_names_bad_arguments():
    x, y = clusters()
    with pytest.raises(ValueError, match="labels"):
        probes.kmeans_ari(x, y[:5])
    with pytest.raises(ValueError, match="n_clusters"):
        probes.kmeans_ari(x, y, n_clusters=0)


def test_nearest_distances_match_brute_force_and_find_exact_copies():
    g = torch.Generator().manual_seed(0)
    refs = torch.randn(50, 7, generator=g)
    queries = torch.cat([refs[[4, 17]], torch.randn(30, 7, generator=g)])
    distances, indices = probes.nearest_distances(queries, refs, chunk_size=8)
    full = torch.cdist(queries.double(), refs.double())
    torch.testing.assert_close(distances.double(), full.min(1).values, rtol=1e-5, atol=1e-5)
    assert torch.equal(indices, full.argmin(1))
    assert indices[:2].tolist() == [4, 17] and distances[:2].max() < 1e-5


def test_nearest_distances_names_mismatched_widths():
    with pytest.raises(ValueError, match="same width"):
        probes.nearest_distances(torch.zeros(3, 4), torch.zeros(5, 6))


def test_principal_angles_of_known_planes():
    e = np.eye(4)
    # span(e1, e2) against span(e1, cos t e2 + sin t e3): angles 0 and t
    t = np.radians(30.0)
    b = np.stack([e[0], np.cos(t) * e[1] + np.sin(t) * e[2]], axis=1)
    angles = probes.principal_angles(e[:, :2], b)
    np.testing.assert_allclose(angles, [0.0, 30.0], atol=1e-8)
    # a change of basis does not change the subspace, so the angles are all zero
    mixed = e[:, :2] @ np.array([[2.0, 1.0], [-1.0, 3.0]])
    np.testing.assert_allclose(probes.principal_angles(e[:, :2], mixed), 0.0, atol=1e-7)
    # orthogonal subspaces
    np.testing.assert_allclose(probes.principal_angles(e[:, :2], e[:, 2:]), 90.0)


def test_principal_angles_resolve_tiny_angles():
    t = 1e-6  # radians; arccos of the cosine would round this to 0
    a = np.array([[1.0], [0.0]])
    b = np.array([[np.cos(t)], [np.sin(t)]])
    assert probes.principal_angles(a, b)[0] == pytest.approx(np.degrees(t), rel=1e-6)


def test_principal_angles_names_mismatched_rows():
    with pytest.raises(ValueError, match="same number of rows"):
        probes.principal_angles(np.ones((4, 2)), np.ones((5, 2)))


def test_softmax_classifier_matches_scikit_learn_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    x, y = clusters(n_per_class=20, n_classes=3, width=6)
    x = x / 100 + torch.randn(x.shape, generator=torch.Generator().manual_seed(2))  # overlapping
    l2 = 0.05
    ours = probes.SoftmaxClassifier(x, y, l2=l2, max_iter=500)
    theirs = LogisticRegression(C=1 / (len(x) * l2), max_iter=10_000, tol=1e-12).fit(
        x.numpy(), y.numpy()
    )
    np.testing.assert_allclose(
        ours.predict_proba(x).numpy(), theirs.predict_proba(x.numpy()), atol=2e-3
    )


def test_softmax_classifier_probabilities_and_accuracy():
    x, y = clusters()
    classifier = probes.SoftmaxClassifier(x, y)
    probs = classifier.predict_proba(x)
    assert probs.shape == (len(x), 4)
    torch.testing.assert_close(probs.sum(1), torch.ones(len(x)))
    assert classifier.accuracy(x, y) == 1.0
    assert classifier.accuracy(x, (y + 1) % 4) == 0.0


def test_softmax_classifier_names_bad_arguments():
    x, y = clusters()
    with pytest.raises(ValueError, match="labels"):
        probes.SoftmaxClassifier(x, y[:-1])
    with pytest.raises(ValueError, match="l2"):
        probes.SoftmaxClassifier(x, y, l2=-1.0)
    classifier = probes.SoftmaxClassifier(x, y)
    with pytest.raises(ValueError, match="width"):
        classifier.predict_proba(x[:, :2])
