"""Digits as pictures for the static views: PNG bytes, sprites of frames, data URIs."""

from __future__ import annotations

import base64
import io

import numpy as np


def _ink(images: np.ndarray) -> np.ndarray:
    """Images in [0, 1] -> uint8 with dark ink on white, as the course's figures draw digits."""
    return np.round(255.0 * (1.0 - np.clip(images, 0.0, 1.0))).astype(np.uint8)


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """A (H, W) array in [0, 1] as grayscale PNG bytes (ink dark), enlarged ``scale`` times
    with nearest-neighbour pixels."""
    from PIL import Image

    picture = Image.fromarray(_ink(np.asarray(image, dtype=np.float32)), mode="L")
    if scale != 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def sprite(frames: np.ndarray, columns: int) -> np.ndarray:
    """(F, H, W) frames -> one (rows*H, columns*W) mosaic, frame k at row k // columns."""
    n, h, w = frames.shape
    rows = -(-n // columns)
    canvas = np.zeros((rows * h, columns * w), dtype=frames.dtype)
    for k, frame in enumerate(frames):
        r, c = divmod(k, columns)
        canvas[r * h : (r + 1) * h, c * w : (c + 1) * w] = frame
    return canvas


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
