"""What the chapters display beyond plain figures: objects with two views, a live ipywidgets
view in a kernel and a self-contained HTML view in the static book (``bundle``), and the latent
explorers and the prior sampler built on it (``explorer``, ``sampler``). In the static book
both carry the trained decoder and run it in the page (``decoder``). Their JavaScript and CSS
live in ``static/`` as files.
"""

from .explorer import LatentExplorer
from .sampler import PriorSampler

__all__ = ["LatentExplorer", "PriorSampler"]
