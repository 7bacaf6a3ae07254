"""The latent tools at their edges, by hand: the prior's default temperature, a one-dimensional
latent, draws on the generator's device, the active-unit count either side of its threshold,
slerp from the zero vector and between parallel codes, and the quantile grid's limits."""

from __future__ import annotations

import math

import emulated_cuda
import pytest
import torch

from vae_course import latent, models


def test_sample_prior_draws_the_prior_itself_unless_told():
    # temperature 1 by default: the very draws of torch.randn with the same generator
    drawn = latent.sample_prior(50, 3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(drawn, torch.randn(50, 3, generator=torch.Generator().manual_seed(0)))


def test_sample_prior_takes_a_one_dimensional_latent():
    assert latent.sample_prior(5, 1).shape == (5, 1)


def test_sample_prior_draws_on_its_generators_device():
    emulated_cuda.install()
    try:
        g = torch.Generator(device="cuda").manual_seed(0)
        z = latent.sample_prior(4, 2, generator=g)  # no device given: the generator's
        assert z.device.type == "cuda"
    finally:
        emulated_cuda.uninstall()


@pytest.fixture(scope="module")
def encoded():
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=16, latent_dim=6)
    x = torch.rand(40, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    variances = latent.posterior_means(model, x).var(0, correction=0)  # by hand
    return model, x, variances


def test_active_units_count_the_variances_above_the_threshold(encoded):
    model, x, variances = encoded
    ordered = variances.sort().values
    between = float(ordered[2] + ordered[3]) / 2  # three below, three above
    count, reported = latent.active_units(model, x, threshold=between)
    torch.testing.assert_close(reported, variances)
    assert count == 3
    # at a variance itself the unit does not count: strictly above
    assert latent.active_units(model, x, threshold=float(ordered[3]))[0] == 2


def test_active_units_refuse_a_negative_threshold(encoded):
    model, x, _ = encoded
    with pytest.raises(ValueError, match="^threshold must be a finite variance >= 0; got -0.5$"):
        latent.active_units(model, x, threshold=-0.5)


def test_slerp_from_the_zero_vector_is_the_straight_line():
    # no direction to turn from: the path is the line, with no 0/0
    z1 = torch.tensor([1.0, 2.0, 2.0])
    t = torch.tensor([0.25, 0.5])
    path = latent.interpolate(torch.zeros(3), z1, t, "slerp")
    torch.testing.assert_close(path, t[:, None] * z1)


def test_slerp_between_parallel_codes_is_the_straight_line():
    # angle 0 < eps: the line, where sin(angle) = 0 would divide by zero
    z0 = torch.tensor([1.0, -2.0])
    t = torch.tensor([0.5])
    path = latent.interpolate(z0, 3 * z0, t, "slerp")
    torch.testing.assert_close(path, torch.tensor([[2.0, -4.0]]))


def test_quantile_grid_spans_the_5th_to_the_95th_percentile_by_default():
    grid = latent.quantile_grid(2)
    edge = 1.6448536  # Phi^-1(0.95)
    torch.testing.assert_close(grid[:, 0], torch.tensor([-edge, edge, -edge, edge]))


@pytest.mark.parametrize(
    ("lo", "hi"), [(0.05, 1.0), (0.05, 1.5), (0.0, 0.9), (-0.1, 0.9), (0.6, 0.4), (0.5, 0.5)]
)
def test_quantile_grid_refuses_levels_that_are_not_probabilities_in_order(lo, hi):
    with pytest.raises(ValueError, match=r"^need 0 < lo < hi < 1 \(probabilities\)"):
        latent.quantile_grid(3, lo=lo, hi=hi)


@pytest.mark.parametrize("n", [0, -2, "3", 2.0])
def test_quantile_grid_refuses_a_size_that_is_not_a_positive_int(n):
    with pytest.raises(ValueError, match=rf"^n must be a positive int; got {n!r}$"):
        latent.quantile_grid(n)


def test_the_prior_grid_of_one_point_is_the_median():
    assert latent.quantile_grid(1).tolist() == [[0.0, 0.0]]


def test_slerp_turns_for_a_code_of_norm_one():
    # the fallback to the line is for a zero vector only: |z0| = 1 still turns
    z0, z1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    middle = latent.interpolate(z0, z1, torch.tensor([0.5]), "slerp")[0]
    # norm 1.5 (halfway from 1 to 2), direction at 45 degrees
    torch.testing.assert_close(middle, torch.tensor([1.5, 1.5]) / 2**0.5)


def test_the_endpoints_are_the_codes_exactly():
    g = torch.Generator().manual_seed(3)
    z0, z1 = torch.randn(7, generator=g), torch.randn(7, generator=g)
    for method in ("lerp", "slerp"):
        path = latent.interpolate(z0, z1, torch.tensor([0.0, 0.3, 1.0]), method)
        assert torch.equal(path[0], z0) and torch.equal(path[-1], z1), method


def test_a_t_outside_zero_to_one_extrapolates():
    z0, z1 = torch.tensor([1.0, 2.0]), torch.tensor([3.0, -2.0])
    path = latent.interpolate(z0, z1, torch.tensor([-0.5, 1.5]), "lerp")
    torch.testing.assert_close(path, torch.tensor([[0.0, 4.0], [4.0, -4.0]]))


def test_slerp_turns_for_a_code_shorter_than_one():
    # the fallback is for a zero vector only: |z1| = 0.5 still turns
    z0, z1 = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 0.5])
    middle = latent.interpolate(z0, z1, torch.tensor([0.5]), "slerp")[0]
    # norm 1.25 (halfway from 2 to 0.5), direction at 45 degrees
    torch.testing.assert_close(middle, torch.tensor([1.25, 1.25]) / 2**0.5)


def test_options_are_named_and_sizes_may_be():
    z = latent.sample_prior(n=2, latent_dim=3, temperature=0.5)
    assert z.shape == (2, 3)
    with pytest.raises(TypeError):
        latent.sample_prior(2, 3, 0.5)  # the temperature by position
    with pytest.raises(TypeError):
        latent.quantile_grid(3, 0.1, 0.9)  # the levels by position
    assert latent.quantile_grid(n=3, lo=0.1, hi=0.9).shape == (9, 2)


def test_posterior_means_keep_no_graph_and_have_a_shape_for_no_images(encoded):
    model, x, _ = encoded
    means = latent.posterior_means(model, x)
    assert not means.requires_grad and means.grad_fn is None
    assert latent.posterior_means(model, x[:0]).shape == (0, 6)


def test_class_means_refuse_codes_that_are_not_a_matrix_or_too_few_labels():
    z, labels = torch.zeros(4, 2), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"^z must be \(N, d\) and labels \(N,\); got \(4,\)"):
        latent.class_means(z[:, 0], labels)
    with pytest.raises(ValueError, match=r"got \(4, 2\) and \(3,\)$"):
        latent.class_means(z, labels[:3])


def test_an_attribute_vector_uses_the_target_class_alone():
    # three classes: 0 at the origin, 1 at (1, 0), 2 at (0, 5); 0 -> 1 is (1, 0) exactly
    z = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 5.0], [0.0, 0.0], [1.0, 0.0], [0.0, 5.0]])
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    assert latent.attribute_vector(z, labels, source=0, target=1).tolist() == [1.0, 0.0]


def test_the_endpoints_are_exact_for_double_precision_codes_too():
    # In float64 the great-circle formula misses z1 by an ulp or so (2e-16 here); float32
    # codes hide that when rounded, double ones do not: the endpoints are set exactly.
    g = torch.Generator().manual_seed(3)
    z0 = torch.randn(7, generator=g, dtype=torch.float64)
    z1 = torch.randn(7, generator=g, dtype=torch.float64)
    path = latent.interpolate(z0, z1, torch.tensor([0.0, 0.5, 1.0]), "slerp")
    assert path.dtype == torch.float64
    assert torch.equal(path[0], z0) and torch.equal(path[-1], z1)


def test_codes_must_be_vectors_and_code_matrices_matrices():
    with pytest.raises(ValueError, match=r"^z0 and z1 must be vectors of the same shape"):
        latent.interpolate(torch.tensor(1.0), torch.tensor(2.0), torch.tensor([0.5]))
    with pytest.raises(ValueError, match=r"got \(2, 3\) and \(2, 3\)$"):  # a batch of codes
        latent.interpolate(torch.ones(2, 3), torch.ones(2, 3), torch.tensor([0.5]))
    labels = torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"^z must be \(N, d\) and labels \(N,\); got \(4, 2, 1\)"):
        latent.class_means(torch.zeros(4, 2, 1), labels)


def test_no_prior_draws_is_an_empty_batch():
    assert latent.sample_prior(0, 3).shape == (0, 3)


def test_slerp_turns_between_codes_half_a_radian_apart():
    # Equal norms 2, directions 0.5 rad apart: slerp keeps the norm at 2 halfway, at angle 0.25;
    # the straight line would cut the corner to norm 2 cos(0.25).
    z0, z1 = torch.tensor([2.0, 0.0]), 2 * torch.tensor([math.cos(0.5), math.sin(0.5)])
    middle = latent.interpolate(z0, z1, torch.tensor([0.5]))[0]  # slerp by default
    torch.testing.assert_close(middle, 2 * torch.tensor([math.cos(0.25), math.sin(0.25)]))


def test_an_attribute_vector_uses_the_source_class_alone():
    # classes 0, 1, 2 at (0, 5), (1, 0), (3, 0): from 1 to 2 is (2, 0) exactly
    z = torch.tensor([[0.0, 5.0], [1.0, 0.0], [3.0, 0.0], [0.0, 5.0], [1.0, 0.0], [3.0, 0.0]])
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    assert latent.attribute_vector(z, labels, source=1, target=2).tolist() == [2.0, 0.0]


def test_two_steps_are_the_two_codes():
    z0, z1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 3.0])
    for path in (latent.lerp(z0, z1, 2), latent.slerp(z0, z1, 2)):
        assert torch.equal(path, torch.stack([z0, z1]))


@pytest.mark.parametrize(("d0", "d1"), [(3, 4), (4, 3)])
def test_codes_of_different_lengths_are_refused_either_way(d0, d1):
    with pytest.raises(ValueError, match=rf"got \({d0},\) and \({d1},\)$"):
        latent.interpolate(torch.ones(d0), torch.ones(d1), torch.tensor([0.5]))


def test_slerp_steps_turn_between_codes_half_a_radian_apart():
    z0, z1 = torch.tensor([2.0, 0.0]), 2 * torch.tensor([math.cos(0.5), math.sin(0.5)])
    middle = latent.slerp(z0, z1, 3)[1]  # the default eps
    torch.testing.assert_close(middle, 2 * torch.tensor([math.cos(0.25), math.sin(0.25)]))


def test_class_means_refuse_more_labels_than_codes():
    with pytest.raises(ValueError, match=r"got \(4, 2\) and \(5,\)$"):
        latent.class_means(torch.zeros(4, 2), torch.tensor([0, 1, 0, 1, 0]))
