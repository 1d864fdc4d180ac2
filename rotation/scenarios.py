"""Commanders' what-ifs: a scenario is a named set of overrides on a base case.

A scenario never edits the case. It is read from a small TOML file (docs/scenarios.md) and
applied to the base :class:`~rotation.domain.Instance` with :func:`dataclasses.replace`, so the
result is a new instance validated like any other, and the base case, its plans and what is
published stay exactly as they were. A scenario may build on another scenario (``base``): the
overrides are then applied one after the other, the base scenario's first.

Every override is checked against the case before anything is solved or stored: an unknown
posting, officer, course or session, a month outside the horizon, a minimum above the maximum
once the change is applied. Each problem names the file and the TOML key a staff officer has to
edit (``headcount[2].min``; tables of an array count from 1, as people count them) and says what
to change; all of them are reported together as one :class:`~rotation.errors.InputError`.

This module only reads text and builds instances: storing and solving scenarios is
:mod:`rotation.scenario_jobs`'s job.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from rotation.domain import (
    MAX_LEVEL,
    CourseCompletion,
    Credential,
    Demand,
    Instance,
    InvalidObject,
    Officer,
    Posting,
    Rules,
    Session,
    Unavailability,
    rank_of,
)
from rotation.errors import InputError, Problem

__all__ = ["KEYS", "Scenario", "apply", "apply_all", "changes", "parse", "with_demand"]

KEYS: dict[str, set[str]] = {
    "": {"name", "description", "base", "headcount", "requirements", "open", "close", "rules",
         "withdraw", "recruit", "sessions", "seats"},
    "headcount": {"posting", "from", "to", "min", "max", "add"},
    "requirements": {"posting", "supervisors", "add_supervisors", "specialists",
                     "add_specialists"},
    "open": {"id", "name", "name_ko", "timezone", "hardship", "min_khmer_level",
             "required_courses", "required_credentials", "supervisors", "specialists", "from",
             "to", "min", "max"},
    "close": {"posting", "from", "to"},
    "rules": {"deployment_months", "min_rest_months", "max_deployments", "training_lead_days"},
    "withdraw": {"officers", "from", "reason"},
    "recruit": {"count", "id_prefix", "rank", "specialties", "credentials", "courses", "from",
                "preferences"},
    "sessions": {"id", "course", "start", "end", "seats", "location"},
    "seats": {"session", "seats", "add"},
}
"""The keys a scenario file may hold: at the top, and in each table of each array."""

_ARRAYS = ("headcount", "requirements", "open", "close", "withdraw", "recruit", "sessions",
           "seats")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_NEED = re.compile(r"(?P<name>[^\s<>=:]+)\s*(?:>=\s*(?P<level>\d+))?")


@dataclass(frozen=True)
class Scenario:
    """A scenario as read: its name, what it builds on, its overrides and the text they came
    from (kept as written, so the file a staff officer handed over can be handed on)."""

    name: str
    description: str
    base: str
    """The stored scenario this one builds on; empty for the case itself."""
    data: dict[str, Any] = field(repr=False, compare=False)
    text: str = field(repr=False)
    file: str = ""


def parse(text: str, file: str, name: str | None = None) -> Scenario:
    """Read a scenario file's text; ``name`` (from the command line) overrides its ``name``.

    Only the shape is checked here (keys, types of the top-level values); what the overrides
    mean for a case is checked by :func:`apply`.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(Problem(f"is not valid TOML: {err}", file)) from err
    problems: list[Problem] = []
    for key in data:
        if key not in KEYS[""]:
            problems.append(Problem(f"unknown key; a scenario holds {', '.join(sorted(KEYS['']))}",
                                    file, field=key))
    for array in _ARRAYS:
        items = data.get(array, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            problems.append(Problem(f"must be tables: write [[{array}]] above each", file,
                                    field=array))
            continue
        for n, item in enumerate(items, 1):
            for key in item:
                if key not in KEYS[array]:
                    problems.append(Problem(
                        f"unknown key; [[{array}]] holds {', '.join(sorted(KEYS[array]))}",
                        file, field=f"{array}[{n}].{key}"))
    if not isinstance(data.get("rules", {}), dict):
        problems.append(Problem("must be a table: [rules]", file, field="rules"))
    else:
        for key in data.get("rules", {}):
            if key not in KEYS["rules"]:
                problems.append(Problem(
                    f"unknown key; [rules] holds {', '.join(sorted(KEYS['rules']))}", file,
                    field=f"rules.{key}"))
    chosen = name if name is not None else data.get("name", "")
    if not isinstance(chosen, str) or not _NAME.fullmatch(chosen):
        problems.append(Problem(
            f"'{chosen}' is not a scenario name; use letters, digits, '.', '_' or '-', e.g. "
            "pnh-cyber-surge", file, field="name"))
    for key in ("description", "base"):
        if not isinstance(data.get(key, ""), str):
            problems.append(Problem("must be text in quotes", file, field=key))
    if problems:
        raise InputError(problems)
    return Scenario(str(chosen), str(data.get("description", "")), str(data.get("base", "")),
                    data, text, file)


class _Reader:
    """Typed access to the scenario's values that records problems instead of raising, each at
    the file and key a staff officer edits."""

    def __init__(self, inst: Instance, file: str) -> None:
        self.inst = inst
        self.file = file
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(message, self.file, field=key))

    def items(self, data: dict[str, Any], array: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for n, item in enumerate(data.get(array, []), 1):
            yield f"{array}[{n}]", item

    def integer(self, item: dict[str, Any], key: str, where: str, least: int | None = 0,
                required: bool = False) -> int | None:
        if key not in item:
            if required:
                self.bad(f"{where}.{key}", "is missing; a whole number is required")
            return None
        value = item[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(f"{where}.{key}", f"{value!r} is not a whole number")
            return None
        if least is not None and value < least:
            self.bad(f"{where}.{key}", f"{value} is below {least}")
            return None
        return value

    def headcount(self, item: dict[str, Any], key: str, where: str
                  ) -> tuple[bool, int] | None:
        """A headcount as change files write it (docs/replanning.md): a whole number 0 or
        more, or "+N" / "-N" to move each month's own by N; with whether it is relative. The
        same file then reads the same in a scenario and in a re-plan."""
        if key not in item:
            return None
        value = item[key]
        if isinstance(value, str) and _RELATIVE.fullmatch(value.strip()):
            return True, int(value.strip())
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return False, value
        self.bad(f"{where}.{key}", f"{value!r} should be a whole number 0 or more, or \"+N\" / "
                                   "\"-N\" to change each month's by N")
        return None

    def text(self, item: dict[str, Any], key: str, where: str, required: bool = True
             ) -> str | None:
        value = item.get(key)
        if value is None:
            if required:
                self.bad(f"{where}.{key}", "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(f"{where}.{key}", f"{value!r} is not text; write it in quotes")
            return None
        return value.strip()

    def words(self, item: dict[str, Any], key: str, where: str) -> list[str]:
        value = item.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(f"{where}.{key}", "must be a list of text, e.g. [\"cyber\", \"financial\"]")
            return []
        return [v.strip() for v in value if v.strip()]

    def month(self, item: dict[str, Any], key: str, where: str, default: int | None = None
              ) -> int | None:
        """A ``YYYY-MM`` month as a horizon index; a month outside the horizon is a problem."""
        rules = self.inst.rules
        if key not in item:
            if default is None:
                self.bad(f"{where}.{key}", "is missing; write a month, e.g. \"2026-05\"")
            return default
        raw = item[key]
        if isinstance(raw, date):
            raw = f"{raw:%Y-%m}"
        if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}", raw.strip()):
            self.bad(f"{where}.{key}", f"{raw!r} is not a month; write YYYY-MM in quotes, e.g. "
                     "\"2026-05\"")
            return None
        year, month = raw.strip().split("-")
        if not 1 <= int(month) <= 12:
            self.bad(f"{where}.{key}", f"'{raw}' is not a month")
            return None
        t = rules.month_of(date(int(year), int(month), 1))
        if not 0 <= t < rules.months:
            self.bad(f"{where}.{key}", f"{raw} is outside the horizon "
                     f"{rules.month_label(0)}..{rules.month_label(rules.months - 1)}; pick a "
                     "month inside it")
            return None
        return t

    def day(self, item: dict[str, Any], key: str, where: str, default: date | None = None
            ) -> date | None:
        """A day (``YYYY-MM-DD``, or ``YYYY-MM`` for its first day) inside the horizon."""
        rules = self.inst.rules
        if key not in item:
            if default is None:
                self.bad(f"{where}.{key}", "is missing; write a date, e.g. \"2026-09-01\"")
            return default
        raw = item[key]
        found: date | None = raw if isinstance(raw, date) else None
        if isinstance(raw, str):
            text = raw.strip()
            try:
                found = (date.fromisoformat(text + "-01") if re.fullmatch(r"\d{4}-\d{2}", text)
                         else date.fromisoformat(text))
            except ValueError:
                found = None
        if found is None:
            self.bad(f"{where}.{key}", f"{raw!r} is not a date; write YYYY-MM-DD, e.g. "
                     "\"2026-09-01\"")
            return None
        if not rules.start <= found <= rules.end:
            self.bad(f"{where}.{key}", f"{found} is outside the horizon {rules.start}.."
                     f"{rules.end}; pick a day inside it")
            return None
        return found

    def posting(self, item: dict[str, Any], key: str, where: str, known: dict[str, Posting]
                ) -> str | None:
        ident = self.text(item, key, where)
        if ident is not None and ident not in known:
            self.bad(f"{where}.{key}", f"unknown posting '{ident}'; the case has "
                     f"{', '.join(known)}")
            return None
        return ident

    def needs(self, item: dict[str, Any], key: str, where: str) -> tuple[tuple[str, int], ...]:
        """Credentials as ``name`` or ``name>=level``, as postings.csv writes them."""
        out = []
        for entry in self.words(item, key, where):
            match = _NEED.fullmatch(entry)
            level = int(match.group("level")) if match and match.group("level") else 0
            if match is None or not 0 <= level <= MAX_LEVEL:
                self.bad(f"{where}.{key}", f"'{entry}' is not credential or credential>=level "
                         f"(level 1 to {MAX_LEVEL}), e.g. \"khmer>=2\" or \"passport\"")
                continue
            out.append((match.group("name").lower(), level))
        return tuple(out)

    def counts(self, item: dict[str, Any], key: str, where: str) -> dict[str, int]:
        value = item.get(key, {})
        if not isinstance(value, dict) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
            self.bad(f"{where}.{key}", "must be a table of whole numbers, e.g. "
                     "{ cyber = 3, financial = 1 }")
            return {}
        return {str(k): int(v) for k, v in value.items()}

    def build(self, where: str, make: Callable[[], Any]) -> Any:
        """An object of the domain, its own checks reported at ``where``."""
        try:
            return make()
        except InvalidObject as err:
            for name, message in err.issues:
                self.bad(f"{where}.{name}", message)
            return None


def apply(inst: Instance, scenario: Scenario) -> Instance:
    """The case ``inst`` with ``scenario``'s overrides, as a new validated instance named after
    the scenario; :class:`InputError` lists every override that contradicts the case."""
    r = _Reader(inst, scenario.file)
    data = scenario.data
    rules = _rules(r, data)
    postings = {p.id: p for p in inst.postings}
    table = {(p.id, t): inst.demand(p.id, t) for p in inst.postings for t in inst.months}
    touched = False

    for where, item in r.items(data, "open"):
        made = _open(r, item, where, postings, inst)
        if made is None:
            continue
        opened, since, until, least, most = made
        postings[opened.id] = opened
        for t in inst.months:
            table[opened.id, t] = (least, most) if since <= t <= until else (0, 0)
        touched = True

    for where, item in r.items(data, "headcount"):
        pid = r.posting(item, "posting", where, postings)
        first = r.month(item, "from", where, 0)
        last = r.month(item, "to", where, inst.rules.months - 1)
        lo = r.headcount(item, "min", where)
        hi = r.headcount(item, "max", where)
        add = r.integer(item, "add", where, least=None)
        given = {"min", "max", "add"} & item.keys()
        if "add" in given and given != {"add"}:
            r.bad(f"{where}.add", "give either add (both moved) or min/max, not both")
            continue
        if not given:
            r.bad(where, 'says no change; give min, max (a number, or "+N" / "-N"), or add '
                         '(e.g. add = 10)')
            continue
        if pid is None or first is None or last is None or len(given) != sum(
                x is not None for x in (lo, hi, add)):
            continue
        if last < first:
            r.bad(f"{where}.to", f"{inst.rules.month_label(last)} is before from "
                  f"{inst.rules.month_label(first)}")
            continue
        if add is not None:  # add = N: the same as min = "+N" with max = "+N"
            lo = hi = (True, add)
        for t in range(first, last + 1):
            old_lo, old_hi = table[pid, t]
            new = (_moved(old_lo, lo), _moved(old_hi, hi))
            if new[0] < 0:
                key = "add" if add is not None else "min"
                enough = str(-old_lo) if add is not None else f'"{-old_lo:+d}"'
                r.bad(f"{where}.{key}", f"takes {pid}'s minimum below 0 in "
                      f"{inst.rules.month_label(t)} (it is {old_lo}); {key} at least {enough}")
                break
            if new[0] > new[1]:
                key = "add" if add is not None else ("min" if lo is not None else "max")
                r.bad(f"{where}.{key}", f"{pid}'s minimum {new[0]} is above its maximum "
                      f"{new[1]} in {inst.rules.month_label(t)} once applied; raise max to at "
                      f"least {new[0]} (or lower min)")
                break
            table[pid, t] = new
        touched = True

    for where, item in r.items(data, "close"):
        pid = r.posting(item, "posting", where, postings)
        first = r.month(item, "from", where)
        last = r.month(item, "to", where, inst.rules.months - 1)
        if pid is None or first is None or last is None:
            continue
        for t in range(first, last + 1):
            table[pid, t] = (0, 0)
        touched = True

    for where, item in r.items(data, "requirements"):
        pid = r.posting(item, "posting", where, postings)
        if pid is None:
            continue
        postings[pid] = _requirements(r, item, where, postings[pid]) or postings[pid]

    officers = list(inst.officers)
    by_id = {o.id: i for i, o in enumerate(officers)}
    for where, item in r.items(data, "withdraw"):
        names = r.words(item, "officers", where)
        start = r.day(item, "from", where)
        reason = item.get("reason", "withdrawn")
        if not names:
            r.bad(f"{where}.officers", "names nobody; list service numbers, e.g. "
                  "[\"K-0001\", \"K-0002\"]")
        for ident in names:
            if ident not in by_id:
                r.bad(f"{where}.officers", f"unknown officer '{ident}'; officers.csv lists the "
                      "service numbers")
            elif start is not None:
                o = officers[by_id[ident]]
                away = Unavailability(start, rules.end, str(reason))
                officers[by_id[ident]] = replace(o, unavailability=(*o.unavailability, away))

    courses = {c.id for c in inst.courses}
    for where, item in r.items(data, "recruit"):
        for recruit in _recruits(r, item, where, inst, rules, courses, by_id):
            by_id[recruit.id] = len(officers)
            officers.append(recruit)

    sessions = list(inst.sessions)
    session_at = {q.id: i for i, q in enumerate(sessions)}
    for where, item in r.items(data, "sessions"):
        added = _session(r, item, where, courses, session_at)
        if added is not None:
            session_at[added.id] = len(sessions)
            sessions.append(added)

    for where, item in r.items(data, "seats"):
        sid = r.text(item, "session", where)
        seats = r.integer(item, "seats", where)
        more = r.integer(item, "add", where, least=None)
        if sid is None:
            continue
        if sid not in session_at:
            r.bad(f"{where}.session", f"unknown session '{sid}'; sessions.csv lists them")
            continue
        if (seats is None) == (more is None):
            r.bad(where, "give either seats (absolute) or add (relative)")
            continue
        q = sessions[session_at[sid]]
        total = seats if seats is not None else q.seats + (more or 0)
        if total < 0:
            r.bad(f"{where}.add", f"takes {sid} below 0 seats (it has {q.seats})")
            continue
        sessions[session_at[sid]] = replace(q, seats=total)

    if r.problems:
        raise InputError(r.problems)
    demands = _demand_rows(inst, table, list(postings)) if touched else inst.demands
    try:
        return replace(inst, name=f"{_case_name(inst)} (scenario {scenario.name})", rules=rules,
                       postings=tuple(postings.values()), demands=demands,
                       officers=tuple(officers), sessions=tuple(sessions))
    except InputError as err:
        # What only the whole case can judge (a course a new posting requires that the case
        # does not know...): said against the scenario file, which is what has to change.
        raise InputError([Problem(p.message, scenario.file, field=p.field)
                          for p in err.problems]) from err


def apply_all(inst: Instance, chain: list[Scenario]) -> Instance:
    """Apply scenarios one after the other (a base scenario before the one built on it)."""
    for scenario in chain:
        inst = apply(inst, scenario)
    return inst


def _case_name(inst: Instance) -> str:
    """The case's own name, without the scenario a name was given for."""
    return re.sub(r" \(scenario [^()]*\)$", "", inst.name)


def _session(r: _Reader, item: dict[str, Any], where: str, courses: set[str],
             taken: dict[str, int]) -> Session | None:
    sid = r.text(item, "id", where)
    course = r.text(item, "course", where)
    start, end = r.day(item, "start", where), r.day(item, "end", where)
    seats = r.integer(item, "seats", where, required=True)
    if sid is not None and sid in taken:
        r.bad(f"{where}.id", f"session '{sid}' exists already; choose another id, or change "
              "its seats with [[seats]]")
        return None
    if course is not None and course not in courses:
        r.bad(f"{where}.course", f"unknown course '{course}'; the case has "
              f"{', '.join(sorted(courses))}")
        return None
    if sid is None or course is None or start is None or end is None or seats is None:
        return None
    location = str(item.get("location", ""))
    made: Session | None = r.build(where, lambda: Session(sid, course, start, end, location,
                                                          seats))
    return made


def _rules(r: _Reader, data: dict[str, Any]) -> Rules:
    given = data.get("rules", {})
    changes: dict[str, int | None] = {}
    for key in KEYS["rules"]:
        if key in given:
            if key == "max_deployments" and given[key] == 0:
                changes[key] = None
                continue
            value = r.integer(given, key, "rules")
            if value is not None:
                changes[key] = value
    if not changes:
        return r.inst.rules
    names = {"deployment.months": "deployment_months",
             "deployment.min_rest_months": "min_rest_months",
             "deployment.max_per_officer": "max_deployments",
             "training.min_days_before_deployment": "training_lead_days"}
    try:
        return replace(r.inst.rules, **changes)  # type: ignore[arg-type]
    except InvalidObject as err:
        for name, message in err.issues:
            r.bad(f"rules.{names.get(name, name)}", message)
        return r.inst.rules


def _open(r: _Reader, item: dict[str, Any], where: str, postings: dict[str, Posting],
          inst: Instance) -> tuple[Posting, int, int, int, int] | None:
    ident = r.text(item, "id", where)
    if ident is not None and ident in postings:
        r.bad(f"{where}.id", f"posting '{ident}' exists already; choose a new id, or change "
              "its headcount with [[headcount]]")
        return None
    first = r.month(item, "from", where)
    last = r.month(item, "to", where, inst.rules.months - 1)
    lo = r.integer(item, "min", where, required=True)
    hi = r.integer(item, "max", where, required=True)
    hardship = r.integer(item, "hardship", where, required=True)
    khmer = r.integer(item, "min_khmer_level", where) or 0
    supervisors = r.integer(item, "supervisors", where) or 0
    specialists = r.counts(item, "specialists", where)
    courses = r.words(item, "required_courses", where)
    for course in courses:
        if course not in inst.course_by_id:
            r.bad(f"{where}.required_courses", f"unknown course '{course}'; the case has "
                  f"{', '.join(inst.course_by_id)}")
    needs = r.needs(item, "required_credentials", where)
    timezone = item.get("timezone") or (inst.postings[0].timezone if inst.postings else "UTC")
    if ident is None or first is None or last is None or lo is None or hi is None \
            or hardship is None:
        return None
    if lo > hi:
        r.bad(f"{where}.min", f"{lo} is above max {hi}; raise max or lower min")
        return None
    posting = r.build(where, lambda: Posting(
        id=ident, name=str(item.get("name", ident)), timezone=str(timezone), hardship=hardship,
        min_khmer_level=khmer, required_courses=frozenset(courses),
        min_supervisors=supervisors, min_specialists=tuple(sorted(specialists.items())),
        name_ko=str(item.get("name_ko", "")), required_credentials=needs))
    if posting is None:
        return None
    return posting, first, last, lo, hi


def _requirements(r: _Reader, item: dict[str, Any], where: str, posting: Posting
                  ) -> Posting | None:
    supervisors = r.integer(item, "supervisors", where)
    more = r.integer(item, "add_supervisors", where, least=None)
    if supervisors is not None and more is not None:
        r.bad(f"{where}.add_supervisors", "give either supervisors or add_supervisors")
        return None
    mix = dict(posting.min_specialists)
    for specialty, count in r.counts(item, "specialists", where).items():
        mix[specialty] = count
    for specialty, count in r.counts(item, "add_specialists", where).items():
        mix[specialty] = mix.get(specialty, 0) + count
    if supervisors is None:
        supervisors = posting.min_supervisors + (more or 0)
    for specialty, count in mix.items():
        if count < 0:
            r.bad(f"{where}.add_specialists", f"takes {posting.id}'s '{specialty}' specialists "
                  f"below 0 (it needs {dict(posting.min_specialists).get(specialty, 0)})")
            return None
    if supervisors < 0:
        r.bad(f"{where}.add_supervisors", f"takes {posting.id}'s supervisors below 0 (it needs "
              f"{posting.min_supervisors})")
        return None
    return r.build(where, lambda: replace(  # type: ignore[no-any-return]
        posting, min_supervisors=supervisors,
        min_specialists=tuple(sorted((s, n) for s, n in mix.items() if n > 0))))


def _recruits(r: _Reader, item: dict[str, Any], where: str, inst: Instance, rules: Rules,
              courses: set[str], taken: dict[str, int]) -> list[Officer]:
    count = r.integer(item, "count", where, least=1, required=True)
    prefix = str(item.get("id_prefix", "NEW"))
    raw_rank = str(item.get("rank", "sergeant"))
    rank = rank_of(raw_rank)
    if rank is None:
        r.bad(f"{where}.rank", f"'{raw_rank}' is not a rank; use e.g. sergeant or inspector")
    specialties = r.words(item, "specialties", where)
    needs = r.needs(item, "credentials", where)
    taken_courses = r.words(item, "courses", where)
    for course in taken_courses:
        if course not in courses:
            r.bad(f"{where}.courses", f"unknown course '{course}'; the case has "
                  f"{', '.join(sorted(courses))}")
    prefs = r.words(item, "preferences", where)
    for pref in prefs:
        if pref not in inst.posting_by_id:
            r.bad(f"{where}.preferences", f"unknown posting '{pref}'")
    start = r.day(item, "from", where, rules.start)
    if count is None or rank is None or start is None:
        return []
    out = []
    for k in range(1, count + 1):
        ident = f"{prefix}-{k:02d}"
        if ident in taken:
            r.bad(f"{where}.id_prefix", f"makes id '{ident}', which exists already; choose "
                  "another id_prefix")
            return []
        away = ((Unavailability(rules.start, start - timedelta(days=1), "not yet available"),)
                if start > rules.start else ())
        out.append(Officer(
            id=ident, name=f"New officer {prefix}-{k:02d}", rank=rank,
            specialties=frozenset(specialties), home_unit="(added by scenario)",
            certificates=tuple(Credential(name, level, start) for name, level in needs),
            courses=tuple(CourseCompletion(c, start - timedelta(days=1)) for c in taken_courses),
            unavailability=away, preferences=tuple(prefs)))
    return out


def _demand_rows(inst: Instance, table: dict[tuple[str, int], tuple[int, int]],
                 postings: list[str]) -> tuple[Demand, ...]:
    """The month table back as demand rows: one per run of months with the same minimum and
    maximum (months with neither are left closed)."""
    rows = []
    rules = inst.rules
    for pid in postings:
        t = 0
        while t < rules.months:
            value = table.get((pid, t), (0, 0))
            end = t
            while end + 1 < rules.months and table.get((pid, end + 1), (0, 0)) == value:
                end += 1
            if value != (0, 0):
                rows.append(Demand(pid, rules.month_start(t), rules.month_start(end), *value))
            t = end + 1
    return tuple(rows)


_RELATIVE = re.compile(r"[+-]\d+")


def _moved(old: int, change: tuple[bool, int] | None) -> int:
    """A month's minimum or maximum after a headcount change: kept, moved by N, or set."""
    if change is None:
        return old
    relative, n = change
    return old + n if relative else n


def with_demand(inst: Instance, months: dict[tuple[str, int], tuple[int, int]]) -> Instance:
    """``inst`` with the (minimum, maximum) of some postings' months replaced, the others kept:
    how capacity questions and sweeps restate demand without a scenario file."""
    table = {(p.id, t): inst.demand(p.id, t) for p in inst.postings for t in inst.months}
    table.update(months)
    return replace(inst, demands=_demand_rows(inst, table, [p.id for p in inst.postings]))


def changes(scenario: Scenario) -> list[str]:
    """What the scenario changes, one line each, in the words of its file."""
    data = scenario.data
    out = []
    for item in data.get("headcount", []):
        span = f"{item.get('from', 'start')}..{item.get('to', 'end')}"
        if "add" in item:
            what = f"{item['add']:+d} officers"
        else:
            what = ", ".join(f"{k} {item[k]}" for k in ("min", "max") if k in item)
        out.append(f"headcount {item.get('posting')} {span}: {what}")
    for item in data.get("requirements", []):
        parts = [f"{k} {item[k]}" for k in ("supervisors", "add_supervisors") if k in item]
        parts += [f"{k} {item[k]}" for k in ("specialists", "add_specialists") if k in item]
        out.append(f"requirements {item.get('posting')}: {', '.join(parts)}")
    for item in data.get("open", []):
        out.append(f"open {item.get('id')} ({item.get('name', '')}) from {item.get('from')}: "
                   f"{item.get('min')}-{item.get('max')} officers")
    for item in data.get("close", []):
        out.append(f"close {item.get('posting')} from {item.get('from')}"
                   + (f" to {item['to']}" if "to" in item else ""))
    for key, value in data.get("rules", {}).items():
        out.append(f"rule {key} = {value}")
    for item in data.get("withdraw", []):
        names = item.get("officers", [])
        out.append(f"withdraw {', '.join(names) if isinstance(names, list) else names} from "
                   f"{item.get('from')}")
    for item in data.get("recruit", []):
        out.append(f"recruit {item.get('count')} {item.get('rank', 'sergeant')} "
                   f"({', '.join(item.get('specialties', [])) or 'no specialty'}; "
                   f"{', '.join(item.get('credentials', [])) or 'no credential'}) from "
                   f"{item.get('from', 'the start')}")
    for item in data.get("sessions", []):
        out.append(f"session {item.get('id')} of {item.get('course')} {item.get('start')}.."
                   f"{item.get('end')}, {item.get('seats')} seats")
    for item in data.get("seats", []):
        what = f"{item['add']:+d}" if "add" in item else f"= {item.get('seats')}"
        out.append(f"seats of {item.get('session')} {what}")
    return out
