"""The ``rotation`` command, run as a user runs it: the installed console script in a subprocess.

Every run gets its own working directory and an explicit ``--db`` (or, for ``check``, which
takes none, ``ROTATION_DATABASE_URL``), so nothing lands in the checkout. ``COLUMNS`` is set wide
so that rich tables and messages are not wrapped and can be read back line by line.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
from rich.errors import MarkupError
from rich.text import Text

from rotation.report import staffing
from rotation.storage import ENV_VAR, Store, StoredPlan
from tests.conftest import OFFICER_NAMES, CaseMaker, add_lines, replace_line


def _entry_point() -> str:
    """The ``rotation`` script installed next to this interpreter (pyenv shims are skipped)."""
    beside = Path(sys.executable).with_name("rotation")
    if beside.is_file():
        return str(beside)
    found = shutil.which("rotation")
    assert found, "the rotation console script is not installed; pip install -e ."
    return found


ROTATION = _entry_point()


def run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, columns: int | None = 250
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "COLUMNS")}
    if columns is not None:
        full_env["COLUMNS"] = str(columns)
    full_env.update(env or {})
    return subprocess.run(
        [ROTATION, *map(str, args)], cwd=cwd, env=full_env, capture_output=True, text=True,
        timeout=120, check=False,
    )


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Solved:
    """The tiny case solved once by the CLI and stored in its own SQLite file."""

    case: Path
    db: str
    stored: StoredPlan
    proc: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def solved(
    tmp_path_factory: pytest.TempPathFactory, case_writer: Callable[[Path], Path]
) -> Solved:
    home = tmp_path_factory.mktemp("solved")
    case = case_writer(home / "case")
    db = sqlite(home / "r.db")
    proc = run("solve", case, "--db", db, cwd=home)
    assert proc.returncode == 0, proc.stderr
    return Solved(case, db, Store(db).load(1), proc)


# ---------------------------------------------------------------------------------------------
# check


def test_check_valid_case(tiny_case: Path, tmp_path: Path) -> None:
    proc = run("check", tiny_case, cwd=tmp_path, env={ENV_VAR: sqlite(tmp_path / "r.db")})
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout
    assert "5 officers, 2 postings, 3 demand rows" in proc.stdout
    assert "2026-01 to 2026-12" in proc.stdout
    assert not (tmp_path / "r.db").exists() and not (tmp_path / "rotation.db").exists()


def _bad_case(make_case: CaseMaker) -> Path:
    return make_case({
        "officers.csv": add_lines("K-0006,Han Ji-min,captain,,,"),
        "demand.csv": replace_line("SHV,2026-01,2026-12,1,1", "SHV,2026-01,2026-12,1,x"),
        "history.csv": add_lines("K-0004,XYZ,2025-01-01,2025-03-31"),
    })


BAD_CASE_LINES = (
    "officers.csv, row 7, field 'rank': 'captain' is not a rank",
    "demand.csv, row 4, field 'max': 'x' is not a whole number",
    "history.csv, row 4, field 'posting': unknown posting 'XYZ'",
)


def test_check_bad_case_exits_2_with_every_problem_and_writes_nothing(
    make_case: CaseMaker, tmp_path: Path
) -> None:
    case = _bad_case(make_case)
    work = tmp_path / "work"
    work.mkdir()
    proc = run("check", case, cwd=work, env={ENV_VAR: sqlite(work / "r.db")})
    assert proc.returncode == 2
    no_traceback(proc)
    assert "3 problems in the input" in proc.stderr
    for line in BAD_CASE_LINES:
        assert line in proc.stderr
    assert proc.stdout == ""
    assert list(work.iterdir()) == []


def test_solve_bad_case_exits_2_and_creates_no_database(
    make_case: CaseMaker, tmp_path: Path
) -> None:
    case = _bad_case(make_case)
    proc = run("solve", case, "--db", sqlite(tmp_path / "r.db"), cwd=tmp_path)
    assert proc.returncode == 2
    no_traceback(proc)
    for line in BAD_CASE_LINES:
        assert line in proc.stderr
    assert not (tmp_path / "r.db").exists()
    assert not (tmp_path / "rotation.db").exists()


def test_problems_are_one_per_line_when_stderr_is_redirected(
    make_case: CaseMaker, tmp_path: Path
) -> None:
    proc = run("check", _bad_case(make_case), cwd=tmp_path, columns=None)
    assert proc.returncode == 2
    for line in BAD_CASE_LINES:
        assert line in proc.stderr


# ---------------------------------------------------------------------------------------------
# solve, plans, show


def test_solve_stores_one_plan(solved: Solved) -> None:
    proc = solved.proc  # `rotation solve CASE --db URL`, run once for this module
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    assert "optimal" in proc.stdout
    assert "stored as plan" in proc.stdout
    assert "5 officers, 2 postings, 12 months" in proc.stderr
    store = Store(solved.db)
    rows = store.plans()
    assert [r.id for r in rows] == [1]
    stored = store.load(1)
    assert stored.case_name == "Tiny test case"
    assert stored.plan.deployments
    assert store.count_deployments(1) == len(stored.plan.deployments)
    assert re.search(rf"deployments\s+│\s+{len(stored.plan.deployments)}\s", proc.stdout)
    # the solver options came from rules.toml
    assert stored.parameters == {"time_limit": 10.0, "seed": 0, "workers": 2}


def test_solve_options_override_rules(tiny_case: Path, tmp_path: Path) -> None:
    db = sqlite(tmp_path / "r.db")
    proc = run("solve", tiny_case, "--db", db, "--time-limit", "5", "--seed", "3",
               "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert Store(db).load().parameters == {"time_limit": 5.0, "seed": 3, "workers": 1}


def test_plans_lists_the_stored_plan(solved: Solved, tmp_path: Path) -> None:
    proc = run("plans", "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if "Tiny test case" in line]
    assert len(rows) == 1
    cells = [c.strip() for c in rows[0].split("│")]
    assert cells[1] == "1"
    assert "optimal" in cells
    assert solved.stored.input_hash[:12] in cells
    assert str(solved.stored.objective) in cells


def _show_tables(stdout: str) -> dict[str, dict[str, list[str]]]:
    """posting id -> month -> the officer cells of that month, read from ``show``'s tables."""
    tables: dict[str, dict[str, list[str]]] = {}
    current: str | None = None
    for line in stdout.splitlines():
        stripped = line.strip()
        if stripped.endswith(")") and "(" in stripped and "│" not in stripped:
            current = stripped.rsplit("(", 1)[1].rstrip(")")
            tables[current] = {}
        elif stripped == "Unmet demand":
            current = None
        elif current is not None and line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            month, who = cells[0], cells[4]
            tables[current][month] = [w.strip() for w in who.split(",") if w.strip()]
    return tables


def test_show_prints_each_posting_and_month_with_assigned_names(
    solved: Solved, tmp_path: Path
) -> None:
    proc = run("show", "1", "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Plan 1: Tiny test case" in proc.stdout
    tables = _show_tables(proc.stdout)
    assert set(tables) == {"PNH", "SHV"}
    expected: dict[str, dict[str, list[str]]] = {"PNH": {}, "SHV": {}}
    for cell in staffing(solved.stored.instance, solved.stored.plan):
        expected[cell.posting][cell.month] = [f"{o} {OFFICER_NAMES[o]}" for o in cell.officers]
    assert tables == expected
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    assert list(tables["PNH"]) == months
    # every deployed officer appears by name
    for officer in solved.stored.plan.officers:
        assert OFFICER_NAMES[officer] in proc.stdout


def test_show_one_posting(solved: Solved, tmp_path: Path) -> None:
    proc = run("show", "--posting", "SHV", "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert set(_show_tables(proc.stdout)) == {"SHV"}


def test_show_unknown_plan_exits_2(solved: Solved, tmp_path: Path) -> None:
    proc = run("show", "999", "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 2
    no_traceback(proc)
    assert "plan 999 does not exist" in proc.stderr


def test_show_on_an_empty_database_exits_2(tmp_path: Path) -> None:
    assert run("db", "init", "--db", sqlite(tmp_path / "r.db"), cwd=tmp_path).returncode == 0
    proc = run("show", "--db", sqlite(tmp_path / "r.db"), cwd=tmp_path)
    assert proc.returncode == 2
    no_traceback(proc)
    assert "no plans stored" in proc.stderr


def test_show_on_a_missing_database_exits_3_and_creates_nothing(tmp_path: Path) -> None:
    proc = run("show", "--db", sqlite(tmp_path / "typo" / "r.db"), cwd=tmp_path)
    assert proc.returncode == 3
    no_traceback(proc)
    assert "there is no database at" in proc.stderr
    assert not (tmp_path / "typo").exists()


# ---------------------------------------------------------------------------------------------
# export


def test_export_csv(solved: Solved, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run("export", "1", "--format", "csv", "--out", out, "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(out) == [
        out / "deployments.csv", out / "enrolments.csv", out / "staffing.csv"
    ]
    plan = solved.stored.plan
    with (out / "enrolments.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None and "session" in reader.fieldnames
        assert list(reader) == []  # the tiny case has no training sessions

    with (out / "deployments.csv").open(newline="", encoding="utf-8") as handle:
        deployments = list(csv.DictReader(handle))
    assert [(r["officer"], r["posting"], r["start"], r["end"]) for r in deployments] == [
        (d.officer, d.posting, d.start.isoformat(), d.end.isoformat()) for d in plan.deployments
    ]
    for r in deployments:
        assert r["name"] == OFFICER_NAMES[r["officer"]]
        assert r["posting_name"] in ("Phnom Penh", "Sihanoukville")
        assert r["timezone"] == "Asia/Phnom_Penh"

    with (out / "staffing.csv").open(newline="", encoding="utf-8") as handle:
        cells = list(csv.DictReader(handle))
    assert len(cells) == 2 * 12
    expected = staffing(solved.stored.instance, plan)
    assert [(c["posting"], c["month"], int(c["min"]), int(c["max"]), int(c["assigned"]),
             int(c["unmet"]), c["officers"]) for c in cells] == [
        (s.posting, s.month, s.minimum, s.maximum, s.assigned, s.unmet, ";".join(s.officers))
        for s in expected
    ]


def test_export_json_of_the_newest_plan(solved: Solved, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run("export", "--format", "json", "--out", out, "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(out) == [out / "plan.json"]
    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    stored = solved.stored
    assert data["plan"] == 1
    assert data["case"] == "Tiny test case"
    assert data["status"] == stored.status.value
    assert data["objective"] == stored.objective
    assert data["bound"] == stored.bound
    assert data["input_hash"] == stored.input_hash
    assert data["cost_by_rule"] == stored.cost_by_rule
    assert data["unmet"] == stored.unmet
    assert [(d["officer"], d["posting"], d["start"], d["end"]) for d in data["deployments"]] == [
        (d.officer, d.posting, d.start.isoformat(), d.end.isoformat())
        for d in stored.plan.deployments
    ]


def _calendars(folder: Path) -> dict[str, list[icalendar.Event]]:
    """Officer calendars (the posting calendars are in a subfolder) by officer id."""
    out = {}
    for path in sorted(folder.glob("*.ics")):
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        out[path.stem] = list(cal.walk("VEVENT"))
    return out


def test_export_ics_one_deployment_event_per_deployment(solved: Solved, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run("export", "1", "--format", "ics", "--out", out, "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    plan = solved.stored.plan
    # K-0005's recorded deployment runs into the horizon, so they have a calendar too
    officers = sorted({*plan.officers, "K-0005"})
    assert files_under(out) == sorted(
        [out / "calendars" / f"{o}.ics" for o in officers]
        + [out / "calendars" / "postings" / f"{p}.ics" for p in ("PNH", "SHV")]
    )

    calendars = _calendars(out / "calendars")
    uids = []
    for officer, events in calendars.items():
        got = []
        for event in events:
            uids.append(str(event["UID"]))
            if not str(event["SUMMARY"]).endswith(": deployment"):
                continue
            start, end = event["DTSTART"].dt, event["DTEND"].dt
            assert type(start) is date and type(end) is date  # all-day, not date-time
            got.append((start, end - timedelta(days=1)))
        planned = [(d.start, d.end) for d in plan.for_officer(officer)]
        assert set(planned) <= set(got)
        assert len(got) - len(planned) == (1 if officer == "K-0005" else 0)
    assert len(set(uids)) == len(uids)
    # on the wire: VALUE=DATE, and the exclusive end is the first day of the next month
    d = plan.deployments[0]
    text = (out / "calendars" / f"{d.officer}.ics").read_text(encoding="utf-8")
    assert f"DTSTART;VALUE=DATE:{d.start:%Y%m%d}" in text
    assert f"DTEND;VALUE=DATE:{d.end + timedelta(days=1):%Y%m%d}" in text
    assert (d.end + timedelta(days=1)).day == 1
    # no name or service number leaks into the UIDs
    assert not any(o in uid or n in uid for uid in uids for o, n in OFFICER_NAMES.items())

    again = tmp_path / "again"
    proc = run("export", "1", "--format", "ics", "--out", again, "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    second = _calendars(again / "calendars")
    assert {o: sorted((str(e["UID"]), e["SEQUENCE"]) for e in events)
            for o, events in second.items()} == {
        o: sorted((str(e["UID"]), e["SEQUENCE"]) for e in events)
        for o, events in calendars.items()
    }


def test_export_unknown_format_exits_2_and_writes_nothing(solved: Solved, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run("export", "1", "--format", "bogus", "--out", out, "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 2
    no_traceback(proc)
    assert "'bogus' is not a format" in proc.stderr
    assert not out.exists()


def test_export_unknown_officer_exits_2_and_writes_nothing(
    solved: Solved, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = run("export", "--officer", "K-9999", "--out", out, "--db", solved.db, cwd=tmp_path)
    assert proc.returncode == 2
    no_traceback(proc)
    assert "K-9999" in proc.stderr
    assert not out.exists()


def test_export_into_a_regular_file_exits_2(solved: Solved, tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("keep me\n", encoding="utf-8")
    proc = run("export", "1", "--format", "csv", "--out", target, "--db", solved.db,
               cwd=tmp_path)
    assert proc.returncode == 2
    no_traceback(proc)
    assert "cannot write" in proc.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


# ---------------------------------------------------------------------------------------------
# no plan, no database


def test_infeasible_case_exits_1_and_stores_nothing(make_case: CaseMaker, tmp_path: Path) -> None:
    # Sihanoukville is closed in 2026-01, but K-0005's deployment there runs to 2026-01-31:
    # a fact no plan can change (too few supervisors, by contrast, is a reported shortfall).
    case = make_case({"demand.csv": replace_line(
        "SHV,2026-01,2026-12,1,1", "SHV,2026-02,2026-12,1,1")})
    db = sqlite(tmp_path / "r.db")
    proc = run("solve", case, "--db", db, cwd=tmp_path)
    assert proc.returncode == 1
    no_traceback(proc)
    assert "infeasible" in proc.stdout
    assert "no plan" in proc.stderr
    # Why, in the rules' words, with the fact behind it.
    assert "Why there is no plan" in proc.stdout
    assert "Sihanoukville has 1 officers in 2026-01; it is closed" in proc.stdout
    assert "K-0005" in proc.stdout
    assert Store(db).plans() == []


def test_unreachable_database_exits_3_without_traceback(tiny_case: Path, tmp_path: Path) -> None:
    url = "postgresql://nobody:s3cret@127.0.0.1:1/x"
    proc = run("solve", tiny_case, "--db", url, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    no_traceback(proc)
    assert "cannot open the database postgresql://nobody@127.0.0.1:1/x" in proc.stderr
    assert "s3cret" not in proc.stderr + proc.stdout  # the password is never shown
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]  # no rotation.db, no out/


def test_unreachable_plain_postgresql_url_exits_3_without_traceback(tmp_path: Path) -> None:
    proc = run("plans", cwd=tmp_path, env={ENV_VAR: "postgresql://nobody@127.0.0.1:1/x"})
    no_traceback(proc)
    assert proc.returncode == 3
    assert "cannot open the database postgresql://nobody@127.0.0.1:1/x" in proc.stderr


@pytest.mark.postgres
def test_solve_show_and_export_on_postgres(
    postgres_url: str, tiny_case: Path, tmp_path: Path
) -> None:
    proc = run("solve", tiny_case, "--db", postgres_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = run("show", "--db", postgres_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert set(_show_tables(proc.stdout)) == {"PNH", "SHV"}
    proc = run("export", "--format", "json", "--out", tmp_path / "out", "--db", postgres_url,
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))["plan"] == 1


def _help_texts() -> list[tuple[int, str]]:
    """Every help text of the command line as written in rotation/cli.py, with its line: the
    ``help=`` of options and arguments (the literal parts of f-strings) and the docstrings of
    the commands."""
    tree = ast.parse((Path(__file__).parents[1] / "rotation" / "cli.py").read_text("utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "help":
            value = node.value
            parts = value.values if isinstance(value, ast.JoinedStr) else [value]
            text = "".join(p.value for p in parts
                           if isinstance(p, ast.Constant) and isinstance(p.value, str))
            found.append((value.lineno, text))
        elif isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                and d.func.attr == "command" for d in node.decorator_list):
            found.append((node.lineno, ast.get_docstring(node) or ""))
    return found


def test_help_texts_show_square_brackets_as_written() -> None:
    """Typer renders help as Rich markup, where "[output]" is a style and vanishes; a bracket
    meant to be read is written "\\[" in the source."""
    texts = _help_texts()
    assert len(texts) > 50
    swallowed = []
    for line, text in texts:
        try:
            shown = Text.from_markup(text).plain
        except MarkupError:
            shown = ""
        if shown != text.replace("\\[", "["):
            swallowed.append((line, text))
    assert swallowed == []


def test_help_says_what_feeds_follow_and_where_the_language_is_set(tmp_path: Path) -> None:
    feeds = run("feeds", "create", "--help", cwd=tmp_path)
    assert feeds.returncode == 0
    said = " ".join(feeds.stdout.split())
    assert "latest published version of the case" in said and "newest plan of" not in said
    report = run("report", "--help", cwd=tmp_path)
    assert "(default: [output] language in rules.toml)" in " ".join(report.stdout.split())
