"""Home visits: each request gets a qualified butler and a start inside its window, fitted around
the butler's duty shifts, other visits (with travel time between compounds), leave and limits.

A visit that cannot be served stays unserved at a cost (scaled by urgency) and gets a reason:
it is never silently dropped.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.instance import Person, Visit
from solver.variables import Penalty, RotaModel

URGENCY_FACTOR = (1, 3, 10)  # normal, urgent, emergency


def visit_day(visit: Visit) -> int:
    """The day a visit belongs to (that of its earliest window)."""
    return min(start for start, _ in visit.windows) // 1440


def can_serve(person: Person, visit: Visit) -> bool:
    """True if the person holds the visit's skill on its day and may work at its station."""
    if person.stations and visit.station not in person.stations:
        return False
    if visit_day(visit) in person.days_off:
        return False
    return person.qualified(visit.skill, visit_day(visit))


def _start_domain(visit: Visit) -> cp_model.Domain:
    """Start minutes that keep the whole visit inside one of its windows."""
    spans = [[a, b - visit.duration] for a, b in visit.windows if b - a >= visit.duration]
    return cp_model.Domain.from_intervals(spans) if spans else cp_model.Domain(0, 0)


def add_visit_assignment(m: RotaModel) -> list[Penalty]:
    """Hard: a visit has at most one butler, who can serve it, starting so it fits in a window.

    A visit pinned to a person and start (dispatched, or fixed by the coordinator) keeps them.
    """
    for visit in m.problem.visits:
        domain = _start_domain(visit)
        start = m.cp.new_int_var_from_domain(domain, f"visit_start(visit={visit.id})")
        m.visit_start[visit.id] = start
        fits = any(b - a >= visit.duration for a, b in visit.windows)
        chosen = [
            _add_server(m, visit, person, start)
            for person in m.problem.people
            if fits and (can_serve(person, visit) or person.id == visit.person)
        ]
        if chosen:
            m.cp.add_at_most_one(chosen)
        _pin_visit(m, visit, start)
    return []


def _add_server(m: RotaModel, visit: Visit, person: Person, start: cp_model.IntVar) -> cp_model.IntVar:
    """The variables of one possible butler for one visit; returns its presence literal."""
    served = m.cp.new_bool_var(f"visit_by(visit={visit.id},person={person.id})")
    interval = m.cp.new_optional_fixed_size_interval_var(
        start, visit.duration, served, f"visit_time(visit={visit.id},person={person.id})"
    )
    m.visit_by[(visit.id, person.id)] = served
    m.visit_interval[(visit.id, person.id)] = interval
    if not can_serve(person, visit):
        m.cp.add(served == 0).only_enforce_if(m.guard("qualification", person.id))
    return served


def _pin_visit(m: RotaModel, visit: Visit, start: cp_model.IntVar) -> None:
    """Hold a pinned butler and start."""
    if visit.person is None:
        return
    guard = m.guard("pins", visit.person)
    served = m.visit_by.get((visit.id, visit.person))
    if served is None:
        m.cp.add_bool_or([]).only_enforce_if(guard)
        return
    m.cp.add(served == 1).only_enforce_if(guard)
    if visit.start is not None:
        m.cp.add(start == visit.start).only_enforce_if(guard)


def _visits_of(m: RotaModel) -> dict[str, list[tuple[Visit, cp_model.IntVar, cp_model.IntervalVar]]]:
    """Each person's possible visits with their presence literal and interval."""
    visits = {v.id: v for v in m.problem.visits}
    found: dict[str, list[tuple[Visit, cp_model.IntVar, cp_model.IntervalVar]]] = defaultdict(list)
    for (vid, pid), served in m.visit_by.items():
        found[pid].append((visits[vid], served, m.visit_interval[(vid, pid)]))
    return found


def add_visit_no_overlap(m: RotaModel) -> list[Penalty]:
    """Hard: a butler's visits never overlap each other, their duty shifts, leave or unavailability."""
    for pid, options in _visits_of(m).items():
        person = m.problem.people_by_id[pid]
        intervals = [iv for _, _, iv in options]
        days = {visit_day(v) + k for v, _, _ in options for k in (-1, 0, 1)}
        for shift, var in (sv for d in sorted(days) for sv in m.shifts_on_day(pid, d)):
            intervals.append(
                m.cp.new_optional_fixed_size_interval_var(
                    shift.start, shift.end - shift.start, var, f"duty(person={pid},shift={shift.id})"
                )
            )
        for k, (start, end) in enumerate(_merged(person)):
            intervals.append(
                m.cp.new_fixed_size_interval_var(start, end - start, f"away(person={pid},n={k})")
            )
        if len(intervals) > 1:
            m.cp.add_no_overlap(intervals).only_enforce_if(m.guard("visit_no_overlap", pid))
        _add_window_capacity(m, pid, options, sorted(days))
    return []


def _add_window_capacity(
    m: RotaModel,
    pid: str,
    options: list[tuple[Visit, cp_model.IntVar, cp_model.IntervalVar]],
    days: list[int],
) -> None:
    """Redundant rows of the no-overlap: in any span [a, b] the person's visits that must lie
    inside it, plus the part of their duty that falls inside it, take at most b - a minutes.

    The no-overlap's own LP relaxation hardly sees that two visits with the same two-hour window
    cannot both go to one person; without these rows a station's bound missed whole unserved visits.
    Spans run from a window's start to a window's end, and only those that could overflow get a row.
    """
    person = m.problem.people_by_id[pid]
    duty = [sv for d in days for sv in m.shifts_on_day(pid, d)]
    starts = sorted({min(a for a, _ in v.windows) for v, _, _ in options})
    ends = sorted({max(b for _, b in v.windows) for v, _, _ in options})
    guard = m.guard("visit_no_overlap", pid)
    for a in starts:
        for b in (e for e in ends if e > a):
            inside = [
                (v.duration, y)
                for v, y, _ in options
                if min(s for s, _ in v.windows) >= a and max(e for _, e in v.windows) <= b
            ]
            busy = [(_overlap(s.start, s.end, a, b), x) for s, x in duty]
            busy = [(k, x) for k, x in busy if k > 0]
            room = b - a - sum(_overlap(s, e, a, b) for s, e in _merged(person))
            terms = inside + busy
            if not inside or (len(inside) < 2 and not busy) or sum(k for k, _ in terms) <= room:
                continue
            row = cp_model.LinearExpr.weighted_sum([y for _, y in terms], [k for k, _ in terms])
            m.cp.add(row <= room).only_enforce_if(guard)


def _overlap(start: int, end: int, a: int, b: int) -> int:
    """Minutes of [start, end) inside [a, b)."""
    return max(0, min(end, b) - max(start, a))


def _merged(person: Person) -> list[tuple[int, int]]:
    """The person's leave and unavailability as disjoint spans (fixed intervals may not overlap)."""
    spans: list[tuple[int, int]] = []
    for u in sorted(person.unavailable, key=lambda u: u.start):
        if spans and u.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], u.end))
        elif u.end > u.start:
            spans.append((u.start, u.end))
    return spans


def add_visit_travel(m: RotaModel) -> list[Penalty]:
    """Hard: between two visits of one butler in different compounds, at least the travel time."""
    for pid, options in _visits_of(m).items():
        guard = m.guard("visit_travel", pid)
        for i, (a, in_a, _) in enumerate(options):
            for b, in_b, _ in options[i + 1 :]:
                gap = max(
                    m.problem.travel_minutes(a.compound, b.compound),
                    m.problem.travel_minutes(b.compound, a.compound),
                )
                if gap and _could_be_close(a, b, gap):
                    _separate(m, a, b, gap, [in_a, in_b, *guard], pid)
    return []


def _could_be_close(a: Visit, b: Visit, gap: int) -> bool:
    """True if some placement of the two visits would leave less than ``gap`` between them."""
    a_lo, a_hi = min(s for s, _ in a.windows), max(e for _, e in a.windows)
    b_lo, b_hi = min(s for s, _ in b.windows), max(e for _, e in b.windows)
    return a_lo < b_hi + gap and b_lo < a_hi + gap


def _separate(m: RotaModel, a: Visit, b: Visit, gap: int, when: list[cp_model.IntVar], pid: str) -> None:
    """Either a ends ``gap`` before b starts, or the other way round, when both are this person's."""
    a_first = m.cp.new_bool_var(f"visit_order(person={pid},first={a.id},then={b.id})")
    sa, sb = m.visit_start[a.id], m.visit_start[b.id]
    m.cp.add(sb >= sa + a.duration + gap).only_enforce_if([*when, a_first])
    m.cp.add(sa >= sb + b.duration + gap).only_enforce_if([*when, a_first.Not()])


def add_visit_limits(m: RotaModel) -> list[Penalty]:
    """Hard: duty minutes plus visit minutes stay within ``max_minutes`` and ``max_minutes_per_week``."""
    for pid, options in _visits_of(m).items():
        person = m.problem.people_by_id[pid]
        guard = m.guard("max_minutes", pid)
        shifts = m.shifts_of(pid)
        if person.limits.max_minutes is not None:
            total = sum(s.duration * x for s, x in shifts) + sum(v.duration * y for v, y, _ in options)
            m.cp.add(total <= person.limits.max_minutes).only_enforce_if(guard)
        if person.limits.max_minutes_per_week is not None:
            for week in {m.problem.week(visit_day(v)) for v, _, _ in options}:
                total = sum(s.duration * x for s, x in shifts if m.problem.week(s.day) == week) + sum(
                    v.duration * y for v, y, _ in options if m.problem.week(visit_day(v)) == week
                )
                m.cp.add(total <= person.limits.max_minutes_per_week).only_enforce_if(
                    m.guard("max_minutes_per_week", pid)
                )
    return []


def add_visit_unserved(m: RotaModel) -> list[Penalty]:
    """Soft: an unserved visit costs its unserved_weight times the urgency factor (1, 3, 10).

    Penalty unit: one unserved visit.
    """
    by_visit = _by_visit(m)
    penalties = []
    for v in m.problem.visits:
        # Its own Boolean, tied by one equality: as ``1 - sum(y)`` the term's trivial bound from the
        # variable domains would be ``1 - #candidates`` (the at-most-one is not seen), and a district's
        # bound went negative.
        unserved = m.cp.new_bool_var(f"visit_unserved(visit={v.id})")
        m.cp.add(unserved + cp_model.LinearExpr.sum(list(by_visit[v.id].values())) == 1)
        penalties.append(Penalty("visit_unserved", unserved, v.unserved_weight * urgency_factor(v)))
    return penalties


def urgency_factor(visit: Visit) -> int:
    """How much more an unserved visit of this urgency costs."""
    return URGENCY_FACTOR[max(0, min(visit.urgency, len(URGENCY_FACTOR) - 1))]


def _by_visit(m: RotaModel) -> dict[str, dict[str, cp_model.IntVar]]:
    found: dict[str, dict[str, cp_model.IntVar]] = defaultdict(dict)
    for (vid, pid), var in m.visit_by.items():
        found[vid][pid] = var
    return found


def add_visit_continuity(m: RotaModel) -> list[Penalty]:
    """Soft: a visit served by someone who has not visited this elder before, when someone has.

    Penalty unit: one visit without continuity.
    """
    weight = m.problem.weights.visit_continuity
    by_visit = _by_visit(m)
    return [
        Penalty(
            "visit_continuity",
            sum(y for p, y in by_visit[v.id].items() if p not in v.previous_butlers),
            weight,
        )
        for v in m.problem.visits
        if v.previous_butlers and weight > 0 and by_visit[v.id]
    ]


def add_visit_language(m: RotaModel) -> list[Penalty]:
    """Soft: a visit served by a butler who does not speak the elder's language.

    Penalty unit: one visit in a language the butler does not speak.
    """
    weight = m.problem.weights.visit_language
    people = m.problem.people_by_id
    by_visit = _by_visit(m)
    return [
        Penalty(
            "visit_language",
            sum(y for p, y in by_visit[v.id].items() if v.language not in people[p].languages),
            weight,
        )
        for v in m.problem.visits
        if v.language and weight > 0 and by_visit[v.id]
    ]


def add_visit_lateness(m: RotaModel) -> list[Penalty]:
    """Soft: an urgent visit should start early; each started hour after its earliest start costs.

    Penalty unit: one hour (rounded up) of delay, times the visit's urgency.
    """
    weight = m.problem.weights.visit_lateness_per_hour
    by_visit = _by_visit(m)
    penalties = []
    for v in m.problem.visits:
        if v.urgency <= 0 or weight <= 0 or not by_visit[v.id]:
            continue
        earliest = min(s for s, _ in v.windows)
        is_served = m.cp.new_bool_var(f"visit_served(visit={v.id})")
        m.cp.add(sum(by_visit[v.id].values()) == is_served)
        span = max(e for _, e in v.windows) - earliest
        hours = m.cp.new_int_var(0, span // 60 + 1, f"visit_hours_late(visit={v.id})")
        delay = m.visit_start[v.id] - earliest
        m.cp.add(60 * hours >= delay).only_enforce_if(is_served)
        m.cp.add(60 * hours <= delay + 59).only_enforce_if(is_served)
        m.cp.add(hours == 0).only_enforce_if(is_served.Not())
        penalties.append(Penalty("visit_lateness", hours, weight * v.urgency))
    return penalties


def add_visit_stability(m: RotaModel) -> list[Penalty]:
    """Soft: a re-plan keeps each published visit with its butler at its time.

    Penalty unit: one published visit that changes butler, start, or is dropped.
    """
    weight = m.problem.weights.visit_stability
    penalties = []
    for v in m.problem.visits:
        if v.published_person is None or weight <= 0:
            continue
        kept = m.cp.new_bool_var(f"visit_kept(visit={v.id})")
        same = m.visit_by.get((v.id, v.published_person))
        if same is None:
            m.cp.add(kept == 0)
        else:
            m.cp.add_implication(kept, same)
            if v.published_start is not None:
                moved = m.cp.new_bool_var(f"visit_moved(visit={v.id})")
                m.cp.add(m.visit_start[v.id] == v.published_start).only_enforce_if(moved.Not())
                m.cp.add(m.visit_start[v.id] != v.published_start).only_enforce_if(moved)
                m.cp.add_bool_or([kept, moved, same.Not()])
                m.cp.add_implication(kept, moved.Not())
            else:
                m.cp.add_bool_or([kept, same.Not()])
        penalties.append(Penalty("visit_stability", 1 - kept, weight))
    return penalties
