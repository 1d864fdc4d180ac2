"""Calendar export and feed links from the command line, with exit codes and messages a planner
can act on.

The main paths run as ``python -m rotation`` on this checkout (PYTHONPATH points at it); the
many ways to get the input wrong run the same entry point, :func:`rotation.cli.main`, in this
process, which keeps the suite quick without skipping the exit-code mapping.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import icalendar
import pytest

from rotation.storage import ENV_VAR, Store
from tests import calendar_cases as cc

ROOT = Path(__file__).resolve().parents[1]
TOKEN_URL = re.compile(r"(https|webcal)://cal\.example\.org/feeds/([A-Za-z0-9_-]{43})\.ics")


def rotation(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "250"})
    proc = subprocess.run([sys.executable, "-m", "rotation", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def rotation_here(
    args: tuple[str | Path, ...], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, str, str]:
    """``rotation ARGS`` through the console entry point, in this process."""
    from rotation.cli import main

    monkeypatch.setattr(sys, "argv", ["rotation", *map(str, args)])
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    code = stopped.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    cc.published(Store(url), cc.ORIGINAL)
    return url


def test_the_cli_runs_this_checkout(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import rotation; print(rotation.__file__)"], cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True,
    )
    assert Path(proc.stdout.strip()).resolve() == ROOT / "rotation" / "__init__.py"


def test_export_ics_writes_officer_and_posting_calendars_and_updates_them(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proc = rotation("export", "--format", "ics", "--out", tmp_path / "a", "--db", db,
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cals = tmp_path / "a" / "calendars"
    assert sorted(p.relative_to(cals).as_posix() for p in cals.rglob("*.ics")) == [
        "K-0001.ics", "K-0002.ics", "K-0003.ics", "K-0004.ics", "postings/PNH.ics",
        "postings/SHV.ics",
    ]
    cc.published(Store(db), cc.REVISED)
    proc = rotation("export", "--format", "ics", "--out", tmp_path / "b", "--db", db,
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    dropped = icalendar.Calendar.from_ical((tmp_path / "b" / "calendars" / "K-0002.ics")
                                           .read_bytes())
    events = dropped.walk("VEVENT")
    assert events and all(str(e["STATUS"]) == "CANCELLED" for e in events)
    # one officer only
    code, _, err = rotation_here(("export", "--format", "ics", "--officer", "K-0003", "--out",
                                  tmp_path / "c", "--db", db), capsys, monkeypatch)
    assert code == 0, err
    assert [p.name for p in (tmp_path / "c").rglob("*.ics")] == ["K-0003.ics"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "7", "--format", "ics"), "plan 7 does not exist"),
        (("export", "--format", "ics", "--officer", "K-9999"),
         "officer 'K-9999' has no deployment in plan 1"),
    ],
)
def test_export_of_what_does_not_exist_exits_2(
    db: str, tmp_path: Path, args: tuple[str, ...], message: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = rotation_here((*args, "--out", tmp_path / "out", "--db", db), capsys,
                                 monkeypatch)
    assert code == 2
    assert message in err
    assert not (tmp_path / "out").exists()


def _database(db: str) -> str:
    """Everything the SQLite database holds, as SQL: a command that only reads leaves it as it
    was. (Not the file's bytes: in WAL mode the last connection to close copies committed
    pages from the log into the file, which changes the bytes and nothing else.)"""
    with closing(sqlite3.connect(db.removeprefix("sqlite:///"))) as conn:
        return "\n".join(conn.iterdump())


def test_exporting_calendars_writes_nothing_to_the_database(db: str, tmp_path: Path) -> None:
    before = _database(db)
    proc = rotation("export", "--format", "ics", "--out", tmp_path / "1", "--db", db,
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _database(db) == before
    # a plan that is not the published one: its calendars as publishing it would show them
    cc.stored(Store(db), cc.REVISED)
    before = _database(db)
    proc = rotation("export", "2", "--format", "ics", "--out", tmp_path / "2", "--db", db,
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _database(db) == before
    dropped = icalendar.Calendar.from_ical((tmp_path / "2" / "calendars" / "K-0002.ics")
                                           .read_bytes())
    assert all(str(e["STATUS"]) == "CANCELLED" for e in dropped.walk("VEVENT"))


def test_export_into_an_unwritable_folder_exits_2(db: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("keep\n", encoding="utf-8")
    before = _database(db)
    proc = rotation("export", "--format", "ics", "--out", tmp_path / "file" / "sub", "--db", db,
                    cwd=tmp_path)
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr and "--out" in proc.stderr
    assert (tmp_path / "file").read_text(encoding="utf-8") == "keep\n"
    assert _database(db) == before


def test_export_into_a_folder_the_system_refuses_exits_2(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = rotation_here(
        ("export", "--format", "ics", "--out", "/proc/version/calendars", "--db", db),
        capsys, monkeypatch)
    assert code == 2
    assert "cannot write" in err


def test_feed_links_are_made_listed_and_revoked(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = rotation("feeds", "create", "--officer", "K-0001", "--base-url",
                    "https://cal.example.org/", "--db", db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    urls = TOKEN_URL.findall(made.stdout)
    assert [scheme for scheme, _ in urls] == ["https", "webcal"]
    assert urls[0][1] == urls[1][1]
    token = urls[0][1]
    assert "Feed link 1 for officer K-0001" in made.stdout
    code, out, err = rotation_here(("feeds", "create", "--posting", "PNH", "--base-url",
                                    "https://cal.example.org", "--db", db), capsys, monkeypatch)
    assert code == 0, err
    assert TOKEN_URL.findall(out)[0][1] != token

    listed = rotation("feeds", "list", "--db", db, cwd=tmp_path)
    assert listed.returncode == 0
    assert token not in listed.stdout
    rows = [line for line in listed.stdout.splitlines() if "│" in line and cc.CASE[:3] in line]
    assert len(rows) == 2 and "K-0001" in rows[0] and "PNH" in rows[1]

    code, out, err = rotation_here(("feeds", "revoke", "--officer", "K-0001", "--db", db),
                                   capsys, monkeypatch)
    assert code == 0, err
    assert "Revoked 1 feed link: 1" in out
    tokens = {t.id: t for t in Store(db).tokens()}
    assert not tokens[1].active and tokens[2].active


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("feeds", "create", "--officer", "K-9999"), "officer 'K-9999' is not in the case"),
        (("feeds", "create", "--posting", "XYZ"), "posting 'XYZ' is not in the case"),
        (("feeds", "create"), "exactly one of --officer or --posting"),
        (("feeds", "create", "--officer", "K-0001", "--plan", "9"), "plan 9 does not exist"),
        (("feeds", "create", "--officer", "K-0001", "--base-url", "ftp://x"),
         "is not an http(s) address"),
        (("feeds", "revoke", "42"), "feed link 42 does not exist"),
        (("feeds", "revoke"), "name the links to revoke"),
        (("serve", "--ssl-certfile", "cert.pem"), "both --ssl-certfile and --ssl-keyfile"),
    ],
)
def test_feed_commands_refuse_bad_input_with_exit_2(
    db: str, tmp_path: Path, args: tuple[str, ...], message: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = rotation_here((*args, "--db", db), capsys, monkeypatch)
    assert code == 2, out
    assert message in err
    assert Store(db).tokens() == []


def test_feed_commands_on_a_broken_database_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = rotation_here(("feeds", "list", "--db", "postgresql://nobody@127.0.0.1:1/x"),
                                 capsys, monkeypatch)
    assert code == 3
    assert "cannot open the database" in err


def test_serve_on_a_busy_port_or_with_a_bad_certificate_exits_2(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        code, _, err = rotation_here(("serve", "--port", port, "--db", db), capsys, monkeypatch)
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    code, _, err = rotation_here(("serve", "--ssl-certfile", junk, "--ssl-keyfile", junk,
                                  "--db", db), capsys, monkeypatch)
    assert code == 2
    assert "cannot use the TLS certificate or key" in err
