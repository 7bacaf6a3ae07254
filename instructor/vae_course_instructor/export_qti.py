"""Canvas (Classic Quizzes) QTI 1.2 zip: imsmanifest.xml, the assessment and its Canvas meta.

Layout, as Canvas's own QTI export::

    imsmanifest.xml                 resources: the assessment (imsqti_xmlv1p2) and its meta
    <id>/<id>.xml                   questestinterop > assessment > section > item...
    <id>/assessment_meta.xml        quiz settings (title, points, shuffle_answers)

Question types: single -> multiple_choice_question, multiple -> multiple_answers_question,
fill_blank -> fill_in_multiple_blanks_question ([blank] in the text; every accepted answer is a
response_label of its blank) or multiple_dropdowns_question when every blank has a word bank,
numeric -> numerical_question (exact answer or range with vargte/varlte), calculated ->
calculated_question (Canvas's formula question: the formula in Canvas syntax, the tolerance
(one only: an absolute and a relative one are refused unless the same one is the wider for
every exported answer), and var_sets listing the same parameter sets and answers as
:func:`.value_sets`; Canvas picks each student's set, not ``assign``'s). Text is HTML with
\\( \\) math; choice feedback is an itemfeedback shown by its respcondition. The zip is
deterministic (fixed timestamps, sorted entries).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence

from vae_course.quiz.render import markdown_to_html
from vae_course.quiz.schema import Question

from .calculated import PARAM, Calculated
from .export_common import (
    bounds,
    export_id,
    html_block,
    html_inline,
    plain_number,
    total_points,
    value_sets,
)
from .formula import parse, to_canvas

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CANVAS_TYPES = {
    "single": "multiple_choice_question",
    "multiple": "multiple_answers_question",
    "numeric": "numerical_question",
}


def canvas_type(q: Question) -> str:
    if isinstance(q, Calculated):
        return "calculated_question"
    if q.type == "fill_blank":
        if all(b.word_bank is not None for b in q.blanks):
            return "multiple_dropdowns_question"
        return "fill_in_multiple_blanks_question"
    return CANVAS_TYPES[q.type]


def blank_id(name: str) -> str:
    """Canvas blank ids are word characters: 'kl-term' -> 'kl_term'."""
    return name.replace("-", "_")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _material(parent: ET.Element, html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def _meta(parent: ET.Element, fields: Sequence[tuple[str, str]]) -> None:
    meta = _sub(parent, "qtimetadata")
    for label, entry in fields:
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _feedback(item: ET.Element, ident: str, html: str) -> None:
    fb = _sub(item, "itemfeedback", ident=ident)
    _material(_sub(fb, "flow_mat"), html)


def _condition(parent: ET.Element, cont: str) -> tuple[ET.Element, ET.Element]:
    cond = _sub(parent, "respcondition", **{"continue": cont})
    return cond, _sub(cond, "conditionvar")


def _item(q: Question, number: int) -> ET.Element:
    qtype = canvas_type(q)
    item = ET.Element("item", ident=q.id, title=q.id)
    answer_ids: list[str] = []
    presentation = ET.Element("presentation")
    res = ET.Element("resprocessing")
    outcomes = _sub(res, "outcomes")
    _sub(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    cond, var = _condition(res, "Yes")
    _sub(var, "other")
    _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    feedbacks: list[tuple[str, str]] = [("general_fb", html_inline(q.explanation))]

    if q.type in ("single", "multiple"):
        idents = {c.id: str(1000 * number + j) for j, c in enumerate(q.choices, start=1)}
        answer_ids = list(idents.values())
        stem = f"<div>{html_block(q.stem)}</div>"
        _material(presentation, stem)
        card = "Single" if q.type == "single" else "Multiple"
        lid = _sub(presentation, "response_lid", ident="response1", rcardinality=card)
        choices = _sub(lid, "render_choice")
        for c in q.choices:
            label = _sub(choices, "response_label", ident=idents[c.id])
            _material(label, html_inline(c.text))
            if c.feedback.strip():
                cond, var = _condition(res, "Yes")
                _sub(var, "varequal", idents[c.id], respident="response1")
                _sub(
                    cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{idents[c.id]}_fb"
                )
                feedbacks.append((f"{idents[c.id]}_fb", html_inline(c.feedback)))
        cond, var = _condition(res, "No")
        if q.type == "single":
            _sub(var, "varequal", idents[q.correct_choice_ids[0]], respident="response1")
        else:
            both = _sub(var, "and")
            for c in q.choices:
                if c.correct:
                    _sub(both, "varequal", idents[c.id], respident="response1")
                else:
                    _sub(_sub(both, "not"), "varequal", idents[c.id], respident="response1")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    elif q.type == "fill_blank":
        stem = markdown_to_html(q.stem, math="paren", blank=lambda i, n: f"[{blank_id(n)}]")
        _material(presentation, f"<div>{stem}</div>")
        share = f"{100 / len(q.blanks):.2f}"
        ident = 1000 * number
        for b in q.blanks:
            bid = blank_id(b.name)
            lid = _sub(presentation, "response_lid", ident=f"response_{bid}")
            _sub(_sub(lid, "material"), "mattext", bid)
            choices = _sub(lid, "render_choice")
            words = b.word_bank if qtype == "multiple_dropdowns_question" else b.answers
            for word in words:
                ident += 1
                answer_ids.append(str(ident))
                label = _sub(choices, "response_label", ident=str(ident))
                _sub(_sub(label, "material"), "mattext", word, texttype="text/plain")
                if b.accepts(word):  # the course's rule: case kept in math letters (d, D)
                    cond, var = _condition(res, "No")
                    _sub(var, "varequal", str(ident), respident=f"response_{bid}")
                    _sub(cond, "setvar", share, action="Add", varname="SCORE")
    elif isinstance(q, Calculated):
        stem = PARAM.sub(lambda m: f"[{m.group(1)}]", q.stem)
        _material(presentation, f"<div>{html_block(stem)}</div>")
        rstr = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(rstr, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        cond, var = _condition(res, "No")
        _sub(var, "other")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")
        feedbacks = [
            ("general_fb", html_inline(PARAM.sub(lambda m: f"[{m.group(1)}]", q.explanation)))
        ]
    else:
        _material(presentation, f"<div>{html_block(q.stem)}</div>")
        rstr = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(rstr, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        lo, hi = bounds(q)
        cond, var = _condition(res, "No")
        either = _sub(var, "or")
        _sub(either, "varequal", plain_number(q.answer), respident="response1")
        both = _sub(either, "and")
        _sub(both, "vargte", plain_number(lo), respident="response1")
        _sub(both, "varlte", plain_number(hi), respident="response1")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")

    _meta(
        _sub(item, "itemmetadata"),
        [
            ("question_type", qtype),
            ("points_possible", plain_number(q.points)),
            ("original_answer_ids", ",".join(answer_ids)),
        ],
    )
    item.append(presentation)
    item.append(res)
    if isinstance(q, Calculated):
        item.append(_calculated_extension(q))
    for ident, html in feedbacks:
        if html.strip():
            _feedback(item, ident, html)
    return item


def canvas_tolerance(q: Calculated, answers: Sequence[float]) -> str:
    """Canvas's one answer_tolerance, absolute or 'p%' of the answer, that gives each listed
    answer the course's half-width max(absolute, relative * |answer|); ValueError when an
    absolute and a relative tolerance each win for some of the answers (Canvas cannot say
    "the wider of the two")."""
    tol = q.tolerance
    if all(tol.absolute >= tol.relative * abs(a) for a in answers):
        return plain_number(tol.absolute)
    if all(tol.relative * abs(a) >= tol.absolute for a in answers):
        return f"{plain_number(100 * tol.relative)}%"
    raise ValueError(
        f"question {q.id!r}: Canvas's formula question has one tolerance, and neither the "
        f"absolute {plain_number(tol.absolute)} nor the relative {plain_number(tol.relative)} "
        "is the wider for every exported answer: give one of the two"
    )


def _calculated_extension(q: Calculated) -> ET.Element:
    extension = ET.Element("itemproc_extension")
    calc = _sub(extension, "calculated")
    sets = value_sets(q)
    _sub(calc, "answer_tolerance", canvas_tolerance(q, [answer for _, answer in sets]))
    formulas = _sub(calc, "formulas", decimal_places="4")
    _sub(formulas, "formula", to_canvas(parse(q.formula, {p.name for p in q.parameters})))
    variables = _sub(calc, "vars")
    for param in q.parameters:
        values = [v[param.name] for v, _ in sets]
        scale = max((len(plain_number(v).partition(".")[2]) for v in values), default=0)
        var = _sub(variables, "var", name=param.name, scale=str(scale))
        _sub(var, "min", plain_number(min(values)))
        _sub(var, "max", plain_number(max(values)))
    var_sets = _sub(calc, "var_sets")
    for number, (values, answer) in enumerate(sets, start=1):
        var_set = _sub(var_sets, "var_set", ident=str(number))
        for name, value in values.items():
            _sub(var_set, "var", plain_number(value), name=name)
        _sub(var_set, "answer", plain_number(answer))
    return extension


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"


def assessment_xml(title: str, questions: Sequence[Question], ident: str) -> bytes:
    root = ET.Element(
        "questestinterop",
        {
            "xmlns": QTI_NS,
            "xmlns:xsi": XSI,
            "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd",
        },
    )
    assessment = _sub(root, "assessment", ident=ident, title=title)
    _meta(assessment, [("cc_maxattempts", "1")])
    section = _sub(assessment, "section", ident="root_section")
    for number, q in enumerate(questions, start=1):
        section.append(_item(q, number))
    return _xml_bytes(root)


def meta_xml(title: str, questions: Sequence[Question], ident: str) -> bytes:
    root = ET.Element(
        "quiz",
        {
            "identifier": ident,
            "xmlns": CANVAS_NS,
            "xmlns:xsi": XSI,
            "xsi:schemaLocation": f"{CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd",
        },
    )
    pinned = any(c.pinned for q in questions for c in q.choices)
    for tag, value in (
        ("title", title),
        ("description", ""),
        # Canvas shuffles all choices or none: a pinned choice turns shuffling off.
        ("shuffle_answers", "false" if pinned else "true"),
        ("scoring_policy", "keep_highest"),
        ("quiz_type", "assignment"),
        ("points_possible", plain_number(total_points(questions))),
        ("allowed_attempts", "1"),
        ("one_question_at_a_time", "false"),
        ("cant_go_back", "false"),
        ("available", "false"),
    ):
        _sub(root, tag, value)
    return _xml_bytes(root)


def manifest_xml(ident: str, meta_ident: str, files: dict[str, str]) -> bytes:
    root = ET.Element("manifest", {"identifier": f"{ident}_manifest", "xmlns": CP_NS})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    qti = _sub(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
    _sub(qti, "file", href=files["assessment"])
    _sub(qti, "dependency", identifierref=meta_ident)
    meta = _sub(
        resources,
        "resource",
        identifier=meta_ident,
        type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
        href=files["meta"],
    )
    _sub(meta, "file", href=files["meta"])
    return _xml_bytes(root)


def export_qti(title: str, questions: Sequence[Question]) -> bytes:
    """The Canvas QTI 1.2 zip as bytes (same questions, same bytes)."""
    ident = export_id(title, questions)
    meta_ident = export_id(title, questions, salt="meta")
    files = {"assessment": f"{ident}/{ident}.xml", "meta": f"{ident}/assessment_meta.xml"}
    entries = {
        "imsmanifest.xml": manifest_xml(ident, meta_ident, files),
        files["assessment"]: assessment_xml(title, questions, ident),
        files["meta"]: meta_xml(title, questions, ident),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return buffer.getvalue()
