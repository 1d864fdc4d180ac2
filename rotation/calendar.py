"""iCalendar export: one calendar per officer, one all-day event per deployment.

This is the only module that imports icalendar. Event UIDs derive from the case, officer, posting
and start month through a hash, so the same deployment gets the same UID every time it is
exported (calendar clients then update instead of duplicating) and the UID reveals no name or
service number. All-day events use DATE values with an exclusive DTEND, as RFC 5545 requires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event

from rotation.domain import Instance
from rotation.plan import Deployment, Plan

__all__ = ["PRODID", "deployment_uid", "officer_calendar", "write_officer_calendars"]

PRODID = "-//rotation//deployment planner//EN"


def deployment_uid(case: str, d: Deployment) -> str:
    """Stable, opaque UID for one deployment of one case."""
    key = f"{case}\x1f{d.officer}\x1f{d.posting}\x1f{d.start.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "@rotation"


def officer_calendar(
    inst: Instance, officer: str, deployments: Iterable[Deployment], stamp: datetime
) -> bytes:
    """The .ics bytes of one officer's deployments."""
    who = inst.officer_by_id[officer]
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    title = f"{inst.name}: {who.name}"
    cal.add("name", title)
    cal.add("x-wr-calname", title)
    for d in deployments:
        posting = inst.posting_by_id[d.posting]
        event = Event()
        event.add("uid", deployment_uid(inst.name, d))
        event.add("dtstamp", stamp)
        event.add("dtstart", d.start)
        event.add("dtend", d.end + timedelta(days=1))
        event.add("summary", f"Deployment: {posting.name}")
        event.add("location", f"{posting.name} ({posting.timezone})")
        event.add(
            "description",
            f"Posting: {posting.name}\nTime zone: {posting.timezone}\n"
            f"From {d.start.isoformat()} to {d.end.isoformat()} (both days included)",
        )
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def write_officer_calendars(
    inst: Instance, plan: Plan, folder: Path, stamp: datetime | None = None
) -> list[Path]:
    """Write ``<officer>.ics`` for every deployed officer; returns the files written."""
    stamp = stamp or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for officer in plan.officers:
        path = folder / f"{officer}.ics"
        path.write_bytes(officer_calendar(inst, officer, plan.for_officer(officer), stamp))
        written.append(path)
    return written
