"""The pure iCalendar builders."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from rota.ical import (
    PRODID,
    Audience,
    CalendarMeta,
    EventStatus,
    FeedEvent,
    ShiftDetails,
    VisitDetails,
    as_lang,
    build_calendar,
    fold,
    last_modified,
    vevent,
    vevent_bytes,
)
from tests.icalcheck import assert_icalcheck_accepts

ZONE = "Asia/Shanghai"
EDITED = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
META = CalendarMeta(uid="person-7@eldercare-rota", name="张伟的值班", zone=ZONE)


def _shift(uid: str = "shift-1@x", **changes: object) -> FeedEvent:
    """A morning shift on Monday 7 Dec 2026, 08:00-12:00 Shanghai time."""
    event = FeedEvent(
        uid=uid,
        start=datetime(2026, 12, 7, 0, 0, tzinfo=UTC),
        end=datetime(2026, 12, 7, 4, 0, tzinfo=UTC),
        zone=ZONE,
        details=ShiftDetails(
            station="江侨社区居家养老服务站", shift_zh="上午班", shift_en="Morning", people=("李娜", "王芳")
        ),
        last_modified=EDITED,
        created=EDITED - timedelta(days=3),
    )
    return dataclasses.replace(event, **changes)  # type: ignore[arg-type]


def _visit(**changes: object) -> FeedEvent:
    """A home visit with the resident's private data filled in."""
    details = VisitDetails(
        station="江侨社区居家养老服务站",
        service="appliance_repair",
        compound="侨雅苑",
        building="3栋",
        resident="陈婆婆",
        address="侨雅苑3栋502室",
        phone="13800000000",
    )
    return _shift(uid="visit-9@x", details=details, **changes)


def _parse(data: bytes) -> icalendar.Calendar:
    """The calendar the Python client reads from the bytes."""
    return icalendar.Calendar.from_ical(data)


def test_calendar_has_stable_prodid_name_and_refresh_hints() -> None:
    cal = _parse(build_calendar([_shift()], META))

    assert (str(cal["PRODID"]), str(cal["X-WR-CALNAME"]), str(cal["UID"])) == (
        PRODID,
        "张伟的值班",
        "person-7@eldercare-rota",
    )
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in build_calendar([], META)
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in build_calendar([], META)


def test_event_times_use_station_tzid_with_vtimezone() -> None:
    data = build_calendar([_shift()], META)

    assert b"DTSTART;TZID=Asia/Shanghai:20261207T080000\r\n" in data
    assert b"DTEND;TZID=Asia/Shanghai:20261207T120000\r\n" in data
    assert [str(tz["TZID"]) for tz in _parse(data).timezones] == [ZONE]


def test_empty_calendar_still_has_its_vtimezone() -> None:
    cal = _parse(build_calendar([], META))

    assert ([str(tz["TZID"]) for tz in cal.timezones], cal.events) == ([ZONE], [])


def test_event_state_sets_dtstamp_last_modified_sequence_and_status() -> None:
    event = _parse(build_calendar([_shift(sequence=3)], META)).events[0]

    assert (event.DTSTAMP, event.LAST_MODIFIED, event["SEQUENCE"], str(event["STATUS"])) == (
        EDITED,
        EDITED,
        3,
        "CONFIRMED",
    )


def test_cancelled_event_is_cancelled_and_says_so() -> None:
    event = _parse(build_calendar([_shift(status=EventStatus.CANCELLED, sequence=1)], META)).events[0]

    assert (str(event["STATUS"]), str(event["SUMMARY"])) == ("CANCELLED", "[已取消] 上午班")


@pytest.mark.parametrize(
    ("lang", "summary", "description"),
    [("zh", "上午班", "同班：李娜、王芳"), ("en", "Morning", "With: 李娜, 王芳")],
)
def test_own_shift_titles_in_the_persons_language(lang: str, summary: str, description: str) -> None:
    meta = dataclasses.replace(META, lang=as_lang(lang))

    event = _parse(build_calendar([_shift()], meta)).events[0]

    assert (str(event["SUMMARY"]), str(event["DESCRIPTION"]), str(event["LOCATION"])) == (
        summary,
        description,
        "江侨社区居家养老服务站",
    )


def test_shared_shift_names_everyone_on_duty_in_the_summary() -> None:
    meta = dataclasses.replace(META, audience=Audience.SHARED)

    event = _parse(build_calendar([_shift()], meta)).events[0]

    assert str(event["SUMMARY"]) == "上午班：李娜、王芳"


def test_visit_in_own_feed_has_the_residents_address_and_phone() -> None:
    event = _parse(build_calendar([_visit()], META)).events[0]

    assert (str(event["SUMMARY"]), str(event["LOCATION"]), str(event["DESCRIPTION"])) == (
        "上门服务：家电维修",
        "侨雅苑3栋502室",
        "楼栋：侨雅苑 3栋\n长者：陈婆婆\n地址：侨雅苑3栋502室\n电话：13800000000",
    )


def test_visit_in_shared_feed_has_only_service_and_building() -> None:
    data = build_calendar([_visit()], dataclasses.replace(META, audience=Audience.SHARED))

    event = _parse(data).events[0]
    assert (str(event["LOCATION"]), str(event["DESCRIPTION"])) == ("侨雅苑 3栋", "楼栋：侨雅苑 3栋")
    assert [secret for secret in ("陈婆婆", "502", "13800000000") if secret.encode() in data] == []


def test_long_chinese_text_is_folded_between_characters() -> None:
    long_names = tuple(f"欧阳{n}号志愿者" for n in range(20))
    event = _shift(details=ShiftDetails("江侨站", "服务专线", "Hotline", long_names))

    lines = build_calendar([event], META).split(b"\r\n")

    assert max(len(line) for line in lines) <= 75
    assert all(line.decode("utf-8") for line in lines if line)
    assert str(_parse(build_calendar([event], META)).events[0]["DESCRIPTION"]).endswith("欧阳19号志愿者")


def test_build_is_byte_for_byte_deterministic() -> None:
    events = [_shift("b@x"), _shift("a@x", start=datetime(2026, 12, 6, 0, tzinfo=UTC))]

    assert build_calendar(events, META) == build_calendar(list(reversed(events)), META)


def test_last_modified_is_the_newest_event_edit() -> None:
    newer = EDITED + timedelta(hours=2)

    assert (last_modified([_shift(), _shift(last_modified=newer)]), last_modified([])) == (newer, None)


def test_built_calendars_pass_icalcheck(tmp_path: Path) -> None:
    shared = dataclasses.replace(META, audience=Audience.SHARED, lang="en")
    feeds = {
        "own": build_calendar([_shift(), _visit(), _shift("c@x", status=EventStatus.CANCELLED)], META),
        "shared": build_calendar([_shift(), _visit()], shared),
        "empty": build_calendar([], META),
    }

    assert_icalcheck_accepts(tmp_path, feeds)


TRICKY = ShiftDetails(
    "江侨站", "上午班, 含;分号", "Morning \\ shift", tuple(f"欧阳{n}号,志愿者;\\" for n in range(12))
)
ORACLE_CASES = {
    "own shift": (_shift(), "zh", Audience.OWN),
    "shared shift en": (_shift(), "en", Audience.SHARED),
    "cancelled, no created": (
        _shift(status=EventStatus.CANCELLED, sequence=4, created=None),
        "zh",
        Audience.OWN,
    ),
    "own visit": (_visit(), "zh", Audience.OWN),
    "shared visit": (_visit(), "en", Audience.SHARED),
    "escapes and folds": (_shift(details=TRICKY), "zh", Audience.OWN),
    "escapes and folds en": (_shift(details=TRICKY), "en", Audience.SHARED),
}


@pytest.mark.parametrize("case", ORACLE_CASES)
def test_fast_vevent_reads_the_same_as_icalendars(case: str) -> None:
    event, lang, audience = ORACLE_CASES[case]

    fast = icalendar.Event.from_ical(vevent_bytes(event, as_lang(lang), audience))
    reference = icalendar.Event.from_ical(vevent(event, as_lang(lang), audience).to_ical())

    assert {k: fast.decoded(k) for k in fast} == {k: reference.decoded(k) for k in reference}


@pytest.mark.parametrize(
    "line", ["SUMMARY:" + "值班" * 60, "DESCRIPTION:" + "a\\,b\\;" * 30, "X:" + "é" * 80]
)
def test_fold_keeps_lines_short_and_characters_whole(line: str) -> None:
    folded = fold(line)

    parts = folded.removesuffix(b"\r\n").split(b"\r\n")
    assert max(len(part) for part in parts) <= 75
    assert [part.decode("utf-8") for part in parts]  # no fold inside a character
    assert not any(part.endswith(b"\\") for part in parts[:-1])
    assert b"".join([parts[0], *(part.removeprefix(b" ") for part in parts[1:])]).decode() == line
