"""Reading the seeded database from tests (the app keeps its own sessions)."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.models import Assignment, Rota
from web.db import database


def read(app: Flask, query: Callable[[Session], object]) -> object:
    """Run a read-only query on the app's database in a session of its own."""
    with database(app).sessions() as session:
        return query(session)


def current(app: Flask, status: RotaStatus = RotaStatus.DRAFT) -> list[tuple[int, int, int, bool]]:
    """(assignment id, shift id, person id, pinned) of the week's rota with the given status."""

    def query(session: Session) -> list[tuple[int, int, int, bool]]:
        rows = session.execute(
            select(Assignment.id, Assignment.shift_id, Assignment.person_id, Assignment.pinned)
            .join(Rota)
            .where(Rota.status == status)
            .order_by(Assignment.id)
        )
        return [(a, s, p, pinned) for a, s, p, pinned in rows]

    return read(app, query)  # type: ignore[return-value]


def versions(app: Flask) -> list[tuple[int, str]]:
    """(version, status) of every rota, in version order."""

    def query(session: Session) -> list[tuple[int, str]]:
        rows = session.execute(select(Rota.version, Rota.status).order_by(Rota.version))
        return [(v, s.value) for v, s in rows]

    return read(app, query)  # type: ignore[return-value]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll until the condition holds (fails after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def double_shift_move(app: Flask) -> tuple[int, int]:
    """(assignment, shift) such that the move puts the person on two shifts of one day.

    The demo allows one shift a day, so the move is always refused by a hard rule.
    """
    from rota.models import Shift

    def query(session: Session) -> tuple[int, int]:
        rows = current(app)
        shifts = {s.id: s for s in session.scalars(select(Shift))}
        for assignment, shift, person, _ in rows:
            for _, other, same, _ in rows:
                if same == person and shifts[other].date != shifts[shift].date:
                    day = shifts[other].date
                    target = next(s.id for s in shifts.values() if s.date == day and s.id != other)
                    return assignment, target
        raise AssertionError("no person works two days")

    return read(app, query)  # type: ignore[return-value]
