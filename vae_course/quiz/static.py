"""The static quiz: self-contained HTML + vanilla JS + CSS (no kernel, no CDN), for the built
book, and the ``text/html`` view beside the live widget in Jupyter.

What the page holds, and what it does not:
- no question id, choice id or blank name: questions are numbered, choices and blanks are
  referred to by their position as shown (choices and word banks in the order of
  :mod:`.shuffle`), so no id that could name an answer reaches the page;
- no ``correct`` flag: the answer is checked against a salted SHA-256 of the canonical answer
  (single / multiple: the sorted positions of the correct choices; fill_blank: each accepted
  answer of each blank after :func:`~.schema.normalize_answer`); numeric questions carry their
  accepted interval (a hash cannot say "inside"), and every question its feedback;
- all of that per question as JSON, XOR-ed with a random per-quiz key and base64-encoded.
This is OBFUSCATION, not security: the key and salt sit in the same page and a choice question
has only a few possible answers, so a determined reader who runs code can recover the key.
It keeps answers out of "view source", text search and the DOM inspector, which is all a
self-checking quiz can do without a server. Graded work goes through the live quiz's responses
file and the instructor tool.

There is no ``<form>`` and every button is ``type="button"``: nothing can reload a page. Where
the quiz's script cannot run (an untrusted notebook shows this HTML sanitized) one line says to
run the cell; the script removes that line. ``fallback_html`` is the output that shows this
quiz in a reopened notebook whose widget model is gone (see static/fallback.js).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from importlib import resources

from ..display.bundle import FALLBACK_CLASS, fallback_html  # noqa: F401 (re-exported)
from .checking import numeric_bounds
from .render import markdown_to_html, points_label, score_text
from .schema import Question, normalize_answer
from .shuffle import display_choices, display_words

OFFLINE_NOTE = "Run the notebook from the top to take the quiz (this view cannot check answers)."


def _asset(name: str) -> str:
    return resources.files("vae_course.quiz").joinpath("static", name).read_text("utf-8")


def answer_hash(salt: str, question_ref: str, canonical: str) -> str:
    """Hex SHA-256 of 'salt\\nquestion number\\ncanonical answer' (quiz.js computes the same)."""
    text = f"{salt}\n{question_ref}\n{canonical}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_payload(data: dict, key: bytes) -> str:
    """base64(JSON XOR key): obfuscation only, see the module docstring."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    mixed = bytes(b ^ key[i % len(key)] for i, b in enumerate(raw))
    return base64.b64encode(mixed).decode("ascii")


def decode_payload(payload: str, key: bytes) -> dict:
    """Inverse of encode_payload (for tests and debugging)."""
    mixed = base64.b64decode(payload)
    raw = bytes(b ^ key[i % len(key)] for i, b in enumerate(mixed))
    return json.loads(raw.decode("utf-8"))


def _payload(question: Question, number: int, salt: str, seed: str | None) -> dict:
    ref = str(number)
    explanation = markdown_to_html(question.explanation, inline=True)
    if question.type in ("single", "multiple"):
        shown = display_choices(question, seed)
        canonical = ",".join(str(i) for i, c in enumerate(shown) if c.correct)
        feedback = [markdown_to_html(c.feedback, inline=True) for c in shown]
        return {"h": answer_hash(salt, ref, canonical), "fb": feedback, "ex": explanation}
    if question.type == "fill_blank":
        hashes = [
            sorted({answer_hash(salt, ref, f"{i}\n{normalize_answer(a)}") for a in b.answers})
            for i, b in enumerate(question.blanks)
        ]
        return {"b": hashes, "ex": explanation}
    lo, hi = numeric_bounds(question)
    return {"lo": lo, "hi": hi, "ex": explanation}


_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def _formulas(value: object) -> set[tuple[str, str]]:
    """Every (delimiter, TeX) pair written as ``\\( \\)`` or ``\\[ \\]`` in a payload's HTML
    strings; the TeX as the browser's text nodes will hold it (entities decoded)."""
    if isinstance(value, str):
        return {
            ("(", html.unescape(m[1])) if m[1] is not None else ("[", html.unescape(m[2]))
            for m in _MATH.finditer(value)
        }
    if isinstance(value, list):
        return set().union(*(_formulas(v) for v in value))
    if isinstance(value, dict):
        return set().union(*(_formulas(v) for v in value.values()))
    return set()


def math_bank_html(payloads: list[dict]) -> str:
    """Each formula of the quizzes' feedback and explanations, once, in a laid-out but invisible
    block. Where a page has no MathJax of its own to call (JupyterLab typesets an output's math
    once, as it renders it, and keeps its MathJax to itself), quiz.js puts a copy of the
    typeset formula from here in place of the TeX of the feedback it shows. Sorted, so the
    bank says nothing about which choice a formula's feedback belongs to."""
    spans = []
    for kind, tex in sorted(_formulas(payloads)):
        close = ")" if kind == "(" else "]"
        spans.append(
            f'<span data-tex="{html.escape(kind + tex)}">'
            f"\\{kind}{html.escape(tex, quote=False)}\\{close}</span>"
        )
    return f'<div class="vaeq-mathbank" aria-hidden="true">{"".join(spans)}</div>'


def _controls(question: Question, qid: str, seed: str | None) -> tuple[str, str]:
    """(stem HTML, controls HTML) for one question; ``qid`` is its unique DOM id prefix."""
    esc = html.escape
    if question.type == "fill_blank":
        blanks = question.blanks

        def blank(index: int, _name: str) -> str:
            b = blanks[index]
            attrs = f'id="{qid}-b{index + 1}" aria-label="Blank {index + 1}"'
            if b.word_bank is None:
                return (
                    f'<input type="text" class="vaeq-blank" {attrs} size="14" '
                    'autocomplete="off" autocapitalize="off" spellcheck="false">'
                )
            words = display_words(question, b, seed)
            options = "".join(f'<option value="{esc(w)}">{esc(w)}</option>' for w in words)
            return (
                f'<select class="vaeq-blank" {attrs}>'
                f'<option value="">(choose a word)</option>{options}</select>'
            )

        return markdown_to_html(question.stem, blank=blank), ""
    stem = markdown_to_html(question.stem)
    if question.type == "numeric":
        return stem, (
            f'<div class="vaeq-numeric"><label for="{qid}-n">Your answer</label> '
            f'<input type="text" id="{qid}-n" inputmode="decimal" size="12" '
            'autocomplete="off" spellcheck="false"></div>'
        )
    kind = "radio" if question.type == "single" else "checkbox"
    rows = []
    for i, c in enumerate(display_choices(question, seed)):
        cid = f"{qid}-c{i + 1}"
        rows.append(
            f'<div class="vaeq-choice"><input type="{kind}" name="{qid}" id="{cid}" '
            f'value="{i}"><label for="{cid}">'
            f"{markdown_to_html(c.text, inline=True)}</label></div>"
        )
    return stem, f'<div class="vaeq-choices">{"".join(rows)}</div>'


def render_static(
    title: str,
    questions: list[Question],
    *,
    seed: str | None = None,
    uid: str | None = None,
    key: bytes | None = None,
    salt: str | None = None,
    math_bank: bool = False,
) -> str:
    """The whole static quiz as one HTML fragment with its CSS and JS inline.

    seed: display-order seed (None: the book's order; a student's seed: their order, see
    shuffle.display_key). uid / key / salt default to fresh random values, so several quizzes
    on one page never share DOM ids; tests pass fixed ones to compare renderings.
    math_bank: add :func:`math_bank_html` (the stand-in in a reopened notebook needs it; the
    book, whose MathJax typesets feedback as it is shown, does not).
    """
    uid = uid or f"vaeq-{secrets.token_hex(6)}"
    key = key or secrets.token_bytes(16)
    salt = salt or secrets.token_hex(8)
    total = sum(q.points for q in questions)
    blocks = []
    payloads = []
    for number, question in enumerate(questions, start=1):
        qid = f"{uid}-q{number}"
        stem, controls = _controls(question, qid, seed)
        payloads.append(_payload(question, number, salt, seed))
        payload = encode_payload(payloads[-1], key)
        blocks.append(
            f'<div class="vaeq-question" id="{qid}" data-type="{question.type}" '
            f'data-points="{question.points:g}" data-payload="{payload}">'
            f'<fieldset aria-describedby="{qid}-stem">'
            f'<legend>Question {number} <span class="vaeq-points">'
            f"({points_label(question.points)})</span></legend>"
            f'<div class="vaeq-stem" id="{qid}-stem">{stem}</div>{controls}'
            f'<button type="button" class="vaeq-check" aria-label="Check question {number}">'
            "Check</button>"
            f'<div class="vaeq-feedback" id="{qid}-feedback" aria-live="polite"></div>'
            "</fieldset></div>"
        )
    key_b64 = base64.b64encode(key).decode("ascii")
    return (
        f'<section class="vaeq tex2jax_process mathjax_process" id="{uid}" '
        f'aria-label="Quiz: {html.escape(title)}" data-key="{key_b64}" data-salt="{salt}" '
        f'data-total="{total:g}">'
        f"<style>{_asset('quiz.css')}</style>"
        f'<p class="vaeq-title"><strong>Quiz: {html.escape(title)}</strong></p>'
        f'<p class="vaeq-offline"><strong>{OFFLINE_NOTE}</strong></p>'
        f"{''.join(blocks)}"
        f'<p class="vaeq-score" id="{uid}-score" aria-live="polite">{score_text(0, total)}</p>'
        f"{math_bank_html(payloads) if math_bank else ''}"
        f"<script>{_asset('quiz.js')}\nwindow.vaeCourseQuiz.init({json.dumps(uid)});</script>"
        "</section>"
    )
