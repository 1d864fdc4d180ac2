"""Load a case into a validated :class:`Instance`: a folder of CSV tables and ``rules.toml``,
Excel workbooks in that folder, or one workbook with a sheet per table.

The loader never stops at the first mistake: it reads every file, collects every problem with its
file (and sheet), row and field, and raises one :class:`InputError` listing them all. Nothing is
returned (and so nothing can be written) unless the whole case is valid. A table that cannot be
read at all is reported once, by ``rotation.tables``, and references to its ids are then not
reported as unknown. The format is documented in ``docs/input.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from rotation.domain import (
    KHMER,
    MAX_HANDOVER_DAYS,
    MAX_HORIZON_MONTHS,
    MAX_LEAD_DAYS,
    MAX_LEVEL,
    MAX_RETENTION_DAYS,
    MAX_SEED,
    MAX_TARGET_MONTHS,
    MAX_TIME_LIMIT,
    MAX_TRAVEL_MINUTES,
    MAX_WEIGHT,
    MAX_WORK_LIMIT,
    MAX_WORKERS,
    RANKS,
    CalendarSettings,
    CourseCompletion,
    CourseDef,
    Credential,
    Demand,
    Instance,
    InvalidObject,
    Officer,
    OutputSettings,
    PastDeployment,
    Posting,
    Rules,
    Session,
    SolverSettings,
    Source,
    Unavailability,
    Weights,
    rank_of,
)
from rotation.errors import InputError, Problem, Problems
from rotation.tables import SPECS, Cell, Found, RulesSource, Table, describe, find_tables, within

__all__ = ["Loaded", "load_case", "read_case"]

T = TypeVar("T")

# The kind of thing a reference names, and the table its ids come from.
_REFERS_TO = {"officer": "officers", "posting": "postings", "course": "courses"}


@dataclass(frozen=True)
class Loaded:
    """A valid case as read: the instance, the warnings found on the way (a row given twice
    where reading it once changes nothing...), and, per table, where it was read from and how
    many rows it gave, so that a planner can see that nothing was left behind."""

    instance: Instance
    warnings: tuple[Problem, ...] = ()
    reads: tuple[tuple[str, str], ...] = ()


class _Skip(Exception):
    """A row had a problem already recorded; leave it out and carry on reading."""


@dataclass
class _Unlevelled:
    """The rows of one table that leave a level blank under an older column name that asks for
    one (``language``, ``grants_language``): the first of them, how many, and a few of the
    credentials they name.

    A file written with the older header and credentials without levels (passports, medical
    clearances) has this on hundreds of rows, all from the one header; they are reported as
    one problem, with the rename that lets them stand (see docs/input.md)."""

    first: _Row
    column: str
    count: int = 0
    names: list[str] = field(default_factory=list)


_NAMES_SHOWN = 3


@dataclass
class _Row:
    """One row with typed accessors that record problems instead of raising.

    ``unlevelled`` is shared by the rows of one table (see :class:`_Unlevelled`)."""

    table: Table
    number: int
    cells: dict[str, Cell]
    problems: Problems
    failed: bool = False
    unlevelled: dict[str, _Unlevelled] | None = None

    def _bad(self, column: str, message: str) -> None:
        self.problems.append(self._at(column, message))
        self.failed = True

    def _at(self, column: str, message: str) -> Problem:
        """A problem at ``column`` of this row, named as the file names it."""
        t = self.table
        return Problem(message, t.file, self.number, t.written.get(column, column), t.sheet,
                       t.letter(column))

    def given(self, column: str) -> bool:
        """Whether the table has ``column`` (under its name or an older one)."""
        return column in self.table.columns

    def text(self, column: str, required: bool = True) -> str:
        cell = self.cells.get(column) or ""
        value = cell.isoformat() if isinstance(cell, date) else cell.strip()
        if required and not value:
            self._bad(column, "is empty; a value is required")
        return value

    def integer(self, column: str, default: int | None = None) -> int:
        raw = self.text(column, required=default is None)
        if not raw:
            return default if default is not None else 0
        try:
            return int(raw)
        except ValueError:
            self._bad(column, f"'{raw}' is not a whole number")
            return 0

    def level(self, column: str, required: bool = False, name: str = "") -> int:
        """A credential level, 1 to MAX_LEVEL; blank (where allowed) is 0, no level.

        ``required`` is set where the older column name for languages is used; a row without
        a level there is counted toward the table's one problem, not reported on its own."""
        raw = self.text(column, required=False)
        if not raw:
            if required:
                self._no_level(column, name)
            return 0
        value = self.integer(column)
        if not self.failed and not 1 <= value <= MAX_LEVEL:
            self._bad(column, f"{value} is out of range; use 1 to {MAX_LEVEL}")
        return value

    def _no_level(self, column: str, name: str) -> None:
        self.failed = True
        if self.unlevelled is None:
            self._bad(column, f"is empty; a language needs its level, 1 to {MAX_LEVEL}")
            return
        found = self.unlevelled.setdefault(column, _Unlevelled(self, column))
        found.count += 1
        if name and name not in found.names and len(found.names) <= _NAMES_SHOWN:
            found.names.append(name)

    def day(self, column: str, required: bool = True) -> date | None:
        cell = self.cells.get(column)
        if isinstance(cell, date):
            return cell
        raw = self.text(column, required=required)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self._bad(column, f"'{raw}' is not a date; write YYYY-MM-DD, e.g. 2026-03-01")
            return None

    def month(self, column: str) -> date | None:
        cell = self.cells.get(column)
        if isinstance(cell, date):
            if cell.day == 1:
                return cell  # a month Excel turned into its first day
            self._bad(column, f"{cell} is a day, not a month; write YYYY-MM, e.g. 2025-11, in a "
                      "cell formatted as text")
            return None
        raw = self.text(column)
        if not raw:
            return None
        return _parse_month(raw, lambda msg: self._bad(column, msg))

    def items(self, column: str) -> list[str]:
        raw = self.text(column, required=False)
        return [part.strip() for part in raw.split(";") if part.strip()]

    def source(self) -> Source:
        t = self.table
        return Source(t.file, self.number, t.sheet, t.columns if t.sheet else ())

    def build(self, factory: Callable[[], T]) -> T:
        """Construct a domain object, turning its own validation into located problems."""
        if self.failed:
            raise _Skip
        try:
            return factory()
        except InvalidObject as err:
            for column, message in err.issues:
                self.problems.append(self._at(column, message))
            raise _Skip from err


def _parse_month(raw: str, bad: Callable[[str], None]) -> date | None:
    try:
        year, month = raw.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(raw)
        return date(int(year), int(month), 1)
    except ValueError:
        bad(f"'{raw}' is not a month; write YYYY-MM, e.g. 2025-11")
        return None


@dataclass
class _Reader:
    found: Found
    problems: Problems = field(default_factory=Problems)
    broken: dict[str, set[str]] = field(default_factory=dict)

    def rows(self, name: str, unlevelled: dict[str, _Unlevelled] | None = None
             ) -> Iterator[_Row]:
        table = self.found.tables.get(name)
        if table is None:
            return
        for number, cells in table.rows:
            yield _Row(table, number, cells, self.problems, unlevelled=unlevelled)

    def table(self, name: str, make: Callable[[_Row], T]) -> list[T]:
        """Build every valid row; the key of each invalid row goes to ``self.broken``."""
        key = SPECS[name].key
        out = []
        unlevelled: dict[str, _Unlevelled] = {}
        for row in self.rows(name, unlevelled):
            try:
                out.append(make(row))
            except _Skip:
                ident = row.text(key, required=False) if key else ""
                if ident:
                    self.broken.setdefault(name, set()).add(ident)
        for ident in self.found.left_out.get(name, ()):
            self.broken.setdefault(name, set()).add(ident)
        for found in unlevelled.values():
            self.problems.append(_unlevelled_problem(name, found))
        return out


def _unlevelled_problem(name: str, found: _Unlevelled) -> Problem:
    """The one problem for every row of table ``name`` that leaves its level blank under the
    older column name: placed on the first such row, counting the rest, naming the rename."""
    row = found.first
    spec = SPECS[name]
    new = found.column.replace("level", "credential")  # level -> credential, grants_level -> ...
    old = next(o for o, n in spec.aliases if n == new)
    more = found.count - 1
    head = "is empty" if not more else f"is empty here and in {more:,} more row{'s' * (more > 1)}"
    names = ", ".join(found.names[:_NAMES_SHOWN])
    if len(found.names) > _NAMES_SHOWN:
        names += ", ..."
    named = f" ({names})" if names else ""
    return row._at(found.column, (
        f"{head}{named}: under the older column name '{old}' every row needs a level, 1 to "
        f"{MAX_LEVEL}. For credentials without levels (a passport, a medical clearance), rename "
        f"the column '{old}' to '{new}', where a blank level means none (and meets only "
        "requirements that ask for no level)"))


def _source(row: _Row) -> Source:
    return row.source()


def _specialists(row: _Row) -> tuple[tuple[str, int], ...]:
    out = []
    for item in row.items("min_specialists"):
        name, _, count = item.partition(":")
        try:
            out.append((name.strip(), int(count)))
        except ValueError:
            row._bad("min_specialists", f"'{item}' is not specialty:count, e.g. cyber:2")
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# rules.toml

_RULE_KEYS: dict[str, set[str]] = {
    "": {"name", "horizon", "deployment", "fairness", "training", "weights", "solver",
         "calendar", "output"},
    "output": {"language"},
    "horizon": {"start", "months", "allow_past_end"},
    "deployment": {"months", "min_rest_months", "max_per_officer"},
    "fairness": {"target_hardship_months", "lookback_months"},
    "training": {"min_days_before_deployment"},
    "weights": {"unmet_demand", "fairness", "preference", "training", "skill_mix",
                "stability_officer", "stability_month"},
    "solver": {"time_limit", "seed", "workers", "work_limit"},
    "calendar": {
        "contact", "home_timezone", "outbound_departure", "return_departure", "travel_minutes",
        "handover_days", "cancelled_retention_days",
    },
}


def _read_rules(
    found: Found, problems: Problems
) -> tuple[str, Rules, SolverSettings, CalendarSettings, OutputSettings] | None:
    """The rules from ``rules.toml`` or a workbook's rules sheet; None if they have problems."""
    source = found.rules
    if source is None:
        return None
    if source.sheet:
        data, rows = _sheet_rules(source, problems)
    else:
        path = Path(source.file)
        try:
            # utf-8-sig: a rules.toml saved with a byte-order mark is read like the CSV files.
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            problems.append(Problem(f"is not valid TOML: {err}", source.file))
            return None
        except RecursionError:  # arrays or tables nested thousands deep
            problems.append(Problem("is not valid TOML: nested too deeply", source.file))
            return None
    own: list[Problem] = []
    read = _rules_from(data, source.file, found.name, own)
    problems += [_locate(p, source, rows) for p in own] if source.sheet else own
    return read


# Keys whose value is text even where it looks like a number.
_TEXT_KEYS = {"name", "horizon.start", "calendar.contact", "calendar.home_timezone",
              "calendar.outbound_departure", "calendar.return_departure", "output.language"}
# Keys that are true or false. A cell has no TOML booleans: it holds the word typed (in any
# case, the value column being text) or, where Excel made it a boolean, yes or no.
_BOOL_KEYS = {"horizon.allow_past_end"}
_BOOLS = {"true": True, "false": False, "yes": True, "no": False}


def _sheet_rules(source: RulesSource, problems: Problems
                 ) -> tuple[dict[str, Any], dict[str, int]]:
    """A rules sheet's rows as rules.toml would hold them, and the row of each key.

    A cell is text in a workbook whatever it holds; a number is read as one (as TOML would),
    except for the keys whose value is text; true or false (yes or no) is read as TOML's
    boolean where a key takes one; and a month Excel turned into its first day is read as that
    month. A blank value leaves the key at its default.
    """
    data: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for number, key, cell in source.rows:
        if key in rows:
            problems.append(Problem(f"key given twice (first in row {rows[key]}); keep one",
                                    source.file, number, "key", source.sheet, source.letters[0]))
            continue
        rows[key] = number
        value: Any
        if isinstance(cell, date):
            value = f"{cell:%Y-%m}" if key == "horizon.start" and cell.day == 1 else str(cell)
        else:
            value = cell.strip()
            if value == "":
                continue
            if key in _BOOL_KEYS:
                value = _BOOLS.get(value.lower(), value)
            elif key not in _TEXT_KEYS:
                value = _number(value)
        section, dot, rest = key.partition(".")
        if dot:
            table = data.setdefault(section, {})
            if isinstance(table, dict):
                table[rest] = value
        else:
            data[key] = value
    return data, rows


def _number(text: str) -> Any:
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", text):
        return float(text)
    return text


# What a numeric key takes, as the message for a value of the wrong kind gives it: the range the
# domain holds it to (rotation.domain), so that one message says both what to write and where.
_RANGES: dict[str, str] = {
    "horizon.months": f"1 to {MAX_HORIZON_MONTHS} months",
    "deployment.months": "1 to the horizon's months",
    "deployment.min_rest_months": f"0 to {MAX_HORIZON_MONTHS} months",
    "deployment.max_per_officer": f"0 to {MAX_HORIZON_MONTHS}",
    "fairness.target_hardship_months": f"0 to {MAX_TARGET_MONTHS:,}",
    "fairness.lookback_months": f"0 to {MAX_HORIZON_MONTHS} months",
    "training.min_days_before_deployment": f"0 to {MAX_LEAD_DAYS} days",
    **{f"weights.{key}": f"0 to {MAX_WEIGHT:,}" for key in _RULE_KEYS["weights"]},
    "solver.time_limit": f"seconds above 0 and at most {MAX_TIME_LIMIT:,.0f} (a week)",
    "solver.work_limit": f"work units above 0 and at most {MAX_WORK_LIMIT:,.0f}",
    "solver.seed": f"0 to {MAX_SEED:,}",
    "solver.workers": f"1 to {MAX_WORKERS}",
    "calendar.travel_minutes": f"1 to {MAX_TRAVEL_MINUTES:,} minutes",
    "calendar.handover_days": f"0 to {MAX_HANDOVER_DAYS} days",
    "calendar.cancelled_retention_days": f"0 to {MAX_RETENTION_DAYS:,} days",
}


def _not_a(kind: type, value: Any, where: str) -> str:
    """Why ``value`` at key ``where`` is not of the ``kind`` it takes, in a planner's words
    (a whole number, a number, text: not Python's type names) with what to give instead."""
    shown = _shown(value)
    if kind is int:
        return f"{shown} is not a whole number: give {_RANGES.get(where, 'a whole number')}"
    if kind is float:
        return f"{shown} is not a number: give {_RANGES.get(where, 'a number')}"
    key = where.rpartition(".")[2]
    example = f'{key} = "{_TEXT_EXAMPLES.get(where, "...")}"'
    if where == "horizon.start":
        what = "a date, not a month" if isinstance(value, date) else "not text"
        return f"{shown} is {what}: write the month as text in double quotes, e.g. {example}"
    return f"{shown} is not text: write it in double quotes, e.g. {example}"


_TEXT_EXAMPLES = {"horizon.start": "2026-01", "calendar.home_timezone": "Asia/Seoul",
                  "calendar.outbound_departure": "09:00", "calendar.return_departure": "15:00",
                  "output.language": "en"}


def _shown(value: Any) -> str:
    """A value as rules.toml writes it: true and false in lower case, dates as dates."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _locate(problem: Problem, source: RulesSource, rows: dict[str, int]) -> Problem:
    """A rules problem found by key, placed on the sheet's row of that key (its value cell)."""
    key = problem.field
    row = rows.get(key) or next((n for k, n in rows.items() if k.startswith(key + ".")), None)
    return Problem(problem.message, source.file, row, key, source.sheet,
                   source.letters[1] if row else "")


def _rules_from(
    data: dict[str, Any], label: str, default_name: str, problems: list[Problem]
) -> tuple[str, Rules, SolverSettings, CalendarSettings, OutputSettings] | None:
    """Check the rules' keys and values; the rules and settings, or None if any is wrong."""
    before = len(problems)
    for section, keys in _RULE_KEYS.items():
        table = data if not section else data.get(section, {})
        if not isinstance(table, dict):
            problems.append(Problem("must be a table", label, field=section))
            continue
        for key in table:
            if key not in keys:
                where = f"{section}.{key}" if section else key
                problems.append(
                    Problem(f"unknown key; expected one of {', '.join(sorted(keys))}",
                            label, field=where)
                )

    def get(section: str, key: str, kind: type, default: Any = None) -> Any:
        table = data.get(section, {})
        where = f"{section}.{key}"
        if not isinstance(table, dict) or key not in table:
            if default is None:
                problems.append(Problem("is required", label, field=where))
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            problems.append(Problem(_not_a(kind, value, where), label, field=where))
            return default
        return value

    raw_start = get("horizon", "start", str)
    start = None
    if raw_start is not None:
        start = _parse_month(
            raw_start, lambda m: problems.append(Problem(m, label, field="horizon.start"))
        )
    months = get("horizon", "months", int)
    past_end = data.get("horizon", {}).get("allow_past_end", False) if isinstance(
        data.get("horizon"), dict) else False
    if not isinstance(past_end, bool):
        problems.append(Problem(f"{_shown(past_end)} is not true or false: write true or false",
                                label, field="horizon.allow_past_end"))
        past_end = False
    d = Rules.__dataclass_fields__
    w = Weights()
    s = SolverSettings()
    max_per = data.get("deployment", {}).get("max_per_officer") if isinstance(
        data.get("deployment"), dict) else None
    if max_per is not None and (not isinstance(max_per, int) or isinstance(max_per, bool)):
        where = "deployment.max_per_officer"
        problems.append(Problem(_not_a(int, max_per, where), label, field=where))
        max_per = None
    values = {
        "deployment_months": get("deployment", "months", int, d["deployment_months"].default),
        "min_rest_months": get(
            "deployment", "min_rest_months", int, d["min_rest_months"].default
        ),
        "fairness_target": get(
            "fairness", "target_hardship_months", int, d["fairness_target"].default
        ),
        "fairness_lookback_months": get(
            "fairness", "lookback_months", int, d["fairness_lookback_months"].default
        ),
        "training_lead_days": get(
            "training", "min_days_before_deployment", int, d["training_lead_days"].default
        ),
    }
    weights_values = {
        "unmet_demand": get("weights", "unmet_demand", int, w.unmet_demand),
        "fairness": get("weights", "fairness", int, w.fairness),
        "preference": get("weights", "preference", int, w.preference),
        "training": get("weights", "training", int, w.training),
        "skill_mix": get("weights", "skill_mix", int, w.skill_mix),
        "stability_officer": get("weights", "stability_officer", int, w.stability_officer),
        "stability_month": get("weights", "stability_month", int, w.stability_month),
    }
    solver_values = {
        "time_limit": get("solver", "time_limit", float, s.time_limit),
        "seed": get("solver", "seed", int, s.seed),
        "workers": get("solver", "workers", int, s.workers),
    }
    solver_table = data.get("solver", {})
    if isinstance(solver_table, dict) and "work_limit" in solver_table:
        solver_values["work_limit"] = get("solver", "work_limit", float)
    c = CalendarSettings()
    calendar_values = {
        "contact": get("calendar", "contact", str, c.contact),
        "home_timezone": get("calendar", "home_timezone", str, c.home_timezone),
        "outbound_departure": get("calendar", "outbound_departure", str, c.outbound_departure),
        "return_departure": get("calendar", "return_departure", str, c.return_departure),
        "travel_minutes": get("calendar", "travel_minutes", int, c.travel_minutes),
        "handover_days": get("calendar", "handover_days", int, c.handover_days),
        "cancelled_retention_days": get(
            "calendar", "cancelled_retention_days", int, c.cancelled_retention_days
        ),
    }
    name = data.get("name", default_name)
    if not isinstance(name, str):
        problems.append(Problem(_not_a(str, name, "name"), label, field="name"))
        name = default_name
    # The calendar section is built on its own so that its mistakes are reported together with
    # those of the sections above instead of only after they are fixed.
    calendar: CalendarSettings | None = None
    try:
        calendar = CalendarSettings(**calendar_values)
    except InvalidObject as err:
        for key, message in err.issues:
            problems.append(Problem(message, label, field=f"{err.kind}.{key}"))
    output: OutputSettings | None = None
    try:
        output = OutputSettings(get("output", "language", str, OutputSettings.language))
    except InvalidObject as err:
        for key, message in err.issues:
            problems.append(Problem(message, label, field=f"{err.kind}.{key}"))
    if (len(problems) > before or start is None or months is None or calendar is None
            or output is None):
        return None
    try:
        weights = Weights(**weights_values)
        rules = Rules(
            start=start,
            months=months,
            max_deployments=max_per,
            allow_past_end=past_end,
            weights=weights,
            source=Source(label),
            **values,
        )
        solver = SolverSettings(**solver_values)
    except InvalidObject as err:
        for key, message in err.issues:
            where = key if "." in key else f"{err.kind}.{key}"
            problems.append(Problem(message, label, field=where))
        return None
    return name, rules, solver, calendar, output


# ---------------------------------------------------------------------------------------------
# The case


def load_case(path: str | Path) -> Instance:
    """Read and validate a case; raise :class:`InputError` with every problem found."""
    return read_case(path).instance


def read_case(path: str | Path) -> Loaded:
    """Read and validate a case (a folder, or one ``.xlsx`` workbook) with its warnings and
    what was read; raise :class:`InputError` with every problem found, and the warnings."""
    found = find_tables(Path(path))
    reader = _Reader(found)
    problems = reader.problems
    problems += found.problems
    warnings = found.warnings
    header = _read_rules(found, problems)

    officer_rows = reader.table("officers", _officer)
    postings = reader.table("postings", _posting)
    demands = reader.table("demand", _demand)
    courses = reader.table("courses", _course)
    sessions = reader.table("sessions", _session)
    # Rows that failed their own checks are already reported. Stand-ins keep their ids known,
    # so rows that refer to them are not also reported as naming something unknown.
    broken_officers = reader.broken.get("officers", set())
    officer_ids = {o.id for o in officer_rows} | broken_officers
    postings += [
        Posting(id=i, name=i, timezone="UTC", hardship=0)
        for i in sorted(reader.broken.get("postings", set()) - {p.id for p in postings})
    ]
    courses += [
        CourseDef(i, i)
        for i in sorted(reader.broken.get("courses", set()) - {c.id for c in courses})
    ]
    officer_rows += [
        Officer(id=i, name=i, rank=RANKS[0])
        for i in sorted(broken_officers - {o.id for o in officer_rows})
    ]
    officers_known = "officers" not in found.unreadable

    def owned(name: str, make: Callable[[_Row], T]) -> dict[str, list[T]]:
        out: dict[str, list[T]] = {}

        def one(row: _Row) -> tuple[str, T]:
            officer = row.text("officer")
            if officer and officers_known and officer not in officer_ids:
                row._bad("officer", f"unknown officer '{officer}'; it is not in "
                         f"{_where(found, 'officers')}")
            return officer, make(row)

        for officer, item in reader.table(name, one):
            out.setdefault(officer, []).append(item)
        return out

    certificates = owned("certificates", _certificate)
    completed = owned("completed_courses", _completion)
    absences = owned("unavailability", _absence)
    history = owned("history", _past)

    officers = tuple(
        Officer(
            id=o.id,
            name=o.name,
            rank=o.rank,
            specialties=o.specialties,
            home_unit=o.home_unit,
            certificates=tuple(certificates.get(o.id, ())),
            courses=tuple(completed.get(o.id, ())),
            unavailability=tuple(absences.get(o.id, ())),
            preferences=o.preferences,
            history=tuple(history.get(o.id, ())),
            source=o.source,
        )
        for o in officer_rows
    )
    if not problems and not found.unreadable & {"officers", "certificates", "courses"}:
        # Only on tables read whole: a credential left out with a bad row is no news.
        warnings += _credentials_nobody_holds(postings, officers, courses, found)

    # Without valid rules, cross-file checks still run against a horizon wide enough to judge
    # nothing as outside it, so one bad key in rules.toml does not hide the tables' problems.
    name, rules, solver, calendar, output = header or (
        found.name, _OPEN_RULES, SolverSettings(), CalendarSettings(), OutputSettings()
    )
    try:
        instance = Instance(
            name=name,
            rules=rules,
            officers=officers,
            postings=tuple(postings),
            demands=tuple(demands),
            courses=tuple(courses),
            sessions=tuple(sessions),
            solver=solver,
            calendar=calendar,
            output=output,
        )
    except InputError as err:
        # A reference to a table that could not be read follows from that table's problem.
        unread = {kind for kind, table in _REFERS_TO.items() if table in found.unreadable}
        problems += [p for p in err.problems if p.refers_to not in unread]
        raise InputError(problems, warnings) from None
    if problems:
        raise InputError(problems, warnings)
    counted = tuple(Problem(f"and {n:,} more warnings like these", file)
                    for file, n in sorted(warnings.more.items()))
    return Loaded(instance, (*warnings, *counted), tuple(describe(found)))


def _where(found: Found, name: str) -> str:
    """The file or sheet of table ``name`` as the case names it (``officers.csv``)."""
    table = found.tables.get(name)
    return within(found, table.file, table.sheet) if table is not None else SPECS[name].file


def _credentials_nobody_holds(postings: list[Posting], officers: tuple[Officer, ...],
                              courses: list[CourseDef], found: Found) -> list[Problem]:
    """Warnings for credentials a posting asks for that no officer holds and no course grants:
    most likely a misspelt name, which would leave the posting with nobody who may serve."""
    held = {c.name for o in officers for c in o.certificates}
    granted = {c.grants_credential for c in courses}
    out = []
    for p in postings:
        for credential, _ in p.credentials:
            if credential in held or credential in granted or p.source is None:
                continue
            column = "min_khmer_level" if (
                credential == KHMER and p.min_khmer_level) else "required_credentials"
            out.append(p.source.problem(
                column, f"no officer holds '{credential}' and no course grants it, so nobody "
                f"may serve at {p.id}; check the spelling against "
                f"{_where(found, 'certificates')}"))
    return out


_OPEN_RULES = Rules.open_horizon()


def _course(r: _Row) -> CourseDef:
    validity = r.text("validity_months", required=False)
    grants = r.text("grants_credential", required=False).lower()
    values = dict(
        id=r.text("id"),
        name=r.text("name"),
        grants_credential=grants,
        grants_level=r.level("grants_level", required=bool(grants) and _language(r, "grants"),
                             name=grants),
        validity_months=r.integer("validity_months") if validity else None,
    )
    return r.build(lambda: CourseDef(source=_source(r), **values))  # type: ignore[arg-type]


def _language(r: _Row, prefix: str) -> bool:
    """Whether the row names a credential by the older column for languages, which always
    have a level (``language``, ``grants_language``)."""
    column = f"{prefix}_credential" if prefix else "credential"
    return r.table.written.get(column, column).endswith("language")


def _session(r: _Row) -> Session:
    values = dict(
        id=r.text("id"),
        course=r.text("course"),
        start=r.day("start"),
        end=r.day("end"),
        location=r.text("location", required=False),
        seats=r.integer("seats"),
    )
    return r.build(lambda: Session(source=_source(r), **values))  # type: ignore[arg-type]


def _officer(r: _Row) -> Officer:
    values = dict(
        id=r.text("id"),
        name=r.text("name"),
        rank=_rank(r),
        specialties=frozenset(r.items("specialties")),
        home_unit=r.text("home_unit", required=False),
        preferences=tuple(r.items("preferences")),
    )
    return r.build(lambda: Officer(source=_source(r), **values))  # type: ignore[arg-type]


def _rank(r: _Row) -> str:
    """The rank in English or Korean, as the domain names it; unknown text is left for the
    domain to report."""
    raw = r.text("rank")
    return rank_of(raw) or raw


_NEED = re.compile(r"(?P<name>[^\s<>=:]+)\s*(?:>=\s*(?P<level>\S+))?")


def _credentials(r: _Row) -> tuple[tuple[str, int], ...]:
    """``required_credentials``: entries ``name`` or ``name>=level``, separated by ``;`` or
    ``,``, e.g. ``khmer>=2; passport; medical``."""
    out = []
    raw = r.text("required_credentials", required=False)
    for item in (part.strip() for part in re.split(r"[;,]", raw)):
        if not item:
            continue
        match = _NEED.fullmatch(item)
        level = match.group("level") if match else None
        if match is None or (level is not None and not level.isdigit()):
            r._bad("required_credentials", f"'{item}' is not credential or credential>=level, "
                   "e.g. khmer>=2 or passport")
            continue
        value = int(level) if level is not None else 0
        if level is not None and not 1 <= value <= MAX_LEVEL:
            r._bad("required_credentials",
                   f"'{item}': the level is out of range; use 1 to {MAX_LEVEL}")
            continue
        out.append((match.group("name").lower(), value))
    return tuple(out)


def _posting(r: _Row) -> Posting:
    values = dict(
        id=r.text("id"),
        name=r.text("name"),
        timezone=r.text("timezone"),
        hardship=r.integer("hardship"),
        min_khmer_level=r.integer("min_khmer_level", 0),
        required_courses=frozenset(r.items("required_courses")),
        min_supervisors=r.integer("min_supervisors", 0),
        min_specialists=_specialists(r),
        required_credentials=_credentials(r),
        name_ko=r.text("name_ko", required=False),
        priority=r.integer("priority", 1),
    )
    return r.build(lambda: Posting(source=_source(r), **values))  # type: ignore[arg-type]


def _demand(r: _Row) -> Demand:
    posting, first, last = r.text("posting"), r.month("from"), r.month("to")
    minimum, maximum = r.integer("min"), r.integer("max")
    return r.build(
        lambda: Demand(posting, first, last, minimum, maximum, _source(r))  # type: ignore[arg-type]
    )


def _certificate(r: _Row) -> Credential:
    language = r.text("credential").lower()
    level = r.level("level", required=_language(r, ""), name=language)
    start, until = r.day("valid_from"), r.day("valid_until", required=False)
    return r.build(
        lambda: Credential(language, level, start, until, _source(r))  # type: ignore[arg-type]
    )


def _completion(r: _Row) -> CourseCompletion:
    course, done = r.text("course"), r.day("completed_on")
    expires = r.day("expires_on", required=False)
    return r.build(
        lambda: CourseCompletion(course, done, expires, _source(r))  # type: ignore[arg-type]
    )


def _absence(r: _Row) -> Unavailability:
    start, end = r.day("from"), r.day("to")
    reason = r.text("reason", required=False)
    return r.build(
        lambda: Unavailability(start, end, reason, _source(r))  # type: ignore[arg-type]
    )


def _past(r: _Row) -> PastDeployment:
    posting, start, end = r.text("posting"), r.day("start"), r.day("end")
    return r.build(lambda: PastDeployment(posting, start, end, _source(r)))  # type: ignore[arg-type]
