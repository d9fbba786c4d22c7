"""Weekly availability windows and leave as the solver's unavailability intervals (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from rota.domain import WeekClock
from rota.models import Leave, WeeklyAvailability
from solver.instance import Unavailability

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of half-open intervals."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def complement(intervals: Iterable[Interval], low: int, high: int) -> list[Interval]:
    """The parts of [low, high) that none of the intervals cover."""
    gaps: list[Interval] = []
    cursor = low
    for start, end in merge(intervals):
        if start > cursor:
            gaps.append((cursor, min(start, high)))
        cursor = max(cursor, end)
        if cursor >= high:
            break
    if cursor < high:
        gaps.append((cursor, high))
    return [(s, e) for s, e in gaps if s < e]


def weekly_windows(rows: Sequence[WeeklyAvailability], clock: WeekClock, days: int) -> list[Interval]:
    """The windows of the recurring availability over days -1..days (windows may pass midnight)."""
    windows: list[Interval] = []
    for offset in range(-1, days + 1):  # day -1's overnight window reaches into day 0
        day = clock.date_of(offset)
        for row in rows:
            if row.weekday != day.weekday():
                continue
            # A window that does not end after it starts runs into the next day.
            end_day = day + timedelta(days=1) if row.end_time <= row.start_time else day
            windows.append(
                (clock.local_minute(day, row.start_time), clock.local_minute(end_day, row.end_time))
            )
    return windows


def availability_gaps(
    rows: Sequence[WeeklyAvailability], clock: WeekClock, days: int, span: Interval
) -> list[Unavailability]:
    """Unavailability outside the weekly windows within ``span``; none for people without windows."""
    if not rows:
        return []
    gaps = complement(weekly_windows(rows, clock, days), *span)
    return [Unavailability(start, end, "unavailable") for start, end in gaps]


def leave_intervals(leaves: Iterable[Leave], clock: WeekClock, span: Interval) -> list[Unavailability]:
    """Approved leave overlapping ``span``, clipped to it; requested and declined leave is ignored."""
    found = []
    for leave in leaves:
        if leave.status != "approved":
            continue
        start, end = max(clock.minute(leave.start_at), span[0]), min(clock.minute(leave.end_at), span[1])
        if start < end:
            found.append(Unavailability(start, end, "leave"))
    return found


def overlaps(start: int, end: int, spans: Iterable[Unavailability]) -> bool:
    """True if [start, end) overlaps any of the spans."""
    return any(start < u.end and u.start < end for u in spans)
