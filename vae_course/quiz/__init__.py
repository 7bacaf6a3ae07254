"""Quizzes: a YAML question bank, live ipywidgets in a kernel, a static HTML quiz in the book.

In a chapter: ``from vae_course import quiz`` then ``quiz.show("06_sampling")`` as the last line
of a cell. Learners hand in ``quiz.save_responses("responses.json", student_id="...")``.
"""

from .bank import bank_dir, chapters, load_bank, load_file, read_bank, read_bank_file
from .checking import IncompleteAnswer, Outcome, check
from .display import Quiz, save_responses, show
from .responses import Attempt, Responses, ResponsesError, SavedResponses, load_responses
from .schema import BankError, BankFile, Blank, Choice, Question, Tags, Tolerance

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
