"""Sphinx extension: the Colab launch button opens colab/NN_topic.ipynb, not book/NN_topic.ipynb.

sphinx-book-theme builds the Colab URL from the page's path in the repository
(``{colab_url}/github/{org}/{repo}/blob/{branch}/book/NN_topic.ipynb``). The notebooks written
for Jupyter and Colab (no MyST markup, solutions collapsed: scripts/make_colab.py) live in the
folder named by ``launch_buttons: colab_folder:`` in _config.yml, under the same file name. This
handler runs after the theme's (priority 501) and swaps the path in that one link, for the
chapters (file names NN_topic, the ones the script writes); other pages keep the theme's link.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

CHAPTER = re.compile(r"^\d\d_")


def _retarget_colab(app, pagename, templatename, context, doctree) -> None:
    launch = app.config.html_theme_options.get("launch_buttons", {}) or {}
    folder = str(launch.get("colab_folder", "")).strip("/")
    colab_url = str(launch.get("colab_url", "")).strip("/")
    if not folder or not colab_url:
        return
    name = PurePosixPath(pagename).name + ".ipynb"
    if not CHAPTER.match(name):
        return
    book_path = app.config.html_theme_options.get("path_to_docs", "").strip("/")
    old = "/".join(p for p in (book_path, pagename) if p) + ".ipynb"
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            url = button.get("url", "")
            if url.startswith(colab_url + "/") and url.endswith("/" + old):
                button["url"] = url[: -len(old)] + f"{folder}/{name}"


def setup(app):
    app.connect("html-page-context", _retarget_colab, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
