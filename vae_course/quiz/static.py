"""The static quiz: self-contained HTML + vanilla JS + CSS for the built book (no kernel, no CDN).

Answers are not written into the page as plain text. Each question carries a payload that the
browser decodes and checks against:
- single / multiple: a salted SHA-256 of the canonical correct answer (choice ids, sorted);
- fill_blank: per blank, salted SHA-256 hashes of each accepted (normalized) answer;
- numeric: the accepted interval (it cannot be hashed, since any value inside counts);
plus the per-choice feedback and the explanation as HTML. The payload is JSON, XOR-ed with a
random per-quiz key and base64-encoded. This is OBFUSCATION, not security: the key sits in the
same page, so a determined reader can decode it. It keeps answers out of "view source" and
text search, which is all a self-checking quiz needs. Graded work goes through the live quiz's
responses file and the instructor tool.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
from importlib import resources

from .checking import numeric_bounds
from .live import points_label, score_text
from .render import markdown_to_html
from .schema import Question


def _asset(name: str) -> str:
    return resources.files("vae_course.quiz").joinpath("static", name).read_text("utf-8")


def answer_hash(salt: str, question_id: str, canonical: str) -> str:
    """Hex SHA-256 of 'salt\\nquestion id\\ncanonical answer' (quiz.js computes the same)."""
    text = f"{salt}\n{question_id}\n{canonical}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_typed(text: str) -> str:
    """Normalization shared with quiz.js: collapse whitespace, lower case."""
    return " ".join(text.split()).lower()


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


def _payload(question: Question, salt: str) -> dict:
    explanation = markdown_to_html(question.explanation, inline=True)
    if question.type in ("single", "multiple"):
        canonical = ",".join(sorted(question.correct_choice_ids))
        feedback = {c.id: markdown_to_html(c.feedback, inline=True) for c in question.choices}
        return {"h": answer_hash(salt, question.id, canonical), "fb": feedback, "ex": explanation}
    if question.type == "fill_blank":
        hashes = [
            sorted(
                {
                    answer_hash(salt, question.id, f"{b.name}\n{normalize_typed(a)}")
                    for a in b.answers
                }
            )
            for b in question.blanks
        ]
        return {"b": hashes, "ex": explanation}
    lo, hi = numeric_bounds(question)
    return {"lo": lo, "hi": hi, "ex": explanation}


def _controls(question: Question, qid: str) -> tuple[str, str]:
    """(stem HTML, controls HTML) for one question; ``qid`` is its unique DOM id prefix."""
    esc = html.escape
    if question.type == "fill_blank":
        blanks = question.blanks

        def blank(index: int, _name: str) -> str:
            b = blanks[index]
            label = f"Blank {index + 1}"
            attrs = f'id="{qid}-b{index + 1}" name="{esc(b.name)}" aria-label="{label}"'
            if b.word_bank is None:
                return (
                    f'<input type="text" class="vaeq-blank" {attrs} size="14" '
                    'autocomplete="off" autocapitalize="off" spellcheck="false">'
                )
            options = "".join(f'<option value="{esc(w)}">{esc(w)}</option>' for w in b.word_bank)
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
    for i, c in enumerate(question.choices):
        cid = f"{qid}-c{i + 1}"
        rows.append(
            f'<div class="vaeq-choice"><input type="{kind}" name="{qid}" id="{cid}" '
            f'value="{esc(c.id)}"><label for="{cid}">'
            f"{markdown_to_html(c.text, inline=True)}</label></div>"
        )
    return stem, f'<div class="vaeq-choices">{"".join(rows)}</div>'


def render_static(
    title: str,
    questions: list[Question],
    *,
    uid: str | None = None,
    key: bytes | None = None,
    salt: str | None = None,
) -> str:
    """The whole static quiz as one HTML fragment with its CSS and JS inline.

    uid / key / salt default to fresh random values, so several quizzes on one page never
    share DOM ids; tests pass fixed ones to compare renderings.
    """
    uid = uid or f"vaeq-{secrets.token_hex(6)}"
    key = key or secrets.token_bytes(16)
    salt = salt or secrets.token_hex(8)
    total = sum(q.points for q in questions)
    forms = []
    for number, question in enumerate(questions, start=1):
        qid = f"{uid}-q{number}"
        stem, controls = _controls(question, qid)
        payload = encode_payload(_payload(question, salt), key)
        forms.append(
            f'<form class="vaeq-question" id="{qid}" data-qid="{html.escape(question.id)}" '
            f'data-type="{question.type}" data-points="{question.points:g}" '
            f'data-payload="{payload}" novalidate>'
            f'<fieldset aria-describedby="{qid}-stem">'
            f'<legend>Question {number} <span class="vaeq-points">'
            f"({points_label(question.points)})</span></legend>"
            f'<div class="vaeq-stem" id="{qid}-stem">{stem}</div>{controls}'
            f'<button type="submit" class="vaeq-check" aria-label="Check question {number}">'
            "Check</button>"
            f'<div class="vaeq-feedback" id="{qid}-feedback" aria-live="polite"></div>'
            "</fieldset></form>"
        )
    key_b64 = base64.b64encode(key).decode("ascii")
    return (
        f'<section class="vaeq tex2jax_process mathjax_process" id="{uid}" '
        f'aria-label="Quiz: {html.escape(title)}" data-key="{key_b64}" data-salt="{salt}" '
        f'data-total="{total:g}">'
        f"<style>{_asset('quiz.css')}</style>"
        f'<p class="vaeq-title"><strong>Quiz: {html.escape(title)}</strong></p>'
        f"{''.join(forms)}"
        f'<p class="vaeq-score" id="{uid}-score" aria-live="polite">{score_text(0, total)}</p>'
        "<noscript><p>This quiz needs JavaScript to check answers.</p></noscript>"
        f"<script>{_asset('quiz.js')}\nwindow.vaeCourseQuiz.init({json.dumps(uid)});</script>"
        "</section>"
    )
