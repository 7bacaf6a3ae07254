"""Draw a digit and watch the encoder: q(z|x), g(mu) and the two ELBO terms, in both views.

    pad = DrawPad(vae_2d, codes=mu_2d, labels=train.labels, examples=test.images[:8])
    pad                  # last expression of a cell: the pad and what the model makes of it
    pad.draw(image)      # from code: put an image (28, 28) on the pad (binarized at 0.5)
    pad.terms()          # what both views show for the pad now, computed with PyTorch

For a 2-D MLP VAE. What is shown for a drawing x (binary, 784 pixels): the encoder's mean mu
and standard deviations sigma, as a point and its 1- and 2-sigma ellipses over the training
codes; the reconstruction g(mu); ``n_samples`` decoded draws z = mu + sigma * eps from
q(z|x); and the two ELBO terms, ``log p(x | z = mu)`` (the Bernoulli log-likelihood of x under
g(mu): the reconstruction term estimated at the posterior mean, not averaged over samples)
and ``KL(q(z|x) || N(0, I))`` in closed form. In the static book the page carries the encoder
and decoder (``decoder.export_encoder`` / ``export_decoder``) and computes all of it itself at
every stroke; in a kernel the ipywidgets view computes it with PyTorch, for the inputs its
buttons choose or for what ``draw`` puts on the pad.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import torch

from ..distributions import bernoulli_log_likelihood, gaussian_kl
from .bundle import RERUN_NOTE, display_with_stand_in, dual_view_bundle
from .decoder import can_export, prior_noise
from .images import png_bytes, sprite

SIDE = 28
THRESHOLD = 0.5  # a pixel is ink when its grey value is at least this


def binarize(image: Any, name: str = "image") -> torch.Tensor:
    """A (28, 28), (784,) or (1, 28, 28) image in [0, 1] -> (784,) float {0, 1}: ink where the
    grey value is at least 0.5."""
    x = torch.as_tensor(np.asarray(image, dtype=np.float32)).reshape(-1)
    if x.numel() != SIDE * SIDE:
        raise ValueError(f"{name} must hold 28 x 28 = 784 pixels; got {x.numel()}")
    if not torch.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise ValueError(f"{name} must have values in [0, 1]")
    return (x >= THRESHOLD).float()


def _line(canvas: np.ndarray, r0: float, c0: float, r1: float, c1: float) -> None:
    """Ink a line of width about 2 pixels from (r0, c0) to (r1, c1), in place."""
    steps = int(max(abs(r1 - r0), abs(c1 - c0)) * 2) + 1
    for t in np.linspace(0, 1, steps + 1):
        r, c = round(r0 + t * (r1 - r0)), round(c0 + t * (c1 - c0))
        canvas[max(r, 0) : r + 2, max(c, 0) : c + 2] = 1


def scribble(seed: int, strokes: int = 12) -> torch.Tensor:
    """A random scribble, seeded: ``strokes`` straight segments joining random points of the
    central 20 x 20 square. (784,) float {0, 1}."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    points = np.random.default_rng(seed).uniform(4, 23, size=(strokes + 1, 2))
    canvas = np.zeros((SIDE, SIDE), dtype=np.float32)
    for (r0, c0), (r1, c1) in zip(points[:-1], points[1:], strict=True):
        _line(canvas, r0, c0, r1, c1)
    return torch.from_numpy(canvas.ravel())


def letter() -> torch.Tensor:
    """A capital A drawn with three strokes, the size of a digit. (784,) float {0, 1}."""
    canvas = np.zeros((SIDE, SIDE), dtype=np.float32)
    for segment in ((22, 7, 5, 13), (5, 13, 22, 19), (15, 10, 15, 16)):
        _line(canvas, *segment)
    return torch.from_numpy(canvas.ravel())


@torch.no_grad()
def pad_terms(model: torch.nn.Module, x: torch.Tensor, eps: torch.Tensor) -> dict:
    """What the pad shows for binary drawings x (n, 784), with posterior draws z = mu + sigma
    * eps for eps (k, d): mu, sigma (n, d); recon = g(mu) (n, 784); samples (n, k, 784);
    reconstruction = log p(x | z = mu) (n,) and kl = KL(q(z|x) || N(0, I)) (n,), in nats."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        images = x.reshape(-1, 1, SIDE, SIDE).to(device)
        mu, logvar = model.encode(images)
        logits = model.decode_raw(mu)
        sigma = torch.exp(0.5 * logvar)
        z = mu[:, None] + sigma[:, None] * eps.to(device)[None]  # (n, k, d)
        samples = model.decode(z.reshape(-1, mu.shape[1])).reshape(len(x), len(eps), -1)
        return {
            "mu": mu.cpu(),
            "sigma": sigma.cpu(),
            "recon": torch.sigmoid(logits).reshape(len(x), -1).cpu(),
            "samples": samples.cpu(),
            "reconstruction": bernoulli_log_likelihood(images, logits).cpu(),
            "kl": gaussian_kl(mu, logvar).cpu(),
        }
    finally:
        model.train(was_training)


class DrawPad:
    """A 28 x 28 drawing pad in front of a 2-D VAE's encoder.

    model: a models.VAE with latent_dim 2 and the MLP encoder and decoder. codes (N, 2): the
    training codes drawn behind the point (at most ``n_codes`` of them, a seeded subset);
    labels (N,): their classes, for colour. examples (K, 1, 28, 28): test digits for "start
    from a test digit". seed: the noise of the ``n_samples`` draws from q(z|x). bits: the
    width of the packed weights of the encoder's first layer and of the decoder.
    share_decoder: leave the decoder out of the static view and use the one that an earlier
    figure of the same page carries (``LatentExplorer.plane`` of the same model, packed with
    the same bits): half the bytes. Without that figure the static view says it is missing.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        codes: torch.Tensor,
        labels: torch.Tensor,
        examples: torch.Tensor,
        *,
        n_samples: int = 4,
        seed: int = 0,
        n_codes: int = 2000,
        bits: int = 12,
        share_decoder: bool = False,
        title: str = "Draw a digit: what the encoder makes of it",
    ) -> None:
        if not can_export(model) or model.latent_dim != 2:
            raise ValueError(
                "model must be a models.VAE with latent_dim=2 and the MLP encoder and decoder; "
                f"got {type(model).__name__}"
            )
        codes = torch.as_tensor(codes).detach().cpu().float()
        labels = torch.as_tensor(labels).detach().cpu().long()
        if codes.dim() != 2 or codes.shape[1] != 2 or len(codes) == 0:
            raise ValueError(f"codes must have shape (N, 2); got {tuple(codes.shape)}")
        if labels.shape != (len(codes),):
            raise ValueError(f"labels must have shape ({len(codes)},); got {tuple(labels.shape)}")
        for name, value in dict(n_samples=n_samples, n_codes=n_codes).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative int; got {seed!r}")
        if len(examples) == 0:
            raise ValueError("examples must hold at least one test digit; got none")
        self.model = model
        keep = torch.randperm(len(codes), generator=torch.Generator().manual_seed(0))[:n_codes]
        self.codes, self.labels = codes[keep.sort().values], labels[keep.sort().values]
        self.examples = torch.stack([binarize(e, "examples") for e in examples])
        self.n_samples, self.seed, self.title, self.bits = n_samples, seed, title, bits
        self.share_decoder = bool(share_decoder)
        self.pixels = torch.zeros(SIDE * SIDE)
        self._example = -1
        self._scribbles = 0
        self._widget: Any = None
        self._views: dict[str, Any] = {}

    # ----------------------------------------------------------------- computing
    def noise(self) -> torch.Tensor:
        """eps (n_samples, 2) of the draws z = mu + sigma * eps: the page's own numbers."""
        return torch.from_numpy(prior_noise(self.seed, self.n_samples, 2)).float()

    def terms(self, x: torch.Tensor | None = None) -> dict:
        """pad_terms for one drawing (the pad's, by default), each entry without the batch
        axis: mu, sigma (2,), recon (784,), samples (n_samples, 784), floats for the terms."""
        x = self.pixels if x is None else binarize(x, "x")
        out = pad_terms(self.model, x[None], self.noise())
        return {k: (float(v[0]) if k in ("reconstruction", "kl") else v[0]) for k, v in out.items()}

    def check_inputs(self) -> dict[str, torch.Tensor]:
        """The inputs whose PyTorch results the static page carries for the tests: three test
        digits, a blank pad, a scribble and a letter; each (784,) in {0, 1}."""
        inputs = {
            f"test digit {k + 1}": self.examples[k] for k in range(min(3, len(self.examples)))
        }
        inputs.update(blank=torch.zeros(SIDE * SIDE), scribble=scribble(1), letter=letter())
        return inputs

    def draw(self, image: Any) -> dict:
        """Put ``image`` (28 x 28 in [0, 1], binarized at 0.5) on the pad; returns terms()."""
        self.pixels = binarize(image)
        self._redraw()
        return self.terms()

    def clear(self) -> dict:
        return self.draw(np.zeros((SIDE, SIDE)))

    def next_example(self) -> dict:
        """Start from the next test digit (cycling through ``examples``)."""
        self._example = (self._example + 1) % len(self.examples)
        return self.draw(self.examples[self._example])

    def next_scribble(self) -> dict:
        """Put a new random scribble on the pad (seeds 1, 2, ... in turn)."""
        self._scribbles += 1
        return self.draw(scribble(self._scribbles))

    def readout(self, terms: dict | None = None) -> str:
        t = terms or self.terms()
        mu, sigma = t["mu"].tolist(), t["sigma"].tolist()
        elbo = t["reconstruction"] - t["kl"]
        return (
            f"μ = ({mu[0]:.2f}, {mu[1]:.2f}), σ = ({sigma[0]:.3f}, {sigma[1]:.3f}); "
            f"log p(x | z = μ) = {t['reconstruction']:.1f} nats, KL = {t['kl']:.2f} nats, "
            f"ELBO at z = μ: {elbo:.1f} nats"
        )

    # ----------------------------------------------------------------- live view
    def _figure(self, t: dict) -> Any:
        from .drawpad_html import plane_figure

        return plane_figure(self.codes, self.labels, t["mu"], t["sigma"], self.noise())

    @property
    def widget(self) -> Any:
        """The ipywidgets panel (built on first use): the pad, the plane, g(mu), the samples."""
        if self._widget is None:
            import ipywidgets as widgets

            v = self._views
            for name in ("pad", "plane", "recon", "samples"):
                v[name] = widgets.Image(format="png")
            v["label"] = widgets.Label()
            actions = {
                "Start from a test digit": self.next_example,
                "A scribble": self.next_scribble,
                "A letter": lambda: self.draw(letter()),
                "Clear": self.clear,
            }
            buttons = []
            for text, action in actions.items():
                button = widgets.Button(description=text, layout=widgets.Layout(width="auto"))
                button.on_click(lambda _, act=action: act())
                buttons.append(button)
            note = widgets.HTML(
                "<small>The kernel view computes with PyTorch; draw from code with "
                "<code>pad.draw(image)</code>. In the book the page lets you draw with the "
                "mouse, a pen or the keyboard.</small>"
            )
            self._widget = widgets.VBox(
                [
                    widgets.HTML(f"<strong>{html.escape(self.title)}</strong>"),
                    widgets.HBox([v["pad"], v["plane"], widgets.VBox([v["recon"], v["samples"]])]),
                    widgets.HBox(buttons),
                    v["label"],
                    note,
                ]
            )
            self._redraw()
        return self._widget

    def _redraw(self) -> None:
        if not self._views:
            return
        import io

        t = self.terms()
        v = self._views
        v["pad"].value = png_bytes(self.pixels.reshape(SIDE, SIDE).numpy(), 6)
        buffer = io.BytesIO()
        self._figure(t).savefig(buffer, format="png", dpi=72)
        v["plane"].value = buffer.getvalue()
        v["recon"].value = png_bytes(t["recon"].reshape(SIDE, SIDE).numpy(), 4)
        frames = t["samples"].reshape(-1, SIDE, SIDE).numpy()
        v["samples"].value = png_bytes(sprite(frames, len(frames)), 2)
        v["label"].value = self.readout(t)

    # ----------------------------------------------------------------- static view
    def to_html(self, dom_id: str | None = None) -> str:
        """The self-contained static figure: the page encodes and decodes at every stroke."""
        from .drawpad_html import drawpad_html

        return drawpad_html(self, dom_id)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<DrawPad {int(self.pixels.sum())} ink pixels: {self.readout()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return dual_view_bundle(repr(self), self.to_html(), self.widget, include, exclude)

    def _ipython_display_(self) -> None:
        display_with_stand_in(self._repr_mimebundle_(), RERUN_NOTE)
