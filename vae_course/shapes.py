"""A small dSprites (chapter 11): binary images of one white shape on black, generated in code
from known factors, every combination of factor values exactly once, as Matthey et al. (2017)
built dSprites (3 shapes x 6 scales x 40 rotations x 32 x 32 positions at 64 x 64 pixels).

Ours is smaller so that a CPU trains on it in seconds, and its factors are:

- shape: square, ellipse (axes 1 and 0.6), triangle (equilateral), in that order
  (dSprites' third shape is a heart; a triangle is simpler to draw and needs no image file);
- scale: the shape's half-size in pixels, by default 3, 4.5 and 6;
- rotation: in degrees about the shape's centre, by default 0, 15, 30 and 45 (below every
  shape's symmetry angle, 90 for the square, 180 for the ellipse, 120 for the triangle, so no
  two rotations of one shape give the same image);
- x and y: the centre's column and row, by default 8 evenly spaced values from 8 to 19.

A pixel is white when its centre lies inside the shape, as in dSprites (binary images).
``make_shapes()`` with the defaults gives 3 * 3 * 4 * 8 * 8 = 2,304 images of 28 x 28.
"""

from __future__ import annotations

import math
from itertools import product
from typing import NamedTuple

import torch

SHAPES = ("square", "ellipse", "triangle")
FACTOR_NAMES = ("shape", "scale", "rotation", "x", "y")


class Shapes(NamedTuple):
    """images (N, 1, S, S) float32 in {0, 1}; factors (N, 5) int64, the index of each factor's
    value (columns in FACTOR_NAMES order); values: each factor's values, by name."""

    images: torch.Tensor
    factors: torch.Tensor
    values: dict


def _inside(shape: str, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Whether points (u, v), in the shape's own frame and units of its half-size, are inside."""
    if shape == "square":
        return (u.abs() <= 1) & (v.abs() <= 1)
    if shape == "ellipse":
        return u.pow(2) + (v / 0.6).pow(2) <= 1
    # equilateral triangle with its centroid at 0 and circumradius 1: three half-planes
    inside = torch.ones_like(u, dtype=torch.bool)
    for k in range(3):
        angle = math.pi / 2 + 2 * math.pi * k / 3 + math.pi  # outward normal of an edge
        inside &= u * math.cos(angle) + v * math.sin(angle) <= 0.5
    return inside


def render(shape: str, scale: float, rotation: float, x: float, y: float, size: int = 28):
    """One image (size, size) float32 in {0, 1}: ``shape`` of half-size ``scale`` pixels,
    turned by ``rotation`` degrees, centred at column ``x`` and row ``y`` (pixel units)."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}; got {shape!r}")
    rows, cols = torch.meshgrid(
        torch.arange(size, dtype=torch.float64),
        torch.arange(size, dtype=torch.float64),
        indexing="ij",
    )
    dx, dy = cols - x, rows - y
    theta = math.radians(rotation)
    # rotate the pixel centres by -theta: the shape turns by +theta
    u = (math.cos(theta) * dx + math.sin(theta) * dy) / scale
    v = (-math.sin(theta) * dx + math.cos(theta) * dy) / scale
    return _inside(shape, u, v).float()


def make_shapes(
    *,
    size: int = 28,
    shapes: tuple[str, ...] = SHAPES,
    scales: tuple[float, ...] = (3.0, 4.5, 6.0),
    rotations: tuple[float, ...] = (0.0, 15.0, 30.0, 45.0),
    positions: tuple[float, ...] | None = None,
) -> Shapes:
    """Every combination of the factor values once, in the order of ``itertools.product``
    (shape slowest, y fastest, like dSprites). ``positions`` (x and y alike) defaults to 8
    evenly spaced values from 8 to size - 9."""
    if not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an int >= 8; got {size!r}")
    if positions is None:
        positions = tuple(torch.linspace(8, size - 9, 8).tolist())
    values = {
        "shape": tuple(shapes),
        "scale": tuple(scales),
        "rotation": tuple(rotations),
        "x": tuple(positions),
        "y": tuple(positions),
    }
    for name, vals in values.items():
        if len(vals) == 0:
            raise ValueError(f"{name}: at least one value is needed")
    index = list(product(*(range(len(vals)) for vals in values.values())))
    images = torch.stack(
        [
            render(shapes[s], scales[c], rotations[r], positions[i], positions[j], size)
            for s, c, r, i, j in index
        ]
    )[:, None]  # (N, 1, size, size)
    return Shapes(images, torch.tensor(index, dtype=torch.int64), values)
