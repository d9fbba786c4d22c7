"""Property: every solution the model returns passes the independent re-check with the same objective."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.instance import (
    Compound,
    History,
    Limits,
    Need,
    Organisation,
    Person,
    PreviousPlan,
    Problem,
    Request,
    Shift,
    ShiftType,
    SkillGrant,
    Unavailability,
    Visit,
    Weights,
)
from solver.model import SolveParams, solve
from solver.validate import validate

SKILLS = ("aid", "fix")


@st.composite
def limits(draw: st.DrawFn) -> Limits:
    maybe = lambda lo, hi: draw(st.none() | st.integers(lo, hi))  # noqa: E731 - local shorthand
    rarely = lambda lo, hi: draw(st.sampled_from([None] * 10 + [lo, hi]))  # noqa: E731 - minimums
    return Limits(
        max_shifts=maybe(1, 8),
        min_shifts=rarely(0, 2),
        max_shifts_per_week=maybe(1, 5),
        max_minutes=maybe(400, 3000),
        max_minutes_per_week=maybe(400, 2400),
        min_minutes_per_week=rarely(0, 480),
        max_consecutive_days=maybe(1, 4),
        min_consecutive_days=rarely(1, 3),
        min_consecutive_days_off=rarely(1, 3),
        max_weekends=maybe(0, 1),
        min_rest_minutes=maybe(0, 720),
        max_shifts_per_type=draw(st.dictionaries(st.sampled_from(["E", "L"]), st.integers(0, 4), max_size=2)),
        max_consecutive_by_type=draw(
            st.dictionaries(st.sampled_from(["E", "L"]), st.integers(1, 3), max_size=1)
        ),
        max_shifts_per_day=draw(st.sampled_from([1, 1, 2])),
    )


@st.composite
def history(draw: st.DrawFn) -> History | None:
    if draw(st.booleans()):
        return None
    worked = draw(st.integers(0, 4))
    return History(
        consecutive_days_worked=worked,
        consecutive_days_off=0 if worked else draw(st.integers(0, 3)),
        last_shift_type=draw(st.sampled_from([None, "E", "L"])) if worked else None,
        last_shift_end=draw(st.sampled_from([None, -60, -600])),
        weekends_worked=draw(st.integers(0, 2)),
        nights_worked=draw(st.integers(0, 2)),
        holidays_worked=draw(st.integers(0, 1)),
    )


@st.composite
def people(draw: st.DrawFn, days: int) -> tuple[Person, ...]:
    found = []
    for i in range(draw(st.integers(1, 4))):
        grants = tuple(
            SkillGrant(s, valid_until=draw(st.none() | st.integers(0, days)))
            for s in draw(st.lists(st.sampled_from(SKILLS), unique=True))
        )
        leave = tuple(
            Unavailability(d * 1440, d * 1440 + 720, "leave")
            for d in draw(st.lists(st.integers(0, days - 1), max_size=2, unique=True))
        )
        found.append(
            Person(
                id=f"p{i}",
                name=f"P{i}",
                org=draw(st.sampled_from(["o1", "o2"])),
                skills=grants,
                limits=draw(limits()),
                unavailable=leave,
                days_off=frozenset(draw(st.lists(st.integers(0, days - 1), max_size=2))),
                fair_share=draw(st.sampled_from([0, 500, 1000])),
                history=draw(history()),
            )
        )
    return tuple(found)


@st.composite
def shifts(draw: st.DrawFn, days: int) -> tuple[Shift, ...]:
    found = []
    for day in range(days):
        for type_id, start in (("E", 480), ("L", 840)):
            if draw(st.booleans()):
                continue
            need = Need(
                draw(st.integers(0, 2)),
                draw(st.none() | st.sampled_from(SKILLS)),
                draw(st.none() | st.sampled_from(["cadre", "clinic"])),
                draw(st.integers(1, 100)),
                draw(st.integers(0, 5)),
            )
            found.append(
                Shift(
                    f"{type_id}{day}",
                    type_id,
                    day,
                    day * 1440 + start,
                    day * 1440 + start + 480,
                    required_skills=draw(st.sampled_from([(), (), (), ("aid",)])),
                    needs=(need,),
                )
            )
    return tuple(found)


@st.composite
def visit_requests(draw: st.DrawFn, days: int, people: list[str]) -> tuple[Visit, ...]:
    found = []
    for i in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, days * 24 - 2)) * 60
        found.append(
            Visit(
                f"v{i}",
                "repair",
                draw(st.sampled_from(SKILLS)),
                draw(st.sampled_from(["c1", "c2"])),
                draw(st.sampled_from([30, 60, 90])),
                ((start, start + draw(st.sampled_from([60, 120, 240]))),),
                urgency=draw(st.integers(0, 2)),
                language=draw(st.sampled_from([None, "yue", "cmn"])),
                previous_butlers=tuple(draw(st.lists(st.sampled_from(people), max_size=1))),
            )
        )
    return tuple(found)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    days = draw(st.integers(1, 9))
    who = draw(people(days))
    slots = draw(shifts(days))
    requests = tuple(
        Request(
            p.id,
            draw(st.integers(0, days - 1)),
            draw(st.sampled_from([None, "E", "L"])),
            draw(st.booleans()),
            draw(st.integers(1, 9)),
        )
        for p in who
        for _ in range(draw(st.integers(0, 2)))
    )
    previous = None
    if slots and draw(st.booleans()):
        chosen = draw(
            st.lists(
                st.tuples(st.sampled_from([p.id for p in who]), st.sampled_from([s.id for s in slots])),
                max_size=3,
                unique=True,
            )
        )
        previous = PreviousPlan(
            frozenset(s.id for s in slots[:3]) | {s for _, s in chosen}, frozenset(chosen)
        )
    visits = draw(visit_requests(days, [p.id for p in who]))
    return Problem(
        name="random",
        compounds=(Compound("c1", "One"), Compound("c2", "Two")),
        travel={("c1", "c2"): draw(st.sampled_from([0, 20, 45]))},
        visits=visits,
        start_date="2026-11-30",
        days=days,
        start_weekday=draw(st.integers(0, 6)),
        holidays=frozenset(draw(st.lists(st.integers(0, days - 1), max_size=2))),
        organisations=(
            Organisation("o1", "A", "cadre", draw(st.sampled_from([0, 600])), draw(st.integers(-500, 500))),
            Organisation("o2", "B", "clinic", 400),
        ),
        people=who,
        shift_types=(
            ShiftType("E", "Early", forbidden_next=frozenset(draw(st.sets(st.sampled_from(["E", "L"]))))),
            ShiftType("L", "Late", night=True, forbidden_next=frozenset({"E"})),
        ),
        shifts=slots,
        requests=requests,
        previous=previous,
        weights=Weights(*(draw(st.integers(0, 9)) for _ in range(10))),
    )


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_solution_passes_the_independent_check(problem: Problem) -> None:
    result = solve(problem, SolveParams(time_limit=10, workers=1, seed=0))
    assert result.status != "unknown"
    if result.status == "infeasible":
        assert {c.rule for c in result.conflicts} - {"unknown"}
        return
    check = validate(problem, result.assignments, [(o.visit, o.person, o.start) for o in result.visits])
    assert check.violations == ()
    assert check.objective == result.objective
