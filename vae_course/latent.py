"""Working in latent space: prior samples, posterior means, interpolation (lerp, slerp),
quantile grids, class means and attribute vectors for latent arithmetic, active units.
"""

from __future__ import annotations

import math

import torch

from .data import batches
from .models import VAE


def sample_prior(
    n: int,
    latent_dim: int,
    *,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """n draws from N(0, temperature^2 I): (n, latent_dim). Temperature scales the std."""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int; got {n!r}")
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive int; got {latent_dim!r}")
    if isinstance(temperature, bool) or not 0 < temperature < math.inf:
        raise ValueError(
            f"temperature must be finite and > 0 (it scales the prior's std); got {temperature!r}"
        )
    device = generator.device if device is None and generator is not None else device
    return temperature * torch.randn(n, latent_dim, generator=generator, device=device)


@torch.no_grad()
def posterior_means(
    model, x: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 512
) -> torch.Tensor:
    """E_q[z|x] for every image: x (N, 1, 28, 28) -> (N, d) on the CPU. Autoencoders: their code."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    tensors = (x,) if y is None else (x, y)
    for batch in batches(*tensors, batch_size=batch_size, shuffle=False):
        xb = batch[0].to(device)
        if isinstance(model, VAE):  # keep the mean of (mu, logvar)
            code = model.encode(xb, batch[1].to(device)) if y is not None else model.encode(xb)
            code = code[0]
        else:
            code = model.encode(xb)
        out.append(code.cpu())
    model.train(was_training)
    return torch.cat(out) if out else torch.empty(0, model.latent_dim)


def _check_pair(z0: torch.Tensor, z1: torch.Tensor) -> None:
    if z0.dim() != 1 or z0.shape != z1.shape:
        raise ValueError(
            "z0 and z1 must be vectors of the same shape (d,); "
            f"got {tuple(z0.shape)} and {tuple(z1.shape)}"
        )


def _check_steps(steps: int) -> None:
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an int >= 2 (both endpoints are included); got {steps!r}")


METHODS = ("lerp", "slerp")


def interpolate(
    z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor, method: str = "slerp", eps: float = 1e-4
) -> torch.Tensor:
    """The points at fractions ``t`` (T,) of the way from z0 to z1 (each (d,)): (T, d).

    lerp: the straight line. slerp: the direction turns at constant angular speed along the
    great circle from z0 to z1 (Shoemake's slerp) while the norm goes linearly from |z0| to |z1|;
    for equal norms this is exactly the classic slerp. Directions less than ``eps`` radians
    apart (or a zero vector) fall back to lerp, where the two agree to O(angle^2); opposite
    directions raise ValueError. t = 0 and t = 1 give z0 and z1 exactly.
    """
    if method not in METHODS:
        raise ValueError(f"method must be 'lerp' or 'slerp'; got {method!r}")
    _check_pair(z0, z1)
    t = torch.as_tensor(t, dtype=torch.float64, device=z0.device).reshape(-1, 1)
    a, b = z0.double(), z1.double()
    out = (1 - t) * a + t * b
    n0, n1 = a.norm(), b.norm()
    if method == "slerp" and n0 > 0 and n1 > 0:
        u0, u1 = a / n0, b / n1
        omega = 2 * torch.atan2((u0 - u1).norm(), (u0 + u1).norm())  # stable near 0 and pi
        if omega > math.pi - eps:
            raise ValueError(
                "z0 and z1 point in opposite directions: the great circle is undefined"
            )
        if omega >= eps:
            turn = torch.sin((1 - t) * omega) * u0 + torch.sin(t * omega) * u1
            out = ((1 - t) * n0 + t * n1) * turn / torch.sin(omega)
    out = out.to(z0.dtype)
    out[t[:, 0] == 0] = z0  # exact endpoints despite rounding
    out[t[:, 0] == 1] = z1
    return out


def lerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """Straight line from z0 to z1 (each (d,)) at ``steps`` evenly spaced points: (steps, d)."""
    _check_pair(z0, z1)
    _check_steps(steps)
    return interpolate(z0, z1, torch.linspace(0, 1, steps, dtype=torch.float64), "lerp")


def slerp(z0: torch.Tensor, z1: torch.Tensor, steps: int, eps: float = 1e-4) -> torch.Tensor:
    """Spherical interpolation at ``steps`` evenly spaced points: (steps, d), endpoints
    included. See ``interpolate`` for the path."""
    _check_pair(z0, z1)
    _check_steps(steps)
    t = torch.linspace(0, 1, steps, dtype=torch.float64)
    return interpolate(z0, z1, t, "slerp", eps)


def quantile_grid(n: int, *, lo: float = 0.05, hi: float = 0.95) -> torch.Tensor:
    """An n x n grid of 2-D latent points at evenly spaced prior quantiles: (n*n, 2).

    Row-major like an image: point i*n + j is (x_j, y_i), with x increasing left to right and
    y decreasing top to bottom; x_j = Phi^-1(lo + (hi - lo) j / (n - 1)).
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int; got {n!r}")
    if not 0 < lo < hi < 1:
        raise ValueError(f"need 0 < lo < hi < 1 (probabilities); got lo={lo!r}, hi={hi!r}")
    probs = torch.linspace(lo, hi, n, dtype=torch.float64) if n > 1 else torch.tensor([0.5])
    values = torch.distributions.Normal(0.0, 1.0).icdf(probs.double()).float()
    ys, xs = torch.meshgrid(values.flip(0), values, indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


def class_means(
    z: torch.Tensor, labels: torch.Tensor, n_classes: int | None = None
) -> torch.Tensor:
    """Mean latent vector of each class: z (N, d), labels (N,) int -> (n_classes, d), on z's
    device (labels may be on the CPU)."""
    if z.dim() != 2 or labels.shape != (len(z),):
        raise ValueError(
            f"z must be (N, d) and labels (N,); got {tuple(z.shape)} and {tuple(labels.shape)}"
        )
    n_classes = int(labels.max()) + 1 if n_classes is None else n_classes
    counts = torch.bincount(labels, minlength=n_classes)[:n_classes]
    if (counts == 0).any():
        missing = torch.nonzero(counts == 0).flatten().tolist()
        raise ValueError(f"labels has no examples of class(es) {missing}")
    sums = torch.zeros(n_classes, z.shape[1], dtype=z.dtype, device=z.device)
    sums.index_add_(0, labels.to(z.device), z)
    return sums / counts[:, None].to(sums)


def attribute_vector(
    z: torch.Tensor, labels: torch.Tensor, source: int, target: int
) -> torch.Tensor:
    """mean(z of class target) - mean(z of class source): (d,). Add it to move source -> target."""
    for name, value in (("source", source), ("target", target)):
        if not (labels == value).any():
            raise ValueError(f"{name}={value!r} has no examples in labels")
    labels = labels.to(z.device)
    return z[labels == target].mean(0) - z[labels == source].mean(0)


def active_units(
    model, x: torch.Tensor, threshold: float = 0.01, y: torch.Tensor | None = None
) -> tuple[int, torch.Tensor]:
    """Active units (Burda et al., 2016): dimensions u with Var_x(E_q[z_u|x]) > threshold.

    Returns (number active, variances (d,)).
    """
    if isinstance(threshold, bool) or not 0 <= threshold < math.inf:
        raise ValueError(f"threshold must be a finite variance >= 0; got {threshold!r}")
    means = posterior_means(model, x, y)
    variances = means.var(dim=0, correction=0)
    return int((variances > threshold).sum()), variances
