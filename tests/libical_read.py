"""Read .ics files with libical (the C library behind Evolution and KDE) and print JSON.

Run by tests/parsers.py with the *system* Python (``/usr/bin/python3``), not the test venv:
libical's Python access is through Debian's GObject bindings (``python3-gi`` with
``gir1.2-ical-3.0``), which live in the system interpreter's site-packages and cannot be pip
installed into a venv. The script therefore uses nothing but the standard library and ``gi``.

Output, per file: the calendar's properties, its events in the shape of tests/parsers.py, and
every ``X-LIC-ERROR`` libical attached anywhere in the tree (that is how libical reports a
property or component it found out of place or could not parse).

Usage: ``/usr/bin/python3 tests/libical_read.py FILE...``; with ``--check`` it only prints
``ok`` when the bindings load (tests use it to decide whether to skip).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

K = ICalGLib.PropertyKind
C = ICalGLib.ComponentKind


def _errors(comp: Any, path: str, found: list[str]) -> None:
    prop = comp.get_first_property(K.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(f"{path}: {prop.get_xlicerror()}")
        prop = comp.get_next_property(K.XLICERROR_PROPERTY)
    child = comp.get_first_component(C.ANY_COMPONENT)
    while child is not None:
        _errors(child, f"{path}/{ICalGLib.Component.kind_to_string(child.isa())}", found)
        child = comp.get_next_component(C.ANY_COMPONENT)


def _x(comp: Any, name: str) -> str | None:
    """An X- property's text; libical 3.0 keeps X-WR-CALNAME's value already unescaped."""
    prop = comp.get_first_property(K.X_PROPERTY)
    while prop is not None:
        if prop.get_x_name() == name:
            return str(prop.get_x())
        prop = comp.get_next_property(K.X_PROPERTY)
    return None


def _when(prop: Any, zones: dict[str, Any]) -> dict[str, str]:
    """All-day values as their date; timed ones as the UTC instant, resolved through the file's
    own VTIMEZONE for the property's TZID (libical's value does not carry the parameter)."""
    t = prop.get_value().get_datetime()
    if t.is_date():
        return {"date": f"{t.get_year():04d}-{t.get_month():02d}-{t.get_day():02d}"}
    param = prop.get_first_parameter(ICalGLib.ParameterKind.TZID_PARAMETER)
    if t.is_utc():
        zone = ICalGLib.Timezone.get_utc_timezone()
    elif param is None:
        raise ValueError(f"floating time in {prop.as_ical_string()!r}")
    else:
        zone = zones[param.get_tzid()]
    stamp = datetime.fromtimestamp(t.as_timet_with_zone(zone), UTC)
    return {"instant": stamp.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _unescaped(comp: Any, kind: Any) -> str | None:
    prop = comp.get_first_property(kind)
    if prop is None:
        return None
    value: str = prop.get_value().get_text()
    return value


def read(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    cal = ICalGLib.Component.new_from_string(text)
    if cal is None:
        return {"error": "libical could not parse the file"}
    # Parsing reports what it cannot read; the restriction check (what Evolution runs on what
    # it receives) adds what RFC 5545 does not allow where it stands, e.g. a property in a
    # component that may not hold it. Both leave X-LIC-ERROR properties in the tree.
    cal.check_restrictions()
    errors: list[str] = []
    _errors(cal, "VCALENDAR", errors)
    zones: dict[str, Any] = {}
    tzcomp = cal.get_first_component(C.VTIMEZONE_COMPONENT)
    while tzcomp is not None:
        zone = ICalGLib.Timezone.new()
        zone.set_component(tzcomp.clone())
        zones[zone.get_tzid()] = zone
        tzcomp = cal.get_next_component(C.VTIMEZONE_COMPONENT)
    events = []
    ev = cal.get_first_component(C.VEVENT_COMPONENT)
    while ev is not None:
        seq = ev.get_first_property(K.SEQUENCE_PROPERTY)
        status = ev.get_first_property(K.STATUS_PROPERTY)
        events.append({
            "uid": ev.get_uid(),
            "sequence": seq.get_sequence() if seq is not None else None,
            "status": (ICalGLib.Property.status_to_string(status.get_status())
                       if status is not None else None),
            "summary": _unescaped(ev, K.SUMMARY_PROPERTY),
            "description": _unescaped(ev, K.DESCRIPTION_PROPERTY),
            "location": _unescaped(ev, K.LOCATION_PROPERTY),
            "start": _when(ev.get_first_property(K.DTSTART_PROPERTY), zones),
            "end": _when(ev.get_first_property(K.DTEND_PROPERTY), zones),
            "dtstamp": _when(ev.get_first_property(K.DTSTAMP_PROPERTY), zones)["instant"],
            "last_modified": _when(ev.get_first_property(K.LASTMODIFIED_PROPERTY),
                                   zones)["instant"],
        })
        ev = cal.get_next_component(C.VEVENT_COMPONENT)
    return {
        "calendar": {
            "prodid": _unescaped(cal, K.PRODID_PROPERTY),
            "version": _unescaped(cal, K.VERSION_PROPERTY),
            "name": _unescaped(cal, K.NAME_PROPERTY),
            "x-wr-calname": _x(cal, "X-WR-CALNAME"),
            "uid": _unescaped(cal, K.UID_PROPERTY),
        },
        "events": events,
        "errors": errors,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        print("ok")
        return 0
    print(json.dumps({path: read(path) for path in argv}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
