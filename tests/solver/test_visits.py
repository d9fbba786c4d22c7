"""Home visits: qualification, windows, no overlap with duty, travel time, continuity, language, urgency."""

from dataclasses import replace

from solver.instance import Compound, SkillGrant, Unavailability, Visit
from solver.model import build
from tests.solver.factories import (
    NO_FAIRNESS,
    day_shift,
    person,
    problem,
    run,
    score,
    trivial_objective_bound,
)

COMPOUNDS = (Compound("c1", "Jiangqiao"), Compound("c2", "Riverside"))
H = 60


def butler(pid: str, *skills: str, **kw: object):  # type: ignore[no-untyped-def]
    return replace(person(pid, **kw), skills=tuple(SkillGrant(s) for s in skills), languages=("yue",))


def visit(vid: str, start: int = 9 * H, end: int = 12 * H, **kw: object) -> Visit:
    fields = {
        "service": "repair",
        "skill": "fix",
        "compound": "c1",
        "duration": 60,
        "windows": ((start, end),),
    }
    fields.update(kw)
    return Visit(id=vid, **fields)  # type: ignore[arg-type]


def visits_problem(people, visits, shifts=(), **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("weights", NO_FAIRNESS)
    return problem(list(people), list(shifts), days=1, compounds=COMPOUNDS, visits=tuple(visits), **kw)


def outcome(result, vid):  # type: ignore[no-untyped-def]
    return next(o for o in result.visits if o.visit == vid)


def test_visit_gets_qualified_butler_inside_window() -> None:
    result = run(visits_problem([person("a"), butler("b", "fix")], [visit("v1")]))
    got = outcome(result, "v1")
    assert got.person == "b"
    assert 9 * H <= got.start <= 11 * H
    assert got.reason is None


def test_visit_unserved_without_qualified_butler_has_reason() -> None:
    result = run(visits_problem([person("a")], [visit("v1")]))
    got = outcome(result, "v1")
    assert (got.person, got.reason.code) == (None, "visit_nobody_qualified")
    assert score(result, "visit_unserved") == (1, 5000)


def test_visit_unserved_term_is_never_negative_with_many_candidates() -> None:
    """With ``1 - sum(served by p)`` the domains allowed -2 for three candidates; the district's
    bound was negative.  The unserved Boolean keeps every term at 0 or more."""
    built = build(visits_problem([butler(f"b{i}", "fix") for i in range(3)], [visit("v1"), visit("v2")]))
    unserved = [p for p in built.penalties if p.rule == "visit_unserved"]
    assert len(unserved) == 2
    assert trivial_objective_bound(built.rota.cp) >= 0


def test_visit_unserved_counts_one_when_nobody_serves_and_zero_when_served() -> None:
    result = run(visits_problem([butler("b", "fix")], [visit("v1"), visit("v2", 9 * H, 10 * H)]))
    assert score(result, "visit_unserved") == (0, 0)
    full = run(visits_problem([butler("b", "fix")], [visit("v1", 9 * H, 10 * H), visit("v2", 9 * H, 10 * H)]))
    assert score(full, "visit_unserved") == (1, 5000)


def test_visit_never_overlaps_duty_shift() -> None:
    duty = day_shift(0, start=8 * H, length=4 * H, under=100000)  # 08:00-12:00 on duty
    result = run(visits_problem([butler("b", "fix")], [visit("v1", 9 * H, 13 * H)], [duty]))
    assert result.assignments == (("b", "D0"),)
    assert outcome(result, "v1").start == 12 * H


def test_visit_never_overlaps_leave() -> None:
    away = replace(butler("b", "fix"), unavailable=(Unavailability(0, 11 * H, "leave"),))
    result = run(visits_problem([away], [visit("v1")]))
    assert outcome(result, "v1").start == 11 * H


def test_two_visits_of_one_butler_leave_travel_time() -> None:
    visits = [visit("v1", 9 * H, 11 * H), visit("v2", 9 * H, 12 * H, compound="c2")]
    pr = visits_problem([butler("b", "fix")], visits, travel={("c1", "c2"): 30})
    result = run(pr)
    a, b = outcome(result, "v1"), outcome(result, "v2")
    assert a.person == b.person == "b"
    first, second = sorted([a.start, b.start])
    assert second - first >= 60 + 30


def test_visits_that_cannot_both_fit_leave_one_unserved_with_reason() -> None:
    visits = [visit("v1", 9 * H, 10 * H), visit("v2", 9 * H, 10 * H, compound="c2", urgency=1)]
    result = run(visits_problem([butler("b", "fix")], visits, travel={("c1", "c2"): 30}))
    assert outcome(result, "v2").person == "b"  # the urgent one is served
    assert outcome(result, "v1").reason.code == "visit_no_free_butler"


def test_visit_continuity_prefers_previous_butler() -> None:
    weights = replace(NO_FAIRNESS, visit_continuity=30)
    v = visit("v1", previous_butlers=("c",))
    result = run(visits_problem([butler("b", "fix"), butler("c", "fix")], [v], weights=weights))
    assert outcome(result, "v1").person == "c"
    assert score(result, "visit_continuity") == (0, 0)


def test_visit_language_match() -> None:
    weights = replace(NO_FAIRNESS, visit_language=20)
    mandarin = replace(butler("m", "fix"), languages=("cmn",))
    result = run(
        visits_problem([butler("b", "fix"), mandarin], [visit("v1", language="cmn")], weights=weights)
    )
    assert outcome(result, "v1").person == "m"


def test_visit_language_penalty_when_nobody_speaks_it() -> None:
    weights = replace(NO_FAIRNESS, visit_language=20)
    result = run(visits_problem([butler("b", "fix")], [visit("v1", language="cmn")], weights=weights))
    assert score(result, "visit_language") == (1, 20)


def test_urgent_visit_starts_early() -> None:
    weights = replace(NO_FAIRNESS, visit_lateness_per_hour=10)
    duty = day_shift(0, start=8 * H, length=2 * H, under=100000)  # busy until 10:00
    result = run(
        visits_problem([butler("b", "fix")], [visit("v1", 8 * H, 14 * H, urgency=2)], [duty], weights=weights)
    )
    assert outcome(result, "v1").start == 10 * H
    assert score(result, "visit_lateness") == (2, 40)  # two started hours late, urgency 2


def test_pinned_visit_keeps_person_and_start() -> None:
    v = visit("v1", person="c", start=11 * H)
    result = run(visits_problem([butler("b", "fix"), butler("c", "fix")], [v]))
    assert (outcome(result, "v1").person, outcome(result, "v1").start) == ("c", 11 * H)


def test_visit_minutes_count_towards_weekly_limit() -> None:
    duty = day_shift(0, start=14 * H, length=4 * H, under=100000)
    tight = butler("b", "fix", max_minutes_per_week=4 * H + 30)
    result = run(visits_problem([tight], [visit("v1")], [duty]))
    assert outcome(result, "v1").person is None


def test_visit_stability_keeps_published_butler_and_start() -> None:
    weights = replace(NO_FAIRNESS, visit_stability=40)
    v = visit("v1", published_person="c", published_start=10 * H)
    result = run(visits_problem([butler("b", "fix"), butler("c", "fix")], [v], weights=weights))
    assert (outcome(result, "v1").person, outcome(result, "v1").start) == ("c", 10 * H)
    assert score(result, "visit_stability") == (0, 0)


def test_visit_stability_counts_a_forced_change() -> None:
    weights = replace(NO_FAIRNESS, visit_stability=40)
    away = replace(butler("c", "fix"), unavailable=(Unavailability(0, 1440, "leave"),))
    v = visit("v1", published_person="c", published_start=10 * H)
    result = run(visits_problem([butler("b", "fix"), away], [v], weights=weights))
    assert outcome(result, "v1").person == "b"
    assert score(result, "visit_stability") == (1, 40)


def _capacity_rows(pr) -> list[tuple[dict[str, int], int]]:  # type: ignore[no-untyped-def]
    """The rows over visit presences weighted by minutes: {variable name: coefficient}, upper bound."""
    cp = build(pr).rota.cp
    names = [v.name for v in cp.proto.variables]
    rows = []
    for c in cp.proto.constraints:
        if not c.has_linear():
            continue
        terms = {names[v]: k for v, k in zip(c.linear.vars, c.linear.coeffs, strict=True)}
        if any(n.startswith("visit_by(") for n in terms) and min(terms.values()) > 1:
            rows.append((terms, c.linear.domain[len(c.linear.domain) - 1]))  # no negative index here
    return rows


def test_visit_window_capacity_row_when_two_visits_cannot_share_a_window() -> None:
    pr = visits_problem(
        [butler("b", "fix")], [visit("v1", 9 * H, 11 * H), visit("v2", 9 * H, 11 * H, duration=90)]
    )

    assert _capacity_rows(pr) == [
        ({"visit_by(visit=v1,person=b)": 60, "visit_by(visit=v2,person=b)": 90}, 120)
    ]


def test_visit_window_capacity_row_counts_duty_inside_the_window() -> None:
    shift = replace(day_shift(0, "D", count=1), start=10 * H, end=14 * H)
    pr = visits_problem([butler("b", "fix")], [visit("v1", 9 * H, 11 * H, duration=90)], shifts=[shift])

    assert _capacity_rows(pr) == [
        ({"visit_by(visit=v1,person=b)": 90, "assigned(person=b,shift=D0)": 60}, 120)
    ]


def test_visit_window_capacity_adds_no_row_when_the_visits_always_fit() -> None:
    pr = visits_problem([butler("b", "fix")], [visit("v1", 9 * H, 12 * H), visit("v2", 9 * H, 12 * H)])

    assert _capacity_rows(pr) == []
