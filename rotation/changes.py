"""What happened since a plan was published, as a planner writes it down: a CHANGES.toml file.

A re-plan applies these changes to the published version's case (its stored input, not the case
files, which may have moved on) and plans again from there. Every change names what it touches
by the case's own ids and dates; a change the case contradicts (an unknown officer or posting, a
date outside the horizon, a headcount whose minimum ends above its maximum) is an error that
names the file and the key, and nothing is changed. The format is in docs/replanning.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rotation.domain import (
    CourseCompletion,
    Credential,
    Demand,
    Instance,
    InvalidObject,
    Officer,
    Unavailability,
    rank_of,
)
from rotation.errors import InputError, Problem

__all__ = ["Changes", "load_changes"]

_KINDS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required keys, optional keys)
    "withdraw": ({"officer", "from"}, {"reason"}),
    "leave": ({"officer", "from", "to"}, {"reason"}),
    "revoke": ({"officer", "credential", "from"}, {"reason"}),
    "credential": ({"officer", "credential", "valid_from"}, {"level", "valid_until"}),
    "course": ({"officer", "course", "completed_on"}, {"expires_on"}),
    "headcount": ({"posting", "from"}, {"to", "min", "max"}),
    "officer": ({"id", "name", "rank"},
                {"specialties", "preferences", "home_unit", "available_from", "credentials",
                 "courses"}),
}


@dataclass(frozen=True)
class Changes:
    """The case with the changes applied, the freeze date the file asks for (if any), and each
    change in words, for the planner and the audit note."""

    instance: Instance
    freeze: date | None
    said: tuple[str, ...]


class _Reader:
    """Collects every problem of the file, each located by its key (``leave[2].to``)."""

    def __init__(self, path: Path, inst: Instance) -> None:
        self.file = str(path)
        self.inst = inst
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(message, self.file, field=key))

    def day(self, entry: dict[str, Any], key: str, where: str, inside: bool = True
            ) -> date | None:
        raw = entry.get(key)
        if raw is None:
            return None
        if isinstance(raw, str):
            try:
                raw = date.fromisoformat(raw)
            except ValueError:
                self.bad(f"{where}.{key}", f"'{raw}' is not a date; write YYYY-MM-DD")
                return None
        if not isinstance(raw, date):
            self.bad(f"{where}.{key}", f"{raw!r} is not a date; write YYYY-MM-DD")
            return None
        rules = self.inst.rules
        if inside and not rules.start <= raw <= rules.end:
            self.bad(f"{where}.{key}", f"{raw} lies outside the horizon {rules.start}.."
                                       f"{rules.end}")
            return None
        return raw

    def month(self, entry: dict[str, Any], key: str, where: str) -> int | None:
        raw = entry.get(key)
        if raw is None:
            return None
        text = raw.isoformat()[:7] if isinstance(raw, date) else str(raw)
        try:
            t = self.inst.rules.month_of_label(text)
            if len(text) != 7:
                raise ValueError
        except ValueError:
            self.bad(f"{where}.{key}", f"'{raw}' is not a month; write YYYY-MM")
            return None
        if not 0 <= t < self.inst.rules.months:
            self.bad(f"{where}.{key}", f"{text} lies outside the horizon "
                                       f"{self.inst.rules.month_label(0)}.."
                                       f"{self.inst.rules.month_label(self.inst.rules.months - 1)}")
            return None
        return t

    def text(self, entry: dict[str, Any], key: str, where: str) -> str | None:
        raw = entry.get(key)
        if raw is None:
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.bad(f"{where}.{key}", f"{raw!r} should be non-empty text")
            return None
        return raw.strip()

    def level(self, entry: dict[str, Any], key: str, where: str) -> int | None:
        raw = entry.get(key, 0)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            self.bad(f"{where}.{key}", f"{raw!r} should be a whole number, 0 or more")
            return None
        return raw

    def officer(self, entry: dict[str, Any], where: str, known: dict[str, Officer]
                ) -> str | None:
        ident = self.text(entry, "officer", where)
        if ident is not None and ident not in known:
            self.bad(f"{where}.officer", f"unknown officer '{ident}'; the published version's "
                                         "case has no such service number")
            return None
        return ident


def load_changes(path: Path, inst: Instance) -> Changes:
    """Read ``path`` and apply it to ``inst``; InputError lists every problem, file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(Problem("file not found", str(path))) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
        raise InputError(Problem(f"is not a readable TOML file: {err}", str(path))) from None
    r = _Reader(path, inst)
    for key in sorted(set(data) - {"freeze", *_KINDS}):
        r.bad(key, f"is not a kind of change; use {', '.join(sorted(_KINDS))} (and freeze)")
    freeze = r.day(data, "freeze", "freeze") if "freeze" in data else None
    officers = {o.id: o for o in inst.officers}
    demands = list(inst.demands)
    said: list[str] = []
    apply: dict[str, Callable[[_Reader, dict[str, Any], str, dict[str, Officer],
                               list[Demand], list[str]], None]] = {
        "withdraw": _withdraw, "leave": _leave, "revoke": _revoke, "credential": _credential,
        "course": _course, "headcount": _headcount, "officer": _officer,
    }
    for kind, (required, optional) in _KINDS.items():
        entries = data.get(kind, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            r.bad(kind, f"write each change as a [[{kind}]] table")
            continue
        for i, entry in enumerate(entries, start=1):
            where = f"{kind}[{i}]"
            missing = sorted(required - set(entry))
            unknown = sorted(set(entry) - required - optional)
            for key in missing:
                r.bad(f"{where}.{key}", "is missing")
            for key in unknown:
                r.bad(f"{where}.{key}", f"is not a key of a {kind} change; use "
                                        f"{', '.join(sorted(required | optional))}")
            if not missing and not unknown:
                apply[kind](r, entry, where, officers, demands, said)
    if r.problems:
        raise InputError(r.problems)
    try:
        changed = replace(inst, officers=tuple(officers.values()), demands=tuple(demands))
    except InputError as err:
        raise InputError([replace(p, file=p.file or str(path)) for p in err.problems]) from None
    return Changes(changed, freeze, tuple(said))


def _forever(inst: Instance) -> date:
    """A last day no plan reaches: an absence 'from a date on'."""
    return date(inst.rules.end.year + 100, 12, 31)


def _absent(officers: dict[str, Officer], ident: str, away: Unavailability) -> None:
    o = officers[ident]
    officers[ident] = replace(o, unavailability=(*o.unavailability, away))


def _withdraw(r: _Reader, e: dict[str, Any], where: str, officers: dict[str, Officer],
              demands: list[Demand], said: list[str]) -> None:
    ident, first = r.officer(e, where, officers), r.day(e, "from", where)
    reason = str(e.get("reason", "")).strip()
    if ident is None or first is None:
        return
    _absent(officers, ident, Unavailability(first, _forever(r.inst),
                                            "withdrawn" + (f": {reason}" if reason else "")))
    said.append(f"{ident} withdrawn from {first}" + (f" ({reason})" if reason else ""))


def _leave(r: _Reader, e: dict[str, Any], where: str, officers: dict[str, Officer],
           demands: list[Demand], said: list[str]) -> None:
    ident = r.officer(e, where, officers)
    first, last = r.day(e, "from", where), r.day(e, "to", where, inside=False)
    reason = str(e.get("reason", "")).strip()
    if ident is None or first is None or last is None:
        return
    if last < first:
        r.bad(f"{where}.to", f"{last} is before from {first}")
        return
    _absent(officers, ident, Unavailability(first, last, reason))
    said.append(f"{ident} on leave {first}..{last}" + (f" ({reason})" if reason else ""))


def _revoke(r: _Reader, e: dict[str, Any], where: str, officers: dict[str, Officer],
            demands: list[Demand], said: list[str]) -> None:
    ident, name = r.officer(e, where, officers), r.text(e, "credential", where)
    first = r.day(e, "from", where)
    if ident is None or name is None or first is None:
        return
    name = name.lower()
    o = officers[ident]
    kept: list[Credential] = []
    hit = False
    for c in o.certificates:
        if c.name != name or (c.valid_until is not None and c.valid_until < first):
            kept.append(c)
            continue
        hit = True
        if c.valid_from < first:  # valid until the day before the revocation
            kept.append(replace(c, valid_until=first - timedelta(days=1)))
    if not hit:
        r.bad(f"{where}.credential", f"{ident} holds no '{name}' valid on or after {first}")
        return
    officers[ident] = replace(o, certificates=tuple(kept))
    said.append(f"{ident}'s {name} revoked from {first}")


def _credential(r: _Reader, e: dict[str, Any], where: str, officers: dict[str, Officer],
                demands: list[Demand], said: list[str]) -> None:
    ident, name = r.officer(e, where, officers), r.text(e, "credential", where)
    first = r.day(e, "valid_from", where, inside=False)
    last = r.day(e, "valid_until", where, inside=False)
    level = r.level(e, "level", where)
    if ident is None or name is None or first is None or level is None:
        return
    try:
        gained = Credential(name.lower(), level, first, last)
    except InvalidObject as err:
        for key, message in err.issues:
            r.bad(f"{where}.{key}", message)
        return
    o = officers[ident]
    officers[ident] = replace(o, certificates=(*o.certificates, gained))
    said.append(f"{ident} gained {name}" + (f" level {level}" if level else "")
                + f" from {first}")


def _course(r: _Reader, e: dict[str, Any], where: str, officers: dict[str, Officer],
            demands: list[Demand], said: list[str]) -> None:
    ident, course = r.officer(e, where, officers), r.text(e, "course", where)
    done = r.day(e, "completed_on", where, inside=False)
    expires = r.day(e, "expires_on", where, inside=False)
    if ident is None or course is None or done is None:
        return
    if course not in r.inst.course_by_id:
        r.bad(f"{where}.course", f"unknown course '{course}'")
        return
    try:
        completion = CourseCompletion(course, done, expires)
    except InvalidObject as err:
        for key, message in err.issues:
            r.bad(f"{where}.{key}", message)
        return
    o = officers[ident]
    officers[ident] = replace(o, courses=(*o.courses, completion))
    said.append(f"{ident} completed {course} on {done}")


def _headcount(r: _Reader, e: dict[str, Any], where: str, officers: dict[str, Officer],
               demands: list[Demand], said: list[str]) -> None:
    posting = r.text(e, "posting", where)
    first = r.month(e, "from", where)
    last = r.month(e, "to", where) if "to" in e else r.inst.rules.months - 1
    if posting is not None and posting not in r.inst.posting_by_id:
        r.bad(f"{where}.posting", f"unknown posting '{posting}'")
        return
    if posting is None or first is None or last is None:
        return
    if last < first:
        r.bad(f"{where}.to", "is before from")
        return
    amounts = {k: _amount(r, e, k, where) for k in ("min", "max") if k in e}
    change = {k: v for k, v in amounts.items() if v is not None}
    if len(change) != len(amounts):
        return
    if not change:
        r.bad(where, "says neither min nor max; give one or both")
        return
    inst = r.inst
    table = {t: inst.demand(posting, t) for t in inst.months}
    for t in range(first, last + 1):
        lo, hi = table[t]
        for key, (relative, n) in change.items():
            if key == "min":
                lo = lo + n if relative else n
            else:
                hi = hi + n if relative else n
        if lo < 0 or hi < lo:
            r.bad(where, f"{posting} would need {lo} to {max(hi, 0)} officers in "
                         f"{inst.rules.month_label(t)}; a minimum must be 0 or more and at most "
                         "the maximum")
            return
        table[t] = (lo, hi)
    demands[:] = [d for d in demands if d.posting != posting] + _rows(inst, posting, table)
    words = ", ".join(f"{k} {n:+d}" if rel else f"{k} {n}" for k, (rel, n) in change.items())
    said.append(f"{posting} {words} in {inst.rules.month_label(first)}.."
                f"{inst.rules.month_label(last)}")


def _amount(r: _Reader, e: dict[str, Any], key: str, where: str) -> tuple[bool, int] | None:
    """A headcount: a whole number, or "+N" / "-N" relative to each month's own."""
    raw = e[key]
    if isinstance(raw, int) and not isinstance(raw, bool):
        return False, raw
    if isinstance(raw, str) and raw.strip()[:1] in "+-" and raw.strip()[1:].isdigit():
        return True, int(raw.strip())
    r.bad(f"{where}.{key}", f"{raw!r} should be a whole number, or \"+N\" / \"-N\" to change "
                            "each month's by N")
    return None


def _rows(inst: Instance, posting: str, table: dict[int, tuple[int, int]]) -> list[Demand]:
    """A posting's month-by-month demand as rows of equal months; closed months have none."""
    out: list[Demand] = []
    run: tuple[int, int, tuple[int, int]] | None = None  # first, last, (min, max)
    for t in [*inst.months, None]:
        value = table.get(t) if t is not None else None
        if run is not None and (t is None or value != run[2] or t != run[1] + 1):
            if run[2] != (0, 0):
                out.append(Demand(posting, inst.rules.month_start(run[0]),
                                  inst.rules.month_start(run[1]), *run[2]))
            run = None
        if t is not None and value is not None:
            run = (run[0], t, value) if run is not None else (t, t, value)
    return out


def _officer(r: _Reader, e: dict[str, Any], where: str, officers: dict[str, Officer],
             demands: list[Demand], said: list[str]) -> None:
    ident, name = r.text(e, "id", where), r.text(e, "name", where)
    rank_text = r.text(e, "rank", where)
    if ident is None or name is None or rank_text is None:
        return
    if ident in officers:
        r.bad(f"{where}.id", f"'{ident}' is an officer of the case already")
        return
    rank = rank_of(rank_text)
    if rank is None:
        r.bad(f"{where}.rank", f"'{rank_text}' is not a rank")
        return
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("specialties", "preferences"):
        raw = e.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            r.bad(f"{where}.{key}", "should be a list of text, e.g. [\"cyber\"]")
            return
        lists[key] = tuple(raw)
    for p in lists["preferences"]:
        if p not in r.inst.posting_by_id:
            r.bad(f"{where}.preferences", f"unknown posting '{p}'")
            return
    away: tuple[Unavailability, ...] = ()
    if "available_from" in e:
        first = r.day(e, "available_from", where, inside=False)
        if first is None:
            return
        if first > r.inst.rules.start:
            away = (Unavailability(r.inst.rules.start - timedelta(days=3660),
                                   first - timedelta(days=1), "not yet available"),)
    credentials: list[Credential] = []
    for i, c in enumerate(e.get("credentials", []), start=1):
        at = f"{where}.credentials[{i}]"
        name_c = r.text(c, "credential", at) if isinstance(c, dict) else None
        start = r.day(c, "valid_from", at, inside=False) if isinstance(c, dict) else None
        if name_c is None or start is None:
            r.bad(at, "give credential and valid_from (and level, valid_until if any)")
            return
        level = r.level(c, "level", at)
        if level is None:
            return
        try:
            credentials.append(Credential(name_c.lower(), level, start,
                                          r.day(c, "valid_until", at, inside=False)))
        except InvalidObject as err:
            for key, message in err.issues:
                r.bad(f"{at}.{key}", message)
            return
    courses: list[CourseCompletion] = []
    for i, c in enumerate(e.get("courses", []), start=1):
        at = f"{where}.courses[{i}]"
        course = r.text(c, "course", at) if isinstance(c, dict) else None
        done = r.day(c, "completed_on", at, inside=False) if isinstance(c, dict) else None
        if course is None or done is None or course not in r.inst.course_by_id:
            r.bad(at, "give a course of the case and completed_on (and expires_on if any)")
            return
        courses.append(CourseCompletion(course, done, r.day(c, "expires_on", at, inside=False)))
    try:
        officers[ident] = Officer(
            id=ident, name=name, rank=rank, specialties=frozenset(lists["specialties"]),
            home_unit=str(e.get("home_unit", "")), certificates=tuple(credentials),
            courses=tuple(courses), unavailability=away, preferences=lists["preferences"],
        )
    except InvalidObject as err:
        for key, message in err.issues:
            r.bad(f"{where}.{key}", message)
        return
    said.append(f"{ident} ({name}, {rank}) joins the pool")
