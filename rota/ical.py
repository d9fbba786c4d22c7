"""iCalendar (RFC 5545) builders: plain feed events in, the bytes of one VCALENDAR out.

Everything here is pure: the callers pass in the events with their stored state (UID, SEQUENCE,
STATUS, LAST-MODIFIED), the calendar's name and language, and which audience the file is for.
Times are written with the station's IANA TZID and a matching VTIMEZONE; icalendar does the
escaping, the folding (never inside a UTF-8 character) and the CRLF line ends.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration, vText

PRODID = "-//eldercare-rota//duty feeds 1.0//ZH"
REFRESH_INTERVAL = timedelta(hours=1)
# VTIMEZONE observances start here: a fixed date keeps the file identical whatever the events are.
TIMEZONE_FROM = date(2000, 1, 1)
CALENDAR_END = b"END:VCALENDAR\r\n"
MAX_OCTETS = 75  # per line, CRLF excluded (RFC 5545 3.1)

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

TEXT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "cancelled": ("已取消", "Cancelled"),
        "colleagues": ("同班", "With"),
        "on_duty": ("值班", "On duty"),
        "nobody": ("暂无人员", "nobody"),
        "visit": ("上门服务", "Home visit"),
        "building": ("楼栋", "Building"),
        "address": ("地址", "Address"),
        "resident": ("长者", "Resident"),
        "phone": ("电话", "Phone"),
        "person_calendar": ("{name}的值班", "{name}: duty"),
        "station_calendar": ("{name}值班表", "{name}: rota"),
        "org_calendar": ("{name}轮值", "{name}: duty"),
        "person_week": ("{name}的值班 {week}", "{name}: duty {week}"),
        "station_week": ("{name}值班表 {week}", "{name}: rota {week}"),
        "appliance_repair": ("家电维修", "Appliance repair"),
        "health_consult": ("健康问诊", "Health consultation"),
        "housekeeping": ("家政上门", "Housekeeping"),
        "first_aid": ("应急救护", "Emergency first aid"),
    }
)


class EventStatus(enum.StrEnum):
    """The STATUS of a feed event: cancelled events stay in feeds so that clients drop them."""

    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class Audience(enum.StrEnum):
    """Who reads a calendar: the assigned person alone, or anyone (noticeboard, organisation)."""

    OWN = "own"
    SHARED = "shared"


@dataclass(frozen=True)
class ShiftDetails:
    """A duty shift; ``people`` are the colleagues (own feed) or everyone on duty (shared feeds)."""

    station: str
    shift_zh: str
    shift_en: str
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisitDetails:
    """A home visit; resident, address and phone are private to the assigned butler's own feed."""

    station: str
    service: str  # a rota.domain.ServiceType value
    compound: str
    building: str | None = None
    resident: str | None = None
    address: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT with its stored state; times are aware and written in ``zone``."""

    uid: str
    start: datetime
    end: datetime
    zone: str
    details: ShiftDetails | VisitDetails
    last_modified: datetime
    sequence: int = 0
    status: EventStatus = EventStatus.CONFIRMED
    created: datetime | None = None


@dataclass(frozen=True)
class CalendarMeta:
    """What a VCALENDAR says about itself: a stable UID, its name, default zone, language, audience."""

    uid: str
    name: str
    zone: str
    lang: Lang = DEFAULT_LANG
    audience: Audience = Audience.OWN


def text(key: str, lang: Lang, **fields: str) -> str:
    """A UI string of the bilingual table in the given language, with its fields filled in."""
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**fields)


def as_lang(value: str | None) -> Lang:
    """A supported language from a tag such as ``en-GB`` or ``zh-CN`` (Chinese otherwise)."""
    return "en" if value and value.lower().startswith("en") else DEFAULT_LANG


def _colon(lang: Lang) -> str:
    """The colon the language writes between a label and its value."""
    return "：" if lang == "zh" else ": "


def labelled(key: str, value: str, lang: Lang) -> str:
    """``label: value`` in the language."""
    return f"{text(key, lang)}{_colon(lang)}{value}"


def _names(people: Iterable[str], lang: Lang) -> str:
    """A list of names joined the way the language writes it."""
    return ("、" if lang == "zh" else ", ").join(people)


def shift_title(details: ShiftDetails, lang: Lang) -> str:
    """The shift's name in the language."""
    return details.shift_zh if lang == "zh" else details.shift_en


def summary(event: FeedEvent, lang: Lang, audience: Audience) -> str:
    """The SUMMARY: shift or service name (with the people on duty in shared feeds), marked if cancelled."""
    details = event.details
    if isinstance(details, VisitDetails):
        title = labelled("visit", text(details.service, lang), lang)
    elif audience is Audience.SHARED:
        people = _names(details.people, lang) or text("nobody", lang)
        title = f"{shift_title(details, lang)}{_colon(lang)}{people}"
    else:
        title = shift_title(details, lang)
    if event.status is EventStatus.CANCELLED:
        return f"[{text('cancelled', lang)}] {title}"
    return title


def description(event: FeedEvent, lang: Lang, audience: Audience) -> str:
    """The DESCRIPTION lines: colleagues for shifts; for visits the place, and private data only if own."""
    details = event.details
    if isinstance(details, ShiftDetails):
        key = "colleagues" if audience is Audience.OWN else "on_duty"
        return labelled(key, _names(details.people, lang), lang) if details.people else ""
    lines = [labelled("building", _place(details), lang)]
    if audience is Audience.OWN:
        private = (("resident", details.resident), ("address", details.address), ("phone", details.phone))
        lines += [labelled(key, value, lang) for key, value in private if value]
    return "\n".join(lines)


def location(event: FeedEvent, audience: Audience) -> str:
    """The LOCATION: the station for shifts; the building for visits (the full address only if own)."""
    details = event.details
    if isinstance(details, ShiftDetails):
        return details.station
    if audience is Audience.OWN and details.address:
        return details.address
    return _place(details)


def _place(details: VisitDetails) -> str:
    """Compound and building of a visit, the least a shared feed may say about where it is."""
    return " ".join(part for part in (details.compound, details.building) if part)


def vevent(event: FeedEvent, lang: Lang, audience: Audience) -> Event:
    """The VEVENT of a feed event; DTSTAMP is LAST-MODIFIED, as RFC 5545 has it without a METHOD."""
    zone = ZoneInfo(event.zone)
    component = Event.new(
        uid=event.uid,
        start=event.start.astimezone(zone),
        end=event.end.astimezone(zone),
        stamp=event.last_modified,
        last_modified=event.last_modified,
        created=event.created,
        sequence=event.sequence,
        status=event.status.value,  # type: ignore[arg-type]  # icalendar's STATUS is a str enum
        summary=summary(event, lang, audience),
        location=location(event, audience),
        description=description(event, lang, audience) or None,
    )
    return component


@lru_cache(maxsize=32)
def vtimezone(zone: str) -> Timezone:
    """The VTIMEZONE of an IANA zone, built once per process (building one takes ~20 ms)."""
    return Timezone.from_tzid(zone, first_date=TIMEZONE_FROM)


def fold(line: str) -> bytes:
    """One content line folded at 75 octets, never inside a UTF-8 character or right after a backslash."""
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return data + b"\r\n"
    lines: list[str] = []
    chars: list[str] = []
    size, limit = 0, MAX_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            # Keep an escape (backslash + character) on one line: some clients mis-read a split one.
            carry = [chars.pop()] if len(chars) > 1 and chars[-1] == "\\" else []
            lines.append("".join(chars))
            chars, size, limit = carry, len(carry), MAX_OCTETS - 1  # continuation lines start with a space
        chars.append(char)
        size += octets
    lines.append("".join(chars))
    return "\r\n ".join(lines).encode("utf-8") + b"\r\n"


def _utc(moment: datetime) -> str:
    """A UTC DATE-TIME value."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime, zone: str) -> str:
    """A DATE-TIME value in a zone (written with ``TZID=zone``)."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")


def _text(value: str) -> str:
    """A TEXT value escaped by icalendar."""
    escaped: bytes = vText(value).to_ical()
    return escaped.decode("utf-8")


def vevent_bytes(event: FeedEvent, lang: Lang, audience: Audience) -> bytes:
    """The folded CRLF bytes of one VEVENT, the same properties ``vevent`` gives.

    Written line by line because icalendar's component serialiser takes ~0.4 ms per event, which
    would put a year of duty over the feed's 50 ms budget; values are still escaped by icalendar,
    and the tests compare both.
    """
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(event.uid)}",
        f"DTSTAMP:{_utc(event.last_modified)}",
        f"DTSTART;TZID={event.zone}:{_local(event.start, event.zone)}",
        f"DTEND;TZID={event.zone}:{_local(event.end, event.zone)}",
        *([f"CREATED:{_utc(event.created)}"] if event.created else []),
        f"LAST-MODIFIED:{_utc(event.last_modified)}",
        f"SEQUENCE:{event.sequence}",
        f"STATUS:{event.status.value}",
        f"SUMMARY:{_text(summary(event, lang, audience))}",
        f"LOCATION:{_text(location(event, audience))}",
    ]
    if notes := description(event, lang, audience):
        lines.append(f"DESCRIPTION:{_text(notes)}")
    lines.append("END:VEVENT")
    return b"".join(fold(line) for line in lines)


def calendar_head(meta: CalendarMeta, zones: Iterable[str]) -> bytes:
    """The VCALENDAR's properties and VTIMEZONEs: everything before the events and the END line."""
    cal = Calendar.new(prodid=PRODID, uid=meta.uid, name=meta.name, calscale="GREGORIAN")
    cal.add("X-WR-TIMEZONE", meta.zone)
    cal.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    for zone in sorted({meta.zone, *zones}):
        cal.add_component(vtimezone(zone))
    data: bytes = cal.to_ical()
    return data.removesuffix(CALENDAR_END)


def build_calendar(events: Iterable[FeedEvent], meta: CalendarMeta) -> bytes:
    """The UTF-8, CRLF, folded bytes of a VCALENDAR of the events (in start order) and their zones."""
    ordered = sorted(events, key=lambda e: (e.start, e.uid))
    body = b"".join(vevent_bytes(e, meta.lang, meta.audience) for e in ordered)
    return calendar_head(meta, (e.zone for e in ordered)) + body + CALENDAR_END


def last_modified(events: Iterable[FeedEvent]) -> datetime | None:
    """The newest LAST-MODIFIED of the events (None for an empty calendar)."""
    return max((e.last_modified for e in events), default=None)
