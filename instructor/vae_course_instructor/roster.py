"""The class roster: a CSV file with columns student_id, name and optionally email."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

# Student ids become file names, so keep them to characters that are safe everywhere.
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class RosterError(ValueError):
    """A malformed roster; the message names the file, the row and the column."""


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    email: str = ""


def read_roster(path: str | Path) -> list[Student]:
    """The students of a roster CSV, in file order (row numbers in errors count the header)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM spreadsheets write
    except FileNotFoundError:
        raise RosterError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 text ({exc.reason})") from None
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    for needed in ("student_id", "name"):
        if needed not in columns:
            raise RosterError(
                f"{path}: missing column {needed!r} (expected student_id,name[,email]; "
                f"got {','.join(columns) or 'no header'})"
            )
    students: list[Student] = []
    seen: dict[str, int] = {}
    for row_number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        sid = row.get("student_id", "")
        if not STUDENT_ID.match(sid):
            raise RosterError(
                f"{path}: row {row_number}: column 'student_id': expected letters, digits, '.', "
                f"'_' or '-' (at most 64, starting with a letter or digit), got {sid!r}"
            )
        if sid in seen:
            raise RosterError(
                f"{path}: row {row_number}: column 'student_id': {sid!r} already on row {seen[sid]}"
            )
        seen[sid] = row_number
        name = row.get("name", "")
        if not name:
            raise RosterError(f"{path}: row {row_number}: column 'name': must not be empty")
        students.append(Student(sid, name, row.get("email", "")))
    if not students:
        raise RosterError(f"{path}: no students (expected a header and one row per student)")
    return students
