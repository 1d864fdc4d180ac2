"""A huge file of bad rows: how long `rotation check` takes, how much memory, how much it prints.

    python benchmarks/bad_input.py                  # 20 and 200 MB of bad leave rows
    python benchmarks/bad_input.py --mb 50 --tree /tmp/before

The bundled example is copied and its unavailability.csv replaced by ``--mb`` megabytes of
rows that each have an unknown officer and two dates that are not dates (three problems a
row). ``rotation check`` runs on it in a child process; the table gives its wall time, the
child's peak resident memory (``ru_maxrss``), its exit code and how many lines and bytes it
printed. ``--tree`` runs another checkout's code with this interpreter, to compare.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; sys.argv[0] = 'rotation'; from rotation.__main__ import main; main()"


def _case(folder: Path, megabytes: int) -> int:
    """The example with ``megabytes`` of bad leave rows; the number of rows written."""
    shutil.copytree(ROOT / "examples" / "cambodia-2025", folder)
    rows = 0
    with (folder / "unavailability.csv").open("w", encoding="utf-8") as f:
        f.write("officer,from,to,reason\n")
        while f.tell() < megabytes * 1_000_000:
            f.write(f"X-{rows:07d},2026-13-{rows % 40:02d},not-a-date,leave\n")
            rows += 1
    return rows


def _check(tree: Path, case: Path) -> tuple[float, float, int, int, int]:
    """Seconds, peak memory in MB, exit code, lines and bytes printed."""
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ENTRY, "check", str(case)], cwd=tree,
                          capture_output=True, check=False)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KB on Linux
    printed = done.stdout + done.stderr
    return seconds, peak, done.returncode, printed.count(b"\n"), len(printed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout whose code runs")
    args = parser.parse_args()
    print(f"{'file MB':>8} {'rows':>10} {'seconds':>8} {'peak MB':>8} {'exit':>5} "
          f"{'lines':>7} {'printed':>10}")
    for megabytes in sorted(args.mb):
        with tempfile.TemporaryDirectory() as tmp:
            case = Path(tmp) / "case"
            rows = _case(case, megabytes)
            # ru_maxrss of children is the largest so far: sizes run smallest first.
            seconds, peak, code, lines, size = _check(args.tree, case)
        print(f"{megabytes:>8} {rows:>10,} {seconds:>8.1f} {peak:>8,.0f} {code:>5} "
              f"{lines:>7,} {size:>10,}", flush=True)


if __name__ == "__main__":
    main()
