"""Sphinx extension: drop repeated inline scripts from every page.

sphinx-thebe (pulled in by Jupyter Book 1.x) registers its inline configuration script each time
the environment reads documents, so a page can carry `const THEBE_JS_URL = ...` twice, and the
second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in the reader's
console. Identical script entries are kept once, in their first position.
"""

from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        # Inline scripts come as filename None or '' depending on who added them.
        filename = str(getattr(script, "filename", script) or "")
        attributes = getattr(script, "attributes", {}) or {}
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    # In place: extensions that run later (sphinx.ext.mathjax) add to this same list.
    scripts[:] = kept


def setup(app):
    # Late, after every extension has added its scripts for the page.
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
