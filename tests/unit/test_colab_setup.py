"""The one Colab setup cell (vae_course.colab), shared by the chapters and the handouts."""

from __future__ import annotations

import ast

import pytest

from vae_course import colab


@pytest.mark.parametrize("requirement", ["vae-course @ git+https://x/y@main", 'odd "name"'])
def test_setup_cell_is_a_titled_form_that_installs_the_requirement(requirement):
    source = colab.setup_source(requirement)
    assert source.splitlines()[0] == f"#@title {colab.SETUP_TITLE}"
    tree = ast.parse(source)
    assigned = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id == "REQUIREMENT"
    ]
    assert assigned == [requirement]


@pytest.mark.parametrize("bad", ["", "  ", "a\nimport os", None])
def test_a_requirement_that_would_break_the_cell_is_refused(bad):
    with pytest.raises(ValueError, match="requirement"):
        colab.setup_source(bad)
