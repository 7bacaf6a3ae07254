"""Shared pieces of the instructor tests: a synthetic bank, a synthetic class, LMS readers.

The readers score an *export's* encoded answers independently of vae_course's grading:
Canvas QTI by its respconditions, Moodle XML by its fractions and tolerances, GIFT by the
algorithm of Moodle's GIFT importer (escapes first, the first {...} is the answer block,
options split on ~ and =, %weight%, #feedback, ####general feedback).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.etree as LET

from vae_course.quiz.handout_widget import RESPONSES_MIME, AssignmentQuiz
from vae_course.quiz.schema import Question
from vae_course_instructor.keyfile import AssignmentKey

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "instructor/vae_course_instructor/examples/roster.csv"

# GIFT specials, TeX with backslashes and braces, Markdown and HTML-special characters.
SYNTHETIC_BANK = r"""
chapter: zz_synthetic
title: "Synthetic: every type"
questions:
  - id: syn-single
    type: single
    stem: "Which prior do we use? Note: a {brace}, a ~tilde, an = sign, a #hash & <tag>."
    choices:
      - id: gauss
        text: "The standard normal $\\mathcal{N}(0, I)$ with $\\nabla_z = 0$"
        correct: true
        feedback: "Yes, it is the standard normal."
      - {id: unif, text: "Uniform on $\\{0, 1\\}^d$", feedback: "No, that is a discrete set."}
      - {id: laplace, text: "Laplace: heavy tails", feedback: "Not in this course."}
    explanation: "The prior is $p(z) = \\mathcal{N}(0, I)$ and nothing else."
    tags: {topic: prior, difficulty: easy}
    points: 1
  - id: syn-multiple
    type: multiple
    stem: "Which terms appear in the ELBO $\\mathcal{L}$?"
    choices:
      - id: recon
        text: "Reconstruction $\\mathbb{E}_q[\\log p(x \\mid z)]$"
        correct: true
        feedback: "Yes: the first term."
      - {id: kl, text: "The KL term", correct: true, feedback: "Yes: the second term."}
      - {id: entropy-x, text: "The entropy of the data", feedback: "No: it is a constant."}
      - {id: none, text: "None of the above", pinned: true, feedback: "No: two of them are."}
    explanation: "The ELBO is reconstruction minus KL."
    tags: {topic: elbo, difficulty: medium}
    points: 2
  - id: syn-words
    type: fill_blank
    stem: "We sample $z$ from the {{space}} space."
    blanks:
      space: {answers: [latent], word_bank: [latent, pixel, data]}
    explanation: "The latent space."
    tags: {topic: sampling}
  - id: syn-typed
    type: fill_blank
    stem: "The {{first}} maps $x$ to $z$; the {{second}} maps $z$ back to $x$."
    blanks:
      first: {answers: [encoder, inference network]}
      second: {answers: [decoder, generator]}
    explanation: "Encoder, then decoder."
    points: 2
  - id: syn-number
    type: numeric
    stem: "What is the KL of N(3, 1) from N(0, 1) in nats?"
    answer: 4.5
    tolerance: {absolute: 0.01}
    explanation: "It is mu squared over two."
  - id: syn-negative
    type: numeric
    stem: "What is log(0.5) to three digits?"
    answer: -0.693
    tolerance: {relative: 0.01}
    explanation: "Natural logarithm."
"""


def write_bank(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "zz_synthetic.yaml"
    path.write_text(SYNTHETIC_BANK.lstrip(), encoding="utf-8")
    return folder


def cli(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run the command as `python -m vae_course_instructor.cli` with this interpreter (the
    console script of an installed wheel may be stale; the module is the source's)."""
    command = [sys.executable, "-m", "vae_course_instructor.cli"]
    env = {**(os.environ if env is None else env), "PYTHONPATH": _source_path()}
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _source_path() -> str:
    """The source trees of both distributions first, so subprocesses import them."""
    parts = [str(ROOT), str(ROOT / "instructor")]
    parts += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join(parts)


# -- the synthetic class ----------------------------------------------------------------------
def wrong_answer(q: Question) -> Any:
    """A wrong answer of the question's form (deterministic)."""
    if q.type == "single":
        return next(c.id for c in q.choices if not c.correct)
    if q.type == "multiple":
        right = list(q.correct_choice_ids)
        wrong = next(c.id for c in q.choices if not c.correct)
        return right[:-1] + [wrong]
    if q.type == "fill_blank":
        out = {}
        for b in q.blanks:
            if b.word_bank is not None:
                out[b.name] = next(w for w in b.word_bank if w not in b.answers)
            else:
                out[b.name] = "nonsense"
        out[q.blanks[0].name] = out[q.blanks[0].name]
        return out
    lo, hi = q.tolerance.bounds(q.answer)
    return hi + 1.0 + abs(q.answer)


def right_answer(q: Question, variant: int) -> Any:
    """A correct answer; ``variant`` picks among accepted spellings."""
    if q.type == "single":
        return q.correct_choice_ids[0]
    if q.type == "multiple":
        return list(reversed(q.correct_choice_ids))
    if q.type == "fill_blank":
        return {
            b.name: (
                b.answers[variant % len(b.answers)].upper() if b.word_bank is None else b.answers[0]
            )
            for b in q.blanks
        }
    lo, hi = q.tolerance.bounds(q.answer)
    return q.answer + (hi - q.answer) / 2 * (1 if variant % 2 else -1)


@dataclass
class SyntheticClass:
    key: AssignmentKey
    expected: dict[str, dict[str, bool]]  # student id -> question id -> answered correctly
    handed_in: set[str]


def plan(key: AssignmentKey) -> dict[str, dict[str, Any]]:
    """Which questions each student gets right: a pattern by roster and question position."""
    out = {}
    for i, version in enumerate(key.versions):
        marks = {}
        for j, qid in enumerate(version.question_ids):
            if (i + j) % 4 == 3:
                marks[qid] = None  # left unanswered
            else:
                marks[qid] = (i * 7 + j * 3) % 5 != 0
        out[version.student.student_id] = marks
    return out


def make_handins(key: AssignmentKey, handout: Path, handins: Path, skip: int = 1) -> SyntheticClass:
    """Answer every version but the last ``skip`` students' with the assignment notebook's
    quiz, handed in three ways: the saved responses file, the notebook holding them, and the
    saved file inside a Moodle download folder named after the student."""
    handins.mkdir(parents=True, exist_ok=True)
    marks = plan(key)
    expected, handed_in = {}, set()
    versions = key.versions[: len(key.versions) - skip]
    for i, version in enumerate(versions):
        sid = version.student.student_id
        questions = key.questions_of(version)
        answers = {}
        for q in questions:
            mark = marks[sid][q.id]
            if mark is not None:
                answers[q.id] = right_answer(q, i) if mark else wrong_answer(q)
        expected[sid] = {q.id: bool(marks[sid][q.id]) for q in questions}
        handed_in.add(sid)
        nb = json.loads((handout / f"{sid}.ipynb").read_text(encoding="utf-8"))
        quiz = AssignmentQuiz.from_json(notebook_payload(nb))
        for qid, answer in answers.items():
            quiz.set_answer(qid, answer)
        if i % 3 == 1:  # handed in as the notebook, with the save cell's output
            document = quiz.responses_document(sid)
            nb["cells"][-1]["outputs"] = [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {RESPONSES_MIME: document, "text/plain": ["saved"]},
                }
            ]
            (handins / f"{sid}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        elif i % 3 == 2:  # a Moodle download: one folder per student, named after them
            folder = handins / f"{version.student.name}_{1000 + i}_assignsubmission_file_"
            quiz.save_responses(folder / f"responses-{sid}.json", student_id=sid, download=False)
        else:
            quiz.save_responses(handins / f"responses-{sid}.json", student_id=sid, download=False)
    return SyntheticClass(key, expected, handed_in)


def notebook_payload(nb: dict) -> str:
    source = "".join(
        next(c for c in nb["cells"] if "AssignmentQuiz" in "".join(c["source"]))["source"]
    )
    return re.search(r'r"""\n(.*)\n"""', source, re.S).group(1)


def assign_class(tmp: Path, *extra: str) -> tuple[Path, Path, Path]:
    """Run `vae-course assign` on the synthetic bank; returns (handout, key path, bank dir)."""
    bank = write_bank(tmp / "mybank")
    (tmp / "secret.txt").write_text("s" * 40, encoding="utf-8")
    shutil.copy(ROSTER, tmp / "roster.csv")
    result = cli(
        "assign",
        "--roster",
        "roster.csv",
        "--name",
        "syn",
        "--bank",
        str(bank),
        "--chapter",
        "zz_synthetic",
        "--out",
        "handout",
        "--key",
        "instructor/key.json",
        "--secret-file",
        "secret.txt",
        *extra,
        cwd=tmp,
    )
    assert result.returncode == 0, result.stderr
    return tmp / "handout", tmp / "instructor/key.json", bank


def read_grades(path: Path) -> dict[str, dict[str, str]]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


# -- independent readers of the exports -------------------------------------------------------
def norm(text: str) -> str:
    return " ".join(str(text).split()).lower()


def qti_rules(zip_path: Path) -> dict[str, Any]:
    """question id -> a function(answer in the responses form, question) -> full credit."""
    with zipfile.ZipFile(zip_path) as archive:
        manifest = LET.fromstring(archive.read("imsmanifest.xml"))
        ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
        href = manifest.xpath(
            "//*[local-name()='resource'][@type='imsqti_xmlv1p2']/*[local-name()='file']/@href"
        )[0]
        root = LET.fromstring(archive.read(href))
    rules = {}
    for item in root.iterfind(".//q:item", ns):
        qtype = item.xpath(
            ".//q:fieldlabel[text()='question_type']/../q:fieldentry/text()", namespaces=ns
        )[0]
        labels = item.xpath(".//q:response_label", namespaces=ns)
        text_of = {lab.get("ident"): "".join(lab.itertext()) for lab in labels}
        scoring = [
            rc
            for rc in item.iterfind(".//q:respcondition", ns)
            if rc.find("q:setvar", ns) is not None
        ]
        rules[item.get("ident")] = (qtype, labels, text_of, scoring)

    def make(qtype, labels, text_of, scoring):
        idents = [lab.get("ident") for lab in labels]

        def full(answer, q: Question) -> bool:
            if qtype == "numerical_question":
                cond = scoring[0]
                lo = float(cond.xpath(".//q:vargte/text()", namespaces=ns)[0])
                hi = float(cond.xpath(".//q:varlte/text()", namespaces=ns)[0])
                return lo <= float(answer) <= hi
            if qtype in ("multiple_choice_question", "multiple_answers_question"):
                chosen = {
                    idents[[c.id for c in q.choices].index(a)]
                    for a in ([answer] if isinstance(answer, str) else answer)
                }
                cond = scoring[0]
                need = set(cond.xpath(".//q:varequal[not(parent::q:not)]/text()", namespaces=ns))
                banned = set(cond.xpath(".//q:not/q:varequal/text()", namespaces=ns))
                return need <= chosen and not (chosen & banned)
            # blanks: every blank's word must be a label that a scoring condition names
            score = 0.0
            for blank in q.blanks:
                respident = "response_" + blank.name.replace("-", "_")
                for cond in scoring:
                    ident = cond.xpath(
                        f".//q:varequal[@respident='{respident}']/text()", namespaces=ns
                    )
                    if ident and norm(text_of[ident[0]]) == norm(answer[blank.name]):
                        score += float(cond.find("q:setvar", ns).text)
                        break
            return score > 99.9

        return full

    return {qid: make(*rule) for qid, rule in rules.items()}


def moodle_rules(xml_path: Path) -> dict[str, Any]:
    root = LET.parse(str(xml_path)).getroot()
    rules = {}
    for node in root.iterfind("question"):
        kind = node.get("type")
        if kind == "category":
            continue
        qid = node.findtext("name/text")
        if kind == "multichoice":
            fractions = [float(a.get("fraction")) for a in node.iterfind("answer")]

            def full(answer, q, fractions=fractions):
                ids = [c.id for c in q.choices]
                chosen = [answer] if isinstance(answer, str) else answer
                total = sum(fractions[ids.index(a)] for a in chosen)
                return max(0.0, min(100.0, total)) > 99.99

        elif kind == "numerical":
            a = node.find("answer")
            value, tol = float(a.findtext("text")), float(a.findtext("tolerance"))

            def full(answer, q, value=value, tol=tol):
                return abs(float(answer) - value) <= tol + 1e-12

        else:  # cloze
            text = node.findtext("questiontext/text")
            markers = re.findall(r"\{1:(MULTICHOICE|SHORTANSWER):(.*?)(?<!\\)\}", text)

            def full(answer, q, markers=markers):
                for blank, (_kind, body) in zip(q.blanks, markers, strict=True):
                    options = re.split(r"(?<!\\)~", body)
                    accepted = [
                        re.sub(r"\\(.)", r"\1", o[1:]) for o in options if o.startswith("=")
                    ]
                    if norm(answer[blank.name]) not in {norm(a) for a in accepted}:
                        return False
                return True

        rules[qid] = full
    return rules


def gift_unescape(text: str) -> str:
    """Moodle's order: '\\\\' is a backslash; '\\:' '\\#' '\\=' '\\{' '\\}' '\\~' are literal."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\:#={}~":
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


_HELD = {"\x00": "\\", "\x01": "{", "\x02": "}", "\x03": "=", "\x04": "~", "\x05": "#", "\x06": ":"}


def restore(text: str) -> str:
    for mark, char in _HELD.items():
        text = text.replace(mark, char)
    return text


def gift_questions(text: str) -> dict[str, dict[str, Any]]:
    """Moodle's GIFT import algorithm: name, question text, options (prefix, weight, text, fb)."""
    out = {}
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.splitlines() if not ln.strip().startswith("//")]
        block = "\n".join(lines).strip()
        if not block or block.startswith("$CATEGORY:"):
            continue
        # Placeholders for escapes, as qformat_gift's escapedchar_pre does.
        held = block.replace("\\\\", "\x00").replace("\\{", "\x01").replace("\\}", "\x02")
        held = held.replace("\\=", "\x03").replace("\\~", "\x04").replace("\\#", "\x05")
        held = held.replace("\\:", "\x06")
        assert held.startswith("::"), block[:80]
        name, _, rest = held[2:].partition("::")
        start, end = rest.index("{"), rest.index("}")
        answer = rest[start + 1 : end].strip()
        stem = rest[:start] + ("_____" + rest[end + 1 :] if rest[end + 1 :].strip() else "")
        general = ""
        if "####" in answer:
            answer, general = (
                answer[: answer.rindex("####")].strip(),
                answer[answer.rindex("####") + 4 :],
            )
        options = []
        if answer.startswith("#"):
            value, _, tol = answer[1:].strip().partition(":")
            options.append(("#", 100.0, value.strip(), tol.strip()))
        else:
            for part in re.split(r"(?=[=~])", answer):
                part = part.strip()
                if not part:
                    continue
                sign, body = part[0], part[1:]
                weight = 100.0 if sign == "=" else 0.0
                m = re.match(r"%(-?[0-9.]+)%", body)
                if m:
                    weight, body = float(m.group(1)), body[m.end() :]
                text_part, _, feedback = body.partition("#")
                options.append(
                    (sign, weight, restore(text_part.strip()), restore(feedback.strip()))
                )
        out[restore(name)] = {
            "stem": restore(stem.strip()),
            "options": options,
            "general": restore(general.strip()),
        }
    return out


def gift_rules(path: Path, questions: list[Question]) -> dict[str, Any]:
    parsed = gift_questions(path.read_text(encoding="utf-8"))
    rules = {}
    for q in questions:
        if q.type == "fill_blank":
            names = [q.id] if len(q.blanks) == 1 else [f"{q.id}-{b.name}" for b in q.blanks]

            def full(answer, q, names=names):
                for blank, name in zip(q.blanks, names, strict=True):
                    accepted = [t for sign, w, t, _ in parsed[name]["options"] if w > 0]
                    if norm(answer[blank.name]) not in {norm(a) for a in accepted}:
                        return False
                return True

        elif q.type == "numeric":
            (_, _, value, tol) = parsed[q.id]["options"][0]

            def full(answer, q, value=float(value), tol=float(tol)):
                return abs(float(answer) - value) <= tol + 1e-12

        else:
            weights = [w for _, w, _, _ in parsed[q.id]["options"]]

            def full(answer, q, weights=weights):
                ids = [c.id for c in q.choices]
                chosen = [answer] if isinstance(answer, str) else answer
                return max(0.0, min(100.0, sum(weights[ids.index(a)] for a in chosen))) > 99.99

        rules[q.id] = full
    return rules
