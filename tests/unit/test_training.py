"""Tests for vae_course.training: fit on real digits, History, checkpoints and their errors."""

import pytest
import torch

from vae_course import data, models, training


@pytest.fixture(scope="module")
def train():
    return data.load_mnist("train", limit=300, download=False, verbose=False)


@pytest.fixture(scope="module")
def test():
    return data.load_mnist("test", limit=100, download=False, verbose=False)


def test_fit_lowers_the_loss_on_real_digits(train, test):
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=128, latent_dim=8)
    history = training.fit(model, train.images, test_x=test.images, epochs=3, progress=False)
    assert len(history) == 3 and history["epoch"] == [1, 2, 3]
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["test_elbo"][-1] > history["test_elbo"][0]
    final = history.final
    for key in (
        "train_elbo",
        "train_reconstruction",
        "train_kl",
        "test_loss",
        "test_kl",
        "seconds",
    ):
        assert key in final
    assert final["train_elbo"] == pytest.approx(final["train_reconstruction"] - final["train_kl"])
    assert final["train_loss"] == pytest.approx(-final["train_elbo"], rel=1e-5)  # beta = 1
    assert not model.training


def test_fit_is_seeded(train):
    def run(seed):
        torch.manual_seed(0)
        model = models.VAE(hidden_dim=32, latent_dim=2)
        return training.fit(model, train.images, epochs=1, seed=seed, progress=False)["train_loss"]

    assert run(0) == run(0) and run(0) != run(1)


@pytest.mark.parametrize("kwargs", [{}, {"linear": True}])
def test_fit_trains_autoencoders(train, test, kwargs):
    torch.manual_seed(0)
    model = models.Autoencoder(hidden_dim=64, latent_dim=4, **kwargs)
    history = training.fit(model, train.images, test_x=test.images, epochs=3, progress=False)
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert "test_loss" in history.final and "train_kl" not in history.final


def test_fit_trains_a_conditional_vae_and_needs_labels(train):
    torch.manual_seed(0)
    model = models.ConditionalVAE(hidden_dim=64, latent_dim=2)
    history = training.fit(model, train.images, train_y=train.labels, epochs=2, progress=False)
    assert history["train_loss"][-1] < history["train_loss"][0]
    with pytest.raises(ValueError, match="train_y is required"):
        training.fit(model, train.images, epochs=1, progress=False)
    with pytest.raises(ValueError, match="train_y is only used by a ConditionalVAE"):
        training.fit(models.VAE(), train.images, train_y=train.labels, epochs=1, progress=False)


def test_warmup_and_free_bits_change_the_objective_not_the_elbo(train):
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=32, latent_dim=4)
    history = training.fit(model, train.images, epochs=2, warmup_epochs=2, progress=False)
    first = history.records[0]  # beta < 1 throughout: the loss undercounts the KL
    assert 0 < history["beta"][0] < history["beta"][1] < 1
    assert first["train_loss"] < -first["train_elbo"]
    history = training.fit(model, train.images, epochs=1, free_bits=50.0, progress=False)
    assert history.final["train_loss"] > -history.final["train_elbo"]


def test_binarized_training_runs_on_binary_pixels(train, test, monkeypatch):
    seen = []
    original = training.elbo

    def spy(model, x, *args, **kwargs):
        seen.append(set(x.unique().tolist()) <= {0.0, 1.0})
        return original(model, x, *args, **kwargs)

    monkeypatch.setattr(training, "elbo", spy)
    model = models.VAE(hidden_dim=32, latent_dim=2)
    training.fit(model, train.images, test_x=test.images, epochs=1, binarize=True, progress=False)
    assert seen and all(seen)


def test_progress_bar_only_when_asked(train, capsys):
    model = models.VAE(hidden_dim=16, latent_dim=2)
    training.fit(model, train.images[:64], epochs=2, progress=True)
    assert "training VAE" in capsys.readouterr().err
    training.fit(model, train.images[:64], epochs=2, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_argument_checks(train):
    model = models.VAE(hidden_dim=16, latent_dim=2)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        training.fit(model, train.images, epochs=0)
    with pytest.raises(ValueError, match=r"train_x must have shape \(N, 1, 28, 28\)"):
        training.fit(model, train.images.flatten(1), epochs=1)
    with pytest.raises(ValueError, match="beta and free_bits must be >= 0"):
        training.fit(model, train.images, epochs=1, beta=-1.0)
    with pytest.raises(
        ValueError, match="objective is required for a model that is not a vae_course"
    ):
        training.fit(torch.nn.Linear(784, 2), train.images, epochs=1)
    with pytest.raises(ValueError, match=r"test_x must have shape"):
        training.fit(model, train.images, test_x=train.images[:, 0], epochs=1)


def test_history_access():
    history = training.History([{"epoch": 1, "train_loss": 3.0}, {"epoch": 2, "train_loss": 2.0}])
    assert history["train_loss"] == [3.0, 2.0] and history.final["epoch"] == 2
    assert history.keys() == ["epoch", "train_loss"]
    with pytest.raises(KeyError, match="test_loss"):
        history["test_loss"]
    with pytest.raises(ValueError, match="empty"):
        _ = training.History().final


@torch.no_grad()
def _outputs(model, digits) -> list[torch.Tensor]:
    x, y = digits.images[:5], digits.labels[:5]
    if isinstance(model, models.Autoencoder):
        return [model.encode(x), model(x)]
    extra = (y,) if model.conditional else ()
    z = torch.linspace(-2, 2, 5 * model.latent_dim).view(5, -1)
    return [*model.encode(x, *extra), model.decode(z, *extra)]


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (models.VAE, {"latent_dim": 2, "hidden_dim": 32}),
        (models.VAE, {"likelihood": "gaussian", "conv": True, "hidden_dim": 16}),
        (models.ConditionalVAE, {"latent_dim": 3, "hidden_dim": 16}),
        (models.Autoencoder, {"linear": True}),
    ],
)
def test_checkpoint_round_trip_gives_identical_outputs(tmp_path, test, cls, kwargs):
    torch.manual_seed(0)
    model = cls(**kwargs)
    if hasattr(model, "log_sigma") and isinstance(model.log_sigma, torch.nn.Parameter):
        model.log_sigma.data.fill_(-0.7)  # a trained-looking value that must survive
    path = tmp_path / "model.pt"
    training.save_checkpoint(model, path)
    torch.manual_seed(1)
    for loaded in (
        training.load_checkpoint(cls, path),
        training.load_checkpoint(cls(**kwargs), path),
    ):
        for left, right in zip(_outputs(model, test), _outputs(loaded, test), strict=True):
            assert torch.equal(left, right)
        assert loaded.config == model.config
        assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())


def test_checkpoint_size_mismatch_names_the_field(tmp_path):
    path = tmp_path / "small.pt"
    training.save_checkpoint(models.VAE(latent_dim=2), path)
    with pytest.raises(ValueError, match="latent_dim: checkpoint has 2, model has 20"):
        training.load_checkpoint(models.VAE(latent_dim=20), path)
    with pytest.raises(ValueError, match="holds a VAE checkpoint; model is Autoencoder"):
        training.load_checkpoint(models.Autoencoder(), path)
    with pytest.raises(ValueError, match="holds a VAE checkpoint, not ConditionalVAE"):
        training.load_checkpoint(models.ConditionalVAE, path)


def test_files_that_are_not_checkpoints_are_named(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="notes.txt is not a readable state-dict checkpoint"):
        training.load_checkpoint(models.VAE, text)
    plain = tmp_path / "plain.pt"
    torch.save(models.VAE(latent_dim=2).state_dict(), plain)
    with pytest.raises(ValueError, match="plain.pt is not a vae_course checkpoint"):
        training.load_checkpoint(models.VAE, plain)
    pickled = tmp_path / "pickled.pt"
    torch.save(training.History(), pickled)  # an arbitrary object: weights_only refuses it
    with pytest.raises(ValueError, match="pickled.pt is not a readable state-dict checkpoint"):
        training.load_checkpoint(models.VAE, pickled)
    with pytest.raises(FileNotFoundError):
        training.load_checkpoint(models.VAE, tmp_path / "missing.pt")
