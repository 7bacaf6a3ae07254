"""One object, two views: a live ipywidget in a kernel, self-contained HTML in the static book.

Quizzes and latent explorers return both from ``_repr_mimebundle_``: Jupyter and Colab render the
widget view, and the book (which has no kernel) ranks ``text/html`` first (see _config.yml).
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
from collections.abc import Container
from importlib import resources
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_mimebundle(widget: Any) -> dict[str, Any]:
    """The display bundle of an ipywidget, for ipywidgets 8 and 7.

    ipywidgets 8 widgets have ``_repr_mimebundle_`` (set to None once the widget is closed).
    ipywidgets 7 widgets only have ``_ipython_display_``, which publishes this same bundle
    itself; here it is built from ``model_id`` and the display callbacks are run as 7 does.
    """
    method = getattr(type(widget), "_repr_mimebundle_", None)
    if method is not None:
        if getattr(widget, "_repr_mimebundle_", None) is None:  # closed (ipywidgets 8)
            return {}
        return dict(widget._repr_mimebundle_() or {})
    if getattr(widget, "_view_name", None) is None or getattr(widget, "comm", None) is None:
        return {}
    bundle = {WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}}
    handle_displayed = getattr(widget, "_handle_displayed", None)
    if handle_displayed is not None:
        handle_displayed()
    return bundle


def dual_view_bundle(
    plain: str,
    html: str,
    widget: Any,
    include: Container[str] | None = None,
    exclude: Container[str] | None = None,
) -> dict[str, Any]:
    """``text/plain`` + ``text/html`` + the widget view (while the widget is open), filtered as
    IPython asks through ``include`` / ``exclude``."""
    bundle: dict[str, Any] = {"text/plain": plain, "text/html": html}
    view = widget_mimebundle(widget).get(WIDGET_VIEW)
    if view is not None:
        bundle[WIDGET_VIEW] = view
    if include:
        bundle = {k: v for k, v in bundle.items() if k in include}
    if exclude:
        bundle = {k: v for k, v in bundle.items() if k not in exclude}
    return bundle


FALLBACK_CLASS = "vaeq-fallback"


def fallback_html(view_html: str) -> str:
    """A small output that stands in for a dead widget: see static/fallback.js.

    It carries ``view_html`` (base64 in an attribute, so an untrusted notebook's sanitizer,
    which drops the script, shows nothing of it) and the script that puts it in at once,
    invisible, so that JupyterLab typesets its math as it renders this output, and shows it
    when the next output, the widget's, shows a widget error instead of a widget.
    """
    holder = f"vaeq-fb-{secrets.token_hex(6)}"
    encoded = base64.b64encode(view_html.encode("utf-8")).decode("ascii")
    script = resources.files(__package__).joinpath("static", "fallback.js").read_text("utf-8")
    return (
        f'<div class="{FALLBACK_CLASS}" id="{holder}" data-view="{encoded}"></div>'
        f"<script>{script}\nwindow.vaeCourseQuizFallback({json.dumps(holder)});</script>"
    )


def display_with_stand_in(bundle: dict[str, Any], stand_in_html: str) -> None:
    """Publish ``bundle`` after a stand-in output that shows ``stand_in_html`` in its place if
    the widget turns out dead (a reopened notebook: JupyterLab and classic Notebook never fall
    back from a missing widget model to text/html on their own). Colab renders each output in
    its own frame, where the stand-in can do nothing: there only the bundle is published."""
    from IPython.display import display

    if WIDGET_VIEW in bundle and "google.colab" not in sys.modules:
        display({"text/html": fallback_html(stand_in_html)}, raw=True)
    display(bundle, raw=True)


# What a reopened notebook's figure says. Not "run this cell again": in a fresh kernel the cell
# alone fails, since the model and the imports it uses come from the cells above it.
RERUN_NOTE = (
    "<p><strong>This figure needs its notebook's kernel</strong>, which has restarted since it "
    "was drawn (or the notebook was reopened). Run the notebook from the top: <em>Run → Run All "
    "Cells</em>, or, with this cell selected, <em>Run → Run All Above Selected Cell</em> and "
    "then this cell. This cell alone cannot: it uses the cells above it.</p>"
)
