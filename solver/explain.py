"""Explanations a coordinator understands: score breakdown, loads, reasons for holes, conflicts.

The reasons come from a cheap analysis of the problem and the chosen assignment, not from
the CP-SAT search: for a hole we look at every person who would match the need and say
what kept each of them away.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping

from solver.instance import Need, Person, Problem, Shift, Visit
from solver.result import Conflict, Hole, Load, Message, RuleScore, VisitOutcome
from solver.rules import RULES, SOFT_RULE_IDS
from solver.rules.coverage import matches
from solver.rules.eligibility import availability_problem
from solver.rules.visits import can_serve

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Why a matching person is not on a short shift, in the order we test for it.
_CAUSES = {
    "leave": ("请假", "on leave"),
    "day_off": ("固定休息日", "on a fixed day off"),
    "unavailable": ("不在可用时间", "not available then"),
    "qualification": (
        "缺少本班所需资质或不属本站",
        "missing a skill the shift requires or not at this station",
    ),
    "busy": ("已在其他班次", "on another shift"),
    "rest": ("休息时间不足", "too little rest"),
    "limit": ("已达工作量上限", "at a workload limit"),
    "other": ("受其他规则或更优安排限制", "kept away by other rules or a better overall rota"),
}


def breakdown(amounts: list[tuple[str, int, int]]) -> tuple[RuleScore, ...]:
    """Sum (rule, amount, weight) terms into one score per soft rule, in catalogue order."""
    count: Counter[str] = Counter()
    penalty: Counter[str] = Counter()
    for rule, amount, weight in amounts:
        count[rule] += amount
        penalty[rule] += amount * weight
    return tuple(
        RuleScore(r, RULES[r].zh, RULES[r].en, count[r], penalty[r]) for r in SOFT_RULE_IDS if r in count
    )


def breakdown_scores(scores: Mapping[str, tuple[int, int]]) -> tuple[RuleScore, ...]:
    """One score per soft rule from ``solver.validate``'s (count, penalty) pairs, in catalogue order.

    Rules that cost nothing are left out.
    """
    return tuple(
        RuleScore(r, RULES[r].zh, RULES[r].en, *scores[r]) for r in SOFT_RULE_IDS if scores.get(r, (0, 0))[1]
    )


def _by_person(assignments: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    plan: dict[str, list[str]] = defaultdict(list)
    for person, shift in assignments:
        plan[person].append(shift)
    return plan


def person_load(problem: Problem, assignments: tuple[tuple[str, str], ...]) -> tuple[Load, ...]:
    """Shifts and minutes per person, with the fair-share target where one applies."""
    plan = _by_person(assignments)
    minutes = {p.id: sum(problem.shifts_by_id[s].duration for s in plan[p.id]) for p in problem.people}
    sharing = [p for p in problem.people if p.fair_share > 0]
    shares = sum(p.fair_share for p in sharing)
    total = sum(minutes[p.id] for p in sharing)
    return tuple(
        Load(
            p.id,
            len(plan[p.id]),
            minutes[p.id],
            round(total * p.fair_share / shares) if p.fair_share else None,
        )
        for p in problem.people
    )


def org_load(problem: Problem, assignments: tuple[tuple[str, str], ...]) -> tuple[Load, ...]:
    """Shifts and minutes per organisation, with the quota target (carry-over included)."""
    shifts: Counter[str] = Counter()
    minutes: Counter[str] = Counter()
    for person, shift in assignments:
        org = problem.people_by_id[person].org
        shifts[org] += 1
        minutes[org] += problem.shifts_by_id[shift].duration
    quota = [o for o in problem.organisations if o.quota_permille > 0]
    total = sum(minutes[o.id] + o.carried_minutes for o in quota)
    return tuple(
        Load(
            o.id,
            shifts[o.id],
            minutes[o.id],
            round(total * o.quota_permille / 1000) - o.carried_minutes if o.quota_permille else None,
        )
        for o in problem.organisations
    )


def slot_name(problem: Problem, shift: Shift) -> tuple[str, str]:
    """'周二 08:00 上午班' / 'Tue 08:00 Morning duty' for a shift."""
    date = dt.date.fromisoformat(problem.start_date) + dt.timedelta(days=shift.day)
    weekday = date.weekday()
    clock = f"{(shift.start // 60) % 24:02d}:{shift.start % 60:02d}"
    name = problem.shift_types_by_id[shift.type].name
    return (
        f"{date:%m-%d} {WEEKDAYS_ZH[weekday]} {clock} {name}",
        f"{WEEKDAYS_EN[weekday]} {date:%m-%d} {clock} {name}",
    )


def _need_text(need: Need) -> tuple[str, str]:
    parts = [x for x in (need.skill, need.org_kind) if x]
    return (f"（{'，'.join(parts)}）" if parts else "", f" ({', '.join(parts)})" if parts else "")


def _cause(problem: Problem, person: Person, shift: Shift, plan: list[Shift]) -> str:
    """Why a matching person is not on the shift."""
    if shift.day in person.days_off:
        return "day_off"
    if availability_problem(person, shift):
        kinds = {u.kind for u in person.unavailable if u.start < shift.end and shift.start < u.end}
        return "leave" if "leave" in kinds else "unavailable"
    if person.stations and shift.station not in person.stations:
        return "qualification"
    if not all(person.qualified(s, shift.day) for s in shift.required_skills):
        return "qualification"
    if any(o.start < shift.end and shift.start < o.end for o in plan):
        return "busy"
    rest = person.limits.min_rest_minutes or 0
    if any(0 <= shift.start - o.end < rest or 0 <= o.start - shift.end < rest for o in plan):
        return "rest"
    if _at_limit(problem, person, shift, plan):
        return "limit"
    return "other"


def _at_limit(problem: Problem, person: Person, shift: Shift, plan: list[Shift]) -> bool:
    """True if one more shift like this would break a count or minutes limit."""
    lim = person.limits
    week = [o for o in plan if problem.week(o.day) == problem.week(shift.day)]
    checks = (
        (lim.max_shifts, len(plan) + 1),
        (lim.max_shifts_per_week, len(week) + 1),
        (lim.max_minutes, sum(o.duration for o in plan) + shift.duration),
        (lim.max_minutes_per_week, sum(o.duration for o in week) + shift.duration),
        (lim.max_shifts_per_type.get(shift.type), sum(1 for o in plan if o.type == shift.type) + 1),
        (lim.max_shifts_per_day, sum(1 for o in plan if o.day == shift.day) + 1),
    )
    return any(limit is not None and value > limit for limit, value in checks)


def hole_reason(
    problem: Problem, shift: Shift, need: Need, missing: int, plans: dict[str, list[Shift]]
) -> Message:
    """A sentence saying how many people could fill the need and what kept each of them away."""
    slot_zh, slot_en = slot_name(problem, shift)
    need_zh, need_en = _need_text(need)
    on_shift = {p for p, shifts in plans.items() if shift in shifts}
    pool = [p for p in problem.people if matches(problem, p, shift, need) and p.id not in on_shift]
    causes = Counter(_cause(problem, p, shift, plans.get(p.id, [])) for p in pool)
    head_zh = f"{slot_zh} 缺 {missing} 人{need_zh}"
    head_en = f"{slot_en} is short of {missing}{need_en}"
    if not pool:
        matching = sum(1 for p in problem.people if matches(problem, p, shift, need))
        return Message(
            "no_candidates",
            f"{head_zh}：除已排人员外没有符合条件的人（共 {matching} 人符合）",
            f"{head_en}: nobody else matches (only {matching} match in all)",
            (("shift", shift.id), ("missing", str(missing))),
        )
    order = [c for c in _CAUSES if causes[c]]
    zh = "，".join(f"{causes[c]} 人{_CAUSES[c][0]}" for c in order)
    en = ", ".join(f"{causes[c]} {_CAUSES[c][1]}" for c in order)
    params = (("shift", shift.id), ("missing", str(missing)), *((c, str(causes[c])) for c in order))
    return Message(
        "understaffed",
        f"{head_zh}：另有 {len(pool)} 人符合条件，其中 {zh}",
        f"{head_en}: {len(pool)} more match — {en}",
        params,
    )


def holes(problem: Problem, assignments: tuple[tuple[str, str], ...]) -> tuple[Hole, ...]:
    """Every need left short, with its reason; and every surplus, for the record."""
    plans = {p: [problem.shifts_by_id[s] for s in ss] for p, ss in _by_person(assignments).items()}
    staffed: dict[str, list[Person]] = defaultdict(list)
    for person_id, shift_id in assignments:
        staffed[shift_id].append(problem.people_by_id[person_id])
    found = []
    for shift in problem.shifts:
        for k, need in enumerate(shift.needs):
            have = sum(1 for p in staffed[shift.id] if matches(problem, p, shift, need))
            if have < need.count and need.under_weight > 0:
                found.append(
                    Hole(
                        shift.id,
                        k,
                        need.count - have,
                        hole_reason(problem, shift, need, need.count - have, plans),
                    )
                )
    return tuple(found)


def conflicts(problem: Problem, keys: list[tuple[str, str | None]]) -> tuple[Conflict, ...]:
    """Name each conflicting hard rule and person in both languages."""
    found = []
    for rule, person in keys:
        info = RULES[rule]
        who = problem.people_by_id[person].name if person in problem.people_by_id else ""
        found.append(
            Conflict(
                rule,
                person,
                Message(
                    "hard_conflict",
                    f"规则“{info.zh}”（{who}）与其他规则冲突，无法同时满足",
                    f"rule '{info.en}' for {who or 'everyone'} cannot hold together with the others",
                    (("rule", rule), ("person", person or "")),
                ),
            )
        )
    if not found:
        found.append(
            Conflict(
                "unknown",
                None,
                Message(
                    "infeasible",
                    "硬性规则无法同时满足（未能在时限内找出冲突的规则）",
                    "the hard rules cannot all hold (the conflicting rules were not found in time)",
                ),
            )
        )
    return tuple(found)


def visit_outcomes(
    problem: Problem, assignments: tuple[tuple[str, str], ...], choices: dict[str, tuple[str, int]]
) -> tuple[VisitOutcome, ...]:
    """Every visit request with its butler and start, or the reason nobody can come."""
    plans = {p: [problem.shifts_by_id[s] for s in ss] for p, ss in _by_person(assignments).items()}
    outcomes = []
    for visit in problem.visits:
        if visit.id in choices:
            person, start = choices[visit.id]
            outcomes.append(VisitOutcome(visit.id, person, start))
        else:
            outcomes.append(
                VisitOutcome(visit.id, None, None, unserved_reason(problem, visit, plans, choices))
            )
    return tuple(outcomes)


def _window_text(problem: Problem, visit: Visit) -> tuple[str, str]:
    """'12-01 周二 09:00' / 'Tue 12-01 09:00' for a visit's earliest window."""
    earliest = min(s for s, _ in visit.windows)
    date = dt.date.fromisoformat(problem.start_date) + dt.timedelta(days=earliest // 1440)
    clock = f"{(earliest // 60) % 24:02d}:{earliest % 60:02d}"
    return (
        f"{date:%m-%d} {WEEKDAYS_ZH[date.weekday()]} {clock}",
        f"{WEEKDAYS_EN[date.weekday()]} {date:%m-%d} {clock}",
    )


def unserved_reason(
    problem: Problem, visit: Visit, plans: dict[str, list[Shift]], choices: dict[str, tuple[str, int]]
) -> Message:
    """Why a visit has no butler: nobody qualified, everyone away, or everyone busy in its windows."""
    when_zh, when_en = _window_text(problem, visit)
    head_zh, head_en = (
        f"{when_zh} {visit.service} 上门未安排",
        f"{visit.service} visit at {when_en} not served",
    )
    qualified = [p for p in problem.people if can_serve(p, visit)]
    params = (("visit", visit.id), ("qualified", str(len(qualified))))
    if not any(b - a >= visit.duration for a, b in visit.windows):
        return Message(
            "visit_window_too_short",
            f"{head_zh}：时间窗短于服务时长 {visit.duration} 分钟",
            f"{head_en}: its time window is shorter than the {visit.duration} minutes it takes",
            params,
        )
    if not qualified:
        return Message(
            "visit_nobody_qualified",
            f"{head_zh}：没有具备“{visit.skill}”资质的人员",
            f"{head_en}: nobody holds the skill '{visit.skill}'",
            params,
        )
    busy = {pid for pid, _ in choices.values()}
    away = sum(1 for p in qualified if _away_all_windows(p, visit))
    on_duty = sum(
        1
        for p in qualified
        if not _away_all_windows(p, visit) and _busy_all_windows(visit, plans.get(p.id, []))
    )
    others = len(qualified) - away - on_duty
    return Message(
        "visit_no_free_butler",
        f"{head_zh}：{len(qualified)} 人具备资质，{away} 人请假或不可用，{on_duty} 人在值班，"
        f"其余 {others} 人的时间已被其他上门服务（{len(busy)} 人有安排）或路程占满",
        f"{head_en}: {len(qualified)} qualified — {away} away, {on_duty} on duty, "
        f"the other {others} are taken by other visits or travel",
        params,
    )


def _away_all_windows(person: Person, visit: Visit) -> bool:
    """True if leave or unavailability covers every possible placement of the visit."""
    return all(any(u.start <= a and b <= u.end for u in person.unavailable) for a, b in visit.windows)


def _busy_all_windows(visit: Visit, plan: list[Shift]) -> bool:
    """True if the person's shifts leave no gap of the visit's length inside any window."""
    for a, b in visit.windows:
        cursor = a
        for s in sorted(plan, key=lambda s: s.start):
            if s.end <= cursor or s.start >= b:
                continue
            if s.start - cursor >= visit.duration:
                return False
            cursor = max(cursor, s.end)
        if b - cursor >= visit.duration:
            return False
    return True
