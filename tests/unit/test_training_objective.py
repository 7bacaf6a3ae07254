"""Tests for training.fit with an objective of the caller's (chapter 9's demonstrations)."""

import pytest
import torch

from vae_course.training import fit


def _regression(model, x, generator):
    noise = torch.randn(x.shape, generator=generator)
    return {"loss": (model(x + 0.01 * noise) - 3 * x).pow(2).mean(), "scale": model.weight[0, 0]}


def test_fits_a_simple_objective_records_parts_and_is_seeded():
    x = torch.linspace(-1, 1, 64)[:, None]
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = torch.nn.Linear(1, 1)
        history = fit(
            model,
            x,
            objective=_regression,
            epochs=60,
            batch_size=16,
            lr=0.05,
            seed=3,
            progress=False,
        )
        runs.append(history)
    assert abs(model.weight.item() - 3) < 0.05 and not model.training
    assert runs[0]["train_loss"] == runs[1]["train_loss"]  # same seed, same run
    assert set(runs[0].keys()) == {"epoch", "train_loss", "train_scale", "seconds"}


def test_binarize_feeds_fresh_zero_one_batches():
    seen = []

    def objective(model, x, generator):
        seen.append(x.clone())
        return {"loss": model(x.flatten(1)).sum() * 0}

    fit(
        torch.nn.Linear(4, 1),
        torch.full((8, 4), 0.5),
        objective=objective,
        epochs=2,
        batch_size=8,
        binarize=True,
        progress=False,
    )
    assert all(set(batch.unique().tolist()) <= {0.0, 1.0} for batch in seen)
    assert not torch.equal(seen[0], seen[1])  # redrawn every batch


def test_argument_errors_are_named():
    model = torch.nn.Linear(1, 1)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit(model, torch.zeros(4, 1), objective=_regression, epochs=0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        fit(model, torch.zeros(4, 1), objective=_regression, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="train_x must be a non-empty tensor"):
        fit(model, torch.zeros(0, 1), objective=_regression, epochs=1)
