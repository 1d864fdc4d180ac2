"""Sweeps: a grid of scenarios solved on this machine's cores or on a Dask cluster.

A sweep file (docs/scenarios.md) names a base (a case folder, or a stored scenario), axes of
whole numbers, and a scenario template whose values may be ``"{axis}"`` placeholders; every
combination of the axes is a scenario. All of them are checked against the case and stored
before anything is solved (a contradiction in any stores none), then solved, each plan checked
by the independent validator and stored linked to its scenario, as ``rotation scenario solve``
would.

Where the solves run is the only thing that changes between ``processes`` (a local process pool,
one solve per process, for this machine's cores) and ``cluster`` (the address of a running Dask
distributed scheduler, whose workers must have this package installed). Dask was chosen over
Ray because a sweep is a bag of independent calls, which ``Client.submit`` runs as they are; its
scheduler and workers are two pip-installed commands (``dask scheduler``, ``dask worker``) with
nothing else to run (Ray adds its own object store and raylet processes per node), and it
installs in about 40 MB, its dependencies included, all pure Python but for psutil, msgpack
and PyYAML. No
scheduling is done here: the pool or the cluster hands out the points.

Each solve is a function of its point's snapshot, overrides and solver settings alone, and the
parent process alone writes to the store. With a work limit (or a search that completes), the
same seed gives the same plan wherever it runs; the tests compare the two ways.

This is the only module that imports dask.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import multiprocessing
import re
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rotation.domain import Instance, InvalidObject, SolverSettings
from rotation.errors import InputError, Problem, RotationError
from rotation.io import read_case
from rotation.plan import Plan, Result
from rotation.scenario_jobs import adapt, base_plan, chain_of, snapshot_instance
from rotation.scenarios import Scenario, apply_all, parse
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict
from rotation.storage import Store, StoredScenario
from rotation.validate import validate

__all__ = ["Point", "Spec", "Swept", "points", "read_spec", "run_sweep", "solve_point",
           "to_toml"]

_KEYS = {"name", "description", "case", "base", "axes", "scenario", "solver"}
_SOLVER = {"time_limit", "work_limit", "seed", "workers"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Spec:
    """A sweep as read from its file."""

    name: str
    description: str
    case: Path | None
    base: str
    axes: dict[str, list[int]]
    template: dict[str, Any]
    solver: dict[str, Any]
    file: str


@dataclass(frozen=True)
class Point:
    """One combination of the axes: its values and the scenario they make."""

    values: dict[str, int]
    scenario: Scenario


def read_spec(path: Path) -> Spec:
    """Read and check a sweep file; problems name the file and key."""
    file = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(Problem(f"cannot read the sweep file: {err}", file)) from err
    except tomllib.TOMLDecodeError as err:
        raise InputError(Problem(f"is not valid TOML: {err}", file)) from err
    problems = [Problem(f"unknown key; a sweep holds {', '.join(sorted(_KEYS))}", file,
                        field=k) for k in data if k not in _KEYS]
    name = data.get("name", "")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        problems.append(Problem(f"{name!r} is not a sweep name; use letters, digits, '_' or "
                                "'-'", file, field="name"))
    axes: dict[str, list[int]] = {}
    raw_axes = data.get("axes", {})
    if not isinstance(raw_axes, dict) or not raw_axes:
        problems.append(Problem("give at least one axis, e.g. rest = [3, 4, 5]", file,
                                field="axes"))
        raw_axes = {}
    for axis, raw in raw_axes.items():
        key = f"axes.{axis}"
        if isinstance(raw, dict):
            lo, hi, step = raw.get("from"), raw.get("to"), raw.get("step", 1)
            if not (isinstance(lo, int) and isinstance(hi, int) and isinstance(step, int)) \
                    or step < 1 or hi < lo:
                problems.append(Problem("write { from = A, to = B, step = S } with whole "
                                        "numbers, A <= B and S >= 1", file, field=key))
                continue
            axes[axis] = list(range(lo, hi + 1, step))
        elif isinstance(raw, list) and raw and all(
                isinstance(v, int) and not isinstance(v, bool) for v in raw):
            axes[axis] = list(raw)
        else:
            problems.append(Problem("must be a list of whole numbers or { from, to, step }",
                                    file, field=key))
    template = data.get("scenario", {})
    if not isinstance(template, dict):
        problems.append(Problem("must be a table: [scenario]", file, field="scenario"))
        template = {}
    used = set(_PLACEHOLDER.findall(json.dumps(template)))
    for axis in sorted(used - set(axes)):
        problems.append(Problem(f"'{{{axis}}}' names no axis; the axes are "
                                f"{', '.join(axes) or 'none'}", file, field="scenario"))
    for axis in sorted(set(axes) - used):
        problems.append(Problem(f"axis '{axis}' is used nowhere in [scenario]; write "
                                f"\"{{{axis}}}\" where its value goes", file,
                                field=f"axes.{axis}"))
    solver = data.get("solver", {})
    for key in solver:
        if key not in _SOLVER:
            problems.append(Problem(f"unknown key; [solver] holds {', '.join(sorted(_SOLVER))}",
                                    file, field=f"solver.{key}"))
    case = data.get("case")
    base = data.get("base", "")
    if (case is None) == (not base):
        problems.append(Problem("name either the case (case = \"FOLDER\", relative to this "
                                "file) or a stored scenario (base = \"NAME\")", file,
                                field="case"))
    if problems:
        raise InputError(problems)
    return Spec(name, str(data.get("description", "")),
                (path.parent / case).resolve() if isinstance(case, str) else None, str(base),
                axes, template, dict(solver), file)


def _fill(value: Any, values: dict[str, int]) -> Any:
    """The template with each ``"{axis}"`` replaced by the point's value (a whole string that is
    one placeholder becomes the number itself)."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def points(spec: Spec) -> list[Point]:
    """Every combination of the axes, in the order the axes are written, as a scenario named
    ``<sweep>.<axis>-<value>...``."""
    out = []
    names = list(spec.axes)
    for combo in itertools.product(*(spec.axes[a] for a in names)):
        values = dict(zip(names, combo, strict=True))
        label = ".".join(f"{a}-{v}" for a, v in values.items())
        data = _fill(spec.template, values)
        data = {"name": f"{spec.name}.{label}",
                "description": spec.description or f"sweep {spec.name}: "
                + ", ".join(f"{a} = {v}" for a, v in values.items()),
                **({"base": spec.base} if spec.base else {}), **data}
        text = to_toml(data)
        out.append(Point(values, parse(text, f"{spec.file} ({label})")))
    return out


def to_toml(data: dict[str, Any]) -> str:
    """A scenario's data as TOML text (the subset scenario files use: text, whole numbers,
    booleans, dates, lists of those, inline tables of numbers, tables and arrays of tables)."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{key} = {_value(value)}")
    for key, table in tables:
        lines += ["", f"[{key}]", *(f"{k} = {_value(v)}" for k, v in table.items())]
    for key, items in arrays:
        for item in items:
            lines += ["", f"[[{key}]]", *(f"{k} = {_value(v)}" for k, v in item.items())]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise ValueError(f"cannot write {value!r} as TOML")


def solve_point(snapshot: str, chain: list[tuple[str, str]], settings: dict[str, Any],
                hint: Plan | None) -> tuple[Result, float]:
    """Solve one point from plain data (what a process or a cluster worker receives): the case
    snapshot, the scenarios to apply (name, TOML text), the solver settings and the plan to
    start from. Returns the result and the seconds the worker spent, loading included."""
    from rotation.solve import solve

    began = time.perf_counter()
    inst = apply_all(instance_from_dict(json.loads(snapshot)),
                     [parse(text, name, name) for name, text in chain])
    result = solve(inst, SolverSettings(**settings), None, hint=hint)
    return result, time.perf_counter() - began


@dataclass(frozen=True)
class Swept:
    """One point's outcome: its scenario, stored plan (None if no plan was found) and result."""

    point: Point
    scenario: str
    plan_id: int | None
    result: Result
    seconds: float


@dataclass(frozen=True)
class _Job:
    point: Point
    stored: StoredScenario
    inst: Instance
    chain: list[tuple[str, str]]
    hint: Plan | None


def run_sweep(store: Store, spec: Spec, processes: int = 1, cluster: str | None = None,
              settings: SolverSettings | None = None,
              progress: Callable[[Swept, int, int], None] | None = None,
              actor: str = "") -> list[Swept]:
    """Create every point's scenario, solve them on ``processes`` local processes or on the Dask
    cluster at ``cluster``, and store each plan; the outcomes in the order of the points."""
    jobs, snapshot = _prepare(store, spec, actor)
    plain = asdict(settings if settings is not None else sweep_settings(spec, jobs[0].inst))
    out: dict[int, Swept] = {}
    for done, (k, (result, seconds)) in enumerate(
            _run(jobs, snapshot, plain, processes, cluster), 1):
        job = jobs[k]
        plan_id = None
        if result.plan is not None:
            verdict = validate(job.inst, result.plan)
            if not verdict.ok or verdict.objective != result.objective:
                raise RotationError(f"the solver returned a plan the validator rejects for "
                                    f"{job.stored.name} (a bug; please report it)")
            plan_id = store.save(job.inst, result, scenario_id=job.stored.id)
        out[k] = Swept(job.point, job.stored.name, plan_id, result, seconds)
        if progress is not None:
            progress(out[k], done, len(jobs))
    return [out[k] for k in range(len(jobs))]


def sweep_settings(spec: Spec, inst: Instance) -> SolverSettings:
    """The case's solver settings with the sweep file's [solver] over them."""
    try:
        return replace(inst.solver, **spec.solver)
    except (InvalidObject, TypeError) as err:
        raise InputError(Problem(f"{err}", spec.file, field="solver")) from err


def _snapshot(store: Store, spec: Spec) -> str:
    if spec.base:
        return store.scenario(spec.base).input_json
    assert spec.case is not None
    inst = read_case(spec.case).instance
    return json.dumps({**instance_to_dict(inst), "solver": asdict(inst.solver)}, sort_keys=True)


def _prepare(store: Store, spec: Spec, actor: str) -> tuple[list[_Job], str]:
    """Check every point against its base, then store them all (or none); the jobs and the
    snapshot of the case they apply to."""
    snapshot = _snapshot(store, spec)
    base = snapshot_instance(snapshot)
    chain: list[Scenario] = chain_of(store, store.scenario(spec.base)) if spec.base else []
    made = points(spec)
    problems: list[Problem] = []
    instances = []
    taken = {s.name for s in store.scenarios()}
    for point in made:
        if point.scenario.name in taken:
            problems.append(Problem(f"scenario '{point.scenario.name}' exists already; delete "
                                    "the earlier sweep's scenarios or rename the sweep",
                                    spec.file, field="name"))
            continue
        try:
            instances.append(apply_all(base, [*chain, point.scenario]))
        except InputError as err:
            problems.extend(err.problems)
    if problems:
        raise InputError(problems)
    hint_id = None
    if spec.base:
        hint_id = base_plan(store, store.scenario(spec.base))
    else:
        for row in store.plans():
            if row.input_hash == input_hash(base) and row.id is not None \
                    and store.scenario_of(row.id) is None:
                hint_id = row.id
                break
    hint = store.load(hint_id).plan if hint_id is not None else None
    now = datetime.now(UTC)
    jobs = []
    for point, inst in zip(made, instances, strict=True):
        sc = point.scenario
        store.add_scenario(sc.name, base.name, spec.base, sc.description, sc.text, snapshot,
                           input_hash(base), actor, now)
        jobs.append(_Job(point, store.scenario(sc.name), inst,
                         [(s.name, s.text) for s in [*chain, sc]],
                         adapt(inst, hint) if hint is not None else None))
    return jobs, snapshot


def _run(jobs: list[_Job], snapshot: str, settings: dict[str, Any], processes: int,
         cluster: str | None) -> Iterator[tuple[int, tuple[Result, float]]]:
    """(index, outcome) of every job as it finishes, on the cluster or the process pool."""
    if cluster is not None:
        yield from _on_cluster(jobs, snapshot, settings, cluster)
        return
    if processes < 1:
        raise InputError(Problem("must be at least 1", field="--processes"))
    # A fresh interpreter per process (spawn): OR-Tools keeps threads that a fork would copy
    # in whatever state they were.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = {pool.submit(solve_point, snapshot, job.chain, settings, job.hint): k
                   for k, job in enumerate(jobs)}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future.result()


def _on_cluster(jobs: list[_Job], snapshot: str, settings: dict[str, Any], address: str
                ) -> Iterator[tuple[int, tuple[Result, float]]]:
    try:
        from distributed import Client, as_completed
    except ImportError as err:
        raise InputError(Problem("running on a cluster needs Dask: pip install -e "
                                 "'.[cluster]'", field="--cluster")) from err
    try:
        client = Client(address, timeout=30)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        raise InputError(Problem(f"cannot reach the Dask scheduler at {address}: {err}",
                                 field="--cluster")) from err
    try:
        shared = client.scatter(snapshot, broadcast=True)  # type: ignore[no-untyped-call]
        futures = {client.submit(solve_point, shared, job.chain, settings, job.hint,
                                 pure=False, key=f"rotation-sweep-{k}-{time.time_ns()}"): k
                   for k, job in enumerate(jobs)}
        for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
            yield futures[future], future.result()
    finally:
        client.close()  # type: ignore[no-untyped-call]
