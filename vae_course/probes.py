"""Measuring what a representation is good for: nearest-neighbour classification, clustering
agreement with labels, nearest-neighbour distances, principal angles between subspaces.

Features are anything with one row per example: codes z (N, d), or images (N, 1, 28, 28),
which are flattened to (N, 784) so pixels and codes are measured by the same functions.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.linalg import subspace_angles
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import KNeighborsClassifier


def as_matrix(features, name: str = "features") -> np.ndarray:
    """Rows of ``features`` (N, ...) as a float64 (N, D) array; images are flattened."""
    array = (
        features.detach().cpu().numpy()
        if isinstance(features, torch.Tensor)
        else np.asarray(features)
    )
    if array.ndim < 2 or len(array) == 0:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1; got {array.shape}")
    return array.reshape(len(array), -1).astype(np.float64)


def _as_labels(labels, n: int, name: str) -> np.ndarray:
    array = labels.cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if array.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per row; got {array.shape}")
    return array


def knn_predict(train_features, train_labels, test_features, *, k: int = 5) -> np.ndarray:
    """Labels (M,) that a k-nearest-neighbour vote (Euclidean distance) gives the test rows.

    train_features (N, ...), train_labels (N,), test_features (M, ...).
    """
    train = as_matrix(train_features, "train_features")
    test = as_matrix(test_features, "test_features")
    if train.shape[1] != test.shape[1]:
        raise ValueError(
            f"train_features and test_features must have the same width; "
            f"got {train.shape[1]} and {test.shape[1]}"
        )
    if not isinstance(k, int) or not 1 <= k <= len(train):
        raise ValueError(f"k must be an int between 1 and {len(train)}; got {k!r}")
    y_train = _as_labels(train_labels, len(train), "train_labels")
    classifier = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(train, y_train)
    return classifier.predict(test)


def knn_accuracy(train_features, train_labels, test_features, test_labels, *, k: int = 5) -> float:
    """Accuracy of a k-nearest-neighbour vote (Euclidean distance) on the test rows.

    train_features (N, ...), train_labels (N,), test_features (M, ...), test_labels (M,).
    """
    predicted = knn_predict(train_features, train_labels, test_features, k=k)
    y_test = _as_labels(test_labels, len(predicted), "test_labels")
    return float((predicted == y_test).mean())


def kmeans_ari(features, labels, *, n_clusters: int = 10, seed: int = 0, n_init: int = 10) -> float:
    """Adjusted Rand index between k-means clusters of ``features`` (N, ...) and ``labels`` (N,).

    1 means the clusters are exactly the classes (up to renaming); about 0 means no better
    than a random assignment with the same cluster sizes.
    """
    matrix = as_matrix(features)
    truth = _as_labels(labels, len(matrix), "labels")
    if not isinstance(n_clusters, int) or not 1 <= n_clusters <= len(matrix):
        raise ValueError(
            f"n_clusters must be an int between 1 and {len(matrix)}; got {n_clusters!r}"
        )
    clusters = KMeans(n_clusters, n_init=n_init, random_state=seed).fit_predict(matrix)
    return float(adjusted_rand_score(truth, clusters))


@torch.no_grad()
def nearest_distances(
    queries, references, *, chunk_size: int = 1024
) -> tuple[torch.Tensor, torch.Tensor]:
    """For each query row, the Euclidean distance to its nearest reference row and that row's index.

    queries (M, ...), references (N, ...) -> (distances (M,), indices (M,) int64).
    """
    q = torch.as_tensor(as_matrix(queries, "queries"))
    r = torch.as_tensor(as_matrix(references, "references"))
    if q.shape[1] != r.shape[1]:
        raise ValueError(
            f"queries and references must have the same width; got {q.shape[1]} and {r.shape[1]}"
        )
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int; got {chunk_size!r}")
    distances, indices = [], []
    for start in range(0, len(q), chunk_size):
        d = torch.cdist(q[start : start + chunk_size], r)  # (chunk, N)
        best = d.min(dim=1)
        distances.append(best.values)
        indices.append(best.indices)
    return torch.cat(distances).float(), torch.cat(indices)


def principal_angles(a, b) -> np.ndarray:
    """Principal angles in degrees, ascending, between the column spaces of a (D, k) and b (D, m).

    min(k, m) angles: 0 degrees for a direction the two spaces share, 90 degrees for a direction
    of one orthogonal to the whole other. Uses scipy's subspace_angles, which stays accurate
    for nearly equal subspaces (where arccos of the cosines would not).
    """
    a = as_matrix(a, "a")
    b = as_matrix(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a and b must have the same number of rows; got {len(a)} and {len(b)}")
    return np.sort(np.degrees(subspace_angles(a, b)))


class SoftmaxClassifier:
    """Multinomial logistic regression on flattened features (a simple, fast digit classifier).

    Fitted by full-batch L-BFGS on the mean cross-entropy plus ``l2 / 2 * ||W||^2`` (bias not
    penalized): a convex problem, so the result does not depend on the start. Equivalent to
    scikit-learn's ``LogisticRegression(C=1 / (N * l2))``, at a fraction of its time for
    MNIST-sized inputs.
    """

    def __init__(self, features, labels, *, l2: float = 1e-4, max_iter: int = 200):
        x = torch.as_tensor(as_matrix(features), dtype=torch.float64)
        y = torch.as_tensor(_as_labels(labels, len(x), "labels")).long()
        if y.min() < 0:
            raise ValueError(f"labels must be non-negative class indices; got min {int(y.min())}")
        if not l2 >= 0:
            raise ValueError(f"l2 must be >= 0; got {l2!r}")
        if not isinstance(max_iter, int) or max_iter < 1:
            raise ValueError(f"max_iter must be a positive int; got {max_iter!r}")
        self.n_classes = int(y.max()) + 1
        self.weight = torch.zeros(
            x.shape[1], self.n_classes, dtype=torch.float64, requires_grad=True
        )
        self.bias = torch.zeros(self.n_classes, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.LBFGS(
            [self.weight, self.bias],
            max_iter=max_iter,
            tolerance_grad=1e-9,
            tolerance_change=1e-12,
            history_size=20,
            line_search_fn="strong_wolfe",
        )

        def closure():
            optimizer.zero_grad()
            logits = x @ self.weight + self.bias  # (N, C)
            loss = torch.nn.functional.cross_entropy(logits, y)
            loss = loss + 0.5 * l2 * self.weight.pow(2).sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        self.weight.requires_grad_(False)
        self.bias.requires_grad_(False)

    @torch.no_grad()
    def predict_proba(self, features) -> torch.Tensor:
        """Class probabilities (M, n_classes) float32 for features (M, ...)."""
        x = torch.as_tensor(as_matrix(features), dtype=torch.float64)
        if x.shape[1] != self.weight.shape[0]:
            raise ValueError(
                f"features must have width {self.weight.shape[0]} like the training features; "
                f"got {x.shape[1]}"
            )
        return torch.softmax(x @ self.weight + self.bias, dim=1).float()

    def accuracy(self, features, labels) -> float:
        """Fraction of rows of ``features`` (M, ...) whose most probable class is the label."""
        probs = self.predict_proba(features)
        y = torch.as_tensor(_as_labels(labels, len(probs), "labels"))
        return float((probs.argmax(1) == y).double().mean())
