"""The sweep benchmark: 12 scenarios of the M case solved by `rotation sweep`'s engine with one
local process, with two, and on a local Dask cluster of a scheduler and two worker processes.

    python benchmarks/sweep.py                       # 12 scenarios, 10 s each (about 6 minutes)
    python benchmarks/sweep.py --time-limit 5 --json /tmp/sweep.json

The scenarios: Phnom Penh's headcount raised by 0, 2, 4 or 6 officers from 2026-05, times a
minimum rest of 4, 5 or 6 months. Each is solved with the same time limit, so the wall time of a
mode is about (scenarios / parallel solves) x limit plus the mode's overhead: starting processes
(each loads OR-Tools), sending the case and the hints, reading the plans back, validating and
storing them in the parent. On a 2-core machine the point is that the modes agree and what the
overhead costs, not a speed-up. The cluster's start (scheduler and workers) is timed apart.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, write_case

from rotation.domain import SolverSettings
from rotation.storage import Store
from rotation.sweep import read_spec, run_sweep

SPEC = """name = "m-grid"
case = "case"

[axes]
add = [0, 2, 4, 6]
rest = [4, 5, 6]

[[scenario.headcount]]
posting = "PNH"
from = "2026-05"
add = "{add}"

[scenario.rules]
min_rest_months = "{rest}"
"""


def _cluster(folder: Path) -> tuple[list[subprocess.Popen[bytes]], str, float]:
    dask = str(Path(sys.executable).with_name("dask"))
    info = folder / "scheduler.json"
    began = time.perf_counter()
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not info.exists():
        time.sleep(0.1)
    for _ in range(2):
        procs.append(subprocess.Popen(
            [dask, "worker", "--scheduler-file", str(info), "--nworkers", "1", "--nthreads", "1",
             "--host", "127.0.0.1", "--no-dashboard", "--local-directory",
             str(folder / "workers")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(0.5)
    address = json.loads(info.read_text())["address"]
    from distributed import Client  # noqa: TID251 (the benchmark starts its own cluster)

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    return procs, address, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rotation-sweep-bench-"))
    write_case(generate("M", 0), folder / "case")
    (folder / "sweep.toml").write_text(SPEC, encoding="utf-8")
    spec = read_spec(folder / "sweep.toml")
    settings = SolverSettings(time_limit=args.time_limit, workers=1, seed=0)
    rows = []
    for label, processes, on_cluster in (("1 process", 1, False), ("2 processes", 2, False),
                                         ("Dask, 2 workers", 0, True)):
        store = Store(f"sqlite:///{folder}/{label.replace(' ', '-').replace(',', '')}.db")
        procs: list[subprocess.Popen[bytes]] = []
        start = 0.0
        address = None
        if on_cluster:
            procs, address, start = _cluster(folder)
        try:
            began = time.perf_counter()
            outcomes = run_sweep(store, spec, max(processes, 1), address, settings)
            wall = time.perf_counter() - began
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
        solving = sum(o.result.wall_time for o in outcomes)
        inside = sum(o.seconds for o in outcomes)
        row = {"mode": label, "scenarios": len(outcomes), "wall_s": round(wall, 1),
               "solve_s_sum": round(solving, 1), "worker_s_sum": round(inside, 1),
               "cluster_start_s": round(start, 1) if on_cluster else None,
               "objectives": [o.result.objective for o in outcomes]}
        rows.append(row)
        print(f"{label:16} {len(outcomes)} scenarios  wall {wall:6.1f} s  solves {solving:6.1f} "
              f"s  in workers {inside:6.1f} s"
              + (f"  (cluster started in {start:.1f} s)" if on_cluster else ""), flush=True)
    print("objectives:", *(f"{r['mode']}: {r['objectives']}" for r in rows), sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
