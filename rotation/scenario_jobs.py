"""Scenario jobs on a store: create, resolve, solve; the CLI and the sweep call these.

A scenario is stored with the snapshot of the case it applies to (or, built on another
scenario, the snapshot that one applies to), so it solves long after the case files have moved
on. Solving one stores a plan like any solve, linked to its scenario; nothing here publishes,
and publishing refuses a scenario's plan (:func:`rotation.workflow.publish`), so what officers
see never changes through a what-if.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from rotation.domain import Instance, SolverSettings
from rotation.errors import InputError, Problem, RotationError
from rotation.io import read_case
from rotation.plan import Plan, Progress, Result
from rotation.scenarios import Scenario, apply_all, parse
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict
from rotation.storage import Store, StoredScenario
from rotation.validate import Verdict, validate

__all__ = ["ScenarioSolved", "adapt", "base_plan", "chain_of", "create", "resolve",
           "snapshot_instance", "solve_scenario"]


def create(store: Store, file: Path, case: Path | None, name: str | None, actor: str
           ) -> StoredScenario:
    """Read a scenario file, check it against its base (the case at ``case``, or the stored
    scenario its ``base`` names) and store it. Nothing is stored if any override contradicts
    the case."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(Problem(f"cannot read the scenario file: {err}", str(file))) from err
    scenario = parse(text, str(file), name)
    if scenario.base:
        if case is not None:
            raise InputError(Problem(f"the file builds on scenario '{scenario.base}' (base), "
                                     "whose case is stored; leave out --case", str(file),
                                     field="base"))
        parent = store.scenario(scenario.base)
        snapshot = parent.input_json
        chain = [*chain_of(store, parent), scenario]
    else:
        if case is None:
            raise InputError(Problem("name the case the scenario applies to (--case FOLDER), "
                                     "or a stored scenario it builds on (base = \"NAME\" in "
                                     "the file)", str(file), field="--case"))
        base = read_case(case).instance
        # The case's solver settings travel with its snapshot, every one of them, so a
        # scenario solves with the time and work limits the case asks for.
        snapshot = json.dumps({**instance_to_dict(base), "solver": asdict(base.solver)},
                              sort_keys=True)
        chain = [scenario]
    inst = snapshot_instance(snapshot)
    apply_all(inst, chain)  # every problem is raised here, before anything is stored
    stored_id = store.add_scenario(scenario.name, inst.name, scenario.base, scenario.description,
                                   scenario.text, snapshot, input_hash(inst), actor,
                                   datetime.now(UTC))
    assert stored_id
    return store.scenario(scenario.name)


def snapshot_instance(snapshot: str) -> Instance:
    """The case a scenario applies to, with its solver settings, from the stored snapshot."""
    data = json.loads(snapshot)
    inst = instance_from_dict(data)
    return replace(inst, solver=SolverSettings(**data.get("solver", {})))


def chain_of(store: Store, stored: StoredScenario) -> list[Scenario]:
    """The scenarios to apply, base first, ending with ``stored``."""
    chain = []
    seen: set[str] = set()
    current: StoredScenario | None = stored
    while current is not None:
        if current.name in seen:
            raise RotationError(f"scenario '{current.name}' builds on itself")
        seen.add(current.name)
        chain.append(parse(current.overrides_toml, f"scenario '{current.name}'", current.name))
        current = store.scenario(current.base) if current.base else None
    return chain[::-1]


def resolve(store: Store, name: str) -> tuple[StoredScenario, Instance, Instance]:
    """A stored scenario, its base case and the instance it makes."""
    stored = store.scenario(name)
    base = snapshot_instance(stored.input_json)
    return stored, base, apply_all(base, chain_of(store, stored))


def base_plan(store: Store, stored: StoredScenario) -> int | None:
    """The plan a scenario's solve starts from: its base scenario's newest plan; for a scenario
    on the case, the case's latest published version if it was solved from the same input,
    else the newest plan of that input that solves no scenario."""
    if stored.base:
        parent = store.scenario(stored.base)
        return parent.plans[-1] if parent.plans else None
    published = store.published(stored.case_name)
    if published is not None and published.input_hash == stored.input_hash:
        return published.plan_id
    for row in store.plans():
        if row.input_hash == stored.input_hash and row.id is not None \
                and store.scenario_of(row.id) is None:
            return row.id
    return None


def adapt(inst: Instance, plan: Plan) -> Plan:
    """The part of a base plan that still makes sense in a scenario: deployments of officers and
    postings it has, of its rotation length, starting where it may start; and the enrolments of
    the officers kept, in sessions it has. The solver takes it only if it keeps every hard rule
    and costs less than its own first plan."""
    rules = inst.rules
    kept = []
    for d in plan.deployments:
        if d.officer not in inst.officer_by_id or d.posting not in inst.posting_by_id:
            continue
        start = rules.month_of(d.start)
        if start in rules.start_months and rules.deployment_span(start) == (d.start, d.end):
            kept.append(d)
    officers = {d.officer for d in kept}
    enrolments = tuple(e for e in plan.enrolments
                       if e.officer in officers and e.session in inst.session_by_id)
    return Plan(tuple(kept), enrolments)


@dataclass(frozen=True)
class ScenarioSolved:
    """A scenario's solve: its result, the validator's verdict, the stored plan and the plan it
    started from (if any, and whether the solver took it)."""

    result: Result
    verdict: Verdict | None
    plan_id: int | None
    hint_plan_id: int | None


def solve_scenario(store: Store, name: str, settings: SolverSettings | None = None,
                   progress: Callable[[Progress], None] | None = None, use_hint: bool = True
                   ) -> ScenarioSolved:
    """Solve a stored scenario, check the plan with the independent validator and store it,
    linked to the scenario. Never publishes."""
    from rotation.solve import solve  # the solver loads OR-Tools; see workflow.solve_and_store

    stored, _, inst = resolve(store, name)
    hint_id = base_plan(store, stored) if use_hint else None
    hint = adapt(inst, store.load(hint_id).plan) if hint_id is not None else None
    result = solve(inst, settings or inst.solver, progress, hint=hint)
    if result.plan is None:
        return ScenarioSolved(result, None, None, hint_id)
    verdict = validate(inst, result.plan)
    if not verdict.ok or verdict.objective != result.objective:
        details = "; ".join(v.message for v in verdict.violations[:5])
        raise RotationError(
            "the solver returned a plan the validator rejects (a bug; please report it with the "
            f"scenario): objective {result.objective} vs {verdict.objective}. {details}")
    plan_id = store.save(inst, result, scenario_id=stored.id, hint_plan_id=hint_id)
    return ScenarioSolved(result, verdict, plan_id, hint_id)
