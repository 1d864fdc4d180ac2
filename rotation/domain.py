"""The planning problem as frozen, validated data: officers, postings, demand and rules.

Nothing here knows about the solver, storage or the command line. Every object checks its own
fields when it is built, and :class:`Instance` checks what only makes sense across objects
(unknown postings, duplicate ids, overlapping demand...). Objects read from files carry a
:class:`Source` so that every problem can name the file and row a planner has to edit.

Time is counted in calendar months. Month ``0`` is the first month of the horizon; a month index
``t`` stands for the whole month from its first to its last day, both inclusive.
"""

from __future__ import annotations

import calendar as _calendar
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from functools import cached_property
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from rotation.errors import InputError, Problem
from rotation.plan import Plan

__all__ = [
    "KOREAN_RANKS",
    "LANGUAGES",
    "MAX_LANGUAGE_LEVEL",
    "MAX_LEVEL",
    "RANKS",
    "SUPERVISOR_RANKS",
    "CalendarSettings",
    "CourseCompletion",
    "CourseDef",
    "Credential",
    "Demand",
    "Instance",
    "InvalidObject",
    "LanguageCertificate",
    "Officer",
    "OutputSettings",
    "PastDeployment",
    "Posting",
    "Replan",
    "Requirement",
    "Rules",
    "Session",
    "SolverSettings",
    "Source",
    "Unavailability",
    "Weights",
    "add_months",
    "column_letter",
    "month_end",
    "month_index",
    "month_label",
    "month_start",
    "parse_clock",
    "rank_of",
    "requirements",
    "weeks_away",
]

# Korean National Police ranks, junior to senior. Inspector (경위) and above lead teams, so they
# count as supervisors for the posting mix.
RANKS: tuple[str, ...] = (
    "officer",
    "senior-officer",
    "sergeant",
    "inspector",
    "senior-inspector",
    "superintendent",
    "senior-superintendent",
)
SUPERVISOR_RANKS: frozenset[str] = frozenset(RANKS[RANKS.index("inspector") :])
# The same ranks as planners at home write them (순경 … 총경), in the order of RANKS.
KOREAN_RANKS: dict[str, str] = dict(
    zip(("순경", "경장", "경사", "경위", "경감", "경정", "총경"), RANKS, strict=True)
)
# Levels of a credential (a language certificate, a security clearance...) run from 1 to
# MAX_LEVEL, higher meaning more; 0 stands for a credential that has no level (a passport).
MAX_LEVEL = 5
MAX_LANGUAGE_LEVEL = MAX_LEVEL
KHMER = "khmer"
MAX_PRIORITY = 100

Cost = TypeVar("Cost", int, float)
"""What :meth:`Instance.least_among` weighs a session by: weeks, or a price."""
# A handover longer than two weeks either side of a changeover is a typo, not a plan.
MAX_HANDOVER_DAYS = 14

# The bounds of the numeric settings (docs/input.md, rules.toml). Beyond them a value is a
# typo, not a plan, and it used to end in a traceback: dates past the year 9999, timedeltas
# that overflow, seeds CP-SAT cannot take, a NaN time limit that ran for minutes.
MAX_HORIZON_MONTHS = 360  # thirty years; also the most any other setting counts in months
FIRST_YEAR, LAST_YEAR = 1900, 2199  # of the horizon's first month
MAX_TARGET_MONTHS = 10_000  # hardship-weighted months
MAX_LEAD_DAYS = 730
MAX_WEIGHT = 1_000_000  # keeps every objective far inside CP-SAT's 64-bit integers
MAX_TIME_LIMIT = 7 * 24 * 3600.0  # a week, in seconds
MAX_WORK_LIMIT = 10_000_000.0
MAX_WORKERS = 256
MAX_SEED = 2**31 - 1  # CP-SAT's random_seed is a 32-bit integer
MAX_RETENTION_DAYS = 1830  # five years
MAX_TRAVEL_MINUTES = 48 * 60


def _within(issues: list[tuple[str, str]], name: str, value: float, low: float, high: float,
            unit: str = "") -> None:
    """Add an issue unless ``low <= value <= high`` (a NaN is never within)."""
    if not low <= value <= high:
        unit = f" {unit}" if unit else ""
        what = "is negative" if value < 0 <= low else "is out of range"
        issues.append((name, f"{value!r} {what}: give {_number(low)} to {_number(high)}{unit}"))


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else f"{value:,}"


def rank_of(text: str) -> str | None:
    """The rank a planner wrote, in English or Korean, as one of :data:`RANKS` (None if none).

    English is read without regard to case, and a space or underscore stands for a hyphen
    (``Senior officer``), because that is how people type it in a spreadsheet cell.
    """
    raw = text.strip()
    if raw in KOREAN_RANKS:
        return KOREAN_RANKS[raw]
    slug = "-".join(raw.lower().replace("_", " ").replace("-", " ").split())
    return slug if slug in RANKS else None


# ---------------------------------------------------------------------------------------------
# Calendar months


def month_index(day: date, origin: date) -> int:
    """Index of the month containing ``day``, counted from the month of ``origin`` (may be < 0)."""
    return (day.year - origin.year) * 12 + day.month - origin.month


def add_months(day: date, months: int) -> date:
    """First day of the month ``months`` after the month of ``day``."""
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def month_start(origin: date, t: int) -> date:
    """First day of month ``t`` of a horizon that starts in the month of ``origin``."""
    return add_months(origin, t)


def month_end(origin: date, t: int) -> date:
    """Last day (inclusive) of month ``t`` of a horizon that starts in the month of ``origin``."""
    first = add_months(origin, t)
    return date(first.year, first.month, _calendar.monthrange(first.year, first.month)[1])


def month_label(origin: date, t: int) -> str:
    """``YYYY-MM`` of month ``t``, the way planners write months."""
    first = add_months(origin, t)
    return f"{first.year:04d}-{first.month:02d}"


# ---------------------------------------------------------------------------------------------
# Validation plumbing


@dataclass(frozen=True)
class Source:
    """Where an object was read from: file name and spreadsheet row (header = row 1).

    An object read from a workbook also names its ``sheet`` and keeps the sheet's ``columns``
    (the header, left to right), so that a problem found later can name the cell by the letter
    Excel shows above it.
    """

    file: str
    row: int | None = None
    sheet: str = ""
    columns: tuple[str, ...] = ()

    def letter(self, column: str) -> str:
        """The Excel letter of ``column`` in the sheet (``""`` outside a workbook)."""
        if column not in self.columns:
            return ""
        return column_letter(self.columns.index(column))

    def problem(self, column: str, message: str) -> Problem:
        """A problem located at this row and ``column``."""
        return Problem(message, self.file, self.row, column, self.sheet, self.letter(column))


def column_letter(index: int) -> str:
    """Excel's name of the column ``index`` counts from 0: A, B, ... Z, AA, AB..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class InvalidObject(ValueError):
    """Raised by a constructor with every (field, message) pair that is wrong with it."""

    def __init__(self, kind: str, issues: list[tuple[str, str]]) -> None:
        self.kind = kind
        self.issues = issues
        super().__init__("; ".join(f"{kind} {f}: {m}" for f, m in issues))


def _raise_if(kind: str, issues: list[tuple[str, str]]) -> None:
    if issues:
        raise InvalidObject(kind, issues)


def _check_span(issues: list[tuple[str, str]], start: date, end: date | None, names: str) -> None:
    first, last = names.split("/")
    if end is not None and end < start:
        issues.append((last, f"{end} is before {first} {start}; swap them or fix the date"))


def _problem(source: Source | None, field_name: str, message: str, refers_to: str = ""
             ) -> Problem:
    if source is None:
        return Problem(message, field=field_name, refers_to=refers_to)
    return replace(source.problem(field_name, message), refers_to=refers_to)


# ---------------------------------------------------------------------------------------------
# Officers


@dataclass(frozen=True)
class Credential:
    """Something an officer holds for a time: a language certificate at a level, a passport, a
    medical or security clearance. Valid from ``valid_from`` to ``valid_until``, both days
    inclusive; ``valid_until`` of ``None`` means it does not expire.

    ``name`` is a lower-case word such as ``khmer``, ``passport`` or ``medical``. ``level`` runs
    from 1 to :data:`MAX_LEVEL`, higher meaning more; 0 means the credential has no level.
    """

    name: str
    level: int
    valid_from: date
    valid_until: date | None = None
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not self.name.strip():
            issues.append(("credential", "is empty; name the credential, e.g. khmer or passport"))
        if not 0 <= self.level <= MAX_LEVEL:
            issues.append(
                ("level", f"{self.level} is out of range; use 1 to {MAX_LEVEL}, or leave it "
                 "blank for a credential without levels")
            )
        _check_span(issues, self.valid_from, self.valid_until, "valid_from/valid_until")
        _raise_if("credential", issues)

    def covers(self, start: date, end: date) -> bool:
        """True if the credential is valid on every day from ``start`` to ``end`` inclusive."""
        return self.valid_from <= start and (self.valid_until is None or self.valid_until >= end)


LanguageCertificate = Credential
"""The name of :class:`Credential` from when only languages were recorded."""


@dataclass(frozen=True)
class CourseCompletion:
    """A course an officer finished on ``completed_on``.

    ``expires_on`` is the first day on which the course no longer counts (``None``: never).
    """

    course: str
    completed_on: date
    expires_on: date | None = None
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not self.course.strip():
            issues.append(("course", "is empty; write the course id"))
        if self.expires_on is not None and self.expires_on <= self.completed_on:
            issues.append(
                ("expires_on", f"{self.expires_on} is not after completed_on {self.completed_on}")
            )
        _raise_if("course completion", issues)

    def counts_for(self, start: date, end: date) -> bool:
        """True if completed before ``start`` and still counting on ``end`` (inclusive)."""
        return self.completed_on < start and (self.expires_on is None or self.expires_on > end)


@dataclass(frozen=True)
class Unavailability:
    """Leave or other absence from ``start`` to ``end``, both days inclusive."""

    start: date
    end: date
    reason: str = ""
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        _check_span(issues, self.start, self.end, "from/to")
        _raise_if("unavailability", issues)

    def overlaps(self, start: date, end: date) -> bool:
        """True if any day from ``start`` to ``end`` (inclusive) falls in this absence."""
        return self.start <= end and start <= self.end


@dataclass(frozen=True)
class PastDeployment:
    """A deployment that happened (or started) before the plan: ``start``..``end`` inclusive."""

    posting: str
    start: date
    end: date
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not self.posting.strip():
            issues.append(("posting", "is empty; write the posting id"))
        _check_span(issues, self.start, self.end, "start/end")
        _raise_if("past deployment", issues)


@dataclass(frozen=True)
class Officer:
    """A candidate officer with qualifications, absences, preferences and deployment history."""

    id: str
    name: str
    rank: str
    specialties: frozenset[str] = frozenset()
    home_unit: str = ""
    certificates: tuple[Credential, ...] = ()
    courses: tuple[CourseCompletion, ...] = ()
    unavailability: tuple[Unavailability, ...] = ()
    preferences: tuple[str, ...] = ()
    history: tuple[PastDeployment, ...] = ()
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not self.id.strip():
            issues.append(("id", "is empty; every officer needs a service number"))
        if not self.name.strip():
            issues.append(("name", "is empty"))
        if self.rank not in RANKS:
            named = ", ".join(f"{r} ({k})" for k, r in KOREAN_RANKS.items())
            issues.append(("rank", f"'{self.rank}' is not a rank; use one of {named}"))
        if len(set(self.preferences)) != len(self.preferences):
            issues.append(("preferences", "names a posting twice"))
        _raise_if("officer", issues)

    @property
    def is_supervisor(self) -> bool:
        """Supervisors are inspectors and above; the posting mix counts them."""
        return self.rank in SUPERVISOR_RANKS

    def credential_level(self, name: str, start: date, end: date) -> int | None:
        """Highest level of credential ``name`` held by one record valid on every day of
        ``start``..``end``: 0 for one without levels, None if no such record."""
        levels = [c.level for c in self.certificates if c.name == name and c.covers(start, end)]
        return max(levels, default=None)

    def language_level(self, language: str, start: date, end: date) -> int:
        """Highest level in ``language`` held on every day of ``start``..``end`` (0 if none)."""
        return self.credential_level(language, start, end) or 0

    def has_course(self, course: str, start: date, end: date) -> bool:
        """True if ``course`` was completed before ``start`` and still counts on ``end``."""
        return any(c.course == course and c.counts_for(start, end) for c in self.courses)

    def is_available(self, start: date, end: date) -> bool:
        """True if no recorded absence touches any day from ``start`` to ``end``."""
        return not any(u.overlaps(start, end) for u in self.unavailability)


# ---------------------------------------------------------------------------------------------
# Postings, courses, demand


@dataclass(frozen=True)
class CourseDef:
    """A pre-deployment course: completing it counts as the course, and may grant a credential
    (``grants_credential``, e.g. ``khmer``) at ``grants_level`` (0: a credential without levels).

    ``validity_months`` is how long what the course grants stays valid after its last day
    (``None``: for good).
    """

    id: str
    name: str
    grants_credential: str = ""
    grants_level: int = 0
    validity_months: int | None = None
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not self.id.strip():
            issues.append(("id", "is empty"))
        if not 0 <= self.grants_level <= MAX_LEVEL:
            issues.append(
                ("grants_level", f"{self.grants_level} is out of range; use 1 to {MAX_LEVEL}, "
                 "or leave it blank for a credential without levels")
            )
        if self.grants_level and not self.grants_credential:
            issues.append(("grants_credential", "is empty but grants_level is set"))
        if self.validity_months is not None and self.validity_months < 1:
            issues.append(("validity_months", "must be at least 1, or blank for no expiry"))
        _raise_if("course", issues)


@dataclass(frozen=True)
class Session:
    """A dated run of a course, ``start``..``end`` inclusive, with a number of seats."""

    id: str
    course: str
    start: date
    end: date
    location: str = ""
    seats: int = 0
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not self.id.strip():
            issues.append(("id", "is empty"))
        _check_span(issues, self.start, self.end, "start/end")
        if self.seats < 0:
            issues.append(("seats", f"{self.seats} is negative"))
        _raise_if("session", issues)

    @property
    def weeks(self) -> int:
        return weeks_away(self.start, self.end)

    def grants(self, course: CourseDef) -> tuple[CourseCompletion, Credential | None]:
        """What finishing this session gives, dated from its last day."""
        expires = (
            _shift_months(self.end, course.validity_months)
            if course.validity_months is not None
            else None
        )
        completion = CourseCompletion(course.id, self.end, expires)
        certificate = None
        if course.grants_credential:
            until = expires - timedelta(days=1) if expires is not None else None
            certificate = Credential(course.grants_credential, course.grants_level, self.end, until)
        return completion, certificate


def weeks_away(start: date, end: date) -> int:
    """Whole weeks from ``start`` to ``end`` inclusive, rounded up: what a seat costs a unit."""
    return -(-((end - start).days + 1) // 7)


def _shift_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, clamped to that month's last day."""
    first = add_months(day, months)
    last = _calendar.monthrange(first.year, first.month)[1]
    return first.replace(day=min(day.day, last))


@dataclass(frozen=True)
class Posting:
    """A place officers serve, with its entry requirements and the mix it needs every month."""

    id: str
    name: str
    timezone: str
    hardship: int
    min_khmer_level: int = 0
    required_courses: frozenset[str] = frozenset()
    min_supervisors: int = 0
    min_specialists: tuple[tuple[str, int], ...] = ()
    name_ko: str = ""
    """The name in Korean for outputs in Korean (blank: ``name`` is used)."""
    required_credentials: tuple[tuple[str, int], ...] = ()
    priority: int = 1
    """How many times ``weights.unmet_demand`` an officer-month short here costs: under
    shortage, a posting of priority 2 is staffed before one of priority 1."""
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not self.id.strip():
            issues.append(("id", "is empty"))
        if not self.name.strip():
            issues.append(("name", "is empty"))
        if not 1 <= self.priority <= MAX_PRIORITY:
            issues.append(("priority", f"{self.priority} is out of range; use a whole number "
                                       f"from 1 (the default) to {MAX_PRIORITY}"))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            issues.append(
                ("timezone", f"'{self.timezone}' is not an IANA time zone, e.g. Asia/Phnom_Penh")
            )
        if not 0 <= self.hardship <= 5:
            issues.append(("hardship", f"{self.hardship} is out of range; use 0 to 5"))
        if not 0 <= self.min_khmer_level <= MAX_LANGUAGE_LEVEL:
            issues.append(
                (
                    "min_khmer_level",
                    f"{self.min_khmer_level} is out of range; use 0 (none) to {MAX_LANGUAGE_LEVEL}",
                )
            )
        if self.min_supervisors < 0:
            issues.append(("min_supervisors", "is negative"))
        for specialty, count in self.min_specialists:
            if count < 0:
                issues.append(("min_specialists", f"{specialty} has a negative count"))
        if len({s for s, _ in self.min_specialists}) != len(self.min_specialists):
            issues.append(("min_specialists", "names a specialty twice"))
        names = [name for name, _ in self.required_credentials]
        for name, level in self.required_credentials:
            if not name.strip():
                issues.append(("required_credentials", "names an empty credential"))
            if not 0 <= level <= MAX_LEVEL:
                issues.append(("required_credentials",
                               f"{name}>={level}: the level is out of range; use 1 to {MAX_LEVEL}"))
        if len(set(names)) != len(names):
            issues.append(("required_credentials", "names a credential twice"))
        elif self.min_khmer_level > 0 and KHMER in names:
            issues.append(("required_credentials",
                           f"names {KHMER}, which min_khmer_level also sets; keep one of them"))
        _raise_if("posting", issues)

    @property
    def credentials(self) -> tuple[tuple[str, int], ...]:
        """Every credential the posting requires with its least level (0: any level), by name:
        ``required_credentials`` with ``min_khmer_level`` as ``khmer`` at that level."""
        found = dict(self.required_credentials)
        if self.min_khmer_level > 0:
            found[KHMER] = self.min_khmer_level
        return tuple(sorted(found.items()))


@dataclass(frozen=True)
class Requirement:
    """One entry requirement of a posting: a course, or a credential at a least level.

    A credential requirement of level 0 is met by any record of that credential; of level L > 0,
    by one of level L or more. Either way one record must be valid on every day asked about.
    """

    course: str = ""
    credential: str = ""
    level: int = 0

    def met_by(self, officer: Officer, start: date, end: date) -> bool:
        """True if the officer's own records satisfy it on every day of ``start``..``end``."""
        if self.course:
            return officer.has_course(self.course, start, end)
        held = officer.credential_level(self.credential, start, end)
        return held is not None and held >= self.level

    def granted_by(self, course: CourseDef) -> bool:
        if self.course:
            return course.id == self.course
        return course.grants_credential == self.credential and course.grants_level >= self.level

    @property
    def label(self) -> str:
        """The credential as a sentence names it: a language level capitalised like the
        language (``Khmer``), a credential without levels as written (``passport``)."""
        words = self.credential.replace("-", " ").replace("_", " ")
        return words.capitalize() if self.level else words

    def __str__(self) -> str:
        if self.course:
            return self.course
        if self.level:
            return f"{self.label} level {self.level}"
        return self.label


def requirements(posting: Posting) -> tuple[Requirement, ...]:
    """Everything an officer needs to serve at ``posting``: courses, then credentials, by name."""
    out = [Requirement(course=c) for c in sorted(posting.required_courses)]
    out += [Requirement(credential=name, level=level) for name, level in posting.credentials]
    return tuple(out)


@dataclass(frozen=True)
class Demand:
    """Officers a posting needs in months ``first``..``last`` (``YYYY-MM``, both inclusive).

    ``first`` and ``last`` are stored as the first day of their month.
    """

    posting: str
    first: date
    last: date
    minimum: int
    maximum: int
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if self.first.day != 1 or self.last.day != 1:
            issues.append(("from", "must be a month (YYYY-MM)"))
        _check_span(issues, self.first, self.last, "from/to")
        if self.minimum < 0:
            issues.append(("min", f"{self.minimum} is negative"))
        if self.maximum < self.minimum:
            issues.append(
                ("max", f"{self.maximum} is below min {self.minimum}; max must be at least min")
            )
        _raise_if("demand", issues)


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Weights:
    """Objective weights per unit of each soft term (see docs/rules.md)."""

    unmet_demand: int = 1000
    fairness: int = 1
    preference: int = 5
    training: int = 2
    skill_mix: int = 1000
    stability_officer: int = 100
    stability_month: int = 10

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        for name, value in self._items():
            _within(issues, name, value, 0, MAX_WEIGHT)
        _raise_if("weights", issues)

    def _items(self) -> list[tuple[str, int]]:
        return [
            ("unmet_demand", self.unmet_demand),
            ("fairness", self.fairness),
            ("preference", self.preference),
            ("training", self.training),
            ("skill_mix", self.skill_mix),
            ("stability_officer", self.stability_officer),
            ("stability_month", self.stability_month),
        ]


@dataclass(frozen=True)
class SolverSettings:
    """How long and how the solver searches; not part of the problem itself.

    ``time_limit`` caps wall-clock seconds. ``work_limit`` caps CP-SAT's deterministic time, a
    count of work that does not depend on machine speed or load: a search stopped by it stops at
    the same point every time, so the same seed and workers give the same plan.
    """

    time_limit: float = 60.0
    seed: int = 0
    workers: int = 1
    work_limit: float | None = None

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if not 0 < self.time_limit <= MAX_TIME_LIMIT:  # also refuses NaN
            issues.append(("time_limit", f"{self.time_limit!r} is out of range: give a number "
                           f"of seconds above 0 and at most {MAX_TIME_LIMIT:,.0f} (a week)"))
        _within(issues, "workers", self.workers, 1, MAX_WORKERS)
        _within(issues, "seed", self.seed, 0, MAX_SEED)
        if self.work_limit is not None and not 0 < self.work_limit <= MAX_WORK_LIMIT:
            issues.append(("work_limit", f"{self.work_limit!r} is out of range: give a number "
                           f"above 0 and at most {MAX_WORK_LIMIT:,.0f}"))
        _raise_if("solver", issues)


@dataclass(frozen=True)
class CalendarSettings:
    """What the calendars need beyond the plan: who to call, and when people travel.

    Not part of the planning problem (a change here never changes a plan), so, like the solver
    settings, it sits beside the rules; but a stored plan keeps it, because its calendars must
    come out the same long after the case files have moved on. Times are ``HH:MM`` on the local
    clock: ``outbound_departure`` in ``home_timezone`` on a deployment's first day,
    ``return_departure`` in the posting's zone on its last day. See docs/calendars.md.
    """

    contact: str = ""
    home_timezone: str = "Asia/Seoul"
    outbound_departure: str = "09:00"
    return_departure: str = "15:00"
    travel_minutes: int = 330
    handover_days: int = 3
    cancelled_retention_days: int = 90

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        try:
            ZoneInfo(self.home_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            issues.append(
                ("home_timezone", f"'{self.home_timezone}' is not an IANA time zone, e.g. "
                 "Asia/Seoul")
            )
        for name in ("outbound_departure", "return_departure"):
            if parse_clock(getattr(self, name)) is None:
                issues.append((name, f"'{getattr(self, name)}' is not a time; write HH:MM, "
                               "e.g. 09:30"))
        # The value is named like every other setting out of range, so a planner sees which
        # number was read (a typo shows) and the range to give.
        _within(issues, "travel_minutes", self.travel_minutes, 1, MAX_TRAVEL_MINUTES,
                "minutes (48 hours)")
        _within(issues, "handover_days", self.handover_days, 0, MAX_HANDOVER_DAYS,
                "days (0: no handovers)")
        _within(issues, "cancelled_retention_days", self.cancelled_retention_days, 0,
                MAX_RETENTION_DAYS, "days (five years)")
        _raise_if("calendar", issues)

    @property
    def outbound_time(self) -> time:
        clock = parse_clock(self.outbound_departure)
        assert clock is not None  # checked on construction
        return clock

    @property
    def return_time(self) -> time:
        clock = parse_clock(self.return_departure)
        assert clock is not None  # checked on construction
        return clock


LANGUAGES: tuple[str, ...] = ("ko", "en")


@dataclass(frozen=True)
class OutputSettings:
    """How plans speak to people outside the terminal: the language of calendars, reports and
    workbooks (``ko`` or ``en``). Like the calendar settings, a stored plan keeps it and it is
    not part of the input hash: it changes how a plan reads, never which plan is right."""

    language: str = "en"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            _raise_if("output", [("language", f"'{self.language}' is not a language of the "
                                  f"outputs; use {' or '.join(LANGUAGES)}")])


def parse_clock(raw: str) -> time | None:
    """``HH:MM`` (24-hour) as a time, or None; seconds are refused so files stay unambiguous."""
    hours, colon, minutes = raw.partition(":")
    if not colon or len(hours) != 2 or len(minutes) != 2:
        return None
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        return None


@dataclass(frozen=True)
class Rules:
    """Planning horizon and the limits every plan must respect.

    ``start`` is the first day of the first month; the horizon covers ``months`` months. With
    ``allow_past_end`` (a rolling horizon) a deployment may start in any month of the horizon
    and run past its end; the months after it count for nothing, but the deployment's dates
    still hold leave, credentials and rest.
    """

    start: date
    months: int
    deployment_months: int = 6
    min_rest_months: int = 6
    max_deployments: int | None = None
    fairness_target: int = 18
    fairness_lookback_months: int = 36
    training_lead_days: int = 14
    weights: Weights = Weights()
    allow_past_end: bool = False
    source: Source | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        issues: list[tuple[str, str]] = []
        if self.start.day != 1:
            issues.append(("horizon.start", "must be a month (YYYY-MM)"))
        if not FIRST_YEAR <= self.start.year <= LAST_YEAR:
            issues.append(("horizon.start", f"{self.start:%Y-%m} is out of range: give a month "
                           f"from {FIRST_YEAR}-01 to {LAST_YEAR}-12"))
        _within(issues, "horizon.months", self.months, 1, MAX_HORIZON_MONTHS, "months")
        if self.deployment_months < 1:
            issues.append(("deployment.months", f"{self.deployment_months!r} is out of range: "
                           f"give 1 to the horizon's {self.months} months"))
        elif self.deployment_months > self.months:
            issues.append(
                (
                    "deployment.months",
                    f"{self.deployment_months} is longer than the horizon ({self.months} months)",
                )
            )
        _within(issues, "deployment.min_rest_months", self.min_rest_months, 0,
                MAX_HORIZON_MONTHS, "months")
        if self.max_deployments is not None:
            _within(issues, "deployment.max_per_officer", self.max_deployments, 0,
                    MAX_HORIZON_MONTHS)
        _within(issues, "fairness.target_hardship_months", self.fairness_target, 0,
                MAX_TARGET_MONTHS)
        _within(issues, "fairness.lookback_months", self.fairness_lookback_months, 0,
                MAX_HORIZON_MONTHS, "months")
        _within(issues, "training.min_days_before_deployment", self.training_lead_days, 0,
                MAX_LEAD_DAYS, "days")
        _raise_if("rules", issues)

    @classmethod
    def open_horizon(cls) -> Rules:
        """Rules whose horizon nothing lies outside (400 years from 1900), to cross-check a
        case whose rules.toml is invalid without reporting every row as outside it. Not a
        horizon to plan on, hence beyond the bounds a planning horizon is held to."""
        rules = cls(start=date(1900, 1, 1), months=12)
        object.__setattr__(rules, "months", 12 * 400)
        return rules

    def month_start(self, t: int) -> date:
        return month_start(self.start, t)

    def month_end(self, t: int) -> date:
        return month_end(self.start, t)

    def month_label(self, t: int) -> str:
        return month_label(self.start, t)

    def month_of(self, day: date) -> int:
        return month_index(day, self.start)

    def month_of_label(self, label: str) -> int:
        """Month index of a ``YYYY-MM`` label, as :meth:`month_label` writes it."""
        year, month = label.split("-")
        return self.month_of(date(int(year), int(month), 1))

    @property
    def end(self) -> date:
        """Last day of the horizon (inclusive)."""
        return self.month_end(self.months - 1)

    @property
    def start_months(self) -> range:
        """Months in which a new deployment may start: so that it ends inside the horizon, or
        any month of it when deployments may run past its end (``allow_past_end``)."""
        if self.allow_past_end:
            return range(0, self.months)
        return range(0, self.months - self.deployment_months + 1)

    def deployment_span(self, start_month: int) -> tuple[date, date]:
        """First and last day (inclusive) of a deployment starting in ``start_month``."""
        span = self._spans.get(start_month)
        if span is None:
            span = self._spans[start_month] = (
                self.month_start(start_month),
                self.month_end(start_month + self.deployment_months - 1),
            )
        return span

    @cached_property
    def _spans(self) -> dict[int, tuple[date, date]]:
        """Memo for :meth:`deployment_span`, asked for every start variable by several rules."""
        return {}


# ---------------------------------------------------------------------------------------------
# Re-planning


@dataclass(frozen=True)
class Replan:
    """A re-plan of a published version. Deployments and enrolments that started before
    ``freeze`` are kept as published (``pinned``), each deployment cut short where the changes
    end it early; new ones start on or after ``freeze``; the stability rule counts what moves
    against ``baseline``, the published plan, for the officers it knew (``officers``).

    Why in the instance: the rules that read it (the shape of a cut deployment, a pinned
    enrolment that prepares nothing any more, stability) are checked by the validator from the
    stored plan and its instance alone, like every other rule.
    """

    version: int
    freeze: date
    baseline: Plan
    pinned: Plan
    officers: frozenset[str]

    def pinned_deployment(self, officer: str, posting: str, start: date, end: date) -> bool:
        return any(d.posting == posting and d.start == start and d.end == end
                   for d in self.pinned.for_officer(officer))

    def pinned_enrolment(self, officer: str, session: str) -> bool:
        return any(e.session == session for e in self.pinned.enrolments_of(officer))


# ---------------------------------------------------------------------------------------------
# Instance


@dataclass(frozen=True)
class Instance:
    """A complete, cross-checked planning problem.

    Construction fails with :class:`InputError` listing every problem found, each located by the
    source of the offending object when it has one.
    """

    name: str
    rules: Rules
    officers: tuple[Officer, ...]
    postings: tuple[Posting, ...]
    demands: tuple[Demand, ...]
    courses: tuple[CourseDef, ...] = ()
    sessions: tuple[Session, ...] = ()
    solver: SolverSettings = SolverSettings()
    calendar: CalendarSettings = CalendarSettings()
    output: OutputSettings = OutputSettings()
    replan: Replan | None = None

    def __post_init__(self) -> None:
        problems = _cross_check(self)
        if problems:
            raise InputError(problems)

    # -- look-ups ---------------------------------------------------------------------------
    @cached_property
    def officer_by_id(self) -> Mapping[str, Officer]:
        return {o.id: o for o in self.officers}

    @cached_property
    def posting_by_id(self) -> Mapping[str, Posting]:
        return {p.id: p for p in self.postings}

    @cached_property
    def course_by_id(self) -> Mapping[str, CourseDef]:
        return {c.id: c for c in self.courses}

    @cached_property
    def session_by_id(self) -> Mapping[str, Session]:
        return {q.id: q for q in self.sessions}

    def can_attend(self, officer: Officer, session: Session) -> bool:
        """Free for every day of the session: no absence and no past deployment then."""
        if not officer.is_available(session.start, session.end):
            return False
        return not any(
            past.start <= session.end and session.start <= past.end for past in officer.history
        )

    def unable_to_attend(self, session: Session) -> frozenset[str]:
        """Ids of the officers who cannot attend ``session`` (:meth:`can_attend` is False), found
        at once for the whole pool: candidate lists ask about every officer for every start, and
        only a few are away or deployed in any one session's days."""
        found = self._unable.get(session.id)
        if found is None:
            ids, firsts, lasts = self._busy
            hit = (firsts <= session.end.toordinal()) & (lasts >= session.start.toordinal())
            found = self._unable[session.id] = frozenset(ids[i] for i in np.flatnonzero(hit))
        return found

    def unable_to_qualify(self, need: Requirement, start: date, end: date) -> frozenset[str]:
        """Ids of the officers for whom :meth:`can_qualify` is False: those who can attend none
        of the sessions that would meet ``need`` for ``start``..``end`` (everyone when there
        are none)."""
        granting = self._granting_for(need, start, end)
        if not granting:
            return self._everyone
        return frozenset.intersection(*(self.unable_to_attend(q) for q in granting))

    def qualifying_sessions(
        self, officer: Officer, need: Requirement, start: date, end: date
    ) -> list[Session]:
        """Sessions the officer could attend that would meet ``need`` for ``start``..``end``.

        A session qualifies when it ends at least ``training_lead_days`` before ``start`` and
        what it grants is still valid on ``end``. ``officer`` is one of this instance's officers.
        Which sessions grant enough depends only on the requirement and the dates, so that part
        is remembered across officers; only whether this officer can attend is asked per
        officer (a profile of a 500-officer build put two thirds of its time here before).
        """
        return [q for q in self._granting_for(need, start, end) if self._attends(officer, q)]

    def can_qualify(self, officer: Officer, need: Requirement, start: date, end: date) -> bool:
        """Whether :meth:`qualifying_sessions` would find any (stopping at the first session).
        For one officer; whole pools ask :meth:`unable_to_qualify`, which must agree."""
        return any(self._attends(officer, q) for q in self._granting_for(need, start, end))

    def least_weeks(self, officer: Officer, need: Requirement, start: date, end: date
                    ) -> int | None:
        """The fewest weeks of a session with a seat, over before ``start``, that the officer
        could attend to meet ``need`` for ``start``..``end`` (None if there is none): what the
        Lagrangian bound charges for training at the least. The sessions are kept shortest
        first and the first the officer can attend answers: scanning every qualifying session
        instead took the bound's set-up at 5,000 officers from 18 s to 60 s. Whole pools ask
        :meth:`least_weeks_among`, which must agree."""
        ordered = self._shortest_for(need, start, end)
        return next((weeks for weeks, q in ordered if self._attends(officer, q)), None)

    def least_weeks_among(self, officers: Iterable[str], need: Requirement, start: date,
                          end: date) -> dict[str, int]:
        """:meth:`least_weeks` for many officers (by id) at once, leaving out those with none:
        each session, shortest first, settles everyone who can attend it and is not settled yet,
        so a start's whole pool costs a few set operations instead of a look-up per officer."""
        return self.least_among(officers, need, start, end, lambda q: q.weeks)

    def least_among(self, officers: Iterable[str], need: Requirement, start: date, end: date,
                    cost: Callable[[Session], Cost]) -> dict[str, Cost]:
        """For each officer (by id), the least ``cost`` of a session they could attend that
        meets ``need`` for ``start``..``end`` and has a seat, leaving out those with none: each
        session, cheapest first (in :meth:`sessions_for` order among equals), settles everyone
        who can attend it and is not settled yet."""
        sessions = self.sessions_for(need, start, end)
        out: dict[str, Cost] = {}
        left = set(officers)
        for k in sorted(range(len(sessions)), key=lambda k: (cost(sessions[k]), k)):
            if not left:
                break
            q = sessions[k]
            unable = self.unable_to_attend(q)
            out.update(dict.fromkeys(left - unable, cost(q)))
            left &= unable
        return out

    def sessions_for(self, need: Requirement, start: date, end: date) -> tuple[Session, ...]:
        """Sessions with a seat, over before ``start``, that meet ``need`` for ``start``..``end``,
        whoever attends: those :meth:`least_weeks` chooses among, shortest first."""
        return tuple(q for _, q in self._shortest_for(need, start, end))

    def _shortest_for(self, need: Requirement, start: date, end: date
                      ) -> tuple[tuple[int, Session], ...]:
        """Sessions with a seat, over before ``start``, that meet ``need`` for
        ``start``..``end``, shortest first, with their weeks."""
        key = (need, start, end)
        ordered = self._shortest.get(key)
        if ordered is None:
            ordered = self._shortest[key] = tuple(sorted(
                ((q.weeks, q) for q in self._granting_for(need, start, end)
                 if q.seats > 0 and q.end < start), key=lambda pair: pair[0]))
        return ordered

    def _granting_for(self, need: Requirement, start: date, end: date) -> tuple[Session, ...]:
        key = (need, start, end)
        granting = self._granting.get(key)
        if granting is None:
            latest = start - timedelta(days=self.rules.training_lead_days)
            found = []
            for session, course, completion, certificate in self._grants:
                if session.end > latest or not need.granted_by(course):
                    continue
                if need.course:
                    ok = completion.counts_for(start, end)
                else:
                    ok = certificate is not None and certificate.covers(start, end)
                if ok:
                    found.append(session)
            granting = self._granting[key] = tuple(found)
        return granting

    def _attends(self, officer: Officer, session: Session) -> bool:
        key = (officer.id, session.id)
        free = self._attendance.get(key)
        if free is None:
            free = self._attendance[key] = self.can_attend(officer, session)
        return free

    @cached_property
    def _grants(
        self,
    ) -> tuple[tuple[Session, CourseDef, CourseCompletion, Credential | None], ...]:
        """Every session with its course and what finishing it gives, computed once."""
        out = []
        for session in self.sessions:
            course = self.course_by_id.get(session.course)
            if course is not None:
                out.append((session, course, *session.grants(course)))
        return tuple(out)

    def memo(self, name: str) -> dict[Any, Any]:
        """A scratch dictionary for rules to remember answers about this instance in, one per
        ``name``; the instance itself never changes, so neither do the answers."""
        return self._memos.setdefault(name, {})

    @cached_property
    def _memos(self) -> dict[str, dict[Any, Any]]:
        return {}

    @cached_property
    def _granting(self) -> dict[tuple[Requirement, date, date], tuple[Session, ...]]:
        return {}

    @cached_property
    def _busy(self) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every absence and past deployment as (officer id, first day, last day), days as
        ordinals: what :meth:`can_attend` checks, laid out to check a session against all."""
        rows = [(o.id, a.toordinal(), b.toordinal()) for o in self.officers
                for a, b in [*((u.start, u.end) for u in o.unavailability),
                             *((h.start, h.end) for h in o.history)]]
        return ([r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.int64),
                np.array([r[2] for r in rows], dtype=np.int64))

    @cached_property
    def _unable(self) -> dict[str, frozenset[str]]:
        return {}

    @cached_property
    def _everyone(self) -> frozenset[str]:
        return frozenset(o.id for o in self.officers)

    @cached_property
    def _attendance(self) -> dict[tuple[str, str], bool]:
        return {}

    @cached_property
    def _shortest(self) -> dict[tuple[Requirement, date, date], tuple[tuple[int, Session], ...]]:
        return {}

    @cached_property
    def demand_table(self) -> Mapping[tuple[str, int], tuple[int, int]]:
        """(posting, month) -> (min, max). Months no demand row covers are closed: (0, 0)."""
        table: dict[tuple[str, int], tuple[int, int]] = {}
        for d in self.demands:
            lo = max(self.rules.month_of(d.first), 0)
            hi = min(self.rules.month_of(d.last), self.rules.months - 1)
            for t in range(lo, hi + 1):
                table[d.posting, t] = (d.minimum, d.maximum)
        return table

    def demand(self, posting: str, t: int) -> tuple[int, int]:
        return self.demand_table.get((posting, t), (0, 0))

    @property
    def months(self) -> range:
        return range(self.rules.months)

    def history_months(self, past: PastDeployment) -> range:
        """Month indices (relative to the horizon, possibly negative) a past deployment touches."""
        return range(self.rules.month_of(past.start), self.rules.month_of(past.end) + 1)

    @cached_property
    def carried_over(self) -> Mapping[tuple[str, int], tuple[str, ...]]:
        """(posting, month) -> distinct officers whose past deployment runs into that month."""
        table: dict[tuple[str, int], set[str]] = {}
        for o in self.officers:
            for past in o.history:
                for t in self.history_months(past):
                    if 0 <= t < self.rules.months:
                        table.setdefault((past.posting, t), set()).add(o.id)
        return {k: tuple(sorted(v)) for k, v in table.items()}


def _duplicates(ids: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    dup: set[str] = set()
    for i in ids:
        (dup if i in seen else seen).add(i)
    return dup


def _cross_check(inst: Instance) -> list[Problem]:
    """Everything that can only be judged with the whole instance in view."""
    problems: list[Problem] = []
    postings = {p.id for p in inst.postings}
    courses = {c.id for c in inst.courses}
    rules = inst.rules

    for kind, items in (("officer", inst.officers), ("posting", inst.postings),
                        ("course", inst.courses), ("session", inst.sessions)):
        dups = _duplicates(i.id for i in items)
        seen: set[str] = set()
        for item in items:
            if item.id in dups:
                if item.id in seen:
                    problems.append(
                        _problem(item.source, "id", f"duplicate {kind} id '{item.id}'; ids must "
                                 "be unique")
                    )
                seen.add(item.id)

    held_specialties: set[str] = set()
    for o in inst.officers:
        held_specialties |= o.specialties
        for pref in o.preferences:
            if pref not in postings:
                problems.append(
                    _problem(o.source, "preferences", f"unknown posting '{pref}' (officer {o.id})",
                             "posting")
                )
        for c in o.courses:
            if c.course not in courses:
                problems.append(
                    _problem(c.source, "course", f"unknown course '{c.course}' (officer {o.id})",
                             "course")
                )
        spans: list[tuple[date, date, PastDeployment]] = []
        for past in o.history:
            if past.posting not in postings:
                problems.append(
                    _problem(past.source, "posting",
                             f"unknown posting '{past.posting}' (officer {o.id})", "posting")
                )
            if past.start > rules.end:
                problems.append(
                    _problem(past.source, "start",
                             f"{past.start} is after the horizon ends ({rules.end}); history "
                             "must start before the plan ends")
                )
            spans.append((past.start, past.end, past))
        spans.sort(key=lambda s: s[0])
        for (_, end_a, _), (start_b, _, b) in itertools.pairwise(spans):
            if start_b <= end_a:
                problems.append(
                    _problem(b.source, "start",
                             f"officer {o.id} has two past deployments overlapping on {start_b}")
                )

    for p in inst.postings:
        for course in sorted(p.required_courses):
            if course not in courses:
                problems.append(
                    _problem(p.source, "required_courses",
                             f"unknown course '{course}' (posting {p.id}); add it to courses.csv",
                             "course")
                )
        for specialty, count in p.min_specialists:
            if count > 0 and specialty not in held_specialties:
                problems.append(
                    _problem(p.source, "min_specialists",
                             f"no officer has specialty '{specialty}' (posting {p.id}); check "
                             "the spelling against officers.csv", "officer")
                )

    for q in inst.sessions:
        if q.course not in courses:
            problems.append(
                _problem(q.source, "course", f"unknown course '{q.course}' (session {q.id}); "
                         "add it to courses.csv", "course")
            )

    by_posting: dict[str, list[Demand]] = {}
    for d in inst.demands:
        if d.posting not in postings:
            problems.append(_problem(d.source, "posting", f"unknown posting '{d.posting}'",
                                     "posting"))
            continue
        if d.last < rules.start or d.first > rules.end:
            problems.append(
                _problem(d.source, "from",
                         f"{d.first:%Y-%m}..{d.last:%Y-%m} lies outside the horizon "
                         f"{rules.start:%Y-%m}..{rules.end:%Y-%m}")
            )
        by_posting.setdefault(d.posting, []).append(d)
    for rows in by_posting.values():
        rows.sort(key=lambda d: d.first)
        for i, later in enumerate(rows):
            for earlier in rows[:i]:
                if later.first <= earlier.last:
                    problems.append(
                        _problem(later.source, "from",
                                 f"demand for {later.posting} from {later.first:%Y-%m} overlaps "
                                 f"the row for {earlier.first:%Y-%m}..{earlier.last:%Y-%m}; each "
                                 "month may have one row")
                    )
                    break
    if inst.replan is not None:
        problems += _check_replan(inst, inst.replan)
    return problems


def _check_replan(inst: Instance, replan: Replan) -> list[Problem]:
    """What a re-plan keeps must belong to the case: its officers, postings and sessions."""
    out: list[Problem] = []
    if not inst.rules.start <= replan.freeze <= inst.rules.end:
        out.append(Problem(f"the freeze date {replan.freeze} lies outside the horizon "
                           f"{inst.rules.start}..{inst.rules.end}", field="freeze"))
    officers = {o.id for o in inst.officers}
    for d in replan.pinned.deployments:
        if d.officer not in officers or d.posting not in inst.posting_by_id:
            out.append(Problem(f"the kept deployment of {d.officer} at {d.posting} names an "
                               "officer or posting the case does not have", field="pinned"))
    for e in replan.pinned.enrolments:
        if e.officer not in officers or e.session not in inst.session_by_id:
            out.append(Problem(f"the kept enrolment of {e.officer} in {e.session} names an "
                               "officer or session the case does not have", field="pinned"))
    return out

