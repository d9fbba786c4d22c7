"""The coordinator's queue: pending leave, swaps and sign-ups, each with its effect on coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from rota.domain import week_start_of
from rota.errors import RotaError
from rota.models import Leave, Shift
from rota.selfservice import ActivitySignup, SwapRequest
from rota.services.selfservice import pending_leaves
from rota.services.selfservice_activities import check_signup, pending_signups
from rota.services.selfservice_checks import Effect, Refusal, Row, check_change, live_rota
from rota.services.selfservice_swaps import check_swap, pending_swaps


@dataclass(frozen=True)
class Item:
    """One pending request with what approving it would do."""

    request: Leave | SwapRequest | ActivitySignup
    effects: tuple[Effect, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    problem: str = ""  # why it cannot be checked (e.g. the shift left the published rota)


@dataclass(frozen=True)
class Queue:
    """Everything waiting for a station's coordinator."""

    leaves: tuple[Item, ...]
    swaps: tuple[Item, ...]
    signups: tuple[Item, ...]

    @property
    def size(self) -> int:
        """How many requests wait."""
        return len(self.leaves) + len(self.swaps) + len(self.signups)


def leave_effects(session: Session, leave: Leave) -> tuple[Effect, ...]:
    """The shifts approving the leave would leave short (the person's duty during it is dropped)."""
    effects: list[Effect] = []
    week = week_start_of(leave.start_at.date() - timedelta(days=1))
    while week <= leave.end_at.date():
        station_id = leave.person.station_id
        if live_rota(session, station_id, week) is not None:
            checked = check_change(session, station_id, week, lambda rows: _without(session, rows, leave))
            effects.extend(checked.effects)
        week += timedelta(weeks=1)
    return tuple(effects)


def _without(session: Session, rows: list[Row], leave: Leave) -> list[Row]:
    """The rows minus the person's shifts overlapping the leave."""
    kept = []
    for shift_id, person_id, pinned in rows:
        shift = session.get_one(Shift, shift_id)
        clash = (
            person_id == leave.person_id and shift.start_at < leave.end_at and leave.start_at < shift.end_at
        )
        if not clash:
            kept.append((shift_id, person_id, pinned))
    return kept


def _swap_item(session: Session, swap: SwapRequest) -> Item:
    """A swap with its check on the published rota (or why it cannot be checked now)."""
    try:
        checked = check_swap(session, swap)
    except RotaError as error:
        return Item(swap, problem=error.message)
    return Item(swap, checked.effects, checked.refusals)


def _signup_item(session: Session, signup: ActivitySignup) -> Item:
    """A sign-up with its check against the rota in force."""
    checked = check_signup(session, signup.activity, signup.person)
    return Item(signup, checked.effects, checked.refusals)


def queue(session: Session, station_id: int) -> Queue:
    """The station's pending requests with their effects."""
    return Queue(
        leaves=tuple(
            Item(leave, leave_effects(session, leave)) for leave in pending_leaves(session, station_id)
        ),
        swaps=tuple(_swap_item(session, s) for s in pending_swaps(session, station_id)),
        signups=tuple(_signup_item(session, s) for s in pending_signups(session, station_id)),
    )
