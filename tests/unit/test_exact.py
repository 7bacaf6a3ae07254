"""The toy latent-variable model: its quadrature answers against closed forms and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.distributions import MultivariateNormal

from vae_course.exact import DTYPE, ToyModel

A = torch.tensor([1.5, -0.5], dtype=DTYPE)  # the linear curve z -> z * A has closed forms


def linear_model(sigma: float = 0.3) -> ToyModel:
    return ToyModel(sigma, decoder_mean=lambda z: z.unsqueeze(-1) * A)


def some_x(n: int = 40, seed: int = 0) -> torch.Tensor:
    x, _ = ToyModel().sample(n, torch.Generator().manual_seed(seed))
    return torch.cat([x, torch.tensor([[0.0, 0.0], [-0.5, 0.0], [-1.0, 0.0]], dtype=DTYPE)])


def test_linear_gaussian_marginal_matches_closed_form():
    model = linear_model()
    x, _ = model.sample(50, torch.Generator().manual_seed(1))
    x = torch.cat([x, torch.tensor([[4.0, -3.0], [0.0, 2.0]], dtype=DTYPE)])
    covariance = torch.outer(A, A) + model.noise_std**2 * torch.eye(2, dtype=DTYPE)
    exact = MultivariateNormal(torch.zeros(2, dtype=DTYPE), covariance).log_prob(x)
    torch.testing.assert_close(model.log_marginal(x), exact, atol=1e-10, rtol=0)


def test_linear_gaussian_posterior_matches_closed_form():
    model = linear_model()
    x = torch.tensor([[1.0, 0.2], [-2.0, 1.0]], dtype=DTYPE)
    precision = 1 + A @ A / model.noise_std**2  # posterior of z given x is N(mean, 1 / precision)
    mean = (x @ A) / model.noise_std**2 / precision
    exact = -0.5 * (model.z - mean.unsqueeze(-1)) ** 2 * precision + 0.5 * math.log(
        precision / (2 * math.pi)
    )
    torch.testing.assert_close(model.log_posterior(x), exact, atol=1e-9, rtol=0)


def test_marginal_integrates_to_the_probability_of_a_box():
    """The 2-D integral of p(x) over a box equals P(x in box), computed independently as the
    1-D integral over z of p(z) P(x in box | z), which is a product of normal CDF differences;
    the box holds more than 99% of the mass, so p(x) integrates to 1 up to what lies outside.
    (sigma = 0.5 keeps the 2-D grid small; the quadrature over z is the same code.)"""
    model = ToyModel(noise_std=0.5, n_grid=1001)
    lo, hi, h = np.array([-2.5, -17.0]), np.array([7.5, 17.0]), model.noise_std / 2.5
    axes = [
        torch.linspace(a, b, int(round((b - a) / h)) + 1, dtype=DTYPE)
        for a, b in zip(lo, hi, strict=True)
    ]
    grid = torch.cartesian_prod(*axes)
    density = model.log_marginal(grid).exp().view(len(axes[0]), len(axes[1])).numpy()

    def simpson(values, spacing, axis):
        weights = np.ones(values.shape[axis])
        weights[1:-1:2], weights[2:-1:2] = 4, 2
        return np.tensordot(values, weights, axes=([axis], [0])) * spacing / 3

    steps = [float(a[1] - a[0]) for a in axes]
    integral = simpson(simpson(density, steps[1], 1), steps[0], 0)

    normal = torch.distributions.Normal(0.0, 1.0)
    centre = model.decoder_mean(model.z)  # (K, 2)
    lo_t, hi_t = torch.as_tensor(lo, dtype=DTYPE), torch.as_tensor(hi, dtype=DTYPE)
    inside = normal.cdf((hi_t - centre) / model.noise_std) - normal.cdf(
        (lo_t - centre) / model.noise_std
    )
    box_mass = (model.log_prior(model.z).exp() * inside.prod(-1) * model.log_dz.exp()).sum()
    assert box_mass > 0.99
    assert abs(integral - float(box_mass)) < 1e-5


def test_posterior_satisfies_bayes_rule_against_prior():
    """Averaging the posterior p(z | x) over x ~ p(x) gives back the prior p(z): a check of the
    likelihood, the marginal and their ratio together (Monte Carlo, within 5 standard errors)."""
    model = ToyModel(n_grid=4001)
    x, _ = model.sample(4000, torch.Generator().manual_seed(2))
    post = model.log_posterior(x).exp()  # (N, K)
    torch.testing.assert_close((post * model.log_dz.exp()).sum(-1), torch.ones(len(x), dtype=DTYPE))
    picks = torch.searchsorted(model.z, torch.tensor([-1.5, -0.5, 0.3, 1.2], dtype=DTYPE))
    values = post[:, picks]
    mean, error = values.mean(0), values.std(0) / math.sqrt(len(x))
    prior = model.log_prior(model.z[picks]).exp()
    assert torch.all((mean - prior).abs() < 5 * error), (mean, prior, error)


def test_posterior_at_the_crossing_is_symmetric_with_two_modes():
    model = ToyModel()
    post = model.log_posterior(torch.zeros(1, 2))[0].exp()
    torch.testing.assert_close(post, post.flip(0), atol=1e-10, rtol=0)  # f(-z) mirrors f(z)
    z = model.z
    for mode in (-1.0, 1.0):
        near = (z - mode).abs() < 0.3
        assert z[near][post[near].argmax()].sub(mode).abs() < 0.05
    assert post[(z.abs() < 0.3)].max() < 1e-3 * post.max()


def test_elbo_with_the_exact_posterior_equals_log_marginal():
    model = ToyModel()
    x = some_x()
    torch.testing.assert_close(
        model.elbo_on_grid(x, model.log_posterior(x)), model.log_marginal(x), atol=1e-9, rtol=0
    )


def test_gaussian_elbo_quadratures_agree_and_decomposition_holds():
    """Gauss-Hermite ELBO == grid ELBO; ELBO + KL(q || posterior) == log p(x); ELBO < log p(x)."""
    model = ToyModel()
    x = some_x()
    gen = torch.Generator().manual_seed(3)
    mean = torch.randn(len(x), generator=gen, dtype=DTYPE)
    log_std = torch.empty(len(x), dtype=DTYPE).uniform_(-2.5, -0.5, generator=gen)
    std = log_std.exp().unsqueeze(-1)
    log_q = (
        -0.5 * ((model.z - mean.unsqueeze(-1)) / std) ** 2 - std.log() - 0.5 * math.log(2 * math.pi)
    )
    gh = model.elbo_gaussian(x, mean, log_std)
    torch.testing.assert_close(gh, model.elbo_on_grid(x, log_q), atol=1e-8, rtol=1e-10)
    kl = model.kl_to_posterior(x, mean, log_std)
    log_px = model.log_marginal(x)
    torch.testing.assert_close(gh + kl, log_px, atol=1e-8, rtol=1e-10)
    assert torch.all(kl > 0) and torch.all(gh < log_px)


def test_best_gaussian_recovers_a_gaussian_posterior():
    model = linear_model()
    x = torch.tensor([[1.0, 0.2], [-2.0, 1.0], [0.0, 0.0]], dtype=DTYPE)
    mean, log_std = model.best_gaussian(x)
    precision = 1 + A @ A / model.noise_std**2
    torch.testing.assert_close(mean, (x @ A) / model.noise_std**2 / precision, atol=1e-4, rtol=0)
    torch.testing.assert_close(
        log_std, torch.full_like(log_std, -0.5 * math.log(precision)), atol=1e-4, rtol=0
    )
    gap = model.log_marginal(x) - model.elbo_gaussian(x, mean, log_std)
    assert torch.all(gap.abs() < 1e-7)


@pytest.mark.parametrize("noise_std", [0.15, 0.5, 0.8])
def test_best_gaussian_beats_a_brute_force_search_and_its_start(noise_std):
    """At s = 0.5 the best Gaussian at the crossing is one wide Gaussian across both modes,
    while a Gaussian on one mode is only a local maximum of the ELBO: starting only from the
    posterior's modes misses it, the multi-start search must not."""
    model = ToyModel(noise_std)
    x = torch.tensor([[0.0, 0.0], [-0.5, 0.0], [0.3, 0.2]], dtype=DTYPE)
    start = (torch.tensor([0.5, 0.0, 2.0], dtype=DTYPE), torch.full((3,), -1.0, dtype=DTYPE))
    mean, log_std = model.best_gaussian(x, init=start)
    best = model.elbo_gaussian(x, mean, log_std)
    assert torch.all(best >= model.elbo_gaussian(x, *start))
    means, log_stds = torch.meshgrid(
        torch.linspace(-2.5, 2.5, 251, dtype=DTYPE),
        torch.linspace(-5, 0, 101, dtype=DTYPE),
        indexing="ij",
    )
    for i in range(len(x)):
        xs = x[i : i + 1].expand(means.numel(), 2)
        brute = model.elbo_gaussian(xs, means.flatten(), log_stds.flatten()).max()
        assert best[i] >= brute - 1e-6


def test_samples_have_the_moments_of_the_model():
    model = ToyModel()
    x, z = model.sample(20000, torch.Generator().manual_seed(4))
    assert x.shape == (20000, 2) and z.shape == (20000,)
    # E[x] = (E z^2 - 1, E z^3 - E z) = (0, 0); Var x1 = Var z^2 + sigma^2 = 2 + sigma^2
    error = x.std(0) / math.sqrt(len(x))
    assert torch.all(x.mean(0).abs() < 5 * error)
    assert abs(x[:, 0].var() - (2 + model.noise_std**2)) < 0.1


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: m.log_marginal(torch.zeros(3, 3)), "x must have shape"),
        (lambda m: m.elbo_gaussian(torch.zeros(2, 2), torch.zeros(3), torch.zeros(2)), "mean"),
        (lambda m: m.sample(-1), "n must be"),
        (lambda m: ToyModel(noise_std=0.0), "noise_std must be > 0"),
        (lambda m: ToyModel(n_grid=2), "n_grid"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call(ToyModel(n_grid=101))


def test_ascend_finds_a_local_maximum_that_best_gaussian_beats():
    """At s = 0.5 and the crossing, ascent from one mode stops on a local maximum of the ELBO
    (a gradient of zero there) whose ELBO is below that of the best Gaussian, centred at 0."""
    model = ToyModel(0.5)
    x = torch.zeros(1, 2, dtype=DTYPE)
    start = (torch.tensor([-1.0], dtype=DTYPE), torch.tensor([math.log(0.1)], dtype=DTYPE))
    local = model.ascend(x, *start)
    params = torch.stack(local).requires_grad_(True)
    gradient = torch.autograd.grad(model.elbo_gaussian(x, params[0], params[1]).sum(), params)[0]
    assert gradient.abs().max() < 1e-6 and local[0].item() < -0.5
    best = model.best_gaussian(x)
    assert best[0].abs().item() < 1e-6
    assert model.elbo_gaussian(x, *best) > model.elbo_gaussian(x, *local) + 0.05
    assert model.elbo_gaussian(x, *local) > model.elbo_gaussian(x, *start)
