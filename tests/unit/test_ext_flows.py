"""Tests for extensions.flows: planar log-determinants, flow densities, fitting, 2-D integrals."""

import math

import pytest
import torch

from vae_course import models
from vae_course.extensions import flows


def _planar(dim, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    flow = flows.PlanarFlow(dim, generator=g)
    with torch.no_grad():  # large parameters, so the map is far from the identity
        flow.normal.copy_(scale * torch.randn(dim, generator=g))
        flow.push.copy_(scale * torch.randn(dim, generator=g))
        flow.offset.fill_(0.3)
    return flow


@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_planar_log_det_equals_autograd_jacobian(dim):
    flow = _planar(dim, seed=dim, scale=1.5)
    z = torch.randn(6, dim, generator=torch.Generator().manual_seed(10 + dim), dtype=torch.float32)
    with torch.no_grad():
        _, log_det = flow(z)
    for i in range(len(z)):
        jacobian = torch.autograd.functional.jacobian(lambda v: flow(v[None])[0][0], z[i])
        expected = torch.linalg.slogdet(jacobian.double())[1]
        assert abs(float(log_det[i]) - float(expected)) < 1e-4


def test_adjusted_push_keeps_the_flow_invertible_even_against_the_normal():
    flow = flows.PlanarFlow(3)
    with torch.no_grad():
        flow.normal.copy_(torch.tensor([1.0, 2.0, -1.0]))
        flow.push.copy_(-5 * flow.normal)  # normal.push = -30: the raw map folds over
        assert float(flow.normal @ flow.push) < -1
        assert float(flow.normal @ flow.adjusted_push()) >= -1 - 1e-6
        # along the normal the map is then strictly increasing: a bijection
        t = torch.linspace(-6, 6, 2001)[:, None] * flow.normal / flow.normal.norm()
        along = flow(t)[0] @ flow.normal
    assert (along.diff() > 0).all()


def test_flow_density_is_normalised_importance_weights_average_one():
    # For any proposal q and normalised p: E_q[p(z)/q(z)] = 1. A wrong log q (sign of the
    # log-determinant, a missing term) breaks it.
    torch.manual_seed(0)
    q = flows.FlowPosterior(torch.tensor([0.3, -0.2]), torch.tensor([-0.5, 0.2]), n_flows=4)
    for flow in q.flows:
        with torch.no_grad():
            flow.normal.mul_(10)
            flow.push.mul_(10)
    with torch.no_grad():
        z, log_q = q.sample(400_000, torch.Generator().manual_seed(1))
        log_p = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(1)
        weights = torch.exp(log_p - log_q).double()
    mean, se = weights.mean(), weights.std() / math.sqrt(len(weights))
    assert abs(float(mean) - 1) < max(4 * float(se), 0.01)


def test_zero_flows_is_the_diagonal_gaussian():
    mu, logvar = torch.tensor([1.0, -2.0]), torch.tensor([0.5, -1.0])
    q = flows.FlowPosterior(mu, logvar, n_flows=0)
    with torch.no_grad():
        z, log_q = q.sample(5, torch.Generator().manual_seed(2))
    expected = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(1)
    torch.testing.assert_close(log_q, expected)


def test_fit_posterior_recovers_a_gaussian_target_and_bends_for_a_banana():
    # Target N((1, -1), diag(0.25, 4)), normalised: the best ELBO is log 1 = 0, reached by q = p.
    def gaussian(z):
        return (
            torch.distributions.Normal(torch.tensor([1.0, -1.0]), torch.tensor([0.5, 2.0]))
            .log_prob(z)
            .sum(1)
        )

    g = torch.Generator().manual_seed(3)
    q = flows.FlowPosterior(torch.zeros(2), torch.zeros(2), n_flows=0)
    trace = flows.fit_posterior(q, gaussian, steps=400, n_samples=256, lr=0.05, generator=g)
    assert abs(sum(trace[-50:]) / 50) < 0.02
    torch.testing.assert_close(q.mu.detach(), torch.tensor([1.0, -1.0]), atol=0.05, rtol=0)

    # A bent (banana) density: the flow's ELBO must beat the best diagonal Gaussian's.
    def banana(z):
        return -0.5 * (z[:, 0].pow(2) / 4 + 4 * (z[:, 1] - 0.5 * z[:, 0].pow(2) + 1).pow(2))

    results = {}
    for n_flows in (0, 8):
        torch.manual_seed(4)
        q = flows.FlowPosterior(torch.zeros(2), torch.zeros(2), n_flows=n_flows)
        trace = flows.fit_posterior(
            q,
            banana,
            steps=500,  # the gap is 0.69-0.70 nats at 500 steps (seeds 4-6), 0.73-0.76 at 1,500
            n_samples=256,
            lr=0.05,
            generator=torch.Generator().manual_seed(5),
        )
        results[n_flows] = sum(trace[-100:]) / 100
    assert results[8] > results[0] + 0.1


def test_log_integral_2d_of_a_normal_density_is_zero():
    def log_density(z):
        return (
            torch.distributions.Normal(torch.tensor([0.5, -0.3]), torch.tensor([0.3, 1.2]))
            .log_prob(z)
            .sum(1)
        )

    assert abs(flows.log_integral_2d(log_density, limit=6.0, n=300)) < 1e-3
    # an unnormalised density: exp(-|z|^2 / 2) integrates to 2 pi
    value = flows.log_integral_2d(lambda z: -0.5 * z.pow(2).sum(1), limit=7.0, n=200)
    assert abs(value - math.log(2 * math.pi)) < 1e-3


def test_vae_log_joint_matches_its_definition_and_checks_its_input():
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=16, latent_dim=2)
    x = torch.rand(1, 1, 28, 28)
    z = torch.randn(7, 2)
    expected = model.log_likelihood(
        x.expand(7, 1, 28, 28), model.decode_raw(z)
    ) + torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    torch.testing.assert_close(flows.vae_log_joint(model, x)(z), expected)
    with pytest.raises(ValueError, match="one image of shape"):
        flows.vae_log_joint(model, torch.rand(2, 1, 28, 28))


def test_constructor_errors_name_the_argument():
    with pytest.raises(ValueError, match="dim must be a positive int"):
        flows.PlanarFlow(0)
    with pytest.raises(ValueError, match="mu and logvar must be vectors"):
        flows.FlowPosterior(torch.zeros(2), torch.zeros(3), n_flows=1)
