"""One-off activities planned as shifts, and volunteers signing up for them.

An activity gets a shift template of its own that no weekday uses (so weekly shift-making never
repeats it) and one shift carrying its coverage needs; planning sees it as any other shift.
Confirmed sign-ups become pins when planning (``with_signup_pins``), so the solver only fills what
the sign-ups leave open.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.domain import local_datetime, week_start_of
from rota.errors import FieldError, InvalidInput, NotFound, StateConflict
from rota.models import Compound, Person, Shift, ShiftTemplate, Station
from rota.selfservice import Activity, ActivityKind, ActivitySignup, SignupStatus
from rota.services.problem import PlanContext, person_key
from rota.services.selfservice import settings
from rota.services.selfservice_checks import Refused, WeekCheck, check_change
from solver.instance import Pin, Problem

TAKEN = (SignupStatus.PENDING, SignupStatus.CONFIRMED)
TITLE_MAX = 100


def create_activity(
    session: Session,
    station: Station,
    *,
    title: str,
    kind: ActivityKind | str,
    day: date,
    start: time,
    end: time,
    places: int,
    skill: str | None = None,
    compound_id: int | None = None,
    signup_opens_at: datetime | None = None,
    signup_closes_at: datetime | None = None,
) -> Activity:
    """Plan an activity: a one-off shift needing ``places`` people (with ``skill`` if given)."""
    errors = _activity_errors(session, station, title, start, end, places, compound_id)
    if signup_opens_at and signup_closes_at and signup_closes_at <= signup_opens_at:
        errors.append(FieldError("signup_closes_at", "the sign-up must close after it opens"))
    if errors:
        raise InvalidInput("the activity cannot be planned", errors)
    need: dict[str, object] = {"count": places} | ({"skill": skill} if skill else {})
    template = ShiftTemplate(
        code=_free_code(session, station),
        name_zh=title.strip(),
        name_en=title.strip(),
        weekdays=[],
        start_time=start,
        end_time=end,
        crosses_midnight=end <= start,
        needs=[need],
    )
    station.shift_templates.append(template)
    session.flush()
    end_day = day + timedelta(days=1) if end <= start else day
    shift = Shift(
        station=station,
        template=template,
        date=day,
        start_at=local_datetime(day, start, station.timezone),
        end_at=local_datetime(end_day, end, station.timezone),
        needs=[dict(need)],
    )
    session.add(shift)
    activity = Activity(
        station=station,
        shift=shift,
        kind=ActivityKind(kind),
        title=title.strip(),
        compound_id=compound_id,
        signup_opens_at=signup_opens_at,
        signup_closes_at=signup_closes_at,
        details={},
    )
    session.add(activity)
    session.flush()
    return activity


def _activity_errors(
    session: Session,
    station: Station,
    title: str,
    start: time,
    end: time,
    places: int,
    compound_id: int | None,
) -> list[FieldError]:
    """Field errors of a new activity."""
    errors = []
    if not title.strip() or len(title) > TITLE_MAX:
        errors.append(FieldError("title", f"1 to {TITLE_MAX} characters"))
    if start == end:
        errors.append(FieldError("end", "the activity must last a while"))
    if not 1 <= places <= 50:
        errors.append(FieldError("places", "1 to 50 people"))
    compound = session.get(Compound, compound_id) if compound_id is not None else None
    if compound_id is not None and (compound is None or compound.station_id != station.id):
        errors.append(FieldError("compound_id", "not a compound of this station"))
    return errors


def _free_code(session: Session, station: Station) -> str:
    """A template code no other template of the station uses: ACT1, ACT2, ..."""
    count = session.scalar(select(func.count(ShiftTemplate.id)).where(ShiftTemplate.station_id == station.id))
    n = (count or 0) + 1
    codes = {t.code for t in station.shift_templates}
    while f"ACT{n}" in codes:
        n += 1
    return f"ACT{n}"


def places(activity: Activity) -> int:
    """How many people the activity needs in all."""
    return sum(int(n.get("count", 0)) for n in activity.shift.needs)


def taken(activity: Activity) -> int:
    """Sign-ups pending or confirmed."""
    return sum(1 for s in activity.signups if s.status in TAKEN)


def signup_open(activity: Activity, now: datetime) -> bool:
    """True while volunteers may sign up or withdraw."""
    if activity.signup_closes_at is None:
        return False
    opens = activity.signup_opens_at
    return (opens is None or opens <= now) and now < activity.signup_closes_at


def activities(session: Session, station_id: int, since: date) -> list[Activity]:
    """The station's activities on or after ``since``, in time order."""
    return list(
        session.scalars(
            select(Activity)
            .join(Shift, Shift.id == Activity.shift_id)
            .where(Activity.station_id == station_id, Shift.date >= since)
            .order_by(Shift.start_at)
        )
    )


def _mine(activity: Activity, person: Person) -> ActivitySignup | None:
    """The person's sign-up for the activity, if any."""
    return next((s for s in activity.signups if s.person_id == person.id), None)


def check_signup(session: Session, activity: Activity, person: Person) -> WeekCheck:
    """The hard rules the person would break on the activity's shift, given the rota in force."""
    shift = activity.shift
    return check_change(
        session,
        activity.station_id,
        week_start_of(shift.date),
        lambda rows: [*rows, (shift.id, person.id, True)],
    )


def sign_up(session: Session, activity_id: int, person: Person, *, now: datetime) -> ActivitySignup:
    """Sign a volunteer up while the window is open and places are left, if no hard rule breaks."""
    activity = _activity(session, activity_id)
    if activity.station_id != person.station_id:
        raise NotFound(f"activity {activity_id} not found")
    if not signup_open(activity, now):
        raise StateConflict("sign-up for this activity is not open")
    mine = _mine(activity, person)
    if mine is not None and mine.status in TAKEN:
        raise StateConflict("you have signed up already")
    if taken(activity) >= places(activity):
        raise StateConflict("the activity is full")
    refusals = check_signup(session, activity, person).refusals
    if refusals:
        raise Refused("you cannot take part", refusals)
    confirmed = not settings(session, activity.station_id).signups_need_approval
    status = SignupStatus.CONFIRMED if confirmed else SignupStatus.PENDING
    if mine is None:
        mine = ActivitySignup(person_id=person.id, created_at=now)
        activity.signups.append(mine)
    mine.status, mine.created_at, mine.decided_at = status, now, now if confirmed else None
    session.flush()
    return mine


def withdraw(session: Session, activity_id: int, person: Person, *, now: datetime) -> ActivitySignup:
    """Take back a sign-up before the deadline."""
    activity = _activity(session, activity_id)
    mine = _mine(activity, person)
    if mine is None or mine.status not in TAKEN:
        raise NotFound("you have not signed up for this activity")
    if not signup_open(activity, now):
        raise StateConflict("the sign-up deadline has passed; ask the coordinator")
    mine.status, mine.decided_at = SignupStatus.WITHDRAWN, now
    session.flush()
    return mine


def decide_signup(session: Session, signup_id: int, *, approve: bool, now: datetime) -> ActivitySignup:
    """The coordinator confirms or declines a pending sign-up."""
    signup = session.get(ActivitySignup, signup_id)
    if signup is None:
        raise NotFound(f"sign-up {signup_id} not found")
    if signup.status != SignupStatus.PENDING:
        raise StateConflict("this sign-up was decided already")
    signup.status = SignupStatus.CONFIRMED if approve else SignupStatus.DECLINED
    signup.decided_at = now
    session.flush()
    return signup


def pending_signups(session: Session, station_id: int) -> list[ActivitySignup]:
    """Sign-ups waiting for the coordinator, oldest first."""
    return list(
        session.scalars(
            select(ActivitySignup)
            .join(Activity)
            .where(Activity.station_id == station_id, ActivitySignup.status == SignupStatus.PENDING)
            .order_by(ActivitySignup.id)
        )
    )


def set_attendance(session: Session, activity_id: int, attendance: int) -> Activity:
    """Record how many residents came."""
    if not 0 <= attendance <= 100_000:
        raise InvalidInput("bad attendance", [FieldError("attendance", "0 or more")])
    activity = _activity(session, activity_id)
    activity.attendance = attendance
    session.flush()
    return activity


def _activity(session: Session, activity_id: int) -> Activity:
    """An activity by id, or NotFound."""
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(f"activity {activity_id} not found")
    return activity


def signup_pins(session: Session, context: PlanContext) -> list[Pin]:
    """Confirmed sign-ups for the problem's shifts as pins of the people who signed up."""
    keys = {shift_id: key for key, shift_id in context.shifts.items()}
    rows = session.execute(
        select(Activity.shift_id, ActivitySignup.person_id)
        .join(ActivitySignup)
        .where(Activity.shift_id.in_(keys), ActivitySignup.status == SignupStatus.CONFIRMED)
        .order_by(ActivitySignup.id)
    )
    people = set(context.people)
    return [Pin(person_key(p), keys[s]) for s, p in rows if person_key(p) in people]


def with_signup_pins(session: Session, problem: Problem, context: PlanContext) -> tuple[Problem, PlanContext]:
    """The problem with confirmed sign-ups pinned (and kept pinned in the saved draft)."""
    extra = [p for p in signup_pins(session, context) if p not in problem.pins]
    if not extra:
        return problem, context
    pinned = context.pinned | {(p.person, p.shift) for p in extra}
    return replace(problem, pins=(*problem.pins, *extra)), replace(context, pinned=pinned)
