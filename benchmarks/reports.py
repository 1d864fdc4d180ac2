"""How big and how quick the HTML report and the workbook are, for the example and for L.

    python benchmarks/reports.py                 # the example (solved) and L (first plan)
    python benchmarks/reports.py example --lang ko
    python benchmarks/reports.py L --no-browser

The example is solved as ``rotation solve`` would (its rules.toml work limit); an L case from
``generate.py`` gets the month-by-month first plan (``rotation.solve.first_plan``), which is
staffed and takes seconds instead of a 300 s search: the report's size depends on how many
deployments there are, not on how good they are. Each plan is saved in a throwaway SQLite store
and read back, as ``rotation report`` reads it.

Columns: officers and deployments; the report's size and the time to build and write it; the
time headless Chromium takes to load it (``loadEventEnd``, layout and first paint included) and
the page's height; the workbook's size and time. The browser column needs Debian's chromium and
chromium-driver and selenium (the test extras), as the tests do; without them it says so.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402
from rotation.domain import Instance  # noqa: E402
from rotation.io import load_case  # noqa: E402
from rotation.plan import Plan, Result, SolveStatus  # noqa: E402
from rotation.storage import Store, StoredPlan  # noqa: E402
from rotation.validate import validate  # noqa: E402
from rotation.workflow import export, report, solve_and_store  # noqa: E402


def _plan(which: str, store: Store) -> StoredPlan:
    if which == "example":
        inst = load_case(ROOT / "examples" / "cambodia-2025")
        solved = solve_and_store(inst, inst.solver, store)
        assert solved.plan_id is not None
        return store.load(solved.plan_id)
    from rotation.solve.first_plan import first_plan
    from rotation.solve.model import Candidates

    inst: Instance = generate(which)
    began = time.perf_counter()
    plan: Plan = first_plan(inst, Candidates(inst))
    verdict = validate(inst, plan)
    print(f"{which}: first plan in {time.perf_counter() - began:.1f} s "
          f"(objective {verdict.objective})", file=sys.stderr)
    result = Result(SolveStatus.FEASIBLE, plan, objective=verdict.objective, bound=None,
                    wall_time=time.perf_counter() - began, stopped="first plan")
    return store.load(store.save(inst, result))


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.2f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["example", "L"],
                        help="example, S, M or L")
    parser.add_argument("--lang", default="en", choices=["en", "ko"])
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rotation-reports-") as folder:
        home = Path(folder)
        for which in args.cases:
            store = Store(f"sqlite:///{home / which}.db")
            stored = _plan(which, store)
            began = time.perf_counter()
            page = report(stored, home / f"{which}.html", args.lang)
            built = time.perf_counter() - began
            began = time.perf_counter()
            (book,) = export(stored, "xlsx", home / which, store=store, language=args.lang)
            booked = time.perf_counter() - began
            browser = "-"
            if not args.no_browser:
                from tests.browser import browser_missing, visit

                missing = browser_missing()
                if missing:
                    browser = f"({missing})"
                else:
                    began = time.perf_counter()
                    seen = visit(page, home / "shots")
                    errors = [m for m in seen.console if m["level"] == "SEVERE"]
                    browser = (f"{seen.load_ms / 1000:.2f} s load, {seen.height:,} px, "
                               f"{seen.pdf_pages} pages printed, {len(errors)} console errors"
                               f" ({time.perf_counter() - began:.1f} s with screenshot "
                               "and print)")
            inst = stored.instance
            rows.append((which, f"{len(inst.officers):,}", f"{len(stored.plan.deployments):,}",
                         _mb(page), f"{built:.2f} s", browser, _mb(book), f"{booked:.2f} s"))
    head = ("case", "officers", "deployments", "report", "report built", "Chromium",
            "workbook", "workbook built")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
