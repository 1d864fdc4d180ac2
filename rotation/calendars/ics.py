"""iCalendar rendering of feeds: the only module that imports icalendar.

What goes into a calendar is decided in :mod:`rotation.calendars.events`, and which version of
each event a client should see (SEQUENCE, STATUS, LAST-MODIFIED) in the store; this module writes
them as RFC 5545 text that independent parsers read the same way (tests/test_calendar_parsers.py
checks that with ical.js, node-ical, vobject and libical). Three things are done by hand because
the library alone got them wrong for those parsers:

* NAME and X-WR-CALNAME are written as TEXT: the library does not know them and would write
  commas, semicolons and backslashes unescaped (vobject then cuts the name at the first comma)
  and fail outright on a newline.
* Lines are folded here at 75 octets between whole characters and never inside a backslash
  escape; the library's folding can part the two halves of an escaped backslash.
* Every TZID used gets its VTIMEZONE, so a client resolves times from the file itself instead
  of guessing from the zone's name; without the COMMENT the library puts on it, which RFC 5545
  does not allow there.

There is no METHOD property: a feed is a published calendar, not a scheduling message (METHOD
would make it an iTIP message, which requires an ORGANIZER these calendars do not have).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration, vText

from rotation.calendars.events import EventVersion, moment_from_body

__all__ = ["PRODID", "REFRESH", "fold", "render"]

PRODID = "-//rotation//deployment planner//EN"
# How often subscribed clients are asked to look again: twice a day is enough for plans that
# change weekly, and cheap for the server because unchanged feeds answer 304.
REFRESH = timedelta(hours=12)
LINE_OCTETS = 75
BACKSLASH = ord("\\")


def fold(line: str) -> str:
    """One logical content line folded to at most 75 octets per physical line.

    A fold never falls inside a UTF-8 character or between a backslash and the character it
    escapes; a continuation line's leading space counts toward its 75 octets. Each physical
    line takes as much as fits.

    Why bytes, not characters: the octets are what count, and most lines need no fold at all;
    walking every line character by character took about a second of the demo's export (113
    calendars, 26,000 lines, 1,800 of them long).
    """
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    parts: list[bytes] = []
    start, limit = 0, LINE_OCTETS
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to its character
            cut -= 1
        # Backslashes pair from the start of their run (a fold point starts one): an odd run
        # ending just before the cut means the last one escapes the character after the cut.
        run = cut
        while run > start and data[run - 1] == BACKSLASH:
            run -= 1
        if (cut - run) % 2:
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, LINE_OCTETS - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, last_year: int) -> Timezone:
    """The VTIMEZONE of an IANA zone, with every transition from 1970 to ``last_year``."""
    zone: Timezone = Timezone.from_tzinfo(
        ZoneInfo(tzid), first_date=date(1970, 1, 1), last_date=date(last_year, 1, 1)
    )
    # The library notes the range it covered in a COMMENT on the VTIMEZONE itself, where RFC
    # 5545 allows COMMENT only inside its STANDARD and DAYLIGHT parts; libical (Evolution,
    # KDE) flags it with an X-LIC-ERROR. The range is no news to a reader, so it goes.
    zone.pop("COMMENT", None)
    return zone


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def render(
    title: str,
    calendar_uid: str,
    events: Sequence[EventVersion],
    stamp: datetime,
) -> bytes:
    """One calendar as .ics bytes. ``stamp`` (the export or request time) becomes DTSTAMP."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("uid", calendar_uid)
    cal.add("name", vText(title))
    cal.add("x-wr-calname", vText(title))
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    zones: set[str] = set()
    last_year = 2038
    for version in events:
        body = version.body
        event = Event()
        event.add("uid", version.uid)
        event.add("dtstamp", _utc(stamp))
        event.add("created", _utc(version.created))
        event.add("last-modified", _utc(version.last_modified))
        event.add("sequence", version.sequence)
        event.add("status", "CANCELLED" if version.cancelled else "CONFIRMED")
        event.add("summary", body["summary"])
        if body["description"]:
            event.add("description", body["description"])
        if body["location"]:
            event.add("location", body["location"])
        for name in ("start", "end"):
            moment = moment_from_body(body[name])
            if isinstance(moment, datetime):
                zone = moment.tzinfo
                assert isinstance(zone, ZoneInfo)
                zones.add(zone.key)
                last_year = max(last_year, moment.year + 2)
            event.add(f"dt{name}", moment)
        event.add("transp", "OPAQUE" if body["busy"] and not version.cancelled else "TRANSPARENT")
        cal.add_component(event)
    # VTIMEZONEs first, in a fixed order, so equal feeds give equal files.
    for tzid in sorted(zones, reverse=True):
        cal.subcomponents.insert(0, _vtimezone(tzid, last_year))
    # The library folds lines by characters and may part an escape; its unfolded lines are
    # folded here instead.
    lines = [fold(line) for line in cal.content_lines() if line]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
