"""`vae-course` help, list and validate (with an instructor's own bank files)."""

from __future__ import annotations

import pytest
from test_instructor_support import cli, write_bank

from vae_course.quiz.bank import read_bank
from vae_course_instructor.cli import build_parser
from vae_course_instructor.lint import moodle_fraction, multiple_credit

COMMANDS = ["list", "validate", "secret", "assign", "key", "export", "grade"]


def test_help_for_the_tool_and_every_command():
    result = cli("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
        sub = cli(command, "--help")
        assert sub.returncode == 0, sub.stderr
        assert sub.stdout.startswith("usage: vae-course " + command)
    # the parser knows exactly these commands
    choices = build_parser()._subparsers._group_actions[0].choices
    assert sorted(choices) == sorted(COMMANDS)


def test_list_shows_ids_types_chapters_and_tags(tmp_path):
    bank = write_bank(tmp_path / "bank")
    result = cli("list", "--bank", str(bank), "--chapter", "zz_synthetic", "--tag", "topic=prior")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "type", "chapter", "topic", "difficulty", "points"]
    assert lines[1].split() == ["syn-single", "single", "zz_synthetic", "prior", "easy", "1"]
    assert lines[-1] == "1 questions"
    bad = cli("list", "--tag", "colour=red")
    assert bad.returncode == 1 and "--tag" in bad.stderr


def test_validate_the_course_bank_passes():
    result = cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


MY_BANK = """
chapter: my_quiz
title: Mine
questions:
  - id: mine-three-correct
    type: multiple
    stem: "Pick three."
    choices:
      - {id: a, text: "A", correct: true}
      - {id: b, text: "B", correct: true}
      - {id: c, text: "C", correct: true}
      - {id: d, text: "D"}
      - {id: e, text: "E"}
      - {id: f, text: "F"}
      - {id: g, text: "G"}
      - {id: h, text: "H"}
      - {id: i, text: "I"}
      - {id: j, text: "J"}
      - {id: k, text: "K"}
      - {id: l, text: "L"}
    explanation: "x"
  - id: mine-eleven
    type: multiple
    stem: "Pick eleven."
    choices:
ELEVEN
    explanation: "x"
  - id: mine-zero
    type: numeric
    stem: "Zero?"
    answer: 0
    tolerance: {relative: 0.1}
    explanation: "x"
  - id: mine-giveaway
    type: single
    stem: "Which?"
    choices:
      - {id: correct-one, text: "this", correct: true}
      - {id: other, text: "that"}
    explanation: "x"
""".replace(
    "ELEVEN",
    "\n".join(
        f'      - {{id: c{i}, text: "C{i}", correct: {"true" if i < 11 else "false"}}}'
        for i in range(12)
    ),
)


def test_validate_reports_lms_problems_with_file_question_and_field(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/my_quiz.yaml").write_text(MY_BANK)
    result = cli("validate", str(tmp_path / "mine"))
    assert result.returncode == 1
    err = result.stderr
    assert "my_quiz.yaml: question 'mine-eleven': field 'choices'" in err
    assert "my_quiz.yaml: question 'mine-zero': field 'tolerance.relative'" in err
    # three correct choices are 33.33333% each, which Moodle accepts
    assert "mine-three-correct" not in err
    assert "warning: my_quiz.yaml: question 'mine-giveaway': field 'choices[0].id'" in result.stdout


def test_validate_names_schema_errors_and_duplicates(tmp_path):
    (tmp_path / "broken.yaml").write_text(
        "chapter: broken\ntitle: B\nquestions:\n  - id: b-one\n    type: single\n"
        "    explanation: x\n    choices: []\n"
    )
    dup = write_bank(tmp_path / "dup")
    taken = read_bank()[0].questions[0].id  # an id of the course's own bank
    text = (dup / "zz_synthetic.yaml").read_text().replace("syn-number", taken)
    (dup / "zz_synthetic.yaml").write_text(text)
    result = cli("validate", str(tmp_path / "broken.yaml"), str(dup), str(tmp_path / "nothere"))
    assert result.returncode == 1
    assert "broken.yaml: question 'b-one': field 'stem'" in result.stderr
    assert f"zz_synthetic.yaml: question '{taken}': field 'id': duplicate id" in result.stderr
    assert "nothere" in result.stderr


@pytest.mark.parametrize("k", range(1, 21))
def test_multiple_answer_credit_is_a_moodle_grade_exactly_when_listed(k):
    credit = multiple_credit(k)
    if k in (11, 12, 13, 14, 15, 16, 17, 18, 19):
        assert credit is None
    else:
        assert credit is not None and abs(credit * k - 100) < 1e-3
    assert moodle_fraction(-50) == -50 and moodle_fraction(37) is None


@pytest.mark.parametrize(
    ("fmt", "warned"),
    [
        ("canvas-qti", "Canvas compares typed answers without regard to case"),
        ("gift", "Moodle imports GIFT short answers as case-insensitive"),
        ("moodle-xml", None),  # its cloze blanks keep case where the course does
    ],
)
def test_an_export_that_loses_case_says_which_blanks(tmp_path, fmt, warned):
    # Chapter 7's bank has one typed blank whose answer is a math letter: sqrt(d), not sqrt(D).
    result = cli(
        "export", "--format", fmt, "--chapter", "07_interpolation", "--title", "T",
        "--out", str(tmp_path / "quiz"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    if warned is None:
        assert "without regard to case" not in result.stderr
        assert "case-insensitive" not in result.stderr
    else:
        assert f"note: {warned}, but the course tells a math letter" in result.stderr
        assert "1 blank(s) (07-norm-concentration/radius) will also accept" in result.stderr


def test_the_case_note_names_typed_blanks_only():
    from vae_course.quiz.schema import Blank
    from vae_course_instructor.commands import case_blind_blanks

    from questions import question

    typed = question(
        "q-typed", "fill_blank", stem="{{a}} and {{b}} and {{c}}",
        blanks=(
            Blank("a", ("sqrt(d)",)),  # a math letter: case matters
            Blank("b", ("encoder",)),  # a word: case folds
            Blank("c", ("D",), word_bank=("D", "d")),  # a word bank: the LMS offers both
        ),
    )  # fmt: skip
    assert case_blind_blanks([typed]) == ["q-typed/a"]
