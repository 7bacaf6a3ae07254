"""Boundaries of the numbers training reports, computed by hand: free bits either side of the
threshold, per dimension of the batch mean; an epoch whose last batch is short; ``fit``'s
arguments at their limits, refused with a message that names the argument."""

from __future__ import annotations

import math
import re
import time

import emulated_cuda
import pytest
import torch

from vae_course import losses, models, training
from vae_course.losses import ELBOTerms


def terms(kl_per_dim: list[list[float]], reconstruction: list[float]) -> ELBOTerms:
    kl_per_dim = torch.tensor(kl_per_dim, dtype=torch.float64, requires_grad=True)
    reconstruction = torch.tensor(reconstruction, dtype=torch.float64)
    kl = kl_per_dim.sum(-1)
    return ELBOTerms(reconstruction - kl, reconstruction, kl, kl_per_dim)


# Two examples, two latent dimensions. Batch-mean KL per dimension: [0.2, 1.0]; dimension 0
# is below a 0.5-nat threshold, dimension 1 above it. Example 1's dimension 1 (0.0 nats) is
# below the threshold on its own, example 0's dimension 0 (0.1) too.
KL = [[0.1, 2.0], [0.3, 0.0]]
RECONSTRUCTION = [-10.0, -20.0]


def test_free_bits_clamp_each_dimension_of_the_batch_mean():
    t = terms(KL, RECONSTRUCTION)
    # -(mean reconstruction) + beta * (max(0.5, 0.2) + max(0.5, 1.0)) = 15 + 1.5 = 16.5.
    # Clamping per example instead would give 15 + (0.5 + 1.25) = 16.75; clamping each
    # example's total KL 15 + (2.1 + 0.5) / 2 = 16.3.
    assert t.objective(beta=1.0, free_bits=0.5).item() == pytest.approx(16.5, abs=1e-12)
    assert t.objective(beta=2.0, free_bits=0.5).item() == pytest.approx(18.0, abs=1e-12)


def test_free_bits_gradient_vanishes_only_below_the_threshold():
    t = terms(KL, RECONSTRUCTION)
    t.objective(beta=2.0, free_bits=0.5).backward()
    # Dimension 0 (batch mean 0.2 < 0.5): no push towards the prior, for either example.
    # Dimension 1 (1.0 > 0.5): beta / N = 1 for each example, including example 1 whose own
    # KL there (0.0) is below the threshold.
    assert t.kl_per_dim.grad.tolist() == [[0.0, 1.0], [0.0, 1.0]]


@pytest.mark.parametrize(
    ("free_bits", "want"),
    [
        (0.2 - 1e-9, 15 + 1.2),  # just below dimension 0's mean: nothing clamped
        (0.2, 15 + 1.2),  # at it
        (0.2 + 1e-6, 15 + 0.2 + 1e-6 + 1.0),  # just above: dimension 0 counts as free_bits
        (1.0 + 1e-6, 15 + 2 * (1.0 + 1e-6)),  # above both
    ],
)
def test_free_bits_either_side_of_the_threshold(free_bits, want):
    assert terms(KL, RECONSTRUCTION).objective(free_bits=free_bits).item() == pytest.approx(
        want, abs=1e-12
    )


def test_zero_free_bits_is_the_plain_batch_mean():
    # 15 + mean(2.1, 0.3) = 16.2; the per-dimension path would give the same here, so the
    # test above pins the clamp and this one the plain path.
    assert terms(KL, RECONSTRUCTION).objective().item() == pytest.approx(16.2, abs=1e-12)


class Constant(torch.nn.Module):
    """A model with one parameter and nothing to learn from x."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))


def record_mean(model, x, generator):
    # loss depends on the parameter only; "pixel" is the batch mean of x's pixels.
    return {"loss": (model.w**2).sum(), "pixel": x.mean()}


def images(values: list[float]) -> torch.Tensor:
    return (
        torch.tensor(values, dtype=torch.float32)
        .view(-1, 1, 1, 1)
        .expand(-1, 1, 28, 28)
        .contiguous()
    )


@pytest.mark.parametrize("batch_size", [2, 3, 4, 5, 7, 100])
def test_epoch_mean_weights_each_batch_by_its_real_size(batch_size):
    # Five images of constant value 1..5: the per-example mean is 3 whatever the batching.
    # Weighting the short last batch by batch_size instead (e.g. 2, 2, 1 -> 2, 2, 2) gives
    # 3 + (batch_size - len(last)) * mean(last) / 5, never 3 since every value is >= 1.
    history = training.fit(
        Constant(),
        images([1, 2, 3, 4, 5]),
        epochs=2,
        batch_size=batch_size,
        objective=record_mean,
        progress=False,
        device="cpu",
    )
    assert history["train_pixel"] == pytest.approx([3.0, 3.0], abs=1e-6)
    assert history["train_loss"] == [0.0, 0.0]


def test_evaluate_weights_a_short_last_batch_by_its_size():
    # evaluate works 500 images at a time: 501 images, the last one alone with value 1000.
    x = images([0.0] * 500 + [1000.0])
    result = training.evaluate(Constant(), x, objective=record_mean)
    assert result["pixel"] == pytest.approx(1000.0 / 501, rel=1e-6)


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return models.VAE(hidden_dim=8, latent_dim=2), torch.rand(6, 1, 28, 28)


def test_batch_larger_than_the_data_is_one_batch(tiny):
    model, x = tiny
    steps = []
    history = training.fit(
        model,
        x,
        epochs=1,
        batch_size=1000,
        progress=False,
        device="cpu",
        objective=lambda m, xb, g: steps.append(len(xb)) or {"loss": m.encode(xb)[0].sum() * 0},
    )
    assert steps == [6] and len(history) == 1


@pytest.mark.parametrize("beta", [0.0, 0.5])
def test_beta_zero_and_free_bits_zero_are_accepted(tiny, beta):
    model, x = tiny
    history = training.fit(model, x, epochs=1, beta=beta, free_bits=0.0, progress=False)
    assert math.isfinite(history.final["train_loss"])


BAD = [
    ("epochs", 0),
    ("epochs", -1),
    ("epochs", 1.0),
    ("epochs", True),
    ("batch_size", 0),
    ("batch_size", 2.5),
    ("batch_size", True),
    ("lr", 0),
    ("lr", 0.0),
    ("lr", -1e-3),
    ("lr", math.nan),
    ("lr", math.inf),
    ("lr", "1e-3"),
    ("beta", -1e-9),
    ("beta", math.nan),
    ("beta", math.inf),
    ("free_bits", -0.5),
    ("free_bits", math.nan),
    ("free_bits", math.inf),
    ("warmup_epochs", -1),
    ("warmup_epochs", 1.5),
    ("warmup_epochs", True),
    ("seed", 1.5),
]


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v!r}" for n, v in BAD])
def test_fit_refuses_arguments_past_their_limits_by_name(tiny, name, value):
    model, x = tiny
    before = [p.detach().clone() for p in model.parameters()]
    kwargs = {"epochs": 1, "progress": False, name: value}
    if name in ("beta", "free_bits"):
        message = rf"^beta and free_bits must be >= 0 and finite; got {name}={re_repr(value)}$"
    else:
        message = rf"^{name} must be .*; got {re_repr(value)}$"
    with pytest.raises(ValueError, match=message):
        training.fit(model, x, **kwargs)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def re_repr(value) -> str:
    return re.escape(repr(value))


@pytest.mark.parametrize(("name", "value"), [("beta", -1.0), ("free_bits", math.nan)])
def test_elbo_objective_refuses_a_bad_beta_or_free_bits(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        terms(KL, RECONSTRUCTION).objective(**{name: value})


@pytest.mark.parametrize(
    ("returned", "got"), [({"elbo": 1.0}, r"\['elbo'\]"), (torch.tensor(1.0), "Tensor")]
)
def test_fit_refuses_an_objective_without_a_loss_by_message(tiny, returned, got):
    model, x = tiny
    with pytest.raises(ValueError, match=rf"^objective must return a dict with .*; got {got}$"):
        training.fit(model, x, epochs=1, progress=False, objective=lambda m, xb, g: returned)


def test_history_repr_shows_the_final_record_or_none():
    assert repr(training.History()) == "History(0 epochs, final=None)"
    two = training.History([{"epoch": 1}, {"epoch": 2, "loss": 0.5}])
    assert repr(two) == "History(2 epochs, final={'epoch': 2, 'loss': 0.5})"


def test_fit_shows_a_progress_bar_unless_asked_not_to(capsys):
    kwargs = {"epochs": 1, "objective": record_mean, "device": "cpu"}
    training.fit(Constant(), images([1.0, 2.0]), **kwargs)
    assert "training Constant" in capsys.readouterr().err
    training.fit(Constant(), images([1.0, 2.0]), progress=False, **kwargs)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("n_labels", [3, 5])
def test_fit_refuses_one_label_too_few_or_too_many(n_labels):
    model = models.ConditionalVAE(hidden_dim=8, latent_dim=2)
    x, y = torch.rand(4, 1, 28, 28), torch.arange(n_labels) % 10
    with pytest.raises(ValueError, match=rf"^train_y has {n_labels} labels for 4 images$"):
        training.fit(model, x, train_y=y, epochs=1, progress=False)


def test_evaluate_draws_with_seed_0_unless_told(tiny):
    model, x = tiny
    default, zero, one = (
        training.evaluate(model, x, **kw) for kw in ({}, {"seed": 0}, {"seed": 1})
    )
    assert default == zero  # one seeded posterior sample per image: the same draws
    assert default["loss"] != one["loss"]


def test_an_epochs_seconds_are_the_time_it_took():
    start = time.perf_counter()
    history = training.fit(
        Constant(), images([1.0, 2.0]), epochs=2, objective=record_mean, progress=False
    )
    took = time.perf_counter() - start
    assert all(0 <= s <= took for s in history["seconds"])
    assert sum(history["seconds"]) <= took


# What torch raises where fused Adam is missing: a device without the kernel (RuntimeError),
# a torch without the option (TypeError), parameters it refuses (ValueError).
@pytest.mark.parametrize("error", [RuntimeError, TypeError, ValueError])
def test_adam_is_fused_where_it_can_be_and_plain_where_it_cannot(monkeypatch, error):
    calls = []
    real = torch.optim.Adam

    def adam(params, lr, **kwargs):
        calls.append(kwargs)
        if kwargs.get("fused"):
            raise error("no fused Adam here")
        return real(params, lr=lr)

    monkeypatch.setattr(torch.optim, "Adam", adam)
    optimizer = training._adam(Constant(), 0.1)
    assert isinstance(optimizer, real) and calls == [{"fused": True}, {}]


def test_an_unreadable_checkpoint_names_torchs_first_line(tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(b"not a checkpoint\nat all\n")
    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 (whatever torch raises, its first line is named)
        first = str(error).splitlines()[0]
    message = rf"weights_only=True failed: {re.escape(first)}\)$"
    with pytest.raises(ValueError, match=message):
        training.load_checkpoint(models.VAE, path)


def test_history_names_an_unknown_key_and_what_is_recorded():
    h = training.History([{"epoch": 1, "loss": 0.5}])
    with pytest.raises(KeyError, match=r"'pixel' is not recorded; available: \['epoch', 'loss'\]"):
        h["pixel"]
    with pytest.raises(KeyError, match=r"'loss' is not recorded; available: \[\]"):
        training.History()["loss"]


@pytest.mark.parametrize("labels", ["train_y", "test_y"])
def test_fit_refuses_labels_with_a_custom_objective_either_one(labels):
    x = images([1.0, 2.0])
    kwargs = {labels: torch.zeros(2, dtype=torch.long), "test_x": x}
    with pytest.raises(ValueError, match=r"^train_y/test_y: labels are only used with the default"):
        training.fit(Constant(), x, epochs=1, objective=record_mean, progress=False, **kwargs)


def test_evaluate_options_are_keyword_only(tiny):
    model, x = tiny
    with pytest.raises(TypeError):
        training.evaluate(model, x, None, None, 0)


def _elbo_by_hand(model, x, y, seed, chunks):
    """The mean ELBO of x drawn as evaluate draws it: one generator, seeded once, and one
    posterior sample per image, chunk after chunk of the given sizes."""
    from vae_course import losses

    g = torch.Generator().manual_seed(seed)
    total, start = 0.0, 0
    with torch.no_grad():
        for size in chunks:
            part = slice(start, start + size)
            labels = None if y is None else y[part]
            total += float(losses.elbo(model, x[part], labels, generator=g).elbo.sum())
            start += size
    return total / len(x)


def test_fit_evaluates_the_test_set_with_seed_plus_two(tiny):
    # the test draws are seeded apart from the training draws (seed) and from evaluate's
    # default (0): seed + 2, so seed 3 gives 5 (seed * 2 would give 6)
    model, x = tiny
    fitted = models.VAE(hidden_dim=8, latent_dim=2)
    history = training.fit(fitted, x, epochs=1, test_x=x, seed=3, progress=False, device="cpu")
    # the test images binarized once, with seed + 1
    bits = torch.bernoulli(x, generator=torch.Generator().manual_seed(4))
    assert history.final["test_elbo"] == pytest.approx(
        _elbo_by_hand(fitted, bits, None, 5, [6]), abs=1e-4
    )
    assert history.final["test_elbo"] != pytest.approx(
        _elbo_by_hand(fitted, bits, None, 6, [6]), abs=1e-4
    )


def test_evaluate_draws_its_noise_500_images_at_a_time(tiny):
    # 501 images: one draw of (500, d) noise, then one of (1, d); torch's generator gives other
    # numbers for other shapes, so the chunking is part of the result
    model, _ = tiny
    x = torch.rand(501, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    result = training.evaluate(model, x, seed=4)
    assert result["elbo"] == pytest.approx(_elbo_by_hand(model, x, None, 4, [500, 1]), abs=1e-4)
    assert result["elbo"] != pytest.approx(_elbo_by_hand(model, x, None, 4, [499, 2]), abs=1e-4)


def test_evaluate_gives_a_conditional_vae_its_labels():
    torch.manual_seed(1)
    model = models.ConditionalVAE(hidden_dim=8, latent_dim=2)
    x = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([0, 3, 3, 7, 9])
    result = training.evaluate(model, x, y, seed=2)
    assert result["elbo"] == pytest.approx(_elbo_by_hand(model, x, y, 2, [5]), abs=1e-5)
    other = torch.tensor([1, 1, 1, 1, 1])
    assert result["elbo"] != pytest.approx(_elbo_by_hand(model, x, other, 2, [5]), abs=1e-5)


def test_an_empty_cut_or_foreign_checkpoint_is_refused_by_message(tmp_path):
    # What torch 2.x raises for each, all named as unreadable rather than a traceback: an empty
    # file (EOFError, with no text), a checkpoint cut short, as by a broken download (OSError
    # from a seek), a zip archive that is not a checkpoint (RuntimeError from torch's reader).
    whole = tmp_path / "whole.pt"
    training.save_checkpoint(models.VAE(hidden_dim=8, latent_dim=2), whole)
    files = {
        "empty.pt": b"",
        "cut.pt": whole.read_bytes()[: whole.stat().st_size // 2],
        "zip.pt": b"PK\x03\x04" + bytes(40),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=rf"{name} is not a readable state-dict checkpoint"):
            training.load_checkpoint(models.VAE, tmp_path / name)
    with pytest.raises(ValueError, match=r"failed: EOFError\)$"):  # the type when no text
        training.load_checkpoint(models.VAE, tmp_path / "empty.pt")


def test_evaluation_builds_no_graph():
    seen = []

    def watch(model, x, generator):
        seen.append((torch.is_grad_enabled(), torch.is_inference_mode_enabled()))
        return {"loss": (model.w**2).sum()}

    training.evaluate(Constant(), images([1, 2]), objective=watch)
    assert seen == [(False, True)]


@pytest.mark.parametrize(
    ("n", "batch_size", "betas"),
    [(256, 128, [0.25, 0.75]), (129, None, [0.5]), (128, None, [0.0])],
)
def test_the_warmup_counts_the_steps_of_an_epoch(n, batch_size, betas):
    # beta at each epoch's last step: the warm-up lasts warmup_epochs * ceil(n / batch size)
    # steps. 256 images in batches of 128: 2 steps an epoch, 4 in two epochs, so the last
    # steps (1 and 3) weigh 1/4 and 3/4. 129 images at the default batch of 128: 2 steps in
    # one epoch, the last (1) weighs 1/2; 128 images: 1 step, which weighs 0.
    torch.manual_seed(0)
    options = {} if batch_size is None else {"batch_size": batch_size}
    history = training.fit(
        models.VAE(hidden_dim=8, latent_dim=2),
        torch.rand(n, 1, 28, 28),
        epochs=len(betas),
        warmup_epochs=len(betas),
        progress=False,
        **options,
    )
    assert history["beta"] == pytest.approx(betas)


def test_evaluation_reports_the_negative_elbo_at_full_kl_weight():
    torch.manual_seed(0)
    result = training.evaluate(models.VAE(hidden_dim=8, latent_dim=2), torch.rand(5, 1, 28, 28))
    assert result["loss"] == pytest.approx(-result["elbo"], rel=1e-6)
    assert result["elbo"] == pytest.approx(result["reconstruction"] - result["kl"], rel=1e-6)


def test_no_warmup_unless_asked():
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=8, latent_dim=2)
    history = training.fit(model, torch.rand(4, 1, 28, 28), epochs=1, progress=False)
    assert history["beta"] == [1.0]


def test_load_checkpoint_takes_its_arguments_by_name_and_the_device_only_so(tmp_path):
    path = tmp_path / "vae.pt"
    training.save_checkpoint(models.VAE(hidden_dim=8, latent_dim=2), path)
    model = training.load_checkpoint(model_or_class=models.VAE, path=path, device="cpu")
    assert isinstance(model, models.VAE)
    with pytest.raises(TypeError):
        training.load_checkpoint(models.VAE, path, "cpu")


def test_fit_takes_model_and_images_by_name_and_the_rest_only_so():
    history = training.fit(
        model=Constant(), train_x=images([1, 2]), epochs=1, objective=record_mean, progress=False
    )
    assert len(history) == 1
    with pytest.raises(TypeError):
        training.fit(Constant(), images([1, 2]), 1)  # epochs by position


def test_fit_is_seeded_with_0_unless_told():
    def run(**seed):
        torch.manual_seed(1)  # the same initial weights for both
        model = models.VAE(hidden_dim=8, latent_dim=2)
        return training.fit(
            model,
            torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(2)),
            epochs=1,
            progress=False,
            **seed,
        )

    assert run()["train_loss"] == run(seed=0)["train_loss"]
    assert run()["train_loss"] != run(seed=1)["train_loss"]


def test_beta_is_recorded_only_for_a_vae_on_its_own_objective():
    x = torch.rand(4, 1, 28, 28)
    own = training.fit(models.VAE(hidden_dim=8, latent_dim=2), x, epochs=1, progress=False)
    assert "beta" in own.records[0]

    def elbo_only(model, xb, generator):
        return {"loss": -losses.elbo(model, xb, generator=generator).elbo.mean()}

    custom = training.fit(
        models.VAE(hidden_dim=8, latent_dim=2), x, epochs=1, objective=elbo_only, progress=False
    )
    assert "beta" not in custom.records[0]
    plain = training.fit(
        models.Autoencoder(hidden_dim=8, latent_dim=2), x, epochs=1, progress=False
    )
    assert "beta" not in plain.records[0]


@pytest.mark.parametrize(("saved", "loaded"), [("Autoencoder", "VAE"), ("VAE", "Autoencoder")])
def test_a_checkpoint_of_another_class_is_refused_either_way(tmp_path, saved, loaded):
    path = tmp_path / "model.pt"
    training.save_checkpoint(getattr(models, saved)(hidden_dim=8, latent_dim=2), path)
    with pytest.raises(ValueError, match=saved):
        training.load_checkpoint(getattr(models, loaded), path)  # a class
    with pytest.raises(ValueError, match=saved):  # a model of that class
        training.load_checkpoint(getattr(models, loaded)(hidden_dim=8, latent_dim=2), path)


def test_a_checkpoint_stays_on_the_cpu_unless_a_device_is_named(tmp_path):
    path = tmp_path / "vae.pt"
    training.save_checkpoint(models.VAE(hidden_dim=8, latent_dim=2), path)
    emulated_cuda.install()  # a GPU is there: still, no device named means no move
    try:
        model = training.load_checkpoint(models.VAE, path)
        assert next(model.parameters()).device.type == "cpu"
    finally:
        emulated_cuda.uninstall()
