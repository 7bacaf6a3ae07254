"""Tests for vae_course.models: shapes, ranges, input checks, likelihoods, reparameterisation."""

import math

import pytest
import torch

from vae_course import losses, models, pixels

VARIANTS = [
    (models.VAE, {}),
    (models.VAE, {"conv": True, "hidden_dim": 64}),
    (models.VAE, {"likelihood": "gaussian"}),
    (models.VAE, {"likelihood": "gaussian", "log_sigma": -1.0, "conv": True}),
    (models.ConditionalVAE, {}),
    (models.ConditionalVAE, {"conv": True, "latent_dim": 2}),
]


@pytest.fixture
def x():
    return torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(0))


@pytest.fixture
def y():
    return torch.tensor([0, 1, 2, 3, 9, 9])


def _extra(model, y):
    return (y,) if model.conditional else ()


@pytest.mark.parametrize("cls, kwargs", VARIANTS)
def test_vae_shapes_and_ranges(cls, kwargs, x, y):
    torch.manual_seed(0)
    model = cls(**kwargs)
    d = model.latent_dim
    mu, logvar = model.encode(x, *_extra(model, y))
    assert mu.shape == logvar.shape == (6, d)
    raw, mu2, logvar2, z = model(x, *_extra(model, y))
    assert raw.shape == (6, 1, 28, 28) and z.shape == (6, d)
    assert torch.equal(mu, mu2) and torch.equal(logvar, logvar2)
    images = model.decode(z, *_extra(model, y))
    assert images.shape == (6, 1, 28, 28) and images.min() >= 0 and images.max() <= 1
    assert model.log_likelihood(x, raw).shape == (6,)
    assert {k: model.config[k] for k in kwargs} == kwargs


@pytest.mark.parametrize("kwargs", [{}, {"conv": True}, {"linear": True}])
def test_autoencoder_shapes(kwargs, x):
    model = models.Autoencoder(latent_dim=3, **kwargs)
    z = model.encode(x)
    assert z.shape == (6, 3) and model.latent_dim == 3
    assert model(x).shape == (6, 1, 28, 28)
    assert model.reconstruction_loss(x).shape == (6,)
    if not kwargs.get("linear"):
        assert model.decode(z).min() >= 0 and model.decode(z).max() <= 1


@torch.no_grad()
def test_linear_autoencoder_is_linear(x):
    model = models.Autoencoder(latent_dim=4, linear=True)
    a, b = x[:3], x[3:]
    z = model.encode(a) + model.encode(b) - model.encode(torch.zeros_like(a))
    assert torch.allclose(model.encode(a + b), z, atol=1e-5)
    assert model.reconstruction_loss(x)[0] == pytest.approx(
        float(((model(x[:1]) - x[:1]) ** 2).sum()), rel=1e-5
    )


def test_default_vae_is_the_classic_784_400_20_mlp():
    model = models.VAE()
    encoder = 784 * 400 + 400 + 2 * (400 * 20 + 20)
    decoder = 20 * 400 + 400 + 400 * 784 + 784
    assert sum(p.numel() for p in model.parameters()) == encoder + decoder
    assert model.latent_dim == 20


@pytest.mark.parametrize("model", [models.VAE(), models.Autoencoder(), models.VAE(conv=True)])
def test_wrong_image_shape_or_dtype_is_named(model):
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 28, 28\); got \(64, 784\)"):
        model.encode(torch.rand(64, 784))
    with pytest.raises(ValueError, match="x must be a torch.float32 tensor.*got torch.uint8"):
        model.encode(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match="x must be a torch.Tensor"):
        model.encode([[0.0]])


def test_decode_checks_the_latent_size():
    with pytest.raises(ValueError, match=r"z must have shape \(N, 20\); got \(3, 2\)"):
        models.VAE().decode(torch.zeros(3, 2))


def test_conditional_vae_checks_and_uses_labels(x, y):
    torch.manual_seed(0)
    model = models.ConditionalVAE(latent_dim=2)
    with pytest.raises(ValueError, match=r"y must be an int64 tensor of labels with shape \(6,\)"):
        model.encode(x, y.float())
    with pytest.raises(ValueError, match=r"y must hold labels in 0..9"):
        model.encode(x, y + 1)
    with pytest.raises(ValueError, match="y must be"):
        model.encode(x, None)
    z = torch.zeros(2, 2)
    assert not torch.allclose(
        model.decode(z, torch.tensor([0, 0])), model.decode(z, torch.tensor([0, 1]))
    )
    with pytest.raises(ValueError, match="y: this VAE is unconditional"):
        models.VAE().encode(x, y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"likelihood": "poisson"}, "likelihood must be 'bernoulli' or 'gaussian'"),
        ({"latent_dim": 0}, "latent_dim must be a positive int"),
        ({"hidden_dim": -3}, "hidden_dim must be a positive int"),
        ({"input_dim": 783}, "input_dim must be a square number"),
        ({"input_dim": 100, "conv": True}, "conv=True needs 28x28"),
        ({"log_sigma": 0.0}, "log_sigma is only used with likelihood='gaussian'"),
    ],
)
def test_bad_constructor_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.VAE(**kwargs)


def test_other_square_image_sizes_work():
    model = models.VAE(input_dim=100, hidden_dim=32, latent_dim=2)
    raw, *_ = model(torch.rand(3, 1, 10, 10))
    assert raw.shape == (3, 1, 10, 10)


def test_gaussian_sigma_learned_by_default_fixed_on_request():
    learned = models.VAE(likelihood="gaussian")
    assert any(p is learned.log_sigma for p in learned.parameters())
    fixed = models.VAE(likelihood="gaussian", log_sigma=-2.0)
    assert all(p is not fixed.log_sigma for p in fixed.parameters())
    assert float(fixed.log_sigma) == -2.0 and "log_sigma" in fixed.state_dict()


def test_log_likelihoods_match_torch_distributions(x):
    torch.manual_seed(0)
    binary = (x > 0.5).float()
    model = models.VAE()
    raw, *_ = model(binary)
    expected = torch.distributions.Bernoulli(logits=raw).log_prob(binary).flatten(1).sum(1)
    assert torch.allclose(model.log_likelihood(binary, raw), expected, rtol=1e-5)
    model = models.VAE(likelihood="gaussian", log_sigma=-1.5)
    mean, *_ = model(x)
    expected = torch.distributions.Normal(mean, torch.exp(torch.tensor(-1.5))).log_prob(x)
    assert torch.allclose(model.log_likelihood(x, mean), expected.flatten(1).sum(1), rtol=1e-5)


@pytest.mark.parametrize("cls, kwargs", VARIANTS)
def test_gradients_flow_through_the_reparameterisation(cls, kwargs, x, y):
    """Only the sampled z connects log p(x|z) to the encoder: its gradients must be nonzero."""
    torch.manual_seed(0)
    model = cls(**kwargs)
    terms = losses.elbo(model, x, y if model.conditional else None)
    terms.reconstruction.mean().backward()
    for name in ("encoder.fc.weight", "to_mu.weight", "to_logvar.weight"):
        grad = model.get_parameter(name).grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_forward_is_reproducible_with_a_generator(x):
    model = models.VAE()
    first = model(x, torch.Generator().manual_seed(5))[3]
    again = model(x, torch.Generator().manual_seed(5))[3]
    other = model(x, torch.Generator().manual_seed(6))[3]
    assert torch.equal(first, again) and not torch.equal(first, other)


def test_per_pixel_noise_and_its_floor():
    torch.manual_seed(0)
    x = torch.randint(0, 256, (4, 1, 28, 28)).float() / 255
    model = models.VAE(likelihood="gaussian", noise="pixel", min_log_sigma=-3.0)
    assert model.log_sigma.shape == (1, 1, 28, 28) and model.log_sigma.requires_grad
    assert model.config["noise"] == "pixel" and model.config["min_log_sigma"] == -3.0
    with torch.no_grad():
        model.log_sigma.fill_(0.0)
        model.log_sigma[0, 0, 0, 0] = -10.0  # below the floor: the floor is used
    raw = model(x)[0]
    log_s = model.observation_log_scale()
    assert log_s[0, 0, 0, 0] == -3.0 and log_s[0, 0, 1, 1] == 0.0
    by_hand = (
        (-0.5 * ((x - raw) / log_s.exp()) ** 2 - log_s - 0.5 * math.log(2 * math.pi))
        .flatten(1)
        .sum(1)
    )
    assert torch.allclose(model.log_likelihood(x, raw), by_hand, atol=1e-3)
    # the default stays one learned scalar, and its config is unchanged
    default = models.VAE(likelihood="gaussian")
    assert default.log_sigma.shape == () and "noise" not in default.config
    assert default.log_sigma.item() == 0.0 and "init_log_sigma" not in default.config
    started = models.VAE(likelihood="logistic", noise="pixel", init_log_sigma=-2.0)
    assert (started.log_sigma == -2.0).all() and started.config["init_log_sigma"] == -2.0
    fixed = models.VAE(likelihood="gaussian", noise="pixel", log_sigma=-2.0)
    assert not fixed.log_sigma.requires_grad and (fixed.log_sigma == -2.0).all()


def test_logistic_likelihood_uses_pixels_levels():
    torch.manual_seed(0)
    x = torch.randint(0, 256, (4, 1, 28, 28)).float() / 255
    model = models.VAE(likelihood="logistic", noise="pixel", conv=True, hidden_dim=32)
    raw = model(x)[0]
    assert raw.min() >= 0 and raw.max() <= 1  # the mean, in pixel units
    expected = pixels.discretized_logistic_log_likelihood(x, raw, model.log_sigma)
    assert torch.equal(model.log_likelihood(x, raw), expected)
    assert (model.log_likelihood(x, raw) <= 0).all()  # log of a probability
    assert not models.has_bernoulli_likelihood(model)
    terms = losses.elbo(model, x)
    assert torch.isfinite(terms.elbo).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"noise": "pixel"}, "only used with a Gaussian"),
        ({"min_log_sigma": -3.0}, "only used with a Gaussian"),
        ({"likelihood": "gaussian", "noise": "pixels"}, "noise must be"),
        ({"likelihood": "gaussian", "min_log_sigma": float("nan")}, "min_log_sigma"),
        ({"likelihood": "poisson"}, "likelihood must be"),
        ({"init_log_sigma": -2.0}, "init_log_sigma is only used"),
        ({"likelihood": "gaussian", "log_sigma": -1.0, "init_log_sigma": -2.0}, "init_log_sigma"),
    ],
)
def test_noise_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.VAE(**kwargs)
    if "likelihood" not in kwargs:
        with pytest.raises(ValueError, match="no observation-noise"):
            models.VAE().observation_log_scale()
