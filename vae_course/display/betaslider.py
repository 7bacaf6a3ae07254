"""A slider over the β of a β-VAE sweep: the point on the rate–distortion plane, samples and
reconstructions of the model trained at that β, in a kernel and in the static book.

    slider = BetaSlider(models_by_beta, rates, distortions, examples=test.images[:8])
    slider               # last expression of a cell: the slider and what it shows
    slider.select(4.0)   # from code: move to β = 4; returns (samples, reconstructions)

Every model's decoder travels in the static page, so that the page decodes the same prior
draws z and the test digits' posterior means with whichever model the slider picks. Seven
full-size decoders (16 -> 400 -> 784) would take about 4.5 MB at 12 bits, so each is cut
down before it is packed: the output layer W (784 x H) is replaced by a rank-r factorization
P (P^T W), where the r columns of P are the principal directions of W h over the codes the
figure decodes and a seeded set of prior draws (the logits the page needs, not W as a matrix),
and every weight is stored with 8 bits and a scale per row. ``fidelity()`` measures what that
costs, in pixels, against the full PyTorch decoder.
"""

from __future__ import annotations

import base64
import html
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .bundle import RERUN_NOTE, display_with_stand_in, dual_view_bundle
from .decoder import can_export, pack_matrix, prior_noise, spec_key, unpack_matrix
from .explorer_html import asset, script
from .images import data_uri, png_bytes, sprite

RANK = 48  # principal directions kept of each decoder's output layer
BITS = 8
N_FIT = 1000  # prior draws the directions are fitted on, with the figure's own codes


def _eval(model: torch.nn.Module) -> tuple[torch.device, bool]:
    was_training = model.training
    model.eval()
    return next(model.parameters()).device, was_training


@torch.no_grad()
def low_rank_layers(
    model: torch.nn.Module, rank: int, fit_z: torch.Tensor
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The decoder as three affine maps (weight, bias), float64: ReLU(fc z), then A h with
    A = P^T W (rank x H), then P t + c (784 x rank), c = b + m - P P^T m, where m is the mean
    of W h over fit_z (n, d) and P holds the top ``rank`` principal directions of W h there."""
    device, was_training = _eval(model)
    fc, out = model.decoder.fc, model.decoder.out
    if not 1 <= rank <= fc.out_features:
        raise ValueError(f"rank must lie in [1, {fc.out_features}] (the hidden width); got {rank}")
    h = torch.relu(fc(fit_z.to(device))).cpu().double()  # (n, H)
    model.train(was_training)
    w, b = (t.detach().cpu().double() for t in (out.weight, out.bias))  # (784, H), (784,)
    m = h.mean(0) @ w.T  # (784,): the mean of W h
    # The scatter of W h is W (hc^T hc) W^T with hc = h - mean; hc = QR gives hc^T hc = R^T R,
    # so its principal directions are the left singular vectors of W R^T (784 x H).
    r = torch.linalg.qr(h - h.mean(0), mode="r").R
    p = torch.linalg.svd(w @ r.T, full_matrices=False).U[:, :rank]  # (784, rank)
    c = b + m - p @ (p.T @ m)
    first = (fc.weight.detach().cpu().double(), fc.bias.detach().cpu().double())
    layers = [first, (p.T @ w, torch.zeros(rank, dtype=torch.float64)), (p, c)]
    return [(weight.numpy(), bias.numpy()) for weight, bias in layers]


def _f32(values: np.ndarray) -> str:
    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def decode_packed(spec: dict, z: np.ndarray) -> np.ndarray:
    """What the page computes for z (n, d) from a packed decoder: pixels (n, 784)."""
    y = np.asarray(z, dtype=np.float64)
    for i, packed in enumerate(spec["layers"]):
        weight, bias = unpack_matrix(packed)
        y = y @ weight.T + bias
        y = np.maximum(y, 0) if i == 0 else y
    return 1 / (1 + np.exp(-y))


class BetaSlider:
    """One model per β (``models``: {β: models.VAE}, MLP decoders, one latent size), their
    test rates and distortions in nats (in the order of sorted β), and test digits
    ``examples`` (K, 1, 28, 28) whose reconstructions are shown; ``n_samples`` prior draws
    from ``seed`` are decoded by every model."""

    def __init__(
        self,
        models: dict[float, torch.nn.Module],
        rates: Sequence[float],
        distortions: Sequence[float],
        examples: torch.Tensor,
        *,
        n_samples: int = 8,
        seed: int = 0,
        rank: int = RANK,
        bits: int = BITS,
        title: str = "Move β: the rate–distortion point, samples and reconstructions",
    ) -> None:
        if not models or not all(can_export(m) for m in models.values()):
            raise ValueError("models must map each β to a models.VAE with the MLP decoder")
        self.betas = sorted(float(b) for b in models)
        self.models = [models[b] for b in sorted(models)]
        dims = {m.latent_dim for m in self.models}
        if len(dims) != 1:
            raise ValueError(f"models must share one latent_dim; got {sorted(dims)}")
        for name, values in dict(rates=rates, distortions=distortions).items():
            if len(values) != len(self.betas):
                raise ValueError(
                    f"{name} must hold one value per β ({len(self.betas)}); got {len(values)}"
                )
        if not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int; got {n_samples!r}")
        if not isinstance(rank, int) or not 1 <= rank <= 784:
            raise ValueError(f"rank must be an int in [1, 784]; got {rank!r}")
        self.d = dims.pop()
        self.rates, self.distortions = [float(r) for r in rates], [float(v) for v in distortions]
        self.examples = torch.as_tensor(examples).detach().cpu().float()
        self.n_samples, self.seed, self.rank, self.bits, self.title = (
            n_samples,
            seed,
            rank,
            bits,
            title,
        )
        self.index = self.betas.index(1.0) if 1.0 in self.betas else len(self.betas) // 2
        self._widget: Any = None
        self._views: dict[str, Any] = {}

    # ----------------------------------------------------------------- computing
    @property
    def beta(self) -> float:
        return self.betas[self.index]

    def noise(self) -> torch.Tensor:
        """The prior draws every model decodes: (n_samples, d), the page's own numbers."""
        return torch.from_numpy(prior_noise(self.seed, self.n_samples, self.d)).float()

    @torch.no_grad()
    def codes(self, index: int) -> torch.Tensor:
        """Posterior means of the examples under model ``index``: (K, d) on the CPU."""
        model = self.models[index]
        device, was_training = _eval(model)
        mu = model.encode(self.examples.to(device))[0].cpu()
        model.train(was_training)
        return mu

    @torch.no_grad()
    def images(self, index: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(samples (n_samples, 28, 28), reconstructions (K, 28, 28)) of model ``index``
        (the selected one by default), decoded by PyTorch."""
        i = self.index if index is None else index
        model = self.models[i]
        device, was_training = _eval(model)
        z = torch.cat([self.noise(), self.codes(i)]).to(device)
        out = model.decode(z).cpu()[:, 0]
        model.train(was_training)
        return out[: self.n_samples], out[self.n_samples :]

    def fit_z(self, index: int) -> torch.Tensor:
        extra = torch.from_numpy(prior_noise(self.seed + 1, N_FIT, self.d)).float()
        return torch.cat([self.noise(), self.codes(index), extra])

    def export(self, index: int) -> dict:
        """Model ``index``'s decoder, low-rank and packed, with its key."""
        layers = low_rank_layers(self.models[index], self.rank, self.fit_z(index))
        packed = [pack_matrix(w, b, self.bits) for w, b in layers]
        return {"d": self.d, "side": 28, "key": spec_key(packed), "layers": packed}

    def fidelity(self) -> dict[str, float]:
        """Largest and mean |page - PyTorch| over every model's samples and reconstructions."""
        diffs = []
        for i in range(len(self.models)):
            z = torch.cat([self.noise(), self.codes(i)]).numpy()
            page = decode_packed(self.export(i), z)
            torch_pixels = torch.cat(self.images(i)).reshape(len(z), -1).numpy()
            diffs.append(np.abs(page - torch_pixels))
        every = np.concatenate(diffs)
        return {"max": float(every.max()), "mean": float(every.mean())}

    def select(self, beta: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Move to ``beta`` (one of ``betas``); returns images()."""
        if float(beta) not in self.betas:
            raise ValueError(f"beta must be one of {self.betas}; got {beta!r}")
        self.index = self.betas.index(float(beta))
        self._redraw()
        return self.images()

    def readout(self, index: int | None = None) -> str:
        i = self.index if index is None else index
        return (
            f"β = {self.betas[i]:g}: rate R = {self.rates[i]:.2f} nats, "
            f"distortion Δ = {self.distortions[i]:.1f} nats"
        )

    # ----------------------------------------------------------------- live view
    @property
    def widget(self) -> Any:
        if self._widget is None:
            import ipywidgets as widgets

            v = self._views
            v["plot"], v["images"], v["label"] = (
                widgets.Image(format="png"),
                widgets.Image(format="png"),
                widgets.Label(),
            )
            slider = widgets.SelectionSlider(
                options=[(f"{b:g}", b) for b in self.betas], value=self.beta, description="β"
            )
            slider.observe(lambda change: self.select(change["new"]), names="value")
            self._widget = widgets.VBox(
                [
                    widgets.HTML(f"<strong>{html.escape(self.title)}</strong>"),
                    slider,
                    widgets.HBox([v["plot"], v["images"]]),
                    v["label"],
                ]
            )
            self._redraw()
        return self._widget

    def _redraw(self) -> None:
        if not self._views:
            return
        import io

        from matplotlib.figure import Figure

        fig = Figure(figsize=(3.4, 2.6), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(self.rates, self.distortions, "o-", color="0.6")
        ax.plot([self.rates[self.index]], [self.distortions[self.index]], "o", color="#d00000")
        ax.set(xlabel="rate R (nats)", ylabel="distortion Δ (nats)")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=72)
        self._views["plot"].value = buffer.getvalue()
        samples, recons = self.images()
        grid = torch.cat([samples, self.examples[:, 0], recons]).numpy()
        self._views["images"].value = png_bytes(sprite(grid, self.n_samples), 2)
        self._views["label"].value = self.readout()

    # ----------------------------------------------------------------- static view
    def to_html(self, dom_id: str | None = None) -> str:
        uid = dom_id or f"vae-beta-{uuid.uuid4().hex[:12]}"
        e = html.escape
        n, k = self.n_samples, len(self.examples)
        check_z = self.noise()[:2].numpy()
        config = {
            "id": uid,
            "betas": self.betas,
            "rates": self.rates,
            "distortions": self.distortions,
            "decoders": [self.export(i) for i in range(len(self.models))],
            "codes": [
                np.round(self.codes(i).numpy().astype(np.float64), 5).tolist()
                for i in range(len(self.models))
            ],
            "seed": self.seed,
            "samples": n,
            "d": self.d,
            "check": {"z": check_z.tolist()},
        }
        config["check"]["pixels"] = [  # float32, base64: (2 * 784,) per model
            _f32(decode_packed(spec, check_z)) for spec in config["decoders"]
        ]
        width = max(n, k) * 58
        originals = png_bytes(sprite(self.examples[:, 0].numpy(), k), 2)
        body = (
            f'<div class="vae-beta-controls"><label for="{uid}-beta">β</label>'
            f'<input type="range" id="{uid}-beta" min="0" max="{len(self.betas) - 1}" step="1" '
            f'value="{self.index}" aria-valuetext="β = {self.beta:g}">'
            f'<output id="{uid}-readout" aria-live="polite">{e(self.readout())}</output></div>'
            f'<div class="vae-beta-row"><canvas id="{uid}-plot" width="300" height="220" '
            f'role="img" aria-label="Rate against distortion of the {len(self.betas)} models, '
            f'the selected one in red"></canvas><div>'
            f'<p class="vae-beta-caption">{n} prior draws, decoded</p>'
            f'<canvas id="{uid}-samples" width="{width}" height="58" role="img" '
            f'aria-label="{n} samples of the selected model"></canvas>'
            f'<p class="vae-beta-caption">test digits and their reconstructions</p>'
            f'<img src="{data_uri(originals)}" width="{k * 56}" height="56" '
            f'alt="{k} test digits">'
            f'<canvas id="{uid}-recons" width="{width}" height="58" role="img" '
            f'aria-label="their reconstructions by the selected model"></canvas></div></div>'
            f'<p class="vae-beta-note" id="{uid}-note">Run this cell to move β: this view needs '
            "its script, which has not run.</p>"
        )
        return (
            f'<div class="vae-beta" id="{uid}">'
            f"<style>{asset('betaslider.css').replace('ROOT', '#' + uid)}</style>"
            f'<p class="vae-beta-title">{e(self.title)}</p>{body}'
            f"{script('decoder.js')}{script('betaslider.js', config)}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<BetaSlider {len(self.betas)} models: {self.readout()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return dual_view_bundle(repr(self), self.to_html(), self.widget, include, exclude)

    def _ipython_display_(self) -> None:
        display_with_stand_in(self._repr_mimebundle_(), RERUN_NOTE)
