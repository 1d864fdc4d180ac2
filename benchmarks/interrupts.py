"""Ctrl-C at random moments of ``rotation solve``: does it always end cleanly?

    python benchmarks/interrupts.py                       # 50 interrupts on the bundled example
    python benchmarks/interrupts.py -n 20 --case /tmp/bench-s    # generate.py S --out /tmp/bench-s

First one solve runs to its end to learn how long a solve takes (T, imports included). Then
each run starts ``rotation solve CASE`` in a fresh process group and sends SIGINT, as a
terminal's Ctrl-C does, to the whole group at a moment drawn uniformly from [0, T]. A run is
clean when the process exits by itself with code 0 (the best plan stored, "stopped by"
interrupted) or 1/130 (no plan yet, one line on stderr), prints no traceback and is not killed
by a signal (SIGABRT: "FATAL: exception not rethrown", a CP-SAT search still running as the
interpreter ended), and does not lose a plan it had in hand (the progress line showed one, and
nothing was stored). Each run's plan count is read from its own SQLite file.

``--tree`` runs another checkout (``git worktree add /tmp/before <commit>``) with this
interpreter, to count the same interrupts before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; sys.argv[0] = 'rotation'; from rotation.__main__ import main; main()"


def _solve(tree: Path, case: Path, db: Path, at: float | None
           ) -> tuple[int, str, float, float | None]:
    """Run a solve, interrupt it ``at`` seconds in (None: let it finish); its exit code, its
    stderr, its wall time and the moment the interrupt was sent."""
    began = time.perf_counter()
    # As the installed ``rotation`` script starts (``python -m`` would also compile
    # rotation/__main__.py first, a window no installed command has).
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "solve", str(case), "--db", f"sqlite:///{db}"],
        cwd=tree, env={**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    sent = None
    if at is not None:
        try:
            proc.wait(timeout=at)
        except subprocess.TimeoutExpired:
            sent = time.perf_counter() - began
            os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        err += "\n(did not end within 300 s of the interrupt; killed)"
    return proc.returncode, err, time.perf_counter() - began, sent


def _plans(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM plan").fetchone()[0])
    except sqlite3.Error:
        return 0


def _verdict(code: int, err: str, plans: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    if "Traceback" in err or "KeyboardInterrupt" in err:
        return "traceback"
    if "FATAL" in err or code == 134:
        return "abort"
    if code not in (0, 1, 130):
        return f"exit {code}"
    if plans == 0 and "best " in err:  # the progress line showed a plan in hand
        return "plan lost"
    return "clean"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="interrupts (default 50)")
    parser.add_argument("--case", default=str(ROOT / "examples" / "cambodia-2025"))
    parser.add_argument("--tree", default=str(ROOT), help="checkout to run (default: this one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write every run to this file")
    args = parser.parse_args()
    tree, case = Path(args.tree).resolve(), Path(args.case).resolve()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="interrupts-"))
    code, err, whole, _ = _solve(tree, case, work / "whole.db", None)
    if code != 0:
        raise SystemExit(f"the uninterrupted solve failed ({code}):\n{err}")
    print(f"an uninterrupted solve takes {whole:.2f} s; interrupting {args.n} at random "
          f"moments in [0, {whole:.2f}] s", file=sys.stderr)
    runs: list[dict[str, object]] = []
    i = 0
    while sum(1 for r in runs if r["at"] is not None) < args.n:
        # (a solve that ends before its moment is counted apart, and another run is made)
        db = work / f"run-{i}.db"
        i += 1
        code, err, wall, sent = _solve(tree, case, db, rng.uniform(0, whole))
        plans = _plans(db)
        verdict = _verdict(code, err, plans)
        last = err.strip().splitlines()[-1] if err.strip() else ""
        runs.append({"at": None if sent is None else round(sent, 3), "exit": code,
                     "verdict": verdict, "plans": plans, "wall": round(wall, 2),
                     "last_line": last[:200]})
        print(f"{i:3d}  at {'-' if sent is None else f'{sent:5.2f}'} s  exit {code:4d}  "
              f"{verdict:10s} plans {runs[-1]['plans']}  {last[:90]}", file=sys.stderr)
    interrupted = [r for r in runs if r["at"] is not None]
    counts = Counter(r["verdict"] for r in interrupted)
    summary = {
        "tree": str(tree), "case": str(case), "uninterrupted_seconds": round(whole, 2),
        "runs": len(runs), "interrupted": len(interrupted),
        "finished_before_the_interrupt": len(runs) - len(interrupted),
        "verdicts": dict(counts),
        "clean": counts["clean"],
        "plan_stored": sum(1 for r in interrupted if r["plans"]),
        "exit_codes": dict(Counter(r["exit"] for r in interrupted)),
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "runs": runs}, indent=1) +
                                   "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
