"""The Lagrangian bound's steps alone, by step count: how fast they climb, and where plain
subgradient steps would have left it. Prints one table.

    python benchmarks/bound_steps.py                  # S and M (about a minute)
    python benchmarks/bound_steps.py S M L --steps 200,800,1500   # L: about 15 minutes

Why: the bound's steps (``rotation.solve.bound.lower_bound``, the volume algorithm) decide how much
of a case's gap the bound closes in the time, and their value after a number of steps does not
depend on the machine, so step rules can be compared here without the search, the combinations
and the rounds running beside them. Both rules start from zero multipliers and aim at the first
plan's cost, as in a solve. The plain rule is the one the bound used before: a step along the
subgradient just seen, ``theta * (upper - value) / |g|^2``, ``theta`` halved after 20 steps
without a better value, settled below 1e-4. Nothing here changes ``rotation/``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np
from generate import generate, size_name
from rich.console import Console
from rich.table import Table

from rotation.domain import Instance
from rotation.solve.bound import _inward, lower_bound
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates
from rotation.solve.relaxation import Relaxation
from rotation.validate import validate

Run = tuple[dict[int, float], float, int, float]
"""Value after each step count reached, the last value, steps taken, seconds."""


def volume(inst: Instance, candidates: Candidates, upper: int, marks: list[int]) -> Run:
    """The bound's own steps."""
    best = -math.inf
    seen: dict[int, float] = {}

    def better(value: int) -> None:
        nonlocal best
        best = value

    def stepped(done: int) -> None:
        if done in marks:
            seen[done] = best

    began = time.perf_counter()
    found = lower_bound(inst, candidates, upper, time.perf_counter() + 3600, iterations=max(marks),
                        better=better, stepped=stepped)
    return seen, best, found.iterations, time.perf_counter() - began


def plain(inst: Instance, candidates: Candidates, upper: int, marks: list[int]) -> Run:
    """The plain subgradient rule, on the same relaxation (proven values, rounded up)."""
    relax = Relaxation(inst, candidates, time.perf_counter() + 3600, None)
    began = time.perf_counter()
    lam, mu = np.zeros(relax.need.shape), np.zeros(relax.mix_need.shape)
    cap = relax.cap_unmet
    best, theta, stale, done = -math.inf, 1.0, 0, 0
    seen: dict[int, float] = {}
    while done < max(marks):
        value, g_lam, g_mu = relax.evaluate(lam, mu)
        done += 1
        if value > best + 1e-9:
            best, stale = value, 0
        else:
            stale += 1
            if stale >= 20:
                theta, stale = theta / 2, 0
        if done in marks:
            seen[done] = math.ceil(best - 1e-6)
        if theta < 1e-4 or best >= upper:
            break
        g_lam, g_mu = _inward(lam, g_lam, cap), _inward(mu, g_mu, cap)
        norm = float(np.sum(g_lam * g_lam) + np.sum(g_mu * g_mu))
        if norm == 0:
            break
        step = theta * (upper - value) / norm
        lam = np.clip(lam + step * g_lam, 0.0, cap)
        mu = np.clip(mu + step * g_mu, 0.0, cap)
    return seen, math.ceil(best - 1e-6), done, time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", default=["S", "M"], type=size_name,
                        help="S, M and/or L (default S M)")
    parser.add_argument("--steps", default="200,400,800,1500",
                        help="step counts to report (comma-separated; the last is the most run)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    marks = sorted(int(k) for k in args.steps.split(","))
    table = Table(title=f"Lagrangian bound by step count (proven values, seed {args.seed})")
    for column in ("size", "rule", "plan", *(f"{k} steps" for k in marks), "steps", "s"):
        table.add_column(column, justify="left" if column in ("size", "rule") else "right")
    for size in args.sizes:
        inst = generate(size, args.seed)
        candidates = Candidates(inst)
        upper = validate(inst, first_plan(inst, candidates)).objective
        for name, rule in (("plain", plain), ("volume", volume)):
            print(f"{size}: {name} ...", file=sys.stderr, flush=True)
            seen, last, done, seconds = rule(inst, candidates, upper, marks)
            cells = [f"{seen[k]:,.0f}" if k in seen else f"({last:,.0f})" for k in marks]
            table.add_row(size, name, f"{upper:,}", *cells, f"{done:,}", f"{seconds:.1f}")
    Console().print(table)
    print("A value in brackets: the rule had settled before that step count (its last value).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
