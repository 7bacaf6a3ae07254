"""Autoencoder, VAE and ConditionalVAE, with their MLP and convolutional encoder/decoder blocks.

Images everywhere are (N, 1, 28, 28) float32 in [0, 1]. ``VAE()`` with its defaults is the MLP of
the classic PyTorch MNIST example: 784-400-20 encoder, 20-400-784 decoder.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .distributions import bernoulli_log_likelihood, gaussian_log_likelihood, reparameterize
from .pixels import discretized_logistic_log_likelihood

LIKELIHOODS = ("bernoulli", "gaussian", "logistic")
NOISES = ("global", "pixel")  # one observation-noise scale s, or one per pixel


def _image_side(input_dim: int, conv: bool) -> int:
    side = math.isqrt(input_dim) if isinstance(input_dim, int) and input_dim > 0 else 0
    if side * side != input_dim:
        raise ValueError(
            f"input_dim must be a square number of pixels such as 784; got {input_dim!r}"
        )
    if conv and side != 28:
        raise ValueError(f"conv=True needs 28x28 images (input_dim=784); got input_dim={input_dim}")
    return side


def _positive(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return value


class Encoder(nn.Module):
    """x (N, 1, S, S) [+ condition c (N, C)] -> features h (N, hidden_dim), ReLU-activated."""

    def __init__(self, input_dim: int, hidden_dim: int, cond_dim: int = 0, conv: bool = False):
        super().__init__()
        self.conv = None
        features = input_dim
        if conv:  # 28 -> 14 -> 7
            self.conv = nn.Sequential(
                nn.Conv2d(1, 32, 4, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(32, 64, 4, stride=2, padding=1),
                nn.ReLU(),
            )
            features = 64 * 7 * 7
        self.fc = nn.Linear(features + cond_dim, hidden_dim)

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        h = (self.conv(x) if self.conv is not None else x).flatten(1)
        if c is not None:
            h = torch.cat([h, c], dim=1)
        return F.relu(self.fc(h))


class Decoder(nn.Module):
    """z (N, d) [+ condition] -> raw output (N, 1, S, S): logits, or a pre-sigmoid mean."""

    def __init__(self, input_dim: int, hidden_dim: int, latent_dim: int, conv: bool = False):
        super().__init__()
        self.side = math.isqrt(input_dim)
        self.fc = nn.Linear(latent_dim, hidden_dim)
        if conv:  # 7 -> 14 -> 28
            self.out = nn.Sequential(
                nn.Linear(hidden_dim, 64 * 7 * 7),
                nn.ReLU(),
                nn.Unflatten(1, (64, 7, 7)),
                nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),
                nn.ReLU(),
                nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1),
            )
        else:
            self.out = nn.Linear(hidden_dim, input_dim)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.fc(z))).view(-1, 1, self.side, self.side)


def has_bernoulli_likelihood(model: nn.Module) -> bool:
    """True when the model's p(x|z) is a product of Bernoullis (its ELBO needs binary x)."""
    return getattr(model, "likelihood", None) == "bernoulli"


class _ImageModel(nn.Module):
    """Shared input checks; subclasses set ``side`` and ``config``. Inputs must already be on
    the model's device: models never move tensors behind the caller's back."""

    side: int
    config: dict
    conditional = False  # True for ConditionalVAE: encode, decode and forward also take y

    def _check_x(self, x, name: str = "x") -> torch.Tensor:
        expected = (1, self.side, self.side)
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor; got {type(x).__name__}")
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"{name} must have shape (N, {', '.join(map(str, expected))}); got {tuple(x.shape)}"
            )
        dtype = next(self.parameters()).dtype
        if x.dtype != dtype:
            raise ValueError(
                f"{name} must be a {dtype} tensor with values in [0, 1]; got {x.dtype}"
            )
        return x


class Autoencoder(_ImageModel):
    """A deterministic autoencoder: ``encode`` x (N, 1, 28, 28) -> z (N, d), ``decode`` back.

    ``linear=True``: one linear map each way and no sigmoid (what PCA computes); its training
    loss is the summed squared error. Otherwise the loss is the per-image summed BCE.
    """

    def __init__(
        self,
        input_dim: int = 784,
        hidden_dim: int = 400,
        latent_dim: int = 2,
        *,
        conv: bool = False,
        linear: bool = False,
    ):
        super().__init__()
        self.side = _image_side(input_dim, conv)
        self.latent_dim = _positive("latent_dim", latent_dim)
        _positive("hidden_dim", hidden_dim)
        if conv and linear:
            raise ValueError("conv and linear cannot both be True")
        self.config = dict(
            input_dim=input_dim,
            hidden_dim=hidden_dim,
            latent_dim=latent_dim,
            conv=conv,
            linear=linear,
        )
        self.linear = linear
        if linear:
            self.encoder = nn.Linear(input_dim, latent_dim)
            self.decoder = nn.Linear(latent_dim, input_dim)
        else:
            self.encoder = nn.Sequential(
                Encoder(input_dim, hidden_dim, conv=conv), nn.Linear(hidden_dim, latent_dim)
            )
            self.decoder = Decoder(input_dim, hidden_dim, latent_dim, conv=conv)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, 1, 28, 28) -> z: (N, latent_dim)."""
        x = self._check_x(x)
        return self.encoder(x.flatten(1) if self.linear else x)

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        """z: (N, d) -> (N, 1, 28, 28) logits (or the linear output when linear=True)."""
        return self.decoder(z).view(-1, 1, self.side, self.side)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z: (N, d) -> images (N, 1, 28, 28); in [0, 1] unless linear=True."""
        raw = self.decode_raw(z)
        return raw if self.linear else torch.sigmoid(raw)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def reconstruction_loss(self, x: torch.Tensor) -> torch.Tensor:
        """(N,) per-image loss: summed BCE, or summed squared error when linear=True."""
        raw = self.decode_raw(self.encode(x))
        if self.linear:
            return (raw - x).pow(2).flatten(1).sum(1)
        return F.binary_cross_entropy_with_logits(raw, x, reduction="none").flatten(1).sum(1)


class VAE(_ImageModel):
    """A VAE with diagonal Gaussian posterior q(z|x) and standard normal prior p(z) = N(0, I).

    likelihood="bernoulli": the decoder gives pixel logits. likelihood="gaussian": it gives the
    pixel mean (sigmoid-squashed into [0, 1]) and the noise scale is one scalar sigma, learned
    (``log_sigma=None``, the default) or fixed at ``exp(log_sigma)``. likelihood="logistic":
    the same mean and scale for a logistic discretized to 8-bit levels (``pixels``); x must
    then hold levels k / 255.

    ``noise="pixel"`` gives each pixel its own scale (a (1, 1, 28, 28) parameter or buffer);
    ``min_log_sigma`` floors the log-scale the likelihood uses (the parameter itself is
    unconstrained; ``observation_log_scale()`` is what is used). A learned scale starts at
    ``exp(init_log_sigma)``.
    """

    def __init__(
        self,
        input_dim: int = 784,
        hidden_dim: int = 400,
        latent_dim: int = 20,
        *,
        likelihood: str = "bernoulli",
        conv: bool = False,
        log_sigma: float | None = None,
        noise: str = "global",
        min_log_sigma: float | None = None,
        init_log_sigma: float = 0.0,
        _cond_dim: int = 0,
    ):
        super().__init__()
        self.side = _image_side(input_dim, conv)
        self.latent_dim = _positive("latent_dim", latent_dim)
        _positive("hidden_dim", hidden_dim)
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                "likelihood must be 'bernoulli' or 'gaussian' (or 'logistic', for 8-bit "
                f"levels); got {likelihood!r}"
            )
        if log_sigma is not None and likelihood == "bernoulli":
            raise ValueError("log_sigma is only used with likelihood='gaussian' or 'logistic'")
        if noise not in NOISES:
            raise ValueError(f"noise must be 'global' or 'pixel'; got {noise!r}")
        if likelihood == "bernoulli" and (noise != "global" or min_log_sigma is not None):
            raise ValueError("noise and min_log_sigma are only used with a Gaussian or logistic")
        if min_log_sigma is not None and not math.isfinite(min_log_sigma):
            raise ValueError(f"min_log_sigma must be a finite float or None; got {min_log_sigma!r}")
        self.likelihood = likelihood
        self.config = dict(
            input_dim=input_dim,
            hidden_dim=hidden_dim,
            latent_dim=latent_dim,
            likelihood=likelihood,
            conv=conv,
            log_sigma=None if log_sigma is None else float(log_sigma),
        )
        # only when not the default, so configs of earlier checkpoints still match
        if noise != "global":
            self.config["noise"] = noise
        if min_log_sigma is not None:
            self.config["min_log_sigma"] = float(min_log_sigma)
        if init_log_sigma != 0.0:
            if log_sigma is not None or likelihood == "bernoulli":
                raise ValueError("init_log_sigma is only used for a learned scale (log_sigma=None)")
            self.config["init_log_sigma"] = float(init_log_sigma)
        self.min_log_sigma = min_log_sigma
        self.encoder = Encoder(input_dim, hidden_dim, _cond_dim, conv)
        self.to_mu = nn.Linear(hidden_dim, latent_dim)
        self.to_logvar = nn.Linear(hidden_dim, latent_dim)
        self.decoder = Decoder(input_dim, hidden_dim, latent_dim + _cond_dim, conv)
        shape = () if noise == "global" else (1, 1, self.side, self.side)
        if likelihood != "bernoulli" and log_sigma is None:
            self.log_sigma = nn.Parameter(torch.full(shape, float(init_log_sigma)))
        elif likelihood != "bernoulli":
            self.register_buffer("log_sigma", torch.full(shape, float(log_sigma)))

    def _condition(self, y, n: int) -> torch.Tensor | None:
        if y is not None:
            raise ValueError("y: this VAE is unconditional; labels go to ConditionalVAE")
        return None

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None):
        """x: (N, 1, 28, 28) -> (mu, logvar), each (N, latent_dim)."""
        h = self.encoder(self._check_x(x), self._condition(y, len(x)))
        return self.to_mu(h), self.to_logvar(h)

    def decode_raw(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """z: (N, d) -> (N, 1, 28, 28): logits (bernoulli) or pixel means (gaussian)."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}); got {tuple(z.shape)}")
        c = self._condition(y, len(z))
        raw = self.decoder(z if c is None else torch.cat([z, c], dim=1))
        return raw if self.likelihood == "bernoulli" else torch.sigmoid(raw)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """z: (N, d) -> mean image (N, 1, 28, 28) in [0, 1]."""
        raw = self.decode_raw(z, y)
        return torch.sigmoid(raw) if self.likelihood == "bernoulli" else raw

    def observation_log_scale(self) -> torch.Tensor:
        """log s used by the likelihood: ``log_sigma`` floored at ``min_log_sigma`` if set;
        () for global noise, (1, 1, 28, 28) per pixel."""
        if self.likelihood == "bernoulli":
            raise ValueError("a Bernoulli decoder has no observation-noise scale")
        if self.min_log_sigma is None:
            return self.log_sigma
        return self.log_sigma.clamp(min=self.min_log_sigma)

    def log_likelihood(self, x: torch.Tensor, raw: torch.Tensor) -> torch.Tensor:
        """log p(x|z) (N,) in nats, summed over pixels, from the decoder output ``raw``
        (for "logistic": the log-probability of x's 8-bit levels)."""
        if self.likelihood == "bernoulli":
            return bernoulli_log_likelihood(x, raw)
        if self.likelihood == "logistic":
            return discretized_logistic_log_likelihood(x, raw, self.observation_log_scale())
        return gaussian_log_likelihood(x, raw, self.observation_log_scale())

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        """x (N, 1, 28, 28) -> (raw (N, 1, 28, 28), mu (N, d), logvar (N, d), z (N, d))."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator)
        return self.decode_raw(z), mu, logvar, z


class ConditionalVAE(VAE):
    """A VAE whose encoder and decoder also see the label y, as a one-hot vector concatenated to
    their inputs: ``encode(x, y)``, ``decode(z, y)``, ``forward(x, y)``; y (N,) int64."""

    conditional = True

    def __init__(
        self,
        input_dim: int = 784,
        hidden_dim: int = 400,
        latent_dim: int = 20,
        n_classes: int = 10,
        *,
        likelihood: str = "bernoulli",
        conv: bool = False,
        log_sigma: float | None = None,
    ):
        _positive("n_classes", n_classes)
        super().__init__(
            input_dim,
            hidden_dim,
            latent_dim,
            likelihood=likelihood,
            conv=conv,
            log_sigma=log_sigma,
            _cond_dim=n_classes,
        )
        self.n_classes = n_classes
        self.config = {**self.config, "n_classes": n_classes}

    def _condition(self, y, n: int) -> torch.Tensor:
        if not isinstance(y, torch.Tensor) or y.dtype != torch.int64 or y.shape != (n,):
            got = (
                f"{y.dtype} tensor of shape {tuple(y.shape)}" if isinstance(y, torch.Tensor) else y
            )
            raise ValueError(f"y must be an int64 tensor of labels with shape ({n},); got {got}")
        if n and (y.min() < 0 or y.max() >= self.n_classes):
            raise ValueError(f"y must hold labels in 0..{self.n_classes - 1}")
        return F.one_hot(y, self.n_classes).to(next(self.parameters()).dtype)

    def forward(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None = None):
        """x (N, 1, 28, 28), y (N,) -> (raw, mu, logvar, z) as in VAE.forward."""
        mu, logvar = self.encode(x, y)
        z = reparameterize(mu, logvar, generator)
        return self.decode_raw(z, y), mu, logvar, z
