"""Moodle's cloze short answers match case as the course's checker does (issue 21): a typed
blank whose answer has a math letter (sqrt(d), p(z|x), L, ε) is exported SHORTANSWER_C, so
Moodle does not accept sqrt(D) where the course does not; every text Moodle would accept is
one the course accepts; word-bank words are marked right by the course's rule (d is not D),
in the GIFT and Canvas exports too.
Moodle's matching is simulated from its documented rules: SHORTANSWER compares
case-insensitively, SHORTANSWER_C exactly (after trimming), '*' is a wildcard unless escaped."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from vae_course.quiz import load_bank
from vae_course.quiz.schema import Blank, Question
from vae_course_instructor.banks import read_assessment
from vae_course_instructor.export_gift import export_gift
from vae_course_instructor.export_moodle import case_matters, export_moodle
from vae_course_instructor.export_qti import export_qti

from questions import question

MARKER = re.compile(r"\{(\d+):(MULTICHOICE|SHORTANSWER_C|SHORTANSWER):(.*?)(?<!\\)\}")


def markers(xml: bytes) -> dict[str, list[tuple[str, list[tuple[bool, str]]]]]:
    """question id -> [(kind, [(right, text), ...]) per blank], read from the cloze text."""
    out = {}
    for node in ET.fromstring(xml).iterfind("question[@type='cloze']"):
        text = node.findtext("questiontext/text")
        blanks = []
        for _w, kind, body in MARKER.findall(text):
            options = []
            for option in re.split(r"(?<!\\)~", body):
                right = option.startswith("=")
                options.append((right, option[1:] if right else option))
            blanks.append((kind, options))
        out[node.findtext("name/text")] = blanks
    return out


def moodle_accepts(kind: str, options: list[tuple[bool, str]], typed: str) -> bool:
    """Moodle's short-answer match: trimmed, case folded unless _C, '\\*' a literal star."""
    for right, text in options:
        if not right:
            continue
        pattern = "".join(
            re.escape(part.replace("\\*", "*")) if not wild else ".*"
            for wild, part in _split_wildcards(text)
        )
        flags = 0 if kind == "SHORTANSWER_C" else re.IGNORECASE
        if re.fullmatch(pattern, typed.strip(), flags):
            return True
    return False


def _split_wildcards(text: str) -> list[tuple[bool, str]]:
    # The cloze escapes (\} \# \~ \/ \" \{ \\) are undone; an unescaped * is a wildcard.
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += "\\*" if text[i + 1] == "*" else text[i + 1]
            i += 2
            continue
        if text[i] == "*":
            parts += [(False, current), (True, "*")]
            current = ""
        else:
            current += text[i]
        i += 1
    return [*parts, (False, current)]


def typed_questions() -> list[Question]:
    bank = [*load_bank(), *(q for f in read_assessment() for q in f.questions)]
    return [q for q in bank if q.type == "fill_blank" and any(b.typed for b in q.blanks)]


TYPED = typed_questions()


@pytest.fixture(scope="module")
def exported():
    return markers(export_moodle("case", TYPED))


def test_case_matters_for_math_letters_only():
    for answer in ("sqrt(d)", "√d", "p(z|x)", "L", "N(0, I)", "ε", "\\mathcal{L}"):
        assert case_matters(answer), answer
    for answer in ("ELBO", "evidence lower bound", "noise", "0", "posterior", "zero vector"):
        assert not case_matters(answer), answer


@pytest.mark.parametrize("question", TYPED, ids=lambda q: q.id)
def test_typed_blanks_match_case_where_the_course_does(question, exported):
    blanks = exported[question.id]
    assert len(blanks) == len(question.blanks)
    for blank, (kind, options) in zip(question.blanks, blanks, strict=True):
        if not blank.typed:
            continue
        sensitive = any(case_matters(a) for a in blank.answers)
        assert kind == ("SHORTANSWER_C" if sensitive else "SHORTANSWER")
        listed = [text for right, text in options if right]
        # Every answer as written is accepted by Moodle, and Moodle accepts nothing the
        # course rejects among the answers' case variants.
        for answer in blank.answers:
            assert moodle_accepts(kind, options, answer), (answer, listed)
            for variant in (answer.upper(), answer.lower(), answer.swapcase()):
                if moodle_accepts(kind, options, variant):
                    assert blank.accepts(variant), (variant, listed)
        for right, text in options:
            if right:
                plain = re.sub(r"\\(.)", r"\1", text)
                assert blank.accepts(plain), plain


def test_sqrt_capital_d_is_not_sqrt_d_in_moodle(exported):
    (kind, options), *_ = exported["07-norm-concentration"]
    assert kind == "SHORTANSWER_C"
    assert moodle_accepts(kind, options, "sqrt(d)")
    assert not moodle_accepts(kind, options, "sqrt(D)")
    assert not moodle_accepts(kind, options, "SQRT(D)")


def test_words_keep_their_capitalizations_in_a_case_sensitive_blank(exported):
    # 09-iwae-smallest-k accepts 'L' (not 'l') and 'ELBO' in any case: in Moodle's
    # case-sensitive blank the usual capitalizations of the words are listed.
    (kind, options), *_ = exported["09-iwae-smallest-k"]
    assert kind == "SHORTANSWER_C"
    for typed in ("ELBO", "elbo", "Elbo", "Evidence lower bound", "L"):
        assert moodle_accepts(kind, options, typed), typed
    assert not moodle_accepts(kind, options, "l")


def _case_bank() -> Question:
    """A word bank whose right word, d, differs from a wrong one, D, only in case."""
    return question(
        "zz-case-bank",
        "fill_blank",
        stem="The latent dimension is {{which}}.",
        blanks=(Blank("which", ("d",), word_bank=("d", "D", "n")),),
    )


def test_word_bank_words_are_right_by_the_course_rule():
    q = _case_bank()
    (kind, options), *_ = markers(export_moodle("bank", [q]))["zz-case-bank"]
    assert kind == "MULTICHOICE"
    assert options == [(True, "d"), (False, "D"), (False, "n")]


def test_word_bank_case_in_gift_and_canvas():
    q = _case_bank()
    assert "{=d ~D ~n ####}" in export_gift("bank", [q]).decode()
    with zipfile.ZipFile(io.BytesIO(export_qti("bank", [q]))) as archive:
        name = next(n for n in archive.namelist() if n.count("/") == 1 and "meta" not in n)
        root = ET.fromstring(archive.read(name))
    elements = list(root.iter())
    labels = {
        e.get("ident"): next(t.text for t in e.iter() if t.tag.endswith("mattext"))
        for e in elements
        if e.tag.endswith("response_label")
    }
    scored = [e.text for e in elements if e.tag.endswith("varequal")]
    assert [labels[i] for i in scored] == ["d"]
