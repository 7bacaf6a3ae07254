"""What the chapters display beyond plain figures: objects with two views, a live ipywidgets
view in a kernel and a self-contained HTML view in the static book (``bundle``), and the latent
explorers built on it (``explorer``). Their JavaScript and CSS live in ``static/`` as files.
"""

from .explorer import LatentExplorer

__all__ = ["LatentExplorer"]
