"""One object, two views: a live ipywidget in a kernel, self-contained HTML in the static book.

Quizzes and latent explorers return both from ``_repr_mimebundle_``: Jupyter and Colab render the
widget view, and the book (which has no kernel) ranks ``text/html`` first (see _config.yml).
"""

from __future__ import annotations

from collections.abc import Container
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
