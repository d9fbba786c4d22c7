"""Which search a problem gets: choices that depend on the problem's shape, measured in bench/.

``solver.model._search`` runs two phases on one or two workers (CP-SAT's default portfolio
until a first solution, then the run-flow model and the full-LP worker from it) because on
long rosters the flow model and the full-LP worker slow the first solution.  The flow model
(``solver.flow``) only tightens the LP of the *minimum*-run rules: a maximum run is a window
sum the LP already sees.  Without minimum-run rules the second phase is the first one's model
plus the full-LP worker, and the restart costs a second presolve and the first phase's poor
first solution for nothing.
"""

from __future__ import annotations

from solver.instance import Problem


def needs_run_flow(problem: Problem) -> bool:
    """True if someone has a minimum run of working days or of days off (what the flow tightens).

    Demo station week (no minimum runs), 5 s, 2 workers, seeds 0-2, load ~6: two phases with the
    flow model 8143 / 19153 / 27917; one full-LP run without it 5359 / 5351 / 5339.
    """
    return any(
        (p.limits.min_consecutive_days or 1) > 1 or (p.limits.min_consecutive_days_off or 1) > 1
        for p in problem.people
    )


SMALL_MODEL_VARIABLES = 1500
"""Models up to this many CP-SAT variables get two full-LP workers and no LNS (``lp_workers``)."""


def lp_workers(variables: int, workers: int) -> int:
    """How many of two workers search the whole model with the full LP (the rest run LNS).

    On a small model CP-SAT's LNS neighbourhoods add little: in the demo station week
    (1,137 variables) its LP-guided full worker finds almost every improving solution itself,
    and the proof of the last fairness hour is a few thousand conflicts with a heavy tail over
    seeds.  Two full-LP workers, the second branching on the LP (``LP_SEARCH``), are two draws
    of that tail.  Demo station week, 5 s, quiet machine, seeds 0-23: proven on 22 of 24
    seeds, against 11 of 24 with one full-LP worker beside the LNS.  Larger models need the LNS
    to find good plans: the demo station with 80 visits (1,849 variables), 10 s, seeds 0-2:
    15,447 / 18,033 / 15,659 with two full-LP workers against 15,456 / 15,481 / 15,457.
    """
    return 2 if workers == 2 and variables <= SMALL_MODEL_VARIABLES else 1
