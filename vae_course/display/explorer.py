"""Latent explorers: sliders that pick a point of latent space and show the decoded image.

One object, two views. In a live kernel, ``LatentExplorer`` is an ipywidgets panel whose sliders
decode one image per move. In a static page (the built book, no kernel) it is a self-contained
HTML figure: the images at a grid of slider positions are decoded in advance into one PNG
sprite, and vanilla-JS ``<input type="range">`` sliders step through them (no CDN, usable with
the keyboard, an ``aria-live`` readout). ``_repr_mimebundle_`` returns both views; live
frontends draw the widget, the book ranks ``text/html`` first (``_config.yml``).

    explorer = LatentExplorer.plane(vae_2d)            # sliders z1, z2 of a 2-D model
    explorer = LatentExplorer.between(vae, z0, z1)     # slider t from z0 (t = 0) to z1 (t = 1)
    explorer                                           # last expression of a cell: displays it
    explorer.set(t=0.5)                                # move the live sliders from code
"""

from __future__ import annotations

import html
import itertools
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..latent import METHODS, interpolate
from .bundle import RERUN_NOTE, display_with_stand_in, dual_view_bundle
from .decoder import can_export, export_decoder
from .explorer_html import explorer_html
from .images import png_bytes

# Arrow-key presses from one end of a slider to the other: 50 moves z1 by 0.1 of [-2.5, 2.5]
# and t by 0.02 (at 500, the in-page step before, a press changed too little to see).
KEY_STEPS = 50


@dataclass(frozen=True)
class Axis:
    """One slider. ``values``: the positions of the static frames (increasing); the live slider
    moves between ``values[0]`` and ``values[-1]`` in steps of ``live_step``, which is also what
    one arrow key press moves it by (Page Up/Down: five steps), in both views."""

    name: str
    values: tuple[float, ...]
    start: float
    live_step: float

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"Axis name must be a non-empty string; got {self.name!r}")
        values = tuple(float(v) for v in self.values)
        if len(values) < 2 or any(b <= a for a, b in itertools.pairwise(values)):
            raise ValueError(
                f"Axis {self.name!r}: values must be >= 2 increasing numbers; got {self.values!r}"
            )
        if not values[0] <= self.start <= values[-1]:
            raise ValueError(
                f"Axis {self.name!r}: start must lie in [{values[0]}, {values[-1]}]; "
                f"got {self.start!r}"
            )
        if not self.live_step > 0:
            raise ValueError(f"Axis {self.name!r}: live_step must be > 0; got {self.live_step!r}")
        object.__setattr__(self, "values", values)

    @property
    def start_index(self) -> int:
        """The static frame nearest to ``start``."""
        return int(np.argmin([abs(v - self.start) for v in self.values]))


def _format_value(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def readout(names: Sequence[str], values: Sequence[float]) -> str:
    """The text both views show under the image, e.g. 'z1 = 0.25, z2 = -1.00'."""
    return ", ".join(f"{n} = {_format_value(v)}" for n, v in zip(names, values, strict=True))


def path_point(
    z0: torch.Tensor, z1: torch.Tensor, t: float, method: str = "slerp", eps: float = 1e-4
) -> torch.Tensor:
    """The point at fraction ``t`` of the way from z0 to z1 (each (d,)): (d,), on the same
    path as ``latent.lerp`` / ``latent.slerp`` (``latent.interpolate`` at one t)."""
    return interpolate(z0, z1, torch.tensor([float(t)]), method, eps)[0]


class LatentExplorer:
    """Sliders over latent coordinates (or a path position) and the image they decode to.

    decode: z (N, d) -> images (N, 1, H, W) in [0, 1] (e.g. ``model.decode``).
    point: one float per axis -> z (d,) (e.g. ``lambda z1, z2: torch.tensor([z1, z2])``).
    axes: the sliders. title: shown above the image. alt: what the image shows, for screen
    readers. scale: on-screen pixels per image pixel. references: optional small labelled
    images shown beside the main one (e.g. the two endpoints of a path), each (H, W) in [0, 1].
    in_page: what the static page needs to decode by itself, {"decoder": export_decoder(...),
    "path": {"kind": "plane"} or {"kind": "between", "z0", "z1", "method"}}; ``plane`` and
    ``between`` set it for a models.VAE with the MLP decoder. Without it the static view
    steps through frames decoded in advance.
    """

    def __init__(
        self,
        decode: Callable[[torch.Tensor], torch.Tensor],
        point: Callable[..., torch.Tensor],
        axes: Sequence[Axis],
        *,
        title: str,
        alt: str,
        scale: int = 5,
        references: Sequence[tuple[str, torch.Tensor]] = (),
        in_page: dict | None = None,
    ) -> None:
        if not callable(decode) or not callable(point):
            raise ValueError("decode and point must be callables (z -> images, values -> z)")
        if not axes or not all(isinstance(a, Axis) for a in axes):
            raise ValueError(f"axes must be a non-empty sequence of Axis; got {axes!r}")
        names = [a.name for a in axes]
        if len(set(names)) != len(names):
            raise ValueError(f"axes must have distinct names; got {names}")
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"scale must be a positive int; got {scale!r}")
        self.decode_fn = decode
        self.point = point
        self.axes = tuple(axes)
        self.title = title
        self.alt = alt
        self.scale = scale
        self.references = tuple((label, self._as_image(img, label)) for label, img in references)
        self.in_page = in_page
        self._values = [a.start for a in self.axes]
        self._widget: Any = None
        self._image_widget: Any = None
        self._readout_widget: Any = None
        self._sliders: list[Any] = []
        self._holding = False

    # ----------------------------------------------------------------- constructors
    @classmethod
    def plane(
        cls,
        model: torch.nn.Module,
        *,
        limit: float = 2.5,
        steps: int = 21,
        title: str = "Decoded point of the 2-D latent space",
        scale: int = 5,
    ) -> LatentExplorer:
        """Sliders z1 and z2 over [-limit, limit] for a model with ``latent_dim == 2``; the static
        view has ``steps`` positions per slider (steps**2 frames)."""
        if getattr(model, "latent_dim", None) != 2:
            raise ValueError(
                f"model: plane() needs latent_dim == 2; got {getattr(model, 'latent_dim', None)}"
            )
        if not limit > 0:
            raise ValueError(f"limit must be > 0; got {limit!r}")
        _check_steps(steps)
        values = tuple(np.linspace(-limit, limit, steps).tolist())
        axes = [Axis(n, values, 0.0, live_step=2 * limit / KEY_STEPS) for n in ("z1", "z2")]
        return cls(
            _model_decoder(model),
            lambda z1, z2: torch.tensor([z1, z2], dtype=torch.float32),
            axes,
            title=title,
            alt="A digit decoded from the latent point chosen with the sliders z1 and z2",
            scale=scale,
            in_page=_in_page(model, {"kind": "plane"}),
        )

    @classmethod
    def between(
        cls,
        model: torch.nn.Module,
        z0: torch.Tensor,
        z1: torch.Tensor,
        *,
        method: str = "slerp",
        steps: int = 21,
        title: str | None = None,
        labels: tuple[str, str] = ("start (t = 0)", "end (t = 1)"),
        scale: int = 5,
    ) -> LatentExplorer:
        """A slider t in [0, 1] along the lerp or slerp path from z0 to z1 (each (d,)); the
        static view has ``steps`` positions, the same as ``latent.lerp/slerp(z0, z1, steps)``."""
        if method not in METHODS:
            raise ValueError(f"method must be 'lerp' or 'slerp'; got {method!r}")
        _check_steps(steps)
        z0, z1 = z0.detach().cpu().float(), z1.detach().cpu().float()
        interpolate(z0, z1, torch.tensor([0.5]), method)  # the library's checks
        if z0.shape[0] != getattr(model, "latent_dim", None):
            raise ValueError(
                f"z0 and z1 must have the model's latent_dim "
                f"{getattr(model, 'latent_dim', None)} entries; got {z0.shape[0]}"
            )
        decode = _model_decoder(model)
        values = tuple(np.linspace(0.0, 1.0, steps).tolist())
        ends = decode(torch.stack([z0, z1]))
        return cls(
            decode,
            lambda t: path_point(z0, z1, t, method),
            [Axis("t", values, 0.5, live_step=1 / KEY_STEPS)],
            title=title or f"Decoded point along the {method} path",
            alt=f"A digit decoded from the point at position t of the {method} path",
            scale=scale,
            references=[(labels[0], ends[0, 0]), (labels[1], ends[1, 0])],
            in_page=_in_page(
                model, {"kind": "between", "z0": z0.tolist(), "z1": z1.tolist(), "method": method}
            ),
        )

    # ----------------------------------------------------------------- computing images
    def _as_image(self, image: torch.Tensor, what: str) -> np.ndarray:
        array = image.detach().cpu().float().numpy() if isinstance(image, torch.Tensor) else image
        array = np.asarray(array, dtype=np.float32)
        if array.ndim != 2:
            raise ValueError(f"{what}: expected one (H, W) image; got shape {array.shape}")
        return array

    @torch.no_grad()
    def _decode(self, points: torch.Tensor) -> torch.Tensor:
        images = self.decode_fn(points)
        if not isinstance(images, torch.Tensor) or images.dim() != 4 or images.shape[1] != 1:
            shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images)
            raise ValueError(f"decode must return images (N, 1, H, W); got {shape}")
        if len(images) != len(points):
            raise ValueError(f"decode returned {len(images)} images for {len(points)} points")
        low, high = float(images.min()), float(images.max())
        if low < 0 or high > 1:
            raise ValueError(f"decode must return values in [0, 1]; got [{low:.3g}, {high:.3g}]")
        return images.detach().cpu().float()

    def latent(self, *values: float) -> torch.Tensor:
        """The latent point (d,) at these slider values (one per axis)."""
        if len(values) != len(self.axes):
            names = [a.name for a in self.axes]
            raise ValueError(f"expected one value per axis {names}; got {len(values)}")
        z = self.point(*[float(v) for v in values])
        if not isinstance(z, torch.Tensor) or z.dim() != 1:
            raise ValueError(f"point must return a latent vector (d,); got {z!r}")
        return z

    def image(self, *values: float) -> torch.Tensor:
        """The decoded image (H, W) in [0, 1] at these slider values (one per axis)."""
        return self._decode(self.latent(*values)[None])[0, 0]

    def positions(self) -> list[tuple[float, ...]]:
        """Slider values of the static frames, row-major (the last axis changes fastest)."""
        return list(itertools.product(*(a.values for a in self.axes)))

    def frames(self) -> torch.Tensor:
        """The static frames (F, H, W) in [0, 1], in the order of ``positions()``."""
        points = torch.stack([self.latent(*p) for p in self.positions()])
        return torch.cat([self._decode(chunk) for chunk in points.split(1024)])[:, 0]

    # ----------------------------------------------------------------- live view
    @property
    def values(self) -> dict[str, float]:
        """The live sliders' current values, by axis name."""
        return {a.name: v for a, v in zip(self.axes, self._values, strict=True)}

    @property
    def widget(self) -> Any:
        """The ipywidgets panel (built on first use)."""
        if self._widget is None:
            self._build_widget()
        return self._widget

    def _build_widget(self) -> None:
        import ipywidgets as widgets

        self._sliders = []
        for axis, value in zip(self.axes, self._values, strict=True):
            slider = widgets.FloatSlider(
                value=value,
                min=axis.values[0],
                max=axis.values[-1],
                step=axis.live_step,
                description=axis.name,
                continuous_update=True,
                readout_format=".2f",
            )
            slider.observe(self._on_slider, names="value")
            self._sliders.append(slider)
        self._image_widget = widgets.Image(format="png")
        self._readout_widget = widgets.Label()
        row = []
        for label, image in self.references:
            h, w = image.shape
            thumb = widgets.Image(
                value=png_bytes(image, 2),
                format="png",
                layout=widgets.Layout(width=f"{2 * w}px", height=f"{2 * h}px"),
            )
            row.append(widgets.VBox([thumb, widgets.Label(label)]))
        row.insert(len(row) // 2, self._image_widget)
        self._widget = widgets.VBox(
            [
                widgets.HTML(f"<strong>{html.escape(self.title)}</strong>"),
                widgets.HBox(row),
                *self._sliders,
                self._readout_widget,
            ]
        )
        self._redraw()

    def _on_slider(self, change: dict) -> None:
        self._values = [float(s.value) for s in self._sliders]
        if not self._holding:
            self._redraw()

    def _redraw(self) -> torch.Tensor:
        image = self.image(*self._values)
        if self._image_widget is not None:
            h, w = image.shape  # shown at its own size, never stretched (see PriorSampler)
            layout = self._image_widget.layout
            layout.width, layout.height = f"{w * self.scale}px", f"{h * self.scale}px"
            self._image_widget.value = png_bytes(image.numpy(), self.scale)
            self._readout_widget.value = readout([a.name for a in self.axes], self._values)
        return image

    def set(self, **values: float) -> torch.Tensor:
        """Move sliders by name (e.g. ``set(z1=0.5, z2=-1)``), redraw once, return the image
        (H, W) now shown. Values outside a slider's range are clipped to it, as a slider does."""
        names = [a.name for a in self.axes]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"unknown slider(s) {unknown}; this explorer has {names}")
        new = []
        for axis, current in zip(self.axes, self._values, strict=True):
            v = float(values.get(axis.name, current))
            if not math.isfinite(v):
                raise ValueError(f"{axis.name} must be a finite number; got {v!r}")
            new.append(min(max(v, axis.values[0]), axis.values[-1]))
        self._values = new
        if self._widget is not None:
            self._holding = True
            try:
                for slider, v in zip(self._sliders, new, strict=True):
                    slider.value = v
            finally:
                self._holding = False
            self._values = [float(s.value) for s in self._sliders]
        return self._redraw()

    # ----------------------------------------------------------------- static view
    def to_html(self, dom_id: str | None = None) -> str:
        """The self-contained static figure. ``dom_id``: the root element's id (default: a new
        unique id on every call, so two renderings on one page never share ids). With an
        in-page decoder the page decodes every slider position itself; otherwise the sliders
        step through frames decoded now."""
        return explorer_html(self, dom_id or f"vae-explorer-{uuid.uuid4().hex[:12]}")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return (
            f"<LatentExplorer {self.title!r}: {readout([a.name for a in self.axes], self._values)}>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return dual_view_bundle(repr(self), self.to_html(), self.widget, include, exclude)

    def _ipython_display_(self) -> None:
        """Both views, after a stand-in that replaces a dead widget (a reopened notebook)
        with a one-line note instead of the front end's "model not found" error."""
        display_with_stand_in(self._repr_mimebundle_(), RERUN_NOTE)


def _check_steps(steps: int) -> None:
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"steps must be an int >= 2; got {steps!r}")


def _model_decoder(model: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """z (N, d) on the CPU -> model.decode(z) (N, 1, H, W) on the CPU, in eval mode."""
    if not hasattr(model, "decode"):
        raise ValueError(f"model must have a decode(z) method; got {type(model).__name__}")
    if getattr(model, "conditional", False):
        raise ValueError("model: a ConditionalVAE needs a label; wrap its decode in a callable")
    device = next(model.parameters()).device

    @torch.no_grad()
    def decode(z: torch.Tensor) -> torch.Tensor:
        was_training = model.training
        model.eval()
        try:
            return model.decode(z.to(device)).cpu()
        finally:
            model.train(was_training)

    return decode


def _in_page(model: torch.nn.Module, path: dict) -> dict | None:
    return {"decoder": export_decoder(model), "path": path} if can_export(model) else None
