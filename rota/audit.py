"""The audit log: who changed which assignment or rota, and when (ids only, no personal data).

``record`` adds one entry; ``install`` makes every session of a factory record the assignment and
rota changes it flushes (hand edits, plan saves, publishing), so no use case can forget it.  The
actor comes from ``session.info["actor"]``: a string, or a callable returning one (the web app's
logged-in user); it is "system" otherwise (CLI, jobs).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from rota.models import Assignment, Base, Rota


class AuditEntry(Base):
    """One change: actor, action, target (``rota:<id>``) and the changed fields before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def record(
    session: Session,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> AuditEntry:
    """Add one audit entry to the session (flushed with the change it describes)."""
    entry = AuditEntry(at=now, actor=actor, action=action, target=target, before=before, after=after)
    session.add(entry)
    return entry


def install(sessions: sessionmaker[Session]) -> None:
    """Make every session of ``sessions`` audit the assignment and rota changes it flushes."""
    event.listen(sessions, "before_flush", _audit_flush)


def actor_of(session: Session) -> str:
    """The session's actor: ``info["actor"]`` (called if callable), else "system"."""
    actor = session.info.get("actor", "system")
    return str(actor() if callable(actor) else actor)


def _audit_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Record the flush's new, removed and changed assignments and rota versions."""
    clock: Callable[[], datetime] = session.info.get("clock", lambda: datetime.now(UTC))
    now, actor = clock(), actor_of(session)
    for action, target, before, after in _changes(session):
        record(session, actor, action, target, before, after, now)


def _changes(session: Session) -> list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]]:
    """(action, target, before, after) of every audited change pending in the session."""
    found: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]] = []
    for obj in session.new:
        if isinstance(obj, Rota):
            after = {"week": obj.week_start.isoformat(), "version": obj.version, "status": obj.status.value}
            found.append(("rota.saved", f"station:{obj.station_id}", None, after))
        elif isinstance(obj, Assignment) and obj.rota is not None and obj.rota not in session.new:
            found.append(("assignment.added", f"rota:{obj.rota.id}", None, _assignment(obj)))
    # Taken out of a rota's collection, an assignment is only deleted (as an orphan) during the flush.
    taken = [a for r in session.dirty if isinstance(r, Rota) for a in _taken_off(r)]
    taken += [obj for obj in session.deleted if isinstance(obj, Assignment)]
    seen: set[int] = set()
    for obj in taken:
        if id(obj) not in seen:
            seen.add(id(obj))
            found.append(("assignment.removed", f"rota:{obj.rota_id}", _assignment(obj), None))
    for obj in session.dirty:
        found += _dirty(obj)
    return found


def _taken_off(rota: Rota) -> list[Assignment]:
    """Assignments removed from a rota's collection since the last flush (deleted as orphans)."""
    return [a for a in inspect(rota).attrs["assignments"].history.deleted if isinstance(a, Assignment)]


def _dirty(obj: object) -> list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]]:
    """A changed assignment's pin, or a rota's status (published, superseded)."""
    fields = {Assignment: "pinned", Rota: "status"}
    name = next((f for kind, f in fields.items() if isinstance(obj, kind)), None)
    if name is None:
        return []
    history = inspect(obj).attrs[name].history
    if not history.has_changes() or not history.deleted:
        return []
    old, new = _plain(history.deleted[0]), _plain(history.added[0]) if history.added else None
    if isinstance(obj, Assignment):
        target = f"rota:{obj.rota_id}"
        return [("assignment.pinned", target, _assignment(obj) | {name: old}, _assignment(obj) | {name: new})]
    return [(f"rota.{new}", f"rota:{getattr(obj, 'id', None)}", {name: old}, {name: new})]


def _plain(value: Any) -> Any:
    """An enum's value, else the value."""
    return getattr(value, "value", value)


def _assignment(obj: Assignment) -> dict[str, Any]:
    """An assignment by ids only."""
    return {"shift": obj.shift_id, "person": obj.person_id, "pinned": obj.pinned}
