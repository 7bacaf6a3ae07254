"""The student's static HTML page of an assignment: read, answer, download a responses file.

The page holds no answers in any form (no correct flags, no hashes, no obfuscated payload):
there is nothing to check against, so nothing to decode. Its script only records what the
student chose and offers the course's responses file (:mod:`vae_course.quiz.responses`) as a
download, with ``correct`` false and ``points`` 0 as placeholders (see
:mod:`vae_course.quiz.handout_widget`), and the student's identity token.
Styling comes from the course quiz's CSS; math is left as ``\\( \\)`` TeX for MathJax, which
the page loads only when ``mathjax`` (a URL or relative path) is given.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from vae_course.quiz.render import markdown_to_html
from vae_course.quiz.responses import FORMAT, FORMAT_VERSION
from vae_course.quiz.schema import Question

from .text import points_label


def _asset(package: str, name: str) -> str:
    return resources.files(package).joinpath("static", name).read_text("utf-8")


def _controls(q: Question, qid: str) -> tuple[str, str]:
    """(stem HTML, controls HTML) of one question; ``qid`` prefixes DOM ids."""
    esc = html.escape
    if q.type == "fill_blank":

        def blank(index: int, name: str) -> str:
            b = q.blanks[index]
            attrs = (
                f'class="vaeq-blank" id="{qid}-b{index + 1}" data-blank="{esc(name)}" '
                f'aria-label="Blank {index + 1}"'
            )
            if b.word_bank is None:
                return f'<input type="text" {attrs} size="14" autocomplete="off">'
            options = "".join(f'<option value="{esc(w)}">{esc(w)}</option>' for w in b.word_bank)
            return f'<select {attrs}><option value="">(choose a word)</option>{options}</select>'

        return markdown_to_html(q.stem, blank=blank), ""
    stem = markdown_to_html(q.stem)
    if q.type == "numeric":
        return stem, (
            f'<div class="vaeq-numeric"><label for="{qid}-n">Your answer</label> '
            f'<input type="text" id="{qid}-n" inputmode="decimal" size="12" autocomplete="off">'
            "</div>"
        )
    kind = "radio" if q.type == "single" else "checkbox"
    rows = "".join(
        f'<div class="vaeq-choice"><input type="{kind}" name="{qid}" id="{qid}-c{i}" '
        f'value="{esc(c.id)}"><label for="{qid}-c{i}">'
        f"{markdown_to_html(c.text, inline=True)}</label></div>"
        for i, c in enumerate(q.choices, start=1)
    )
    return stem, f'<div class="vaeq-choices">{rows}</div>'


def render_student_page(
    *,
    title: str,
    assignment: str,
    student_id: str,
    name: str,
    questions: list[Question],
    package_version: str,
    mathjax: str | None = None,
    token: str = "",
) -> str:
    """A whole HTML document for one student (``questions``: presented, in their order)."""
    esc = html.escape
    forms = []
    for number, q in enumerate(questions, start=1):
        qid = f"q{number}"
        stem, controls = _controls(q, qid)
        forms.append(
            f'<form class="vaeq-question" id="{qid}" data-qid="{esc(q.id)}" data-type="{q.type}">'
            f'<fieldset><legend>Question {number} <span class="vaeq-points">'
            f"({points_label(q.points)})</span></legend>"
            f'<div class="vaeq-stem">{stem}</div>{controls}</fieldset></form>'
        )
    skeleton: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": package_version,
        "student_id": student_id,
        "assignment": assignment,
        "token": token,
        "questions": {
            q.id: {"chapter": q.chapter, "points": q.points, "content_hash": q.content_hash()}
            for q in questions
        },
    }
    # "</" cannot close the script element inside JSON written this way.
    data = json.dumps(skeleton, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    math = f'<script defer src="{esc(mathjax)}"></script>' if mathjax else ""
    file_name = f"responses-{student_id}.json"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} - {esc(student_id)}</title>"
        f"<style>{_asset('vae_course.quiz', 'quiz.css')}"
        f"{_asset('vae_course_instructor', 'student.css')}</style>{math}</head>\n"
        f'<body><main class="vaeq vaes" aria-label="{esc(title)}">'
        f"<h1>{esc(title)}</h1>"
        f'<p class="vaes-who">{esc(name)} ({esc(student_id)})</p>'
        "<p>Answer the questions, then press <strong>Download my responses</strong> and hand "
        f"in the file it saves (<code>{esc(file_name)}</code>). This page does not check "
        "answers: your instructor grades the file.</p>"
        f"{''.join(forms)}"
        '<p><button type="button" id="vaes-download">Download my responses</button></p>'
        '<p id="vaes-status" aria-live="polite"></p>'
        "<details><summary>Show the responses file (to copy it by hand)</summary>"
        '<textarea id="vaes-json" rows="12" cols="80" readonly></textarea></details>'
        "<noscript><p>Saving answers needs JavaScript.</p></noscript>"
        f'<script type="application/json" id="vaes-data">{data}</script>'
        f"<script>{_asset('vae_course_instructor', 'student.js')}</script>"
        "</main></body></html>\n"
    )
