"""What the chapters display beyond plain figures: objects with two views, a live ipywidgets
view in a kernel and a self-contained HTML view in the static book (``bundle``), and the latent
explorers, the prior sampler and the drawing pad built on it (``explorer``, ``sampler``,
``drawpad``). In the static book they carry the trained decoder (the pad also the encoder) and
run it in the page (``decoder``). Their JavaScript and CSS
live in ``static/`` as files.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BetaSlider", "DrawPad", "LatentExplorer", "PriorSampler"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the quiz needs only ``bundle``, and should not load torch.
    if name == "LatentExplorer":
        from .explorer import LatentExplorer

        return LatentExplorer
    if name == "BetaSlider":
        from .betaslider import BetaSlider

        return BetaSlider
    if name == "DrawPad":
        from .drawpad import DrawPad

        return DrawPad
    if name == "PriorSampler":
        from .sampler import PriorSampler

        return PriorSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
