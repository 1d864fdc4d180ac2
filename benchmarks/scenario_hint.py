"""What starting a scenario's solve from its base plan is worth: the time to the same objective
with and without the hint, on the example's scenarios (the surge first).

    python benchmarks/scenario_hint.py                        # pnh-cyber-surge, 3 runs each
    python benchmarks/scenario_hint.py koh-kong-2027 four-month-rotation --runs 2

The base case is solved once; then each scenario is solved with the hint and without, in turns,
with the case's settings (its work limit makes every run stop at the same point). For each run it
records when the search first held a plan at or below the objective both ways reach (the worse
of their two final objectives), from the progress the engine reports, and the whole solve's time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rotation.io import read_case
from rotation.plan import Progress
from rotation.scenario_jobs import create, resolve, solve_scenario
from rotation.storage import Store
from rotation.workflow import solve_and_store

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"


def _run(store: Store, name: str, hint: bool) -> tuple[list[tuple[float, int]], int, float]:
    seen: list[tuple[float, int]] = []
    began = time.perf_counter()

    def progress(p: Progress) -> None:
        seen.append((time.perf_counter() - began, p.objective))

    solved = solve_scenario(store, name, None, progress, use_hint=hint)
    objective = solved.result.objective
    assert objective is not None
    return seen, objective, time.perf_counter() - began


def _reached(seen: list[tuple[float, int]], target: int, total: float) -> float:
    return next((at for at, objective in seen if objective <= target), total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=["pnh-cyber-surge"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rotation-hint-"))
    store = Store(f"sqlite:///{folder}/hint.db")
    inst = read_case(EXAMPLE).instance
    solve_and_store(inst, inst.solver, store)
    for name in args.scenarios:
        create(store, EXAMPLE / "scenarios" / f"{name}.toml", EXAMPLE, None, "benchmark")
        resolve(store, name)
        runs: dict[bool, list[tuple[list[tuple[float, int]], int, float]]] = {True: [],
                                                                                False: []}
        for _ in range(args.runs):
            for hint in (True, False):
                runs[hint].append(_run(store, name, hint))
        target = max(objective for both in runs.values() for _, objective, _ in both)
        for hint in (True, False):
            reach = [_reached(seen, target, total) for seen, _, total in runs[hint]]
            totals = [total for _, _, total in runs[hint]]
            finals = sorted({objective for _, objective, _ in runs[hint]})
            print(f"{name:22} {'hint   ' if hint else 'no hint'}  objective {finals}  "
                  f"first at <= {target}: median {statistics.median(reach):5.2f} s "
                  f"({', '.join(f'{r:.2f}' for r in reach)})  whole solve median "
                  f"{statistics.median(totals):5.2f} s", flush=True)


if __name__ == "__main__":
    main()
