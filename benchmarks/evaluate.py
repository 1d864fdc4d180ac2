"""One evaluation of the Lagrangian bound's relaxation, timed alone. Prints one table.

    python benchmarks/evaluate.py                 # S and M (about 10 s)
    python benchmarks/evaluate.py S M L -n 20     # L: about a minute, most of it the set-up

Why: the bound takes one evaluation (``Relaxation.evaluate``, rotation/solve/relaxation.py) per
step, and at 5,000 officers how many steps fit in the time limit decides how far the bound
gets; inside a
solve the search and the combinations share the machine with it, so its own speed is measured
here, apart from them. The multipliers are drawn at random from a few scales (seeded), whole
and fractional, since ties and the mix minima change which passes do work. Nothing here changes
``rotation/``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from generate import generate, size_name
from rich.console import Console
from rich.table import Table

from rotation.solve.model import Candidates
from rotation.solve.relaxation import Relaxation

SCALES = (0.5, 5.0, 20.0, 200.0, 1000.0)


def measure(size: str, evaluations: int, seed: int) -> dict[str, float]:
    """Set-up and evaluation times (seconds) of the ``size`` case's relaxation."""
    inst = generate(size, seed)
    candidates = Candidates(inst)
    began = time.perf_counter()
    relax = Relaxation(inst, candidates, time.perf_counter() + 3600)
    setup = time.perf_counter() - began
    rng = np.random.default_rng(seed)
    times = []
    for k in range(evaluations + 1):
        scale = SCALES[k % len(SCALES)]
        lam = np.minimum(rng.random(relax.need.shape) * scale, relax.cap_unmet)
        mu = rng.random(relax.mix_need.shape) * scale / 4
        if k % 2:
            lam, mu = np.round(lam), np.round(mu)
        began = time.perf_counter()
        relax.evaluate(lam, mu)
        if k:  # the first one also warms the caches up
            times.append(time.perf_counter() - began)
    return {"officers": len(inst.officers), "starts": int(np.count_nonzero(relax.eligible)),
            "setup": setup, "mean": statistics.fmean(times), "least": min(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["S", "M"], type=size_name,
                        help="S, M and/or L (default S M)")
    parser.add_argument("-n", "--evaluations", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.evaluations < 1:
        parser.error("--evaluations must be at least 1")
    table = Table(title="The bound's relaxation: one evaluation, alone")
    for column in ("size", "officers", "open starts", "set-up s", "evaluation ms (mean)",
                   "least ms"):
        table.add_column(column, justify="left" if column == "size" else "right")
    for size in args.sizes:
        got = measure(size, args.evaluations, args.seed)
        table.add_row(size, f"{got['officers']:,}", f"{got['starts']:,}", f"{got['setup']:.2f}",
                      f"{1000 * got['mean']:.1f}", f"{1000 * got['least']:.1f}")
    Console().print(table)
    print(f"{args.evaluations} evaluations per size after one to warm up; seed {args.seed}; "
          f"Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
