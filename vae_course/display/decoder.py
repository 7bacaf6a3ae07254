"""A trained decoder, carried into the static page so that the page itself can generate.

``export_decoder(model)`` packs the two-layer MLP decoder of a ``models.VAE`` (latent d ->
hidden ReLU -> 784 logits -> sigmoid) for ``static/decoder.js``, which runs the same forward
pass in plain JavaScript: no network request, no framework, works from ``file://``.

Weights are stored as 12-bit integers with one float32 scale per output row (two weights in
three bytes, base64): a quarter of float32's size, and close enough that the page's pixels
stay within 2/255 of PyTorch's (the browser tests measure it on vectors exported here).

``prior_noise(seed, n, d)`` is the page's random number generator mirrored in Python (a Weyl
sequence through the murmur3 finalizer, then Box-Muller), so the live view and the static view
draw the same z for the same seed.
"""

from __future__ import annotations

import base64
import math

import numpy as np
import torch

from ..models import VAE

LEVELS = 2047  # 12-bit signed range used: -2047..2047, stored with an offset of 2048


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def pack_12bit(values: np.ndarray) -> bytes:
    """Unsigned integers in [0, 4095] (n,) -> bytes, two values in three bytes (big-end first)."""
    u = np.asarray(values, dtype=np.uint16)
    if u.size and int(u.max()) > 4095:
        raise ValueError("values must fit in 12 bits (0..4095)")
    if u.size % 2:
        u = np.append(u, np.uint16(2048))
    a, b = u[0::2].astype(np.uint32), u[1::2].astype(np.uint32)
    out = np.empty((len(a), 3), dtype=np.uint8)
    out[:, 0] = a >> 4
    out[:, 1] = ((a & 15) << 4) | (b >> 8)
    out[:, 2] = b & 255
    return out.tobytes()


def quantize_rows(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """weight (rows, cols) float -> (integers in [-2047, 2047] (rows, cols), scales (rows,)),
    with weight ~ integers * scales[:, None]."""
    scale = np.abs(weight).max(axis=1) / LEVELS
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(weight / scale[:, None]), -LEVELS, LEVELS).astype(np.int16)
    return q, scale


def _layer(linear: torch.nn.Linear) -> dict:
    weight = linear.weight.detach().cpu().double().numpy()
    q, scale = quantize_rows(weight)
    return {
        "rows": int(weight.shape[0]),
        "cols": int(weight.shape[1]),
        "q": base64.b64encode(pack_12bit((q + 2048).ravel())).decode("ascii"),
        "scale": _b64(scale.astype("<f4")),
        "bias": _b64(linear.bias.detach().cpu().numpy().astype("<f4")),
    }


def can_export(model: torch.nn.Module) -> bool:
    """True for a models.VAE whose decoder is the plain MLP (not conv, not conditional)."""
    return isinstance(model, VAE) and not model.config["conv"] and not model.conditional


@torch.no_grad()
def export_decoder(model: VAE, *, check_seed: int = 0, n_check: int = 4) -> dict:
    """The decoder's weights for the page, plus ``n_check`` latent vectors and PyTorch's
    decoded pixels for them (``check``), which the tests compare with the page's decode."""
    if not can_export(model):
        raise ValueError(
            "model must be a models.VAE with the MLP decoder (conv=False, unconditional); "
            f"got {type(model).__name__}"
        )
    decoder = model.decoder
    z = torch.from_numpy(prior_noise(check_seed, n_check, model.latent_dim)).float()
    z[-1] *= 2.0  # one vector far out in the prior's tail, where errors would show
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    pixels = model.decode(z.to(device)).cpu().reshape(n_check, -1)
    model.train(was_training)
    return {
        "d": model.latent_dim,
        "side": model.side,
        "likelihood": model.likelihood,
        "layers": [_layer(decoder.fc), _layer(decoder.out)],
        "check": {"z": z.tolist(), "pixels": _b64(pixels.numpy().astype("<f4"))},
    }


def spec_bytes(spec: dict) -> int:
    """Characters the exported decoder adds to a page (its base64 strings and numbers)."""
    return len(str(spec))


def _uniforms(seed: int, n: int) -> np.ndarray:
    """n uniforms in (0, 1) from the 32-bit generator that ``decoder.js`` implements."""
    state = seed & 0xFFFFFFFF
    out = np.empty(n)
    for i in range(n):
        state = (state + 0x9E3779B9) & 0xFFFFFFFF
        x = state
        x = ((x ^ (x >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
        x = ((x ^ (x >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
        x ^= x >> 16
        out[i] = (x + 0.5) / 4294967296.0
    return out


def prior_noise(seed: int, n: int, d: int) -> np.ndarray:
    """n standard-normal vectors (n, d) for ``seed``: the same numbers the page draws."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    count = n * d
    u = _uniforms(seed, 2 * ((count + 1) // 2)).reshape(-1, 2)
    radius = np.sqrt(-2.0 * np.log(u[:, 0]))
    angle = 2.0 * math.pi * u[:, 1]
    normals = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).ravel()
    return normals[:count].reshape(n, d)
