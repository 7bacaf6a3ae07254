"""book/instructors.md: run the page's commands, in order, in an empty folder.

Files the page shows with a path as caption (a code block or a literalinclude) are written
there first, as a reader would save them. Before the first `grade`, a synthetic class hands in
its answers (see test_instructor_support.make_handins).
"""

from __future__ import annotations

import re
import shlex
import shutil
import zipfile

import pytest
from test_instructor_support import cli, make_handins, read_grades

from vae_course_instructor.keyfile import read_key

from paths import BOOK

PAGE = BOOK / "instructors.md"
FENCE = re.compile(r"^```\{(code-block|literalinclude)\}\s*(\S*)\n(.*?)^```", re.M | re.S)


def page_blocks() -> list[tuple[str, str, dict[str, str], str]]:
    """(directive, argument, options, content) of every directive block, in page order."""
    blocks = []
    for directive, argument, body in FENCE.findall(PAGE.read_text(encoding="utf-8")):
        options, lines = {}, body.splitlines()
        while lines and lines[0].startswith(":"):
            name, _, value = lines.pop(0)[1:].partition(":")
            options[name] = value.strip()
        blocks.append((directive, argument, options, "\n".join(lines).strip("\n") + "\n"))
    return blocks


def page_commands() -> list[list[str]]:
    commands = []
    for directive, language, _, content in page_blocks():
        if directive == "code-block" and language in ("console", "bash"):
            text = content.replace("\\\n", " ")
            commands += [
                shlex.split(line[2:]) for line in text.splitlines() if line.startswith("$ ")
            ]
    return commands


def test_the_page_walks_through_every_command():
    used = {c[1] for c in page_commands()}
    assert used >= {"list", "validate", "secret", "assign", "key", "export", "grade"}
    formats = {c[c.index("--format") + 1] for c in page_commands() if "--format" in c}
    assert formats == {"canvas-qti", "moodle-xml", "gift"}
    assert all(c[0] == "vae-course" for c in page_commands())


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("page")
    for directive, argument, options, content in page_blocks():
        caption = options.get("caption", "")
        if not caption or " " in caption:
            continue
        target = tmp / caption
        target.parent.mkdir(parents=True, exist_ok=True)
        if directive == "literalinclude":
            shutil.copy((PAGE.parent / argument).resolve(), target)
        else:
            target.write_text(content, encoding="utf-8")
    results, synthetic = [], None
    for command in page_commands():
        if command[1] == "grade" and synthetic is None:
            key = read_key(tmp / "instructor/key.json")
            synthetic = make_handins(key, tmp / "handout", tmp / "handins")
        result = cli(*command[1:], cwd=tmp)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        results.append((command, result))
    return tmp, synthetic, results


def test_the_page_commands_make_the_files_it_describes(ran):
    tmp, synthetic, _ = ran
    key = read_key(tmp / "instructor/key.json")
    assert "my-beta-effect" in key.questions  # the instructor's own question was assigned
    # calculated questions, the instructor's and the assessment bank's, with own numbers
    calculated = [qid for qid in key.questions if key.versions[0].values.get(qid)]
    assert "my-kl-one-dimension" in calculated and any(q.startswith("a06-") for q in calculated)
    assert len({tuple(v.values["my-kl-one-dimension"].items()) for v in key.versions}) > 1
    ids = [v.student.student_id for v in key.versions]
    for sid in ids:
        assert (tmp / "handout" / f"{sid}.ipynb").is_file()
        assert (tmp / "handout" / f"{sid}.html").is_file()
    assert not list((tmp / "handout").glob("*key*"))
    for name in ("answer-key.md", "answer-key.csv"):
        assert (tmp / "instructor" / name).is_file()
    with zipfile.ZipFile(tmp / "exports/quiz-06-canvas.zip") as archive:
        assert "imsmanifest.xml" in archive.namelist()
    assert (tmp / "exports/quiz-06-moodle.xml").read_bytes().startswith(b"<?xml")
    assert "::a06-" in (tmp / "exports/quiz-06.gift.txt").read_text(encoding="utf-8")
    moodle = (tmp / "exports/quiz-06-moodle.xml").read_text(encoding="utf-8")
    assert '<question type="calculated">' in moodle


def test_the_page_says_the_self_check_bank_is_public_and_assign_warns(tmp_path):
    text = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert "The chapters' self-check bank is public." in text
    assert "For graded work use **calculated questions**" in text
    (tmp_path / "secret.txt").write_text("w" * 40)
    shutil.copy(
        PAGE.parent / "../instructor/vae_course_instructor/examples/roster.csv",
        tmp_path / "roster.csv",
    )
    result = cli(
        "assign",
        "--roster",
        "roster.csv",
        "--name",
        "w",
        "--chapter",
        "06_sampling",
        "--out",
        "h",
        "--key",
        "k/key.json",
        "--secret-file",
        "secret.txt",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    ids = list(read_key(tmp_path / "k/key.json").questions)
    assert f"{len(ids)} of the questions are fixed questions" in result.stderr
    assert "public self-check bank" in result.stderr and ids[0] in result.stderr


def test_the_page_grades_the_synthetic_class(ran):
    tmp, synthetic, _ = ran
    rows = read_grades(tmp / "grades/grades.csv")
    key = synthetic.key
    for version in key.versions:
        sid = version.student.student_id
        if sid not in synthetic.handed_in:
            assert rows[sid]["status"] == "no hand-in"
            continue
        expected = sum(q.points for q in key.questions_of(version) if synthetic.expected[sid][q.id])
        assert rows[sid]["status"] == "graded"
        assert float(rows[sid]["score"]) == pytest.approx(expected)
    assert (tmp / "grades/problems.csv").read_text().strip() == "file,problem"
