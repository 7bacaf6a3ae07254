"""Generation, in a kernel and in the static book: draw z ~ N(0, tau^2 I), decode, show a grid.

    sampler = PriorSampler(vae, rows=4, columns=4, seed=0)
    sampler              # last expression of a cell: a Sample button and a temperature slider
    sampler.sample()     # the next seed, from code; returns the new images (n, 28, 28)

One object, two views. In a kernel the ipywidgets view decodes with PyTorch. In the built book
the page carries the decoder (``decoder.export_decoder``) and decodes with JavaScript, so a
reader without a kernel can generate as many digits as they like. Both views draw the noise
from the same seeded generator (``decoder.prior_noise``): the same seed shows the same digits.
"""

from __future__ import annotations

import html
import uuid
from typing import Any

import torch

from .bundle import RERUN_NOTE, display_with_stand_in, dual_view_bundle
from .decoder import can_export, export_decoder, prior_noise
from .explorer_html import asset, script
from .images import data_uri, png_bytes, sprite

TEMPERATURES = (0.1, 2.0, 0.05)  # slider min, max, step


class PriorSampler:
    """A grid of ``rows * columns`` digits decoded from z = tau * eps, eps ~ N(0, I).

    model: a models.VAE (its static view decodes in the page when its decoder is the MLP).
    seed: the first seed; every Sample press moves to the next one. temperature: tau.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        *,
        rows: int = 4,
        columns: int = 4,
        seed: int = 0,
        temperature: float = 1.0,
        title: str = "New digits from the prior: z ~ N(0, τ²I), decoded",
        scale: int = 2,
    ) -> None:
        for name, value in dict(rows=rows, columns=columns, scale=scale).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative int; got {seed!r}")
        low, high, _ = TEMPERATURES
        if not low <= temperature <= high:
            raise ValueError(f"temperature must lie in [{low}, {high}]; got {temperature!r}")
        if not hasattr(model, "decode") or not hasattr(model, "latent_dim"):
            raise ValueError(f"model must be a VAE with decode and latent_dim; got {model!r:.60}")
        self.model = model
        self.rows, self.columns, self.scale = rows, columns, scale
        self.seed, self.temperature = seed, float(temperature)
        self.title = title
        self._widget: Any = None
        self._image: Any = None
        self._label: Any = None
        self._slider: Any = None

    # ----------------------------------------------------------------- computing
    def latents(self) -> torch.Tensor:
        """z for the current seed and temperature: (rows * columns, latent_dim)."""
        n, d = self.rows * self.columns, self.model.latent_dim
        return self.temperature * torch.from_numpy(prior_noise(self.seed, n, d)).float()

    @torch.no_grad()
    def images(self) -> torch.Tensor:
        """The decoded grid (rows * columns, H, W) in [0, 1]."""
        device = next(self.model.parameters()).device
        was_training = self.model.training
        self.model.eval()
        try:
            return self.model.decode(self.latents().to(device)).cpu()[:, 0]
        finally:
            self.model.train(was_training)

    def sample(self) -> torch.Tensor:
        """Move to the next seed and redraw: the new images (rows * columns, H, W)."""
        self.seed += 1
        return self._redraw()

    def readout(self) -> str:
        first = ", ".join(f"{v:.2f}" for v in self.latents()[0, :3].tolist())
        more = ", ..." if self.model.latent_dim > 3 else ""
        return (
            f"seed {self.seed}, temperature τ = {self.temperature:.2f}; "
            f"first digit's z = ({first}{more})"
        )

    # ----------------------------------------------------------------- live view
    @property
    def widget(self) -> Any:
        """The ipywidgets panel (built on first use)."""
        if self._widget is None:
            import ipywidgets as widgets

            # At its own size: in a VBox an image is stretched to the output's width
            # (964 px for a 224 px grid in a 1400 px window), which pushed the Sample button
            # and the slider below the fold.
            side = getattr(self.model, "side", 28)
            self._image = widgets.Image(
                format="png",
                layout=widgets.Layout(
                    width=f"{self.columns * side * self.scale}px",
                    height=f"{self.rows * side * self.scale}px",
                    object_fit="contain",
                ),
            )
            self._label = widgets.Label()
            button = widgets.Button(description="Sample", layout=widgets.Layout(width="auto"))
            button.on_click(lambda _: self.sample())
            low, high, step = TEMPERATURES
            self._slider = widgets.FloatSlider(
                value=self.temperature, min=low, max=high, step=step, description="τ"
            )
            self._slider.observe(self._on_temperature, names="value")
            self._widget = widgets.VBox(
                [
                    widgets.HTML(f"<strong>{html.escape(self.title)}</strong>"),
                    self._image,
                    widgets.HBox([button, self._slider]),
                    self._label,
                ]
            )
            self._redraw()
        return self._widget

    def _on_temperature(self, change: dict) -> None:
        self.temperature = float(change["new"])
        self._redraw()

    def _redraw(self) -> torch.Tensor:
        images = self.images()
        if self._image is not None:
            grid = sprite(images.numpy(), self.columns)
            self._image.value = png_bytes(grid, self.scale)
            self._label.value = self.readout()
        return images

    # ----------------------------------------------------------------- static view
    def to_html(self, dom_id: str | None = None) -> str:
        """The self-contained static figure (decodes in the page when it can)."""
        uid = dom_id or f"vae-sampler-{uuid.uuid4().hex[:12]}"
        e = html.escape
        side = getattr(self.model, "side", 28)
        width = self.columns * (side * self.scale + 2)
        height = self.rows * (side * self.scale + 2)
        alt = f"{self.rows * self.columns} digits decoded from samples of the prior"
        if can_export(self.model):
            low, high, step = TEMPERATURES
            config = {
                "id": uid,
                "decoder": export_decoder(self.model),
                "rows": self.rows,
                "columns": self.columns,
                "seed": self.seed,
                "scale": self.scale,
            }
            body = (
                f'<canvas id="{uid}-canvas" width="{width}" height="{height}" role="img" '
                f'aria-label="{e(alt)}"></canvas>'
                f'<div class="vae-sampler-controls"><button type="button" id="{uid}-sample">'
                "Sample</button>"
                f'<label for="{uid}-tau">temperature &tau;</label>'
                f'<input type="range" id="{uid}-tau" min="{low}" max="{high}" step="{step}" '
                f'value="{self.temperature}"></div>'
                f'<output id="{uid}-readout" class="vae-sampler-readout" aria-live="polite">'
                f"{e(self.readout())}</output>"
                f'<p class="vae-sampler-note" id="{uid}-note">Run the notebook from the top to '
                "sample: this view needs its script, which has not run.</p>"
                f"{script('decoder.js')}{script('sampler.js', config)}"
            )
        else:
            grid = sprite(self.images().numpy(), self.columns)
            body = (
                f'<img src="{data_uri(png_bytes(grid, self.scale))}" alt="{e(alt)}">'
                f'<p class="vae-sampler-note">{e(self.readout())}. Run the notebook to sample '
                "more.</p>"
            )
        return (
            f'<div class="vae-sampler" id="{uid}">'
            f"<style>{asset('sampler.css').replace('ROOT', '#' + uid)}</style>"
            f'<p class="vae-sampler-title">{e(self.title)}</p>{body}</div>'
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<PriorSampler {self.rows}x{self.columns}: {self.readout()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return dual_view_bundle(repr(self), self.to_html(), self.widget, include, exclude)

    def _ipython_display_(self) -> None:
        """Both views, after a stand-in that replaces a dead widget (a reopened notebook)
        with a one-line note instead of the front end's "model not found" error."""
        display_with_stand_in(self._repr_mimebundle_(), RERUN_NOTE)
