"""Load a case folder (CSV tables and ``rules.toml``) into a validated :class:`Instance`.

The loader never stops at the first mistake: it reads every file, collects every problem with its
file, row and field, and raises one :class:`InputError` listing them all. Nothing is returned (and
so nothing can be written) unless the whole case is valid. The format is documented in
``docs/input.md``.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from rotation.domain import (
    RANKS,
    CalendarSettings,
    CourseCompletion,
    CourseDef,
    Demand,
    Instance,
    InvalidObject,
    LanguageCertificate,
    Officer,
    PastDeployment,
    Posting,
    Rules,
    Session,
    SolverSettings,
    Source,
    Unavailability,
    Weights,
)
from rotation.errors import InputError, Problem

__all__ = ["TABLES", "load_case"]

T = TypeVar("T")

# file -> (required?, required columns, optional columns)
TABLES: dict[str, tuple[bool, tuple[str, ...], tuple[str, ...]]] = {
    "officers.csv": (True, ("id", "name", "rank"), ("specialties", "home_unit", "preferences")),
    "postings.csv": (
        True,
        ("id", "name", "timezone", "hardship"),
        ("min_khmer_level", "required_courses", "min_supervisors", "min_specialists"),
    ),
    "demand.csv": (True, ("posting", "from", "to", "min", "max"), ()),
    "courses.csv": (
        False, ("id", "name"), ("grants_language", "grants_level", "validity_months")
    ),
    "sessions.csv": (False, ("id", "course", "start", "end", "seats"), ("location",)),
    "certificates.csv": (
        False,
        ("officer", "language", "level", "valid_from"),
        ("valid_until",),
    ),
    "completed_courses.csv": (False, ("officer", "course", "completed_on"), ("expires_on",)),
    "unavailability.csv": (False, ("officer", "from", "to"), ("reason",)),
    "history.csv": (False, ("officer", "posting", "start", "end"), ()),
}

RULES_FILE = "rules.toml"


class _Skip(Exception):
    """A row had a problem already recorded; leave it out and carry on reading."""


@dataclass
class _Row:
    """One CSV row with typed accessors that record problems instead of raising."""

    file: str
    number: int
    cells: dict[str, str]
    problems: list[Problem]
    failed: bool = False

    def _bad(self, column: str, message: str) -> None:
        self.problems.append(Problem(message, self.file, self.number, column))
        self.failed = True

    def text(self, column: str, required: bool = True) -> str:
        value = (self.cells.get(column) or "").strip()
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

    def day(self, column: str, required: bool = True) -> date | None:
        raw = self.text(column, required=required)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self._bad(column, f"'{raw}' is not a date; write YYYY-MM-DD, e.g. 2026-03-01")
            return None

    def month(self, column: str) -> date | None:
        raw = self.text(column)
        if not raw:
            return None
        return _parse_month(raw, lambda msg: self._bad(column, msg))

    def items(self, column: str) -> list[str]:
        raw = self.text(column, required=False)
        return [part.strip() for part in raw.split(";") if part.strip()]

    def build(self, factory: Callable[[], T]) -> T:
        """Construct a domain object, turning its own validation into located problems."""
        if self.failed:
            raise _Skip
        try:
            return factory()
        except InvalidObject as err:
            for column, message in err.issues:
                self.problems.append(Problem(message, self.file, self.number, column))
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
    folder: Path
    problems: list[Problem] = field(default_factory=list)
    broken: dict[str, set[str]] = field(default_factory=dict)

    def rows(self, name: str) -> Iterator[_Row]:
        required, columns, optional = TABLES[name]
        path = self.folder / name
        label = str(path)
        if not path.is_file():
            if required:
                self.problems.append(
                    Problem(f"file is missing; every case needs {name} (see docs/input.md)",
                            label)
                )
            return
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                # csv.reader, not DictReader: DictReader drops blank lines, which would shift
                # every later row number away from what the spreadsheet shows.
                records = csv.reader(handle)
                header = [h.strip() for h in next(records, [])]
                missing = [c for c in columns if c not in header]
                for column in missing:
                    self.problems.append(
                        Problem("column is missing from the header row", label, 1, column)
                    )
                if missing:
                    return
                known = set(columns) | set(optional)
                for column in header:
                    if column and column not in known:
                        self.problems.append(
                            Problem(
                                f"unknown column; expected {', '.join(columns + optional)}",
                                label, 1, column,
                            )
                        )
                for index, cells in enumerate(records, start=2):
                    if not any(c.strip() for c in cells):
                        continue
                    if len(cells) > len(header):
                        self.problems.append(
                            Problem("row has more cells than the header", label, index)
                        )
                        continue
                    values = dict(zip(header, cells, strict=False))
                    yield _Row(label, index, values, self.problems)
        except UnicodeDecodeError:
            self.problems.append(Problem("is not UTF-8 text; save it as CSV UTF-8", label))
        except csv.Error as err:
            self.problems.append(Problem(f"is not valid CSV: {err}", label))

    def table(self, name: str, make: Callable[[_Row], T], key: str = "") -> list[T]:
        """Build every valid row; the ``key`` of each invalid row goes to ``self.broken``."""
        out = []
        for row in self.rows(name):
            try:
                out.append(make(row))
            except _Skip:
                ident = (row.cells.get(key) or "").strip() if key else ""
                if ident:
                    self.broken.setdefault(name, set()).add(ident)
        return out


def _source(row: _Row) -> Source:
    return Source(row.file, row.number)


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
         "calendar"},
    "horizon": {"start", "months"},
    "deployment": {"months", "min_rest_months", "max_per_officer"},
    "fairness": {"target_hardship_months", "lookback_months"},
    "training": {"min_days_before_deployment"},
    "weights": {"unmet_demand", "fairness", "preference", "training"},
    "solver": {"time_limit", "seed", "workers", "work_limit"},
    "calendar": {
        "contact", "home_timezone", "outbound_departure", "return_departure", "travel_minutes",
        "handover_days", "cancelled_retention_days",
    },
}


def _read_rules(
    folder: Path, problems: list[Problem]
) -> tuple[str, Rules, SolverSettings, CalendarSettings] | None:
    path = folder / RULES_FILE
    label = str(path)
    if not path.is_file():
        problems.append(Problem("file is missing; every case needs rules.toml", label))
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        problems.append(Problem(f"is not valid TOML: {err}", label))
        return None
    except RecursionError:  # arrays or tables nested thousands deep
        problems.append(Problem("is not valid TOML: nested too deeply", label))
        return None

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
            problems.append(
                Problem(f"{value!r} should be a {kind.__name__}", label, field=where)
            )
            return default
        return value

    raw_start = get("horizon", "start", str)
    start = None
    if raw_start is not None:
        start = _parse_month(
            raw_start, lambda m: problems.append(Problem(m, label, field="horizon.start"))
        )
    months = get("horizon", "months", int)
    d = Rules.__dataclass_fields__
    w = Weights()
    s = SolverSettings()
    max_per = data.get("deployment", {}).get("max_per_officer") if isinstance(
        data.get("deployment"), dict) else None
    if max_per is not None and (not isinstance(max_per, int) or isinstance(max_per, bool)):
        problems.append(
            Problem(f"{max_per!r} should be an int", label, field="deployment.max_per_officer")
        )
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
    name = data.get("name", folder.name)
    if not isinstance(name, str):
        problems.append(Problem(f"{name!r} should be text", label, field="name"))
        name = folder.name
    # The calendar section is built on its own so that its mistakes are reported together with
    # those of the sections above instead of only after they are fixed.
    calendar: CalendarSettings | None = None
    try:
        calendar = CalendarSettings(**calendar_values)
    except InvalidObject as err:
        for key, message in err.issues:
            problems.append(Problem(message, label, field=f"{err.kind}.{key}"))
    if len(problems) > before or start is None or months is None or calendar is None:
        return None
    try:
        weights = Weights(**weights_values)
        rules = Rules(
            start=start,
            months=months,
            max_deployments=max_per,
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
    return name, rules, solver, calendar


# ---------------------------------------------------------------------------------------------
# The case


def load_case(folder: str | Path) -> Instance:
    """Read and validate a case folder; raise :class:`InputError` with every problem found."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(Problem("is not a folder; give the folder that holds the case files",
                                 str(root)))
    reader = _Reader(root)
    problems = reader.problems
    header = _read_rules(root, problems)

    officer_rows = reader.table("officers.csv", _officer, key="id")
    postings = reader.table("postings.csv", _posting, key="id")
    demands = reader.table("demand.csv", _demand)
    courses = reader.table("courses.csv", _course, key="id")
    sessions = reader.table("sessions.csv", _session, key="id")
    # Rows that failed their own checks are already reported. Stand-ins keep their ids known,
    # so rows that refer to them are not also reported as naming something unknown.
    broken_officers = reader.broken.get("officers.csv", set())
    officer_ids = {o.id for o in officer_rows} | broken_officers
    postings += [
        Posting(id=i, name=i, timezone="UTC", hardship=0)
        for i in sorted(reader.broken.get("postings.csv", set()) - {p.id for p in postings})
    ]
    courses += [
        CourseDef(i, i)
        for i in sorted(reader.broken.get("courses.csv", set()) - {c.id for c in courses})
    ]
    officer_rows += [
        Officer(id=i, name=i, rank=RANKS[0])
        for i in sorted(broken_officers - {o.id for o in officer_rows})
    ]

    def owned(name: str, make: Callable[[_Row], T]) -> dict[str, list[T]]:
        out: dict[str, list[T]] = {}

        def one(row: _Row) -> tuple[str, T]:
            officer = row.text("officer")
            if officer and officer not in officer_ids:
                row._bad("officer", f"unknown officer '{officer}'; it is not in officers.csv")
            return officer, make(row)

        for officer, item in reader.table(name, one):
            out.setdefault(officer, []).append(item)
        return out

    certificates = owned("certificates.csv", _certificate)
    completed = owned("completed_courses.csv", _completion)
    absences = owned("unavailability.csv", _absence)
    history = owned("history.csv", _past)

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

    # Without valid rules, cross-file checks still run against a horizon wide enough to judge
    # nothing as outside it, so one bad key in rules.toml does not hide the tables' problems.
    name, rules, solver, calendar = header or (
        root.name, _OPEN_RULES, SolverSettings(), CalendarSettings()
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
        )
    except InputError as err:
        raise InputError(problems + err.problems) from None
    if problems:
        raise InputError(problems)
    return instance


_OPEN_RULES = Rules.open_horizon()


def _course(r: _Row) -> CourseDef:
    validity = r.text("validity_months", required=False)
    values = dict(
        id=r.text("id"),
        name=r.text("name"),
        grants_language=r.text("grants_language", required=False).lower(),
        grants_level=r.integer("grants_level", 0),
        validity_months=r.integer("validity_months") if validity else None,
    )
    return r.build(lambda: CourseDef(source=_source(r), **values))  # type: ignore[arg-type]


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
        rank=r.text("rank"),
        specialties=frozenset(r.items("specialties")),
        home_unit=r.text("home_unit", required=False),
        preferences=tuple(r.items("preferences")),
    )
    return r.build(lambda: Officer(source=_source(r), **values))  # type: ignore[arg-type]


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
    )
    return r.build(lambda: Posting(source=_source(r), **values))  # type: ignore[arg-type]


def _demand(r: _Row) -> Demand:
    posting, first, last = r.text("posting"), r.month("from"), r.month("to")
    minimum, maximum = r.integer("min"), r.integer("max")
    return r.build(
        lambda: Demand(posting, first, last, minimum, maximum, _source(r))  # type: ignore[arg-type]
    )


def _certificate(r: _Row) -> LanguageCertificate:
    language, level = r.text("language").lower(), r.integer("level")
    start, until = r.day("valid_from"), r.day("valid_until", required=False)
    return r.build(
        lambda: LanguageCertificate(language, level, start, until, _source(r))  # type: ignore[arg-type]
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
