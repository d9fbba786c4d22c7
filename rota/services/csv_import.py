"""Importing a station's people from CSV: all or nothing, every problem named by row and column.

The file is UTF-8 (with or without a byte-order mark), comma-separated, with a header row naming
the columns; only ``name`` and ``org`` are required.  The columns and their formats are the
person form's fields (``rota.services.people.PERSON_FIELDS``); row 1 is the header.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rota.errors import FieldError, InvalidInput
from rota.models import Person, Station
from rota.services.people import PERSON_FIELDS, PersonInput, apply_person, parse_person

REQUIRED_COLUMNS = ("name", "org")
MAX_ROWS = 2000
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class ImportPlan:
    """The people a file would add, or every problem found in it."""

    people: list[PersonInput]
    errors: list[FieldError]


def read_people_csv(data: bytes, station: Station) -> ImportPlan:
    """Check a CSV file against the station without changing anything."""
    text, errors = _decode(data)
    if text is None:
        return ImportPlan([], errors)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    errors = _header_errors(header)
    if errors:
        return ImportPlan([], errors)
    people: list[PersonInput] = []
    taken = {p.name for p in station.people}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        person = _row(number, header, row, station, errors)
        if person is not None and person.name in taken:
            errors.append(FieldError(f"row {number}, column name", f"{person.name!r} is already listed"))
        elif person is not None:
            taken.add(person.name)
            people.append(person)
    if not people and not errors:
        errors.append(FieldError("row 2", "the file lists nobody"))
    return ImportPlan(people if not errors else [], errors)


def _decode(data: bytes) -> tuple[str | None, list[FieldError]]:
    """The file's text (UTF-8, an optional BOM dropped), or the reason it cannot be read."""
    if len(data) > MAX_BYTES:
        return None, [FieldError("file", f"larger than {MAX_BYTES // 1_000_000} MB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [FieldError(f"row {line}", "the file is not UTF-8 text (save it as CSV UTF-8)")]
    if not text.strip():
        return None, [FieldError("file", "the file is empty")]
    if text.count("\n") > MAX_ROWS:
        return None, [FieldError("file", f"more than {MAX_ROWS} rows")]
    return text, []


def _header_errors(header: list[str]) -> list[FieldError]:
    """Unknown, repeated or missing columns in the header row."""
    errors = [
        FieldError(f"row 1, column {name or '(empty)'}", f"unknown column; use {', '.join(PERSON_FIELDS)}")
        for name in header
        if name not in PERSON_FIELDS
    ]
    errors += [
        FieldError(f"row 1, column {name}", "repeated column")
        for name in set(header)
        if header.count(name) > 1
    ]
    errors += [
        FieldError(f"row 1, column {name}", "missing required column")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    return errors


def _row(
    number: int, header: list[str], row: list[str], station: Station, errors: list[FieldError]
) -> PersonInput | None:
    """One person from a data row; its problems are added to ``errors`` with row and column."""
    if len(row) != len(header):
        errors.append(FieldError(f"row {number}", f"{len(row)} cells where the header has {len(header)}"))
        return None
    person, fields = parse_person(dict(zip(header, row, strict=True)), list(station.organisations))
    errors.extend(FieldError(f"row {number}, column {e.where}", e.message) for e in fields.errors)
    return person


def import_people(session: Session, station: Station, data: bytes) -> list[Person]:
    """Add every person of the file, or nobody: InvalidInput lists each problem by row and column."""
    plan = read_people_csv(data, station)
    if plan.errors:
        raise InvalidInput("nobody was imported", plan.errors)
    added = []
    for data_row in plan.people:
        person = Person(station=station)
        session.add(person)
        apply_person(person, data_row)
        added.append(person)
    session.flush()
    return added
