"""Hostile bank files, key files and hand-ins: every command answers with one line per
problem and exit status 1, never a traceback; every error of a file is reported."""

from __future__ import annotations

import contextlib
import io
import os
import random
import resource
import subprocess
import sys

import pytest
from test_instructor_support import SYNTHETIC_BANK, _source_path, assign_class, cli, make_handins

from vae_course_instructor.cli import main
from vae_course_instructor.keyfile import read_key

LAUGHS = "\n".join(
    ["chapter: laughs", "title: lol", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    + [
        "questions:",
        "  - id: lol",
        "    type: numeric",
        "    stem: *a11",
        "    explanation: x",
        "    answer: 1",
    ]
)


def _validate(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return cli("validate", str(path))


def _cpu_limit() -> None:
    """In the child: killed (SIGXCPU) past 60 s of its own CPU time, whatever the load."""
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def test_yaml_aliases_are_refused_without_expanding_them(tmp_path):
    """LAUGHS expands to 6 * 5**11 (about 293 million) strings: a validator that followed the
    aliases would run for many minutes. Refusing them costs a second or two of CPU, so a limit
    of 60 s of the process's own CPU time (not wall-clock time, which depends on the machine's
    load) separates the two by far."""
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": _source_path()}
    command = [sys.executable, "-m", "vae_course_instructor.cli", "validate", str(path)]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, preexec_fn=_cpu_limit
    )
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    assert "Traceback" not in result.stderr
    assert "aliases (*name) are not allowed" in result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) < 800


def test_deep_nesting_is_refused_without_a_recursion_error(tmp_path):
    text = "chapter: deep\ntitle: d\nquestions: " + "[" * 1000 + "]" * 1000 + "\n"
    result = _validate(tmp_path, "deep", text)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nested more than" in result.stderr


def test_every_error_of_a_file_is_reported_and_messages_are_bounded(tmp_path):
    text = SYNTHETIC_BANK.replace("chapter: zz_synthetic", "chapter: many")
    text = text.replace("type: single", "type: singel", 1)
    text = text.replace("answer: 4.5", "answer: four", 1)
    text = text.replace("id: syn-typed", "id: Syn_Typed", 1)
    text = text.replace("    points: 2\n", '    points: "' + "x" * 50_000 + '"\n', 1)
    result = _validate(tmp_path, "many", text)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4, result.stderr
    assert (
        "'singel'" in result.stderr and "'four'" in result.stderr and "Syn_Typed" in result.stderr
    )
    assert max(len(line) for line in result.stderr.splitlines()) < 800


def _run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, err.getvalue()


def _mutations(text: str, rng: random.Random, n: int) -> list[str]:
    pieces = [
        "\x00",
        "\ud800",
        "{",
        "}",
        "[",
        "]",
        ":",
        "- ",
        "&a",
        "*a",
        "!!python/object",
        "\t",
        "'",
        '"',
        "NaN",
        "1e999",
        "-",
        "\n  ",
        "\xff",
        "🙂",
    ]
    out = []
    for _ in range(n):
        chars = list(text)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(chars))
            choice = rng.random()
            if choice < 0.4:
                chars.insert(at, rng.choice(pieces))
            elif choice < 0.7:
                del chars[at : at + rng.randint(1, 20)]
            else:
                chars[at] = rng.choice(pieces)
        out.append("".join(chars))
    return out


def test_fuzzed_banks_never_give_a_traceback(tmp_path):
    """Mutated bank files, all in one folder: validate and export read every one of them."""
    rng = random.Random(13)
    folder = tmp_path / "fuzz"
    folder.mkdir()
    for i, text in enumerate(_mutations(SYNTHETIC_BANK, rng, 60)):
        path = folder / f"fuzz{i}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        status, err = _run("list", "--bank", str(path), "--chapter", f"fuzz{i}")
        assert status in (0, 1) and "internal error" not in err, (text, err)
    status, err = _run("validate", str(folder))
    assert status == 1 and "internal error" not in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) >= 30
    for fmt in ("gift", "moodle-xml", "canvas-qti"):
        status, err = _run(
            "export", "--format", fmt, "--bank", str(folder), "--out", str(tmp_path / f"e-{fmt}")
        )
        assert status == 1 and "internal error" not in err, err


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzzkey")
    handout, key_path, _ = assign_class(tmp)
    make_handins(read_key(key_path), handout, tmp / "handins")
    return tmp, key_path


def test_fuzzed_key_files_and_handins_never_give_a_traceback(graded_class, tmp_path):
    tmp, key_path = graded_class
    rng = random.Random(7)
    key_text = key_path.read_text(encoding="utf-8")
    for i, text in enumerate(_mutations(key_text, rng, 15)):
        bad_key = tmp_path / f"key{i}.json"
        bad_key.write_text(text, encoding="utf-8", errors="surrogatepass")
        for args in (
            ["key", str(bad_key), "--out", str(tmp_path / f"k{i}")],
            [
                "grade",
                str(tmp / "handins"),
                "--key",
                str(bad_key),
                "--out",
                str(tmp_path / f"g{i}"),
            ],
        ):
            status, err = _run(*args)
            assert status in (0, 1) and "internal error" not in err, (args, err)
    handin = (tmp / "handins/responses-s001.json").read_text(encoding="utf-8")
    folder = tmp_path / "fuzzed-handins"
    folder.mkdir()
    for i, text in enumerate(_mutations(handin, rng, 60)):
        (folder / f"responses-s001-{i}.json").write_text(
            text, encoding="utf-8", errors="surrogatepass"
        )
    status, err = _run("grade", str(folder), "--key", str(key_path), "--out", str(tmp_path / "gf"))
    assert status == 0 and "internal error" not in err and "could not be read" not in err, err


def test_assign_with_hostile_rosters_never_gives_a_traceback(graded_class, tmp_path):
    tmp, _ = graded_class
    rosters = [
        b"student_id,name\n",
        b"\xff\xfe garbage",
        b"student_id,name\n../../etc,Evil\n",
        b"student_id,name\ns1,\n",
        b"student_id,name\ns1,A\ns1,B\n",
        b"name\nA\n",
        b"student_id,name\n" + b"s,x" * 100_000 + b"\n",
        b'student_id,name\n"s1,"A\n',
    ]
    for i, raw in enumerate(rosters):
        roster = tmp_path / f"roster{i}.csv"
        roster.write_bytes(raw)
        status, err = _run(
            "assign",
            "--roster",
            str(roster),
            "--name",
            "x",
            "--out",
            str(tmp_path / f"h{i}"),
            "--key",
            str(tmp_path / f"k{i}/key.json"),
            "--secret-file",
            str(tmp / "secret.txt"),
            "--chapter",
            "06_sampling",
        )
        assert status in (0, 1) and "internal error" not in err and len(err) < 2000, (raw[:40], err)
