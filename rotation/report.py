"""Plans turned into tables people read: staffing per posting and month, deployment lists, exports.

Pure functions from (instance, plan) to rows; rendering to a terminal lives in the CLI, writing
files lives in :func:`write_csv` and :func:`write_json` (and in :mod:`rotation.workbook` and
:mod:`rotation.html_report`). Text cells that a spreadsheet would run as a formula are
neutralised on export (:func:`safe_text`).
"""

from __future__ import annotations

import colorsys
import csv
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from constraints.facts import hardship_by_month, presence, stints
from rotation.domain import Instance
from rotation.plan import Plan

__all__ = [
    "ENROLMENT_COLUMNS",
    "Bar",
    "MixCount",
    "SessionRoster",
    "Staffing",
    "deployment_rows",
    "enrolment_rows",
    "hardship_loads",
    "mix",
    "posting_colours",
    "roster",
    "safe_text",
    "staffing",
    "timeline",
    "write_csv",
    "write_json",
]


@dataclass(frozen=True)
class Staffing:
    """One posting in one month: what was asked and who is there."""

    posting: str
    month: str
    minimum: int
    maximum: int
    officers: tuple[str, ...]

    @property
    def assigned(self) -> int:
        return len(self.officers)

    @property
    def unmet(self) -> int:
        return max(0, self.minimum - self.assigned)


def staffing(inst: Instance, plan: Plan) -> list[Staffing]:
    """Posting x month cells in posting order, then month order; history counts as present."""
    there = presence(inst, plan)
    out = []
    for p in inst.postings:
        for t in inst.months:
            lo, hi = inst.demand(p.id, t)
            officers = tuple(sorted(there.get((p.id, t), ())))
            out.append(Staffing(p.id, inst.rules.month_label(t), lo, hi, officers))
    return out


def deployment_rows(inst: Instance, plan: Plan) -> list[dict[str, str]]:
    """One row per deployment with the names a reader needs beside the ids."""
    rows = []
    for d in plan.deployments:
        officer = inst.officer_by_id[d.officer]
        posting = inst.posting_by_id[d.posting]
        rows.append(
            {
                "officer": d.officer,
                "name": officer.name,
                "rank": officer.rank,
                "posting": d.posting,
                "posting_name": posting.name,
                "timezone": posting.timezone,
                "start": d.start.isoformat(),
                "end": d.end.isoformat(),
            }
        )
    return rows


# What makes Excel or LibreOffice read a cell as a formula (or, for tab and carriage return,
# lets one slip past a check of the first character): OWASP's list for CSV injection.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_text(value: str) -> str:
    """Text a spreadsheet shows but never runs: a leading apostrophe before a formula start.

    Names and other text come from case files anyone may have typed into; ``=HYPERLINK(...)``
    or ``+cmd|' /C calc'!A0`` as a name must not run when a planner opens an export. The
    apostrophe is what spreadsheets themselves use to say "text"; it stays visible, which is
    the honest choice for text that really starts that way. Text that is a plain number
    (``-2``, ``+5``) is left as it is: it cannot run, and numbers stay numbers.
    """
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cell(value: object) -> object:
    """Text made formula-safe; numbers, dates and anything else pass as they are."""
    if isinstance(value, str):
        return safe_text(value)
    return value


def write_csv(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] = ()) -> None:
    """Write ``rows``; ``columns`` gives the header when there may be no rows at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")


ENROLMENT_COLUMNS = (
    "officer", "name", "course", "course_name", "session", "location", "start", "end",
)


def enrolment_rows(inst: Instance, plan: Plan) -> list[dict[str, str]]:
    """One row per training enrolment, with course and officer names."""
    rows = []
    for e in plan.enrolments:
        course = inst.course_by_id.get(e.course)
        session = inst.session_by_id.get(e.session)
        rows.append(
            {
                "officer": e.officer,
                "name": inst.officer_by_id[e.officer].name,
                "course": e.course,
                "course_name": course.name if course else e.course,
                "session": e.session,
                "location": session.location if session else "",
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
            }
        )
    return rows


@dataclass(frozen=True)
class SessionRoster:
    """Who sits one session, and how many seats are left."""

    session: str
    course: str
    start: str
    end: str
    location: str
    seats: int
    officers: tuple[str, ...]

    @property
    def left(self) -> int:
        return self.seats - len(self.officers)


def roster(inst: Instance, plan: Plan) -> list[SessionRoster]:
    """Every session of the case in date order, with the plan's enrolments in it."""
    by_session: dict[str, list[str]] = {}
    for e in plan.enrolments:
        by_session.setdefault(e.session, []).append(e.officer)
    return [
        SessionRoster(
            q.id, q.course, q.start.isoformat(), q.end.isoformat(), q.location, q.seats,
            tuple(sorted(by_session.get(q.id, ()))),
        )
        for q in sorted(inst.sessions, key=lambda q: (q.start, q.id))
    ]


# ---------------------------------------------------------------------------------------------
# What the HTML report and the workbook draw


def posting_colours(inst: Instance) -> dict[str, str]:
    """A colour per posting (``#rrggbb``), the same in the report and the workbook.

    Hues step by the golden angle, so neighbouring postings differ clearly and fifty postings
    still get fifty colours; lightness and saturation are fixed so that black text stays
    readable on every one of them, on screen and in print.
    """
    out = {}
    for i, p in enumerate(inst.postings):
        hue = (i * 137.508) % 360 / 360
        r, g, b = colorsys.hls_to_rgb(hue, 0.72, 0.62)
        out[p.id] = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
    return out


BarKind = Literal["deployment", "history", "training", "leave"]


@dataclass(frozen=True)
class Bar:
    """Something on an officer's timeline, clipped to the horizon: a planned deployment, a
    recorded one (history), a training enrolment or an absence (leave and the like)."""

    officer: str
    kind: BarKind
    start: date
    end: date
    posting: str = ""
    """The posting, for deployments and history."""
    label: str = ""
    """The course of an enrolment, the reason of an absence."""


def timeline(inst: Instance, plan: Plan) -> dict[str, list[Bar]]:
    """Officer -> what their timeline shows within the horizon, by start; officers with nothing
    in the horizon are left out."""
    first, last = inst.rules.start, inst.rules.end
    out: dict[str, list[Bar]] = {}

    def add(bar: Bar) -> None:
        if bar.end < first or bar.start > last:
            return
        clipped = Bar(bar.officer, bar.kind, max(bar.start, first), min(bar.end, last),
                      bar.posting, bar.label)
        out.setdefault(bar.officer, []).append(clipped)

    planned = {(d.officer, d.posting, d.start) for d in plan.deployments}
    for o in inst.officers:
        for past in o.history:
            if (o.id, past.posting, past.start) not in planned:
                add(Bar(o.id, "history", past.start, past.end, past.posting))
        for away in o.unavailability:
            add(Bar(o.id, "leave", away.start, away.end, label=away.reason))
    for d in plan.deployments:
        add(Bar(d.officer, "deployment", d.start, d.end, d.posting))
    for e in plan.enrolments:
        add(Bar(e.officer, "training", e.start, e.end, label=e.course))
    order = {o.id: i for i, o in enumerate(inst.officers)}
    return {k: sorted(v, key=lambda b: (b.start, b.end, b.kind))
            for k, v in sorted(out.items(), key=lambda kv: (order.get(kv[0], 0), kv[0]))}


def hardship_loads(inst: Instance, plan: Plan) -> dict[str, int]:
    """Every officer's hardship load as the fairness rule counts it (docs/rules.md): hardship
    months of the plan and of history within the look-back; officers with none count 0."""
    first = -inst.rules.fairness_lookback_months
    found = stints(inst, plan)
    return {o.id: sum(hardship_by_month(inst, found.get(o.id, []), first).values())
            for o in inst.officers}


@dataclass(frozen=True)
class MixCount:
    """One posting's mix requirement in one month: who counts, how many are needed and there."""

    posting: str
    month: int
    need: str
    """``supervisors`` or a specialty."""
    required: int
    present: int

    @property
    def missing(self) -> int:
        return max(0, self.required - self.present)


def mix(inst: Instance, plan: Plan) -> list[MixCount]:
    """Supervisors and specialists per posting and open month, as the skill-mix rule counts
    them (an officer with several specialties counts for each; history counts)."""
    there = presence(inst, plan)
    officers = inst.officer_by_id
    out = []
    for p in inst.postings:
        needs = ([("supervisors", p.min_supervisors)] if p.min_supervisors else [])
        needs += [(s, n) for s, n in p.min_specialists if n > 0]
        for t in inst.months:
            if not needs or inst.demand(p.id, t)[1] == 0:
                continue
            people = [officers[o] for o in there.get((p.id, t), ()) if o in officers]
            for need, required in needs:
                present = sum(1 for o in people if (o.is_supervisor if need == "supervisors"
                                                     else need in o.specialties))
                out.append(MixCount(p.id, t, need, required, present))
    return out
