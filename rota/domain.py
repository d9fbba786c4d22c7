"""Domain vocabulary shared by the models, services and CLI: enums, constants and ISO weeks."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from rota.errors import FieldError, InvalidInput

DEFAULT_TIMEZONE = "Asia/Shanghai"
DAYS_PER_WEEK = 7
MINUTES_PER_DAY = 1440
# Weekend/night/holiday counters and the organisations' carried minutes look this many weeks back;
# with the planned week that makes the rolling four-week fairness window.
HISTORY_WEEKS = 3
SKILLS = (
    "intake",
    "hotline",
    "mediation",
    "escort",
    "appliance_repair",
    "electrics",
    "plumbing",
    "cleaning",
    "cooking",
    "bathing",
    "health_consult",
    "blood_pressure",
    "first_aid",
)
LANGUAGES = ("yue", "cmn")  # Cantonese, Mandarin (ISO 639-3)
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class OrgKind(enum.StrEnum):
    """The kinds of partner organisation whose people share the duty."""

    CADRE = "cadre"
    PROPERTY = "property"
    HOUSEKEEPING = "housekeeping"
    CLINIC = "clinic"
    VOLUNTEER = "volunteer"


class LeaveStatus(enum.StrEnum):
    """A leave request's state; only approved leave blocks planning."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class RotaStatus(enum.StrEnum):
    """A rota version's state: drafts are published, replaced versions are superseded."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class VisitStatus(enum.StrEnum):
    """The life of a home-visit request."""

    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    COULD_NOT_SERVE = "could_not_serve"


class Urgency(enum.StrEnum):
    """How soon a visit should happen."""

    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class ServiceType(enum.StrEnum):
    """The services a station offers at home."""

    APPLIANCE_REPAIR = "appliance_repair"
    HEALTH_CONSULT = "health_consult"
    HOUSEKEEPING = "housekeeping"
    FIRST_AID = "first_aid"


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www`` (e.g. ``2026-W49``)."""
    match = _ISO_WEEK.match(text.strip())
    if match is None:
        raise InvalidInput("bad week", [FieldError("week", f"{text!r} is not an ISO week like 2026-W49")])
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInput("bad week", [FieldError("week", f"{year} has no week {week}")]) from None


def iso_week_label(week_start: date) -> str:
    """The ISO week of a date as ``YYYY-Www``."""
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


def week_start_of(day: date) -> date:
    """The Monday of the week holding ``day``."""
    return day - timedelta(days=day.weekday())


def current_week_start(now: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The Monday of the week that ``now`` falls in, in the given zone."""
    return week_start_of(now.astimezone(ZoneInfo(timezone)).date())


def local_datetime(day: date, at: time, timezone: str) -> datetime:
    """An aware datetime for a local wall-clock time on a day in a zone."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone))


def require_monday(week_start: date) -> None:
    """Reject week starts that are not Mondays (weeks run Monday to Sunday)."""
    if week_start.weekday() != 0:
        raise InvalidInput("bad week", [FieldError("week_start", f"{week_start} is not a Monday")])


@dataclass(frozen=True)
class WeekClock:
    """Converts between aware datetimes and the solver's minutes from local midnight of day 0."""

    week_start: date
    zone: ZoneInfo

    @cached_property
    def epoch(self) -> datetime:
        """Local midnight at the start of the week."""
        return datetime.combine(self.week_start, time(), tzinfo=self.zone)

    def minute(self, moment: datetime) -> int:
        """Elapsed whole minutes from day 0's midnight to ``moment`` (negative before it)."""
        return int((moment - self.epoch) // timedelta(minutes=1))

    def local_minute(self, day: date, at: time) -> int:
        """The minute of a local wall-clock time on a date."""
        return self.minute(datetime.combine(day, at, tzinfo=self.zone))

    def day(self, when: date) -> int:
        """The day index of a date (negative before the week)."""
        return (when - self.week_start).days

    def date_of(self, day: int) -> date:
        """The date of a day index."""
        return self.week_start + timedelta(days=day)
