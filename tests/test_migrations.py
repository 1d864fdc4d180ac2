"""The schema and its migrations: a fresh database and an upgraded one end up with exactly the
tables rotation/storage.py declares; a database of the first release (0.1.0) is upgraded with
every row kept; newer and foreign databases are refused with nothing written; and several
commands starting on a fresh database at once make the schema once.

Each test taking ``url`` runs on a SQLite file and on a fresh PostgreSQL database (skipped
unless ROTATION_TEST_POSTGRES_URL is set, see conftest.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlmodel import SQLModel

from rotation import storage
from rotation.calendars.events import FeedKey
from rotation.errors import StorageError
from rotation.plan import Plan
from rotation.snapshot import input_hash, instance_to_dict
from rotation.storage import MIGRATIONS, REVISIONS, SCHEMA_HEAD, Store
from rotation.workflow import publish
from tests import calendar_cases as cc

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
PLAN = Plan((cc.FIRST, cc.SECOND, cc.DROPPED, cc.KEPT))  # passes the validator


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/plans.db"
    postgres: str = request.getfixturevalue("postgres_url")
    return postgres


def _engine(url: str) -> Engine:
    return create_engine(url)


def _tables(url: str) -> set[str]:
    engine = _engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _shape(url: str) -> dict[str, Any]:
    """Tables, columns (name, type, nullable), indexes and unique constraints, as reflected."""
    engine = _engine(url)
    try:
        found = inspect(engine)
        shape: dict[str, Any] = {}
        for table in sorted(found.get_table_names()):
            shape[table] = {
                "columns": [(c["name"], type(c["type"]).__name__, c["nullable"])
                            for c in found.get_columns(table)],
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in found.get_indexes(table)),
                "unique": sorted(tuple(u["column_names"])
                                 for u in found.get_unique_constraints(table)),
            }
        return shape
    finally:
        engine.dispose()


def _migrate_from_nothing(url: str) -> None:
    """Run every migration on an empty database, as Alembic would."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def _second(url: str, tmp_path: Path) -> str:
    """Another empty database beside ``url``, on the same backend."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/other.db"
    base, _, name = url.rpartition("/")
    other = f"{name}_b"
    admin = _engine(f"{base}/postgres")
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{other}"'))
    finally:
        admin.dispose()
    return f"{base}/{other}"


def _drop(url: str) -> None:
    if url.startswith("sqlite"):
        return
    base, _, name = url.rpartition("/")
    admin = _engine(f"{base}/postgres")
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# ---------------------------------------------------------------------------------------------
# the migrations themselves


def test_revisions_are_numbered_files_in_one_line() -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert scripts.get_heads() == [SCHEMA_HEAD]
    chain = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert chain == list(REVISIONS) == [f"{i:04d}" for i in range(1, len(REVISIONS) + 1)]
    for number in REVISIONS:
        script = scripts.get_revision(number)
        assert script is not None and script.path is not None
        assert Path(script.path).name.startswith(f"v{number}_")
        assert script.down_revision == (None if number == "0001" else f"{int(number) - 1:04d}")


def test_a_fresh_store_and_the_migrations_make_the_same_schema(url: str, tmp_path: Path
                                                              ) -> None:
    """A new database gets ``create_all`` and a stamp; an old one gets the migrations: they
    must agree table by table, or a later migration would start from the wrong place."""
    Store(url)
    other = _second(url, tmp_path)
    try:
        _migrate_from_nothing(other)
        assert _shape(url) == _shape(other)
        engine = _engine(other)
        try:
            with engine.connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn),
                                        SQLModel.metadata) == []
                assert conn.execute(text("SELECT version_num FROM alembic_version")
                                    ).scalar_one() == SCHEMA_HEAD
        finally:
            engine.dispose()
    finally:
        _drop(other)


def test_the_wheel_carries_the_migrations(tmp_path: Path) -> None:
    """Built as a release would be (hatchling, the build backend, is in the test extra so that
    this needs no network): every file under rotation/migrations/ is in it."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("rotation-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in MIGRATIONS.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"rotation/migrations/{path.relative_to(MIGRATIONS)}" in names


# ---------------------------------------------------------------------------------------------
# the first release, upgraded

FIRST_TABLES = ("plan", "deployment", "enrolment", "calendar_key", "calendar_event",
                "calendar_feed", "feed_token")


def _first_release(url: str) -> None:
    """A database as rotation 0.1.0 left it: its schema (tests/data/schema-0.1.0.*.sql, what
    its create_all emitted) and rows in every table."""
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    script = (DATA / f"schema-0.1.0.{dialect}.sql").read_text(encoding="utf-8")
    statements = [s for s in re.sub(r"(?m)^--.*$", "", script).split(";") if s.strip()]
    inst = cc.instance()
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    feed = FeedKey(cc.CASE, "officer", "K-0002").text
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
            conn.execute(text(
                'INSERT INTO "plan" (id, created_at, case_name, input_hash, input_json, '
                "parameters_json, status, objective, bound, wall_time, stopped, "
                "cost_by_rule_json, unmet_json) VALUES (1, :at, :case, :hash, :input, "
                "'{\"seed\": 0}', 'optimal', 12, 12, 0.5, 'search complete', "
                "'{\"fairness\": 12}', '[]')"),
                {"at": at, "case": cc.CASE, "hash": input_hash(inst),
                 "input": json.dumps(instance_to_dict(inst), sort_keys=True)})
            for i, d in enumerate(PLAN.deployments, start=1):
                conn.execute(text('INSERT INTO deployment (id, plan_id, officer_id, posting_id, '
                                  'start, "end") VALUES (:i, 1, :o, :p, :s, :e)'),
                             {"i": i, "o": d.officer, "p": d.posting, "s": d.start, "e": d.end})
            conn.execute(text('INSERT INTO enrolment (id, plan_id, officer_id, course_id, '
                              'session_id, start, "end") VALUES (1, 1, :o, :c, :s, :a, :b)'),
                         {"o": cc.TRAINING.officer, "c": cc.TRAINING.course,
                          "s": cc.TRAINING.session, "a": cc.TRAINING.start,
                          "b": cc.TRAINING.end})
            conn.execute(text("INSERT INTO calendar_key (id, secret) VALUES (1, :s)"),
                         {"s": "ab" * 32})
            for i, (uid, cancelled) in enumerate((("old-1@x", False), ("old-2@x", True)), 1):
                conn.execute(text(
                    "INSERT INTO calendar_event (id, feed, uid, content_hash, body_json, "
                    "sequence, cancelled, created_at, last_modified, cancelled_at) VALUES "
                    "(:i, :f, :u, 'h', '{}', 3, :c, :at, :at, :ca)"),
                    {"i": i, "f": feed, "u": uid, "c": cancelled, "at": at,
                     "ca": at if cancelled else None})
            conn.execute(text("INSERT INTO calendar_feed (feed, state, changed_at) "
                              "VALUES (:f, 'digest', :at)"), {"f": feed, "at": at})
            for i, revoked in ((1, None), (2, at)):
                conn.execute(text(
                    "INSERT INTO feed_token (id, token_hash, case_name, kind, subject, "
                    "created_at, revoked_at) VALUES (:i, :h, :c, 'officer', 'K-0002', :at, :r)"),
                    {"i": i, "h": f"{i:064x}", "c": cc.CASE, "at": at, "r": revoked})
            if dialect == "postgresql":  # as the release's own inserts would have left them
                for table in ("plan", "deployment", "enrolment", "calendar_event",
                              "feed_token"):
                    conn.execute(text(f"SELECT setval('{table}_id_seq', "
                                      f'(SELECT max(id) FROM "{table}"))'))
    finally:
        engine.dispose()


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the first release's tables, its columns only, in key order."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in FIRST_TABLES:
                key = "feed" if table == "calendar_feed" else "id"
                columns = [c["name"] for c in inspect(conn).get_columns(table)
                           if c["name"] not in ("label", "based_on")]
                listed = ", ".join(f'"{c}"' for c in columns)
                out[table] = [tuple(r) for r in conn.execute(
                    text(f'SELECT {listed} FROM "{table}" ORDER BY "{key}"'))]
            return out
    finally:
        engine.dispose()


def test_a_first_release_database_is_upgraded_keeping_every_row(url: str) -> None:
    _first_release(url)
    before = _rows(url)
    assert all(before[t] for t in FIRST_TABLES)
    # Refused until upgraded, and refusing writes nothing.
    untouched = _everything(url)
    with pytest.raises(StorageError, match="older version of rotation") as info:
        Store(url)
    assert info.value.exit_code == 3
    assert _everything(url) == untouched
    assert storage.status(url).schema == storage.Schema(
        "older", "0001", unversioned=True, tables=tuple(sorted(FIRST_TABLES)))

    old, new = storage.upgrade(url)
    assert (old.revision, new.revision, new.state) == ("0001", SCHEMA_HEAD, "current")
    assert _rows(url) == before
    assert storage.upgrade(url)[0] == new  # a second upgrade changes nothing

    store = Store(url, create=False)
    stored = store.load(1)
    assert stored.plan == Plan(PLAN.deployments, (cc.TRAINING,))
    assert stored.instance == cc.instance() and stored.label is None
    assert [(t.id, t.active) for t in store.tokens()] == [(1, True), (2, False)]
    assert store.history() == []  # nothing was published before publishing existed
    assert bytes.fromhex("ab" * 32) == store.calendar_secret(create=False)
    # The upgraded store works on: a new plan, published, carries the calendar history on.
    plan_id = cc.stored(store, PLAN).id
    assert plan_id == 2
    publish(store, plan_id, "Kim", "after the upgrade")
    events = {r[2]: r for r in _rows(url)["calendar_event"]}
    assert events["old-1@x"][5] == 4 and events["old-2@x"][5] == 3  # cancelled once more


# ---------------------------------------------------------------------------------------------
# databases this version must not touch


def _everything(url: str) -> Any:
    """What a database holds, table by table, row by row; on SQLite also its journal mode,
    which the file keeps (a program that refuses the file must not switch it to WAL)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            found: dict[str, Any] = {
                t: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
                for t in sorted(inspect(conn).get_table_names())}
            if engine.dialect.name == "sqlite":
                found["journal_mode"] = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            return found
    finally:
        engine.dispose()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> Callable[..., tuple[int, str]]:
    """``rotation ARGS`` through the console entry point, in this process: exit code and
    everything printed."""
    from rotation.cli import main

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["rotation", *args])
        monkeypatch.delenv("ROTATION_DATABASE_URL", raising=False)
        with pytest.raises(SystemExit) as stopped:
            main()
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out
        code = stopped.value.code
        return (code if isinstance(code, int) else 0), captured.out + captured.err

    return run


def test_a_database_of_a_newer_version_is_refused_and_left_alone(
        url: str, tiny_case: Path, cli: Callable[..., tuple[int, str]]) -> None:
    Store(url)
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
            conn.execute(text("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)"))
    finally:
        engine.dispose()
    before = _everything(url)
    for args in (("plans",), ("solve", str(tiny_case)), ("db", "upgrade"), ("db", "init"),
                 ("db", "status")):
        code, shown = cli(*args, "--db", url)
        assert code == 3 and "9999" in shown, (args, shown)
    assert "newer version" in cli("plans", "--db", url)[1]
    assert _everything(url) == before


def test_a_database_of_another_program_is_refused_and_left_alone(
        url: str, tiny_case: Path, cli: Callable[..., tuple[int, str]]) -> None:
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT)"))
            conn.execute(text("INSERT INTO customer VALUES (1, 'Kim')"))
    finally:
        engine.dispose()
    before = _everything(url)
    for args in (("plans",), ("show",), ("solve", str(tiny_case)), ("db", "init"),
                 ("db", "upgrade"), ("feeds", "list")):
        code, shown = cli(*args, "--db", url)
        assert code == 3, (args, shown)
        assert "not a rotation database" in shown and "customer" in shown
    assert _everything(url) == before


def test_commands_that_read_create_no_database(
        url: str, tmp_path: Path, cli: Callable[..., tuple[int, str]]) -> None:
    target = url if url.startswith("postgresql") else \
        f"sqlite:///{tmp_path}/typo/folder/plans.db"
    for args in (("plans",), ("show",), ("history",), ("training",), ("feeds", "list"),
                 ("export", "--out", str(tmp_path / "out")), ("publish", "--by", "Kim"),
                 ("db", "status"), ("db", "upgrade"), ("db", "backup", str(tmp_path / "b.db"))):
        code, shown = cli(*args, "--db", target)
        assert code in (2, 3), (args, shown)
    assert not (tmp_path / "typo").exists() and not (tmp_path / "out").exists()
    if url.startswith("postgresql"):
        assert _tables(url) == set()


# ---------------------------------------------------------------------------------------------
# several commands on a fresh database at once

RACE = """
import sys, time
from datetime import UTC, datetime
from rotation.storage import Store
url, start, name = sys.argv[1], float(sys.argv[2]), sys.argv[3]
while time.time() < start:
    pass
Store(url).add_token(name * 64, "case", "officer", name, datetime.now(UTC))
"""


def test_commands_starting_on_a_fresh_database_at_once_make_the_schema_once(
        url: str, tmp_path: Path) -> None:
    """Four processes open the same fresh database at the same instant and write to it. Before
    the schema was made under a lock this failed with 'table "plan" already exists' (SQLite)
    or a duplicate pg_type row (PostgreSQL)."""
    for attempt in range(2):
        target = url if attempt == 0 else _second(url, tmp_path / str(attempt)) \
            if url.startswith("postgresql") else f"sqlite:///{tmp_path}/race-{attempt}.db"
        (tmp_path / str(attempt)).mkdir(exist_ok=True)
        start = time.time() + 3
        racers = [subprocess.Popen([sys.executable, "-c", RACE, target, str(start), name],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True) for name in "abcd"]
        try:
            results = [(r.wait(60), r.communicate()[1]) for r in racers]
            assert all(code == 0 for code, _ in results), results
            store = Store(target, create=False)
            assert sorted(t.subject for t in store.tokens()) == list("abcd")
            assert store.schema.revision == SCHEMA_HEAD
            store.engine.dispose()
        finally:
            if target != url:
                _drop(target)
