"""The part of a CP-SAT model that a neighbourhood can change, as a model of its own.

When only a few decision variables may move and every other one is held at an incumbent's
value, most of a large model's constraints hold nothing that can change.  CP-SAT's presolve
finds and removes them, but on a copy of a district's whole model (47,764 variables) that alone
took 0.5-1.1 s for every station re-planned (``solver.station_lns``).  Here the constraints a
neighbourhood can reach are found from an index of which constraints hold which variables:

* the *moving* variables are the free decision variables, and every variable that is not a
  decision variable and shares a constraint with a moving one (a derived quantity: a total, a
  penalty, a day worked), until nothing more is reached;
* the *kept* constraints are those holding a moving variable (and the intervals their
  no-overlaps refer to).

The sub-model keeps every variable of the model, with the same indexes, so that a solution of
it is a complete assignment of the model: every variable that does not move is fixed to the
incumbent's value, and only the kept constraints are there.  Every left-out constraint holds
fixed variables only and the incumbent satisfies it; so every solution of the sub-model is a
solution of the whole model, and its objective (copied whole, the fixed terms are constants)
is the whole model's objective of that assignment.  Exact, with no knowledge of the rules.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

_LITERAL_LISTS = ("bool_or", "bool_and", "at_most_one", "exactly_one")
_EXPR_LISTS = ("lin_max", "int_prod", "int_div", "int_mod")


class UnsupportedConstraint(ValueError):
    """The model holds a kind of constraint this module cannot read (then use the whole model)."""


@dataclass(frozen=True)
class ModelIndex:
    """Which variables each constraint holds (a no-overlap: its intervals' too), and the reverse."""

    variables_of: list[list[int]]
    constraints_of: list[list[int]]
    intervals_of: dict[int, list[int]]  # no-overlap constraint -> its interval constraints


@dataclass(frozen=True)
class Reach:
    """What a neighbourhood can change: the moving variables and the constraints to keep."""

    moving: frozenset[int]
    constraints: tuple[int, ...]  # in the model's order


def _constraint_vars(ct: cp_model_pb2.ConstraintProto) -> list[int]:
    """The variables one constraint holds (not through interval references)."""
    kind = ct.WhichOneof("constraint")
    refs = list(ct.enforcement_literal)
    if kind == "linear":
        refs += ct.linear.vars
    elif kind in _LITERAL_LISTS:
        refs += getattr(ct, kind).literals
    elif kind in _EXPR_LISTS:
        body = getattr(ct, kind)
        for expr in (body.target, *body.exprs):
            refs += expr.vars
    elif kind == "interval":
        body = ct.interval
        refs += [*body.start.vars, *body.end.vars, *body.size.vars]
    elif kind is not None and kind != "no_overlap":
        raise UnsupportedConstraint(kind)
    return [r if r >= 0 else -r - 1 for r in refs]


def _read(model: cp_model.CpModel) -> cp_model_pb2.CpModelProto:
    """The model as a protobuf message (the model's own proto object offers no fast walk)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pb"
        model.export_to_file(str(path))
        proto = cp_model_pb2.CpModelProto()
        proto.ParseFromString(path.read_bytes())
        return proto


def index(model: cp_model.CpModel) -> ModelIndex:
    """The model's variable/constraint index (read once; the model must not change afterwards)."""
    proto = _read(model)
    variables_of = [_constraint_vars(ct) for ct in proto.constraints]
    intervals_of: dict[int, list[int]] = {}
    for n, ct in enumerate(proto.constraints):
        if ct.HasField("no_overlap"):
            intervals_of[n] = list(ct.no_overlap.intervals)
            variables_of[n] = variables_of[n] + [v for i in intervals_of[n] for v in variables_of[i]]
    constraints_of: list[list[int]] = [[] for _ in proto.variables]
    for n, held in enumerate(variables_of):
        for v in set(held):
            constraints_of[v].append(n)
    return ModelIndex(variables_of, constraints_of, intervals_of)


def reach(ix: ModelIndex, free: Iterable[int], decisions: frozenset[int]) -> Reach:
    """The variables that may move when only ``free`` (of the ``decisions``) may, and the
    constraints holding them."""
    moving = set(free)
    queue = list(moving)
    kept: set[int] = set()
    while queue:
        for n in ix.constraints_of[queue.pop()]:
            if n in kept:
                continue
            kept.add(n)
            kept.update(ix.intervals_of.get(n, ()))
            for v in ix.variables_of[n]:
                if v not in moving and v not in decisions:
                    moving.add(v)
                    queue.append(v)
    return Reach(frozenset(moving), tuple(sorted(kept)))


@dataclass
class SubModel:
    """A model with every variable of a larger one and only the constraints of one ``Reach``.

    Reused between neighbourhoods: ``load`` swaps the constraints and sets only the domains
    that differ from the last load.
    """

    full: cp_model.CpModel
    model: cp_model.CpModel
    fixed_to: list[int | None]  # each variable's current value when fixed, None: its own domain

    def load(self, where: Reach, values: list[int], fix: dict[int, int] | None = None) -> None:
        """Keep ``where``'s constraints, fix every variable that does not move to ``values``
        (and those in ``fix`` to theirs), and hint the moving ones from ``values``."""
        proto, full = self.model.proto, self.full.proto
        proto.constraints.clear()
        renumber = {n: k for k, n in enumerate(where.constraints)}
        for n in where.constraints:
            ct = proto.constraints.add()
            ct.copy_from(full.constraints[n])
            if ct.has_no_overlap():
                moved = [renumber[i] for i in ct.no_overlap.intervals]
                ct.no_overlap.intervals.clear()
                ct.no_overlap.intervals.extend(moved)
        fix = fix or {}
        variables = proto.variables
        for v, now in enumerate(self.fixed_to):
            want = fix.get(v, values[v] if v not in where.moving else None)
            if want == now:
                continue
            domain = variables[v].domain
            domain.clear()
            domain.extend(full.variables[v].domain if want is None else (want, want))
            self.fixed_to[v] = want
        proto.clear_solution_hint()
        hinted = sorted(v for v in where.moving if v not in fix)
        proto.solution_hint.vars.extend(hinted)
        proto.solution_hint.values.extend(values[v] for v in hinted)


def sub_model(full: cp_model.CpModel) -> SubModel:
    """An empty sub-model of ``full``: its variables (each with its own domain) and objective."""
    model = cp_model.CpModel()
    model.proto.variables.extend(full.proto.variables)
    model.proto.objective.copy_from(full.proto.objective)
    return SubModel(full, model, [None] * len(full.proto.variables))
