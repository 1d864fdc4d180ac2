"""What the calendars say and how they change, checked without node: content, UIDs, history.

The parsers' side (what independent readers make of the files) is in test_calendar_parsers.py.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotation.calendars.events import EventVersion, FeedKey, Kind, build_feeds, event_uid
from rotation.calendars.feeds import calendars, publish_plan
from rotation.calendars.ics import fold, render
from rotation.domain import CalendarSettings, CourseDef, InvalidObject
from rotation.errors import StorageError
from rotation.io import load_case
from rotation.plan import Plan
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict
from rotation.storage import FeedDraft, Store
from tests import calendar_cases as cc
from tests.conftest import CaseMaker, add_lines

# ---------------------------------------------------------------------------------------------
# Folding


def _check_folded(raw: bytes) -> None:
    lines = raw.split(b"\r\n")
    assert lines[-1] == b""
    logical: list[list[bytes]] = []
    for line in lines[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")
        if line.startswith(b" "):
            logical[-1].append(line[1:])
        else:
            logical.append([line])
    for parts in logical:
        text = b"".join(parts).decode("utf-8")
        cuts, at = set(), 0
        for part in parts[:-1]:
            at += len(part.decode("utf-8"))
            cuts.add(at)
        i = 0
        while i < len(text):
            if text[i] == "\\":
                assert i + 1 not in cuts, text
                i += 2
            else:
                i += 1


@given(st.lists(st.sampled_from(["a", "\\", ",", ";", "n", "김", "ភ្", "😀", " "]),
                min_size=30, max_size=300).map("".join))
def test_fold_keeps_lines_short_characters_whole_and_escapes_together(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    line = "SUMMARY:" + escaped
    folded = fold(line)
    _check_folded(folded.encode() + b"\r\n")
    assert folded.replace("\r\n ", "") == line
    # Each physical line takes as much as fits: the next character, or escape, would not.
    parts = folded.split("\r\n ")
    for k, (part, following) in enumerate(itertools.pairwise(parts)):
        atom = following[:2] if following.startswith("\\") else following[:1]
        assert len(part.encode()) + len(atom.encode()) > (75 if k == 0 else 74)


def test_rendered_calendars_never_split_an_escape_wherever_the_fold_falls() -> None:
    # Every offset of awkward runs against the fold point; the library's own folding parts an
    # escaped backslash at some of them.
    now = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for pad in range(0, 80):
        for run in ("\\\\,", "김\\", "\\;", "\n"):
            body = {"kind": "deployment", "summary": "x" * pad + run * 6 + "끝",
                    "description": "y" * pad + run * 9, "location": "",
                    "start": {"date": "2026-01-01"}, "end": {"date": "2026-01-02"},
                    "busy": False}
            events.append(EventVersion(f"{pad}-{len(events)}@t", body, 0, False, now, now))
    _check_folded(render("x" * 70 + "\\" * 9, "cal@t", events, now))


# ---------------------------------------------------------------------------------------------
# Content


Row = tuple[str, str, object, object]


def _feeds(plan: Plan = cc.ORIGINAL, **calendar: object) -> dict[FeedKey, list[Row]]:
    feeds = build_feeds(cc.instance(**calendar), plan)
    return {k: [(i.kind.value, i.summary, i.start, i.end) for i in f.items]
            for k, f in feeds.items()}


def _key(kind: str, subject: str) -> FeedKey:
    return FeedKey(cc.CASE, kind, subject)  # type: ignore[arg-type]


def test_a_training_item_names_the_credential_its_course_gives() -> None:
    grants = CourseDef("khmer", cc.COURSE, "khmer", 2, 24)
    feeds = build_feeds(replace(cc.instance(), courses=(grants,)), cc.ORIGINAL)
    (item,) = [i for i in feeds[_key("officer", "K-0002")].items if i.kind is Kind.TRAINING]
    # The course's last day is 2026-02-20; what it gives lasts 24 months less a day.
    assert " It gives Khmer level 2, valid until 2028-02-19." in item.description
    plain = build_feeds(cc.instance(), cc.ORIGINAL)[_key("officer", "K-0002")].items
    assert all("It gives" not in i.description for i in plain)


def test_officer_calendar_has_every_kind_of_item_with_the_right_days() -> None:
    feeds = build_feeds(cc.instance(), cc.ORIGINAL)
    k2 = {i.kind: i for i in feeds[_key("officer", "K-0002")].items}
    d = cc.DROPPED
    assert set(k2) == {Kind.TRAINING, Kind.TRAVEL, Kind.DEPLOYMENT, Kind.HANDOVER_IN,
                       Kind.HANDOVER_OUT, Kind.RETURN}
    assert (k2[Kind.DEPLOYMENT].start, k2[Kind.DEPLOYMENT].end) == (d.start,
                                                                    d.end + timedelta(days=1))
    t = cc.TRAINING
    assert (k2[Kind.TRAINING].start, k2[Kind.TRAINING].end) == (t.start, t.end + timedelta(1))
    # handover windows: three days either side of the changeover day
    assert (k2[Kind.HANDOVER_IN].start, k2[Kind.HANDOVER_IN].end) == (
        date(2026, 3, 29), date(2026, 4, 4))
    assert cc.NAMES["K-0001"] in k2[Kind.HANDOVER_IN].summary
    assert cc.NAMES["K-0001"] in k2[Kind.HANDOVER_OUT].summary  # K-0001 comes back in July
    travel = k2[Kind.TRAVEL]
    assert isinstance(travel.start, datetime) and isinstance(travel.end, datetime)
    assert str(travel.start.tzinfo) == "Asia/Seoul" and travel.start.hour == 9
    assert str(travel.end.tzinfo) == "Asia/Phnom_Penh"
    assert travel.end - travel.start == timedelta(minutes=330)
    ret = k2[Kind.RETURN]
    assert isinstance(ret.start, datetime) and ret.start.date() == d.end
    assert str(ret.start.tzinfo) == "Asia/Phnom_Penh" and ret.start.hour == 15


def test_every_summary_names_the_posting_and_descriptions_stay_private() -> None:
    inst = cc.instance()
    inst = replace(inst, officers=tuple(
        replace(o, home_unit="Secret Unit 7", specialties=frozenset({"covert"}))
        for o in inst.officers))
    for key, feed in build_feeds(inst, cc.ORIGINAL).items():
        for item in feed.items:
            posting_names = [n for n in cc.POSTINGS.values() if item.summary.startswith(n)]
            assert posting_names, item.summary
            assert cc.CONTACT in item.description
            for private in ("Secret Unit 7", "covert", *cc.NAMES):
                assert private not in item.description + item.summary, (key, private)


def test_history_that_runs_into_the_horizon_hands_over_by_name() -> None:
    feeds = build_feeds(cc.instance(), cc.ORIGINAL)
    k4 = {i.kind: i for i in feeds[_key("officer", "K-0004")].items}
    assert Kind.TRAVEL not in k4  # they travelled before the horizon
    assert k4[Kind.HANDOVER_OUT].summary.endswith(f"handover to {cc.NAMES['K-0003']}")
    assert k4[Kind.RETURN].start.date() == cc.PAST.end  # type: ignore[union-attr]


def test_posting_calendar_shows_who_is_there_arrivals_and_departures() -> None:
    feeds = build_feeds(cc.instance(), cc.ORIGINAL)
    shv = [(i.kind, i.summary) for i in feeds[_key("posting", "SHV")].items]
    pname = cc.POSTINGS["SHV"]
    assert (Kind.ON_POST, f"{pname}: {cc.NAMES['K-0004']} on post") in shv
    assert (Kind.DEPARTURE, f"{pname}: departure of {cc.NAMES['K-0004']}") in shv
    assert (Kind.ARRIVAL, f"{pname}: arrival of {cc.NAMES['K-0003']}") in shv
    assert (Kind.ARRIVAL, f"{pname}: arrival of {cc.NAMES['K-0004']}") not in shv


def test_no_handovers_when_switched_off() -> None:
    kinds = {k for items in _feeds(handover_days=0).values() for k, *_ in items}
    assert "handover-in" not in kinds and "handover-out" not in kinds


def test_uids_are_opaque_and_keyed() -> None:
    feeds = build_feeds(cc.instance(), cc.ORIGINAL)
    uids = set()
    for key, feed in feeds.items():
        for item in feed.items:
            uid = event_uid(b"one", key.case, item.identity)
            assert re.fullmatch(r"[a-z2-7]{32}@rotation", uid)
            assert uid != event_uid(b"two", key.case, item.identity)
            uids.add(uid)
    assert len(uids) == sum(len(f.items) for f in feeds.values())


def test_a_moved_deployment_keeps_its_identity() -> None:
    before = {i.identity for f in build_feeds(cc.instance(), cc.ORIGINAL).values()
              for i in f.items if i.kind == Kind.DEPLOYMENT}
    after = {i.identity for f in build_feeds(cc.instance(), cc.REVISED).values()
             for i in f.items if i.kind == Kind.DEPLOYMENT}
    assert after < before  # the moved one is still there; only the dropped one is gone


# ---------------------------------------------------------------------------------------------
# History in the store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'r.db'}")


def _events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _publish(store: Store, plan: Plan, at: datetime, **calendar: object) -> dict[str, bytes]:
    inst = cc.instance(**calendar)
    stored = cc.stored(store, plan, inst)
    keys = sorted(set(build_feeds(inst, cc.ORIGINAL)) | set(build_feeds(inst, plan)))
    publish_plan(store, stored, "test", "", at)
    return {f"{r.key.kind}:{r.key.subject}": r.data for r in calendars(store, stored, keys, at)}


def test_sequence_rises_only_when_an_event_changes(store: Store) -> None:
    t1, t2, t3 = (datetime(2026, 1, d, 12, tzinfo=UTC) for d in (1, 2, 3))
    first = _events(_publish(store, cc.ORIGINAL, t1)["officer:K-0001"])
    again = _events(_publish(store, cc.ORIGINAL, t2)["officer:K-0001"])
    assert set(first) == set(again)
    for uid, e in again.items():
        assert e["SEQUENCE"] == 0 and str(e["STATUS"]) == "CONFIRMED"
        assert e["LAST-MODIFIED"].dt == t1 and e["DTSTAMP"].dt == t2  # DTSTAMP: export time
        assert e.to_ical().count(b"DTSTAMP:20260102T120000Z") == 1, uid
    revised = _events(_publish(store, cc.REVISED, t3)["officer:K-0001"])
    assert set(revised) == set(first)  # nothing new: the moved deployment kept its UIDs
    changed = {uid for uid, e in revised.items() if e["SEQUENCE"] == 1}
    unchanged = {uid for uid, e in revised.items() if e["SEQUENCE"] == 0}
    assert changed and unchanged
    for uid in changed:
        assert revised[uid]["LAST-MODIFIED"].dt == t3
    def without_stamp(e: icalendar.Event) -> list[bytes]:
        return [line for line in e.to_ical().split(b"\r\n") if not line.startswith(b"DTSTAMP")]

    for uid in unchanged:
        assert without_stamp(revised[uid]) == without_stamp(first[uid])
    cancelled = {uid for uid, e in revised.items() if str(e["STATUS"]) == "CANCELLED"}
    assert {str(revised[u]["SUMMARY"]).split(": ")[1].split(" ")[0] for u in cancelled} == {
        "handover"}


def test_vanished_events_come_back_once_as_cancelled_then_retire(store: Store) -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    _publish(store, cc.ORIGINAL, t)
    gone = _events(_publish(store, cc.REVISED, t + timedelta(days=1))["officer:K-0002"])
    assert gone and all(str(e["STATUS"]) == "CANCELLED" and e["SEQUENCE"] == 1
                        for e in gone.values())
    assert all(str(e["TRANSP"]) == "TRANSPARENT" for e in gone.values())
    later = _events(_publish(store, cc.REVISED, t + timedelta(days=89))["officer:K-0002"])
    assert {u: e["SEQUENCE"] for u, e in later.items()} == {u: 1 for u in gone}
    retired = _events(_publish(store, cc.REVISED, t + timedelta(days=92))["officer:K-0002"])
    assert retired == {}
    back = _events(_publish(store, cc.ORIGINAL, t + timedelta(days=93))["officer:K-0002"])
    assert set(back) == set(gone)
    assert all(str(e["STATUS"]) == "CONFIRMED" and e["SEQUENCE"] == 2 for e in back.values())


def test_retention_is_a_setting(store: Store) -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    _publish(store, cc.ORIGINAL, t, cancelled_retention_days=0)
    assert _events(_publish(store, cc.REVISED, t, cancelled_retention_days=0)[
        "officer:K-0002"])
    assert not _events(_publish(store, cc.REVISED, t + timedelta(seconds=1),
                                cancelled_retention_days=0)["officer:K-0002"])


def test_publishing_is_all_or_nothing(store: Store) -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    good = FeedDraft("good", "h", [("a@t", "{}")])
    bad = FeedDraft("bad", "h", [("b@t", "{}"), ("b@t", '{"x": 1}')])
    with pytest.raises(StorageError):
        store.publish([good, bad], t, timedelta(days=1))
    assert store.published_feeds("") == set()


def test_a_new_store_gets_new_uids(tmp_path: Path) -> None:
    # A fresh database restarts SEQUENCE at 0, which clients would ignore for a UID they hold.
    one, two = (Store(f"sqlite:///{tmp_path / n}") for n in ("a.db", "b.db"))
    t = datetime(2026, 1, 1, tzinfo=UTC)
    a = set(_events(_publish(one, cc.ORIGINAL, t)["officer:K-0001"]))
    b = set(_events(_publish(two, cc.ORIGINAL, t)["officer:K-0001"]))
    assert a and b and not a & b
    assert one.calendar_secret() == one.calendar_secret()


# ---------------------------------------------------------------------------------------------
# Settings


def test_calendar_section_is_read_and_kept_with_the_plan(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": add_lines(
        "[calendar]", 'contact = "Cell; +82\\nDesk 3"', 'outbound_departure = "07:15"',
        "travel_minutes = 400", "handover_days = 5", "cancelled_retention_days = 30")})
    inst = load_case(case)
    assert inst.calendar == CalendarSettings(
        contact="Cell; +82\nDesk 3", outbound_departure="07:15", travel_minutes=400,
        handover_days=5, cancelled_retention_days=30)
    back = instance_from_dict(json.loads(json.dumps(instance_to_dict(inst))))
    assert back.calendar == inst.calendar
    # the contact is not part of the problem: the input hash does not move with it
    assert input_hash(inst) == input_hash(replace(inst, calendar=CalendarSettings()))
    old_snapshot = instance_to_dict(inst)
    del old_snapshot["calendar"]
    assert instance_from_dict(old_snapshot).calendar == CalendarSettings()


def test_calendar_section_problems_are_all_reported(make_case: CaseMaker) -> None:
    from rotation.errors import InputError

    case = make_case({"rules.toml": add_lines(
        "[calendar]", 'outbound_departure = "9am"', 'home_timezone = "Asia/Nowhere"',
        "handover_days = 40", "colour = 'red'")})
    with pytest.raises(InputError) as caught:
        load_case(case)
    text = str(caught.value)
    for where in ("calendar.outbound_departure", "calendar.home_timezone",
                  "calendar.handover_days", "calendar.colour"):
        assert f"field '{where}'" in text, text


def test_calendar_settings_check_themselves() -> None:
    with pytest.raises(InvalidObject) as caught:
        CalendarSettings(return_departure="24:00", travel_minutes=0,
                         cancelled_retention_days=-1)
    assert {f for f, _ in caught.value.issues} == {
        "return_departure", "travel_minutes", "cancelled_retention_days"}


@pytest.mark.postgres
def test_history_and_links_on_postgres(postgres_url: str) -> None:
    store = Store(postgres_url)
    test_publishing_is_all_or_nothing(store)
    test_vanished_events_come_back_once_as_cancelled_then_retire(store)
    digest = "d" * 64
    link = store.add_token(digest, cc.CASE, "officer", "K-0001", datetime.now(UTC))
    found = store.active_token(digest)
    assert found is not None and found.id == link and found.subject == "K-0001"
    store.revoke_tokens([link], datetime.now(UTC))
    assert store.active_token(digest) is None
    assert store.published_feeds(FeedKey(cc.CASE, "officer", "").text[:-3])
