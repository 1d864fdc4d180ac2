"""Why a case has no plan at all: the rules whose constraints cannot hold together.

Every shortfall is priced and a plan may always leave a tour out, so a case is infeasible only
where a fact no plan can change breaks a hard rule (officers continuing a tour above a posting's
maximum). To name it, the model of every rule is built with an enforcement literal on each of
its linear and clause constraints, all assumed true; CP-SAT's infeasible core of assumptions
names the rows that conflict, grouped by rule. For each such rule the model is solved again
with its conflicting rows let go: whether a plan then exists says what relaxing it would buy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints import RULES, Rule
from rotation.domain import Instance, SolverSettings
from rotation.solve.model import Candidates, Model, build, configure

__all__ = ["Conflict", "conflicts"]

ENFORCEABLE = ("has_linear", "has_bool_or", "has_bool_and")
"""Constraint kinds that take an enforcement literal; the others a rule adds (at most one of a
window, a shortfall's maximum) hold with every start off, so they cannot make a case
infeasible on their own."""


@dataclass(frozen=True)
class Conflict:
    """Rows of one rule in the infeasible core, and whether letting them go leaves a plan
    (None: not decided in the time given)."""

    rule: str
    rows: int
    relaxed_has_plan: bool | None


def conflicts(inst: Instance, rules: Sequence[Rule] = RULES, seconds: float = 20.0
              ) -> list[Conflict] | None:
    """The rules in conflict, or None if the case is not proven infeasible in ``seconds``."""
    model, owner, literals = _enforced(inst, rules)
    model.cp.add_assumptions(literals)
    code, solver = _solve(model.cp, seconds)
    if code != cp_model.INFEASIBLE:
        return None
    core = [i for i in solver.sufficient_assumptions_for_infeasibility() if i in owner]
    by_rule = Counter(owner[i] for i in core)
    out = []
    for rule, rows in by_rule.most_common():
        released = {i for i in core if owner[i] == rule}
        model.cp.clear_assumptions()
        model.cp.add_assumptions([lit for lit in literals if lit.index not in released])
        code, _ = _solve(model.cp, seconds)
        found = True if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else (
            False if code == cp_model.INFEASIBLE else None)
        out.append(Conflict(rule, rows, found))
    return out


def _enforced(inst: Instance, rules: Sequence[Rule]
              ) -> tuple[Model, dict[int, str], list[cp_model.IntVar]]:
    """The model of every rule, each enforceable constraint under a literal of its own; literal
    index -> the rule that added the constraint; and the literals."""
    model = build(inst, rules=[], allows=Candidates(inst, rules).allows)
    owner: dict[int, str] = {}
    literals: list[cp_model.IntVar] = []
    for rule in rules:
        first = len(model.cp.proto.constraints)
        rule.add(model.cp, model.variables, inst)
        last = len(model.cp.proto.constraints)
        for i in range(first, last):
            ct = model.cp.proto.constraints[i]
            if not any(getattr(ct, kind)() for kind in ENFORCEABLE):
                continue
            lit = model.cp.new_bool_var(f"holds[{rule.name},{i}]")
            model.cp.proto.constraints[i].enforcement_literal.append(lit.index)
            owner[lit.index] = rule.name
            literals.append(lit)
    return model, owner, literals


def _solve(cp: cp_model.CpModel, seconds: float) -> tuple[object, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    # One worker: CP-SAT fills the core of assumptions reliably with one.
    configure(solver, SolverSettings(time_limit=seconds, seed=0, workers=1), seconds, lp=True)
    return solver.solve(cp), solver
