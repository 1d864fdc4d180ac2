"""Read .ics files back with parsers that did not write them, into one comparable shape.

Four independent readers: Mozilla's ical.js (Thunderbird's parser) and node-ical, both run with
node from tests/js (``npm ci`` there installs the pinned versions), the Python library vobject,
and libical (the C library behind Evolution and KDE) through Debian's GObject bindings, run with
the system Python by tests/libical_read.py. icalendar, which writes the files, is deliberately
not one of them. Each reader returns,
per file, the calendar's properties and per event: uid, sequence, status, summary, description,
location, and start/end as ``{"date": "YYYY-MM-DD"}`` (all-day) or ``{"instant": ISO UTC}``.

The node readers run under a chosen ``TZ``, because an all-day date read as a local midnight is
exactly what slips a day in a time zone west or east of the writer's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

JS_DIR = Path(__file__).parent / "js"
READER = JS_DIR / "read.mjs"
JS_PARSERS = ("ical.js", "node-ical")
LIBICAL_READER = Path(__file__).parent / "libical_read.py"
# Debian's python3-gi and gir1.2-ical-3.0 install into the system interpreter, not into a venv.
SYSTEM_PYTHON = "/usr/bin/python3"

Parsed = dict[str, Any]


def js_missing() -> str | None:
    """Why the node readers cannot run here, or None when they can."""
    if shutil.which("node") is None:
        return "node is not installed (CI installs it; see .ci/run)"
    for package in ("ical.js", "node-ical"):
        if not (JS_DIR / "node_modules" / package / "package.json").is_file():
            return f"{package} is not installed; run 'npm ci' in tests/js"
    return None


def require_js() -> None:
    """Skip where the node readers are missing, except in CI, which must have installed them."""
    reason = js_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run should have installed it")
        pytest.skip(reason)


def read_js(files: list[Path], tz: str = "UTC") -> dict[str, dict[str, Parsed]]:
    """{file: {"ical.js": parsed, "node-ical": parsed}} with the process time zone ``tz``."""
    require_js()
    env = {**os.environ, "TZ": tz}
    proc = subprocess.run(
        ["node", str(READER), *map(str, files)], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, dict[str, Parsed]] = json.loads(proc.stdout)
    return {str(Path(k)): v for k, v in data.items()}


def libical_missing() -> str | None:
    """Why libical cannot be run here, or None when it can."""
    if not Path(SYSTEM_PYTHON).is_file():
        return f"{SYSTEM_PYTHON} is missing (libical's bindings are Debian packages)"
    proc = subprocess.run([SYSTEM_PYTHON, str(LIBICAL_READER), "--check"], capture_output=True,
                          text=True, timeout=60, check=False)
    if proc.returncode != 0 or proc.stdout.strip() != "ok":
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return (f"libical's GObject bindings do not load ({last}); apt-get install python3-gi "
                "gir1.2-ical-3.0, as .ci/run does")
    return None


def require_libical() -> None:
    """Skip where libical's bindings are missing, except in CI, which must have installed them."""
    reason = libical_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run should have installed them")
        pytest.skip(reason)


def read_libical(files: list[Path]) -> dict[str, Parsed]:
    """{file: parsed} as libical reads each file, with ``errors``: every X-LIC-ERROR it left
    after parsing and checking RFC 5545's restrictions (see tests/libical_read.py)."""
    require_libical()
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(LIBICAL_READER), *map(str, files)], capture_output=True, text=True,
        timeout=120, check=False, env={k: v for k, v in os.environ.items()
                                       if k not in ("PYTHONPATH", "PYTHONHOME")},
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Parsed] = json.loads(proc.stdout)
    return {str(Path(k)): v for k, v in data.items()}


def _when(value: date | datetime) -> dict[str, str]:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "a timed value without a zone is floating"
        return {"instant": value.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    return {"date": value.isoformat()}


def read_vobject(path: Path) -> Parsed:
    """The same shape as the node readers, from vobject."""
    import vobject

    cal = vobject.readOne(path.read_text(encoding="utf-8"))

    def first(component: Any, name: str) -> Any:
        found = component.contents.get(name)
        return found[0].value if found else None

    events = []
    for ev in cal.contents.get("vevent", []):
        seq = first(ev, "sequence")
        events.append({
            "uid": first(ev, "uid"),
            "sequence": int(seq) if seq is not None else None,
            "status": first(ev, "status"),
            "summary": first(ev, "summary"),
            "description": first(ev, "description"),
            "location": first(ev, "location"),
            "start": _when(first(ev, "dtstart")),
            "end": _when(first(ev, "dtend")),
            "dtstamp": _when(first(ev, "dtstamp"))["instant"],
            "last_modified": _when(first(ev, "last-modified"))["instant"],
        })
    return {
        "calendar": {
            "prodid": first(cal, "prodid"),
            "version": first(cal, "version"),
            "name": first(cal, "name"),
            "x-wr-calname": first(cal, "x-wr-calname"),
            "uid": first(cal, "uid"),
        },
        "events": events,
    }


def normal_instant(text: str) -> str:
    """An ISO instant in one spelling (node prints milliseconds, Python does not)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).isoformat()


def comparable(parsed: Parsed) -> dict[str, Any]:
    """What every reader must agree on: calendar properties and events keyed by UID."""
    assert "error" not in parsed, parsed.get("error")
    events = {}
    for e in parsed["events"]:
        when = {}
        for name in ("start", "end"):
            value = e[name]
            when[name] = (("date", value["date"]) if "date" in value
                          else ("instant", normal_instant(value["instant"])))
        events[e["uid"]] = {
            "sequence": e["sequence"],
            "status": e["status"],
            "summary": e["summary"],
            "description": e["description"],
            "location": e["location"],
            "dtstamp": normal_instant(e["dtstamp"]),
            "last_modified": normal_instant(e["last_modified"]),
            **when,
        }
    assert len(events) == len(parsed["events"]), "a UID appears twice in one calendar"
    calendar = {k: parsed["calendar"][k] for k in ("prodid", "version", "name", "x-wr-calname",
                                                   "uid")}
    return {"calendar": calendar, "events": events}


# node-ical 0.26 unescapes TEXT with a chain of replacements in which ``\n`` goes before ``\\``,
# so an escaped backslash followed by the letter n (``\\n`` on the wire, a backslash and an "n"
# in the text) comes out as a backslash and a line break. The file is right (ical.js and vobject
# read it as written); the tests state this one known misreading exactly, so that any other
# difference still fails.
def as_node_ical_reads(text: str | None) -> str | None:
    if text is None:
        return None
    return text.replace("\\n", "\\\n").replace("\\N", "\\\n")


TEXT_FIELDS = ("summary", "description", "location")


def node_ical_view(reading: dict[str, Any]) -> dict[str, Any]:
    """Another parser's comparable reading as node-ical reads the same file."""
    calendar = dict(reading["calendar"])
    for name in ("name", "x-wr-calname"):
        calendar[name] = as_node_ical_reads(calendar[name])
    events = {
        uid: {**e, **{f: as_node_ical_reads(e[f]) for f in TEXT_FIELDS}}
        for uid, e in reading["events"].items()
    }
    return {"calendar": calendar, "events": events}
