"""Importing people from CSV: all or nothing, every problem named by row and column."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.errors import InvalidInput
from rota.models import Person
from rota.services.csv_import import import_people, read_people_csv
from tests.conftest import TinyStation

HEADER = "name,org,phone,languages,skills,fte,max_shifts_per_week\n"
GOOD = (
    HEADER + '赵六,T1居委会,13800138000,"yue,cmn","intake,first_aid:2027-03-31",0.6,4\n钱七,T1中医馆,,,,,\n'
)


def _people(session: Session) -> int:
    """How many people the database holds."""
    return session.scalar(select(func.count()).select_from(Person)) or 0


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_a_good_file_adds_everyone(session: Session, tiny: TinyStation, bom: bytes) -> None:
    added = import_people(session, tiny.station, bom + GOOD.encode())

    assert [(p.name, p.org.name, p.phone, p.languages, p.fte_permille) for p in added] == [
        ("赵六", "T1居委会", "13800138000", ["yue", "cmn"], 600),
        ("钱七", "T1中医馆", None, [], 1000),
    ]
    assert [(s.skill, s.valid_until) for s in added[0].skills] == [
        ("intake", None), ("first_aid", date(2027, 3, 31))
    ]  # fmt: skip
    assert _people(session) == 5


def test_windows_line_ends_and_blank_lines_are_fine(session: Session, tiny: TinyStation) -> None:
    data = (HEADER + "\n赵六,T1居委会,,,,,\n\n").replace("\n", "\r\n").encode()

    assert [p.name for p in import_people(session, tiny.station, data)] == ["赵六"]


NOT_UTF8 = "the file is not UTF-8 text (save it as CSV UTF-8)"
MALFORMED = [
    ("not-utf8", "name,org\n张三,T1居委会\n".encode("gbk"), [("row 2", NOT_UTF8)]),
    ("empty", b"", [("file", "the file is empty")]),
    ("header only", b"name,org\n", [("row 2", "the file lists nobody")]),
    ("missing org column", "name\n张三\n".encode(), [("row 1, column org", "missing required column")]),
    ("repeated column", b"name,org,name\n", [("row 1, column name", "repeated column")]),
    ("short row", "name,org,phone\n张三,T1居委会\n".encode(), [("row 2", "2 cells where the header has 3")]),
    ("unknown org", "name,org\n张三,T1居委会\n李四,银行\n".encode(),
     [("row 3, column org", "no organisation '银行' at this station")]),
    ("bad expiry", "name,org,skills\n张三,T1居委会,first_aid:31/03/2027\n".encode(),
     [("row 2, column skills", "'31/03/2027' (first_aid) is not a date like 2027-03-31")]),
    ("two bad rows", "name,org,fte\n,T1居委会,1\n张三,T1居委会,9\n".encode(),
     [("row 2, column name", "required"), ("row 3, column fte", "9 is not between 0 and 1")]),
    ("duplicate in file", "name,org\n张三,T1居委会\n张三,T1中医馆\n".encode(),
     [("row 3, column name", "'张三' is already listed")]),
    ("already at the station", "name,org\nT1张一,T1居委会\n".encode(),
     [("row 2, column name", "'T1张一' is already listed")]),
]  # fmt: skip


@pytest.mark.parametrize(("data", "problems"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_bad_file_imports_nobody_and_names_each_problem(
    session: Session, tiny: TinyStation, data: bytes, problems: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as error:
        import_people(session, tiny.station, data)

    assert [(e.where, e.message) for e in error.value.errors] == problems
    assert _people(session) == 3


def test_an_unknown_column_is_named(tiny: TinyStation) -> None:
    plan = read_people_csv("name,org,email\n张三,T1居委会,a@b\n".encode(), tiny.station)

    assert [e.where for e in plan.errors] == ["row 1, column email"]
    assert plan.people == []


def test_the_preview_changes_nothing(session: Session, tiny: TinyStation) -> None:
    plan = read_people_csv(GOOD.encode(), tiny.station)

    assert [p.name for p in plan.people] == ["赵六", "钱七"]
    assert _people(session) == 3
