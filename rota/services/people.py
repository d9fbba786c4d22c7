"""Managing a station's organisations and people: contracts, limits, skills and certificates,
weekly availability and leave.

The use cases read text fields (a web form or a CSV row, see ``rota.services.fields``), check
everything first and change nothing when any field is wrong.  They take a session and never
commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from rota.domain import LANGUAGES, SKILLS, LeaveStatus, OrgKind, RotaStatus, local_datetime
from rota.errors import InvalidInput, NotFound
from rota.models import (
    Assignment,
    Leave,
    Organisation,
    Person,
    PersonSkill,
    Rota,
    Shift,
    Station,
    WeeklyAvailability,
)
from rota.services.fields import Fields, parse_date, split_list

EXPIRY_WARNING_DAYS = 30
# The person limits a coordinator can set: (field, lowest, highest).
LIMITS: tuple[tuple[str, int, int], ...] = (
    ("max_shifts_per_week", 0, 21),
    ("max_minutes_per_week", 0, 7 * 1440),
    ("min_minutes_per_week", 0, 7 * 1440),
    ("max_consecutive_days", 1, 14),
    ("min_consecutive_days_off", 0, 7),
    ("max_weekends_per_window", 0, 4),
    ("min_rest_minutes", 0, 1440),
)
PERSON_FIELDS = (
    "name",
    "org",
    "phone",
    "languages",
    "skills",
    "fte",
    "max_shifts_per_day",
    *(name for name, _, _ in LIMITS),
)


@dataclass(frozen=True)
class SkillInput:
    """A skill and, for a certificate, its last valid day."""

    skill: str
    valid_until: date | None = None


@dataclass(frozen=True)
class PersonInput:
    """A person's checked fields."""

    name: str
    org: Organisation
    phone: str | None
    languages: list[str]
    skills: list[SkillInput]
    fte_permille: int
    max_shifts_per_day: int
    limits: dict[str, int | None]


@dataclass(frozen=True)
class CertificateWarning:
    """A certificate that has lapsed or lapses soon."""

    person: Person
    skill: PersonSkill
    days_left: int

    @property
    def expired(self) -> bool:
        """True once the last valid day has passed."""
        return self.days_left < 0


def station_people(session: Session, station: Station) -> list[Person]:
    """A station's people with their organisation and skills, by name; those who left last."""
    return list(
        session.scalars(
            select(Person)
            .where(Person.station_id == station.id)
            .options(selectinload(Person.org), selectinload(Person.skills))
            .order_by(Person.active.desc(), Person.name, Person.id)
        )
    )


def get_person(session: Session, station: Station, person_id: int) -> Person:
    """A person of the station, or NotFound."""
    person = session.get(Person, person_id)
    if person is None or person.station_id != station.id:
        raise NotFound(f"person {person_id} not found at station {station.code}")
    return person


def set_active(session: Session, person: Person, active: bool, *, now: datetime) -> int:
    """Deactivate a person who left (or bring them back); the number of published shifts still ahead.

    A deactivated person keeps their history (published rotas, visits, leave) but is no longer
    planned, dispatched or offered to residents; shifts already published for them stay until the
    coordinator re-plans those weeks, so the count tells the coordinator what to re-plan.
    """
    person.active = active
    if active:
        return 0
    ahead = (
        select(func.count())
        .select_from(Assignment)
        .join(Assignment.rota)
        .join(Assignment.shift)
        .where(Assignment.person_id == person.id, Rota.status == RotaStatus.PUBLISHED, Shift.start_at >= now)
    )
    return int(session.scalar(ahead) or 0)


def get_org(session: Session, station: Station, org_id: int) -> Organisation:
    """An organisation of the station, or NotFound."""
    org = session.get(Organisation, org_id)
    if org is None or org.station_id != station.id:
        raise NotFound(f"organisation {org_id} not found at station {station.code}")
    return org


# --- organisations ---------------------------------------------------------------------------


def org_fields(org: Organisation) -> dict[str, str]:
    """An organisation as the text fields of its form."""
    return {"name": org.name, "kind": org.kind.value, "quota": _percent(org.quota_permille)}


def save_org(
    session: Session, station: Station, values: Mapping[str, str], org: Organisation | None = None
) -> Organisation:
    """Create (or update) an organisation: name, kind and quota in percent of the duty."""
    fields = Fields(values)
    name = fields.required("name", 100)
    kind = fields.choice("kind", tuple(k.value for k in OrgKind))
    quota = fields.scaled("quota", Decimal(0), Decimal(100), 10, 0)
    others = [o for o in station.organisations if o is not org]
    if name and any(o.name == name for o in others):
        fields.error("name", f"{name!r} already exists at this station")
    if sum(o.quota_permille for o in others) + quota > 1000:
        fields.error("quota", "the quotas of the station's organisations would add up to more than 100%")
    fields.check("the organisation was not saved")
    if org is None:
        org = Organisation(station=station, name=name, kind=OrgKind(kind or ""), quota_permille=quota)
        session.add(org)
    else:
        org.name, org.kind, org.quota_permille = name, OrgKind(kind or ""), quota
    session.flush()
    return org


def _percent(permille: int) -> str:
    """Permille as a percentage without trailing zeros ("25", "12.5")."""
    return f"{permille / 10:.1f}".removesuffix(".0")


# --- people ----------------------------------------------------------------------------------


def person_fields(person: Person) -> dict[str, str]:
    """A person as the text fields of the form (and the CSV columns)."""
    values = {
        "name": person.name,
        "org": str(person.org_id),
        "phone": person.phone or "",
        "languages": ", ".join(person.languages),
        "skills": ", ".join(skill_text(s) for s in person.skills),
        "fte": f"{person.fte_permille / 1000:g}",
        "max_shifts_per_day": str(person.max_shifts_per_day),
    }
    for name, _, _ in LIMITS:
        value = getattr(person, name)
        values[name] = "" if value is None else str(value)
    return values


def skill_text(skill: PersonSkill) -> str:
    """``first_aid`` or ``first_aid:2027-03-31``."""
    return f"{skill.skill}:{skill.valid_until.isoformat()}" if skill.valid_until else skill.skill


def parse_person(values: Mapping[str, str], orgs: list[Organisation]) -> tuple[PersonInput | None, Fields]:
    """Read a person's fields; the input is None when any field is wrong (see ``Fields.errors``)."""
    fields = Fields(values)
    name = fields.required("name", 100)
    org = _org_named(fields, orgs)
    phone = _phone(fields)
    languages = fields.words("languages", LANGUAGES)
    skills = _skills(fields)
    fte = fields.scaled("fte", Decimal(0), Decimal(1), 1000, 1000)
    per_day = fields.integer("max_shifts_per_day", 1, 3, 1)
    limits = {name: fields.integer(name, low, high) for name, low, high in LIMITS}
    low, high = limits["min_minutes_per_week"], limits["max_minutes_per_week"]
    if low is not None and high is not None and low > high:
        fields.error("min_minutes_per_week", f"{low} is more than the maximum {high}")
    if fields.errors or org is None:
        return None, fields
    return PersonInput(name, org, phone, languages, skills, fte, per_day or 1, limits), fields


def _org_named(fields: Fields, orgs: list[Organisation]) -> Organisation | None:
    """The organisation given by id or by name."""
    ref = fields.text("org")
    for org in orgs:
        if ref in (str(org.id), org.name):
            return org
    fields.error("org", f"no organisation {ref!r} at this station" if ref else "required")
    return None


def _phone(fields: Fields) -> str | None:
    """A possible phone number (mainland numbers without the +86), as typed."""
    text = fields.optional("phone", 30)
    if text is None:
        return None
    try:
        possible = phonenumbers.is_possible_number(phonenumbers.parse(text, "CN"))
    except phonenumbers.NumberParseException:
        possible = False
    if not possible or not re.fullmatch(r"[+\d][\d\s-]*", text):
        fields.error("phone", f"{text!r} is not a phone number")
    return text


def _skills(fields: Fields) -> list[SkillInput]:
    """Skills as ``skill`` or ``skill:YYYY-MM-DD`` (a certificate's last valid day)."""
    found: dict[str, SkillInput] = {}
    for item in split_list(fields.text("skills")):
        skill, _, until_text = item.partition(":")
        until = parse_date(until_text) if until_text else None
        if skill not in SKILLS:
            fields.error("skills", f"{skill!r} is not one of {', '.join(SKILLS)}")
        elif until_text and until is None:
            fields.error("skills", f"{until_text!r} ({skill}) is not a date like 2027-03-31")
        else:
            found[skill] = SkillInput(skill, until)
    return list(found.values())


def save_person(
    session: Session, station: Station, values: Mapping[str, str], person: Person | None = None
) -> Person:
    """Create (or update) a person from form fields; InvalidInput and no change if any is wrong."""
    data, fields = parse_person(values, list(station.organisations))
    if data is None:
        raise InvalidInput("the person was not saved", fields.errors)
    if person is None:
        person = Person(station=station)
        session.add(person)
    apply_person(person, data)
    session.flush()
    return person


def apply_person(person: Person, data: PersonInput) -> None:
    """Copy checked fields onto a person; skills kept by name keep their other details."""
    person.name, person.org, person.phone = data.name, data.org, data.phone
    person.languages = list(data.languages)
    person.fte_permille, person.max_shifts_per_day = data.fte_permille, data.max_shifts_per_day
    for name, value in data.limits.items():
        setattr(person, name, value)
    held = {s.skill: s for s in person.skills}
    kept = []
    for wanted in data.skills:
        skill = held.get(wanted.skill) or PersonSkill(skill=wanted.skill)
        skill.valid_until = wanted.valid_until
        kept.append(skill)
    person.skills = kept


def certificate_warnings(
    people: list[Person], today: date, within_days: int = EXPIRY_WARNING_DAYS
) -> list[CertificateWarning]:
    """Certificates that lapsed or lapse within ``within_days`` days, soonest first."""
    warnings = [
        CertificateWarning(person, skill, (skill.valid_until - today).days)
        for person in people
        for skill in person.skills
        if skill.valid_until is not None and (skill.valid_until - today).days <= within_days
    ]
    return sorted(warnings, key=lambda w: (w.days_left, w.person.name, w.skill.skill))


# --- availability and leave ------------------------------------------------------------------


def add_availability(session: Session, person: Person, values: Mapping[str, str]) -> WeeklyAvailability:
    """A weekly window (weekday, HH:MM start and end; an end not after the start runs past midnight)."""
    fields = Fields(values)
    weekday = fields.integer("weekday", 0, 6)
    start, end = fields.clock("start"), fields.clock("end")
    if weekday is None and not fields.errors:
        fields.error("weekday", "required")
    fields.check("the availability was not saved")
    window = WeeklyAvailability(weekday=weekday, start_time=start or time(), end_time=end or time())
    person.availability.append(window)
    session.flush()
    return window


def remove_availability(session: Session, person: Person, window_id: int) -> None:
    """Delete one of the person's windows (NotFound if it is not theirs)."""
    window = session.get(WeeklyAvailability, window_id)
    if window is None or window.person_id != person.id:
        raise NotFound(f"availability {window_id} not found")
    person.availability.remove(window)  # delete-orphan: the row goes at the flush
    session.flush()


def add_leave(session: Session, person: Person, values: Mapping[str, str]) -> Leave:
    """Leave from the first day to the last day (inclusive, in the station's zone), with a status."""
    fields = Fields(values)
    first, last = fields.day("start"), fields.day("end")
    status = fields.choice("status", tuple(s.value for s in LeaveStatus))
    reason = fields.optional("reason", 200)
    if first and last and last < first:
        fields.error("end", f"{last} is before the first day {first}")
    fields.check("the leave was not saved")
    assert first is not None
    assert last is not None
    zone = person.station.timezone
    leave = Leave(
        start_at=local_datetime(first, time(), zone),
        end_at=local_datetime(last + timedelta(days=1), time(), zone),
        status=LeaveStatus(status or ""),
        reason=reason,
    )
    person.leaves.append(leave)
    session.flush()
    return leave


def leave_days(leave: Leave, zone: str) -> tuple[date, date]:
    """The first and last local day of a leave."""
    tz = ZoneInfo(zone)
    last: datetime = leave.end_at.astimezone(tz) - timedelta(microseconds=1)
    return leave.start_at.astimezone(tz).date(), last.date()


def remove_leave(session: Session, person: Person, leave_id: int) -> None:
    """Delete one of the person's leaves (NotFound if it is not theirs)."""
    leave = session.get(Leave, leave_id)
    if leave is None or leave.person_id != person.id:
        raise NotFound(f"leave {leave_id} not found")
    person.leaves.remove(leave)  # delete-orphan: the row goes at the flush
    session.flush()


def field_errors(error: InvalidInput) -> dict[str, list[str]]:
    """An error's messages by field, for showing next to each input."""
    found: dict[str, list[str]] = {}
    for item in error.errors:
        found.setdefault(item.where, []).append(item.message)
    return found
