"""The whole case as a MIP for HiGHS (through OR-Tools' MathOpt): a second opinion beside the
search on small cases, with a bound and a plan of its own.

Why: the Lagrangian bound (:mod:`rotation.solve.bound`) relaxes the rows that tie officers
together and, where more than two deployments fit, prices training at the dearest
deployment's; HiGHS's cuts on the whole model sometimes prove more. On the 50-officer case
with heavy leave HiGHS proved the optimum, 549, in 8 s, where the Lagrangian bound settled at
536 (benchmarks/HISTORY.md). Its dual bound is proven like any other, and its plan is judged
by the validator like any other.

The MIP is the CP-SAT model of every rule (:func:`rotation.solve.model.build`), translated
constraint by constraint: the same variables, rows and objective. Linear rows, at-most-one,
exactly-one and clauses carry over as they are; ``t = max(e_i)`` (unmet demand, hardship
excess) becomes ``t >= e_i`` for every ``i``, exact at any optimum because every such ``t`` is
only penalised, so the MIP's optimum is the model's. A plan HiGHS stops with may carry slack in
such a ``t``; the plan's true cost is what the validator recomputes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from rotation.domain import Instance
from rotation.plan import Deployment, Enrolment, Plan
from rotation.solve.model import Candidates, Model

__all__ = ["MipAnswer", "plan_of", "solve_mip", "translate"]

INT_MAX = 2**63 - 1


@dataclass(frozen=True)
class MipAnswer:
    """What HiGHS said: ``bound`` (a proven lower bound on the optimum, None if it has none),
    ``plan`` (its best plan, if any) and whether it proved that plan ``optimal``."""

    bound: int | None
    plan: Plan | None
    optimal: bool
    seconds: float


def _literal(ref: int) -> tuple[int, int, int]:
    """(variable, coefficient, constant) of a CP-SAT literal: x, or 1 - x when negated."""
    return (ref, 1, 0) if ref >= 0 else (-ref - 1, -1, 1)


def translate(proto: Any) -> model_pb2.ModelProto:
    """The MIP of a CpModelProto as a MathOpt ModelProto: same variables, rows and objective
    (see the module's docstring). Raises NotImplementedError for a constraint it cannot carry
    over (enforced constraints, domains with holes, other kinds): no rule makes one today."""

    def bound(value: int) -> float:
        return -math.inf if value <= -INT_MAX else math.inf if value >= INT_MAX else float(value)

    out = model_pb2.ModelProto(name="rotation")
    n = len(proto.variables)
    out.variables.ids.extend(range(n))
    out.variables.lower_bounds.extend(bound(v.domain[0]) for v in proto.variables)
    out.variables.upper_bounds.extend(bound(v.domain[len(v.domain) - 1])
                                      for v in proto.variables)
    out.variables.integers.extend([True] * n)

    row_lo: list[float] = []
    row_hi: list[float] = []
    rows: list[dict[int, float]] = []

    def row(terms: list[tuple[int, int]], lo: float, hi: float) -> None:
        coefs: dict[int, float] = {}
        for var, coef in terms:
            coefs[var] = coefs.get(var, 0.0) + coef
        rows.append(coefs)
        row_lo.append(lo)
        row_hi.append(hi)

    def literals(refs: Any, lo: float, hi: float) -> None:
        terms, constant = [], 0
        for ref in refs:
            var, coef, const = _literal(ref)
            terms.append((var, coef))
            constant += const
        row(terms, lo - constant, hi - constant)

    def linear(expr: Any, offset: bool = True) -> tuple[list[tuple[int, int]], int]:
        terms = []
        constant = int(expr.offset) if offset else 0
        for ref, coef in zip(expr.vars, expr.coeffs, strict=True):
            var, sign, const = _literal(ref)
            terms.append((var, sign * coef))
            constant += coef * const
        return terms, constant

    for c in proto.constraints:
        if len(c.enforcement_literal):
            raise NotImplementedError("enforced constraints are not translated")
        if c.has_linear():
            domain = list(c.linear.domain)
            if len(domain) != 2:
                raise NotImplementedError("linear constraints with holes are not translated")
            terms, constant = linear(c.linear, offset=False)
            row(terms, bound(domain[0]) - constant, bound(domain[1]) - constant)
        elif c.has_at_most_one():
            literals(c.at_most_one.literals, -math.inf, 1)
        elif c.has_exactly_one():
            literals(c.exactly_one.literals, 1, 1)
        elif c.has_bool_or():
            literals(c.bool_or.literals, 1, math.inf)
        elif c.has_lin_max():
            target, t0 = linear(c.lin_max.target)
            for e in c.lin_max.exprs:
                terms, constant = linear(e)
                row(target + [(v, -a) for v, a in terms], constant - t0, math.inf)
        else:
            raise NotImplementedError(f"constraint not translated: {c}")

    out.linear_constraints.ids.extend(range(len(rows)))
    out.linear_constraints.lower_bounds.extend(row_lo)
    out.linear_constraints.upper_bounds.extend(row_hi)
    row_ids, col_ids, values = [], [], []
    for r, coefs in enumerate(rows):
        for var in sorted(coefs):
            if coefs[var]:
                row_ids.append(r)
                col_ids.append(var)
                values.append(coefs[var])
    matrix = out.linear_constraint_matrix
    matrix.row_ids.extend(row_ids)
    matrix.column_ids.extend(col_ids)
    matrix.coefficients.extend(values)

    scale = proto.objective.scaling_factor or 1.0
    objective: dict[int, float] = {}
    offset = scale * proto.objective.offset
    for ref, coef in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        var, sign, const = _literal(ref)
        objective[var] = objective.get(var, 0.0) + scale * sign * coef
        offset += scale * coef * const
    ids = sorted(v for v in objective if objective[v])
    out.objective.linear_coefficients.ids.extend(ids)
    out.objective.linear_coefficients.values.extend(objective[v] for v in ids)
    out.objective.offset = offset
    out.objective.maximize = False
    return out


def plan_of(inst: Instance, model: Model, values: Callable[[int], float]) -> Plan:
    """The plan a MIP solution switches on, from each CP-SAT variable's value by index."""
    deployments = []
    for (officer, posting, start), var in model.variables.items():
        if values(var.index) > 0.5:
            first, last = inst.rules.deployment_span(start)
            deployments.append(Deployment(officer, posting, first, last))
    enrolments = []
    for (officer, session_id), var in model.variables.enrolments():
        if values(var.index) > 0.5:
            q = inst.session_by_id[session_id]
            enrolments.append(Enrolment(officer, q.course, q.id, q.start, q.end))
    return Plan(tuple(deployments), tuple(enrolments))


def solve_mip(candidates: Candidates, seconds: float) -> MipAnswer:
    """The whole model of ``candidates``' rules solved by HiGHS within ``seconds``, with a zero
    gap tolerance. HiGHS runs without the interpreter's lock, but cannot be interrupted: it
    runs until it proves the optimum or the seconds are up."""
    model = candidates.build()
    mip = mathopt.Model.from_model_proto(translate(model.cp.proto))
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=max(seconds, 0.01)),
                                     relative_gap_tolerance=0.0, absolute_gap_tolerance=0.0)
    result = mathopt.solve(mip, mathopt.SolverType.HIGHS, params=params)
    dual = result.termination.objective_bounds.dual_bound
    reason = result.termination.reason
    finished = reason in (mathopt.TerminationReason.OPTIMAL,
                          mathopt.TerminationReason.FEASIBLE,
                          mathopt.TerminationReason.NO_SOLUTION_FOUND)
    # Every cost is an integer: round up past floating point noise only.
    bound = (math.ceil(dual - 1e-6 - 1e-9 * abs(dual))
             if finished and math.isfinite(dual) else None)
    plan = None
    if result.has_primal_feasible_solution():
        found = {v.id: x for v, x in result.variable_values().items()}
        plan = plan_of(candidates.inst, model, lambda index: found.get(index, 0.0))
    return MipAnswer(bound, plan, reason == mathopt.TerminationReason.OPTIMAL,
                     result.solve_time().total_seconds())
