"""Tests for vae_course.shapes: every combination of factors once, and each factor drawn where
the geometry says (areas, centres, symmetries, rotation)."""

import math

import pytest
import torch

from vae_course import shapes


@pytest.fixture(scope="module")
def data():
    return shapes.make_shapes()


def test_every_combination_once_in_product_order(data):
    sizes = [len(v) for v in data.values.values()]
    assert list(data.values) == list(shapes.FACTOR_NAMES)
    assert len(data.images) == math.prod(sizes) == 3 * 3 * 4 * 8 * 8
    assert data.images.shape[1:] == (1, 28, 28)
    assert torch.unique(data.factors, dim=0).shape[0] == len(data.factors)
    # the last factor (y) changes fastest, as in dSprites
    assert data.factors[:2, 4].tolist() == [0, 1] and data.factors[1, :4].tolist() == [0] * 4
    assert set(data.images.unique().tolist()) == {0.0, 1.0}


def test_areas_and_centres_follow_the_factors():
    size = 64  # large enough that pixel counts approach the areas
    square = shapes.render("square", 10.0, 0.0, 31.5, 30.5, size)
    assert square.sum() == 20 * 20  # pixel centres within half-size 10 of the centre
    ellipse = shapes.render("ellipse", 12.0, 0.0, 32.0, 32.0, size)
    assert abs(ellipse.sum() - math.pi * 12 * 7.2) < 0.03 * math.pi * 12 * 7.2
    triangle = shapes.render("triangle", 12.0, 0.0, 32.0, 32.0, size)
    area = 3 * math.sqrt(3) / 4 * 12**2  # equilateral, circumradius 12
    assert abs(triangle.sum() - area) < 0.05 * area
    rows, cols = torch.nonzero(ellipse, as_tuple=True)
    assert abs(cols.float().mean() - 32) < 0.1 and abs(rows.float().mean() - 32) < 0.1


def test_rotation_turns_the_shape_and_symmetries_hold():
    def draw(shape, angle):
        return shapes.render(shape, 10.0, angle, 32.0, 32.0, 64)

    assert torch.equal(draw("ellipse", 0.0), draw("ellipse", 180.0))
    assert torch.equal(draw("square", 0.0), draw("square", 90.0))
    assert not torch.equal(draw("square", 0.0), draw("square", 45.0))
    # a quarter turn of the ellipse swaps its axes: the transposed image
    assert torch.equal(draw("ellipse", 90.0), draw("ellipse", 0.0).T)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="shape must be one of"):
        shapes.render("heart", 3.0, 0.0, 10.0, 10.0)
    with pytest.raises(ValueError, match="scale: at least one value"):
        shapes.make_shapes(scales=())
