"""The calendar feed server: the only module that imports starlette and uvicorn.

One route, ``/feeds/<token>.ics``; everything else is 404, and so is a token that is unknown,
revoked, malformed, or whose case has no published version: the answer never says which, and
there is no listing. Each request serves the feed of the latest published version of its case
(so a newly published re-plan reaches subscribers on their next poll), reads only, and answers
304 when the client's ETag or date still matches. Errors never show a stack trace to the
client. Uvicorn's access log is off because every request line carries a token.

A request is a token look-up and bytes: the look-up (the live link and its case's latest
published version, two indexed reads) runs on the event loop, and rendered feeds are kept per
(publish, feed, day). Rendering happens on two worker threads, once per feed and version
however many requests ask at once. While a feed's new version renders, requests that already
have an older one waiting are answered with it after ``fresh_within`` seconds, so a publish
never stalls the server; the new version is served from the moment it is ready.

The connection limits (:func:`run`): a client has ``request_timeout`` seconds from the first
byte of a request (or from connecting) to the end of its headers and body, else the
connection is closed; an idle keep-alive connection is closed after ``KEEP_ALIVE`` seconds;
headers are at most ``MAX_HEADER_BYTES``; beyond ``max_connections`` open connections, new
requests are answered 503 at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import ssl
import sys
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from rotation.calendars.events import FeedKey
from rotation.calendars.feeds import (
    Prepared,
    Rendered,
    find_feed,
    prepare,
    published_calendar,
    token_feed,
)
from rotation.errors import InputError, Problem, StorageError
from rotation.storage import FeedLookup, FeedWatch, Store

__all__ = ["KEEP_ALIVE", "MAX_HEADER_BYTES", "create_app", "run"]

Clock = Callable[[], datetime]

KEEP_ALIVE = 5.0
"""Seconds an idle keep-alive connection stays open after its last answer."""
MAX_HEADER_BYTES = 8192
"""The most a request's line and headers may take; a token URL needs about a hundred bytes."""
RENDERERS = 2
"""Worker threads that read for the feeds (and render, when not in a process of their own)."""
LOOKUPS = 8
"""Threads that look tokens up in a database server (each with its own connection)."""


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


class _Renderer:
    """Renders feeds of published versions from one store, keeping the prepared published
    plans, which are made one at a time under a lock so that a publish does not have every
    worker load and build the same plan."""

    PLANS = 2

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._plans: OrderedDict[int, Prepared] = OrderedDict()

    def prepared(self, plan_id: int) -> Prepared:
        with self._lock:
            found = self._plans.get(plan_id)
            if found is None:
                found = prepare(self._store, self._store.load(plan_id))
                self._plans[plan_id] = found
                while len(self._plans) > self.PLANS:
                    self._plans.popitem(last=False)
            self._plans.move_to_end(plan_id)
            return found

    def render(self, key: FeedKey, now: datetime) -> tuple[int, Rendered] | None:
        return published_calendar(self._store, key, self.prepared, now)


_WORKER: list[_Renderer] = []  # in a render process: its renderer


def _start_worker(url: str) -> None:
    """In a render process: leave Ctrl-C to the server (which ends this process), and open
    the store, read only."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.append(_Renderer(Store(url, create=False)))


def _render_in_worker(key: FeedKey, now: datetime) -> tuple[int, Rendered] | None:
    return _WORKER[0].render(key, now)


Slot = tuple[int, str, str]  # (audit id of the publish, feed, day)


class _Feeds:
    """Rendered feeds per (publish, feed, day), the newest rendered version of each feed, and
    the renders under way; the least recently used go first.

    The dictionaries are touched on the event loop only. Each (publish, feed, day) is
    rendered once, whoever asks meanwhile awaits the same future. Renders run in a process of
    their own (``processes``) or on worker threads (tests, which patch the store): rendering
    is Python that holds the interpreter for milliseconds at a time, and on threads beside the
    event loop it held up every request while a publish was rendered (p99 300-400 ms at 600
    requests/s); in a process it only shares the machine's cores."""

    FEEDS = 20_000

    def __init__(self, store: Store, fresh_within: float | None, processes: bool) -> None:
        self._store = store
        self._fresh_within = fresh_within
        self._done: OrderedDict[Slot, Rendered] = OrderedDict()
        self._newest: OrderedDict[str, tuple[Slot, Rendered]] = OrderedDict()
        self._pending: dict[Slot, asyncio.Future[tuple[int, Rendered] | None]] = {}
        self._threads = ThreadPoolExecutor(RENDERERS, thread_name_prefix="rotation-feeds")
        self._renderer = _Renderer(store)
        self._processes = processes
        self._process: ProcessPoolExecutor | None = None
        self._published: dict[str, int] = {}  # case -> audit id of its latest publish seen
        self._warming: set[asyncio.Future[None]] = set()

    def _submit(self, key: FeedKey, now: datetime
                ) -> asyncio.Future[tuple[int, Rendered] | None]:
        loop = asyncio.get_running_loop()
        if not self._processes:
            return loop.run_in_executor(self._threads, self._renderer.render, key, now)
        fresh = self._process is None
        if self._process is None:
            self._process = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self._store.url,))
        # The render process starts with the first render: Ctrl-C, which reaches the whole
        # process group, is ignored from its first instant (an ignored signal stays ignored
        # across exec); the server ends it on the way out.
        shield = fresh and threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if shield else None
        try:
            return loop.run_in_executor(self._process, _render_in_worker, key, now)
        except BrokenProcessPool:
            self._process = None  # the render process died: the next one starts afresh
            return self._submit(key, now)
        finally:
            if shield:
                signal.signal(signal.SIGINT, previous or signal.default_int_handler)

    def _settle(self, slot: Slot, future: asyncio.Future[tuple[int, Rendered] | None]) -> None:
        """On the loop, when a render ends: keep what it made (under the publish it read,
        which may be newer than the one asked for)."""
        self._pending.pop(slot, None)
        if future.cancelled():
            return
        if isinstance(future.exception(), BrokenProcessPool):
            self._process = None
        if future.exception() is not None:
            return
        made = future.result()
        if made is None:
            return
        published, rendered = made
        done: Slot = (published, slot[1], slot[2])
        self._done[done] = rendered
        self._done.move_to_end(done)
        while len(self._done) > self.FEEDS:
            self._done.popitem(last=False)
        newest = self._newest.get(slot[1])
        if newest is None or (newest[0][0], newest[0][2]) <= (published, slot[2]):
            self._newest[slot[1]] = (done, rendered)
            self._newest.move_to_end(slot[1])
            while len(self._newest) > self.FEEDS:
                self._newest.popitem(last=False)

    def _render(self, key: FeedKey, slot: Slot, now: datetime
                ) -> asyncio.Future[tuple[int, Rendered] | None]:
        """The render of ``slot`` under way, started now if it is not."""
        future = self._pending.get(slot)
        if future is None or future.get_loop() is not asyncio.get_running_loop():
            # (A render begun on a loop that has since closed, as a test client's can, would
            # never settle.)
            future = self._submit(key, now)
            self._pending[slot] = future
            future.add_done_callback(lambda f: self._settle(slot, f))
        return future

    async def warm(self, now: datetime) -> None:
        """Render every feed a live link opens, in the latest published version of its case:
        before the server listens, and again for a case when a request first finds a newer
        publish of it, so that the requests that follow find their feed made."""
        links = await asyncio.get_running_loop().run_in_executor(self._threads,
                                                                 self._store.tokens)
        futures = []
        for link in links:
            if not link.active:
                continue
            published = self._published.get(link.case_name)
            if published is None:
                continue
            key = token_feed(link)
            slot: Slot = (published, key.text, now.date().isoformat())
            if slot not in self._done:
                futures.append(self._render(key, slot, now))
        await asyncio.gather(*futures, return_exceptions=True)

    async def start(self, now: datetime) -> None:
        """Before the server listens: learn which version of each case is published, and
        render the feeds of live links."""
        for case in await asyncio.get_running_loop().run_in_executor(
                self._threads, self._store.published_cases):
            entry = await asyncio.get_running_loop().run_in_executor(
                self._threads, self._store.published, case)
            if entry is not None:
                self._published[case] = entry.id
        await self.warm(now)

    async def get(self, found: FeedLookup, now: datetime) -> Rendered | None:
        """The feed a live link opens, in the latest published version of its case."""
        assert found.published is not None
        key = token_feed(found.token)
        slot: Slot = (found.published, key.text, now.date().isoformat())
        done = self._done.get(slot)
        if done is not None:
            self._done.move_to_end(slot)
            return done
        if self._published.get(key.case, -1) < found.published:
            # The first request to see a new publish: make its case's other feeds meanwhile.
            self._published[key.case] = found.published
            self._warming.add(asyncio.ensure_future(self.warm(now)))
            for warming in [w for w in self._warming if w.done()]:
                self._warming.discard(warming)
        future = self._render(key, slot, now)
        older = self._newest.get(key.text)
        if older is not None and self._fresh_within is not None:
            # A version is at hand: wait a moment for the new one, then answer with it.
            await asyncio.wait([future], timeout=self._fresh_within)
            if not future.done():
                return older[1]
            if future.exception() is not None:
                return older[1]  # the database is away: what was published still stands
        made = await asyncio.shield(future)
        return made[1] if made is not None else None

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._process is not None:
            self._process.shutdown(wait=True, cancel_futures=True)


def create_app(store: Store, clock: Clock = _now, fresh_within: float | None = None,
               processes: bool = False) -> Starlette:
    """The feed application on one store. ``clock`` gives the request time (tests fix it).
    ``fresh_within``: how long a request that could be answered with a feed's previous
    version waits for its new one (see the module's docstring); None waits for it always,
    which tests use so that a publish shows on the very next request. ``processes``: render
    in a process of its own (as ``rotation serve`` does), else on threads."""
    feeds = _Feeds(store, fresh_within, processes)
    find = _Lookups(store)

    async def feed(request: Request) -> Response:
        found = await find(request.path_params["token"])
        if found is None or found.published is None:
            return _not_found()
        cal = await feeds.get(found, clock())
        if cal is None:
            return _not_found()
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
        lifespan=lambda app: _lifespan(feeds, find, clock),
    )


class _Lookups:
    """What a presented token opens (:func:`find_feed`).

    On SQLite, read for every request on the event loop: a file read, 0.04 ms, always exact.
    On a database server a round trip per request held up the event loop, and far longer when
    the machine was busy (p99 above 600 ms at 600 requests/s during a re-plan on the same two
    cores, even with the round trips on threads). There, answers are kept and used again
    until the database says links or published versions changed (:class:`FeedWatch`: within
    milliseconds of a change this program makes, within seconds of any other), and read on
    threads when they are not at hand."""

    KEPT = 100_000  # answers kept at most (unknown tokens are answers too)

    def __init__(self, store: Store) -> None:
        self._store = store
        self._inline = store.engine.dialect.name == "sqlite"
        self._threads: ThreadPoolExecutor | None = None
        self._watch: FeedWatch | None = None
        self._kept: OrderedDict[str, FeedLookup | None] = OrderedDict()
        self._generation = -1

    async def __call__(self, token: str) -> FeedLookup | None:
        if self._inline:
            return find_feed(self._store, token)
        if self._watch is None:
            self._watch = FeedWatch(self._store)
            self._threads = ThreadPoolExecutor(LOOKUPS, thread_name_prefix="rotation-lookups")
        watch = self._watch
        generation = watch.generation()
        if generation != self._generation or not watch.trusted():
            self._kept.clear()
            self._generation = generation
        if token in self._kept:
            self._kept.move_to_end(token)
            return self._kept[token]
        found = await asyncio.get_running_loop().run_in_executor(
            self._threads, find_feed, self._store, token)
        # Kept only if nothing changed while it was read: the answer may predate the change.
        if watch.trusted() and watch.generation() == generation == self._generation:
            self._kept[token] = found
            while len(self._kept) > self.KEPT:
                self._kept.popitem(last=False)
        return found

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)


@asynccontextmanager
async def _lifespan(feeds: _Feeds, lookups: _Lookups, clock: Clock) -> AsyncIterator[None]:
    """The application's lifespan: feeds of live links rendered before the server listens
    (a cold start otherwise kept the first requests waiting for renders), the render workers
    and the watch on the database ended with the server."""
    with suppress(StorageError):  # a database away at start: requests will say so (503)
        await feeds.start(clock())
    yield
    feeds.close()
    lookups.close()


class _Deadline(H11Protocol):
    """Uvicorn's HTTP/1.1 protocol with a deadline for reading each request, and a limit on
    the size of its headers.

    Uvicorn closes a keep-alive connection that stays idle after an answer, but a connection
    that sends nothing, or a request's headers a byte at a time, it keeps forever (each byte
    resets its idle timer). Here the clock starts when the connection opens, and again at the
    first byte of each later request; if the request's headers and body are not all in
    ``REQUEST_TIMEOUT`` seconds later, the connection is closed. Its header limit (h11's)
    holds only for headers still arriving; headers that arrive whole are measured here, and
    beyond ``MAX_HEADER_BYTES`` answered 431. ``self.conn`` is uvicorn's h11 connection."""

    REQUEST_TIMEOUT = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._head = b""  # the request's headers so far, while they arrive

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.REQUEST_TIMEOUT, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of a request (again, on a kept-alive connection)
            head = self._head + data
            end = head.find(b"\r\n\r\n")
            if end > MAX_HEADER_BYTES or (end < 0 and len(head) > MAX_HEADER_BYTES):
                self._disarm()
                self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                     b"content-length: 0\r\nconnection: close\r\n\r\n")
                self.transport.close()
                return
            self._head = head if end < 0 else b""
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE and self.conn.their_state is not \
                h11.SEND_BODY:
            self._disarm()  # the whole request is in (or the connection is over)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def run(
    store: Store,
    host: str,
    port: int,
    certfile: str | None = None,
    keyfile: str | None = None,
    max_requests: int | None = None,
    max_connections: int = 1000,
    request_timeout: float = 10.0,
    fresh_within: float = 0.05,
) -> None:
    """Serve until interrupted, or until ``max_requests`` requests have been answered, with
    the limits in the module's docstring.

    Uvicorn reports a port it cannot listen on by logging it and exiting with status 1, which
    here would read as "infeasible"; that, and a certificate it cannot load, become input errors.
    """
    protocol = type("Deadline", (_Deadline,), {"REQUEST_TIMEOUT": request_timeout})
    # Renders hold the interpreter for milliseconds at a time; the event loop, which answers
    # every request, gets it back within a millisecond instead of five.
    sys.setswitchinterval(0.001)
    try:
        uvicorn.run(
            create_app(store, fresh_within=fresh_within, processes=True),
            host=host,
            port=port,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
            limit_max_requests=max_requests,
            limit_concurrency=max_connections,
            timeout_keep_alive=int(KEEP_ALIVE),
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            http=protocol,
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
