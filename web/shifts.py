"""A butler's own duty in published rotas (read model for the staff page and the API)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from rota.domain import RotaStatus
from rota.models import Assignment, Rota, Shift


def published_shifts(session: Session, person_id: int, since: date) -> list[Shift]:
    """The person's shifts on or after ``since`` in published rotas, in time order."""
    return list(
        session.scalars(
            select(Shift)
            .join(Assignment, Assignment.shift_id == Shift.id)
            .join(Rota, Rota.id == Assignment.rota_id)
            .where(
                Assignment.person_id == person_id,
                Rota.status == RotaStatus.PUBLISHED,
                Shift.date >= since,
            )
            .options(joinedload(Shift.template), joinedload(Shift.station))  # one query, not three
            .order_by(Shift.start_at)
        )
    )


def since_last_week(today: date) -> date:
    """The Monday of last week: staff see what they just did as well as what comes."""
    return today - timedelta(days=today.weekday() + 7)
