"""Independent re-check of the home-visit rules of docs/rules.md (plain Python, no CP-SAT).

Like ``solver.validate`` it shares no code with the model: it is written from the spec.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from solver.instance import Person, Problem, Shift, Visit

VisitChoice = tuple[str, str | None, int | None]  # (visit, person or None, start or None)
FACTORS = (1, 3, 10)


@dataclass(frozen=True)
class VisitViolation:
    """One broken hard rule about a visit."""

    rule: str
    person: str | None
    visit: str
    detail: str


def _day_of(visit: Visit) -> int:
    return min(a for a, _ in visit.windows) // 1440


def _served(
    problem: Problem, choices: Iterable[VisitChoice]
) -> tuple[dict[str, tuple[str, int]], list[VisitViolation]]:
    """visit -> (person, start) for served visits, plus reference and duplicate problems."""
    known = {v.id for v in problem.visits}
    served: dict[str, tuple[str, int]] = {}
    bad: list[VisitViolation] = []
    for vid, person, start in choices:
        if vid not in known or (person is not None and person not in problem.people_by_id):
            bad.append(
                VisitViolation("unknown_reference", person, vid, f"visit {vid}: unknown visit or person")
            )
        elif person is not None and start is None:
            bad.append(
                VisitViolation("visit_assignment", person, vid, f"visit {vid} has a person but no start")
            )
        elif person is not None and start is not None:
            if vid in served:
                bad.append(VisitViolation("visit_assignment", person, vid, f"visit {vid} is served twice"))
            served[vid] = (person, start)
    return served, bad


def _may_serve(person: Person, visit: Visit) -> bool:
    day = _day_of(visit)
    if person.stations and visit.station not in person.stations:
        return False
    if day in person.days_off:
        return False
    return any(g.skill == visit.skill and g.valid_on(day) for g in person.skills)


def check_visit_assignment(problem: Problem, served: dict[str, tuple[str, int]]) -> list[VisitViolation]:
    """Qualified butler, inside a window, pins kept."""
    found = []
    for visit in problem.visits:
        got = served.get(visit.id)
        if visit.person is not None and (
            got is None or got[0] != visit.person or (visit.start is not None and got[1] != visit.start)
        ):
            found.append(
                VisitViolation(
                    "pins",
                    visit.person,
                    visit.id,
                    f"visit {visit.id} is pinned to {visit.person} at {visit.start} but got {got}",
                )
            )
        if got is None:
            continue
        pid, start = got
        if not _may_serve(problem.people_by_id[pid], visit):
            found.append(
                VisitViolation("visit_assignment", pid, visit.id, f"{pid} may not serve visit {visit.id}")
            )
        if not any(a <= start and start + visit.duration <= b for a, b in visit.windows):
            found.append(
                VisitViolation(
                    "visit_assignment",
                    pid,
                    visit.id,
                    f"visit {visit.id} at minute {start} lies outside its windows",
                )
            )
    return found


def _busy(
    problem: Problem, assignments: Iterable[tuple[str, str]], served: dict[str, tuple[str, int]]
) -> dict[str, list[tuple[int, int, str, str]]]:
    """Per person: (start, end, kind, id) of shifts, visits and time away."""
    spans: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for pid, sid in assignments:
        shift: Shift | None = problem.shifts_by_id.get(sid)
        if shift is not None:
            spans[pid].append((shift.start, shift.end, "shift", sid))
    visits = {v.id: v for v in problem.visits}
    for vid, (pid, start) in served.items():
        spans[pid].append((start, start + visits[vid].duration, "visit", vid))
    return spans


def check_visit_no_overlap(
    problem: Problem, assignments: Iterable[tuple[str, str]], served: dict[str, tuple[str, int]]
) -> list[VisitViolation]:
    """A served visit overlaps nothing else of its butler's."""
    spans = _busy(problem, assignments, served)
    visits = {v.id: v for v in problem.visits}
    found = []
    for vid, (pid, start) in served.items():
        end = start + visits[vid].duration
        person = problem.people_by_id[pid]
        others = [(a, b, k, i) for a, b, k, i in spans[pid] if (k, i) != ("visit", vid)]
        others += [(u.start, u.end, u.kind, "") for u in person.unavailable]
        for a, b, kind, other in others:
            if a < end and start < b:
                found.append(
                    VisitViolation(
                        "visit_no_overlap", pid, vid, f"visit {vid} of {pid} overlaps {kind} {other}".rstrip()
                    )
                )
    return found


def check_visit_travel(problem: Problem, served: dict[str, tuple[str, int]]) -> list[VisitViolation]:
    """Enough travel time between two visits of one butler in different compounds."""
    visits = {v.id: v for v in problem.visits}
    per_person: dict[str, list[tuple[int, Visit]]] = defaultdict(list)
    for vid, (pid, start) in served.items():
        per_person[pid].append((start, visits[vid]))
    found = []
    for pid, items in per_person.items():
        items.sort(key=lambda sv: sv[0])
        for i, (s1, v1) in enumerate(items):
            for s2, v2 in items[i + 1 :]:
                need = max(
                    problem.travel_minutes(v1.compound, v2.compound),
                    problem.travel_minutes(v2.compound, v1.compound),
                )
                if v1.compound != v2.compound and s2 - (s1 + v1.duration) < need:
                    found.append(
                        VisitViolation(
                            "visit_travel",
                            pid,
                            v2.id,
                            f"{pid} has {s2 - s1 - v1.duration} "
                            f"minutes between visits {v1.id} and {v2.id}, needs {need}",
                        )
                    )
    return found


def check_minutes_with_visits(
    problem: Problem, assignments: Iterable[tuple[str, str]], served: dict[str, tuple[str, int]]
) -> list[VisitViolation]:
    """max_minutes and max_minutes_per_week with visit minutes counted (only for people with visits)."""
    visits = {v.id: v for v in problem.visits}
    total: dict[str, int] = defaultdict(int)
    weekly: dict[tuple[str, int], int] = defaultdict(int)
    with_visits = {pid for pid, _ in served.values()}
    for pid, sid in assignments:
        shift = problem.shifts_by_id.get(sid)
        if shift is not None and pid in with_visits:
            total[pid] += shift.duration
            weekly[(pid, problem.week(shift.day))] += shift.duration
    for vid, (pid, _) in served.items():
        total[pid] += visits[vid].duration
        weekly[(pid, problem.week(_day_of(visits[vid])))] += visits[vid].duration
    found = []
    for pid in sorted(with_visits):
        limits = problem.people_by_id[pid].limits
        if limits.max_minutes is not None and total[pid] > limits.max_minutes:
            found.append(
                VisitViolation("max_minutes", pid, "", f"{pid} works {total[pid]} minutes with visits")
            )
        for (who, week), minutes in weekly.items():
            cap = limits.max_minutes_per_week
            if who == pid and cap is not None and minutes > cap:
                found.append(
                    VisitViolation(
                        "max_minutes_per_week",
                        pid,
                        "",
                        f"{pid} works {minutes} minutes in week {week} with visits",
                    )
                )
    return found


def visit_scores(problem: Problem, served: dict[str, tuple[str, int]]) -> dict[str, tuple[int, int]]:
    """(count, penalty) of each soft visit rule."""
    w = problem.weights
    scores = {
        "visit_unserved": [0, 0],
        "visit_continuity": [0, 0],
        "visit_language": [0, 0],
        "visit_lateness": [0, 0],
        "visit_stability": [0, 0],
    }
    for v in problem.visits:
        got = served.get(v.id)
        if (
            v.published_person is not None
            and w.visit_stability > 0
            and (
                got is None
                or got[0] != v.published_person
                or (v.published_start is not None and got[1] != v.published_start)
            )
        ):
            scores["visit_stability"][0] += 1
            scores["visit_stability"][1] += w.visit_stability
        if got is None:
            scores["visit_unserved"][0] += 1
            scores["visit_unserved"][1] += v.unserved_weight * FACTORS[max(0, min(v.urgency, 2))]
            continue
        pid, start = got
        if v.previous_butlers and pid not in v.previous_butlers and w.visit_continuity > 0:
            scores["visit_continuity"][0] += 1
            scores["visit_continuity"][1] += w.visit_continuity
        if v.language and v.language not in problem.people_by_id[pid].languages and w.visit_language > 0:
            scores["visit_language"][0] += 1
            scores["visit_language"][1] += w.visit_language
        if v.urgency >= 1 and w.visit_lateness_per_hour > 0:
            hours = -(-(start - min(a for a, _ in v.windows)) // 60)
            scores["visit_lateness"][0] += hours
            scores["visit_lateness"][1] += hours * v.urgency * w.visit_lateness_per_hour
    return {k: (c, p) for k, (c, p) in scores.items()}


def check_visits(
    problem: Problem, assignments: list[tuple[str, str]], choices: Iterable[VisitChoice]
) -> tuple[list[VisitViolation], dict[str, tuple[int, int]]]:
    """Every visit rule: violations and soft scores."""
    served, bad = _served(problem, choices)
    bad += check_visit_assignment(problem, served)
    bad += check_visit_no_overlap(problem, assignments, served)
    bad += check_visit_travel(problem, served)
    bad += check_minutes_with_visits(problem, assignments, served)
    return bad, visit_scores(problem, served)
