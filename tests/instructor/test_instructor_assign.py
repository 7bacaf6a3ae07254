"""`vae-course assign`: HMAC-seeded versions, reproducible, different per student, answer-free."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from test_instructor_support import ROSTER, assign_class, cli, notebook_payload, write_bank

from vae_course.quiz.handout import presented
from vae_course_instructor.keyfile import read_key
from vae_course_instructor.keyfile import shown as shown_to
from vae_course_instructor.roster import RosterError, read_roster
from vae_course_instructor.seeds import identity_token, order, sample, student_seed


# -- per-student seeds (the shuffle itself is vae_course.quiz.shuffle's, tested there) ---------
def test_orders_are_permutations_reproducible_and_close_to_uniform():
    seed = student_seed(b"k" * 32, "quiz", "s001")
    for n in range(0, 12):
        first = order(list(range(n)), seed, "p")
        assert sorted(first) == list(range(n)) and order(list(range(n)), seed, "p") == first
    # 3! = 6 orders over 6000 students: each expected 1000 times, sd about 29.
    counts = Counter(
        tuple(order([0, 1, 2], student_seed(b"secret-key-123456", "q", f"s{i}"), "p"))
        for i in range(6000)
    )
    assert len(counts) == 6
    assert all(abs(c - 1000) < 150 for c in counts.values()), counts


def test_seed_and_token_depend_on_secret_assignment_and_student():
    base = student_seed(b"a" * 20, "quiz", "s1")
    assert base != student_seed(b"b" * 20, "quiz", "s1")
    assert base != student_seed(b"a" * 20, "quiz2", "s1")
    assert base != student_seed(b"a" * 20, "quiz", "s2")
    # length-prefixed fields: moving a character between fields changes the seed
    assert student_seed(b"a" * 20, "ab", "c") != student_seed(b"a" * 20, "a", "bc")
    token = identity_token(b"a" * 20, "s1")
    assert len(token) == 32 and token != identity_token(b"a" * 20, "s2")
    assert token != identity_token(b"b" * 20, "s1") and token not in base.hex()


def test_pinned_items_keep_their_place_and_samples_are_subsets():
    items = list("abcdef")
    pinned = [False, True, False, False, False, True]
    seen = set()
    for i in range(50):
        out = order(items, bytes([i]) * 32, "c", pinned)
        assert out[1] == "b" and out[5] == "f" and sorted(out) == items
        seen.add(tuple(out))
        picked = sample(items, 3, bytes([i]) * 32)
        assert len(set(picked)) == 3 and picked == [x for x in items if x in picked]
    assert len(seen) > 10


def test_the_order_does_not_depend_on_the_interpreter_hash_seed():
    code = (
        "from vae_course_instructor.seeds import order, student_seed;"
        "print(order(list(range(20)), student_seed(b'x'*20, 'q', 's'), 'p'))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(h)},
        ).stdout
        for h in (0, 1, 12345)
    }
    assert len(outs) == 1


# -- assignments --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("assign")
    handout, key_path, bank = assign_class(tmp)
    return tmp, handout, key_path, bank


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_secret_and_roster_give_byte_identical_files(assigned, tmp_path):
    tmp, handout, key_path, bank = assigned
    again, key2, _ = assign_class(tmp_path)
    assert _files(again) == _files(handout)
    assert key2.read_bytes() == key_path.read_bytes()


def test_another_secret_gives_other_orders(assigned, tmp_path):
    tmp, handout, key_path, bank = assigned
    (tmp_path / "other.txt").write_text("t" * 40)
    result = cli(
        "assign",
        "--roster",
        str(ROSTER),
        "--name",
        "syn",
        "--bank",
        str(bank),
        "--chapter",
        "zz_synthetic",
        "--out",
        "h",
        "--key",
        "k/key.json",
        "--secret-file",
        "other.txt",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    a, b = read_key(key_path), read_key(tmp_path / "k/key.json")
    assert [v.question_ids for v in a.versions] != [v.question_ids for v in b.versions]


def test_students_get_different_orders_and_pinned_choices_stay(assigned):
    _, _, key_path, _ = assigned
    key = read_key(key_path)
    orders = {v.question_ids for v in key.versions}
    assert len(orders) > 1
    choice_orders = {v.choice_orders["syn-single"] for v in key.versions}
    assert len(choice_orders) > 1
    for v in key.versions:
        assert sorted(v.question_ids) == sorted(key.questions)
        assert v.choice_orders["syn-multiple"][3] == "none"  # pinned last, as in the bank


def _answer_strings(q) -> list[str]:
    """Text that would reveal the answer if it appeared in a student's file."""
    out = [q.explanation, q.content_hash()]
    out += [c.feedback for c in q.choices if c.feedback]
    for b in q.blanks:
        if b.word_bank is None:
            out += list(b.answers)
    if q.type == "numeric":
        out += [repr(q.answer), f"{q.answer:g}"]
    return out


def test_student_files_contain_no_answers(assigned):
    tmp, handout, key_path, _ = assigned
    key = read_key(key_path)
    secret = (tmp / "secret.txt").read_text()
    key_text = key_path.read_text()
    for version in key.versions:
        sid = version.student.student_id
        for path in (handout / f"{sid}.html", handout / f"{sid}.ipynb"):
            text = path.read_text(encoding="utf-8")
            assert secret not in text and "INSTRUCTOR ONLY" not in text
            assert not re.search(r"correct\"?\s*[:=]\s*(true|1)", text, re.I), path
            assert "data-correct" not in text and "data-payload" not in text
            for q in key.questions_of(version):
                for leak in _answer_strings(q):
                    assert leak not in text, (path.name, q.id, leak)
            assert key_text[:200] not in text
        # every choice input is written the same way, right or wrong
        page = (handout / f"{sid}.html").read_text(encoding="utf-8")
        inputs = re.findall(r"<input [^>]*>", page)
        shapes = {re.sub(r'(id|name|value)="[^"]*"', "", tag) for tag in inputs if "radio" in tag}
        assert len(shapes) == 1
        # the notebook embeds exactly the presented (answer-free) questions
        nb = json.loads((handout / f"{sid}.ipynb").read_text())
        version_doc = json.loads(notebook_payload(nb))
        shown = [presented(shown_to(q, version.token)) for q in key.questions_of(version)]
        assert [q["id"] for q in version_doc["questions"]] == [q.id for q in shown]
        for entry in version_doc["questions"]:
            assert set(entry) <= {"id", "type", "chapter", "points", "stem", "choices", "blanks"}
            for choice in entry.get("choices", []):
                assert set(choice) == {"id", "text"}
            for blank in entry.get("blanks", []):
                assert set(blank) == {"name", "word_bank"}


def test_correct_choices_are_not_always_in_the_same_place(assigned):
    _, _, key_path, _ = assigned
    key = read_key(key_path)
    places = {v.choice_orders["syn-single"].index("gauss") for v in key.versions}
    assert len(places) > 1


def test_key_inside_the_students_folder_is_refused(tmp_path):
    bank = write_bank(tmp_path / "bank")
    (tmp_path / "s.txt").write_text("x" * 32)
    result = cli(
        "assign",
        "--roster",
        str(ROSTER),
        "--name",
        "q",
        "--bank",
        str(bank),
        "--out",
        "out",
        "--key",
        "out/key.json",
        "--secret-file",
        "s.txt",
        cwd=tmp_path,
    )
    assert result.returncode == 1 and "--key" in result.stderr
    assert not (tmp_path / "out/key.json").exists()


def test_secret_from_environment_is_used_and_never_printed(tmp_path):
    bank = write_bank(tmp_path / "bank")
    secret = "env-secret-" + "z" * 30
    env = {**os.environ, "VAE_COURSE_SECRET": secret}
    result = cli(
        "assign",
        "--roster",
        str(ROSTER),
        "--name",
        "q",
        "--bank",
        str(bank),
        "--chapter",
        "zz_synthetic",
        "--out",
        "out",
        "--key",
        "k/key.json",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".json"):
            assert secret not in path.read_text(encoding="utf-8")
    env.pop("VAE_COURSE_SECRET")
    result = cli(
        "assign",
        "--roster",
        str(ROSTER),
        "--name",
        "q",
        "--bank",
        str(bank),
        "--out",
        "o2",
        "--key",
        "k2/key.json",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 1 and "VAE_COURSE_SECRET" in result.stderr


def test_random_pick_for_the_class_and_per_student(tmp_path):
    handout, key_path, _ = assign_class(tmp_path / "class", "--random", "3")
    key = read_key(key_path)
    assert len(key.questions) == 3
    assert all(sorted(v.question_ids) == sorted(key.questions) for v in key.versions)
    handout, key_path, _ = assign_class(tmp_path / "each", "--random", "3", "--per-student")
    key = read_key(key_path)
    assert all(len(v.question_ids) == 3 for v in key.versions)
    assert len({frozenset(v.question_ids) for v in key.versions}) > 1


def test_roster_errors_name_the_row_and_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("student_id,name\ns1,Ada\ns1,Bob\n")
    with pytest.raises(RosterError, match=r"row 3: column 'student_id': 's1' already on row 2"):
        read_roster(path)
    path.write_text("id,name\ns1,Ada\n")
    with pytest.raises(RosterError, match="missing column 'student_id'"):
        read_roster(path)
    path.write_text("student_id,name\n../evil,Eve\n")
    with pytest.raises(RosterError, match="row 2: column 'student_id'"):
        read_roster(path)
    assert [s.student_id for s in read_roster(ROSTER)][:2] == ["s001", "s002"]
