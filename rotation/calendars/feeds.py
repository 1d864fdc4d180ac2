"""Calendars as published: from a stored plan to .ics bytes with their update history.

Publishing a plan (:func:`publish_plan`) records, with the new version, what every calendar of
its case now shows; exports and the feed server only read that record (:func:`calendars`), so a
file written by ``rotation export`` and a feed served by ``rotation serve`` carry the same UIDs and
the same SEQUENCE for the published plan, and neither writes. Subscription tokens are
made and checked here too: tokens are random, only their SHA-256 is stored, and a presented
token is compared with :func:`hmac.compare_digest` after the look-up, so how long a check takes
says nothing about how close a guess was.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import get_args

from rotation.calendars.events import (
    Feed,
    FeedKey,
    FeedKind,
    build_feeds,
    calendar_uid,
    empty_feed,
    event_uid,
)
from rotation.errors import InputError, Problem, StorageError
from rotation.storage import (
    AuditEntry,
    FeedDraft,
    FeedLookup,
    FeedState,
    FeedToken,
    Store,
    StoredPlan,
)

__all__ = [
    "Prepared",
    "Rendered",
    "all_keys",
    "calendars",
    "feed_keys",
    "find_feed",
    "find_token",
    "new_token",
    "prepare",
    "publish_plan",
    "published_calendar",
    "token_digest",
    "token_feed",
]

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet. Anything else is
# not a token this program made and is refused before the database is asked.
TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Rendered:
    """One calendar ready to send: its bytes, and the validators clients poll with."""

    key: FeedKey
    data: bytes
    etag: str
    last_modified: datetime


def _prefix(case: str, kind: FeedKind) -> str:
    """The start of every FeedKey.text of one kind in one case (see FeedKey.text)."""
    return json.dumps([case, kind], ensure_ascii=False)[:-1] + ", "


def feed_keys(store: Store, stored: StoredPlan, kind: FeedKind) -> list[FeedKey]:
    """Feeds of one kind to write for a plan: those with items now, and those that had items
    before (so that their cancelled events reach the people who still hold them)."""
    inst = stored.instance
    now = {k for k in build_feeds(inst, stored.plan) if k.kind == kind}
    before = set()
    for text in store.published_feeds(_prefix(inst.name, kind)):
        case, k, subject = json.loads(text)
        if case == inst.name and k == kind:
            before.add(FeedKey(case, kind, subject))
    return sorted(now | before)


@dataclass(frozen=True)
class Prepared:
    """A stored plan with what all its calendars share, built once: every feed of the plan and
    the store's UID key. Building the feeds walks the whole plan (20 ms on the example, most of
    a second at 500 officers); the feed server keeps one per published plan, so that rendering
    one feed costs that feed's events only."""

    stored: StoredPlan
    feeds: Mapping[FeedKey, Feed]
    secret: bytes
    language: str | None = None


def prepare(store: Store, stored: StoredPlan, create: bool = False,
            language: str | None = None) -> Prepared:
    """What the calendars of ``stored`` share, in ``language`` (default: the case's); the UID
    key is made now only if ``create``."""
    return Prepared(stored, build_feeds(stored.instance, stored.plan, language),
                    store.calendar_secret(create), language)


def _draft(prepared: Prepared, key: FeedKey) -> tuple[Feed, FeedDraft]:
    """The feed ``key`` names in a prepared plan, and what it should show."""
    inst = prepared.stored.instance
    feed = prepared.feeds.get(key) or empty_feed(inst, key, prepared.language)
    items = [
        (event_uid(prepared.secret, feed.key.case, item.identity),
         json.dumps(item.body(), sort_keys=True, ensure_ascii=False))
        for item in feed.items
    ]
    uids = [uid for uid, _ in items]
    if len(set(uids)) != len(uids):
        raise AssertionError(f"two items of {feed.key} share an identity (a bug)")
    return feed, FeedDraft(feed.key.text, _header(feed, prepared.secret), items)


def _drafts(store: Store, stored: StoredPlan, keys: Sequence[FeedKey], create: bool,
            language: str | None = None) -> tuple[list[Feed], list[FeedDraft], bytes]:
    """The feeds named, what each should show for this plan in ``language`` (default: the
    case's), and the store's UID key (made now if ``create``)."""
    prepared = prepare(store, stored, create, language)
    pairs = [_draft(prepared, key) for key in keys]
    return [feed for feed, _ in pairs], [draft for _, draft in pairs], prepared.secret


def _in_order(state: FeedState, draft: FeedDraft) -> FeedState:
    """The events in the order the plan lists them (what is gone last), as a publish returns
    them: a file reads the same whichever path made it."""
    order = {uid: i for i, (uid, _) in enumerate(draft.items)}
    events = sorted(state.events, key=lambda v: (order.get(v.uid, len(order)), v.uid))
    return replace(state, events=tuple(events))


def _header(feed: Feed, secret: bytes) -> str:
    return json.dumps([feed.title, calendar_uid(secret, feed.key)], ensure_ascii=False)


def all_keys(store: Store, stored: StoredPlan) -> list[FeedKey]:
    """Every feed of a plan's case: officers' then postings'."""
    return feed_keys(store, stored, "officer") + feed_keys(store, stored, "posting")


def publish_plan(store: Store, stored: StoredPlan, actor: str, note: str, now: datetime
                 ) -> AuditEntry:
    """Make a stored plan the published version of its case: the next version in the audit
    log, and every calendar of the case moved to it (same UIDs, higher SEQUENCE where an event
    changed, cancellations for what is gone), in one transaction."""
    _, drafts, _ = _drafts(store, stored, all_keys(store, stored), create=True)
    retention = timedelta(days=stored.instance.calendar.cancelled_retention_days)
    return store.publish_plan(stored.id, actor, note, now, drafts, retention)


def calendars(store: Store, stored: StoredPlan, keys: Sequence[FeedKey], now: datetime,
              language: str | None = None) -> list[Rendered]:
    """The calendars of a stored plan, rendered, without writing anything. For the latest
    published version of its case, in the case's language, they are what its publish recorded;
    for any other plan or language, what publishing it so would show (another language changes
    every body, not the UIDs)."""
    inst = stored.instance
    chosen, drafts, secret = _drafts(store, stored, keys, create=False, language=language)
    retention = timedelta(days=inst.calendar.cancelled_retention_days)
    published = store.published(inst.name)
    recorded = language is None or language == inst.output.language
    if recorded and published is not None and published.plan_id == stored.id:
        states = {d.feed: _in_order(store.feed_state(d.feed, d.header, now, retention), d)
                  for d in drafts}
    else:
        states = store.preview(drafts, now, retention)
    # Imported here: only writing calendars needs the calendar library, and every command that
    # loads this module (``rotation solve`` among them) would otherwise pay for loading it.
    from rotation.calendars.ics import render

    out = []
    for feed in chosen:
        state = states[feed.key.text]
        data = render(feed.title, calendar_uid(secret, feed.key), state.events, now)
        out.append(Rendered(feed.key, data, f'"{state.state[:32]}"', state.changed_at))
    return out


def published_calendar(store: Store, key: FeedKey, prepared: Callable[[int], Prepared],
                       now: datetime) -> tuple[int, Rendered] | None:
    """The calendar ``key`` names in the latest published version of its case, rendered, with
    the audit id of that publish; None while nothing is published. ``prepared`` gives a
    plan's :class:`Prepared` by id (the server keeps them). Reads only, and reads one version:
    the latest is asked again after the feed's history is read, and if a publish landed in
    between, everything is read again."""
    for _ in range(3):
        before = store.published(key.case)
        if before is None or before.plan_id is None:
            return None
        ready = prepared(before.plan_id)
        feed, draft = _draft(ready, key)
        retention = timedelta(days=ready.stored.instance.calendar.cancelled_retention_days)
        state = _in_order(store.feed_state(draft.feed, draft.header, now, retention), draft)
        after = store.published(key.case)
        if after is not None and after.id == before.id:
            from rotation.calendars.ics import render  # see calendars()

            data = render(feed.title, calendar_uid(ready.secret, feed.key), state.events, now)
            return before.id, Rendered(feed.key, data, f'"{state.state[:32]}"',
                                       state.changed_at)
    raise StorageError(f"'{key.case}' was published again and again while one of its "
                       "calendars was read; try again")


def check_subject(stored: StoredPlan, kind: str, subject: str) -> FeedKey:
    """The feed of an officer or posting of this plan's case; a clear error if there is none."""
    if kind not in get_args(FeedKind):
        raise InputError(Problem(f"'{kind}' is not a kind of feed; use officer or posting"))
    inst = stored.instance
    known = inst.officer_by_id if kind == "officer" else inst.posting_by_id
    if subject not in known:
        raise InputError(
            Problem(f"{kind} '{subject}' is not in the case '{inst.name}' of plan {stored.id}",
                    field=f"--{kind}")
        )
    return FeedKey(inst.name, "officer" if kind == "officer" else "posting", subject)


# ---------------------------------------------------------------------------------------------
# Tokens


def new_token() -> tuple[str, str]:
    """A fresh subscription token and the digest to store for it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_feed(found: FeedToken) -> FeedKey:
    """The calendar a subscription link opens."""
    kind: FeedKind = "officer" if found.kind == "officer" else "posting"
    return FeedKey(found.case_name, kind, found.subject)


def find_feed(store: Store, token: str) -> FeedLookup | None:
    """What a presented token opens now: its live link and the latest published version of
    its case, in one read (:meth:`Store.feed_lookup`); None for anything else, and a malformed
    token never reaches the database."""
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_digest(token)
    found = store.feed_lookup(digest)
    if found is None or not hmac.compare_digest(found.token.token_hash, digest):
        return None
    return found


def find_token(store: Store, token: str) -> FeedToken | None:
    """The live link a presented token opens, or None for anything else."""
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    digest = token_digest(token)
    found = store.active_token(digest)
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    return found
