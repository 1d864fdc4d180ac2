"""The calendar feed server: the only module that imports starlette and uvicorn.

One route, ``/feeds/<token>.ics``; everything else is 404, and so is a token that is unknown,
revoked, malformed, or whose case has no published version: the answer never says which, and
there is no listing. Each request serves the feed of the latest published version of its case
(so a newly published re-plan reaches subscribers on their next poll), reads only, and answers
304 when the client's ETag or date still matches. Rendered feeds are kept per published version
and day, so a repeated request is a token look-up and bytes. Errors never show a stack trace to
the client. Uvicorn's access log is off because every request line carries a token.
"""

from __future__ import annotations

import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from rotation.calendars.feeds import Rendered, calendars, find_token, token_feed
from rotation.errors import InputError, Problem, StorageError
from rotation.storage import FeedToken, Store, StoredPlan

__all__ = ["create_app", "run"]

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _not_found() -> Response:
    return PlainTextResponse("Not Found\n", status_code=404)


def _fresh(request: Request, etag: str, changed_at: datetime) -> bool:
    """True if the client already holds this version (RFC 9110: If-None-Match wins)."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is not None:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            return False
        return changed_at.replace(microsecond=0) <= when
    return False


class _Rendered:
    """Feeds rendered per (published plan, feed, day), and the published plans they came from;
    the least recently used go first. Request handlers run on a thread pool, so the dictionaries
    are touched under one lock; rendering happens outside it (two threads may render the same
    feed once each, which is harmless)."""

    FEEDS = 20_000
    PLANS = 2

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._feeds: OrderedDict[tuple[int, str, str], Rendered] = OrderedDict()
        self._plans: OrderedDict[int, StoredPlan] = OrderedDict()

    def get(self, plan_id: int, token: FeedToken, now: datetime) -> Rendered:
        key = token_feed(token)
        slot = (plan_id, key.text, now.date().isoformat())
        with self._lock:
            found = self._feeds.get(slot)
            if found is not None:
                self._feeds.move_to_end(slot)
                return found
            stored = self._plans.get(plan_id)
        if stored is None:
            stored = self._store.load(plan_id)
        # An officer or posting that has left the case still gets its feed: it carries the
        # cancellations of what it used to show.
        (rendered,) = calendars(self._store, stored, [key], now)
        with self._lock:
            self._plans[plan_id] = stored
            self._plans.move_to_end(plan_id)
            while len(self._plans) > self.PLANS:
                self._plans.popitem(last=False)
            self._feeds[slot] = rendered
            while len(self._feeds) > self.FEEDS:
                self._feeds.popitem(last=False)
        return rendered


def create_app(store: Store, clock: Clock = _now) -> Starlette:
    """The feed application on one store. ``clock`` gives the request time (tests fix it)."""
    rendered = _Rendered(store)

    def feed(request: Request) -> Response:
        found = find_token(store, request.path_params["token"])
        if found is None:
            return _not_found()
        published = store.published(found.case_name)
        if published is None or published.plan_id is None:
            return _not_found()
        cal = rendered.get(published.plan_id, found, clock())
        headers = {
            "ETag": cal.etag,
            "Last-Modified": format_datetime(cal.last_modified.astimezone(UTC), usegmt=True),
            "Cache-Control": "private, no-cache",
        }
        if _fresh(request, cal.etag, cal.last_modified):
            return Response(status_code=304, headers=headers)
        headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
        return Response(cal.data, media_type="text/calendar; charset=utf-8", headers=headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return _not_found()
        return PlainTextResponse(f"{exc.detail}\n", status_code=exc.status_code,
                                 headers=exc.headers)

    async def storage_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Calendar temporarily unavailable\n", status_code=503,
                                 headers={"Retry-After": "300"})

    async def crash(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Internal Server Error\n", status_code=500)

    return Starlette(
        routes=[Route("/feeds/{token}.ics", feed, methods=["GET", "HEAD"])],
        exception_handlers={
            HTTPException: http_error,
            StorageError: storage_error,
            Exception: crash,
        },
    )


def run(
    store: Store,
    host: str,
    port: int,
    certfile: str | None = None,
    keyfile: str | None = None,
    max_requests: int | None = None,
) -> None:
    """Serve until interrupted, or until ``max_requests`` requests have been answered.

    Uvicorn reports a port it cannot listen on by logging it and exiting with status 1, which
    here would read as "infeasible"; that, and a certificate it cannot load, become input errors.
    """
    try:
        uvicorn.run(
            create_app(store),
            host=host,
            port=port,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
            limit_max_requests=max_requests,
            access_log=False,
            server_header=False,
            log_level="warning",
        )
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise InputError(Problem(f"cannot listen on {host}:{port} (see the message above)",
                                     field="--port")) from None
    except (OSError, ssl.SSLError) as err:
        raise InputError(Problem(f"cannot use the TLS certificate or key: {err}",
                                 field="--ssl-certfile")) from None
