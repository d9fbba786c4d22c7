"""Rota versions: drafts, publishing, superseding, and what a failed or stale solve leaves behind."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import RotaStatus
from rota.errors import InfeasibleRota, NotFound, SolverTimeout, StateConflict
from rota.models import Rota
from rota.services.problem import PlanContext, build_problem, person_key, save_plan
from rota.services.rotas import publish
from solver.result import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN, Conflict, Message, SolveResult
from tests.conftest import TinyStation

WEEK = date(2026, 11, 30)
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def _result(pairs: list[tuple[str, str]], status: str = OPTIMAL) -> SolveResult:
    """A solver result with the given assignment (the service does not care how it was found)."""
    return SolveResult(status=status, objective=7, bound=7, wall_time=0.1, assignments=tuple(sorted(pairs)))


def _plan(session: Session, tiny: TinyStation, shift: str = "T1-1130-AM") -> tuple[PlanContext, list[Rota]]:
    """Build the week and save a result putting the full-timer on one shift."""
    _, context = build_problem(session, week_start=WEEK)
    return context, save_plan(session, context, _result([(person_key(tiny.full_timer.id), shift)]), now=NOW)


def _versions(session: Session) -> list[tuple[int, str]]:
    """(version, status) of every rota of the station's week."""
    rotas = session.scalars(select(Rota).where(Rota.week_start == WEEK).order_by(Rota.version))
    return [(r.version, r.status.value) for r in rotas]


def test_a_plan_is_saved_as_a_draft_with_its_verdict(session: Session, tiny: TinyStation) -> None:
    _, (rota,) = _plan(session, tiny)

    assert (rota.version, rota.status, rota.solver_status, rota.objective, rota.gap) == (
        1, RotaStatus.DRAFT, OPTIMAL, 7, 0.0
    )  # fmt: skip
    assert [(a.shift.date, a.shift.template.code, a.person_id) for a in rota.assignments] == [
        (WEEK, "AM", tiny.full_timer.id)
    ]
    assert rota.created_at == NOW
    assert rota.explanation["scope"] == ["T1"]


def test_a_new_plan_supersedes_the_old_draft(session: Session, tiny: TinyStation) -> None:
    _plan(session, tiny)
    _plan(session, tiny, "T1-1201-AM")

    assert _versions(session) == [(1, "superseded"), (2, "draft")]


def test_publishing_never_overwrites_the_published_rota(session: Session, tiny: TinyStation) -> None:
    _plan(session, tiny)
    (published,) = publish(session, stations=[tiny.station], week_start=WEEK, now=NOW)
    _plan(session, tiny, "T1-1202-AM")

    assert _versions(session) == [(1, "published"), (2, "draft")]
    assert [a.shift.date for a in published.assignments] == [WEEK]
    assert published.published_at == NOW

    publish(session, stations=[tiny.station], week_start=WEEK, now=NOW)

    assert _versions(session) == [(1, "superseded"), (2, "published")]


def test_publishing_without_a_draft_is_not_found(session: Session, tiny: TinyStation) -> None:
    with pytest.raises(NotFound, match="no draft rota to publish for 2026-W49 at T1"):
        publish(session, stations=[tiny.station], week_start=WEEK, now=NOW)


def test_pinned_assignments_stay_pinned_in_the_new_draft(session: Session, tiny: TinyStation) -> None:
    _, (first,) = _plan(session, tiny)
    first.assignments[0].pinned = True
    session.flush()

    _, (second,) = _plan(session, tiny)

    assert [a.pinned for a in second.assignments] == [True]


def test_a_week_changed_during_the_solve_is_not_overwritten(session: Session, tiny: TinyStation) -> None:
    _, context = build_problem(session, week_start=WEEK)
    _plan(session, tiny)  # someone else saved a plan while we were solving

    with pytest.raises(StateConflict, match="changed while solving"):
        save_plan(session, context, _result([]), now=NOW)
    assert _versions(session) == [(1, "draft")]


@pytest.mark.parametrize(
    ("status", "error"),
    [(INFEASIBLE, InfeasibleRota), (UNKNOWN, SolverTimeout)],
)
def test_a_solve_without_a_rota_saves_nothing(
    session: Session, tiny: TinyStation, status: str, error: type[Exception]
) -> None:
    _, context = build_problem(session, week_start=WEEK)
    conflict = Conflict(
        "pins", None, Message("pin_vs_leave", "固定安排与请假冲突", "a pin clashes with leave")
    )
    result = SolveResult(status=status, objective=None, bound=None, wall_time=1.0, conflicts=(conflict,))

    with pytest.raises(error) as raised:
        save_plan(session, context, result, now=NOW)

    assert _versions(session) == []
    if isinstance(raised.value, InfeasibleRota):
        assert raised.value.reasons == ["pins: a pin clashes with leave"]


def test_a_feasible_but_unproven_rota_is_saved(session: Session, tiny: TinyStation) -> None:
    _, context = build_problem(session, week_start=WEEK)
    result = SolveResult(status=FEASIBLE, objective=10, bound=5, wall_time=1.0)

    (rota,) = save_plan(session, context, result, now=NOW)

    assert (rota.solver_status, rota.objective, rota.bound, rota.gap) == (FEASIBLE, 10, 5, 0.5)
