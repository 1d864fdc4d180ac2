"""Every kind of exported calendar, read back by parsers that did not write it.

ical.js (Thunderbird's parser), node-ical, vobject and libical (Evolution's and KDE's) must each
read, from every file of a first
export and of a re-plan's export, exactly the events the planner meant: the same UIDs, the same
all-day dates (in every time zone the node readers run in), timed starts and ends as the same
instants, the same SEQUENCE and STATUS, and text (summaries, descriptions, locations, calendar
names) character for character, in Korean and in English. What they must read is taken from
the planner's own model of
the calendar (rotation.calendars.events), not from the library that wrote the files; the plan's
facts (dates, travel times, names) are checked against that model separately in
test_calendars.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rotation.calendars.events import build_feeds, calendar_uid, event_uid
from rotation.calendars.ics import PRODID
from rotation.domain import OutputSettings
from rotation.storage import Store, StoredPlan
from rotation.workflow import export
from tests import calendar_cases as cc
from tests.parsers import (
    JS_PARSERS,
    TEXT_FIELDS,
    as_node_ical_reads,
    comparable,
    node_ical_view,
    read_js,
    read_libical,
    read_vobject,
)

# UTC, the far east and far west of the date line, and the two zones the calendars use.
ZONES = ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles", "Asia/Seoul")

# The planner's words in each language, spelled out here rather than taken from the catalogue,
# so that a wrong or lost translation fails.
WORDS = {
    "en": {
        "posting": cc.POSTINGS["PNH"],
        "training": "{p}: pre-deployment training, {c}",
        "handover from": "{p}: handover from {n}",
        "on post": "{p}: {n} on post",
        "deployment": "{p}: deployment",
        "travel": "{p}: travel and arrival",
        "return": "{p}: return",
        "sides": "Outgoing: {o}\nIncoming: {i}",
        "session dates": "from 2026-02-02 to 2026-02-20 (both days included)",
    },
    "ko": {
        "posting": cc.POSTINGS_KO["PNH"],
        "training": "{p} 파견 전 교육: {c}",
        "handover from": "{p} 인수인계 (전임자: {n})",
        "on post": "{p} {n} 근무",
        "deployment": "{p} 파견",
        "travel": "{p} 출국·도착",
        "return": "{p} 귀국",
        "sides": "전임자: {o}\n후임자: {i}",
        "session dates": "2026년 2월 2일부터 2026년 2월 20일까지(양일 포함)",
    },
}


def _expected_when(value: date | datetime) -> tuple[str, str]:
    if isinstance(value, datetime):
        return ("instant", value.astimezone(UTC).isoformat())
    return ("date", value.isoformat())


def expected(store: Store, stored: StoredPlan, language: str) -> dict[str, dict[str, Any]]:
    """file stem -> {"calendar": ..., "items": {uid: fields}} from the planner's model."""
    secret = store.calendar_secret()
    out = {}
    for key, feed in build_feeds(stored.instance, stored.plan, language).items():
        stem = key.subject if key.kind == "officer" else f"postings/{key.subject}"
        items = {}
        for item in feed.items:
            items[event_uid(secret, key.case, item.identity)] = {
                "summary": item.summary,
                "description": item.description,
                "location": item.location or None,
                "start": _expected_when(item.start),
                "end": _expected_when(item.end),
            }
        out[stem] = {
            "calendar": {"prodid": PRODID, "version": "2.0", "name": feed.title,
                         "x-wr-calname": feed.title, "uid": calendar_uid(secret, key)},
            "items": items,
        }
    return out


@pytest.fixture(scope="module", params=["en", "ko"])
def exports(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
            ) -> dict[str, Any]:
    """The hand-built case exported, then re-planned and exported again, into one store, in
    each language."""
    language = request.param
    home = tmp_path_factory.mktemp(f"parsers-{language}")
    store = Store(f"sqlite:///{home / 'r.db'}")
    # Published in the language under test, so that the export reads what the publish recorded.
    inst = replace(cc.instance(), output=OutputSettings(language=language))
    first = cc.published(store, cc.ORIGINAL, inst, at=cc.STAMP_1)
    export(first, "ics", home / "first", stamp=cc.STAMP_1, store=store, language=language)
    want_first = expected(store, first, language)
    second = cc.published(store, cc.REVISED, inst, at=cc.STAMP_2)
    export(second, "ics", home / "second", stamp=cc.STAMP_2, store=store, language=language)
    return {"home": home, "first": want_first, "second": expected(store, second, language),
            "words": WORDS[language]}


def _files(folder: Path) -> dict[str, Path]:
    root = folder / "calendars"
    return {str(p.relative_to(root).with_suffix("")): p for p in sorted(root.rglob("*.ics"))}


def _all_readers(files: dict[str, Path], tz: str) -> dict[str, dict[str, dict[str, Any]]]:
    """parser -> file stem -> comparable reading."""
    by_path = read_js(list(files.values()), tz)
    libical = read_libical(list(files.values()))
    out: dict[str, dict[str, dict[str, Any]]] = {
        p: {} for p in (*JS_PARSERS, "vobject", "libical")
    }
    for stem, path in files.items():
        for parser in JS_PARSERS:
            out[parser][stem] = comparable(by_path[str(path)][parser])
        out["vobject"][stem] = comparable(read_vobject(path))
        out["libical"][stem] = comparable(libical[str(path)])
    return out


def _same(text: str | None) -> str | None:
    return text


def _agree(readings: dict[str, dict[str, Any]]) -> None:
    """ical.js, vobject and libical read the same; node-ical too, but for its one known
    misreading."""
    assert readings["ical.js"] == readings["vobject"]
    assert readings["ical.js"] == readings["libical"]
    assert {s: node_ical_view(r) for s, r in readings["ical.js"].items()} == readings["node-ical"]


def _check_against_model(readings: dict[str, dict[str, Any]], model: dict[str, Any],
                         stamp: datetime, tz: str) -> None:
    for parser, files in readings.items():
        assert set(files) == set(model), parser
        for stem, got in files.items():
            want = model[stem]
            where = f"{parser} in TZ={tz}, {stem}"
            seen = as_node_ical_reads if parser == "node-ical" else _same
            want_calendar = {k: seen(v) if k in ("name", "x-wr-calname") else v
                             for k, v in want["calendar"].items()}
            assert got["calendar"] == want_calendar, where
            for uid, fields in want["items"].items():
                assert uid in got["events"], f"{where}: {fields['summary']!r} missing"
                event = got["events"][uid]
                for name, value in fields.items():
                    value = seen(value) if name in TEXT_FIELDS else value
                    assert event[name] == value, f"{where}: {name} of {fields['summary']!r}"
                assert event["status"] in ("CONFIRMED", "CANCELLED")
                assert event["dtstamp"] == stamp.isoformat(), where


@pytest.mark.parametrize("tz", ZONES)
def test_first_export_reads_the_same_in_every_parser_and_zone(
    exports: dict[str, Any], tz: str
) -> None:
    readings = _all_readers(_files(exports["home"] / "first"), tz)
    model = exports["first"]
    _check_against_model(readings, model, cc.STAMP_1, tz)
    for parser, files in readings.items():
        for stem, got in files.items():
            # nothing but the planned items, all new
            assert set(got["events"]) == set(model[stem]["items"]), f"{parser} {stem}"
            for event in got["events"].values():
                assert (event["sequence"], event["status"]) == (0, "CONFIRMED"), parser
                assert event["last_modified"] == cc.STAMP_1.isoformat()
    # and the parsers agree with each other on everything, not only on what the model names
    _agree(readings)


@pytest.mark.parametrize("tz", ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"))
def test_revised_export_updates_in_place_in_every_parser(
    exports: dict[str, Any], tz: str
) -> None:
    first, second = exports["first"], exports["second"]
    readings = _all_readers(_files(exports["home"] / "second"), tz)
    _agree(readings)
    # K-0002 was dropped: their calendar is still written, with everything cancelled
    assert "K-0002" not in second
    for parser, files in readings.items():
        for stem, got in files.items():
            was = first.get(stem, {"items": {}})["items"]
            now = second.get(stem, {"items": {}})["items"]
            assert set(got["events"]) == set(was) | set(now), f"{parser} {stem}"
            for uid, event in got["events"].items():
                where = f"{parser} {stem} {event['summary']!r}"
                if uid not in now:  # gone: cancelled once, one SEQUENCE up, old text kept
                    assert (event["status"], event["sequence"]) == ("CANCELLED", 1), where
                    assert event["summary"] == was[uid]["summary"], where
                    assert event["last_modified"] == cc.STAMP_2.isoformat(), where
                elif uid in was and was[uid] == now[uid]:  # unchanged: untouched
                    assert (event["status"], event["sequence"]) == ("CONFIRMED", 0), where
                    assert event["last_modified"] == cc.STAMP_1.isoformat(), where
                elif uid in was:  # changed: same UID, next SEQUENCE
                    assert (event["status"], event["sequence"]) == ("CONFIRMED", 1), where
                    assert event["last_modified"] == cc.STAMP_2.isoformat(), where
                else:
                    assert (event["status"], event["sequence"]) == ("CONFIRMED", 0), where
    models = {stem: {"calendar": m["calendar"], "items": m["items"]} for stem, m in second.items()}
    _check_against_model({p: {s: f for s, f in files.items() if s in models}
                          for p, files in readings.items()}, models, cc.STAMP_2, tz)
    # the moved deployment kept its UID and now shows the new dates
    k1 = readings["ical.js"]["K-0001"]["events"]
    deployment = exports["words"]["deployment"].format(p=exports["words"]["posting"])
    moved = [e for e in k1.values() if e["summary"] == deployment and e["sequence"] == 1]
    assert len(moved) == 1
    assert (moved[0]["start"], moved[0]["end"]) == (
        ("date", cc.MOVED.start.isoformat()), ("date", (cc.MOVED.end + timedelta(1)).isoformat())
    )


def test_text_survives_exactly(exports: dict[str, Any]) -> None:
    """The awkward strings reach every parser whole, wherever the calendar puts them."""
    readings = _all_readers(_files(exports["home"] / "first"), "UTC")
    words = exports["words"]
    pnh_name = words["posting"]
    for parser, files in readings.items():
        k2 = files["K-0002"]
        assert k2["calendar"]["name"] == f"{cc.CASE}: {cc.NAMES['K-0002']}", parser
        texts = [e["description"] for e in k2["events"].values()]
        assert all(cc.CONTACT in t for t in texts), parser
        assert any(words["session dates"] in t for t in texts), parser
        summaries = {e["summary"] for e in k2["events"].values()}
        assert words["training"].format(p=pnh_name, c=cc.COURSE) in summaries, parser
        assert words["handover from"].format(p=pnh_name, n=cc.NAMES["K-0001"]) in summaries
        pnh = files["postings/PNH"]
        assert pnh["calendar"]["name"] == f"{cc.CASE}: {pnh_name}", parser
        assert words["on post"].format(p=pnh_name, n=cc.NAMES["K-0002"]) in {
            e["summary"] for e in pnh["events"].values()
        }
        assert {e["location"] for e in pnh["events"].values()} == {pnh_name}
        k3 = files["K-0003"]
        seen = as_node_ical_reads if parser == "node-ical" else _same
        sides = words["sides"].format(o=cc.NAMES["K-0004"], i=seen(cc.NAMES["K-0003"]))
        assert any(sides in (e["description"] or "") for e in k3["events"].values()), parser


def test_travel_times_are_the_planned_instants(exports: dict[str, Any]) -> None:
    """09:00 in Seoul on the first day, 330 minutes of travel; 15:00 local on the last day."""
    readings = _all_readers(_files(exports["home"] / "first"), "America/Los_Angeles")
    seoul, pnh = ZoneInfo("Asia/Seoul"), ZoneInfo("Asia/Phnom_Penh")
    leave = datetime.combine(cc.FIRST.start, datetime.min.time(), seoul).replace(hour=9)
    back = datetime.combine(cc.FIRST.end, datetime.min.time(), pnh).replace(hour=15)
    words = exports["words"]
    for parser, files in readings.items():
        events = files["K-0001"]["events"].values()
        travel = [e for e in events
                  if e["summary"] == words["travel"].format(p=words["posting"])]
        home = [e for e in events if e["summary"] == words["return"].format(p=words["posting"])]
        assert travel and home, parser
        assert ("instant", leave.astimezone(UTC).isoformat()) in {e["start"] for e in travel}
        assert ("instant", (leave + timedelta(minutes=330)).astimezone(UTC).isoformat()) in {
            e["end"] for e in travel}, parser
        assert ("instant", back.astimezone(UTC).isoformat()) in {e["start"] for e in home}


def test_files_are_folded_at_75_octets_without_splitting_characters_or_escapes(
    exports: dict[str, Any],
) -> None:
    files = list(_files(exports["home"] / "first").values())
    files += list(_files(exports["home"] / "second").values())
    folded = 0
    for path in files:
        raw = path.read_bytes()
        assert raw.endswith(b"\r\n")
        physical = raw[:-2].split(b"\r\n")
        logical: list[list[bytes]] = []
        for line in physical:
            assert len(line) <= 75, (path, line)
            line.decode("utf-8")  # each physical line is whole UTF-8: no character was split
            if line.startswith(b" "):
                logical[-1].append(line[1:])
                folded += 1
            else:
                logical.append([line])
        for parts in logical:
            text = b"".join(parts).decode("utf-8")
            cuts, at = set(), 0
            for part in parts[:-1]:
                at += len(part.decode("utf-8"))
                cuts.add(at)
            i = text.find(":")  # escapes live in the value
            while i < len(text):
                if text[i] == "\\":
                    assert i + 1 not in cuts, (path, text)
                    i += 2
                else:
                    i += 1
    assert folded > 20  # the case's long lines really were folded


def test_libical_finds_nothing_out_of_place(exports: dict[str, Any]) -> None:
    """libical, after checking RFC 5545's restrictions, leaves no X-LIC-ERROR in any file: each
    property stands where the standard allows it (a COMMENT on a VTIMEZONE once did not)."""
    files = [*_files(exports["home"] / "first").values(),
             *_files(exports["home"] / "second").values()]
    read = read_libical(files)
    assert len(read) == len(files) > 4
    for path, parsed in read.items():
        assert parsed["errors"] == [], path


@pytest.mark.parametrize("language", ["en", "ko"])
def test_libical_finds_nothing_out_of_place_in_the_example(
    tmp_path: Path, language: str
) -> None:
    """Every calendar of the bundled example (one per officer and per posting, from its first
    plan) passes libical's checks, in both languages."""
    from rotation.io import load_case
    from rotation.plan import Result, SolveStatus
    from rotation.solve.first_plan import first_plan
    from rotation.solve.model import Candidates

    inst = load_case(Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025")
    plan = first_plan(inst, Candidates(inst))
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    stored = store.load(store.save(inst, Result(SolveStatus.FEASIBLE, plan, 0, None, 0.0)))
    written = export(stored, "ics", tmp_path / "out", store=store, language=language)
    assert len(written) > 100
    read = read_libical(written)
    assert {path: parsed["errors"] for path, parsed in read.items() if parsed["errors"]} == {}
    summaries = {e["summary"] for parsed in read.values() for e in parsed["events"]}
    if language == "ko":
        assert "포이펫 국경 초소 파견" in summaries
    else:
        assert "Poipet border post: deployment" in summaries
