"""The feed server under load and misuse: each feed rendered once per published version,
however many ask at once; the previous version served while a new one renders; a feed
published again shows its new history, not a cached old one; and the connection limits of
``rotation serve`` (request deadline, header size, connection cap), on a real socket.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

import rotation.calendars.server as server
from rotation.calendars.feeds import new_token
from rotation.calendars.server import create_app
from rotation.plan import Plan
from rotation.storage import Store
from tests import calendar_cases as cc

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ONE = Plan((cc.FIRST, cc.SECOND, cc.DROPPED, cc.KEPT))


def _link(store: Store, subject: str = "K-0002") -> str:
    token, digest = new_token()
    store.add_token(digest, cc.CASE, "officer", subject, AT)
    return token


def _statuses(body: bytes) -> set[str]:
    return {str(e["STATUS"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_a_feed_is_rendered_once_per_version_however_many_ask(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    cc.published(store, ONE, at=AT)
    tokens = [_link(store) for _ in range(4)]
    renders: list[str] = []
    real = server.published_calendar

    def counted(*args: object, **kwargs: object) -> object:
        renders.append("x")
        time.sleep(0.2)  # long enough for every request below to arrive meanwhile
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(server, "published_calendar", counted)
    with TestClient(create_app(store, lambda: AT), raise_server_exceptions=False) as client:
        assert len(renders) == 1  # before listening
        cc.published(store, cc.REVISED, at=AT + timedelta(hours=1))
        answers: list[int] = []
        threads = [threading.Thread(target=lambda t=t: answers.append(
            client.get(f"/feeds/{t}.ics").status_code)) for t in tokens * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert answers == [200] * 12
    assert len(renders) == 2  # one feed, one new version, one day: once more


def test_while_a_new_version_renders_the_previous_one_is_served(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    cc.published(store, ONE, at=AT)
    token = _link(store)
    client = TestClient(create_app(store, lambda: AT, fresh_within=0.05),
                        raise_server_exceptions=False)
    first = client.get(f"/feeds/{token}.ics")
    assert _statuses(first.content) == {"CONFIRMED"}
    cc.published(store, cc.REVISED, at=AT + timedelta(hours=1))  # K-0002 withdrawn
    release = threading.Event()
    real = server.published_calendar

    def slow(*args: object, **kwargs: object) -> object:
        release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(server, "published_calendar", slow)
    began = time.perf_counter()
    meanwhile = client.get(f"/feeds/{token}.ics")
    assert time.perf_counter() - began < 2
    assert meanwhile.headers["etag"] == first.headers["etag"]  # the version at hand
    release.set()
    deadline = time.monotonic() + 10
    while True:
        later = client.get(f"/feeds/{token}.ics")
        if later.headers["etag"] != first.headers["etag"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert _statuses(later.content) == {"CANCELLED"}


def test_a_plan_published_again_shows_its_new_history(tmp_path: Path) -> None:
    """Plan 1 as version 1, plan 2 as version 2, plan 1 again as version 3: version 3's
    events carry higher SEQUENCEs than version 1's, so a cache keyed by plan would be wrong."""
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    one = cc.published(store, ONE, at=AT)
    token = _link(store)
    client = TestClient(create_app(store, lambda: AT), raise_server_exceptions=False)
    v1 = client.get(f"/feeds/{token}.ics")
    cc.published(store, cc.REVISED, at=AT + timedelta(hours=1))
    assert _statuses(client.get(f"/feeds/{token}.ics").content) == {"CANCELLED"}
    from rotation.calendars.feeds import publish_plan

    publish_plan(store, one, "Kim", "back", AT + timedelta(hours=2))
    v3 = client.get(f"/feeds/{token}.ics")
    assert _statuses(v3.content) == {"CONFIRMED"}
    assert v3.headers["etag"] != v1.headers["etag"]
    sequences = {int(e["SEQUENCE"]) for e in
                 icalendar.Calendar.from_ical(v3.content).walk("VEVENT")}
    assert sequences == {2}


def test_feeds_are_rendered_before_the_server_listens(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    cc.published(store, ONE, at=AT)
    tokens = [_link(store, officer) for officer in ("K-0001", "K-0002", "K-0003")]
    with TestClient(create_app(store, lambda: AT), raise_server_exceptions=False) as client:
        def refuse(*args: object, **kwargs: object) -> object:
            raise AssertionError("rendered on request")

        monkeypatch.setattr(server, "published_calendar", refuse)
        assert [client.get(f"/feeds/{t}.ics").status_code for t in tokens] == [200] * 3


# ---------------------------------------------------------------------------------------------
# rotation serve's limits, on a real socket


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """``rotation serve`` with a 1 s request deadline and 20 connections at most; the port
    and a live link's path."""
    db = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store(db)
    cc.published(store, ONE, at=AT)
    path = f"/feeds/{_link(store)}.ics"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rotation", "serve", "--port", str(port), "--db", db,
         "--request-timeout", "1", "--max-connections", "20"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield port, path
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        assert "Traceback" not in err


def _closed_within(conn: socket.socket, seconds: float) -> float:
    """Seconds until the server closes ``conn`` (reads until EOF)."""
    began = time.monotonic()
    conn.settimeout(seconds)
    while conn.recv(65536):
        pass
    return time.monotonic() - began


def _ask(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply


def test_a_connection_that_sends_nothing_or_dribbles_is_closed(
        serving: tuple[int, str]) -> None:
    port, path = serving
    with socket.create_connection(("127.0.0.1", port), timeout=5) as silent:
        assert _closed_within(silent, 5) < 3
    with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
        began = time.monotonic()
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\n".encode()
        try:
            for byte in request:  # one byte every 0.1 s: never a whole request in 1 s
                slow.sendall(bytes([byte]))
                time.sleep(0.1)
            reply = slow.recv(65536)
        except OSError:
            reply = b""
        assert reply == b"" and time.monotonic() - began < 5
    # a request on time is answered, and the connection kept for the next one
    assert _ask(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()).startswith(
        b"HTTP/1.1 200")


def test_oversized_headers_and_too_many_connections_are_refused(
        serving: tuple[int, str]) -> None:
    port, path = serving
    big = b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20_000 + \
        b"\r\n\r\n"
    assert re.match(rb"HTTP/1.1 4\d\d", _ask(port, big))
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(25)]
    try:
        reply = _ask(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert reply.startswith(b"HTTP/1.1 503")
    finally:
        for conn in held:
            conn.close()
    time.sleep(1.5)  # the held connections are gone (closed, or timed out)
    assert _ask(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()).startswith(
        b"HTTP/1.1 200")


# ---------------------------------------------------------------------------------------------
# PostgreSQL: answers kept until the database says something changed


def _eventually(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until ``check`` holds (it must within ``seconds``)."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < seconds, "it never did"
        time.sleep(0.02)
    return time.monotonic() - began


@pytest.mark.postgres
def test_on_postgres_revocations_and_publishes_reach_the_server_at_once(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(postgres_url)
    cc.published(store, ONE, at=AT)
    token = _link(store)
    other = Store(postgres_url, create=False)  # another command, on its own connections
    asked: list[str] = []
    real = store.feed_lookup

    def counted(digest: str) -> object:
        asked.append(digest)
        return real(digest)

    monkeypatch.setattr(store, "feed_lookup", counted)
    with TestClient(create_app(store, lambda: AT), raise_server_exceptions=False) as client:
        url = f"/feeds/{token}.ics"
        def kept() -> bool:
            before = len(asked)
            return client.get(url).status_code == 200 and len(asked) == before

        _eventually(kept, 5)  # once the watch listens, the answer is kept...
        before = len(asked)
        for _ in range(5):
            assert client.get(url).status_code == 200
        assert len(asked) == before  # ...and used again, without a read
        cc.published(other, cc.REVISED, at=AT + timedelta(hours=1))
        assert _eventually(lambda: _statuses(client.get(url).content) == {"CANCELLED"}, 1) < 1
        link = next(t.id for t in other.tokens() if t.active)
        other.revoke_tokens([link], AT)
        assert _eventually(lambda: client.get(url).status_code == 404, 1) < 1


@pytest.mark.postgres
def test_on_postgres_a_change_made_without_notice_is_seen_within_seconds(
        postgres_url: str) -> None:
    store = Store(postgres_url)
    cc.published(store, ONE, at=AT)
    token = _link(store)
    with TestClient(create_app(store, lambda: AT), raise_server_exceptions=False) as client:
        url = f"/feeds/{token}.ics"
        assert client.get(url).status_code == 200
        engine = create_engine(postgres_url)
        try:
            with engine.begin() as conn:  # by hand, as a DBA would: no NOTIFY
                conn.execute(text("UPDATE feed_token SET revoked_at = now()"))
        finally:
            engine.dispose()
        assert _eventually(lambda: client.get(url).status_code == 404,
                           server.FeedWatch.POLL + 2) > 0
