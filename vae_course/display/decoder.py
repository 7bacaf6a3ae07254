"""A trained decoder (and encoder), carried into the static page so that the page itself can
generate (and encode).

``export_decoder(model)`` packs the two-layer MLP decoder of a ``models.VAE`` (latent d ->
hidden ReLU -> 784 logits -> sigmoid) for ``static/decoder.js``, which runs the same forward
pass in plain JavaScript: no network request, no framework, works from ``file://``.

Weights are stored as 12-bit integers with one float32 scale per output row (two weights in
three bytes, base64): a quarter of float32's size, and close enough that the page's pixels
stay within 2/255 of PyTorch's (the browser tests measure it on vectors exported here).
``pack_linear(layer, bits)`` packs any linear layer with another width (4 to 16 bits, one
bit stream, most significant bit first; 12 bits gives the bytes above), and
``export_encoder(model)`` packs the MLP encoder (784 -> hidden ReLU -> mu, log-variance) the
same way, for the drawing pad (``drawpad``).

``prior_noise(seed, n, d)`` is the page's random number generator mirrored in Python (a Weyl
sequence through the murmur3 finalizer, then Box-Muller), so the live view and the static view
draw the same z for the same seed.
"""

from __future__ import annotations

import base64
import hashlib
import math

import numpy as np
import torch

from ..models import VAE

LEVELS = 2047  # 12-bit signed range used: -2047..2047, stored with an offset of 2048
BITS = (4, 16)  # the widths pack_linear accepts


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


def pack_bits(values: np.ndarray, bits: int) -> bytes:
    """Unsigned integers in [0, 2**bits) (n,) -> one bit stream, most significant bit first,
    zero-padded to whole bytes."""
    u = np.asarray(values, dtype=np.int64).ravel()
    if u.size and (int(u.min()) < 0 or int(u.max()) >= 1 << bits):
        raise ValueError(f"values must fit in {bits} bits (0..{(1 << bits) - 1})")
    shifts = np.arange(bits - 1, -1, -1)
    stream = ((u[:, None] >> shifts) & 1).astype(np.uint8).ravel()
    return np.packbits(stream).tobytes()


def quantize_rows(weight: np.ndarray, bits: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """weight (rows, cols) float -> (integers in [-L, L] (rows, cols), scales (rows,)), with
    weight ~ integers * scales[:, None] and L = 2**(bits - 1) - 1 (2047 for 12 bits)."""
    levels = (1 << (bits - 1)) - 1
    scale = np.abs(weight).max(axis=1) / levels
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(weight / scale[:, None]), -levels, levels).astype(np.int32)
    return q, scale


def pack_linear(linear: torch.nn.Linear, bits: int = 12) -> dict:
    """A linear layer for ``decoder.js``: its weight as ``bits``-bit integers (offset
    2**(bits - 1)) with a float32 scale per row, its bias as float32; all base64."""
    weight = linear.weight.detach().cpu().double().numpy()
    return pack_matrix(weight, linear.bias.detach().cpu().double().numpy(), bits)


def pack_matrix(weight: np.ndarray, bias: np.ndarray, bits: int = 12) -> dict:
    """y = weight @ x + bias, weight (rows, cols), packed as ``pack_linear`` packs a layer."""
    if not isinstance(bits, int) or not BITS[0] <= bits <= BITS[1]:
        raise ValueError(f"bits must be an int in [{BITS[0]}, {BITS[1]}]; got {bits!r}")
    q, scale = quantize_rows(weight, bits)
    offset = 1 << (bits - 1)
    flat = (q + offset).ravel()  # 12 bits: pack_12bit's bytes (the same stream, pairs padded)
    packed = pack_12bit(flat) if bits == 12 else pack_bits(flat, bits)
    return {
        "rows": int(weight.shape[0]),
        "cols": int(weight.shape[1]),
        "bits": bits,
        "q": base64.b64encode(packed).decode("ascii"),
        "scale": _b64(scale.astype("<f4")),
        "bias": _b64(np.asarray(bias).astype("<f4")),
    }


def unpack_matrix(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """What the page reads from a packed layer: (weight (rows, cols), bias (rows,)) float64."""
    bits, n = spec["bits"], spec["rows"] * spec["cols"]
    stream = np.unpackbits(np.frombuffer(base64.b64decode(spec["q"]), np.uint8))
    values = stream[: n * bits].reshape(n, bits).astype(np.int64) @ (1 << np.arange(bits)[::-1])
    scale = np.frombuffer(base64.b64decode(spec["scale"]), "<f4").astype(np.float64)
    weight = (values - (1 << (bits - 1))).reshape(spec["rows"], spec["cols"]) * scale[:, None]
    return weight, np.frombuffer(base64.b64decode(spec["bias"]), "<f4").astype(np.float64)


def can_export(model: torch.nn.Module) -> bool:
    """True for a models.VAE whose decoder is the plain MLP (not conv, not conditional)."""
    return isinstance(model, VAE) and not model.config["conv"] and not model.conditional


@torch.no_grad()
def export_decoder(model: VAE, *, check_seed: int = 0, n_check: int = 4, bits: int = 12) -> dict:
    """The decoder's weights for the page (``bits`` bits a weight), plus ``n_check`` latent
    vectors and PyTorch's decoded pixels for them (``check``), which the tests compare with the
    page's decode."""
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
    layers = [pack_linear(decoder.fc, bits), pack_linear(decoder.out, bits)]
    return {
        "d": model.latent_dim,
        "side": model.side,
        "likelihood": model.likelihood,
        "key": spec_key(layers),
        "layers": layers,
        "check": {"z": z.tolist(), "pixels": _b64(pixels.numpy().astype("<f4"))},
    }


@torch.no_grad()
def export_encoder(model: VAE, *, bits: int = 12) -> dict:
    """The MLP encoder for the page: x (784 pixels) -> h = ReLU(fc x) -> (mu, log-variance).
    The first layer takes ``bits`` bits a weight; the two small heads take 16."""
    if not can_export(model):
        raise ValueError(
            "model must be a models.VAE with the MLP encoder (conv=False, unconditional); "
            f"got {type(model).__name__}"
        )
    return {
        "d": model.latent_dim,
        "side": model.side,
        "layers": [
            pack_linear(model.encoder.fc, bits),
            pack_linear(model.to_mu, 16),
            pack_linear(model.to_logvar, 16),
        ],
    }


def spec_key(layers: list[dict]) -> str:
    """A fingerprint of packed layers: figures of one page that carry the same decoder find
    it under this key in the page (``VAECourse.shared``), so a later one can leave it out."""
    digest = hashlib.sha1()
    for layer in layers:
        for field in ("q", "scale", "bias"):
            digest.update(layer[field].encode("ascii"))
    return digest.hexdigest()[:16]


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
