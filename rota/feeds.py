"""Calendar feeds: secret feed tokens, per-assignment event state, and the feeds built from them.

A published rota becomes one ``CalendarEvent`` per assignment.  Its UID is derived from station,
shift and person and never changes; re-publishing bumps SEQUENCE and LAST-MODIFIED when what a
calendar shows changes, and marks removed assignments CANCELLED (kept in feeds for a while so
that clients drop them).  Feed tokens are stored as SHA-256 hashes only: a database leak does not
leak the feeds.  Like every service, these functions take a session and never commit.
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ForeignKey, Row, Select, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from rota.domain import DAYS_PER_WEEK, RotaStatus, VisitStatus, iso_week_label, week_start_of
from rota.errors import FieldError, InvalidInput, NotFound
from rota.ical import (
    DEFAULT_LANG,
    Audience,
    CalendarMeta,
    EventStatus,
    FeedEvent,
    ShiftDetails,
    VisitDetails,
    as_lang,
    build_calendar,
    text,
)
from rota.models import (
    Assignment,
    Base,
    Building,
    Compound,
    Organisation,
    Person,
    Rota,
    Shift,
    Station,
    VisitRequest,
    enum_column,
)
from rota.visits import SERVICE_MINUTES, VisitState

UID_DOMAIN = "eldercare-rota"
PAST_WINDOW = timedelta(weeks=4)
CANCELLED_KEPT = timedelta(days=30)
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# A visit is in its butler's feed from publication on while it is planned, under way or done.
SHOWN_VISITS = (VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS, VisitStatus.DONE)

Subject = Person | Station | Organisation


class FeedScope(enum.StrEnum):
    """What a feed token opens: one person's feed, a station's or an organisation's."""

    PERSON = "person"
    STATION = "station"
    ORGANISATION = "organisation"


class FeedToken(Base):
    """A secret feed URL token; only its SHA-256 is stored. Revoked tokens stay for the record."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[FeedScope] = enum_column(FeedScope)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(5), default=DEFAULT_LANG)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class CalendarEvent(Base):
    """The feed state of a person's assignment to a shift, or of a butler's visit, kept across re-plans.

    Exactly one of ``shift_id`` and ``visit_id`` is set.  Visit events hold the resident's details
    (only the butler's own feed shows them; station and organisation feeds leave visits out).
    """

    __tablename__ = "calendar_events"
    __table_args__ = (UniqueConstraint("shift_id", "person_id"), UniqueConstraint("visit_id", "person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit_requests.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime] = mapped_column(index=True)
    sequence: Mapped[int] = mapped_column(default=0)
    status: Mapped[EventStatus] = enum_column(EventStatus, default=EventStatus.CONFIRMED)
    created_at: Mapped[datetime]
    last_modified: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- tokens -------------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """The stored form of a token's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def scope_of(subject: Subject) -> FeedScope:
    """The scope of a token for a person, station or organisation."""
    if isinstance(subject, Person):
        return FeedScope.PERSON
    return FeedScope.STATION if isinstance(subject, Station) else FeedScope.ORGANISATION


def issue_token(session: Session, subject: Subject, now: datetime, language: str = DEFAULT_LANG) -> str:
    """Add a feed token for the subject and return its secret (shown once: only the hash is kept)."""
    secret = secrets.token_urlsafe(32)
    scope = scope_of(subject)
    session.add(
        FeedToken(
            scope=scope,
            person_id=subject.id if scope is FeedScope.PERSON else None,
            station_id=subject.id if scope is FeedScope.STATION else None,
            org_id=subject.id if scope is FeedScope.ORGANISATION else None,
            token_hash=hash_secret(secret),
            language=as_lang(language),
            created_at=now,
        )
    )
    session.flush()
    return secret


def _subject_filter(subject: Subject) -> Any:
    """The WHERE clause selecting the subject's tokens."""
    scope = scope_of(subject)
    column = {
        FeedScope.PERSON: FeedToken.person_id,
        FeedScope.STATION: FeedToken.station_id,
        FeedScope.ORGANISATION: FeedToken.org_id,
    }[scope]
    return (FeedToken.scope == scope) & (column == subject.id)


def active_tokens(session: Session, subject: Subject) -> list[FeedToken]:
    """The subject's tokens that are not revoked, oldest first."""
    query = select(FeedToken).where(_subject_filter(subject), FeedToken.revoked_at.is_(None))
    return list(session.scalars(query.order_by(FeedToken.id)))


def revoke_and_reissue(session: Session, subject: Subject, now: datetime, language: str | None = None) -> str:
    """Revoke every active token of the subject and issue a new one (same language unless given)."""
    old = active_tokens(session, subject)
    for token in old:
        token.revoked_at = now
    keep = language or (old[-1].language if old else DEFAULT_LANG)
    return issue_token(session, subject, now, keep)


def token_for_secret(session: Session, secret: str, scope: FeedScope) -> FeedToken:
    """The active token of a scope with this secret; NotFound (saying nothing more) otherwise."""
    token = session.scalars(
        select(FeedToken).where(FeedToken.token_hash == hash_secret(secret), FeedToken.scope == scope)
    ).one_or_none()
    if token is None or token.revoked_at is not None:
        raise NotFound("no such feed")
    return token


def person_for_token(session: Session, secret: str) -> Person:
    """The person whose personal feed the secret opens; NotFound for unknown or revoked secrets."""
    token = token_for_secret(session, secret, FeedScope.PERSON)
    person = session.get(Person, token.person_id)
    if person is None:
        raise NotFound("no such feed")
    return person


def subscription_urls(base_url: str, path: str) -> tuple[str, str]:
    """The http(s) URL of a feed path under the base URL, and the same as a ``webcal://`` link."""
    parts = urlsplit(base_url.rstrip("/"))
    url = urlunsplit((parts.scheme, parts.netloc, parts.path + path, "", ""))
    return url, urlunsplit(("webcal", parts.netloc, parts.path + path, "", ""))


def person_feed_path(secret: str) -> str:
    """The path of a personal feed."""
    return f"/feeds/{secret}.ics"


# --- keeping events in step with published rotas --------------------------------------------------


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: UIDs of created, changed and cancelled events."""

    created: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()


@dataclass(frozen=True)
class Wanted:
    """What a published assignment's event should show."""

    start_at: datetime
    end_at: datetime
    details: dict[str, Any]

    @property
    def content_hash(self) -> str:
        """A hash of everything a calendar shows of the event."""
        shown = {"start": self.start_at.isoformat(), "end": self.end_at.isoformat(), **self.details}
        return hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def event_uid(station_id: int, shift_id: int, person_id: int) -> str:
    """The UID of a person's event for a shift: derived from station, shift and person only."""
    return f"station{station_id}-shift{shift_id}-person{person_id}@{UID_DOMAIN}"


def published_rota(session: Session, station_id: int, week_start: date) -> Rota:
    """The published rota of a station's week, with its assignments, shifts and people loaded."""
    rota = session.scalars(
        select(Rota)
        .where(Rota.station_id == station_id, Rota.week_start == week_start)
        .where(Rota.status == RotaStatus.PUBLISHED)
        .options(selectinload(Rota.assignments).selectinload(Assignment.shift).selectinload(Shift.template))
        .options(selectinload(Rota.assignments).selectinload(Assignment.person))
    ).one_or_none()
    if rota is None:
        raise NotFound(f"station {station_id} has no published rota for {iso_week_label(week_start)}")
    return rota


def wanted_events(rota: Rota) -> dict[tuple[int, int], Wanted]:
    """What each assignment of a published rota should show, by (shift id, person id)."""
    on_shift: dict[int, list[Person]] = defaultdict(list)
    for assignment in rota.assignments:
        on_shift[assignment.shift_id].append(assignment.person)
    station_name = rota.station.name
    wanted = {}
    for a in rota.assignments:
        shift = a.shift
        colleagues = [p.name for p in sorted(on_shift[a.shift_id], key=lambda p: p.id) if p.id != a.person_id]
        details = {
            "station": station_name,
            "shift_code": shift.template.code,
            "shift_zh": shift.template.name_zh,
            "shift_en": shift.template.name_en,
            "colleagues": colleagues,
        }
        wanted[(a.shift_id, a.person_id)] = Wanted(shift.start_at, shift.end_at, details)
    return wanted


def week_events(session: Session, station_id: int, week_start: date) -> dict[tuple[int, int], CalendarEvent]:
    """The stored events of a station's week, by (shift id, person id)."""
    week_end = week_start + timedelta(days=DAYS_PER_WEEK)
    rows = session.scalars(
        select(CalendarEvent)
        .join(Shift, Shift.id == CalendarEvent.shift_id)
        .where(CalendarEvent.station_id == station_id, Shift.date >= week_start, Shift.date < week_end)
    )
    return {(e.shift_id, e.person_id): e for e in rows if e.shift_id is not None}


def _touch(event: CalendarEvent, now: datetime) -> None:
    """Mark an event as changed: a higher SEQUENCE and a new LAST-MODIFIED."""
    event.sequence += 1
    event.last_modified = now


def _show(event: CalendarEvent, wanted: Wanted) -> None:
    """Copy what the event should show into its row."""
    event.start_at, event.end_at = wanted.start_at, wanted.end_at
    event.details = wanted.details
    event.content_hash = wanted.content_hash


def _create(session: Session, station_id: int, key: tuple[int, int], wanted: Wanted, now: datetime) -> str:
    """Add the event of a new assignment (SEQUENCE 0) and return its UID."""
    uid = event_uid(station_id, *key)
    event = CalendarEvent(
        uid=uid, station_id=station_id, shift_id=key[0], person_id=key[1], sequence=0, created_at=now
    )
    event.status, event.last_modified = EventStatus.CONFIRMED, now
    _show(event, wanted)
    session.add(event)
    return uid


def _update(event: CalendarEvent, wanted: Wanted, now: datetime) -> bool:
    """Bring a kept assignment's event up to date (reinstating it if cancelled); True if it changed."""
    if event.status is EventStatus.CONFIRMED and event.content_hash == wanted.content_hash:
        return False
    _touch(event, now)
    event.status, event.cancelled_at = EventStatus.CONFIRMED, None
    _show(event, wanted)
    return True


def _cancel(event: CalendarEvent, now: datetime) -> bool:
    """Cancel the event of a removed assignment; True if it was not cancelled already."""
    if event.status is EventStatus.CANCELLED:
        return False
    _touch(event, now)
    event.status, event.cancelled_at = EventStatus.CANCELLED, now
    return True


def visit_uid(station_id: int, visit_id: int, person_id: int) -> str:
    """The UID of a butler's event for a home visit: derived from station, visit and butler only."""
    return f"station{station_id}-visit{visit_id}-person{person_id}@{UID_DOMAIN}"


def _week_bounds(station: Station, week_start: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of the week in the station's zone."""
    zone = ZoneInfo(station.timezone)
    first = datetime.combine(week_start, time(), zone)
    return first, datetime.combine(week_start + timedelta(days=DAYS_PER_WEEK), time(), zone)


def _week_visits(station: Station, week_start: date) -> Any:
    """The WHERE clause of the station's visit requests whose window starts in the week."""
    first, last = _week_bounds(station, week_start)
    return (
        (VisitRequest.station_id == station.id)
        & (VisitRequest.window_start >= first)
        & (VisitRequest.window_start < last)
    )


def visit_address(compound: str, building: str | None, flat: str | None) -> str:
    """A resident's full address: compound, building and flat."""
    return " ".join(part for part in (compound, building, flat) if part)


def wanted_visits(session: Session, station: Station, week_start: date) -> dict[tuple[int, int], Wanted]:
    """What each published visit of the station's week should show its butler, by (visit id, person id)."""
    rows = session.execute(
        select(VisitState, VisitRequest, Compound.name, Building.name)
        .join(VisitRequest, VisitRequest.id == VisitState.visit_id)
        .join(Compound, Compound.id == VisitRequest.compound_id)
        .outerjoin(Building, Building.id == VisitRequest.building_id)
        .where(_week_visits(station, week_start), VisitRequest.status.in_(SHOWN_VISITS))
        .where(VisitState.person_id.is_not(None), VisitState.start_at.is_not(None))
    )
    wanted = {}
    for state, visit, compound, building in rows:
        start = state.start_at
        assert start is not None  # by the query
        assert state.person_id is not None
        end = state.end_at or start + timedelta(minutes=SERVICE_MINUTES[visit.service_type])
        details = {
            "kind": "visit",
            "station": station.name,
            "service": visit.service_type.value,
            "compound": compound,
            "building": building,
            "resident": visit.resident_name,
            "address": visit_address(compound, building, visit.flat),
            "phone": visit.resident_phone,
        }
        wanted[(visit.id, state.person_id)] = Wanted(start, end, details)
    return wanted


def week_visit_events(
    session: Session, station: Station, week_start: date
) -> dict[tuple[int, int], CalendarEvent]:
    """The stored visit events of a station's week, by (visit id, person id)."""
    rows = session.scalars(
        select(CalendarEvent)
        .join(VisitRequest, VisitRequest.id == CalendarEvent.visit_id)
        .where(CalendarEvent.station_id == station.id, _week_visits(station, week_start))
    )
    return {(e.visit_id, e.person_id): e for e in rows if e.visit_id is not None}


def _create_visit(
    session: Session, station_id: int, key: tuple[int, int], wanted: Wanted, now: datetime
) -> str:
    """Add the event of a newly published visit (SEQUENCE 0) and return its UID."""
    uid = visit_uid(station_id, *key)
    event = CalendarEvent(
        uid=uid, station_id=station_id, visit_id=key[0], person_id=key[1], sequence=0, created_at=now
    )
    event.status, event.last_modified = EventStatus.CONFIRMED, now
    _show(event, wanted)
    session.add(event)
    return uid


def _sync_visits(session: Session, station: Station, week_start: date, now: datetime) -> SyncReport:
    """Bring the station week's visit events in step with its published visits."""
    wanted = wanted_visits(session, station, week_start)
    stored = week_visit_events(session, station, week_start)
    created = [
        _create_visit(session, station.id, key, w, now) for key, w in wanted.items() if key not in stored
    ]
    changed = [e.uid for key, e in stored.items() if key in wanted and _update(e, wanted[key], now)]
    cancelled = [e.uid for key, e in stored.items() if key not in wanted and _cancel(e, now)]
    return SyncReport(tuple(created), tuple(changed), tuple(cancelled))


def sync_visit_change(session: Session, visit: VisitRequest, now: datetime) -> SyncReport | None:
    """After a visit changed between publishes (booked, moved, dispatched, cancelled, under way),
    bring its week's visit events in step; nothing to do before that week is published."""
    station = visit.station
    week_start = week_start_of(visit.window_start.astimezone(ZoneInfo(station.timezone)).date())
    published = session.scalar(
        select(Rota.id).where(
            Rota.station_id == station.id, Rota.week_start == week_start, Rota.status == RotaStatus.PUBLISHED
        )
    )
    if published is None:
        return None
    report = _sync_visits(session, station, week_start, now)
    session.flush()
    return report


def sync_published_events(session: Session, station_id: int, week_start: date, now: datetime) -> SyncReport:
    """Bring the station week's feed events in step with its published rota and visits (call on publish).

    A visit moved to another butler is cancelled in the first one's feed and created in the new one's.
    """
    rota = published_rota(session, station_id, week_start)
    wanted = wanted_events(rota)
    stored = week_events(session, station_id, week_start)
    created = [_create(session, station_id, key, w, now) for key, w in wanted.items() if key not in stored]
    changed = [e.uid for key, e in stored.items() if key in wanted and _update(e, wanted[key], now)]
    cancelled = [e.uid for key, e in stored.items() if key not in wanted and _cancel(e, now)]
    visits = _sync_visits(session, rota.station, week_start, now)
    session.flush()
    return SyncReport(
        tuple(sorted([*created, *visits.created])),
        tuple(sorted([*changed, *visits.changed])),
        tuple(sorted([*cancelled, *visits.cancelled])),
    )


# --- feeds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """A calendar ready to render: what it says about itself and its events."""

    meta: CalendarMeta
    events: tuple[FeedEvent, ...]
    expires: datetime | None = None  # after this moment time alone changes the feed (old events drop out)

    def to_ical(self) -> bytes:
        """The feed's iCalendar bytes."""
        return build_calendar(self.events, self.meta)

    @property
    def last_modified(self) -> datetime | None:
        """The newest LAST-MODIFIED of the feed's events."""
        return max((e.last_modified for e in self.events), default=None)


def _shift_details(details: dict[str, Any], people: Sequence[str]) -> ShiftDetails:
    """The builder's view of a stored event's details, naming the given people."""
    return ShiftDetails(details["station"], details["shift_zh"], details["shift_en"], tuple(people))


def _own_details(details: dict[str, Any]) -> ShiftDetails | VisitDetails:
    """The builder's view of a stored event's details in its person's own feed (visits with private data)."""
    if details.get("kind") == "visit":
        return VisitDetails(
            station=details["station"],
            service=details["service"],
            compound=details["compound"],
            building=details.get("building"),
            resident=details.get("resident"),
            address=details.get("address"),
            phone=details.get("phone"),
        )
    return _shift_details(details, details.get("colleagues", []))


# Plain columns rather than entities: loading ORM objects would double the time a year's feed takes.
OWN_COLUMNS = (
    CalendarEvent.uid,
    CalendarEvent.start_at,
    CalendarEvent.end_at,
    CalendarEvent.details,
    CalendarEvent.last_modified,
    CalendarEvent.sequence,
    CalendarEvent.status,
    CalendarEvent.created_at,
    CalendarEvent.cancelled_at,
    Station.timezone,
)


def own_event(row: Row[Any]) -> FeedEvent:
    """A stored event (a row of ``OWN_COLUMNS``) as it appears in the person's own feed."""
    return FeedEvent(
        uid=row.uid,
        start=row.start_at,
        end=row.end_at,
        zone=row.timezone,
        details=_own_details(row.details),
        last_modified=row.last_modified,
        sequence=row.sequence,
        status=row.status,
        created=row.created_at,
    )


def still_shown(status: EventStatus, cancelled_at: datetime | None, now: datetime) -> bool:
    """Confirmed events are shown; cancelled ones for ``CANCELLED_KEPT`` after the cancellation."""
    return status is EventStatus.CONFIRMED or (
        cancelled_at is not None and now - cancelled_at <= CANCELLED_KEPT
    )


def _person_events(person_id: int) -> Select[Any]:
    """A person's stored events (``OWN_COLUMNS``) in time order."""
    return (
        select(*OWN_COLUMNS)
        .join(Station, Station.id == CalendarEvent.station_id)
        .where(CalendarEvent.person_id == person_id)
        .order_by(CalendarEvent.start_at, CalendarEvent.id)
    )


def person_feed(session: Session, person: Person, now: datetime, lang: str | None = None) -> Feed:
    """A person's feed: published duty from four weeks back to the end of the published horizon."""
    rows = session.execute(_person_events(person.id).where(CalendarEvent.end_at >= now - PAST_WINDOW))
    shown = [row for row in rows if still_shown(row.status, row.cancelled_at, now)]
    language = as_lang(lang)
    name = text("person_calendar", language, name=person.name)
    meta = CalendarMeta(f"person{person.id}@{UID_DOMAIN}", name, person.station.timezone, language)
    return Feed(meta, tuple(own_event(row) for row in shown), min(map(_shown_until, shown), default=None))


def _shown_until(row: Row[Any]) -> datetime:
    """The last moment a shown event of a person's feed stays in it (past and cancelled ones drop out)."""
    until: datetime = row.end_at + PAST_WINDOW
    return until if row.status is EventStatus.CONFIRMED else min(until, row.cancelled_at + CANCELLED_KEPT)


def person_week(session: Session, person: Person, week_start: date, lang: str | None = None) -> Feed:
    """A one-off calendar of a person's confirmed duty and home visits starting in one week.

    The week runs Monday 00:00 to Monday 00:00 in the person's station's zone, the same days as
    the rota's ``Shift.date``s; visits carry the resident's details, as in the person's own feed.
    """
    first, last = _week_bounds(person.station, week_start)
    query = _person_events(person.id).where(CalendarEvent.start_at >= first, CalendarEvent.start_at < last)
    query = query.where(CalendarEvent.status == EventStatus.CONFIRMED)
    events = tuple(own_event(row) for row in session.execute(query))
    language = as_lang(lang)
    name = text("person_week", language, name=person.name, week=iso_week_label(week_start))
    uid = f"person{person.id}-{iso_week_label(week_start)}@{UID_DOMAIN}"
    meta = CalendarMeta(uid, name, person.station.timezone, language)
    return Feed(meta, events)


def shared_events(
    rows: Iterable[tuple[CalendarEvent, str, str]], uid_prefix: str, now: datetime | None
) -> tuple[FeedEvent, ...]:
    """One event per shift naming everyone on duty, from (event, person name, zone) rows.

    SEQUENCE is the sum of the members' sequences plus one per member beyond the first: it rises
    whenever anyone is added, changed or cancelled, since event rows are never deleted.
    """
    by_shift: dict[int, list[tuple[CalendarEvent, str, str]]] = defaultdict(list)
    for row in rows:
        if row[0].shift_id is not None:  # visits are not in shared feeds
            by_shift[row[0].shift_id].append(row)
    built = (_shared_event(shift_id, members, uid_prefix) for shift_id, members in by_shift.items())
    return tuple(e for e in built if now is None or still_shown(e.status, e.last_modified, now))


def _shared_event(shift_id: int, members: list[tuple[CalendarEvent, str, str]], uid_prefix: str) -> FeedEvent:
    """The shared event of one shift from its members' stored events."""
    confirmed = [(e, name) for e, name, _zone in members if e.status is EventStatus.CONFIRMED]
    newest = max((e for e, _name, _zone in members), key=lambda e: (e.last_modified, e.id))
    shown = confirmed[0][0] if confirmed else newest
    return FeedEvent(
        uid=f"{uid_prefix}-shift{shift_id}@{UID_DOMAIN}",
        start=shown.start_at,
        end=shown.end_at,
        zone=members[0][2],
        details=_shift_details(shown.details, [name for _e, name in confirmed]),
        last_modified=newest.last_modified,
        sequence=sum(e.sequence for e, _n, _z in members) + len(members) - 1,
        status=EventStatus.CONFIRMED if confirmed else EventStatus.CANCELLED,
        created=min(e.created_at for e, _n, _z in members),
    )


def _shared_rows(session: Session) -> Select[CalendarEvent, str, str]:
    """Stored shift events with the person's name and the station's zone, in shift order.

    Visit events are left out: shared feeds must not carry residents' data, and a noticeboard
    shows the rota, not who visits whom.
    """
    return (
        select(CalendarEvent, Person.name, Station.timezone)
        .join(Person, Person.id == CalendarEvent.person_id)
        .join(Station, Station.id == CalendarEvent.station_id)
        .where(CalendarEvent.shift_id.is_not(None))
        .order_by(CalendarEvent.start_at, CalendarEvent.shift_id, CalendarEvent.person_id)
    )


def station_feed(session: Session, station: Station, now: datetime, lang: str | None = None) -> Feed:
    """A station's noticeboard feed: every shift with the people on duty, no residents' data."""
    query = _shared_rows(session).where(CalendarEvent.station_id == station.id)
    rows = session.execute(query.where(CalendarEvent.end_at >= now - PAST_WINDOW))
    language = as_lang(lang)
    name = text("station_calendar", language, name=station.name)
    meta = CalendarMeta(
        f"station{station.id}@{UID_DOMAIN}", name, station.timezone, language, Audience.SHARED
    )
    return Feed(meta, shared_events(rows, f"station{station.id}", now))


def org_feed(session: Session, org: Organisation, now: datetime, lang: str | None = None) -> Feed:
    """An organisation's feed: the shifts its people are on (at any station), no residents' data."""
    query = _shared_rows(session).where(Person.org_id == org.id)
    rows = session.execute(query.where(CalendarEvent.end_at >= now - PAST_WINDOW))
    language = as_lang(lang)
    name = text("org_calendar", language, name=org.name)
    meta = CalendarMeta(f"org{org.id}@{UID_DOMAIN}", name, org.station.timezone, language, Audience.SHARED)
    return Feed(meta, shared_events(rows, f"org{org.id}", now))


def station_week(session: Session, station: Station, week_start: date, lang: str | None = None) -> Feed:
    """A one-off calendar of a station's week: every staffed shift with the people on duty."""
    week_end = week_start + timedelta(days=DAYS_PER_WEEK)
    query = _shared_rows(session).join(Shift, Shift.id == CalendarEvent.shift_id)
    query = query.where(
        CalendarEvent.station_id == station.id, Shift.date >= week_start, Shift.date < week_end
    )
    language = as_lang(lang)
    name = text("station_week", language, name=station.name, week=iso_week_label(week_start))
    uid = f"station{station.id}-{iso_week_label(week_start)}@{UID_DOMAIN}"
    meta = CalendarMeta(uid, name, station.timezone, language, Audience.SHARED)
    # Same UIDs and SEQUENCEs as the station feed (so an import and a subscription agree), staffed only.
    events = shared_events(session.execute(query), f"station{station.id}", None)
    return Feed(meta, tuple(e for e in events if e.status is EventStatus.CONFIRMED))


def find_person(session: Session, ref: str) -> Person:
    """A person by id or by exact name; NotFound if none, InvalidInput if the name is ambiguous."""
    ref = ref.strip()
    if ref.isdigit():
        found = session.get(Person, int(ref))
        if found is None:
            raise NotFound(f"no person with id {ref}")
        return found
    matches = list(session.scalars(select(Person).where(Person.name == ref).order_by(Person.id)))
    if not matches:
        raise NotFound(f"no person named {ref!r} (give their id or exact name)")
    if len(matches) > 1:
        ids = ", ".join(str(p.id) for p in matches)
        raise InvalidInput("ambiguous name", [FieldError("PERSON", f"{ref!r} is the name of ids {ids}")])
    return matches[0]
