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
