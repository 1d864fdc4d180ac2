"""Why a case has no plan at all: the rules whose constraints cannot hold together, and what
letting each go would buy.

Every shortfall is priced and a plan may always leave a tour out, so a case is infeasible only
where a fact no plan can change breaks a hard rule (officers continuing a tour above a posting's
maximum). To name it, the model of every rule is built with an enforcement literal on each of
its linear and clause constraints, all assumed true; CP-SAT's infeasible core of assumptions
names the rows that conflict, grouped by rule.

A core is one reason, not every reason: with Phnom Penh over its maximum in two months it may
name one month only, and letting that month go alone leaves the other. So for each rule in
conflict every row of that rule goes together: the core's rows, every row of the rule that no
assignment can satisfy (a maximum already exceeded by the officers continuing there), and any
further rows of the same rule a re-check's core names.

Whether a plan then exists is asked of CP-SAT on the model without those rows (a row no
assignment satisfies is kept at the value nearest to holding, so a plan adds no one where the
facts already overflow), for feasibility only (the model has no objective) and with its LP,
probing and symmetry search off: on a pool of 120 officers those spent all of 20 s before any
answer, while a feasibility search or an infeasibility proof takes one to two seconds. A plan it
finds counts only if :func:`rotation.validate.validate` finds in it no hard violation but the
facts of that rule (its checker's own findings on an empty plan).

A plan is claimed only when one was found and validated; a re-check that runs out of time says
so (``relaxed_has_plan`` None), and one that proves no plan names the other rules its core finds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints import RULES, Rule
from rotation.domain import Instance, SolverSettings
from rotation.plan import Plan, Violation
from rotation.solve.model import Candidates, Model, build, configure, extract
from rotation.validate import validate

__all__ = ["Conflict", "conflicts"]

ENFORCEABLE = ("has_linear", "has_bool_or", "has_bool_and")
"""Constraint kinds that take an enforcement literal; the others a rule adds (at most one of a
window, a shortfall's maximum) hold with every start off, so they cannot make a case
infeasible on their own."""


@dataclass(frozen=True)
class Conflict:
    """One rule in conflict: ``rows``, how many of its constraints had to be let go (every row
    of the rule in conflict, not only the first core's); whether a plan exists without them
    (None: not decided in the time given); and ``witness``, the plan found that breaks no hard
    rule but this rule's facts (validated; set exactly when ``relaxed_has_plan`` is True)."""

    rule: str
    rows: int
    relaxed_has_plan: bool | None
    witness: Plan | None = None


@dataclass
class _Diagnosis:
    """The enforced model and what the checks so far have learned, shared by every rule's
    re-check: the deadline holds for the whole diagnosis, not for each solve."""

    inst: Instance
    rules: Sequence[Rule]
    model: Model
    owner: dict[int, str]
    literals: list[cp_model.IntVar]
    deadline: float

    def solve(self, released: set[int]) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
        """CP-SAT on the model with every literal but ``released`` assumed true."""
        cp = self.model.cp
        cp.clear_assumptions()
        cp.add_assumptions([lit for lit in self.literals if lit.index not in released])
        seconds = self.deadline - time.monotonic()
        solver = cp_model.CpSolver()
        # One worker: CP-SAT fills the core of assumptions reliably with one. Without the LP,
        # probing and symmetry search (lp=False): with them presolve alone took 8 s of probing
        # on the 120-officer example, and a re-check did not finish in 20 s.
        configure(solver, SolverSettings(time_limit=max(seconds, 0.01), seed=0, workers=1),
                  seconds, lp=False)
        return solver.solve(cp), solver

    def core(self, solver: cp_model.CpSolver) -> list[int]:
        return [i for i in solver.sufficient_assumptions_for_infeasibility() if i in self.owner]

    def breaks_only(self, plan: Plan, facts: set[Violation]) -> bool:
        """Whether the validator finds in ``plan`` no hard violation but ``facts``. A fact's
        message carries its count ("has 6 officers"), so a plan that added anyone where a
        posting is already over its maximum breaks more than the facts."""
        return set(validate(self.inst, plan, self.rules).violations) <= facts


def conflicts(inst: Instance, rules: Sequence[Rule] = RULES, seconds: float = 20.0
              ) -> list[Conflict] | None:
    """The rules in conflict, or None if the case is not proven infeasible; ``seconds`` bounds
    the whole diagnosis (a relief not decided by then is None)."""
    deadline = time.monotonic() + seconds
    model, owner, literals = _enforced(inst, rules)
    d = _Diagnosis(inst, rules, model, owner, literals, deadline)
    code, solver = d.solve(set())
    if code != cp_model.INFEASIBLE:
        return None
    rows: dict[str, set[int]] = {}
    for i in d.core(solver):
        rows.setdefault(owner[i], set()).add(i)
    settled = _settled(model.cp, owner)
    # Most rows first, as the core names them; rules a re-check finds join at the end.
    order = sorted(rows, key=lambda name: -len(rows[name]))
    out = []
    for name in order:  # ``order`` grows while it is walked
        released = rows[name] | {i for i in settled if owner[i] == name}
        found, witness, others = _relieve(d, name, released)
        for other, lits in others.items():
            rows.setdefault(other, set()).update(lits)
            if other not in order:
                order.append(other)
        out.append(Conflict(name, len(released), found, witness))
    return out


def _relieve(d: _Diagnosis, name: str, released: set[int]
             ) -> tuple[bool | None, Plan | None, dict[str, set[int]]]:
    """Whether a plan exists with rule ``name``'s rows ``released`` let go (grown in place with
    any further rows of the same rule a re-check's core names); the validated plan that shows
    it; and, when a re-check proves there is none, the other rules' rows in its core."""
    rule = next((r for r in d.rules if r.name == name), None)
    facts = set(rule.check(d.inst, Plan(()))) if rule is not None else set()
    while time.monotonic() < d.deadline:
        code, solver = d.solve(released)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            plan = extract(d.inst, d.model, solver)
            # A plan of the model is claimed only once the validator agrees.
            return (True, plan, {}) if d.breaks_only(plan, facts) else (None, None, {})
        if code != cp_model.INFEASIBLE:
            return None, None, {}
        core = d.core(solver)
        others: dict[str, set[int]] = {}
        for i in core:
            if d.owner[i] != name:
                others.setdefault(d.owner[i], set()).add(i)
        if others or not core:
            return False, None, others
        released.update(core)
    return None, None, {}


def _settled(cp: cp_model.CpModel, owner: dict[int, str]) -> set[int]:
    """The literals of enforced rows that no assignment satisfies, whatever the other rows: a
    linear row whose every value within its variables' bounds lies outside its domain, or a
    clause with no literal. These are the facts no plan can change (six officers continuing
    where the maximum is five); any plan has to let each of them go.

    Letting a fact go must not let a plan make it worse (seven officers there), or the plan a
    re-check finds breaks more than the facts and proves nothing about them. So each such
    linear row gets an unconditional twin that also allows the value nearest its domain the
    row can take (no new officer there): it holds whenever the row does, so it changes nothing
    until the row is let go, and then keeps the fact as it stands."""
    variables = cp.proto.variables
    out = set()
    twins = []
    for ct in cp.proto.constraints:
        # Only rows a rule posted without a condition of its own: ours is their one literal.
        if len(ct.enforcement_literal) != 1 or ct.enforcement_literal[0] not in owner:
            continue
        if ct.has_bool_or() and not ct.bool_or.literals:
            out.add(ct.enforcement_literal[0])
        elif ct.has_linear() and all(ref >= 0 for ref in ct.linear.vars):
            low = high = 0
            for ref, coeff in zip(ct.linear.vars, ct.linear.coeffs, strict=True):
                lo, hi = variables[ref].domain[0], variables[ref].domain[-1]
                low += min(coeff * lo, coeff * hi)
                high += max(coeff * lo, coeff * hi)
            flat = list(ct.linear.domain)
            pairs = list(zip(flat[::2], flat[1::2], strict=True))
            if any(a <= high and low <= b for a, b in pairs):
                continue
            out.add(ct.enforcement_literal[0])
            domain = cp_model.Domain.from_flat_intervals(flat)
            if any(b < low for _, b in pairs):
                domain = domain.union_with(cp_model.Domain(low, low))
            if any(a > high for a, _ in pairs):
                domain = domain.union_with(cp_model.Domain(high, high))
            twins.append((list(ct.linear.vars), list(ct.linear.coeffs), domain))
    for refs, coeffs, domain in twins:
        expr = cp_model.LinearExpr.weighted_sum(
            [cp.get_int_var_from_proto_index(ref) for ref in refs], coeffs)
        cp.add_linear_expression_in_domain(expr, domain)
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
