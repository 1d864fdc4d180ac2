"""The calendar feed server: the only module that imports starlette and uvicorn.

One route, ``/feeds/<token>.ics``; everything else is 404, and so is a token that is unknown,
revoked, malformed, or whose case has no plan any more: the answer never says which, and there
is no listing. Each request publishes the feed against the newest plan of its case (so a
re-plan reaches subscribers on their next poll) and answers 304 when the client's ETag or date
still matches. Errors never show a stack trace to the client. Uvicorn's access log is off
because every request line carries a token.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from rotation.calendars.feeds import find_token, publish, token_feed
from rotation.errors import InputError, Problem, StorageError
from rotation.storage import Store

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


def create_app(store: Store, clock: Clock = _now) -> Starlette:
    """The feed application on one store. ``clock`` gives the request time (tests fix it)."""

    def feed(request: Request) -> Response:
        found = find_token(store, request.path_params["token"])
        if found is None:
            return _not_found()
        plan_id = store.latest_id(found.case_name)
        if plan_id is None:
            return _not_found()
        # An officer or posting that has left the case still gets its feed: it carries the
        # cancellations of what it used to show.
        (cal,) = publish(store, store.load(plan_id), [token_feed(found)], clock())
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
