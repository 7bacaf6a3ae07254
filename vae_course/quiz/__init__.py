"""Quizzes: a YAML question bank, live ipywidgets in a kernel, a static HTML quiz in the book.

>>> from vae_course import quiz
>>> quiz.load_bank("06_sampling")[0].id
'sampling-generative-distribution'
"""

from .bank import bank_dir, chapters, load_bank, load_file, read_bank_file
from .schema import BankError, BankFile, Blank, Choice, Question, Tags, Tolerance

__all__ = [
    "BankError",
    "BankFile",
    "Blank",
    "Choice",
    "Question",
    "Tags",
    "Tolerance",
    "bank_dir",
    "chapters",
    "load_bank",
    "load_file",
    "read_bank_file",
]
