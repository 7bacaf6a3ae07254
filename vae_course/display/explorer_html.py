"""The latent explorer's static view: self-contained HTML (inline CSS and JS, no CDN).

Two forms. With ``explorer.in_page`` the figure carries the trained decoder and the page
decodes any slider position itself (``static/decoder.js`` + ``static/explorer.js``): the
sliders move continuously, a canvas shows the digit. Otherwise the images at a grid of slider
positions are decoded now into one PNG sprite that the sliders step through.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from .images import data_uri, png_bytes, sprite


def asset(name: str) -> str:
    """The text of ``display/static/<name>``, shipped as package data."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def script(name: str, config: dict | None = None) -> str:
    """An inline <script> of ``static/<name>``, its CONFIG placeholder filled with JSON.
    ``</`` is escaped so that no string in the configuration can close the script early."""
    text = asset(name)
    if config is not None:
        if text.count("CONFIG") != 1:
            raise ValueError(f"static/{name} must hold the placeholder CONFIG exactly once")
        text = text.replace("CONFIG", json.dumps(config).replace("</", "<\\/"))
    return f"<script>{text}</script>"


def _fmt(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _readout(names: list[str], values: list[float]) -> str:
    return ", ".join(f"{n} = {_fmt(v)}" for n, v in zip(names, values, strict=True))


def _fine_step(axis: Any) -> float:
    """The in-page slider's step for the mouse: a tenth of a key press (the page can decode
    anywhere); explorer.js moves it by ``live_step`` per arrow key."""
    return axis.live_step / 10


def _references(explorer: Any) -> list[str]:
    e = html.escape
    return [
        f'<figure class="vae-explorer-ref"><img src="{data_uri(png_bytes(img, 2))}" '
        f'width="{img.shape[1] * 2}" height="{img.shape[0] * 2}" alt="{e(label)}: '
        f'the decoded image there"><figcaption>{e(label)}</figcaption></figure>'
        for label, img in explorer.references
    ]


def explorer_html(explorer: Any, uid: str) -> str:
    """The static figure of a ``LatentExplorer`` with root element id ``uid``."""
    e = html.escape
    axes = explorer.axes
    names = [a.name for a in axes]
    s = explorer.scale
    refs = _references(explorer)
    config: dict[str, Any] = {"id": uid, "names": names, "scale": s}
    # Shown where the script cannot run (an untrusted notebook); the script replaces it.
    waiting = (
        "Run the notebook from the top to explore: this view needs its script, which has not run."
    )
    if explorer.in_page is not None:
        side = explorer.in_page["decoder"]["side"]
        config.update(explorer.in_page, keySteps=[a.live_step for a in axes])
        view = (
            f'<canvas class="vae-explorer-canvas" id="{uid}-canvas" width="{side * s}" '
            f'height="{side * s}" role="img" aria-label="{e(explorer.alt)}"></canvas>'
        )
        controls = [
            f'<input type="range" id="{uid}-a{k}" min="{a.values[0]}" max="{a.values[-1]}" '
            f'step="{_fine_step(a)}" value="{a.start}"'
            for k, a in enumerate(axes)
        ]
        start = [a.start for a in axes]
        note = "This page decodes every slider position itself: move freely."
        data = ""
    else:
        frames = explorer.frames().numpy()
        n_frames, h, w = frames.shape
        columns = len(axes[-1].values)
        rows = -(-n_frames // columns)
        starts = [a.start_index for a in axes]
        index = 0
        for axis, i in zip(axes, starts, strict=True):
            index = index * len(axis.values) + i
        r, c = divmod(index, columns)
        uri = data_uri(png_bytes(sprite(frames, columns)))
        view = (
            f'<div class="vae-explorer-view" id="{uid}-view" role="img" '
            f'aria-label="{e(explorer.alt)}" style="width:{w * s}px;height:{h * s}px;'
            f"background-image:url({uri});background-size:{columns * w * s}px {rows * h * s}px;"
            f'background-position:{-c * w * s}px {-r * h * s}px"></div>'
        )
        controls = [
            f'<input type="range" id="{uid}-a{k}" min="0" max="{len(a.values) - 1}" step="1" '
            f'value="{starts[k]}"'
            for k, a in enumerate(axes)
        ]
        start = [a.values[i] for a, i in zip(axes, starts, strict=True)]
        config.update(
            values=[list(a.values) for a in axes], columns=columns, width=w * s, height=h * s
        )
        note = (
            f"Static view: {n_frames} precomputed frames. Run the notebook for continuous sliders."
        )
        data = f' data-frame="{index}"'
    refs.insert(len(refs) // 2, view)
    sliders = "".join(
        f'<div class="vae-explorer-control"><label for="{uid}-a{k}">{e(a.name)}</label>'
        f'{control} aria-valuetext="{e(_readout([a.name], [start[k]]))}"></div>'
        for k, (a, control) in enumerate(zip(axes, controls, strict=True))
    )
    scripts = script("decoder.js") if explorer.in_page is not None else ""
    return (
        f'<div class="vae-explorer" id="{uid}"{data}>'
        f"<style>{asset('explorer.css').replace('ROOT', '#' + uid)}</style>"
        f'<p class="vae-explorer-title" id="{uid}-title">{e(explorer.title)}</p>'
        f'<div class="vae-explorer-row">{"".join(refs)}</div>'
        f'<div class="vae-explorer-controls" role="group" aria-labelledby="{uid}-title">'
        f"{sliders}</div>"
        f'<output id="{uid}-readout" class="vae-explorer-readout" aria-live="polite">'
        f"{e(_readout(names, start))}</output>"
        f'<p class="vae-explorer-note" id="{uid}-note">{e(waiting)}</p>'
        f"{scripts}{script('explorer.js', {**config, 'note': note})}</div>"
    )
