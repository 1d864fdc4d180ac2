"""Run the benchmark sizes and print one table: CP-SAT next to a HiGHS MIP of the same model.

    python benchmarks/run.py                     # S and M, default time limits (S 10 s, M 60 s)
    python benchmarks/run.py S M L --json out.json
    python benchmarks/run.py M --time-limit M=120 --solvers cpsat --breakdown
    python benchmarks/run.py S --cli S           # also time `rotation solve` on the S case folder

Each (size, solver) runs in its own subprocess, so its peak RSS is its own; the parent stops a
child that outlives its timeout or grows past ``--max-rss-gb`` and reports how far it got.

CP-SAT: the instance from ``generate.py`` is solved by ``rotation.solve.solve`` itself (same
parameters as ``rotation solve``); its ``build`` is wrapped, not changed, to time the model
build and, per rule, the constraints and variables it adds. The plan goes through
``rotation.validate.validate``.

HiGHS baseline: the CP-SAT model ``rotation.solve.model.build`` makes is translated constraint by
constraint into a plain MIP and solved by HiGHS through MathOpt (SCIP if HiGHS is missing): the
same variables, rules and objective, training included. The only change is that a
``max(0, expr)`` term (shortfall, hardship excess) becomes ``target >= 0, target >= expr``, the
usual MIP form, exact at any optimum because those targets are only penalised. Its plan is read
back from the same variables and validated the same way. (Not ``pywraplp``: its HiGHS wrapper in
OR-Tools 9.15 returns status 99 and no solution when the time limit stops a MIP that has one.)
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import re
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from generate import SIZES, generate, size_name, write_case

HERE = Path(__file__).resolve().parent
SOLVERS = ("cpsat", "highs")
TARGETS = {
    "S": "optimal; whole `rotation solve` < 2 s",
    "M": "gap <= 1 % in 60 s; better than HiGHS",
    "L": "build < 10 s; 1st plan <= 60 s; gap <= 5 % by 300 s; RSS < 4 GB",
}


# ---------------------------------------------------------------------------------------------
# Helpers shared by parent and children


def _gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1), as docs/rules.md defines the gap."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1)


def _rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """Current and peak resident memory of a process (this one by default), MB, from /proc;
    0 if unavailable."""
    now = peak = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return now, peak


class _Phases:
    """Appends one JSON line per phase, so a killed child still says how far it got."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.began = time.perf_counter()

    def __call__(self, phase: str, **extra: Any) -> None:
        now, peak = _rss_mb()
        record = {"phase": phase, "t": round(time.perf_counter() - self.began, 3),
                  "rss_mb": round(now), "peak_mb": round(peak), **extra}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mb": round(ru.ru_maxrss / 1024, 1), "cpu_s": round(ru.ru_utime + ru.ru_stime,
                                                                           2)}


# ---------------------------------------------------------------------------------------------
# CP-SAT child


def _instrument(phases: _Phases, breakdown: list[dict[str, Any]],
                whole: Callable[[], bool] = lambda: True
                ) -> tuple[Callable[[Any], Any], Callable[[], None]]:
    """Wrap the engine's Variables to time the start variables of the whole case's build, and
    give a wrapper that times one rule's ``add``; with the function that undoes the wrapping.
    ``whole`` says whether the build under way is the whole case's (not a neighbourhood's, the
    staffing's or a proof's)."""
    from constraints.base import Rule

    model_module = importlib.import_module("rotation.solve.model")
    original_variables = model_module.Variables

    def counts(model: Any) -> tuple[int, int]:
        return len(model.proto.variables), len(model.proto.constraints)

    def variables(model: Any, inst: Any, allows: Callable[..., bool], fixed: Any = None,
                  free: Any = None) -> Any:
        if free is not None or not whole():
            # A neighbourhood's, the staffing's or a proof's model: not the build measured.
            return original_variables(model, inst, allows, fixed, free)
        began = time.perf_counter()
        calls = 0

        def counted(*args: Any) -> bool:
            nonlocal calls
            calls += 1
            if calls % 500_000 == 0:
                phases("variables", candidates=calls)
            return allows(*args)

        out = original_variables(model, inst, counted)
        nv, nc = counts(model)
        breakdown.append({"step": "start variables", "seconds": time.perf_counter() - began,
                          "variables": nv, "constraints": nc, "candidates": calls,
                          "first": 0, "last": nc})
        phases("variables done", candidates=calls, starts=len(out))
        return out

    def timed(rule: Rule) -> Rule:
        def add(model: Any, v: Any, inst: Any) -> Any:
            if not whole():
                return rule.add(model, v, inst)
            began = time.perf_counter()
            nv, nc = counts(model)
            out = rule.add(model, v, inst)
            nv2, nc2 = counts(model)
            breakdown.append({"step": rule.name, "seconds": time.perf_counter() - began,
                              "variables": nv2 - nv, "constraints": nc2 - nc,
                              "first": nc, "last": nc2})
            phases(f"rule {rule.name}")
            return out

        return replace(rule, add=add)

    vars(model_module)["Variables"] = variables

    def undo() -> None:
        vars(model_module)["Variables"] = original_variables

    return timed, undo


def _nonzeros(proto: Any, breakdown: list[dict[str, Any]]) -> None:
    """Terms per step: how much of the model each rule makes (slow on big models)."""
    sizes = []
    for c in proto.constraints:
        if c.has_linear():
            sizes.append(len(c.linear.vars))
        elif c.has_lin_max():
            m = c.lin_max
            sizes.append(len(m.target.vars) + sum(len(e.vars) for e in m.exprs))
        elif c.has_at_most_one():
            sizes.append(len(c.at_most_one.literals))
        elif c.has_bool_or():
            sizes.append(len(c.bool_or.literals))
        elif c.has_exactly_one():
            sizes.append(len(c.exactly_one.literals))
        else:
            sizes.append(0)
    for step in breakdown:
        step["nonzeros"] = sum(sizes[step["first"]:step["last"]])


def child_cpsat(args: argparse.Namespace) -> dict[str, Any]:
    from rotation.solve import solve
    from rotation.validate import validate

    whole_module = importlib.import_module("rotation.solve.whole_model")
    phases = _Phases(args.phases)
    began = time.perf_counter()
    inst = generate(args.size, args.seed)
    generated = time.perf_counter() - began
    phases("generated")
    breakdown: list[dict[str, Any]] = []
    captured: list[Any] = []
    original_build = whole_module.build

    building_whole = [False]
    timed, undo = _instrument(phases, breakdown, lambda: building_whole[0])

    def build(instance: Any, *args: Any, rules: Any, **kwargs: Any) -> Any:
        """The whole case's build (neighbourhoods, staffing and proofs build elsewhere)."""
        building_whole[0] = True
        try:
            model = original_build(instance, *args, rules=tuple(timed(r) for r in rules),
                                   **kwargs)
        finally:
            building_whole[0] = False
        captured.append(model)
        phases("built")
        return model

    vars(whole_module)["build"] = build
    first: list[tuple[float, int]] = []
    last: list[tuple[float, int, int]] = []

    best: list[tuple[float, int]] = []

    def progress(p: Any) -> None:
        if not first:
            first.append((p.elapsed, p.objective))
            phases("first plan", objective=p.objective)
        if p.objective is not None and (not best or p.objective < best[0][1]):
            best[:] = [(p.elapsed, p.objective)]
        last[:] = [(p.elapsed, p.objective, p.bound)]

    settings = replace(inst.solver, time_limit=args.time_limit,
                       workers=args.workers or inst.solver.workers)
    try:
        result = solve(inst, settings, progress)
    finally:
        vars(whole_module)["build"] = original_build
        undo()
    phases("solved")
    # Large cases are solved by neighbourhoods and never build the whole model.
    model = captured[0] if captured else None
    if args.breakdown and model is not None:
        _nonzeros(model.cp.proto, breakdown)
    verdict = validate(inst, result.plan) if result.plan is not None else None
    out: dict[str, Any] = {
        "generate_s": generated,
        "build_s": model.build_time if model else None,
        "path": "neighbourhoods" if "neighbourhoods" in result.stats else "whole model",
        "neighbourhoods": result.stats.get("neighbourhoods"),
        "bound_steps": result.stats.get("bound_steps"),
        "bound_rounds": result.stats.get("bound_rounds"),
        "first_plan_objective": result.stats.get("first_plan_objective"),
        "combined_objective": result.stats.get("best_combined_plan_objective"),
        "stats": result.stats,
        "solve_s": result.wall_time,
        "first_plan_s": first[0][0] if first else None,
        "first_objective": first[0][1] if first else None,
        # When the plan kept was first reported (the whole model's last plan may come without
        # a report of its own: then the solve's end).
        "best_s": (best[0][0] if best and best[0][1] == result.objective
                   else result.wall_time if result.objective is not None else None),
        "status": result.status.value,
        "stopped": getattr(result, "stopped", None),
        "objective": result.objective,
        "bound": result.bound,
        "gap": _gap(result.objective, result.bound),
        "variables": len(model.cp.proto.variables) if model else None,
        "constraints": len(model.cp.proto.constraints) if model else None,
        "starts": len(model.variables) if model else None,
        "enrolment_vars": len(list(model.variables.enrolments())) if model else None,
        "cost_by_rule": result.cost_by_rule,
        "workers": settings.workers,
        "breakdown": breakdown,
    }
    out.update(_verdict(verdict, result.objective, result.plan, "CP-SAT"))
    out["gap"] = _gap(out["objective"], out["bound"])
    return out


def _verdict(verdict: Any, objective: float | None, plan: Any, who: str) -> dict[str, Any]:
    """The validator's word on a plan. A valid plan's objective is the cost it recomputes (the
    solver's own figure is kept as ``solver_objective`` and flagged in the table if it differs).
    """
    if verdict is None:
        return {"validator": "no plan"}
    recomputed = verdict.objective
    out: dict[str, Any] = {"solver_objective": objective}
    if not verdict.ok:
        text = f"{len(verdict.violations)} violations"
    elif objective is not None and round(objective) != recomputed:
        text = f"ok ({who} said {round(objective):,})"
        out["objective"] = recomputed
    else:
        text = "ok"
    return out | {
        "validator": text,
        "validated_objective": recomputed,
        "violations": [f"{v.rule}: {v.message}" for v in verdict.violations[:20]],
        "unmet_officer_months": sum(s.missing for s in verdict.unmet),
        "deployments": len(plan.deployments),
        "enrolments": len(plan.enrolments),
        "validated_cost_by_rule": verdict.cost_by_rule,
    }


# ---------------------------------------------------------------------------------------------
# HiGHS child: the same model as a MIP


def translate(proto: Any) -> Any:
    """The MIP of a CpModelProto: :func:`rotation.solve.mip.translate`, the engine's own."""
    from rotation.solve.mip import translate as engine_translate

    return engine_translate(proto)


_BB_ROW = re.compile(
    r"^\s*[A-Za-z]?\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+(\S+)\s+(\S+)\s+\S+.*?\s([\d.]+)s\s*$"
)


def first_feasible(log: str) -> float | None:
    """Time of the first B&B row with a finite best solution in a HiGHS MIP log."""
    for line in log.splitlines():
        m = _BB_ROW.match(line)
        if m and m.group(2) not in ("inf", "-inf", "+inf"):
            return float(m.group(3))
    return None


def time_to_best(log: str, objective: float | None) -> float | None:
    """Time of the first B&B row of a HiGHS MIP log whose best solution is ``objective``."""
    if objective is None:
        return None
    for line in log.splitlines():
        m = _BB_ROW.match(line)
        if m and m.group(2) not in ("inf", "-inf", "+inf"):
            try:
                if abs(float(m.group(2)) - objective) < 0.5:
                    return float(m.group(3))
            except ValueError:
                continue
    return None


def child_mip(args: argparse.Namespace) -> dict[str, Any]:
    from ortools.math_opt.python import mathopt

    from rotation.plan import Deployment, Enrolment, Plan
    from rotation.solve.model import build
    from rotation.validate import validate

    phases = _Phases(args.phases)
    began = time.perf_counter()
    inst = generate(args.size, args.seed)
    generated = time.perf_counter() - began
    phases("generated")
    model = build(inst)
    phases("built")
    began = time.perf_counter()
    mip = mathopt.Model.from_model_proto(translate(model.cp.proto))
    translated = time.perf_counter() - began
    phases("translated")
    starts = [(key, var.index) for key, var in model.variables.items()]
    enrolments = [(key, var.index) for key, var in model.variables.enrolments()]
    cp_vars, cp_cons = len(model.cp.proto.variables), len(model.cp.proto.constraints)
    build_time = model.build_time
    del model
    lines: list[str] = []
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=args.time_limit),
                                     relative_gap_tolerance=0.0, absolute_gap_tolerance=0.0)
    name = "HiGHS"
    began = time.perf_counter()
    try:
        result = mathopt.solve(mip, mathopt.SolverType.HIGHS, params=params,
                               msg_cb=lines.extend)
    except (RuntimeError, ValueError) as err:  # a build without HiGHS: SCIP, and say so
        lines.append(f"HiGHS unavailable: {err}")
        name = "SCIP"
        began = time.perf_counter()
        result = mathopt.solve(mip, mathopt.SolverType.GSCIP, params=params,
                               msg_cb=lines.extend)
    wall = time.perf_counter() - began
    phases("solved")
    text = "\n".join(lines)
    args.phases.with_suffix(".solver.log").write_text(text, encoding="utf-8")
    reason = result.termination.reason
    has_plan = result.has_primal_feasible_solution()
    if reason == mathopt.TerminationReason.OPTIMAL:
        status = "optimal"
    elif has_plan:
        status = "feasible"
    elif reason == mathopt.TerminationReason.INFEASIBLE:
        status = "infeasible"
    elif reason == mathopt.TerminationReason.NO_SOLUTION_FOUND:
        status = "no-plan-within-limit"
    else:
        status = f"{reason.name.lower()}"
    objective = bound = None
    plan = None
    if has_plan:
        objective = round(result.objective_value())
        dual = result.termination.objective_bounds.dual_bound
        bound = math.ceil(dual - 1e-6) if math.isfinite(dual) else None
        values = {v.id: x for v, x in result.variable_values().items()}
        deployments = []
        for (officer, posting, start), index in starts:
            if values.get(index, 0.0) > 0.5:
                first_day, last_day = inst.rules.deployment_span(start)
                deployments.append(Deployment(officer, posting, first_day, last_day))
        taken = []
        for (officer, session_id), index in enrolments:
            if values.get(index, 0.0) > 0.5:
                q = inst.session_by_id[session_id]
                taken.append(Enrolment(officer, q.course, q.id, q.start, q.end))
        plan = Plan(tuple(deployments), tuple(taken))
    verdict = validate(inst, plan) if plan is not None else None
    out: dict[str, Any] = {
        "solver_name": name,
        "generate_s": generated,
        "build_s": build_time + translated,
        "cp_build_s": build_time,
        "translate_s": translated,
        "solve_s": wall,
        "first_plan_s": first_feasible(text),
        "best_s": time_to_best(text, objective),
        "status": status,
        "termination": str(result.termination.reason.name),
        "objective": objective,
        "bound": bound,
        "gap": _gap(objective, bound),
        "variables": len(list(mip.variables())),
        "constraints": len(list(mip.linear_constraints())),
        "cp_variables": cp_vars,
        "cp_constraints": cp_cons,
        "log_tail": lines[-25:],
    }
    out.update(_verdict(verdict, objective, plan, name))
    out["gap"] = _gap(out["objective"], out["bound"])
    return out


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="run.py _child")
    parser.add_argument("solver", choices=SOLVERS)
    parser.add_argument("size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--breakdown", action="store_true")
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--phases", type=Path, required=True)
    args = parser.parse_args(argv)
    out = child_cpsat(args) if args.solver == "cpsat" else child_mip(args)
    out.update(_usage())
    args.result.write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------------------------
# Parent: run children, watch them, print the table


def run_child(cmd: list[str], timeout: float, max_rss_mb: float, log: Path
              ) -> tuple[str | None, dict[str, float]]:
    """Run ``cmd``; kill it (by its own pid) past ``timeout`` s or ``max_rss_mb``.

    Returns why it was stopped (None if it ended by itself) and its resource usage. Its memory
    is looked at every quarter second, but its wall time ends when it does: the watch wakes on
    its exit (a pidfd, on Linux), else the S case's 1.5 s showed as 1.75 s.
    """
    began = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=HERE)
    try:
        exited: int | None = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux: sleep between looks
        exited = None
    killed: str | None = None
    seen_peak = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now, peak = _rss_mb(proc.pid)
        seen_peak = max(seen_peak, peak, now)
        elapsed = time.perf_counter() - began
        if killed is None and elapsed > timeout:
            killed = f"killed after {timeout:.0f} s timeout"
            proc.kill()
        elif killed is None and now > max_rss_mb:
            killed = f"killed at {now / 1024:.1f} GB RSS"
            proc.kill()
        if exited is None:
            time.sleep(0.25)
        else:
            select.select([exited], [], [], 0.25)
    if exited is not None:
        os.close(exited)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return killed, {
        "wall_s": time.perf_counter() - began,
        "exit": proc.returncode,
        "peak_rss_mb": round(max(usage.ru_maxrss / 1024, seen_peak), 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }


def _last_phase(path: Path) -> dict[str, Any]:
    try:
        lines = path.read_text(encoding="utf-8").strip().splitlines()
        return dict(json.loads(lines[-1])) if lines else {}
    except (OSError, ValueError):
        return {}


def _size_of(case: str) -> str:
    """The size of a case named ``SIZE`` or ``FAMILY/SIZE`` (see generate.py's families)."""
    return case.rpartition("/")[2]


def _limit(args: argparse.Namespace, case: str) -> float:
    return float(args.limits[_size_of(case)])


def run_one(solver: str, size: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    limit = _limit(args, size)
    stem = work / f"{size.replace('/', '-')}-{solver}"
    result, phases = stem.with_suffix(".json"), stem.with_suffix(".phases")
    for path in (result, phases):
        path.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "_child", solver, size,
           "--seed", str(args.seed), "--time-limit", str(limit), "--workers", str(args.workers),
           "--result", str(result), "--phases", str(phases)]
    if args.breakdown:
        cmd.append("--breakdown")
    timeout = args.timeout or (2 * limit + {"S": 120, "C": 120, "M": 600, "L": 1800}.get(
        _size_of(size), 600))
    load = os.getloadavg()[0]
    killed, usage = run_child(cmd, timeout, args.max_rss_gb * 1024, stem.with_suffix(".log"))
    record: dict[str, Any] = {"size": size, "solver": solver, "time_limit": limit,
                              "timeout": timeout, "load_before": round(load, 2),
                              "load_after": round(os.getloadavg()[0], 2)}
    if result.exists():
        record.update(json.loads(result.read_text(encoding="utf-8")))
    else:
        last = _last_phase(phases)
        why = killed or f"crashed (exit {usage['exit']})"
        record.update({"status": why, "last_phase": last, "validator": "-"})
        if last:
            record["status"] = f"{why}; last step done: {last.get('phase')} at {last.get('t')} s"
        tail = stem.with_suffix(".log").read_text(errors="replace").strip().splitlines()[-5:]
        record["log_tail"] = tail
    record["peak_rss_mb"] = max(float(record.get("peak_rss_mb", 0)), usage["peak_rss_mb"])
    record["child_cpu_s"] = usage["cpu_s"]
    record["child_wall_s"] = round(usage["wall_s"], 2)
    return record


def run_cli(size: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Time the whole `rotation solve` on the written case folder of ``size``."""
    folder = work / f"case-{size.replace('/', '-')}"
    if folder.exists():
        shutil.rmtree(folder)
    write_case(generate(size, args.seed), folder)
    exe = shutil.which("rotation")
    cmd = [exe] if exe else [sys.executable, "-m", "rotation"]
    db = args.db or f"sqlite:///{work / 'bench.db'}"
    cmd += ["solve", str(folder), "--db", db, "--time-limit", str(_limit(args, size))]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    log = work / f"cli-{size.replace('/', '-')}.log"
    killed, usage = run_child(cmd, args.timeout or 4 * _limit(args, size) + 120,
                              args.max_rss_gb * 1024, log)
    text = log.read_text(errors="replace")
    found = {key: m.group(1) for key in ("status", "objective", "wall time")
             if (m := re.search(rf"{key}\s*│\s*([^│\n]+?)\s*│", text))}
    return {"size": size, "command": " ".join(cmd), "wall_s": round(usage["wall_s"], 2),
            "exit": usage["exit"], "killed": killed, "peak_rss_mb": usage["peak_rss_mb"],
            "cpu_s": usage["cpu_s"], **found}


def _fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return "-"
    if kind == "s":
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    if kind == "%":
        return f"{value:.2%}"
    if kind == "mb":
        return f"{value / 1024:.2f} GB" if value >= 1024 else f"{value:.0f} MB"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(records: list[dict[str, Any]], cli: list[dict[str, Any]], meta: dict[str, Any]
                ) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(220, shutil.get_terminal_size().columns))
    table = Table(title="rotation benchmarks: CP-SAT (rotation.solve) vs a HiGHS MIP of the "
                  "same model")
    columns = ["size", "solver", "limit s", "gen s", "build s", "solve s", "1st plan s",
               "status", "objective", "bound", "gap", "peak RSS", "vars", "constraints",
               "validator"]
    for c in columns:
        table.add_column(c, justify="left" if c in ("size", "solver", "status", "validator")
                         else "right", overflow="fold", no_wrap=c in ("solver", "status"))
    for r in records:
        label = "CP-SAT" if r["solver"] == "cpsat" else r.get("solver_name", "HiGHS")
        if r.get("path") == "neighbourhoods":
            label += f" LNS, {r.get('neighbourhoods')} steps"
            if r.get("bound_steps") is not None:
                label += f", bound {r['bound_steps']} steps"
                if r.get("bound_rounds"):
                    label += f" + {r['bound_rounds']} LP rounds"
            if r.get("combined_objective") is not None:
                label += f", combined plan {_fmt(r['combined_objective'])}"
        if r["solver"] == "cpsat" and r.get("workers"):
            label += f" ({r['workers']}w)"
        table.add_row(
            r["size"], label, _fmt(r["time_limit"]), _fmt(r.get("generate_s"), "s"),
            _fmt(r.get("build_s"), "s"), _fmt(r.get("solve_s"), "s"),
            _fmt(r.get("first_plan_s"), "s"), str(r.get("status")), _fmt(r.get("objective")),
            _fmt(r.get("bound")), _fmt(r.get("gap"), "%"), _fmt(r.get("peak_rss_mb"), "mb"),
            _fmt(r.get("variables")), _fmt(r.get("constraints")),
            str(r.get("validator")).replace("HiGHS said", "said"),
        )
    console.print(table)
    if cli:
        t = Table(title="end to end: `rotation solve CASE --db ...` (process wall time)")
        for c in ("size", "wall s", "exit", "status", "objective", "solver wall",
                  "peak RSS"):
            t.add_column(c)
        for e in cli:
            t.add_row(e["size"], _fmt(e["wall_s"], "s"), str(e["exit"]), e.get("status", "-"),
                      e.get("objective", "-"), e.get("wall time", "-"),
                      _fmt(e["peak_rss_mb"], "mb"))
        console.print(t)
    breakdowns = [r for r in records if r.get("breakdown")]
    for r in breakdowns:
        t = Table(title=f"{r['size']}: CP-SAT model build by step")
        for c in ("step", "seconds", "variables", "constraints", "nonzeros"):
            t.add_column(c, justify="left" if c == "step" else "right")
        for s in r["breakdown"]:
            t.add_row(s["step"], _fmt(s["seconds"], "s"), _fmt(s["variables"]),
                      _fmt(s["constraints"]), _fmt(s.get("nonzeros")))
        console.print(t)
    console.print(
        f"[dim]{meta['cores']} cores, load average {meta['load'][0]:.1f} at start; "
        f"commit {meta['commit']}; ortools {meta['ortools']}; seed {meta['seed']}. gap = "
        f"|objective - bound| / max(|objective|, 1). Targets: "
        + "; ".join(f"{k}: {v}" for k, v in TARGETS.items() if k in meta["sizes"])
        + "[/dim]"
    )


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        # Paths relative to the repository root: from benchmarks/ they would match nothing.
        dirty = subprocess.run(["git", "status", "--porcelain", "--", ":/rotation",
                                ":/constraints"],
                               cwd=HERE, capture_output=True, text=True, timeout=10).stdout
        return head + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _limits(items: list[str]) -> dict[str, float]:
    limits = {name: size.time_limit for name, size in SIZES.items()}
    for item in items:
        if "=" in item:
            name, _, seconds = item.partition("=")
            limits[name.upper()] = float(seconds)
        else:
            limits = dict.fromkeys(limits, float(item))
    return limits


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        return child_main(argv[1:])
    parser = argparse.ArgumentParser(
        description="Benchmark the planner: CP-SAT next to a HiGHS MIP of the same model.")
    parser.add_argument("sizes", nargs="*", type=size_name, default=["S", "M"],
                        help="sizes to run (S M L; default S M)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", action="append", default=[], metavar="[SIZE=]SECONDS",
                        help="per-size limit, e.g. M=120, or one value for all "
                             "(defaults S=10 M=60 L=300)")
    parser.add_argument("--workers", type=int, default=0,
                        help="CP-SAT workers (default: the case's rules.toml, 1)")
    parser.add_argument("--solvers", default="cpsat,highs",
                        help="comma-separated: cpsat, highs (default both)")
    parser.add_argument("--timeout", type=float, default=0,
                        help="hard cap per subprocess, seconds (default 2 x limit + 120/600/1800)")
    parser.add_argument("--max-rss-gb", type=float, default=12.0,
                        help="kill a subprocess whose RSS grows past this (default 12)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also print the CP-SAT build per rule: time, vars, constraints, terms")
    parser.add_argument("--cli", default="", metavar="SIZES",
                        help="also time `rotation solve` end to end on these sizes, e.g. S")
    parser.add_argument("--db", default="", help="database URL for --cli (default: a temp file)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--keep", type=Path, help="keep logs and case folders here")
    args = parser.parse_args(argv)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    if any(s not in SOLVERS for s in solvers):
        parser.error(f"solvers are {', '.join(SOLVERS)}")
    args.limits = _limits(args.time_limit)
    meta = {"cores": os.cpu_count(), "load": os.getloadavg(), "commit": _commit(),
            "ortools": metadata.version("ortools"), "python": platform.python_version(),
            "seed": args.seed, "sizes": args.sizes, "limits": args.limits,
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    work = args.keep or Path(tempfile.mkdtemp(prefix="rotation-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    records = []
    for size in args.sizes:
        for solver in solvers:
            print(f"[{time.strftime('%H:%M:%S')}] {size} {solver} (limit "
                  f"{_limit(args, size):g} s) ...", file=sys.stderr, flush=True)
            records.append(run_one(solver, size, args, work))
    cli = []
    for size in [size_name(s.strip()) for s in args.cli.split(",") if s.strip()]:
        print(f"[{time.strftime('%H:%M:%S')}] rotation solve {size} ...", file=sys.stderr,
              flush=True)
        cli.append(run_cli(size, args, work))
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    meta["load_end"] = os.getloadavg()
    print_table(records, cli, meta)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "runs": records, "cli": cli}, indent=1,
                                        default=str), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
