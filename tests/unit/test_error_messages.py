"""Error paths of the public API, tested by message: each refusal names the argument or field,
what was expected and what came (STYLE.md), and each limit of the formula language is reached
on its own, not stopped early by another.

Covered: the formula language of calculated questions (``vae_course_instructor.formula``), the
bank validator (``vae_course.quiz.validate.parse_bank``, the paths that
tests/unit/test_quiz_schema.py does not reach), ``training.fit``'s arguments and the latent
tools (``vae_course.latent``). Each row is one call and the message it must raise; a row whose
call is accepted, or refused with another message, fails.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
import sys

import pytest
import torch

from vae_course import latent, models, training
from vae_course.quiz import BankError, validate
from vae_course_instructor import formula
from vae_course_instructor.formula import FormulaError, parse


# -- the formula language: each limit on its own ---------------------------------------------------
def test_the_length_limit_counts_characters_and_names_both_counts():
    at_limit = "x" + " " * (formula.MAX_LENGTH - 1)  # one node, 300 characters: allowed
    assert parse(at_limit, {"x"})({"x": 2.0}) == 2.0
    over = at_limit + " "
    with pytest.raises(FormulaError, match=r"^the formula has 301 characters; at most 300$"):
        parse(over, {"x"})


def test_the_node_limit_is_reached_well_inside_the_length_limit():
    # x+x+...+x with n terms has 2n - 1 nodes (n names, n - 1 additions) in 2n - 1 characters.
    n = formula.MAX_NODES // 2 + 1  # 201 nodes, 201 characters
    over = "+".join(["x"] * n)
    assert len(over) < formula.MAX_LENGTH
    with pytest.raises(FormulaError, match=r"^the formula is too long \(more than 200 parts\)$"):
        parse(over, {"x"})
    under = "+".join(["x"] * (n - 1))  # 199 nodes
    assert parse(under, {"x"})({"x": 1.0}) == n - 1


def test_the_nesting_limit_is_the_interpreters_recursion_limit():
    """Within 300 characters and 200 nodes a formula nests at most 200 levels, which the
    default recursion limit allows; from deep inside a caller's stack (a recursion limit close
    to the current depth) the check runs out of stack, and that is the error it gives."""
    nested = "-" * 150 + "x"  # 151 nodes, each one level deeper
    assert parse(nested, {"x"})({"x": 3.0}) == 3.0  # an even number of minus signs
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)
    try:
        with pytest.raises(FormulaError, match=r"^the formula is nested too deeply$"):
            parse(nested, {"x"})
    finally:
        sys.setrecursionlimit(old)


FORMULA_REFUSALS = [
    ("", r"^the formula must be a non-empty string$"),
    ("   ", r"^the formula must be a non-empty string$"),
    (None, r"^the formula must be a non-empty string$"),
    ("x +", r"^not an expression \(invalid syntax\)$"),
    ("y + 1", r"^unknown name 'y' \(parameters: x; constants: pi, e\)$"),
    ("open(x)", r"^calling open is not allowed \(functions: abs, acos, .*, tan\)$"),
    ("x.real()", r"^calling an expression is not allowed \(functions: "),
    ("sqrt(x=1)", r"^sqrt\(\): keyword arguments are not allowed$"),
    ("sqrt(x, x)", r"^sqrt\(\) takes 1 argument, got 2$"),
    ("sqrt(*[x])", r"^sqrt\(\): unpacking with \* is not allowed$"),
    ("log(*[x], 2)", r"^log\(\): unpacking with \* is not allowed$"),
    ("log()", r"^log\(\) takes 1 or 2 arguments, got 0$"),
    ("min(x)", r"^min\(\) takes 2 or 3 or 4 arguments, got 1$"),
    ("True + x", r"^only numbers are allowed as constants, got True$"),
    ("'text'", r"^only numbers are allowed as constants, got 'text'$"),
    ("x < 1", r"^Compare is not allowed in a formula$"),
    ("x[0]", r"^Subscript is not allowed in a formula$"),
    ("x.real", r"^Attribute is not allowed in a formula$"),
    ("x if x else 1", r"^IfExp is not allowed in a formula$"),
    ("(lambda: 1)()", r"^calling an expression is not allowed"),
    ("__import__('os').system('true')", r"^calling an expression is not allowed"),
    ("eval('1')", r"^calling eval is not allowed \(functions: "),
    ("[1, 2]", r"^List is not allowed in a formula$"),
    ("f'{x}'", r"^JoinedStr is not allowed in a formula$"),
]


@pytest.mark.parametrize(("text", "message"), FORMULA_REFUSALS)
def test_a_refused_formula_says_what_is_not_allowed(text, message):
    with pytest.raises(FormulaError, match=message):
        parse(text, {"x"})


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("1 / (x - x)", {"x": 1.0}, r"^division by zero$"),
        ("log(-x)", {"x": 1.0}, r"^no finite value \(math domain error\)$"),
        ("exp(x)", {"x": 1000.0}, r"^no finite value \(math range error\)$"),
        ("2 ** 10 ** x", {"x": 10.0}, r"^no finite value \(math range error\)$"),
        ("x", {}, r"^no value for parameter 'x'$"),
    ],
)
def test_a_formula_without_a_finite_value_says_why(text, values, message):
    checked = parse(text, {"x"})
    with pytest.raises(FormulaError, match=message):
        checked(values)


# -- the bank validator -------------------------------------------------------------------------
STEM = "06_sampling"
SOURCE = f"{STEM}.yaml"


def _bank() -> dict:
    """One valid question of each type."""
    return {
        "chapter": STEM,
        "title": "Sampling",
        "questions": [
            {
                "id": "q-single",
                "type": "single",
                "stem": "Pick one.",
                "choices": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
                "explanation": "A.",
            },
            {
                "id": "q-fill",
                "type": "fill_blank",
                "stem": "From the {{space}} space.",
                "blanks": {"space": {"answers": ["latent"], "word_bank": ["latent", "pixel"]}},
                "explanation": "Latent.",
            },
            {
                "id": "q-number",
                "type": "numeric",
                "stem": "How many?",
                "answer": 2.0,
                "tolerance": {"absolute": 0.5},
                "explanation": "Two.",
            },
        ],
    }


def _q(data: dict, qid: str) -> dict:
    return next(q for q in data["questions"] if q.get("id") == qid)


def _set(qid: str, *path_and_value):
    *path, value = path_and_value

    def edit(data):
        target = _q(data, qid)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _pop(qid: str, key: str):
    return lambda data: _q(data, qid).pop(key)


# name: (edit, question id or None, field, message)
BANK_REFUSALS = {
    "file key missing": (lambda d: d.pop("title"), None, "title", r"missing$"),
    "no questions": (lambda d: d.update(questions=[]), None, "questions", "at least one"),
    "type missing": (
        _pop("q-single", "type"),
        "q-single",
        "type",
        r"missing \(one of single, multiple, fill_blank, numeric\)$",
    ),
    "points zero": (_set("q-single", "points", 0), "q-single", "points", r"must be > 0, got 0$"),
    "points infinite": (
        _set("q-single", "points", math.inf),
        "q-single",
        "points",
        r"must be a finite number, got inf$",
    ),
    "blank stem": (_set("q-single", "stem", "  "), "q-single", "stem", r"must not be empty$"),
    "choices missing": (_pop("q-single", "choices"), "q-single", "choices", r"missing$"),
    "choices not a list": (
        _set("q-single", "choices", "a, b"),
        "q-single",
        "choices",
        r"must be a list, got str$",
    ),
    "one choice": (
        lambda d: _q(d, "q-single")["choices"].pop(),
        "q-single",
        "choices",
        r"needs at least 2 choices, got 1$",
    ),
    "choice text missing": (
        lambda d: _q(d, "q-single")["choices"][1].pop("text"),
        "q-single",
        "choices[1].text",
        r"missing$",
    ),
    "choice id with a space": (
        _set(
            "q-single",
            "choices",
            [{"id": "a b", "text": "A", "correct": True}, {"id": "c", "text": "C"}],
        ),
        "q-single",
        "choices[0].id",
        r"must match \[a-z0-9_-\]\+, got 'a b'$",
    ),
    "choice null": (
        _set("q-single", "choices", [None, {"id": "c", "text": "C", "correct": True}]),
        "q-single",
        "choices[0]",
        r"must be a mapping, got nothing \(null\)$",
    ),
    "tags of another chapter": (
        _set("q-single", "tags", {"chapter": "07_interpolation"}),
        "q-single",
        "tags.chapter",
        r"must equal the file's chapter '06_sampling', got '07_interpolation'$",
    ),
    "blanks missing": (_pop("q-fill", "blanks"), "q-fill", "blanks", r"missing$"),
    "blanks empty": (
        _set("q-fill", "blanks", {}),
        "q-fill",
        "blanks",
        r"must define at least one blank$",
    ),
    "fill_blank without a placeholder": (
        _set("q-fill", "stem", "No blank here."),
        "q-fill",
        "stem",
        r"a fill_blank stem needs at least one \{\{name\}\} placeholder$",
    ),
    "placeholder with a bad name": (
        _set("q-fill", "stem", "From the {{Space!}} space."),
        "q-fill",
        "stem",
        r"blank placeholder '\{\{Space!\}\}' has an invalid name$",
    ),
    "placeholder twice": (
        _set("q-fill", "stem", "{{space}} and {{space}}."),
        "q-fill",
        "stem",
        r"blank placeholder \{\{space\}\} appears more than once$",
    ),
    "unmatched braces": (
        _set("q-fill", "stem", "From the {{space}} space }}."),
        "q-fill",
        "stem",
        r"has an unmatched '\{\{' or '\}\}' \(blanks are written \{\{name\}\}\)$",
    ),
    "answers not a list": (
        _set("q-fill", "blanks", "space", "answers", "latent"),
        "q-fill",
        "blanks.space.answers",
        r"must be a list of strings, got str$",
    ),
    "answer repeated": (
        _set("q-fill", "blanks", "space", {"answers": ["latent", "Latent"]}),
        "q-fill",
        "blanks.space.answers[1]",
        r"duplicate entry 'Latent'$",
    ),
    "word bank of one word": (
        _set("q-fill", "blanks", "space", "word_bank", ["latent"]),
        "q-fill",
        "blanks.space.word_bank",
        r"needs at least 2 words$",
    ),
    "answer missing": (_pop("q-number", "answer"), "q-number", "answer", r"missing$"),
    "answer not a number": (
        _set("q-number", "answer", "2"),
        "q-number",
        "answer",
        r"must be a number, got str '2'$",
    ),
    "empty tolerance": (
        _set("q-number", "tolerance", {}),
        "q-number",
        "tolerance",
        r"give absolute and/or relative$",
    ),
    "tolerance key misspelt": (
        _set("q-number", "tolerance", {"absolut": 0.5}),
        "q-number",
        "tolerance.absolut",
        r"unknown key for a tolerance \(allowed: absolute, relative\)$",
    ),
    "empty test table": (
        _set("q-number", "checks", {}),
        "q-number",
        "checks",
        r"give accept and/or reject$",
    ),
    "test table not a list": (
        _set("q-number", "checks", {"accept": "2"}),
        "q-number",
        "checks.accept",
        r"must be a list, got str$",
    ),
}


@pytest.mark.parametrize("case", sorted(BANK_REFUSALS))
def test_the_validator_names_the_question_the_field_and_the_problem(case):
    edit, qid, field, message = BANK_REFUSALS[case]
    data = copy.deepcopy(_bank())
    validate.parse_bank(data, SOURCE, STEM)  # the unedited bank is valid
    edit(data)
    with pytest.raises(BankError, match=message) as info:
        validate.parse_bank(data, SOURCE, STEM)
    error = info.value
    assert (error.file, error.question_id, error.field) == (SOURCE, qid, field)
    where = f"question {qid!r} " if qid else ""
    assert str(error).startswith(f"{SOURCE}: {where}field {field!r}: "), str(error)


def test_a_test_table_entry_that_is_no_string_names_its_position():
    data = _bank()
    _q(data, "q-number")["checks"] = {"accept": ["2", None]}
    with pytest.raises(BankError, match=r"field 'checks.accept\[1\]': must be a string"):
        validate.parse_bank(data, SOURCE, STEM)
    _q(data, "q-number")["checks"] = {"accept": [2, 2.25], "reject": [3]}  # numbers are read
    question = validate.parse_bank(data, SOURCE, STEM).questions[2]
    assert question.checks.accept == ("2", "2.25") and question.checks.reject == ("3",)


# -- training.fit's arguments ------------------------------------------------------------------
@pytest.fixture(scope="module")
def vae():
    return models.VAE(latent_dim=2, hidden_dim=8)


def _images(n: int = 4) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))


def _labels(n: int = 4) -> torch.Tensor:
    return torch.zeros(n, dtype=torch.long)


def _loss(model, x, generator):
    return {"loss": model.decode(model.encode(x)[0]).sum()}


# keyword arguments of fit (besides epochs=1) -> the message
FIT_REFUSALS = [
    ({"lr": 0}, r"^lr must be a finite number > 0; got 0$"),
    ({"lr": -1e-3}, r"^lr must be a finite number > 0; got -0.001$"),
    ({"lr": math.nan}, r"^lr must be a finite number > 0; got nan$"),
    ({"lr": math.inf}, r"^lr must be a finite number > 0; got inf$"),
    ({"lr": "1e-3"}, r"^lr must be a finite number > 0; got '1e-3'$"),
    ({"epochs": 0}, r"^epochs must be a positive int; got 0$"),
    ({"epochs": 2.0}, r"^epochs must be a positive int; got 2.0$"),
    ({"epochs": True}, r"^epochs must be a positive int; got True$"),
    ({"batch_size": 0}, r"^batch_size must be a positive int; got 0$"),
    ({"warmup_epochs": -1}, r"^warmup_epochs must be an int >= 0; got -1$"),
    ({"seed": 1.5}, r"^seed must be an int; got 1.5$"),
    ({"beta": -0.5}, r"^beta and free_bits must be >= 0 and finite; got beta=-0.5$"),
    ({"free_bits": math.inf}, r"^beta and free_bits must be >= 0 and finite; got free_bits=inf$"),
    ({"test_x": torch.rand(4, 784)}, r"^test_x must have shape \(N, 1, 28, 28\); got \(4, 784\)$"),
    ({"train_y": _labels()}, r"^train_y is only used by a ConditionalVAE$"),
    ({"device": "tpu"}, r"^device must be e\.g\. 'cpu' or 'cuda'; got 'tpu'$"),
    (
        {"objective": _loss, "train_y": _labels()},
        r"^train_y/test_y: labels are only used with the default objective$",
    ),
    (
        {"objective": lambda model, x, generator: 3.0},
        r"^objective must return a dict with a scalar 'loss'; got float$",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), FIT_REFUSALS, ids=lambda v: str(v)[:40])
def test_fit_names_the_argument_it_refuses(vae, kwargs, message):
    with pytest.raises(ValueError, match=message):
        training.fit(vae, _images(), **{"epochs": 1, "progress": False, **kwargs})


@pytest.mark.parametrize(
    ("train_x", "message"),
    [
        (torch.empty(0, 1, 28, 28), r"^train_x must be a non-empty tensor; got tensor\(\[\]"),
        ([0.0, 1.0], r"^train_x must be a non-empty tensor; got \[0\.0, 1\.0\]$"),
        (torch.rand(4, 784), r"^train_x must have shape \(N, 1, 28, 28\); got \(4, 784\)$"),
        (
            torch.rand(4, 1, 28, 28, dtype=torch.float64),
            r"^train_x must be a torch\.float32 tensor with values in \[0, 1\]; "
            r"got torch\.float64$",
        ),
    ],
    ids=["empty", "a list", "flat", "float64"],
)
def test_fit_names_what_is_wrong_with_the_images(vae, train_x, message):
    with pytest.raises(ValueError, match=message):
        training.fit(vae, train_x, epochs=1, progress=False)


def test_fit_says_which_labels_a_conditional_vae_lacks():
    cvae = models.ConditionalVAE(latent_dim=2, hidden_dim=8)
    x = _images()
    with pytest.raises(ValueError, match=r"^train_y is required to train a ConditionalVAE$"):
        training.fit(cvae, x, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"^train_y has 3 labels for 4 images$"):
        training.fit(cvae, x, train_y=_labels(3), epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"^test_y is required to train a ConditionalVAE$"):
        training.fit(cvae, x, train_y=_labels(), test_x=x, epochs=1, progress=False)


def test_fit_asks_for_an_objective_for_a_model_of_its_own():
    with pytest.raises(
        ValueError,
        match=r"^objective is required for a model that is not a vae_course Autoencoder, VAE "
        r"or ConditionalVAE; got Linear$",
    ):
        training.fit(torch.nn.Linear(2, 2), _images(), epochs=1, progress=False)


# -- the latent tools ----------------------------------------------------------------------------
Z0, Z1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
LABELS = torch.tensor([0, 0, 2])
LATENT_REFUSALS = {
    "sample_prior n": (
        lambda: latent.sample_prior(-1, 2),
        r"^n must be a non-negative int; got -1$",
    ),
    "sample_prior latent_dim": (
        lambda: latent.sample_prior(3, 0),
        r"^latent_dim must be a positive int; got 0$",
    ),
    "sample_prior temperature nan": (
        lambda: latent.sample_prior(3, 2, temperature=math.nan),
        r"^temperature must be finite and > 0 \(it scales the prior's std\); got nan$",
    ),
    "sample_prior temperature inf": (
        lambda: latent.sample_prior(3, 2, temperature=math.inf),
        r"^temperature must be finite and > 0 \(it scales the prior's std\); got inf$",
    ),
    "sample_prior temperature zero": (
        lambda: latent.sample_prior(3, 2, temperature=0.0),
        r"^temperature must be finite and > 0 \(it scales the prior's std\); got 0.0$",
    ),
    "sample_prior temperature bool": (
        lambda: latent.sample_prior(3, 2, temperature=True),
        r"^temperature must be finite and > 0 \(it scales the prior's std\); got True$",
    ),
    "interpolate method": (
        lambda: latent.interpolate(Z0, Z1, torch.tensor([0.5]), method="cubic"),
        r"^method must be 'lerp' or 'slerp'; got 'cubic'$",
    ),
    "interpolate shapes": (
        lambda: latent.interpolate(Z0, torch.zeros(3), torch.tensor([0.5])),
        re.escape("z0 and z1 must be vectors of the same shape (d,); got (2,) and (3,)"),
    ),
    "slerp opposite": (
        lambda: latent.slerp(Z0, -Z0, 3),
        r"^z0 and z1 point in opposite directions: the great circle is undefined$",
    ),
    "lerp steps": (
        lambda: latent.lerp(Z0, Z1, 1),
        r"^steps must be an int >= 2 \(both endpoints are included\); got 1$",
    ),
    "slerp steps float": (
        lambda: latent.slerp(Z0, Z1, 3.0),
        r"^steps must be an int >= 2 \(both endpoints are included\); got 3\.0$",
    ),
    "quantile_grid n": (
        lambda: latent.quantile_grid(0),
        r"^n must be a positive int; got 0$",
    ),
    "quantile_grid lo": (
        lambda: latent.quantile_grid(3, lo=0.0),
        r"^need 0 < lo < hi < 1 \(probabilities\); got lo=0\.0, hi=0\.95$",
    ),
    "quantile_grid lo above hi": (
        lambda: latent.quantile_grid(3, lo=0.6, hi=0.4),
        r"^need 0 < lo < hi < 1 \(probabilities\); got lo=0\.6, hi=0\.4$",
    ),
    "class_means shapes": (
        lambda: latent.class_means(torch.zeros(4, 2), LABELS),
        re.escape("z must be (N, d) and labels (N,); got (4, 2) and (3,)"),
    ),
    "class_means missing class": (
        lambda: latent.class_means(torch.zeros(3, 2), LABELS),
        re.escape("labels has no examples of class(es) [1]"),
    ),
    "class_means n_classes": (
        lambda: latent.class_means(torch.zeros(3, 2), LABELS, n_classes=4),
        re.escape("labels has no examples of class(es) [1, 3]"),
    ),
    "attribute_vector source": (
        lambda: latent.attribute_vector(torch.zeros(3, 2), LABELS, 1, 2),
        r"^source=1 has no examples in labels$",
    ),
    "attribute_vector target": (
        lambda: latent.attribute_vector(torch.zeros(3, 2), LABELS, 0, 5),
        r"^target=5 has no examples in labels$",
    ),
}


@pytest.mark.parametrize("case", sorted(LATENT_REFUSALS))
def test_the_latent_tools_name_the_argument_they_refuse(case):
    call, message = LATENT_REFUSALS[case]
    with pytest.raises(ValueError, match=message):
        call()


def test_posterior_means_names_the_images_and_the_batch_size(vae):
    with pytest.raises(ValueError, match=r"^x must have shape \(N, 1, 28, 28\); got \(4, 784\)$"):
        latent.posterior_means(vae, torch.rand(4, 784))
    with pytest.raises(ValueError, match=r"^batch_size must be a positive int; got 0$"):
        latent.posterior_means(vae, _images(), batch_size=0)
    with pytest.raises(
        ValueError, match=r"^y: this VAE is unconditional; labels go to ConditionalVAE$"
    ):
        latent.active_units(vae, _images(), y=_labels())


@pytest.mark.parametrize("threshold", [math.nan, math.inf, -0.01, True])
def test_active_units_refuses_a_threshold_no_variance_can_be_compared_with(vae, threshold):
    # nan counted no unit active and inf none either, silently; a negative one counted them all
    with pytest.raises(
        ValueError, match=rf"^threshold must be a finite variance >= 0; got {threshold!r}$"
    ):
        latent.active_units(vae, _images(), threshold=threshold)


def test_active_units_accepts_a_zero_threshold(vae):
    count, variances = latent.active_units(vae, _images(), threshold=0.0)
    assert count == int((variances > 0).sum())
