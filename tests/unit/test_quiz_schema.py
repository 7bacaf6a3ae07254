"""The question-bank schema: the shipped banks load, and every malformed bank is refused with a
BankError that names the file, the question and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from vae_course import quiz
from vae_course.quiz import BankError, bank, checking, validate

STEM = "06_sampling"


def valid_bank() -> dict:
    """A small bank with one question of each type (edited into malformed variants below)."""
    return {
        "chapter": STEM,
        "title": "Sampling",
        "questions": [
            {
                "id": "s-single",
                "type": "single",
                "stem": "Pick $z$.",
                "choices": [
                    {"id": "prior", "text": "Prior", "correct": True, "feedback": "Yes."},
                    {"id": "posterior", "text": "Posterior", "feedback": "No."},
                ],
                "explanation": "Because.",
                "tags": {"topic": "sampling", "difficulty": "easy"},
                "points": 1,
            },
            {
                "id": "s-multiple",
                "type": "multiple",
                "stem": "Pick all.",
                "choices": [
                    {"id": "a", "text": "A", "correct": True},
                    {"id": "b", "text": "B", "correct": True},
                    {"id": "c", "text": "C"},
                ],
                "explanation": "Both A and B.",
            },
            {
                "id": "s-fill",
                "type": "fill_blank",
                "stem": "Decode points from the {{space}} space.",
                "blanks": {"space": {"answers": ["latent"], "word_bank": ["latent", "pixel"]}},
                "explanation": "Latent.",
            },
            {
                "id": "s-kl",
                "type": "numeric",
                "stem": "KL?",
                "answer": 2.0,
                "tolerance": {"absolute": 0.01},
                "explanation": "Two.",
            },
        ],
    }


def write_bank(directory: Path, data: object, stem: str = STEM) -> Path:
    path = directory / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def question(data: dict, qid: str) -> dict:
    return next(q for q in data["questions"] if q["id"] == qid)


def test_valid_bank_loads_every_type(tmp_path):
    questions = quiz.load_file(write_bank(tmp_path, valid_bank()))
    assert [q.type for q in questions] == ["single", "multiple", "fill_blank", "numeric"]
    single, multiple, fill, numeric = questions
    assert single.correct_choice_ids == ("prior",)
    assert multiple.correct_choice_ids == ("a", "b")
    assert multiple.points == 1 and multiple.tags.topic is None  # defaults
    assert fill.blanks[0].word_bank == ("latent", "pixel")
    assert numeric.tolerance.bounds(2.0) == (1.99, 2.01)
    assert {q.chapter for q in questions} == {STEM}  # chapter tag comes from the file


def test_shipped_banks_all_validate_together():
    """Every chapter's bank file (not only chapter 06) passes the schema, ids unique overall."""
    questions = quiz.load_bank()
    assert len({q.id for q in questions}) == len(questions)
    assert set(bank.chapters()) >= {STEM}


def test_sample_bank_has_the_required_questions():
    questions = quiz.load_bank(STEM)
    types = [q.type for q in questions]
    assert len(questions) >= 4
    assert {"single", "multiple", "fill_blank", "numeric"} <= set(types)
    # Its word-bank blank takes exactly its answers among the words it offers.
    fill = next(q for q in questions if q.type == "fill_blank" and q.blanks[0].word_bank)
    blank = fill.blanks[0]
    for word in blank.word_bank:
        right = word in blank.answers
        assert blank.accepts(word) is right
        assert checking.check(fill, {blank.name: word}).correct is right


def test_answer_is_stored_by_choice_id_not_position(tmp_path):
    data = valid_bank()
    question(data, "s-single")["choices"].reverse()
    single = quiz.load_file(write_bank(tmp_path, data))[0]
    assert single.choices[0].id == "posterior"
    assert checking.check(single, "prior").correct
    assert not checking.check(single, "posterior").correct


def test_load_bank_unknown_chapter_names_it(tmp_path):
    write_bank(tmp_path, valid_bank())
    with pytest.raises(ValueError, match="'99_nothing'.*available: 06_sampling"):
        quiz.load_bank("99_nothing", directory=tmp_path)


def _edit(path_edit):
    data = valid_bank()
    path_edit(data)
    return data


def _set(qid, key, value):
    return lambda d: question(d, qid).__setitem__(key, value)


def _delete(qid, key):
    return lambda d: question(d, qid).pop(key)


def _choices(qid, fn):
    return lambda d: fn(question(d, qid)["choices"])


MALFORMED = {
    "missing id": (
        lambda d: d["questions"][1].pop("id"),
        None,
        "id",
        "missing",
    ),
    "duplicate id in one file": (
        _set("s-multiple", "id", "s-single"),
        "s-single",
        "id",
        "duplicate id",
    ),
    "single without a correct choice": (
        _choices("s-single", lambda cs: cs[0].pop("correct")),
        "s-single",
        "choices",
        "exactly one correct choice; no choice",
    ),
    "single with two correct choices": (
        _choices("s-single", lambda cs: cs[1].__setitem__("correct", True)),
        "s-single",
        "choices",
        "exactly one correct choice; 2 choices",
    ),
    "multiple without a correct choice": (
        _choices("s-multiple", lambda cs: [c.pop("correct", None) for c in cs]),
        "s-multiple",
        "choices",
        "at least one correct",
    ),
    "blank without an answer": (
        lambda d: question(d, "s-fill")["blanks"]["space"].pop("answers"),
        "s-fill",
        "blanks.space.answers",
        "missing",
    ),
    "blank with an empty answer list": (
        lambda d: question(d, "s-fill")["blanks"]["space"].__setitem__("answers", []),
        "s-fill",
        "blanks.space.answers",
        "must not be empty",
    ),
    "placeholder without definition": (
        _set("s-fill", "stem", "From the {{space}} space, {{other}}."),
        "s-fill",
        "blanks.other",
        "no blank defines it",
    ),
    "definition without placeholder": (
        lambda d: question(d, "s-fill")["blanks"].__setitem__("extra", {"answers": ["x"]}),
        "s-fill",
        "blanks.extra",
        "no {{extra}} placeholder",
    ),
    "placeholder in a non-blank question": (
        _set("s-single", "stem", "Pick {{z}}."),
        "s-single",
        "stem",
        "blank placeholder",
    ),
    "word bank without the answer": (
        lambda d: question(d, "s-fill")["blanks"]["space"].__setitem__("word_bank", ["a", "b"]),
        "s-fill",
        "blanks.space.answers[0]",
        "not in the word bank",
    ),
    "negative absolute tolerance": (
        lambda d: question(d, "s-kl")["tolerance"].__setitem__("absolute", -1),
        "s-kl",
        "tolerance.absolute",
        "must be >= 0, got -1",
    ),
    "negative relative tolerance": (
        _set("s-kl", "tolerance", {"relative": -0.5}),
        "s-kl",
        "tolerance.relative",
        "must be >= 0, got -0.5",
    ),
    "unknown question key": (
        _set("s-single", "hint", "think"),
        "s-single",
        "hint",
        "unknown key",
    ),
    "key of another question type": (
        _set("s-kl", "choices", []),
        "s-kl",
        "choices",
        "only for type single",
    ),
    "unknown choice key": (
        _choices("s-single", lambda cs: cs[0].__setitem__("right", True)),
        "s-single",
        "choices[0].right",
        "unknown key",
    ),
    "unknown file key": (
        lambda d: d.__setitem__("author", "me"),
        None,
        "author",
        "unknown key",
    ),
    "points of the wrong type": (
        _set("s-single", "points", "two"),
        "s-single",
        "points",
        "must be a number, got str 'two'",
    ),
    "stem of the wrong type": (
        _set("s-multiple", "stem", 42),
        "s-multiple",
        "stem",
        "must be a string, got int 42",
    ),
    "correct flag of the wrong type": (
        _choices("s-single", lambda cs: cs[0].__setitem__("correct", "yes")),
        "s-single",
        "choices[0].correct",
        "must be true or false",
    ),
    "tolerance of the wrong type": (
        _set("s-kl", "tolerance", {"absolute": True}),
        "s-kl",
        "tolerance.absolute",
        "must be a number",
    ),
    "unknown question type": (
        _set("s-kl", "type", "essay"),
        "s-kl",
        "type",
        "must be one of single, multiple, fill_blank, numeric",
    ),
    "duplicate choice id": (
        _choices("s-multiple", lambda cs: cs[2].__setitem__("id", "a")),
        "s-multiple",
        "choices[2].id",
        "duplicate choice id 'a'",
    ),
    "bad question id": (
        _set("s-kl", "id", "KL Value"),
        "KL Value",
        "id",
        "must match",
    ),
    "missing explanation": (
        _delete("s-kl", "explanation"),
        "s-kl",
        "explanation",
        "missing",
    ),
    "chapter differs from the file name": (
        lambda d: d.__setitem__("chapter", "07_interpolation"),
        None,
        "chapter",
        "must equal the file name stem '06_sampling'",
    ),
    "questions not a list": (
        lambda d: d.__setitem__("questions", {"id": "x"}),
        None,
        "questions",
        "must be a list",
    ),
    "unknown difficulty": (
        lambda d: question(d, "s-single")["tags"].__setitem__("difficulty", "brutal"),
        "s-single",
        "tags.difficulty",
        "must be one of easy, medium, hard",
    ),
    "misspelt demand": (
        lambda d: question(d, "s-single")["tags"].__setitem__("demand", "recal"),
        "s-single",
        "tags.demand",
        "must be one of recall, apply, measured, figure, code, got 'recal'",
    ),
    "no objectives": (
        lambda d: question(d, "s-single")["tags"].__setitem__("objectives", []),
        "s-single",
        "tags.objectives",
        "must name at least one objective",
    ),
    "objective zero": (
        lambda d: question(d, "s-single")["tags"].__setitem__("objectives", [0]),
        "s-single",
        "tags.objectives[0]",
        "must be an objective number (1 for the first), got 0",
    ),
    "objective not a number": (
        lambda d: question(d, "s-single")["tags"].__setitem__("objectives", [2, "3"]),
        "s-single",
        "tags.objectives[1]",
        "must be an objective number (1 for the first), got '3'",
    ),
    "objectives not a list": (
        lambda d: question(d, "s-single")["tags"].__setitem__("objectives", 2),
        "s-single",
        "tags.objectives",
        "must be a list of objective numbers",
    ),
    "objective named twice": (
        lambda d: question(d, "s-single")["tags"].__setitem__("objectives", [1, 1]),
        "s-single",
        "tags.objectives",
        "names an objective twice",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_bank_is_refused_naming_file_question_and_field(tmp_path, case):
    edit, qid, field, reason = MALFORMED[case]
    path = write_bank(tmp_path, _edit(edit))
    with pytest.raises(BankError) as info:
        quiz.load_file(path)
    error = info.value
    message = str(error)
    assert isinstance(error, ValueError)
    assert message.startswith(f"{STEM}.yaml: "), message
    assert error.field == field and f"field {field!r}" in message, message
    assert error.question_id == qid
    if qid is not None:
        assert f"question {qid!r}" in message, message
    assert reason in message, message


def test_objectives_and_demand_are_read_and_optional_outside_the_course_bank(tmp_path):
    data = valid_bank()
    question(data, "s-single")["tags"].update(objectives=[3, 1], demand="measured")
    single, multiple, *_ = quiz.load_file(write_bank(tmp_path, data))
    assert single.tags.objectives == (3, 1) and single.tags.demand == "measured"
    # An instructor's own bank may leave them out (s-multiple has no tags at all).
    assert multiple.tags.objectives == () and multiple.tags.demand is None


@pytest.mark.parametrize(
    "tags, field",
    [
        (None, "tags"),
        ({"topic": "sampling", "demand": "code"}, "tags.objectives"),
        ({"objectives": [1]}, "tags.demand"),
    ],
)
def test_the_course_bank_requires_objectives_and_demand(tags, field):
    data = valid_bank()
    data["questions"] = [question(data, "s-kl")]
    if tags is None:
        data["questions"][0].pop("tags", None)
    else:
        data["questions"][0]["tags"] = tags
    with pytest.raises(BankError) as info:
        validate.parse_bank(data, f"{STEM}.yaml", STEM, require_tags=True)
    assert info.value.field == field and info.value.question_id == "s-kl"
    assert "missing" in str(info.value)
    data["questions"][0]["tags"] = {"objectives": [1], "demand": "apply"}
    validate.parse_bank(data, f"{STEM}.yaml", STEM, require_tags=True)


def test_tolerance_message_matches_the_documented_form(tmp_path):
    data = valid_bank()
    question(data, "s-kl")["id"] = "sampling-kl"
    question(data, "sampling-kl")["tolerance"] = {"absolute": -1}
    with pytest.raises(BankError) as info:
        quiz.load_file(write_bank(tmp_path, data))
    assert str(info.value) == (
        "06_sampling.yaml: question 'sampling-kl' field 'tolerance.absolute': must be >= 0, got -1"
    )


def test_missing_id_names_the_question_by_position(tmp_path):
    data = valid_bank()
    data["questions"][2].pop("id")
    with pytest.raises(BankError, match=r"question #3 \(no valid id\) field 'id': missing"):
        quiz.load_file(write_bank(tmp_path, data))


def test_duplicate_id_across_files_names_both_files(tmp_path):
    write_bank(tmp_path, valid_bank())
    other = copy.deepcopy(valid_bank())
    other["chapter"] = "07_interpolation"
    other["questions"] = [other["questions"][3]]  # 's-kl' again
    write_bank(tmp_path, other, stem="07_interpolation")
    for loader in (
        lambda: quiz.load_bank(directory=tmp_path),
        lambda: bank.select_questions("s-kl", directory=tmp_path),
    ):
        with pytest.raises(BankError) as info:
            loader()
        assert str(info.value).startswith("07_interpolation.yaml: question 's-kl' field 'id'")
        assert "also defined in 06_sampling.yaml" in str(info.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / f"{STEM}.yaml"
    path.write_text("chapter: 06_sampling\ntitle: [unclosed\nquestions: []\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"^06_sampling\.yaml: YAML syntax error at line \d+"):
        quiz.load_file(path)


def test_repeated_yaml_key_is_refused(tmp_path):
    path = write_bank(tmp_path, valid_bank())
    text = path.read_text(encoding="utf-8").replace(
        "  type: single\n", "  type: single\n  type: multiple\n", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        BankError, match=r"^06_sampling\.yaml: YAML syntax error at line \d+.*duplicate key 'type'"
    ):
        quiz.load_file(path)


@pytest.mark.parametrize("text", ["", "   \n# only a comment\n"])
def test_empty_file_is_refused(tmp_path, text):
    path = tmp_path / f"{STEM}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BankError, match=r"^06_sampling\.yaml: .*empty"):
        quiz.load_file(path)


def test_top_level_list_is_refused(tmp_path):
    path = write_bank(tmp_path, [1, 2])
    with pytest.raises(BankError, match="must be a mapping, got list"):
        quiz.load_file(path)


def test_content_hash_changes_with_an_edit_but_not_with_choice_order(tmp_path):
    base = quiz.load_file(write_bank(tmp_path, valid_bank()))[0]
    data = valid_bank()
    question(data, "s-single")["choices"].reverse()
    reordered = quiz.load_file(write_bank(tmp_path, data))[0]
    question(data, "s-single")["explanation"] = "Because, really."
    edited = quiz.load_file(write_bank(tmp_path, data))[0]
    assert base.content_hash() == reordered.content_hash()
    assert base.content_hash() != edited.content_hash()
    assert base.content_hash().startswith("sha256:")


def test_bank_files_refuse_aliases_and_deep_nesting(tmp_path):
    laughs = tmp_path / "99_laughs.yaml"
    laughs.write_text("chapter: 99_laughs\na: &a [x, x]\nb: [*a, *a]\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"aliases \(\*name\) are not allowed"):
        quiz.read_bank_file(laughs)
    deep = tmp_path / "99_deep.yaml"
    deep.write_text("chapter: 99_deep\nx: " + "[" * 50 + "]" * 50 + "\n", encoding="utf-8")
    with pytest.raises(BankError, match="nested more than 20 levels deep"):
        quiz.read_bank_file(deep)
