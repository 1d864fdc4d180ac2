"""Plans turned into tables people read: staffing per posting and month, deployment lists, exports.

Pure functions from (instance, plan) to rows; rendering to a terminal lives in the CLI, writing
files lives in :func:`write_csv` and :func:`write_json`. Text cells that a spreadsheet would run
as a formula are neutralised on export.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constraints.facts import presence
from rotation.domain import Instance
from rotation.plan import Plan

__all__ = [
    "ENROLMENT_COLUMNS",
    "SessionRoster",
    "Staffing",
    "deployment_rows",
    "enrolment_rows",
    "roster",
    "staffing",
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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Prefix text that a spreadsheet would evaluate, so exported names never run as formulas."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
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
