"""The feed server: subscription by token, cheap polling, re-plans reaching subscribers, and
bad requests answered with a bare 404 (or 5xx) and never a stack trace.

Most checks use Starlette's test client against the application; the last one runs
``rotation serve`` as a real process on a loopback port, sends it a bounded number of requests
and lets it stop by itself.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import icalendar
import pytest
import vobject
from starlette.testclient import TestClient

from rotation.calendars.feeds import new_token
from rotation.calendars.server import create_app
from rotation.errors import StorageError
from rotation.storage import Store
from tests import calendar_cases as cc

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    cc.published(store, cc.ORIGINAL)
    return store


def _link(store: Store, kind: str = "officer", subject: str = "K-0002") -> tuple[int, str]:
    token, digest = new_token()
    return store.add_token(digest, cc.CASE, kind, subject, datetime.now(UTC)), token


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(store: Store, clock: Clock) -> TestClient:
    return TestClient(create_app(store, clock), raise_server_exceptions=False)


def _events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_a_token_opens_its_calendar(client: TestClient, store: Store) -> None:
    _, token = _link(store)
    r = client.get(f"/feeds/{token}.ics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["etag"].startswith('"') and r.headers["last-modified"].endswith("GMT")
    assert "no-cache" in r.headers["cache-control"]
    cal = vobject.readOne(r.text)
    assert cal.contents["x-wr-calname"][0].value == f"{cc.CASE}: {cc.NAMES['K-0002']}"
    # training, travel, deployment, handovers in and out, return
    assert len(_events(r.content)) == 6
    head = client.head(f"/feeds/{token}.ics")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == r.headers["etag"]


def test_posting_feeds_work_too(client: TestClient, store: Store) -> None:
    _, token = _link(store, "posting", "PNH")
    r = client.get(f"/feeds/{token}.ics")
    assert r.status_code == 200
    assert any(str(e["SUMMARY"]).endswith(f"arrival of {cc.NAMES['K-0002']}")
               for e in _events(r.content).values())


def test_polling_clients_get_304_until_the_plan_changes(
    client: TestClient, store: Store, clock: Clock
) -> None:
    _, token = _link(store)
    url = f"/feeds/{token}.ics"
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    clock.now += timedelta(hours=12)
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", W/{etag}'},
                    {"If-Modified-Since": modified}):
        again = client.get(url, headers=headers)
        assert again.status_code == 304, headers
        assert again.content == b"" and again.headers["etag"] == etag
    older = format_datetime(clock.now - timedelta(days=30), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": older}).status_code == 200
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    # a re-plan reaches the subscriber on the next poll, with cancellations
    cc.published(store, cc.REVISED)
    clock.now += timedelta(hours=12)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    events = _events(changed.content)
    assert events.keys() == _events(first.content).keys()
    assert all(str(e["STATUS"]) == "CANCELLED" and e["SEQUENCE"] == 1 for e in events.values())
    assert client.get(url, headers={"If-None-Match": changed.headers["etag"]}).status_code == 304


BAD_PATHS = (
    "/", "/feeds", "/feeds/", "/feeds/x.ics", "/feeds/.ics", "/feeds/../r.db",
    "/feeds/%2e%2e%2fr.db.ics", "/feeds/" + "A" * 43, "/feeds/" + "A" * 43 + ".ics/x",
    "/feeds/" + "A" * 42 + "!.ics", "/feeds/" + "A" * 5000 + ".ics", "/favicon.ico",
    "/feeds/%00.ics",
)


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_paths_are_a_bare_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.text == "Not Found\n"


def test_unknown_and_revoked_tokens_look_the_same(client: TestClient, store: Store) -> None:
    link, token = _link(store)
    assert client.get(f"/feeds/{token}.ics").status_code == 200
    store.revoke_tokens([link], datetime.now(UTC))
    revoked = client.get(f"/feeds/{token}.ics")
    unknown = client.get(f"/feeds/{new_token()[0]}.ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.content == unknown.content
    assert dict(revoked.headers) == dict(unknown.headers)


def test_tokens_are_not_stored(store: Store, tmp_path: Path) -> None:
    _, token = _link(store)
    assert token.encode() not in (tmp_path / "r.db").read_bytes()


def test_other_methods_are_refused_without_detail(client: TestClient, store: Store) -> None:
    _, token = _link(store)
    r = client.post(f"/feeds/{token}.ics", content=b"x")
    assert r.status_code == 405
    assert "Traceback" not in r.text


def test_failures_never_show_a_stack_trace(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = _link(store)

    def broken_db(plan_id: int | None = None) -> None:
        raise StorageError("database error on sqlite:///secret/path.db: disk I/O error")

    monkeypatch.setattr(store, "load", broken_db)
    r = client.get(f"/feeds/{token}.ics")
    assert r.status_code == 503
    assert r.text == "Calendar temporarily unavailable\n"

    def bug(plan_id: int | None = None) -> None:
        raise RuntimeError("boom in /work/rotation/secret.py")

    monkeypatch.setattr(store, "load", bug)
    r = client.get(f"/feeds/{token}.ics")
    assert r.status_code == 500
    assert r.text == "Internal Server Error\n"


def test_a_case_without_plans_is_404(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    _, token = _link(store)
    client = TestClient(create_app(store), raise_server_exceptions=False)
    assert client.get(f"/feeds/{token}.ics").status_code == 404


# ---------------------------------------------------------------------------------------------
# The real server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rotation(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "rotation", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return (response.status, response.read(),
                    {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as err:
        return err.code, err.read(), {k.lower(): v for k, v in err.headers.items()}


def test_rotation_serve_answers_on_a_real_socket_and_stops_by_itself(
    store: Store, tmp_path: Path
) -> None:
    port = _free_port()
    db = f"sqlite:///{tmp_path / 'r.db'}"
    made = _rotation("feeds", "create", "--officer", "K-0001", "--base-url",
                     f"http://127.0.0.1:{port}", "--db", db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    url = re.search(r"http://\S+\.ics", made.stdout)
    assert url is not None, made.stdout
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "rotation", "serve", "--port", str(port), "--db", db,
         "--max-requests", "3"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        # the probe connection above sent no request; these three are the server's budget
        status, body, headers = _get(url.group(0))
        assert status == 200 and body.startswith(b"BEGIN:VCALENDAR\r\n")
        assert headers["content-type"] == "text/calendar; charset=utf-8"
        assert "server" not in headers
        status, _, _ = _get(url.group(0), {"If-None-Match": headers["etag"]})
        assert status == 304
        status, body, _ = _get(f"http://127.0.0.1:{port}/feeds/")
        assert status == 404 and b"Traceback" not in body
        out, err = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert "Traceback" not in err and url.group(0).split("/")[-1] not in err + out
