"""A solve's outcome as plain text for the terminal, in Chinese or English."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta

from rota.domain import iso_week_label
from solver.instance import Problem
from solver.result import FEASIBLE, OPTIMAL, Hole, Load, SolveResult
from solver.rules import RULES

TEXT = {
    "status": ("状态", "Status"),
    "objective": ("目标值", "objective"),
    "bound": ("下界", "bound"),
    "gap": ("差距", "gap"),
    "time": ("用时", "time"),
    "rules": ("规则得分", "Score by rule"),
    "rule": ("规则", "rule"),
    "count": ("次数", "count"),
    "penalty": ("罚分", "penalty"),
    "people": ("人员负担", "Load per person"),
    "orgs": ("单位负担", "Load per organisation"),
    "name": ("名称", "name"),
    "shifts": ("班次", "shifts"),
    "hours": ("工时", "hours"),
    "target": ("目标工时", "target"),
    "holes": ("未排满的班次", "Unfilled slots"),
    "no_holes": ("所有班次均已排满", "every slot is filled"),
    "missing": ("缺 {n} 人", "{n} missing"),
    "surplus": ("多 {n} 人", "{n} too many"),
    "visits": ("已安排的上门服务", "Home visits served"),
    "conflicts": ("冲突（硬性规则无法同时满足）", "Conflicts (hard rules that cannot all hold)"),
}
STATUS = {
    "optimal": ("最优解", "optimal"),
    "feasible": ("可行解（未证明最优）", "feasible (not proven optimal)"),
    "infeasible": ("无解", "infeasible"),
    "unknown": ("时限内未找到解", "no solution within the time limit"),
}


def say(key: str, lang: str) -> str:
    """A fixed phrase in the language."""
    zh, en = TEXT[key]
    return en if lang.startswith("en") else zh


def width(text: str) -> int:
    """Terminal columns of a string: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    """Left-align ``text`` in ``columns`` terminal columns."""
    return text + " " * max(0, columns - width(text))


def hours(minutes: int | None) -> str:
    """Minutes as hours with one decimal."""
    return "-" if minutes is None else f"{minutes / 60:.1f} h"


def format_summary(problem: Problem, result: SolveResult, lang: str = "zh") -> str:
    """Status line, score breakdown, loads, unfilled slots and conflicts."""
    sections = [
        _headline(problem, result, lang),
        _breakdown(result, lang),
        _people(problem, result.person_load, lang),
        _orgs(problem, result.org_load, lang),
        _holes(problem, result.holes, lang) if result.status in (OPTIMAL, FEASIBLE) else "",
        _visits(result, lang),
        _conflicts(problem, result, lang),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def _headline(problem: Problem, result: SolveResult, lang: str) -> str:
    """Which problem, and how the solve went."""
    start = date.fromisoformat(problem.start_date)
    week = f"{start} - {start + timedelta(days=problem.days - 1)}"
    if iso_week_label(start) not in problem.name:
        week = f"{iso_week_label(start)} ({week})"
    zh, en = STATUS.get(result.status, (result.status, result.status))
    gap = "-" if result.gap is None else f"{result.gap:.1%}"
    numbers = [
        f"{say('status', lang)}: {en if lang.startswith('en') else zh}",
        f"{say('objective', lang)}: {_number(result.objective)}",
        f"{say('bound', lang)}: {_number(result.bound)}",
        f"{say('gap', lang)}: {gap}",
        f"{say('time', lang)}: {result.wall_time:.1f} s",
    ]
    return f"{problem.name} · {week}\n" + "   ".join(numbers)


def _number(value: int | None) -> str:
    """An optional integer."""
    return "-" if value is None else str(value)


def _breakdown(result: SolveResult, lang: str) -> str:
    """The soft rules' share of the objective."""
    if not result.breakdown:
        return ""
    english = lang.startswith("en")
    rows = [(s.label_en if english else s.label_zh, str(s.count), str(s.penalty)) for s in result.breakdown]
    return _table(say("rules", lang), (say("rule", lang), say("count", lang), say("penalty", lang)), rows)


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A titled table: first column left-aligned, the others right-aligned."""
    columns = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [title]
    for row in [header, *rows]:
        cells = [pad(row[0], columns[0])]
        cells += [" " * (columns[i] - width(cell)) + cell for i, cell in enumerate(row) if i > 0]
        lines.append("  " + "  ".join(cells))
    return "\n".join(lines)


def _people(problem: Problem, loads: tuple[Load, ...], lang: str) -> str:
    """Shifts and hours per person, with their organisation and fair-share target."""
    if not loads:
        return ""
    orgs = problem.organisations_by_id
    rows = []
    for load in loads:
        person = problem.people_by_id.get(load.id)
        name = person.name if person else load.id
        org = orgs[person.org].name if person and person.org in orgs else ""
        rows.append(
            (
                f"{name} ({org})" if org else name,
                str(load.shifts),
                hours(load.minutes),
                hours(load.target_minutes),
            )
        )
    header = (say("name", lang), say("shifts", lang), say("hours", lang), say("target", lang))
    return _table(say("people", lang), header, rows)


def _orgs(problem: Problem, loads: tuple[Load, ...], lang: str) -> str:
    """Shifts and hours per organisation against its quota."""
    if not loads:
        return ""
    orgs = problem.organisations_by_id
    rows = [
        (orgs[o.id].name if o.id in orgs else o.id, str(o.shifts), hours(o.minutes), hours(o.target_minutes))
        for o in loads
    ]
    header = (say("name", lang), say("shifts", lang), say("hours", lang), say("target", lang))
    return _table(say("orgs", lang), header, rows)


def _holes(problem: Problem, holes: tuple[Hole, ...], lang: str) -> str:
    """Every unfilled (or overfilled) slot with the reason, which names the shift and the need."""
    if not holes:
        return f"{say('holes', lang)}: {say('no_holes', lang)}" if problem.shifts else ""
    several = len({s.station for s in problem.shifts}) > 1
    lines = [f"{say('holes', lang)} ({len(holes)})"]
    for hole in holes:
        station = problem.shifts_by_id[hole.shift].station
        lines.append(f"  {f'[{station}] ' if several else ''}{hole.reason.text(lang)}")
    return "\n".join(lines)


def _visits(result: SolveResult, lang: str) -> str:
    """How many home visits are served, and why each unserved one is not."""
    if not result.visits:
        return ""
    unserved = [v for v in result.visits if v.person is None]
    served = len(result.visits) - len(unserved)
    lines = [f"{say('visits', lang)}: {served}/{len(result.visits)}"]
    lines += [f"  {v.visit}: {v.reason.text(lang) if v.reason else '-'}" for v in unserved]
    return "\n".join(lines)


def _conflicts(problem: Problem, result: SolveResult, lang: str) -> str:
    """The hard rules that cannot all hold, and whom they concern."""
    if not result.conflicts:
        return ""
    english = lang.startswith("en")
    lines = [say("conflicts", lang)]
    for conflict in result.conflicts:
        rule = RULES.get(conflict.rule)
        label = (rule.en if english else rule.zh) if rule else conflict.rule
        person = problem.people_by_id.get(conflict.person or "")
        who = f" · {person.name}" if person else ""
        lines.append(f"  {label}{who}: {conflict.message.text(lang)}")
    return "\n".join(lines)
