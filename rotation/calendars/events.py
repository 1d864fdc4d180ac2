"""What goes into each calendar, as plain values: no iCalendar, no database.

A plan becomes *feeds*: one per officer and one per posting. Each feed holds *items* (training,
travel, deployment, handover, return; or, for a posting, who is on post, arrivals, departures).
An item carries an *identity*: the facts that make it "the same item" when the plan is solved
again. The identity, keyed with a secret of the store, becomes the event's UID, so UIDs stay put
across re-plans, reveal nothing, and cannot be recomputed from a service number by someone who
reads the feed. The rendered text and times are the item's *body*; a change of body is what
raises an event's SEQUENCE (see docs/calendars.md).

Deployments are identified by officer, posting and their order among that officer's
deployments at that posting: a deployment moved by a few months keeps its UID and its calendar
entry moves with it; the item is the same deployment, only its dates changed.

Every text is in the case's language (Korean or English, :mod:`rotation.i18n`). The language is
part of the body, never of the identity: the same item in another language keeps its UID and
reaches clients as an update.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from rotation.domain import Instance, InvalidObject, Officer, Posting, Requirement, Session
from rotation.i18n import Texts, texts
from rotation.plan import Enrolment, Plan

__all__ = [
    "EventVersion",
    "Feed",
    "FeedKey",
    "Item",
    "Kind",
    "build_feeds",
    "calendar_uid",
    "clean_text",
    "empty_feed",
    "event_uid",
    "moment_from_body",
]

FeedKind = Literal["officer", "posting"]
UID_DOMAIN = "rotation"


class Kind(StrEnum):
    """Every kind of calendar item; officer calendars use the first six, postings the rest."""

    TRAINING = "training"
    TRAVEL = "travel"
    DEPLOYMENT = "deployment"
    HANDOVER_IN = "handover-in"
    HANDOVER_OUT = "handover-out"
    RETURN = "return"
    ON_POST = "on-post"
    ARRIVAL = "arrival"
    DEPARTURE = "departure"


@dataclass(frozen=True, order=True)
class FeedKey:
    """One calendar: an officer's or a posting's, within a case (a case is known by its name)."""

    case: str
    kind: FeedKind
    subject: str

    @property
    def text(self) -> str:
        """The key as one string, for storage; JSON keeps any character of a name unambiguous."""
        return json.dumps([self.case, self.kind, self.subject], ensure_ascii=False)


Moment = date | datetime


@dataclass(frozen=True)
class Item:
    """One calendar entry. All-day items have ``date`` bounds with an exclusive ``end``; timed
    items have aware datetimes in a named IANA zone (start and end may be in different zones)."""

    identity: tuple[str, ...]
    kind: Kind
    summary: str
    description: str
    start: Moment
    end: Moment
    location: str = ""
    busy: bool = False

    def body(self) -> dict[str, Any]:
        """Everything a calendar shows of the item, as JSON-ready data (what storage keeps)."""
        return {
            "kind": self.kind.value,
            "summary": self.summary,
            "description": self.description,
            "location": self.location,
            "start": _moment(self.start),
            "end": _moment(self.end),
            "busy": self.busy,
        }


@dataclass(frozen=True)
class Feed:
    """A calendar's title and items."""

    key: FeedKey
    title: str
    items: tuple[Item, ...] = field(default=())


@dataclass(frozen=True)
class EventVersion:
    """An item as last published in a feed: its body, and what clients need to order updates.

    ``sequence`` rises each time the body changes and once more when the item is cancelled;
    ``last_modified`` is when that last happened; ``created`` when the UID was first published.
    """

    uid: str
    body: dict[str, Any]
    sequence: int
    cancelled: bool
    created: datetime
    last_modified: datetime


def _moment(value: Moment) -> dict[str, str]:
    if isinstance(value, datetime):
        zone = value.tzinfo
        assert isinstance(zone, ZoneInfo), "timed items carry an IANA zone"
        return {"time": value.replace(tzinfo=None).isoformat(timespec="seconds"),
                "tz": zone.key}
    return {"date": value.isoformat()}


def moment_from_body(raw: dict[str, str]) -> Moment:
    """The inverse of the body's encoding of a start or end."""
    if "date" in raw:
        return date.fromisoformat(raw["date"])
    return datetime.fromisoformat(raw["time"]).replace(tzinfo=ZoneInfo(raw["tz"]))


def clean_text(text: str) -> str:
    """Text as a calendar can carry it: one kind of line break, no control characters.

    RFC 5545 text has no way to write a carriage return or other control characters; rather than
    let each parser guess, line breaks become ``\\n`` and the rest are dropped. Everything else,
    punctuation and every script, is kept exactly.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def _b32(digest: bytes) -> str:
    return base64.b32encode(digest).decode().rstrip("=").lower()


def event_uid(secret: bytes, case: str, identity: tuple[str, ...]) -> str:
    """An opaque, stable UID: HMAC of the case and the item's identity under the store's key."""
    message = "\x1f".join(("event", case, *identity)).encode()
    return _b32(hmac.new(secret, message, hashlib.sha256).digest())[:32] + "@" + UID_DOMAIN


def calendar_uid(secret: bytes, key: FeedKey) -> str:
    """The calendar's own UID (RFC 7986), stable for as long as the store keeps its key."""
    message = "\x1f".join(("calendar", key.case, key.kind, key.subject)).encode()
    return _b32(hmac.new(secret, message, hashlib.sha256).digest())[:32] + "@" + UID_DOMAIN


# ---------------------------------------------------------------------------------------------
# Building the feeds


@dataclass(frozen=True)
class _Span:
    """A deployment shown in calendars: planned (``ordinal`` set) or recorded in history."""

    officer: str
    posting: str
    start: date
    end: date
    ordinal: int | None

    @property
    def ref(self) -> tuple[str, ...]:
        """What identifies this deployment across re-plans (see the module docstring)."""
        if self.ordinal is not None:
            return (self.officer, self.posting, str(self.ordinal))
        return (self.officer, self.posting, "past", self.start.isoformat())


class _Builder:
    def __init__(self, inst: Instance, plan: Plan, language: str | None = None) -> None:
        self.inst = inst
        self.plan = plan
        self.t: Texts = texts(language or inst.output.language)
        self.settings = inst.calendar
        self.home = ZoneInfo(self.settings.home_timezone)
        self.travel = timedelta(minutes=self.settings.travel_minutes)
        contact = clean_text(self.settings.contact).strip()
        self.footer = (
            "\n\n" + self.t.gettext("Planning cell: {contact}").format(contact=contact)
            if contact else ""
        )
        self.spans = self._spans()

    # -- words -----------------------------------------------------------------------------
    def day(self, d: date) -> str:
        return self.t.day(d)

    def local(self, moment: datetime) -> str:
        zone = moment.tzinfo
        assert isinstance(zone, ZoneInfo)
        return f"{self.t.moment(moment)} ({zone.key})"

    def dates(self, start: date, end: date) -> str:
        return self.t.gettext("from {first} to {last} (both days included)").format(
            first=self.day(start), last=self.day(end))

    def journey(self, leave: datetime, arrive: datetime) -> str:
        return self.t.gettext("Departure: {leave}\nArrival: {arrive}").format(
            leave=self.local(leave), arrive=self.local(arrive))

    def pname(self, posting: str) -> str:
        return clean_text(self.t.posting(self.posting(posting)))

    # -- data ------------------------------------------------------------------------------
    def _spans(self) -> list[_Span]:
        spans: list[_Span] = []
        count: dict[tuple[str, str], int] = {}
        for d in sorted(self.plan.deployments, key=lambda d: (d.officer, d.posting, d.start)):
            n = count.get((d.officer, d.posting), 0) + 1
            count[d.officer, d.posting] = n
            spans.append(_Span(d.officer, d.posting, d.start, d.end, n))
        rules = self.inst.rules
        planned = {(s.officer, s.posting, s.start) for s in spans}
        for o in self.inst.officers:
            for past in o.history:
                if past.end < rules.start or past.start > rules.end:
                    continue
                if (o.id, past.posting, past.start) in planned:
                    continue
                spans.append(_Span(o.id, past.posting, past.start, past.end, None))
        return sorted(spans, key=lambda s: (s.start, s.posting, s.officer, s.end))

    def name(self, officer: str) -> str:
        who = self.inst.officer_by_id.get(officer)
        return clean_text(who.name) if who is not None else officer

    def posting(self, posting: str) -> Posting:
        return self.inst.posting_by_id[posting]

    def outbound(self, span: _Span) -> tuple[datetime, datetime]:
        leave = datetime.combine(span.start, self.settings.outbound_time, self.home)
        zone = ZoneInfo(self.posting(span.posting).timezone)
        return leave, (leave.astimezone(UTC) + self.travel).astimezone(zone)

    def inbound(self, span: _Span) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.posting(span.posting).timezone)
        leave = datetime.combine(span.end, self.settings.return_time, zone)
        return leave, (leave.astimezone(UTC) + self.travel).astimezone(self.home)

    def in_horizon(self, day: date) -> bool:
        return self.inst.rules.start <= day <= self.inst.rules.end

    # -- handovers ---------------------------------------------------------------------------
    def handovers(self) -> list[tuple[str, date, list[_Span], list[_Span]]]:
        """(posting, changeover day, outgoing spans, incoming spans) where both sides exist.

        The changeover day is an incoming officer's first day. An outgoing deployment belongs to
        the changeover nearest to the day after its end, within ``handover_days``; so each
        deployment has at most one handover at each end.
        """
        k = self.settings.handover_days
        if k == 0:
            return []
        incoming: dict[tuple[str, date], list[_Span]] = {}
        for s in self.spans:
            if s.ordinal is not None:
                incoming.setdefault((s.posting, s.start), []).append(s)
        outgoing: dict[tuple[str, date], list[_Span]] = {}
        for s in self.spans:
            after = s.end + timedelta(days=1)
            options = [
                (abs((day - after).days), day)
                for (posting, day), people in incoming.items()
                if posting == s.posting and abs((day - after).days) <= k
                and any(p.officer != s.officer for p in people)
            ]
            if options:
                _, day = min(options)
                outgoing.setdefault((s.posting, day), []).append(s)
        out = []
        for (posting, day), going in sorted(outgoing.items()):
            # Someone who stays on (a new deployment right after their last) hands over nothing.
            staying = {s.officer for s in going} & {s.officer for s in incoming[posting, day]}
            leave = [s for s in going if s.officer not in staying]
            coming = [s for s in incoming[posting, day] if s.officer not in staying]
            if leave and coming:
                out.append((posting, day, leave, coming))
        return out

    # -- items -------------------------------------------------------------------------------
    def officer_items(self) -> dict[str, list[Item]]:
        items: dict[str, list[Item]] = {}

        def add(officer: str, item: Item) -> None:
            items.setdefault(officer, []).append(item)

        t = self.t
        for s in self.spans:
            p = self.posting(s.posting)
            pname = self.pname(s.posting)
            dates = self.dates(s.start, s.end)
            if s.start >= self.inst.rules.start:
                leave, arrive = self.outbound(s)
                add(s.officer, Item(
                    ("officer", *s.ref, Kind.TRAVEL.value), Kind.TRAVEL,
                    t.gettext("{posting}: travel and arrival").format(posting=pname),
                    t.gettext("Travel to {posting} for the deployment {dates}.").format(
                        posting=pname, dates=dates)
                    + "\n" + self.journey(leave, arrive) + self.footer,
                    leave, arrive, location=pname, busy=True,
                ))
            add(s.officer, Item(
                ("officer", *s.ref, Kind.DEPLOYMENT.value), Kind.DEPLOYMENT,
                t.gettext("{posting}: deployment").format(posting=pname),
                t.gettext("Deployment at {posting} {dates}.\nLocal time zone: {zone}").format(
                    posting=pname, dates=dates, zone=p.timezone) + self.footer,
                s.start, s.end + timedelta(days=1), location=pname, busy=True,
            ))
            leave, arrive = self.inbound(s)
            add(s.officer, Item(
                ("officer", *s.ref, Kind.RETURN.value), Kind.RETURN,
                t.gettext("{posting}: return").format(posting=pname),
                t.gettext("Return from {posting} at the end of the deployment {dates}.").format(
                    posting=pname, dates=dates)
                + "\n" + self.journey(leave, arrive) + self.footer,
                leave, arrive, location=pname, busy=True,
            ))
        k = self.settings.handover_days
        for posting, day, going, coming in self.handovers():
            pname = self.pname(posting)
            first, after = day - timedelta(days=k), day + timedelta(days=k)
            window = t.gettext(
                "Handover at {posting} from {first} to {last} (both days included); the "
                "incoming officers start on {day}."
            ).format(posting=pname, first=self.day(first),
                     last=self.day(after - timedelta(days=1)), day=self.day(day))
            outs = ", ".join(self.name(s.officer) for s in going)
            ins = ", ".join(self.name(s.officer) for s in coming)
            text = (window + "\n"
                    + t.gettext("Outgoing: {outgoing}\nIncoming: {incoming}").format(
                        outgoing=outs, incoming=ins)
                    + self.footer)
            for s in coming:
                add(s.officer, Item(
                    ("officer", *s.ref, Kind.HANDOVER_IN.value), Kind.HANDOVER_IN,
                    t.gettext("{posting}: handover from {names}").format(
                        posting=pname, names=outs),
                    text, first, after, location=pname,
                ))
            for s in going:
                add(s.officer, Item(
                    ("officer", *s.ref, Kind.HANDOVER_OUT.value), Kind.HANDOVER_OUT,
                    t.gettext("{posting}: handover to {names}").format(posting=pname, names=ins),
                    text, first, after, location=pname,
                ))
        for officer, enrolments in self._enrolments().items():
            for n, e in enrolments:
                add(officer, self._training(e, n))
        return items

    def _enrolments(self) -> dict[str, list[tuple[int, Enrolment]]]:
        out: dict[str, list[tuple[int, Enrolment]]] = {}
        count: dict[tuple[str, str], int] = {}
        for e in sorted(self.plan.enrolments, key=lambda e: (e.officer, e.course, e.start)):
            n = count.get((e.officer, e.course), 0) + 1
            count[e.officer, e.course] = n
            out.setdefault(e.officer, []).append((n, e))
        return out

    def _training(self, e: Enrolment, n: int) -> Item:
        courses = {c.id: c.name for c in self.inst.courses}
        course = clean_text(courses.get(e.course, e.course))
        later = [s for s in self.spans if s.officer == e.officer and s.start > e.end
                 and s.ordinal is not None]
        ahead = min(later, key=lambda s: s.start) if later else None
        t = self.t
        text = t.gettext("{course}, session {session}, {dates}.").format(
            course=course, session=clean_text(e.session), dates=self.dates(e.start, e.end))
        text += self._grant(e)
        if ahead is not None:
            pname = self.pname(ahead.posting)
            summary = t.gettext("{posting}: pre-deployment training, {course}").format(
                posting=pname, course=course)
            text += "\n" + t.gettext("For the deployment at {posting} from {first} to "
                                      "{last}.").format(posting=pname,
                                                        first=self.day(ahead.start),
                                                        last=self.day(ahead.end))
        else:
            summary = t.gettext("Pre-deployment training: {course}").format(course=course)
        return Item(
            ("officer", e.officer, "training", e.course, str(n)), Kind.TRAINING, summary,
            text + self.footer, e.start, e.end + timedelta(days=1), busy=True,
        )

    def _grant(self, e: Enrolment) -> str:
        """The credential finishing the session gives, for the officer to know what it is for:
        ``" It gives Khmer level 2, valid until 2028-10-23."`` ("" if it gives none)."""
        course = self.inst.course_by_id.get(e.course)
        if course is None or not course.grants_credential:
            return ""
        try:
            _, granted = Session(e.session, e.course, e.start, e.end).grants(course)
        except InvalidObject:
            return ""
        if granted is None:
            return ""
        name = clean_text(str(Requirement(credential=granted.name, level=granted.level)))
        t = self.t
        if granted.valid_until is not None:
            return " " + t.gettext("It gives {credential}, valid until {day}.").format(
                credential=name, day=self.day(granted.valid_until))
        return " " + t.gettext("It gives {credential}, valid with no end.").format(
            credential=name)

    def posting_items(self) -> dict[str, list[Item]]:
        items: dict[str, list[Item]] = {}
        t = self.t
        for s in self.spans:
            pname = self.pname(s.posting)
            who = self.name(s.officer)
            officer = self.inst.officer_by_id.get(s.officer)
            rank = f" ({t.rank(officer.rank)})" if isinstance(officer, Officer) else ""
            dates = self.dates(s.start, s.end)
            ref = (s.posting, *s.ref)
            found = items.setdefault(s.posting, [])
            found.append(Item(
                ("posting", *ref, Kind.ON_POST.value), Kind.ON_POST,
                t.gettext("{posting}: {officer} on post").format(posting=pname, officer=who),
                t.gettext("{officer}{rank} is at {posting} {dates}.").format(
                    officer=who, rank=rank, posting=pname, dates=dates) + self.footer,
                s.start, s.end + timedelta(days=1), location=pname,
            ))
            if s.start >= self.inst.rules.start:
                leave, arrive = self.outbound(s)
                found.append(Item(
                    ("posting", *ref, Kind.ARRIVAL.value), Kind.ARRIVAL,
                    t.gettext("{posting}: arrival of {officer}").format(
                        posting=pname, officer=who),
                    t.gettext("{officer}{rank} arrives for the deployment {dates}.").format(
                        officer=who, rank=rank, dates=dates)
                    + "\n" + self.journey(leave, arrive) + self.footer,
                    leave, arrive, location=pname,
                ))
            leave, arrive = self.inbound(s)
            found.append(Item(
                ("posting", *ref, Kind.DEPARTURE.value), Kind.DEPARTURE,
                t.gettext("{posting}: departure of {officer}").format(
                    posting=pname, officer=who),
                t.gettext("{officer}{rank} leaves at the end of the deployment {dates}.").format(
                    officer=who, rank=rank, dates=dates)
                + "\n" + self.journey(leave, arrive) + self.footer,
                leave, arrive, location=pname,
            ))
        return items


def _sorted(items: Iterable[Item]) -> tuple[Item, ...]:
    def key(item: Item) -> tuple[str, str]:
        start = item.start
        when = (start.astimezone(UTC).isoformat() if isinstance(start, datetime)
                else start.isoformat())
        return when, item.summary

    return tuple(sorted(items, key=key))


def build_feeds(inst: Instance, plan: Plan, language: str | None = None
                ) -> dict[FeedKey, Feed]:
    """Every officer's and every posting's calendar for one plan, in ``language`` (default: the
    case's).

    Only officers with at least one item get a feed here; a feed that once had items keeps its
    history in the store, which is where cancellations come from.
    """
    b = _Builder(inst, plan, language)
    case = clean_text(inst.name)
    feeds: dict[FeedKey, Feed] = {}
    for officer, items in b.officer_items().items():
        key = FeedKey(inst.name, "officer", officer)
        feeds[key] = Feed(key, f"{case}: {b.name(officer)}", _sorted(items))
    for posting, items in b.posting_items().items():
        key = FeedKey(inst.name, "posting", posting)
        feeds[key] = Feed(key, f"{case}: {b.pname(posting)}", _sorted(items))
    return feeds


def empty_feed(inst: Instance, key: FeedKey, language: str | None = None) -> Feed:
    """A feed with nothing planned, titled as it would be if it had items."""
    case = clean_text(inst.name)
    if key.kind == "officer":
        who = inst.officer_by_id.get(key.subject)
        return Feed(key, f"{case}: {clean_text(who.name) if who else key.subject}")
    where = inst.posting_by_id.get(key.subject)
    name = texts(language or inst.output.language).posting(where) if where else key.subject
    return Feed(key, f"{case}: {clean_text(name)}")
