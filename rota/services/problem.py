"""The database's view of a week as the solver's ``Problem``, and the solver's answer back as drafts.

``build_problem`` reads everything in one transaction and returns plain frozen data plus a
``PlanContext`` (how the problem's ids map back to rows, and what the rotas looked like), so that
the caller can close the transaction, solve for as long as it likes, and ``save_plan`` in a second
one that fails if the week changed meanwhile.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from rota.domain import DAYS_PER_WEEK, MINUTES_PER_DAY, RotaStatus, WeekClock, iso_week_label, require_monday
from rota.errors import FieldError, InvalidInput, NotFound
from rota.models import Person, Rota, Shift, ShiftBan, ShiftTemplate, Station, VisitRequest, person_stations
from rota.services import history as past
from rota.services import visits as home_visits
from rota.services.availability import availability_gaps, leave_intervals, overlaps
from rota.services.rotas import RotaMark, current_rota, explanation_json, mark, rota_with_status, save_draft
from rota.services.stations import find_stations
from rota.visits import SERVICE_MINUTES
from solver import instance as si
from solver.result import SolveResult

_NEED_FIELDS = frozenset({"count", "skill", "org_kind", "under_weight", "over_weight"})


@dataclass(frozen=True)
class PlanContext:
    """How a built problem maps back to the database, and the state of its weeks when it was built."""

    week_start: date
    stations: Mapping[int, str]  # station id -> code, in id order
    station_names: Mapping[str, str]  # code -> name
    people: Mapping[str, int]  # problem person id -> Person.id
    person_station: Mapping[str, int]  # problem person id -> home station id
    shifts: Mapping[str, int]  # problem shift id -> Shift.id
    shift_station: Mapping[str, int]  # problem shift id -> station id
    org_station: Mapping[str, int]  # problem organisation id -> station id
    type_names: Mapping[str, tuple[str, str]]  # shift type -> (zh, en)
    pinned: frozenset[tuple[str, str]]  # (person, shift) kept pinned in the saved draft
    marks: Mapping[int, RotaMark]
    timezone: str = "Asia/Shanghai"
    visits: Mapping[str, int] = field(default_factory=dict)  # problem visit id -> VisitRequest.id
    visit_station: Mapping[str, int] = field(default_factory=dict)  # problem visit id -> station id
    visit_minutes: Mapping[str, int] = field(default_factory=dict)  # problem visit id -> duration


def person_key(person_id: int) -> str:
    """The problem id of a person."""
    return f"P{person_id}"


def org_key(org_id: int) -> str:
    """The problem id of an organisation."""
    return f"O{org_id}"


def shift_key(shift: Shift) -> str:
    """The problem id of a shift: readable in problem files and bug reports."""
    return f"{shift.station.code}-{shift.date:%m%d}-{shift.template.code}"


def build_problem(
    session: Session, *, week_start: date, station_id: int | None = None
) -> tuple[si.Problem, PlanContext]:
    """The planning problem of one station's week, or of every station's at once (a district solve)."""
    require_monday(week_start)
    stations = find_stations(session, None if station_id is None else str(station_id))
    return _Builder.create(session, week_start, stations).build()


def save_plan(session: Session, context: PlanContext, result: SolveResult, *, now: datetime) -> list[Rota]:
    """Store a solve of a built problem as a new draft for each of its stations."""
    rows: dict[int, list[tuple[int, int, bool]]] = {station_id: [] for station_id in context.stations}
    for person, shift in result.assignments:
        pinned = (person, shift) in context.pinned
        rows[context.shift_station[shift]].append((context.shifts[shift], context.people[person], pinned))
    explanations = {station_id: _station_explanation(context, result, station_id) for station_id in rows}
    rotas = save_draft(
        session,
        week_start=context.week_start,
        marks=context.marks,
        assignments=rows,
        result=result,
        explanations=explanations,
        now=now,
    )
    home_visits.save_visit_plans(
        session,
        {rota.station_id: rota for rota in rotas},
        result.visits,
        visit_station=context.visit_station,
        visits=context.visits,
        people=context.people,
        clock=WeekClock(context.week_start, ZoneInfo(context.timezone)),
        durations=context.visit_minutes,
    )
    return rotas


def _station_explanation(context: PlanContext, result: SolveResult, station_id: int) -> dict[str, object]:
    """The explanation restricted to one station's shifts, people and organisations."""
    shifts = {s for s, owner in context.shift_station.items() if owner == station_id}
    people = {p for p, home in context.person_station.items() if home == station_id}
    people |= {p for p, s in result.assignments if s in shifts}
    orgs = {o for o, owner in context.org_station.items() if owner == station_id}
    explanation = explanation_json(result, shifts, people, orgs)
    return explanation | {"scope": sorted(context.stations.values())}


def cn_holidays(first: date, last: date) -> set[date]:
    """Chinese public holidays (including substituted days off) between two dates, inclusive."""
    calendar = holidays.country_holidays("CN", years=range(first.year, last.year + 1))
    return {day for day in calendar if first <= day <= last}


def _need(data: object, where: str) -> si.Need:
    """A coverage need from its JSON form, or InvalidInput naming the shift."""
    if not isinstance(data, dict) or not isinstance(data.get("count"), int) or set(data) - _NEED_FIELDS:
        fields = ", ".join(sorted(_NEED_FIELDS))
        raise InvalidInput("a shift's needs are malformed", [FieldError(where, f"expected {{{fields}}}")])
    return si.Need(**data)


@dataclass
class _Builder:
    """Reads one week of the database and assembles the solver's problem from it."""

    session: Session
    clock: WeekClock
    stations: list[Station]
    shifts: list[Shift]
    people: list[Person]
    history: past.PastWork
    holidays: set[date]

    @classmethod
    def create(cls, session: Session, week_start: date, stations: list[Station]) -> _Builder:
        """Load the stations' shifts and people of the week and the history before it."""
        clock = WeekClock(week_start, _common_zone(stations))
        shifts = _week_shifts(session, stations, week_start)
        people = _people(session, stations)
        history = past.past_work(session, week_start, [p.id for p in people])
        last_day = week_start + timedelta(days=DAYS_PER_WEEK - 1)
        days = cn_holidays(past.window_start(week_start), last_day)
        return cls(session, clock, stations, shifts, people, history, days)

    @cached_property
    def station_ids(self) -> set[int]:
        """Ids of the stations being planned."""
        return {s.id for s in self.stations}

    @cached_property
    def span(self) -> tuple[int, int]:
        """Minutes that matter: the week, and the tail of shifts running past its last midnight."""
        ends = [self.clock.minute(s.end_at) for s in self.shifts]
        return 0, max([DAYS_PER_WEEK * MINUTES_PER_DAY, *ends])

    def build(self) -> tuple[si.Problem, PlanContext]:
        """The problem and its context."""
        types = self._shift_types()
        shifts = tuple(self._shift(s) for s in self.shifts)
        people = tuple(self._person(p, shifts, {t.id for t in types}) for p in self.people)
        pins = self._pins()
        compounds, travel = home_visits.problem_compounds(self.stations)
        problem = si.Problem(
            name=self._name(),
            start_date=self.clock.week_start.isoformat(),
            days=DAYS_PER_WEEK,
            timezone=self.clock.zone.key,
            start_weekday=0,
            holidays=frozenset(
                self.clock.day(d) for d in self.holidays if 0 <= self.clock.day(d) < DAYS_PER_WEEK
            ),
            organisations=self._organisations(shifts),
            people=people,
            shift_types=types,
            shifts=shifts,
            requests=tuple(r for p in self.people for r in self._requests(p, {t.id for t in types})),
            pins=pins,
            previous=self._previous(),
            compounds=compounds,
            travel=travel,
            visits=self._visits(),
        )
        return problem, self._context(types, pins)

    @cached_property
    def requests(self) -> list[VisitRequest]:
        """The week's live visit requests of the planned stations."""
        return home_visits.week_requests(self.session, self.station_ids, self.clock, DAYS_PER_WEEK)

    def _visits(self) -> tuple[si.Visit, ...]:
        """The week's visit requests, with continuity, the published plan and dispatches."""
        keys = {p.id: person_key(p.id) for p in self.people}
        return home_visits.problem_visits(self.session, self.requests, self.clock, keys)

    def _name(self) -> str:
        """A name saying which week and where."""
        week = iso_week_label(self.clock.week_start)
        if len(self.stations) == 1:
            return f"{self.stations[0].name} {week}"
        return f"{len(self.stations)} stations {week}"

    def _shift_types(self) -> tuple[si.ShiftType, ...]:
        """One shift type per template code in use; stations sharing a code share the type."""
        templates: dict[str, list[ShiftTemplate]] = defaultdict(list)
        for shift in self.shifts:
            if shift.template not in templates[shift.template.code]:
                templates[shift.template.code].append(shift.template)
        return tuple(
            si.ShiftType(
                id=code,
                name=group[0].name_zh,
                forbidden_next=frozenset(n for t in group for n in t.forbidden_next if n in templates),
                night=any(t.night for t in group),
            )
            for code, group in templates.items()
        )

    def _shift(self, shift: Shift) -> si.Shift:
        """One shift as the solver sees it."""
        key = shift_key(shift)
        template = shift.template
        return si.Shift(
            id=key,
            type=template.code,
            day=self.clock.day(shift.date),
            start=self.clock.minute(shift.start_at),
            end=self.clock.minute(shift.end_at),
            station=shift.station.code,
            minutes=template.paid_minutes,
            required_skills=tuple(template.required_skills),
            needs=tuple(_need(n, f"shift {key}: needs[{i}]") for i, n in enumerate(shift.needs)),
        )

    def _stations_of(self, person: Person) -> list[Station]:
        """The stations a person may serve: their own and the ones they help out."""
        return [person.station, *(s for s in person.extra_stations if s.id != person.station_id)]

    def _person(self, person: Person, shifts: Sequence[si.Shift], type_ids: set[str]) -> si.Person:
        """One butler with everything that limits where they can go."""
        stations = self._stations_of(person)
        codes = {s.code for s in stations}
        unavailable = self._unavailable(person)
        mine = [s for s in shifts if s.station in codes]
        share = _available_share(mine, unavailable)
        return si.Person(
            id=person_key(person.id),
            name=person.name,
            org=org_key(person.org_id),
            skills=self._grants(person),
            languages=tuple(person.languages),
            stations=tuple(sorted(codes)),
            limits=self._limits(person, type_ids, share),
            unavailable=unavailable,
            fair_share=person.fte_permille * share // 1000,
            history=self._history(person, [s.id for s in stations], type_ids),
        )

    def _unavailable(self, person: Person) -> tuple[si.Unavailability, ...]:
        """Outside weekly availability, approved leave, duty elsewhere and last week's overhang."""
        span = self.span
        spans = [
            *availability_gaps(person.availability, self.clock, DAYS_PER_WEEK, span),
            *leave_intervals(person.leaves, self.clock, span),
            *self._busy_elsewhere(person),
        ]
        tail = past.overhang(self.history, person, self.clock.epoch)
        if tail > 0:  # a night duty into day 0: busy until it ends, then resting
            spans.append(si.Unavailability(0, tail + (person.min_rest_minutes or 0), "unavailable"))
        return tuple(sorted(spans, key=lambda u: (u.start, u.end, u.kind)))

    def _busy_elsewhere(self, person: Person) -> list[si.Unavailability]:
        """Shifts the person holds this week in the current rotas of stations not being planned."""
        others = [s for s in self._stations_of(person) if s.id not in self.station_ids]
        busy = []
        for station in others:
            rota = current_rota(self.session, station.id, self.clock.week_start)
            for assignment in rota.assignments if rota else ():
                if assignment.person_id == person.id:
                    shift = assignment.shift
                    start, end = self.clock.minute(shift.start_at), self.clock.minute(shift.end_at)
                    busy.append(si.Unavailability(start, end, "unavailable"))
        return busy

    def _grants(self, person: Person) -> tuple[si.SkillGrant, ...]:
        """Skills with validity as day indexes; grants that lapse outside the week are dropped."""
        grants = []
        for skill in person.skills:
            first = None if skill.valid_from is None else self.clock.day(skill.valid_from)
            last = None if skill.valid_until is None else self.clock.day(skill.valid_until)
            if (last is not None and last < 0) or (first is not None and first >= DAYS_PER_WEEK):
                continue
            first = None if first is None or first <= 0 else first
            last = None if last is None or last >= DAYS_PER_WEEK - 1 else last
            grants.append(si.SkillGrant(skill.skill, first, last))
        return tuple(grants)

    def _limits(self, person: Person, type_ids: set[str], share: int) -> si.Limits:
        """The contract's limits; weekends count over the rolling window, minimum hours pro rata."""
        weekends = person.max_weekends_per_window
        if weekends is not None:
            weekends = max(0, weekends - past.weekends_worked(self.history, person))
        minimum = person.min_minutes_per_week
        return si.Limits(
            max_shifts_per_type={t: n for t, n in person.max_shifts_per_type.items() if t in type_ids},
            max_shifts_per_day=person.max_shifts_per_day,
            max_shifts_per_week=person.max_shifts_per_week,
            max_minutes_per_week=person.max_minutes_per_week,
            min_minutes_per_week=None if minimum is None else minimum * share // 1000,
            max_consecutive_days=person.max_consecutive_days,
            min_consecutive_days_off=person.min_consecutive_days_off,
            max_weekends=weekends,
            min_rest_minutes=person.min_rest_minutes,
        )

    def _history(self, person: Person, station_ids: list[int], type_ids: set[str]) -> si.History | None:
        """The person's history, forgetting a last shift type this week's problem does not have."""
        found = past.person_history(self.history, person, station_ids, self.holidays, self.clock.epoch)
        if found is not None and found.last_shift_type not in type_ids:
            return replace(found, last_shift_type=None)
        return found

    def _organisations(self, shifts: Sequence[si.Shift]) -> tuple[si.Organisation, ...]:
        """Every organisation involved; quotas of the planned stations scaled by their share of the duty."""
        minutes: dict[str, int] = defaultdict(int)
        for shift in shifts:
            minutes[shift.station] += shift.duration
        total = sum(minutes.values()) or 1
        orgs = {org.id: org for station in self.stations for org in station.organisations}
        orgs |= {p.org.id: p.org for p in self.people}
        carried = past.carried_minutes(self.session, self.clock.week_start, [o for o in orgs.values()])
        # In a district solve each station's quotas share the district's total duty.
        quotas = apportion(
            {org.id: Fraction(org.quota_permille * minutes[org.station.code], total) for org in orgs.values()}
        )
        return tuple(
            si.Organisation(
                id=org_key(org.id),
                name=org.name,
                kind=org.kind.value,
                quota_permille=quotas[org.id],
                carried_minutes=carried.get(org.id, 0) if org.station_id in self.station_ids else 0,
            )
            for org in sorted(orgs.values(), key=lambda o: o.id)
        )

    def _requests(self, person: Person, type_ids: set[str]) -> list[si.Request]:
        """Preferences falling on days of the week, as requests."""
        found = []
        for pref in person.preferences:
            code = pref.template.code if pref.template else None
            if code is not None and code not in type_ids:
                continue
            for day in range(DAYS_PER_WEEK):
                when = self.clock.date_of(day)
                if pref.on_date == when or (pref.on_date is None and pref.weekday == when.weekday()):
                    found.append(si.Request(person_key(person.id), day, code, pref.wants_work, pref.weight))
        return sorted(found, key=lambda r: r.day)

    def _pins(self) -> tuple[si.Pin, ...]:
        """Pinned assignments of the current rotas, and "not this person" bans on the week's shifts."""
        keys = {s.id: shift_key(s) for s in self.shifts}
        people = {p.id for p in self.people}
        pins = []
        for station in self.stations:
            rota = current_rota(self.session, station.id, self.clock.week_start)
            for a in rota.assignments if rota else ():
                if a.pinned and a.person_id in people and a.shift_id in keys:
                    pins.append(si.Pin(person_key(a.person_id), keys[a.shift_id], True))
        bans = self.session.scalars(select(ShiftBan).where(ShiftBan.shift_id.in_(keys)).order_by(ShiftBan.id))
        pins += [
            si.Pin(person_key(b.person_id), keys[b.shift_id], False) for b in bans if b.person_id in people
        ]
        return tuple(pins)

    def _previous(self) -> si.PreviousPlan | None:
        """The published rotas of the week, which a re-plan should stay close to."""
        keys = {s.id: shift_key(s) for s in self.shifts}
        people = {p.id for p in self.people}
        shifts: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for station in self.stations:
            rota = rota_with_status(self.session, station.id, self.clock.week_start, RotaStatus.PUBLISHED)
            if rota is None:
                continue
            shifts |= {key for s in self.shifts if s.station_id == station.id for key in [keys[s.id]]}
            pairs |= {
                (person_key(a.person_id), keys[a.shift_id])
                for a in rota.assignments
                if a.person_id in people and a.shift_id in keys
            }
        return si.PreviousPlan(frozenset(shifts), frozenset(pairs)) if shifts else None

    def _context(self, types: Sequence[si.ShiftType], pins: Sequence[si.Pin]) -> PlanContext:
        """How to map the solution back, and the rotas' state now."""
        week = self.clock.week_start
        names = {t.code: (t.name_zh, t.name_en) for s in self.shifts for t in [s.template]}
        orgs = {org.id: org.station_id for station in self.stations for org in station.organisations}
        return PlanContext(
            week_start=week,
            stations={s.id: s.code for s in self.stations},
            station_names={s.code: s.name for s in self.stations},
            people={person_key(p.id): p.id for p in self.people},
            person_station={person_key(p.id): p.station_id for p in self.people},
            shifts={shift_key(s): s.id for s in self.shifts},
            shift_station={shift_key(s): s.station_id for s in self.shifts},
            org_station={org_key(o): station_id for o, station_id in orgs.items()},
            type_names={t.id: names[t.id] for t in types},
            pinned=frozenset((p.person, p.shift) for p in pins if p.assigned),
            marks={s.id: mark(self.session, s.id, week) for s in self.stations},
            timezone=self.clock.zone.key,
            visits={home_visits.visit_key(r.id): r.id for r in self.requests},
            visit_station={home_visits.visit_key(r.id): r.station_id for r in self.requests},
            visit_minutes={
                home_visits.visit_key(r.id): SERVICE_MINUTES[r.service_type] for r in self.requests
            },
        )


def _common_zone(stations: Sequence[Station]) -> ZoneInfo:
    """The one time zone all planned stations share (a problem has a single clock)."""
    zones = sorted({s.timezone for s in stations})
    if len(zones) != 1:
        raise InvalidInput("stations in different time zones", [FieldError("station", ", ".join(zones))])
    return ZoneInfo(zones[0])


def _week_shifts(session: Session, stations: Sequence[Station], week_start: date) -> list[Shift]:
    """The stations' shifts on the days of the week, in time order."""
    last = week_start + timedelta(days=DAYS_PER_WEEK - 1)
    shifts = list(
        session.scalars(
            select(Shift)
            .join(Shift.template)
            .where(
                Shift.station_id.in_([s.id for s in stations]), Shift.date >= week_start, Shift.date <= last
            )
            .options(selectinload(Shift.template), selectinload(Shift.station))
            .order_by(Shift.start_at, Shift.station_id, ShiftTemplate.code)
        )
    )
    if not shifts:
        where = ", ".join(s.code for s in stations)
        raise NotFound(
            f"no shifts in {iso_week_label(week_start)} at {where} (create them, e.g. with `rota demo`)"
        )
    return shifts


def _people(session: Session, stations: Sequence[Station]) -> list[Person]:
    """The stations' own people and those from elsewhere who also serve one of them."""
    ids = [s.id for s in stations]
    helping = select(person_stations.c.person_id).where(person_stations.c.station_id.in_(ids))
    return list(
        session.scalars(
            select(Person)
            .where(Person.station_id.in_(ids) | Person.id.in_(helping), Person.active)
            .options(
                selectinload(Person.skills),
                selectinload(Person.availability),
                selectinload(Person.leaves),
                selectinload(Person.preferences),
                selectinload(Person.extra_stations),
                selectinload(Person.org),
                selectinload(Person.station),
            )
            .order_by(Person.id)
        )
    )


def _available_share(shifts: Sequence[si.Shift], unavailable: Sequence[si.Unavailability]) -> int:
    """Permille of the duty minutes at the person's stations that they could work at all."""
    total = sum(s.duration for s in shifts)
    if total == 0:
        return 0
    free = sum(s.duration for s in shifts if not overlaps(s.start, s.end, unavailable))
    return free * 1000 // total


def apportion(shares: Mapping[int, Fraction]) -> dict[int, int]:
    """Whole permille for exact shares, summing to their rounded total (largest remainders first).

    Rounding each organisation's scaled quota on its own does not keep the sum: in the 26-station
    demo district each station's four quotas (about 38.5 permille together) rounded to 40, the
    quotas summed to 1,040 permille, and that cost an organisation penalty no plan could avoid.
    Each result is the share rounded down or up; ties go to the lower key.
    """
    whole = {key: math.floor(share) for key, share in shares.items()}
    left = round(sum(shares.values(), Fraction(0))) - sum(whole.values())
    for key in sorted(shares, key=lambda k: (whole[k] - shares[k], k))[: max(0, left)]:
        whole[key] += 1
    return whole
