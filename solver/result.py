"""What a solve returns: the assignment plus its explanation, as plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field

# Solution statuses, as written to solution files.
OPTIMAL = "optimal"
FEASIBLE = "feasible"
INFEASIBLE = "infeasible"
UNKNOWN = "unknown"  # timed out (or stopped) before any solution was found
STATUSES = (OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN)


@dataclass(frozen=True)
class Message:
    """A user-facing sentence in both UI languages, with the machine-readable code behind it."""

    code: str
    zh: str
    en: str
    params: tuple[tuple[str, str], ...] = ()

    def text(self, lang: str) -> str:
        """The sentence in ``lang`` ("zh"/"zh-CN" or "en")."""
        return self.en if lang.startswith("en") else self.zh


@dataclass(frozen=True)
class RuleScore:
    """One soft rule's share of the objective."""

    rule: str
    label_zh: str
    label_en: str
    count: int  # violations, in the rule's penalty unit
    penalty: int  # weighted contribution to the objective


@dataclass(frozen=True)
class Hole:
    """A coverage target left unmet (or exceeded) with the reason why."""

    shift: str
    need: int  # index of the need in the shift's needs
    missing: int  # people short; negative = surplus
    reason: Message


@dataclass(frozen=True)
class Conflict:
    """A hard rule that, together with the other conflicts, makes the problem infeasible."""

    rule: str
    person: str | None
    message: Message


@dataclass(frozen=True)
class Load:
    """Work given to one person or organisation."""

    id: str
    shifts: int
    minutes: int
    target_minutes: int | None = None


@dataclass(frozen=True)
class VisitOutcome:
    """Who serves a visit request and when, or why nobody can."""

    visit: str
    person: str | None
    start: int | None
    reason: Message | None = None  # set when the visit is not served


@dataclass(frozen=True)
class SolveResult:
    """The outcome of a solve."""

    status: str
    objective: int | None
    bound: int | None
    wall_time: float
    assignments: tuple[tuple[str, str], ...] = ()  # (person, shift), sorted
    breakdown: tuple[RuleScore, ...] = ()
    holes: tuple[Hole, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    person_load: tuple[Load, ...] = ()
    org_load: tuple[Load, ...] = ()
    visits: tuple[VisitOutcome, ...] = ()
    solver_log: tuple[str, ...] = field(default=(), repr=False)

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound (0.0 when proven optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))
