"""Comparison of plans: figures recomputed from the plans, every output format, and the HTML page
in headless Chromium."""

from __future__ import annotations

import csv
import json
import os
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from rotation.compare import compare, load_sides
from rotation.compare_html import write_html
from rotation.domain import SolverSettings
from rotation.errors import InputError
from rotation.report import staffing
from rotation.scenario_jobs import create, solve_scenario
from rotation.storage import Store
from rotation.validate import validate
from rotation.workflow import solve_and_store
from tests.browser import visit
from tests.builders import sqlite_contents
from tests.test_cli import run, sqlite

SCENARIO = """name = "busier"
[[headcount]]
posting = "PNH"
from = "2026-04"
min = 2
max = 2
[[open]]
id = "KKG"
name = "Koh Kong"
hardship = 3
from = "2026-07"
min = 1
max = 1
"""


@dataclass(frozen=True)
class Stored:
    db_file: Path
    db: str
    home: Path


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory, case_writer) -> Stored:  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("compare")
    case = case_writer(home / "case")
    db_file = home / "r.db"
    store = Store(sqlite(db_file))
    from rotation.io import read_case

    inst = read_case(case).instance
    assert solve_and_store(inst, SolverSettings(time_limit=20), store).plan_id == 1
    (home / "busier.toml").write_text(SCENARIO, encoding="utf-8")
    create(store, home / "busier.toml", case, None, "test")
    assert solve_scenario(store, "busier", SolverSettings(time_limit=20)).plan_id == 2
    return Stored(db_file, sqlite(db_file), home)


def test_figures_are_the_plans_own(stored: Stored) -> None:
    store = Store(stored.db)
    comparison = compare(load_sides(store, ["1", "busier"]))
    assert [s.plan_id for s in comparison.sides] == [1, 2]
    assert [s.scenario for s in comparison.sides] == [None, "busier"]
    assert [p for p, _ in comparison.postings] == ["PNH", "SHV", "KKG"]
    for k, side in enumerate(comparison.sides):
        inst, plan = side.stored.instance, side.stored.plan
        for s in staffing(inst, plan):
            cell = comparison.cells[s.posting, s.month][k]
            assert cell is not None
            assert (cell.minimum, cell.maximum, cell.assigned) == (s.minimum, s.maximum,
                                                                   s.assigned)
        verdict = validate(inst, plan)
        totals = comparison.totals[k]
        assert totals.unmet_officer_months == sum(g.missing for g in verdict.unmet)
        assert totals.objective == verdict.objective
        assert totals.training_seats == len(plan.enrolments)
        assert totals.deployments == len(plan.deployments)
        assert totals.officers_deployed == len({d.officer for d in plan.deployments})
        assert totals.hardship_min <= totals.hardship_max
    # The base plan has no Koh Kong: its cells there are None, never zeros.
    assert all(comparison.cells["KKG", m][0] is None for m in comparison.months)
    # Exactly the officers whose deployments differ are listed, each with what changed.
    plans = [s.stored.plan for s in comparison.sides]
    differ = {o for o in {d.officer for p in plans for d in p.deployments}
              if set(plans[0].for_officer(o)) != set(plans[1].for_officer(o))}
    assert {o.officer for o in comparison.officers} == differ
    for o in comparison.officers:
        assert o.changes[0] != "same"
        assert all(part[0] in "+-" for part in o.changes[0].split("; "))


def test_compare_command_reads_only_and_writes_every_format(stored: Stored) -> None:
    before = sqlite_contents(stored.db_file)
    proc = run("compare", "1", "busier", "--db", stored.db, cwd=stored.home)
    assert proc.returncode == 0, proc.stderr
    assert "plan 2 (busier)" in proc.stdout and "Koh Kong (KKG)" in proc.stdout
    assert "unmet officer months" in proc.stdout and "Officers whose deployments differ" \
        in proc.stdout
    out = stored.home / "out"
    proc = run("compare", "1", "2", "--json", out / "c.json", "--csv", out / "csv", "--db",
               stored.db, cwd=stored.home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "c.json").read_text())
    assert [p["plan"] for p in data["plans"]] == [1, 2]
    assert data["plans"][1]["scenario"] == "busier"
    with (out / "csv" / "staffing.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {"posting", "month", "plan 1 assigned", "plan 2 (busier) unmet"} <= set(rows[0])
    assert (out / "csv" / "totals.csv").is_file() and (out / "csv" / "officers.csv").is_file()
    assert sqlite_contents(stored.db_file) == before

    for args, says in ((["1"], "at least two"), (["1", "nope"], "no scenario named 'nope'"),
                       (["1", "99"], "plan 99 does not exist"),
                       (["1", "2", "--posting", "XXX"], "unknown posting 'XXX'")):
        bad = run("compare", *args, "--db", stored.db, cwd=stored.home)
        assert bad.returncode == 2 and says in bad.stderr, bad.stderr


PROBE = """return Array.from(document.querySelectorAll('#charts svg g.mark-symbol path'))
  .map(e => e.getAttribute('aria-label')).filter(l => l && l.startsWith('month: '));
"""


def test_the_page_renders_every_plan_offline_in_chromium(stored: Stored) -> None:
    page = stored.home / "compare.html"
    proc = run("compare", "1", "busier", "--html", page, "--db", stored.db, cwd=stored.home)
    assert proc.returncode == 0, proc.stderr
    text = page.read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in text.replace('"$schema": "https://vega.github.io', "")
    seen = visit(page, stored.home / "screenshots", probe=PROBE)
    assert [m for m in seen.console if m["level"] in ("SEVERE", "WARNING")] == []
    fetched = {url for url in seen.requests if not url.startswith(("data:", "chrome:"))}
    assert fetched == {page.resolve().as_uri()}
    # Every plan's assigned officers, posting by posting and month by month, are drawn.
    comparison = compare(load_sides(Store(stored.db), ["1", "busier"]))
    expected = Counter(
        (month, cell.assigned, side.label)
        for (_, month), cells in comparison.cells.items()
        for side, cell in zip(comparison.sides, cells, strict=True) if cell is not None)
    drawn = Counter()
    for label in seen.probed:
        fields = dict(part.split(": ", 1) for part in label.split("; "))
        assert fields["series"] == "assigned"
        drawn[fields["month"], int(fields["officers"]), fields["plan"]] += 1
    assert drawn == expected
    assert {plan for _, _, plan in drawn} == {"plan 1", "plan 2 (busier)"}


def test_the_page_is_for_its_owner_only_and_written_whole_or_not_at_all(
        stored: Stored, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page names officers and where they serve: 0600 like the exports, in a new folder
    0700, whatever the umask; a failed write leaves neither the page nor a temporary file."""
    comparison = compare(load_sides(Store(stored.db), ["1", "busier"]))
    lax = os.umask(0o022)
    try:
        page = write_html(comparison, tmp_path / "new" / "compare.html")
    finally:
        os.umask(lax)
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert stat.S_IMODE(page.parent.stat().st_mode) == 0o700

    def refuse(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(InputError) as raised:
        write_html(comparison, tmp_path / "full" / "compare.html")
    assert raised.value.problems[0].field == "--html"
    assert list((tmp_path / "full").iterdir()) == []
