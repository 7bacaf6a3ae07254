"""Exports read back as written (Moodle wildcards, GIFT weights, blank weights, titles) and
answer keys that stay with the instructor."""

from __future__ import annotations

import re
import stat

import lxml.etree as LET
import pytest
from test_instructor_support import assign_class, cli, gift_questions

HOSTILE = r"""
chapter: zz_hostile
title: Hostile texts
questions:
  - id: hostile-star
    type: fill_blank
    stem: "Type the pattern: {{pattern}}"
    blanks:
      pattern: {answers: ["q*"]}
    explanation: "Literally q*."
  - id: hostile-percent
    type: single
    stem: "Which share?"
    choices:
      - {id: a, text: "%50% of the mass", feedback: "No."}
      - {id: b, text: "all of it", correct: true, feedback: "Yes."}
      - {id: c, text: "%-100%none", feedback: "No."}
    explanation: "All."
  - id: hostile-two-blanks
    type: fill_blank
    stem: "{{one}} and {{two}}"
    blanks:
      one: {answers: [encoder]}
      two: {answers: [decoder]}
    explanation: "x"
    points: 3
"""


def moodle_shortanswer_accepts(pattern: str, response: str) -> bool:
    """Moodle's short-answer match: '*' is a wildcard, '\\*' a literal star (case-insensitive)."""
    regex = "".join(
        r"\*" if part == r"\*" else ".*" if part == "*" else re.escape(part)
        for part in re.split(r"(\\\*|\*)", pattern)
    )
    return re.fullmatch(regex, response, re.I | re.S) is not None


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exports")
    (tmp / "bank").mkdir()
    (tmp / "bank/zz_hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    title = "Unit 1/Quiz: 100% {fun}"
    for fmt, name in (("moodle-xml", "q.xml"), ("gift", "q.txt")):
        result = cli(
            "export",
            "--format",
            fmt,
            "--bank",
            "bank",
            "--chapter",
            "zz_hostile",
            "--title",
            title,
            "--out",
            name,
            cwd=tmp,
        )
        assert result.returncode == 0, result.stderr
    return tmp, title


def test_a_star_in_a_typed_answer_is_not_a_moodle_wildcard(exports):
    tmp, _ = exports
    root = LET.parse(str(tmp / "q.xml")).getroot()
    text = root.xpath("//question[name/text='hostile-star']/questiontext/text")[0].text
    body = re.search(r"\{\d+:SHORTANSWER(?:_C)?:=(.*?)\}", text).group(1)
    assert moodle_shortanswer_accepts(body, "q*")
    assert not moodle_shortanswer_accepts(body, "quick")
    gift = gift_questions((tmp / "q.txt").read_text(encoding="utf-8"))
    accepted = [o[2] for o in gift["hostile-star"]["options"]]
    assert accepted == ["q\\*"]  # GIFT leaves '\*' for Moodle's short answer: a literal star


def test_a_percent_at_the_start_of_a_choice_is_not_a_gift_weight(exports):
    tmp, _ = exports
    gift = gift_questions((tmp / "q.txt").read_text(encoding="utf-8"))
    options = gift["hostile-percent"]["options"]
    assert [o[1] for o in options] == [0.0, 100.0, 0.0]
    assert options[0][2] == "&#37;50&#37; of the mass"  # HTML: the reader sees %50%


def test_blank_weights_add_up_to_the_points(exports):
    tmp, _ = exports
    root = LET.parse(str(tmp / "q.xml")).getroot()
    node = root.xpath("//question[name/text='hostile-two-blanks']")[0]
    weights = [int(w) for w in re.findall(r"\{(\d+):", node.findtext("questiontext/text"))]
    assert sum(weights) == 3 and len(weights) == 2
    assert float(node.findtext("defaultgrade")) == 3


def test_titles_are_one_category_verbatim(exports):
    tmp, title = exports
    root = LET.parse(str(tmp / "q.xml")).getroot()
    category = root.xpath("//question[@type='category']/category/text")[0].text
    assert category == "$course$/top/Unit 1//Quiz: 100% {fun}"  # '//' is Moodle's literal '/'
    first = (tmp / "q.txt").read_text(encoding="utf-8").splitlines()[0]
    assert first == "$CATEGORY: $course$/top/Unit 1//Quiz: 100% {fun}"


def test_key_files_are_private_and_never_in_the_handout(tmp_path):
    handout, key_path, _ = assign_class(tmp_path)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    for target in ("handout", "handout/sub"):
        refused = cli("key", "instructor/key.json", "--out", target, cwd=tmp_path)
        assert refused.returncode == 1 and "handouts" in refused.stderr
    assert not list(handout.rglob("answer-key*"))
    result = cli("key", "instructor/key.json", "--out", "private", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("answer-key.md", "answer-key.csv"):
        assert stat.S_IMODE((tmp_path / "private" / name).stat().st_mode) == 0o600
