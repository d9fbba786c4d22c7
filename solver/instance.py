"""The planning problem as plain, frozen data: the solver's public input.

Times are integer minutes from the start of day 0 (local midnight in the problem's
time zone); days are integer indexes 0..days-1.  Nothing here knows about JSON,
databases or web requests: ``rota.problem_file`` converts to and from the file
format, ``rota.services`` builds problems from the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

MINUTES_PER_DAY = 1440
SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class Organisation:
    """A partner organisation whose staff share the rotating duty."""

    id: str
    name: str
    kind: str  # cadre | property | housekeeping | clinic | volunteer | other
    quota_permille: int = 0  # target share of duty minutes, 0..1000; 0 = no quota
    carried_minutes: int = 0  # duty minutes above (+) or below (-) quota in earlier weeks


@dataclass(frozen=True)
class SkillGrant:
    """A skill (or certificate) a person holds, valid on days [valid_from, valid_until]."""

    skill: str
    valid_from: int | None = None  # first valid day index, None = since always
    valid_until: int | None = None  # last valid day index, None = forever

    def valid_on(self, day: int) -> bool:
        """True if the grant covers the given day."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class Unavailability:
    """A time span in which a person cannot work: approved leave or stated unavailability."""

    start: int
    end: int
    kind: str = "unavailable"  # leave | unavailable


@dataclass(frozen=True)
class Limits:
    """A person's contract limits; None means "no limit"."""

    max_shifts: int | None = None  # over the horizon
    min_shifts: int | None = None
    max_shifts_per_type: Mapping[str, int] = field(default_factory=dict)
    max_shifts_per_day: int = 1
    max_shifts_per_week: int | None = None
    max_minutes: int | None = None  # over the horizon
    min_minutes: int | None = None
    max_minutes_per_week: int | None = None
    min_minutes_per_week: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_consecutive_by_type: Mapping[str, int] = field(default_factory=dict)
    max_weekends: int | None = None
    min_rest_minutes: int | None = None


@dataclass(frozen=True)
class History:
    """What a person did before day 0, carried over from earlier weeks.

    ``consecutive_days_worked``/``consecutive_days_off`` describe the run that ends on
    day -1 (one of them is 0).  The counters are over the rolling fairness window.
    """

    consecutive_days_worked: int = 0
    consecutive_days_off: int = 0
    last_shift_type: str | None = None  # type worked on day -1, for forbidden successions
    last_shift_end: int | None = None  # minute (negative) the last duty ended, for rest
    weekends_worked: int = 0
    nights_worked: int = 0
    holidays_worked: int = 0


@dataclass(frozen=True)
class Person:
    """A butler (staff member or volunteer) who can be put on shifts."""

    id: str
    name: str
    org: str
    skills: tuple[SkillGrant, ...] = ()
    languages: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()  # stations they may work at; empty = any
    limits: Limits = field(default_factory=Limits)
    unavailable: tuple[Unavailability, ...] = ()
    days_off: frozenset[int] = frozenset()  # fixed days off
    fair_share: int = (
        0  # relative capacity for fairness (e.g. FTE x availability, permille); 0 = not compared
    )
    history: History | None = None  # None = unknown: edge blocks are exempt from minimum-run rules

    def qualified(self, skill: str, day: int) -> bool:
        """True if the person holds ``skill`` with a validity covering ``day``."""
        return any(g.skill == skill and g.valid_on(day) for g in self.skills)


@dataclass(frozen=True)
class ShiftType:
    """A kind of duty (morning station duty, evening hotline, ...)."""

    id: str
    name: str
    forbidden_next: frozenset[str] = frozenset()  # types not allowed on the following day
    night: bool = False


@dataclass(frozen=True)
class Need:
    """A coverage target on a shift: ``count`` people, optionally with a skill or from an org kind.

    Missing people cost ``under_weight`` each, surplus people ``over_weight`` each.
    """

    count: int
    skill: str | None = None
    org_kind: str | None = None
    under_weight: int = 1000
    over_weight: int = 0


@dataclass(frozen=True)
class Shift:
    """One concrete duty slot: a shift type on a day at a station."""

    id: str
    type: str
    day: int
    start: int
    end: int
    station: str = ""
    minutes: int | None = None  # paid minutes; None = end - start
    required_skills: tuple[str, ...] = ()  # every assignee must hold all of these
    needs: tuple[Need, ...] = ()

    @property
    def duration(self) -> int:
        """Minutes counted towards limits and fairness."""
        return self.end - self.start if self.minutes is None else self.minutes


@dataclass(frozen=True)
class Request:
    """A wish to work (on=True) or not to work a shift type (or any shift, type None) on a day."""

    person: str
    day: int
    shift_type: str | None
    on: bool
    weight: int


@dataclass(frozen=True)
class Pin:
    """A coordinator's fixed decision: this person is (or is not) on this shift."""

    person: str
    shift: str
    assigned: bool = True


@dataclass(frozen=True)
class PreviousPlan:
    """The published plan a re-plan should stay close to."""

    shifts: frozenset[str]
    assignments: frozenset[tuple[str, str]]  # (person, shift)


@dataclass(frozen=True)
class Compound:
    """A residential compound (小区) around a station; visits happen in its buildings."""

    id: str
    name: str
    station: str = ""


@dataclass(frozen=True)
class Visit:
    """A resident's request for a home visit, to be served by one qualified butler.

    The visit lasts ``duration`` minutes and must lie wholly inside one of ``windows``
    (start, end minute pairs).  ``urgency`` 0 = normal, 1 = urgent, 2 = emergency.
    """

    id: str
    service: str
    skill: str
    compound: str
    duration: int
    windows: tuple[tuple[int, int], ...]
    station: str = ""
    urgency: int = 0
    language: str | None = None
    previous_butlers: tuple[str, ...] = ()  # who visited this elder before, most recent first
    unserved_weight: int = 5000  # cost of leaving the visit unserved (scaled up by urgency)
    person: str | None = None  # pinned butler (e.g. dispatched now, or already under way)
    start: int | None = None  # pinned start, with ``person``
    published_person: str | None = None  # the butler of the published plan, kept if possible
    published_start: int | None = None


@dataclass(frozen=True)
class Weights:
    """Weights of the soft rules that are not carried by the data itself."""

    fairness_per_hour: int = 2
    org_share_per_hour: int = 5
    weekend_spread: int = 20
    night_spread: int = 20
    holiday_spread: int = 20
    stability_per_change: int = 50
    visit_continuity: int = 30  # per visit not served by a butler who visited the elder before
    visit_language: int = 20  # per visit served in a language the butler does not speak
    visit_lateness_per_hour: int = 10  # per hour an urgent visit starts after its earliest start
    visit_stability: int = 40  # per published visit given to another butler or moved in time


@dataclass(frozen=True)
class Problem:
    """A whole planning problem."""

    name: str
    start_date: str  # ISO date of day 0
    days: int
    timezone: str = "Asia/Shanghai"
    start_weekday: int = 0  # weekday of day 0, Monday = 0
    holidays: frozenset[int] = frozenset()
    organisations: tuple[Organisation, ...] = ()
    people: tuple[Person, ...] = ()
    shift_types: tuple[ShiftType, ...] = ()
    shifts: tuple[Shift, ...] = ()
    requests: tuple[Request, ...] = ()
    pins: tuple[Pin, ...] = ()
    previous: PreviousPlan | None = None
    weights: Weights = field(default_factory=Weights)
    compounds: tuple[Compound, ...] = ()
    travel: Mapping[tuple[str, str], int] = field(default_factory=dict)  # minutes between compounds
    visits: tuple[Visit, ...] = ()

    def travel_minutes(self, origin: str, destination: str) -> int:
        """Minutes to travel between compounds (0 within one; symmetric if only one way is given)."""
        if origin == destination:
            return 0
        return self.travel.get((origin, destination), self.travel.get((destination, origin), 0))

    def weekday(self, day: int) -> int:
        """Weekday (Monday = 0) of a day index."""
        return (self.start_weekday + day) % 7

    def week(self, day: int) -> int:
        """Index of the Monday-to-Sunday week that holds the day (week 0 holds day 0)."""
        return (self.start_weekday + day) // 7

    def is_weekend(self, day: int) -> bool:
        """True on Saturdays and Sundays."""
        return self.weekday(day) in (SATURDAY, SUNDAY)

    @cached_property
    def people_by_id(self) -> dict[str, Person]:
        """People keyed by id."""
        return {p.id: p for p in self.people}

    @cached_property
    def shifts_by_id(self) -> dict[str, Shift]:
        """Shifts keyed by id."""
        return {s.id: s for s in self.shifts}

    @cached_property
    def shift_types_by_id(self) -> dict[str, ShiftType]:
        """Shift types keyed by id."""
        return {t.id: t for t in self.shift_types}

    @cached_property
    def organisations_by_id(self) -> dict[str, Organisation]:
        """Organisations keyed by id."""
        return {o.id: o for o in self.organisations}
