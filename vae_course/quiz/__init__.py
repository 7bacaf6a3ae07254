"""Quizzes: a YAML question bank, live ipywidgets in a kernel, a static HTML quiz in the book.

In a chapter: ``from vae_course import quiz`` then ``quiz.show("06_sampling")`` as the last line
of a cell. Learners hand in ``quiz.save_responses("responses.json", student_id="...")``.

Loading and checking a bank never imports ipywidgets: the display names (``Quiz``, ``show``,
``save_responses``) are imported on first use, through the module ``__getattr__`` below.
"""

from importlib import import_module
from typing import Any

from .bank import bank_dir, chapters, load_bank, load_file, read_bank, read_bank_file
from .checking import IncompleteAnswer, Outcome, check
from .responses import Attempt, Responses, ResponsesError, SavedResponses, load_responses
from .schema import BankError, BankFile, Blank, Choice, Question, Tags, Tolerance

_DISPLAY_NAMES = ("Quiz", "save_responses", "show")


def __getattr__(name: str) -> Any:
    if name in _DISPLAY_NAMES:
        return getattr(import_module(".display", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Attempt",
    "BankError",
    "BankFile",
    "Blank",
    "Choice",
    "IncompleteAnswer",
    "Outcome",
    "Question",
    "Quiz",
    "Responses",
    "ResponsesError",
    "SavedResponses",
    "Tags",
    "Tolerance",
    "bank_dir",
    "chapters",
    "check",
    "load_bank",
    "load_file",
    "load_responses",
    "read_bank",
    "read_bank_file",
    "save_responses",
    "show",
]
