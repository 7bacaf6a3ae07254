"""The drawing pad's pictures: its static view (self-contained HTML, inline CSS and JS, the
encoder and decoder packed into the page) and the latent-plane figure of its kernel view."""

from __future__ import annotations

import base64
import html
import math
import uuid
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from .decoder import export_decoder, export_encoder
from .explorer_html import asset, script

ZOOM = 8  # screen pixels per pad pixel: a 224-pixel pad
PLANE = 260  # the latent plane's canvas, pixels a side
FULL_SCALE = 200  # nats: the bars' full width, unless the terms need more


def _bits(x: torch.Tensor) -> str:
    """(784,) {0, 1} -> base64 of the pixels packed 8 a byte, first pixel in the top bit."""
    return base64.b64encode(np.packbits(x.numpy().astype(np.uint8)).tobytes()).decode("ascii")


def _f32(array: torch.Tensor) -> str:
    return base64.b64encode(array.numpy().astype("<f4").tobytes()).decode("ascii")


def plane_limit(codes: torch.Tensor) -> float:
    """The half-width of the plane shown: the whole unit of the 99.5% quantile of |code|,
    at least 3 (the prior's 3-sigma circle) and at most 8."""
    q = torch.quantile(codes.abs().flatten(), 0.995).item()
    return float(min(8, max(3, math.ceil(q))))


def _codes(codes: torch.Tensor, labels: torch.Tensor, limit: float) -> dict:
    """Training codes as int16 pairs with one scale (a step of limit / 16384), labels as bytes."""
    scale = limit / 16384
    q = np.clip(np.rint(codes.numpy() / scale), -32767, 32767).astype("<i2")
    return {
        "q": base64.b64encode(q.tobytes()).decode("ascii"),
        "scale": scale,
        "labels": base64.b64encode(labels.numpy().astype(np.uint8).tobytes()).decode("ascii"),
    }


def check_spec(pad: Any) -> dict:
    """The check inputs and what PyTorch computes for them, for the browser tests."""
    inputs = pad.check_inputs()
    names = list(inputs)
    from .drawpad import pad_terms

    t = pad_terms(pad.model, torch.stack([inputs[k] for k in names]), pad.noise())
    return {
        "names": names,
        "bits": [_bits(inputs[k]) for k in names],
        "mu": t["mu"].tolist(),
        "sigma": t["sigma"].tolist(),
        "recon": [_f32(r) for r in t["recon"]],
        "reconstruction": t["reconstruction"].tolist(),
        "kl": t["kl"].tolist(),
    }


def drawpad_html(pad: Any, dom_id: str | None = None) -> str:
    """The static figure of a ``DrawPad`` with root element id ``dom_id`` (or a fresh one)."""
    uid = dom_id or f"vae-drawpad-{uuid.uuid4().hex[:12]}"
    e = html.escape
    side, k = pad.model.side, pad.n_samples
    limit = plane_limit(pad.codes)
    decoder = export_decoder(pad.model, bits=pad.bits)
    if pad.share_decoder:  # carried by an earlier figure of the page: only its key here
        decoder = {k: decoder[k] for k in ("d", "side", "key")}
    config = {
        "id": uid,
        "encoder": export_encoder(pad.model, bits=pad.bits),
        "decoder": decoder,
        "codes": _codes(pad.codes, pad.labels, limit),
        "limit": limit,
        "examples": [_bits(x) for x in pad.examples],
        "check": check_spec(pad),
        "seed": pad.seed,
        "samples": k,
        "zoom": ZOOM,
        "reconZoom": 4,
        "fullScale": FULL_SCALE,
    }
    help_text = (
        "Draw with the mouse, a finger or a pen. Keyboard: on the pad, the arrow keys move a "
        "cursor, Space paints, Shift with an arrow paints as it moves, Delete erases."
    )
    plane_alt = (
        f"The latent plane from -{limit:g} to {limit:g} on both axes: training codes as dots "
        "coloured by class, the encoder's mean as a red dot, its 1- and 2-sigma ellipses, "
        f"and {k} draws from q(z|x) as crosses"
    )
    terms = "".join(
        f'<div class="vae-drawpad-term"><span class="vae-drawpad-name">{label}</span>'
        f'<span class="vae-drawpad-bar"><span id="{uid}-bar-{name}"></span></span>'
        f'<output id="{uid}-{name}" aria-label="{e(spoken)}"></output></div>'
        for name, label, spoken in (
            ("rec", "log p(x | z = μ)", "reconstruction term, log p of x given z = mu"),
            ("kl", "KL(q(z|x) ‖ N(0, I))", "KL term"),
        )
    )
    body = (
        f'<div class="vae-drawpad-row"><div class="vae-drawpad-col">'
        f'<canvas id="{uid}-pad" width="{side * ZOOM}" height="{side * ZOOM}" tabindex="0" '
        f'role="application" aria-label="Drawing pad, 28 by 28 pixels" '
        f'aria-describedby="{uid}-help"></canvas>'
        f'<div class="vae-drawpad-controls"><button type="button" id="{uid}-clear">Clear'
        f'</button><button type="button" id="{uid}-example">Start from a test digit</button>'
        f'</div><p class="vae-drawpad-note" id="{uid}-help">{e(help_text)}</p></div>'
        f'<div class="vae-drawpad-col"><canvas id="{uid}-plane" width="{PLANE}" '
        f'height="{PLANE}" role="img" aria-label="{e(plane_alt)}"></canvas>'
        f'<p class="vae-drawpad-caption">z<sub>1</sub> across, z<sub>2</sub> up; red: μ, '
        f"rings: 1σ and 2σ, crosses: z ~ q(z|x)</p></div>"
        f'<div class="vae-drawpad-col"><p class="vae-drawpad-caption">g(μ)</p>'
        f'<canvas id="{uid}-recon" width="{side * 4}" height="{side * 4}" role="img" '
        f'aria-label="The reconstruction g(mu)"></canvas>'
        f'<p class="vae-drawpad-caption">g(z), z ~ q(z|x)</p>'
        f'<canvas id="{uid}-samples" width="{k * (2 * side + 2)}" height="{2 * side + 2}" '
        f'role="img" aria-label="{k} draws from q(z|x), decoded"></canvas></div></div>'
        f'<div class="vae-drawpad-terms" role="group" aria-label="The two ELBO terms">{terms}'
        f'<p class="vae-drawpad-note" id="{uid}-scale"></p></div>'
        f'<output id="{uid}-readout" class="vae-drawpad-readout" aria-live="polite"></output>'
    )
    waiting = "Run this cell to draw: this view needs its script, which has not run."
    return (
        f'<div class="vae-drawpad" id="{uid}">'
        f"<style>{asset('drawpad.css').replace('ROOT', '#' + uid)}</style>"
        f'<p class="vae-drawpad-title">{e(pad.title)}</p>{body}'
        f'<p class="vae-drawpad-note" id="{uid}-note">{e(waiting)}</p>'
        f"{script('decoder.js')}{script('drawpad.js', config)}</div>"
    )


def plane_figure(
    codes: torch.Tensor,
    labels: torch.Tensor,
    mu: torch.Tensor,
    sigma: torch.Tensor,
    eps: torch.Tensor,
) -> Figure:
    """The kernel view's latent plane: codes, mu, its 1- and 2-sigma ellipses, the draws."""
    limit = plane_limit(codes)
    fig = Figure(figsize=(3.6, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=3, alpha=0.35, vmin=0, vmax=9)
    m = mu.tolist()
    for width in (1, 2):
        ax.add_patch(
            Ellipse(
                m,
                2 * width * sigma[0].item(),
                2 * width * sigma[1].item(),
                fill=False,
                lw=2.5 - width,
                color="black",
            )
        )
    z = mu + sigma * eps
    ax.scatter(z[:, 0], z[:, 1], marker="x", c="black", s=30)
    ax.scatter([m[0]], [m[1]], c="#d00000", s=30)
    ax.set(xlim=(-limit, limit), ylim=(-limit, limit), xlabel="z1", ylabel="z2", aspect="equal")
    return fig
