"""Swapping a published shift with a colleague, or handing it over, checked against every hard rule.

The requester offers, the colleague accepts, the coordinator approves (unless the station allows
approval-free swaps); each step re-checks the hard rules on the rota then in force.  An approved
swap never edits the published rota in place: it publishes a new version (and carries the swap
into a draft being prepared, so that publishing that draft does not undo it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import RotaStatus, week_start_of
from rota.errors import FieldError, InvalidInput, NotFound, StateConflict
from rota.feeds import sync_published_events
from rota.models import Assignment, Person, Rota, Shift
from rota.selfservice import SwapKind, SwapRequest, SwapStatus
from rota.services.rotas import latest_version, rota_with_status
from rota.services.selfservice import settings
from rota.services.selfservice_checks import Refusal, Refused, Row, WeekCheck, check_change

OPEN = (SwapStatus.OFFERED, SwapStatus.ACCEPTED)


class SwapRefused(Refused):
    """A swap that would break a hard rule."""

    def __init__(self, refusals: tuple[Refusal, ...]) -> None:
        super().__init__("the swap would break a hard rule", refusals)


def _published_rota(session: Session, shift: Shift) -> Rota:
    """The published rota of a shift's week, or NotFound."""
    rota = rota_with_status(session, shift.station_id, week_start_of(shift.date), RotaStatus.PUBLISHED)
    if rota is None:
        raise NotFound("this week has no published rota")
    return rota


def _holds(rota: Rota, shift_id: int, person_id: int) -> bool:
    """True if the person is on the shift in the rota."""
    return any(a.shift_id == shift_id and a.person_id == person_id for a in rota.assignments)


def _swapped(rows: list[Row], swap: SwapRequest) -> list[Row]:
    """The rows with the swap applied; the moved assignments are pinned so re-planning keeps them."""
    moves = {(swap.shift_id, swap.requester_id): (swap.shift_id, swap.colleague_id)}
    if swap.other_shift_id is not None:
        moves[swap.other_shift_id, swap.colleague_id] = (swap.other_shift_id, swap.requester_id)
    changed = [(*moves[s, p], True) if (s, p) in moves else (s, p, pinned) for s, p, pinned in rows]
    return list(dict.fromkeys(changed))


def check_swap(session: Session, swap: SwapRequest) -> WeekCheck:
    """The hard rules the swap would break on the published rota, and its coverage effects."""
    rota = _published_rota(session, swap.shift)
    if not _holds(rota, swap.shift_id, swap.requester_id):
        raise StateConflict("you are no longer on this shift in the published rota")
    if swap.other_shift_id is not None and not _holds(rota, swap.other_shift_id, swap.colleague_id):
        raise StateConflict("the colleague is no longer on that shift in the published rota")
    return check_change(session, rota.station_id, rota.week_start, lambda rows: _swapped(rows, swap))


def _require_allowed(session: Session, swap: SwapRequest) -> WeekCheck:
    """The check of a swap; SwapRefused if it breaks a hard rule."""
    checked = check_swap(session, swap)
    if checked.refusals:
        raise SwapRefused(checked.refusals)
    return checked


def request_swap(
    session: Session,
    requester: Person,
    *,
    shift_id: int,
    colleague_id: int,
    other_shift_id: int | None,
    note: str,
    now: datetime,
) -> SwapRequest:
    """Offer a swap (with ``other_shift_id``) or a hand-over to a colleague of the same station."""
    shift, colleague = session.get(Shift, shift_id), session.get(Person, colleague_id)
    if shift is None or colleague is None or colleague.id == requester.id:
        raise InvalidInput(
            "cannot offer this", [FieldError("colleague_id", "choose a colleague and a shift")]
        )
    if colleague.station_id != requester.station_id or not colleague.active:
        raise InvalidInput(
            "cannot offer this", [FieldError("colleague_id", "not a colleague of your station")]
        )
    if shift.date < now.date():
        raise InvalidInput("cannot offer this", [FieldError("shift_id", "the shift is in the past")])
    other = session.get(Shift, other_shift_id) if other_shift_id is not None else None
    if other_shift_id is not None and (
        other is None or week_start_of(other.date) != week_start_of(shift.date)
    ):
        raise InvalidInput("cannot swap", [FieldError("other_shift_id", "swap shifts of the same week")])
    swap = SwapRequest(
        station_id=shift.station_id,
        kind=SwapKind.SWAP if other is not None else SwapKind.HANDOVER,
        requester_id=requester.id,
        shift_id=shift.id,
        colleague_id=colleague.id,
        other_shift_id=other_shift_id,
        created_at=now,
        note=note.strip()[:200] or None,
    )
    session.add(swap)
    session.flush()
    _require_allowed(session, swap)
    return swap


def _open_swap(session: Session, swap_id: int) -> SwapRequest:
    """An undecided swap request, or NotFound/StateConflict."""
    swap = session.get(SwapRequest, swap_id)
    if swap is None:
        raise NotFound(f"swap request {swap_id} not found")
    if swap.status not in OPEN:
        raise StateConflict("this swap request is closed already")
    return swap


def answer_swap(
    session: Session, swap_id: int, colleague: Person, *, accept: bool, now: datetime
) -> SwapRequest:
    """The colleague accepts (re-checked; applied at once if the station needs no approval) or declines."""
    swap = _open_swap(session, swap_id)
    if swap.colleague_id != colleague.id or swap.status != SwapStatus.OFFERED:
        raise NotFound(f"swap request {swap_id} is not waiting for you")
    swap.answered_at = now
    if not accept:
        swap.status = SwapStatus.DECLINED
        session.flush()
        return swap
    _require_allowed(session, swap)
    swap.status = SwapStatus.ACCEPTED
    if not settings(session, swap.station_id).swaps_need_approval:
        _apply(session, swap, now)
    session.flush()
    return swap


def decide_swap(session: Session, swap_id: int, *, approve: bool, note: str, now: datetime) -> SwapRequest:
    """The coordinator approves an accepted swap (publishing a new version) or declines it."""
    swap = _open_swap(session, swap_id)
    if approve and swap.status != SwapStatus.ACCEPTED:
        raise StateConflict("the colleague has not accepted this swap yet")
    if note.strip():
        swap.note = note.strip()[:200]
    if not approve:
        swap.status, swap.decided_at = SwapStatus.DECLINED, now
        session.flush()
        return swap
    _require_allowed(session, swap)
    _apply(session, swap, now)
    return swap


def withdraw_swap(session: Session, swap_id: int, requester: Person, *, now: datetime) -> SwapRequest:
    """The requester takes back an undecided offer."""
    swap = _open_swap(session, swap_id)
    if swap.requester_id != requester.id:
        raise NotFound(f"swap request {swap_id} not found")
    swap.status, swap.decided_at = SwapStatus.WITHDRAWN, now
    session.flush()
    return swap


def _apply(session: Session, swap: SwapRequest, now: datetime) -> None:
    """Publish a new version of the week with the swap, superseding the old one."""
    old = _published_rota(session, swap.shift)
    rows = _swapped([(a.shift_id, a.person_id, a.pinned) for a in old.assignments], swap)
    old.status = RotaStatus.SUPERSEDED
    session.flush()  # one published version per week: retire the old one first
    new = Rota(
        station_id=old.station_id,
        week_start=old.week_start,
        status=RotaStatus.PUBLISHED,
        version=latest_version(session, old.station_id, old.week_start) + 1,
        created_at=now,
        published_at=now,
        solver_status=old.solver_status,
        objective=old.objective,
        bound=old.bound,
        gap=old.gap,
        explanation=dict(old.explanation) | {"swap": swap.id},
        assignments=[Assignment(shift_id=s, person_id=p, pinned=pinned) for s, p, pinned in rows],
    )
    session.add(new)
    _carry_into_draft(session, swap, old.station_id, old.week_start)
    swap.status, swap.decided_at, swap.rota = SwapStatus.APPROVED, now, new
    session.flush()
    sync_published_events(session, old.station_id, old.week_start, now)


def _carry_into_draft(session: Session, swap: SwapRequest, station_id: int, week_start: date) -> None:
    """Apply the swap to the week's draft too, where the draft still has the swapped assignments."""
    draft = rota_with_status(session, station_id, week_start, RotaStatus.DRAFT)
    if draft is None:
        return
    have = {(a.shift_id, a.person_id) for a in draft.assignments}
    rows = _swapped([(a.shift_id, a.person_id, a.pinned) for a in draft.assignments], swap)
    wanted = {(s, p): pinned for s, p, pinned in rows}
    for assignment in list(draft.assignments):
        if (assignment.shift_id, assignment.person_id) not in wanted:
            draft.assignments.remove(assignment)
    session.flush()
    for (s, p), pinned in wanted.items():
        if (s, p) not in have:
            draft.assignments.append(Assignment(shift_id=s, person_id=p, pinned=pinned))
    session.flush()


def swaps_for(session: Session, person: Person) -> list[SwapRequest]:
    """Swap requests the person made or was offered, newest first."""
    return list(
        session.scalars(
            select(SwapRequest)
            .where((SwapRequest.requester_id == person.id) | (SwapRequest.colleague_id == person.id))
            .order_by(SwapRequest.id.desc())
        )
    )


def pending_swaps(session: Session, station_id: int) -> list[SwapRequest]:
    """Accepted swaps waiting for the coordinator, and offers still waiting for a colleague."""
    return list(
        session.scalars(
            select(SwapRequest)
            .where(SwapRequest.station_id == station_id, SwapRequest.status.in_(OPEN))
            .order_by(SwapRequest.id)
        )
    )
