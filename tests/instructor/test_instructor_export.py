"""`vae-course export`: the files parse, carry math and feedback, and grade like `grade` does."""

from __future__ import annotations

import html
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath

import lxml.etree as LET
import pytest
from test_instructor_support import (
    assign_class,
    cli,
    gift_questions,
    gift_rules,
    gift_unescape,
    make_handins,
    moodle_rules,
    qti_rules,
    read_grades,
)

from vae_course.quiz import load_responses
from vae_course_instructor.export_common import fixed_version
from vae_course_instructor.export_gift import export_gift, gift_escape
from vae_course_instructor.keyfile import read_key
from vae_course_instructor.select import load_all, read_extra

FORMATS = {"canvas-qti": "quiz.zip", "moodle-xml": "quiz.xml", "gift": "quiz.txt"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    handout, key_path, bank = assign_class(tmp)
    for fmt, name in FORMATS.items():
        result = cli(
            "export",
            "--format",
            fmt,
            "--bank",
            str(bank),
            "--chapter",
            "zz_synthetic",
            "--title",
            "Synthetic quiz",
            "--out",
            name,
            cwd=tmp,
        )
        assert result.returncode == 0, result.stderr
    questions = list(read_extra([bank])[0].questions)
    return tmp, handout, key_path, bank, questions


def test_canvas_zip_manifest_hrefs_resolve_and_xml_parses(exported):
    tmp, *_, questions = exported
    with zipfile.ZipFile(tmp / "quiz.zip") as archive:
        names = set(archive.namelist())
        manifest = LET.fromstring(archive.read("imsmanifest.xml"))
        hrefs = manifest.xpath("//@href")
        assert hrefs
        for href in hrefs:
            assert not PurePosixPath(href).is_absolute() and ".." not in PurePosixPath(href).parts
            assert href in names, href
        for name in names:
            LET.fromstring(archive.read(name))  # every file is well-formed XML
        (qti_href,) = manifest.xpath(
            "//*[local-name()='resource'][@type='imsqti_xmlv1p2']/*[local-name()='file']/@href"
        )
        root = LET.fromstring(archive.read(qti_href))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    items = root.findall(".//q:item", ns)
    assert [i.get("ident") for i in items] == [q.id for q in questions]
    types = [
        i.xpath(".//q:fieldlabel[text()='question_type']/../q:fieldentry/text()", namespaces=ns)[0]
        for i in items
    ]
    assert types == [
        "multiple_choice_question",
        "multiple_answers_question",
        "multiple_dropdowns_question",
        "fill_in_multiple_blanks_question",
        "numerical_question",
        "numerical_question",
    ]
    text = "".join(root.itertext())
    assert "\\(\\mathcal{N}(0, I)\\)" in text and "$" not in text.replace("$course$", "")
    single = items[0]
    feedbacks = {
        f.get("ident"): "".join(f.itertext()) for f in single.findall("q:itemfeedback", ns)
    }
    assert any("discrete set" in v for v in feedbacks.values())  # per-choice feedback
    assert "nothing else" in feedbacks["general_fb"]
    # every displayfeedback points at an itemfeedback of its item
    for item in items:
        idents = {f.get("ident") for f in item.findall("q:itemfeedback", ns)}
        for ref in item.xpath(".//q:displayfeedback/@linkrefid", namespaces=ns):
            assert ref in idents


def test_moodle_xml_parses_with_html_math_feedback_and_moodle_grades(exported):
    tmp, *_, questions = exported
    root = LET.parse(str(tmp / "quiz.xml")).getroot()
    nodes = [n for n in root.iterfind("question") if n.get("type") != "category"]
    assert [n.findtext("name/text") for n in nodes] == [q.id for q in questions]
    assert [n.get("type") for n in nodes] == [
        "multichoice",
        "multichoice",
        "cloze",
        "cloze",
        "numerical",
        "numerical",
    ]
    allowed = {
        100,
        90,
        83.33333,
        80,
        75,
        70,
        66.66667,
        60,
        50,
        40,
        33.33333,
        30,
        25,
        20,
        16.66667,
        14.28571,
        12.5,
        11.11111,
        10,
        5,
        0,
    }
    for node in nodes:
        for answer in node.iterfind("answer"):
            assert abs(float(answer.get("fraction"))) in allowed
    single, multiple = nodes[0], nodes[1]
    assert "\\(\\mathcal{N}(0, I)\\)" in single.find("answer/text").text
    assert "discrete set" in "".join(a.findtext("feedback/text") for a in single.iterfind("answer"))
    assert multiple.findtext("single") == "false"
    assert multiple.findtext("shuffleanswers") == "false"  # it has a pinned choice
    negative = nodes[5].find("answer")
    assert float(negative.findtext("text")) == -0.693
    assert float(negative.findtext("tolerance")) == pytest.approx(0.00693)


def test_gift_escapes_specials_so_moodles_importer_reads_the_text_back(exported):
    tmp, *_, questions = exported
    parsed = gift_questions((tmp / "quiz.txt").read_text(encoding="utf-8"))
    assert set(parsed) == {
        "syn-single",
        "syn-multiple",
        "syn-words",
        "syn-typed-first",
        "syn-typed-second",
        "syn-number",
        "syn-negative",
    }
    stem = parsed["syn-single"]["stem"]
    for piece in ("Note: a {brace}, a ~tilde, an = sign, a #hash", "&lt;tag&gt;"):
        assert piece in stem
    options = parsed["syn-single"]["options"]
    assert options[0][2] == "The standard normal \\(\\mathcal{N}(0, I)\\) with \\(\\nabla_z = 0\\)"
    assert options[1][2] == "Uniform on \\(\\{0, 1\\}^d\\)"
    assert [o[3] for o in options][1] == "No, that is a discrete set."
    assert "nothing else" in parsed["syn-single"]["general"]
    assert [o[1] for o in parsed["syn-multiple"]["options"]] == [50.0, 50.0, -100.0, -100.0]


@pytest.mark.parametrize(
    "text",
    ["a:b", "x = {y}", "~tilde #hash", "\\nabla \\{ \\} \\\\ end\\", "\\:", "plain", "\\n"],
)
def test_gift_escape_round_trips_through_moodles_unescape(text):
    escaped = gift_escape(text)
    for ch in "~=#{}:":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch)
    assert gift_unescape(escaped) == text


def _visible(text: str) -> str:
    """Text as a reader sees it: no HTML tags, entities decoded (the GIFT is [html]: a quote in
    code is &quot;), no Markdown emphasis or code marks."""
    return re.sub(r"[*_`]", "", html.unescape(re.sub(r"<[^>]+>", "", text))).strip()


def test_gift_parses_with_an_independent_parser_from_pypi(exported):
    """pygiftparserrgmf (PyPI) on the GIFT of the whole bank plus the synthetic questions.

    That parser ends a '#feedback' at the next '=', '~' or '}' even when it is escaped (Moodle
    does not), so here feedback and explanations are replaced by plain sentences; stems and
    choices, with their TeX, braces and GIFT specials, are exported as they are. Escaped
    feedback is covered by the reader that follows Moodle's importer, above.
    """
    from pygiftparser import parser  # PyPI: pygiftparserrgmf (requirements.txt, Tests)

    *_, questions = exported
    bank = [q for f in load_all() for q in f.questions] + questions
    plain = [
        replace(
            q,
            explanation="Because.",
            choices=tuple(replace(c, feedback=f"Feedback {i}.") for i, c in enumerate(q.choices)),
        )
        for q in bank
    ]
    gift = parser.parse(export_gift("bank", plain).decode("utf-8"))
    by_name = {q.name: q for q in gift.questions if hasattr(q, "name")}
    for q in plain:
        names = (
            [q.id]
            if q.type != "fill_blank" or len(q.blanks) == 1
            else [f"{q.id}-{b.name}" for b in q.blanks]
        )
        for name in names:
            parsed = by_name[name]
            kind = type(parsed.answer).__name__
            options = parsed.answer.options
            if q.type == "single":
                assert kind == "MultipleChoiceRadio", name
                assert len(options) == len(q.choices)
                right = [o for o in options if o.prefix == "="]
                correct = next(c for c in q.choices if c.correct)
                # That parser renders Markdown (*x* becomes <em>x</em>): compare visible text.
                shown = _visible(gift_unescape(right[0].text))
                assert shown.startswith(_visible(correct.text.split("$")[0]))
                # (that parser leaves the ####general feedback on the last option's feedback)
                assert [o.feedback.split("####")[0].strip() for o in options] == [
                    f"Feedback {i}." for i in range(len(options))
                ]
            elif q.type == "multiple":
                assert kind == "MultipleChoiceCheckbox", name
                assert len(options) == len(q.choices)
                # That parser reads whole percentages only: read '%33.33333%' from the text.
                weights = [
                    float(m.group(1)) / 100
                    if (m := re.match(r"%(-?[\d.]+)%", o.text))
                    else o.percentage
                    for o in options
                ]
                positive = [w for w in weights if w > 0]
                assert sum(positive) == pytest.approx(1.0, abs=1e-6)
                assert len(positive) == len(q.correct_choice_ids)
            elif q.type == "fill_blank":
                assert parsed.text_continue, name  # the missing-word form
                blank = q.blanks[names.index(name)]
                # '\*' is Moodle's short-answer spelling of a literal star
                accepted = {
                    gift_unescape(o.text).replace("\\*", "*").lower()
                    for o in options
                    if o.prefix == "="
                }
                assert accepted == {a.lower() for a in blank.answers}
            else:
                assert kind == "Numerical", name
                # a calculated question goes to GIFT with one fixed set of values
                fixed = fixed_version(q, "bank")
                assert parsed.answer.get_number() == pytest.approx(fixed.answer)


def _responses(handins: Path) -> dict[str, dict]:
    """student id -> question id -> latest answer, read back from the synthetic hand-ins."""
    out = {}
    for path in sorted(p for p in handins.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            nb = json.loads(path.read_text())
            doc = nb["cells"][-1]["outputs"][0]["data"]["application/vnd.vae-course.responses+json"]
            tmp = path.with_suffix(".tmp.json")
            tmp.write_text(json.dumps(doc))
            saved = load_responses(tmp)
            tmp.unlink()
        else:
            saved = load_responses(path)
        answers = {}
        for attempt in saved.attempts:
            answers[attempt.question_id] = attempt.answer
        out[saved.student_id] = answers
    return out


def test_each_export_grades_the_synthetic_class_like_grade(exported):
    tmp, handout, key_path, bank, questions = exported
    key = read_key(key_path)
    make_handins(key, handout, tmp / "handins")
    result = cli("grade", "handins", "--key", str(key_path), "--out", "grades", cwd=tmp)
    assert result.returncode == 0, result.stderr
    rows = read_grades(tmp / "grades/grades.csv")
    answers = _responses(tmp / "handins")
    by_id = {q.id: q for q in questions}
    rules = {
        "canvas-qti": qti_rules(tmp / "quiz.zip"),
        "moodle-xml": moodle_rules(tmp / "quiz.xml"),
        "gift": gift_rules(tmp / "quiz.txt", questions),
    }
    compared = 0
    for fmt, rule in rules.items():
        for sid, mine in answers.items():
            for qid, q in by_id.items():
                answer = mine.get(qid)
                exported_full = answer is not None and rule[qid](answer, q)
                assert (float(rows[sid][qid]) > 0) == exported_full, (fmt, sid, qid, answer)
                compared += 1
    assert compared == 3 * len(answers) * len(by_id)
    # both right and wrong answers were compared
    assert {float(rows[s][q]) > 0 for s in answers for q in by_id} == {True, False}


def test_same_questions_give_the_same_export_bytes(exported, tmp_path):
    tmp, _, _, bank, _ = exported
    for fmt, name in FORMATS.items():
        result = cli(
            "export",
            "--format",
            fmt,
            "--bank",
            str(bank),
            "--chapter",
            "zz_synthetic",
            "--title",
            "Synthetic quiz",
            "--out",
            str(tmp_path / name),
        )
        assert result.returncode == 0
        assert (tmp_path / name).read_bytes() == (tmp / name).read_bytes()
