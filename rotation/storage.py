"""Stored plans: SQLModel tables on SQLite by default, PostgreSQL or any SQLAlchemy URL on request.

This is the only module that imports sqlmodel. The engine is created from a URL and passed in,
never global, so tests and future services can hold several stores at once. Every write happens
in one transaction: a failed save leaves nothing behind. Each plan keeps the input snapshot it
was solved from, so it can be shown, validated and exported without the original files.

Calendars keep their own history here (see docs/calendars.md): per feed, every event UID ever
published with the body last shown, its SEQUENCE and whether it was cancelled, so a re-plan
updates events in place instead of duplicating them. Feed tokens are kept only as SHA-256
digests, so a copy of the database does not hand out working subscription links.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    func,
    inspect,
    text,
)
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from rotation.calendars.events import EventVersion
from rotation.domain import Instance
from rotation.errors import ConflictError, InputError, NotFoundError, Problem, StorageError
from rotation.plan import Deployment, Enrolment, Plan, Result, SolveStatus, relative_gap
from rotation.private import private_file
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "AuditEntry",
    "FeedDraft",
    "FeedLookup",
    "FeedState",
    "FeedToken",
    "Schema",
    "Status",
    "Store",
    "StoredPlan",
    "StoredScenario",
    "backup",
    "init",
    "resolve_url",
    "safe_url",
    "status",
    "upgrade",
]

ENV_VAR = "ROTATION_DATABASE_URL"
DEFAULT_URL = "sqlite:///rotation.db"


def resolve_url(url: str | None) -> str:
    """The database to use: ``--db``, else ``ROTATION_DATABASE_URL``, else ./rotation.db."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


# ---------------------------------------------------------------------------------------------
# Opening a database: where it is, who may read it, and which schema it holds

BUSY_SECONDS = 30.0
"""How long a command waits for another command's write to finish on SQLite (its busy timeout)
before it gives up with a storage error: a publish of a large case holds the write lock for a
second or two, and a solve that finished its search must not lose its plan to that."""

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _revisions() -> tuple[str, ...]:
    """Every schema revision, oldest first: ``migrations/versions/v0002_x.py`` is "0002"."""
    names = sorted(p.name for p in (MIGRATIONS / "versions").glob("v[0-9][0-9][0-9][0-9]_*.py"))
    return tuple(name[1:5] for name in names)


REVISIONS = _revisions()
SCHEMA_HEAD = REVISIONS[-1]
"""The schema this program reads and writes (see rotation/migrations/__init__.py)."""

FIRST_RELEASE_TABLES = frozenset({"plan", "deployment", "enrolment", "calendar_key",
                                  "calendar_event", "calendar_feed", "feed_token"})
"""The tables of the first release (0.1.0), which kept no schema revision."""

# Alembic's own bookkeeping table, made here as Alembic makes it, so that stamping a new
# database needs no Alembic import (a third of a second on every `rotation solve`).
_VERSIONS = Table("alembic_version", MetaData(),
                  Column("version_num", String(32), nullable=False),
                  PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))
# pg_advisory_xact_lock key ("rotation" in ASCII): creating or upgrading the schema on
# PostgreSQL happens under it, one command at a time.
_LOCK_KEY = 0x726F746174696F6E


def safe_url(url: str) -> str:
    """A database URL fit to print or log: no password, neither in the user part nor among the
    query's parameters."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        parsed = None
    if parsed is None or "@" in (parsed.host or ""):
        # Not a URL SQLAlchemy reads, or a password with an @ in it: the part after the last
        # @, without the query.
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2].partition('?')[0]}"
    query = {k: v for k, v in parsed.query.items() if "pass" not in k.lower()}
    # ``URL.set`` reads None as "unchanged", hence the tuple's own replace for the password.
    return parsed.set(query=query)._replace(password=None).render_as_string(hide_password=False)


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory ones."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") == "true" or str(parsed.database).startswith("file:"):
        return None  # SQLite URI filenames: opened as given
    return Path(str(parsed.database))


def _missing(path: Path) -> str:
    return (f"there is no database at {path}: check --db (or ${ENV_VAR}); 'rotation solve "
            "CASE' creates one")


def _engine(url: str) -> Engine:
    """An engine for ``url``. On SQLite: a busy timeout, and transactions begun by this
    program, not by the driver (which begins none for reads and so gave every SELECT its own
    snapshot): reads see one snapshot, and write sessions begin ``IMMEDIATE``."""
    if _sqlite_file(url) is None and not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("rotation_autocommit"):
            return  # single reads, each its own snapshot: no transaction to begin
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("rotation_write") else "BEGIN")

    return engine


def _wal(engine: Engine) -> None:
    """SQLite only: write-ahead logging, so that readers (the feed server) never wait for a
    writer and a writer waits for no reader. Kept by the file once set; a database another
    process holds open in the old mode stays in it until the next chance."""
    if engine.dialect.name != "sqlite" or _sqlite_file(str(engine.url)) is None:
        return
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass
    finally:
        raw.close()


@dataclass(frozen=True)
class Schema:
    """What a database holds, as far as this program can tell.

    ``state``: ``empty`` (no tables at all), ``current`` (:data:`SCHEMA_HEAD`), ``older`` (a
    known earlier revision: ``rotation db upgrade``), ``newer`` (a revision this program does
    not know: a newer version of it, or another program using Alembic) or ``foreign`` (tables
    this program did not make). ``unversioned``: an older schema made before revisions were
    recorded, recognised by its tables and columns."""

    state: str
    revision: str | None = None
    unversioned: bool = False
    tables: tuple[str, ...] = ()


def _schema(conn: Connection) -> Schema:
    """The schema of the database ``conn`` is on; reads only."""
    names = {n for n in inspect(conn).get_table_names() if not n.startswith("sqlite_")}
    if not names:
        return Schema("empty")
    tables = tuple(sorted(names))
    if _VERSIONS.name in names:
        found = conn.execute(core_select(_VERSIONS.c.version_num)).scalars().all()
        if len(found) != 1:
            return Schema("newer", ", ".join(found) or None, tables=tables)
        revision = found[0]
        if revision == SCHEMA_HEAD:
            return Schema("current", revision, tables=tables)
        if revision in REVISIONS:
            return Schema("older", revision, tables=tables)
        return Schema("newer", revision, tables=tables)
    plan = {c["name"] for c in inspect(conn).get_columns("plan")} if "plan" in names else set()
    if names == FIRST_RELEASE_TABLES and "label" not in plan:
        return Schema("older", "0001", unversioned=True, tables=tables)
    if names == FIRST_RELEASE_TABLES | {"audit"} and {"label", "based_on"} <= plan:
        return Schema("older", "0002", unversioned=True, tables=tables)
    return Schema("foreign", tables=tables)


def _require_current(schema: Schema, where: str) -> None:
    """Refuse, with what to do about it, any schema but the current one."""
    if schema.state == "current":
        return
    if schema.state == "empty":
        raise StorageError(f"{where} holds no plans yet (it has no tables): 'rotation solve "
                           "CASE' or 'rotation db init' creates them")
    if schema.state == "older":
        which = (f"before schema versions were recorded (its tables are those of schema "
                 f"{schema.revision})" if schema.unversioned else f"with schema "
                 f"{schema.revision}")
        raise StorageError(
            f"{where} was made by an older version of rotation, {which}; this version uses "
            f"schema {SCHEMA_HEAD}. Nothing was changed: back it up ('rotation db backup FILE' "
            "on SQLite, pg_dump on PostgreSQL), then run 'rotation db upgrade'")
    if schema.state == "newer":
        raise StorageError(
            f"{where} has schema revision {schema.revision or '(none)'}, which this version of "
            f"rotation does not know (it knows {', '.join(REVISIONS)}): it was made by a newer "
            "version or by another program; nothing was changed: use the newer version")
    listed = ", ".join(schema.tables[:8]) + (", ..." if len(schema.tables) > 8 else "")
    raise StorageError(
        f"{where} is not a rotation database (it holds other tables: {listed}); nothing was "
        "changed: give an empty database or a new file with --db")


def _lock(conn: Connection) -> None:
    """Hold the schema lock until ``conn``'s transaction ends: on SQLite its ``BEGIN
    IMMEDIATE`` already does; on PostgreSQL an advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _create(writer: Engine) -> Schema:
    """Make the current schema on an empty database and stamp it with its revision, in one
    transaction under the schema lock: of several commands starting on a fresh database at
    once, the first makes the tables and the others find them made."""
    with writer.connect() as conn, conn.begin():
        _lock(conn)
        schema = _schema(conn)
        if schema.state != "empty":
            return schema
        SQLModel.metadata.create_all(conn)
        _VERSIONS.create(conn)
        conn.execute(_VERSIONS.insert().values(version_num=SCHEMA_HEAD))
    return Schema("current", SCHEMA_HEAD)


class PlanRow(SQLModel, table=True):
    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    case_name: str
    input_hash: str = Field(index=True)
    input_json: str = Field(sa_column=Column(Text, nullable=False))
    parameters_json: str
    status: str
    objective: int | None = None
    bound: int | None = None
    wall_time: float
    stopped: str = "search complete"
    cost_by_rule_json: str
    unmet_json: str = Field(sa_column=Column(Text, nullable=False))
    label: str | None = None
    based_on: int | None = None  # the published plan a re-plan started from


class AuditRow(SQLModel, table=True):
    """One thing a planner did to the stored plans: publish (with the version it made), label or
    delete. Rows are only ever added. ``(case_name, version)`` is unique, so two planners who
    publish the same case at once cannot both make the next version."""

    __tablename__ = "audit"
    __table_args__ = (UniqueConstraint("case_name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str
    action: str
    case_name: str = Field(index=True)
    plan_id: int | None = None
    version: int | None = None
    input_hash: str = ""
    parameters_json: str = "{}"
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class DeploymentRow(SQLModel, table=True):
    __tablename__ = "deployment"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    officer_id: str
    posting_id: str
    start: date
    end: date


class EnrolmentRow(SQLModel, table=True):
    __tablename__ = "enrolment"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    officer_id: str
    course_id: str
    session_id: str
    start: date
    end: date


# ---------------------------------------------------------------------------------------------
# Scenarios (commanders' what-ifs, rotation/scenarios.py): added with the scenario commands.
# Tables: scenario, scenario_plan. No column of an existing table changes.


class ScenarioRow(SQLModel, table=True):
    """A named set of overrides on a base case (or on another scenario, ``base_id``), with the
    snapshot of the case it applies to, so that it solves without the case files. The overrides
    are kept as the TOML text they were written in, so the file can be handed on as it came."""

    __tablename__ = "scenario"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    case_name: str
    base_id: int | None = Field(default=None, foreign_key="scenario.id")
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    overrides_toml: str = Field(sa_column=Column(Text, nullable=False))
    input_json: str = Field(sa_column=Column(Text, nullable=False))
    input_hash: str = Field(index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_by: str = ""


class ScenarioPlanRow(SQLModel, table=True):
    """A stored plan that is a solve of a scenario (a plan has at most one), and whether the
    solve started from the base plan as a hint."""

    __tablename__ = "scenario_plan"

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True)
    hint_plan_id: int | None = None


@dataclass(frozen=True)
class StoredScenario:
    """A scenario read back from the store."""

    id: int
    name: str
    case_name: str
    base: str
    """The name of the scenario it builds on; empty for the case itself."""
    description: str
    overrides_toml: str
    input_json: str
    input_hash: str
    created_at: datetime
    created_by: str
    plans: tuple[int, ...]
    """Its stored solves, oldest first."""

# End of the scenario tables.
# ---------------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    """SQLite keeps no zone; every stored time is UTC."""
    return moment.replace(tzinfo=moment.tzinfo or UTC)


class CalendarKeyRow(SQLModel, table=True):
    """The store's secret for event UIDs: one row, made on first use."""

    __tablename__ = "calendar_key"

    id: int = Field(default=1, primary_key=True)
    secret: str


class CalendarEventRow(SQLModel, table=True):
    """One UID in one feed, as last published. Rows are never deleted: a cancelled event that
    comes back must come back with a higher SEQUENCE than clients last saw."""

    __tablename__ = "calendar_event"
    __table_args__ = (UniqueConstraint("feed", "uid"),)

    id: int | None = Field(default=None, primary_key=True)
    feed: str = Field(index=True)
    uid: str
    content_hash: str
    body_json: str = Field(sa_column=Column(Text, nullable=False))
    sequence: int
    cancelled: bool = False
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_modified: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    cancelled_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class CalendarFeedRow(SQLModel, table=True):
    """What a feed looked like when last published, for ETag and Last-Modified."""

    __tablename__ = "calendar_feed"

    feed: str = Field(primary_key=True)
    state: str
    changed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class FeedTokenRow(SQLModel, table=True):
    """A subscription link: the SHA-256 of its token and the calendar it opens."""

    __tablename__ = "feed_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    case_name: str
    kind: str
    subject: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


@dataclass(frozen=True)
class FeedToken:
    """A subscription link as listed: never the token itself, which is shown once on creation."""

    id: int
    case_name: str
    kind: str
    subject: str
    created_at: datetime
    revoked_at: datetime | None
    token_hash: str = field(default="", repr=False)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class FeedLookup:
    """What a subscription link opens now: its live token, and the latest published version of
    its case (all None while nothing is published). ``published`` is the audit row of that
    publish: it changes with every publish, even when a plan is published again."""

    token: FeedToken
    published: int | None
    plan_id: int | None
    version: int | None


@dataclass(frozen=True)
class FeedState:
    """One feed as published now: the events to show, a digest of them and when it changed."""

    events: tuple[EventVersion, ...]
    state: str
    changed_at: datetime


@dataclass(frozen=True)
class FeedDraft:
    """What a feed should show now: its header (title, calendar UID) and each item's body."""

    feed: str
    header: str
    items: Sequence[tuple[str, str]]  # (uid, body JSON), UIDs unique within the feed


def _token_row(row: FeedTokenRow) -> FeedToken:
    assert row.id is not None
    return FeedToken(
        id=row.id, case_name=row.case_name, kind=row.kind, subject=row.subject,
        created_at=_aware(row.created_at),
        revoked_at=_aware(row.revoked_at) if row.revoked_at is not None else None,
        token_hash=row.token_hash,
    )


def _version(row: CalendarEventRow) -> EventVersion:
    return EventVersion(
        uid=row.uid, body=json.loads(row.body_json), sequence=row.sequence,
        cancelled=row.cancelled, created=_aware(row.created_at),
        last_modified=_aware(row.last_modified),
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _lookup_query() -> Any:
    """The feed server's read (Store.feed_lookup), built once: the link with a digest and the
    latest publish of its case, in one statement (one round trip to PostgreSQL). Both
    look-ups go by index: the token's digest, and (case, version)."""
    audit = SQLModel.metadata.tables["audit"]
    tokens = SQLModel.metadata.tables["feed_token"]
    shown = audit.alias("shown")
    latest = (core_select(audit.c.id)
              .where(audit.c.case_name == tokens.c.case_name, audit.c.version.is_not(None))
              .order_by(audit.c.version.desc()).limit(1)
              .correlate(tokens).scalar_subquery())
    return (core_select(tokens.c.id, tokens.c.case_name, tokens.c.kind, tokens.c.subject,
                        tokens.c.created_at, tokens.c.revoked_at, shown.c.id.label("published"),
                        shown.c.plan_id, shown.c.version)
            .select_from(tokens.outerjoin(shown, shown.c.id == latest))
            .where(tokens.c.token_hash == bindparam("digest")))


_LOOKUP = _lookup_query()


@dataclass(frozen=True)
class StoredPlan:
    """A plan read back from the store, with the figures of the solve that made it."""

    id: int
    created_at: datetime
    case_name: str
    input_hash: str
    status: SolveStatus
    objective: int | None
    bound: int | None
    wall_time: float
    stopped: str
    parameters: dict[str, float | int]
    cost_by_rule: dict[str, int]
    unmet: list[dict[str, str | int]]
    plan: Plan
    instance: Instance
    label: str | None = None
    based_on: int | None = None

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)


class Store:
    """A plan store on one database, opened from a URL.

    ``create`` (the default) makes the database and its tables when they do not exist yet: for
    commands that store plans. Commands that only read, or that change what is already there,
    pass ``create=False`` and never make a file, a folder or a table. Either way a database of
    another version or another program is refused (:class:`StorageError`) before anything is
    read or written; ``rotation db upgrade`` brings an older one up to date.
    """

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = resolve_url(url)
        self._path = _sqlite_file(self.url)
        try:
            if self._path is not None and not self._path.exists():
                if not create:
                    raise StorageError(_missing(self._path))
                private_file(self._path)
            self.engine: Engine = _engine(self.url)
            self._writer: Engine = self.engine.execution_options(rotation_write=True)
            self._autocommit: Engine = self.engine.execution_options(
                **({"rotation_autocommit": True} if self.engine.dialect.name == "sqlite"
                   else {"isolation_level": "AUTOCOMMIT"}))
            self._local = threading.local()
            with self.engine.connect() as conn:
                schema = _schema(conn)
            if schema.state == "empty" and create:
                schema = _create(self._writer)
            _require_current(schema, self.safe_url)
            if create:  # only once the file is known to be ours: a refused one is left as it was
                _wal(self.engine)
            self.schema = schema
        except ImportError as err:
            raise StorageError(
                f"cannot open the database {self.safe_url}: its driver is not installed "
                f"({err.name}); for PostgreSQL run pip install -e '.[postgres]'"
            ) from err
        except (SQLAlchemyError, OSError, ValueError) as err:
            raise StorageError(
                f"cannot open the database {self.safe_url}: {_reason(err)}"
            ) from err

    @property
    def safe_url(self) -> str:
        """The URL without a password, for messages."""
        return safe_url(self.url)

    @property
    def _safe_url(self) -> str:
        return safe_url(self.url)

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        """A session; ``write`` ones take the database's write lock when they begin (on SQLite,
        ``BEGIN IMMEDIATE``, waiting up to :data:`BUSY_SECONDS` for another writer), so that a
        transaction that reads and then writes is never refused half-way because another
        committed meanwhile."""
        try:
            with Session(self._writer if write else self.engine) as session:
                yield session
        except SQLAlchemyError as err:
            reason = _reason(err)
            if self._path is not None and "malformed" in reason:
                # A damaged page met before the final check: the same advice as that check.
                raise StorageError(self._damaged(reason)) from err
            raise StorageError(f"database error on {self._safe_url}: {reason}") from err

    def save(self, inst: Instance, result: Result, label: str | None = None,
             based_on: int | None = None, scenario_id: int | None = None,
             hint_plan_id: int | None = None) -> int:
        """Store a solve with its input; one transaction, so a failure stores nothing.
        ``based_on`` is the published plan a re-plan started from; ``scenario_id`` the scenario
        it solves (with ``hint_plan_id``, the plan it started from)."""
        if result.plan is None:
            raise StorageError("only solves that produced a plan are stored")
        row = PlanRow(
            created_at=datetime.now(UTC),
            case_name=inst.name,
            input_hash=input_hash(inst),
            input_json=json.dumps(instance_to_dict(inst), sort_keys=True),
            parameters_json=json.dumps(result.parameters, sort_keys=True),
            status=result.status.value,
            objective=result.objective,
            bound=result.bound,
            wall_time=result.wall_time,
            stopped=result.stopped,
            cost_by_rule_json=json.dumps(result.cost_by_rule, sort_keys=True),
            # Headcount shortfalls, then supervisors and specialists missing (with their role).
            unmet_json=json.dumps(
                [
                    {"posting": s.posting, "month": s.month, "required": s.required,
                     "assigned": s.assigned}
                    for s in result.unmet
                ] + [
                    {"posting": m.posting, "month": m.month, "role": m.role,
                     "required": m.required, "assigned": m.present}
                    for m in result.unmet_mix
                ]
            ),
            label=label,
            based_on=based_on,
        )
        with self._session(write=True) as session:
            # The calendar key comes with the first plan, so that the calendars of any stored
            # plan can be shown without a write (see calendar_secret).
            if session.get(CalendarKeyRow, 1) is None:
                session.add(CalendarKeyRow(id=1, secret=secrets.token_hex(32)))
            session.add(row)
            session.flush()
            assert row.id is not None
            for d in result.plan.deployments:
                session.add(
                    DeploymentRow(
                        plan_id=row.id,
                        officer_id=d.officer,
                        posting_id=d.posting,
                        start=d.start,
                        end=d.end,
                    )
                )
            for e in result.plan.enrolments:
                session.add(
                    EnrolmentRow(
                        plan_id=row.id,
                        officer_id=e.officer,
                        course_id=e.course,
                        session_id=e.session,
                        start=e.start,
                        end=e.end,
                    )
                )
            if scenario_id is not None:
                session.add(ScenarioPlanRow(plan_id=row.id, scenario_id=scenario_id,
                                            hint_plan_id=hint_plan_id))
            self._check_intact(session)
            session.commit()
            return row.id

    def _check_intact(self, session: Session) -> None:
        """SQLite only: refuse to store into a damaged file. SQLite writes what it can into a
        file whose other pages are corrupt, so a save there could succeed and the plan read
        back wrong or not at all; ``PRAGMA quick_check`` reads every page first (about 10 ms
        per thousand pages)."""
        if self._path is None:
            return
        problem = _damage(session.connection())
        if problem is not None:
            raise StorageError(self._damaged(problem))

    def _damaged(self, problem: str) -> str:
        return (f"the database file {self._path} is damaged ({problem}); nothing was stored: "
                "restore it from a backup (see README, 'Where plans are stored') or give "
                "another --db")

    def plans(self) -> list[PlanRow]:
        """Every stored plan's summary row, newest first."""
        with self._session() as session:
            rows = session.exec(select(PlanRow).order_by(PlanRow.id.desc())).all()  # type: ignore[union-attr]
            return list(rows)

    def count_deployments(self, plan_id: int) -> int:
        with self._session() as session:
            return len(
                session.exec(select(DeploymentRow.id).where(DeploymentRow.plan_id == plan_id)).all()
            )

    def latest_id(self, case_name: str | None = None) -> int | None:
        """The newest plan, or the newest plan of one case."""
        with self._session() as session:
            query = select(PlanRow.id)
            if case_name is not None:
                query = query.where(PlanRow.case_name == case_name)
            row = session.exec(query.order_by(PlanRow.id.desc()).limit(1)).first()  # type: ignore[union-attr]
            return row

    # -- calendars ---------------------------------------------------------------------------
    def calendar_secret(self, create: bool = True) -> bytes:
        """The key event UIDs are derived with; created once (by the first command that writes,
        unless ``create`` is False), then the same for this store.

        A new database gets a new key on purpose: its SEQUENCE numbers start again at 0, which
        clients would ignore for UIDs they already hold, so new UIDs are what makes them listen.
        """
        if not create:
            with self._session() as session:
                found = session.get(CalendarKeyRow, 1)
            if found is None:
                raise NotFoundError(f"{self._safe_url} holds no calendars yet; "
                                    "'rotation publish' makes the first")
            return bytes.fromhex(found.secret)
        for _ in range(3):
            with self._session(write=True) as session:
                row = session.get(CalendarKeyRow, 1)
                if row is not None:
                    return bytes.fromhex(row.secret)
                session.add(CalendarKeyRow(id=1, secret=secrets.token_hex(32)))
                try:
                    session.commit()
                except IntegrityError:
                    continue  # another process made it first; read theirs
        raise StorageError(f"cannot create the calendar key in {self._safe_url}")

    def published_feeds(self, prefix: str) -> set[str]:
        """Feeds (keys starting with ``prefix``) that have ever published an event."""
        with self._session() as session:
            rows = session.exec(
                select(CalendarEventRow.feed).where(
                    col(CalendarEventRow.feed).startswith(prefix, autoescape=True)
                ).distinct()
            ).all()
            return set(rows)

    def publish(
        self, drafts: Sequence[FeedDraft], now: datetime, retention: timedelta
    ) -> dict[str, FeedState]:
        """Record what each feed shows now and return every event it must carry.

        Per UID: new -> SEQUENCE 0; same body as last time -> unchanged; other body, or back after
        a cancellation -> SEQUENCE + 1; gone -> cancelled with SEQUENCE + 1, shown as cancelled
        until ``retention`` has passed. All feeds are written in one transaction. Two requests
        racing to publish the same new UID collide on the unique (feed, uid) constraint; the loser
        starts over and then sees the winner's rows.
        """
        for attempt in range(3):
            try:
                with self._session(write=True) as session:
                    states = _apply(session, drafts, now, retention)
                    session.commit()
                    return states
            except StorageError as err:
                if not isinstance(err.__cause__, IntegrityError) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def preview(
        self, drafts: Sequence[FeedDraft], now: datetime, retention: timedelta
    ) -> dict[str, FeedState]:
        """What :meth:`publish` would return now, without writing anything: the calendars of a
        plan that is not the one published."""
        try:
            with Session(self.engine, autoflush=False) as session:
                states = _apply(session, drafts, now, retention, flush=False)
                session.rollback()
                return states
        except SQLAlchemyError as err:
            raise StorageError(f"database error on {self._safe_url}: {_reason(err)}") from err

    def feed_state(self, feed: str, header: str, now: datetime, retention: timedelta
                   ) -> FeedState:
        """A feed as the last publish left it, read only: the events it shows ``now`` (cancelled
        ones until ``retention`` has passed), their digest under ``header``, and when it last
        changed (a publish, or a cancelled event retiring)."""
        with self._session() as session:
            rows = list(session.exec(
                select(CalendarEventRow).where(CalendarEventRow.feed == feed)).all())
            feed_row = session.get(CalendarFeedRow, feed)
            shown = _shown(rows, now, retention)
            changed = _aware(feed_row.changed_at) if feed_row is not None else now
            for r in rows:
                if r.cancelled and r.cancelled_at is not None:
                    retired = _aware(r.cancelled_at) + retention
                    if changed < retired <= now:
                        changed = retired
            return FeedState(tuple(_version(r) for r in shown), _state(header, shown), changed)

    # -- published versions and the audit log -----------------------------------------------
    def publish_plan(self, plan_id: int, actor: str, note: str, now: datetime,
                     drafts: Sequence[FeedDraft], retention: timedelta) -> AuditEntry:
        """Make a stored plan the next published version of its case, and record what its
        calendars now show, in one transaction. Of two planners publishing the same case at
        once, one succeeds; the other gets :class:`ConflictError` and nothing is written.

        Optimistic on purpose: the transaction begins as a reader (not ``write``), so that on
        SQLite a publish that read the latest version before another committed fails rather
        than waits and publishes on top of a version its planner never saw; on PostgreSQL the
        unique (case, version) row settles it."""
        try:
            with self._session() as session:
                plan = session.get(PlanRow, plan_id)
                if plan is None:
                    raise NotFoundError(f"plan {plan_id} does not exist in {self._safe_url}; "
                                        "'rotation plans' lists the stored plans")
                row = AuditRow(at=now, actor=actor, action="publish", case_name=plan.case_name,
                               plan_id=plan_id, version=self._next_version(session, plan.case_name),
                               input_hash=plan.input_hash,
                               parameters_json=plan.parameters_json, note=note)
                session.add(row)
                session.flush()
                _apply(session, drafts, now, retention)
                _announce(session)
                session.commit()
                return _entry(row)
        except StorageError as err:
            if isinstance(err.__cause__, IntegrityError | OperationalError):
                raise ConflictError(
                    "the case was published by someone else at the same moment "
                    f"({_reason(err.__cause__)}); nothing was written: see 'rotation history' "
                    "and publish again if still wanted") from err
            raise

    def _next_version(self, session: Session, case_name: str) -> int:
        """One more than the case's latest version, as this transaction sees it; the unique
        (case, version) row settles a race with another publish."""
        latest = session.exec(
            select(func.max(AuditRow.version)).where(AuditRow.case_name == case_name)).one()
        return (latest or 0) + 1

    def history(self, case_name: str | None = None) -> list[AuditEntry]:
        """The audit log, newest first: every publish, label and delete."""
        with self._session() as session:
            query = select(AuditRow)
            if case_name is not None:
                query = query.where(AuditRow.case_name == case_name)
            rows = session.exec(query.order_by(col(AuditRow.id).desc())).all()
            return [_entry(r) for r in rows]

    def published(self, case_name: str) -> AuditEntry | None:
        """The latest published version of a case, if any."""
        with self._session() as session:
            row = session.exec(
                select(AuditRow).where(AuditRow.case_name == case_name,
                                       col(AuditRow.version).is_not(None))
                .order_by(col(AuditRow.version).desc()).limit(1)).first()
            return _entry(row) if row is not None else None

    def published_cases(self) -> list[str]:
        """Cases with a published version, the most recently published first."""
        with self._session() as session:
            rows = session.exec(
                select(AuditRow.case_name, func.max(AuditRow.id))
                .where(col(AuditRow.version).is_not(None))
                .group_by(AuditRow.case_name)).all()
            return [case for case, _ in sorted(rows, key=lambda r: -(r[1] or 0))]

    def versions(self) -> dict[int, list[int]]:
        """Plan id -> the versions it was published as, oldest first."""
        with self._session() as session:
            rows = session.exec(
                select(AuditRow.plan_id, AuditRow.version)
                .where(col(AuditRow.version).is_not(None))
                .order_by(col(AuditRow.version))).all()
            out: dict[int, list[int]] = {}
            for plan_id, version in rows:
                if plan_id is not None and version is not None:
                    out.setdefault(plan_id, []).append(version)
            return out

    def label(self, plan_id: int, text: str, actor: str, now: datetime) -> None:
        """Give a plan a label (an empty one removes it); the audit log records it."""
        with self._session(write=True) as session:
            row = self._plan_row(session, plan_id)
            row.label = text or None
            session.add(row)
            session.add(AuditRow(at=now, actor=actor, action="label", case_name=row.case_name,
                                 plan_id=plan_id, input_hash=row.input_hash, note=text))
            session.commit()

    def delete(self, plan_id: int, actor: str, now: datetime) -> None:
        """Delete a plan that was never published (published versions are kept for good); the
        audit log records it."""
        with self._session(write=True) as session:
            row = self._plan_row(session, plan_id)
            versions = session.exec(
                select(AuditRow.version).where(AuditRow.plan_id == plan_id,
                                               col(AuditRow.version).is_not(None))).all()
            if versions:
                raise InputError(Problem(
                    f"plan {plan_id} was published as version "
                    f"{', '.join(str(v) for v in versions)} of '{row.case_name}'; published "
                    "versions are kept for good", field="PLAN"))
            for child in session.exec(
                    select(DeploymentRow).where(DeploymentRow.plan_id == plan_id)).all():
                session.delete(child)
            for other in session.exec(
                    select(EnrolmentRow).where(EnrolmentRow.plan_id == plan_id)).all():
                session.delete(other)
            link = session.get(ScenarioPlanRow, plan_id)
            if link is not None:
                session.delete(link)
                session.flush()  # before the plan row it refers to
            session.add(AuditRow(at=now, actor=actor, action="delete", case_name=row.case_name,
                                 plan_id=plan_id, input_hash=row.input_hash,
                                 note=row.label or ""))
            session.delete(row)
            session.commit()

    def _plan_row(self, session: Session, plan_id: int) -> PlanRow:
        row = session.get(PlanRow, plan_id)
        if row is None:
            raise NotFoundError(f"plan {plan_id} does not exist in {self._safe_url}; "
                                "'rotation plans' lists the stored plans")
        return row

    # -- scenarios (see the scenario tables above) -------------------------------------------
    def add_scenario(self, name: str, case_name: str, base: str, description: str,
                     overrides_toml: str, input_json: str, input_hash: str, actor: str,
                     now: datetime) -> int:
        """Store a new scenario; a name already taken is refused (nothing is replaced)."""
        with self._session() as session:
            if session.exec(select(ScenarioRow.id).where(ScenarioRow.name == name)).first():
                raise InputError(Problem(f"a scenario named '{name}' exists already; 'rotation "
                                         "scenario delete' it first, or choose another name",
                                         field="name"))
            base_id = None
            if base:
                base_id = self._scenario_row(session, base).id
            row = ScenarioRow(name=name, case_name=case_name, base_id=base_id,
                              description=description, overrides_toml=overrides_toml,
                              input_json=input_json, input_hash=input_hash, created_at=now,
                              created_by=actor)
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id

    def scenarios(self) -> list[StoredScenario]:
        """Every stored scenario, oldest first."""
        with self._session() as session:
            rows = session.exec(select(ScenarioRow).order_by(col(ScenarioRow.id))).all()
            return [self._scenario(session, r) for r in rows]

    def scenario(self, name: str) -> StoredScenario:
        """A stored scenario by name; NotFoundError lists what exists otherwise."""
        with self._session() as session:
            return self._scenario(session, self._scenario_row(session, name))

    def scenario_of(self, plan_id: int) -> str | None:
        """The scenario a stored plan solves, if any."""
        with self._session() as session:
            link = session.get(ScenarioPlanRow, plan_id)
            if link is None:
                return None
            row = session.get(ScenarioRow, link.scenario_id)
            return row.name if row is not None else None

    def delete_scenario(self, name: str) -> tuple[int, ...]:
        """Delete a scenario that no other scenario builds on. Its plans stay stored (as
        plans of no scenario); their ids are returned."""
        with self._session() as session:
            row = self._scenario_row(session, name)
            children = session.exec(
                select(ScenarioRow.name).where(ScenarioRow.base_id == row.id)).all()
            if children:
                raise InputError(Problem(f"scenarios {', '.join(children)} build on '{name}'; "
                                         "delete them first", field="NAME"))
            links = session.exec(
                select(ScenarioPlanRow).where(ScenarioPlanRow.scenario_id == row.id)).all()
            plans = tuple(sorted(link.plan_id for link in links))
            for link in links:
                session.delete(link)
            session.flush()
            session.delete(row)
            session.commit()
            return plans

    def _scenario_row(self, session: Session, name: str) -> ScenarioRow:
        row = session.exec(select(ScenarioRow).where(ScenarioRow.name == name)).first()
        if row is None:
            names = session.exec(select(ScenarioRow.name)).all()
            known = f"; stored: {', '.join(names)}" if names else "; none is stored yet"
            raise NotFoundError(f"no scenario named '{name}' in {self._safe_url}{known} "
                                "('rotation scenario create FILE' stores one)")
        return row

    def _scenario(self, session: Session, row: ScenarioRow) -> StoredScenario:
        assert row.id is not None
        base = session.get(ScenarioRow, row.base_id) if row.base_id is not None else None
        plans = session.exec(select(ScenarioPlanRow.plan_id)
                             .where(ScenarioPlanRow.scenario_id == row.id)
                             .order_by(col(ScenarioPlanRow.plan_id))).all()
        return StoredScenario(row.id, row.name, row.case_name, base.name if base else "",
                              row.description, row.overrides_toml, row.input_json,
                              row.input_hash, _aware(row.created_at), row.created_by,
                              tuple(plans))

    # -- subscription tokens ----------------------------------------------------------------
    def add_token(self, token_hash: str, case_name: str, kind: str, subject: str,
                  now: datetime) -> int:
        with self._session(write=True) as session:
            row = FeedTokenRow(token_hash=token_hash, case_name=case_name, kind=kind,
                               subject=subject, created_at=now)
            session.add(row)
            _announce(session)
            session.commit()
            assert row.id is not None
            return row.id

    def tokens(self) -> list[FeedToken]:
        """Every subscription link ever made, oldest first, revoked ones included."""
        with self._session() as session:
            rows = session.exec(select(FeedTokenRow).order_by(col(FeedTokenRow.id))).all()
            return [_token_row(r) for r in rows]

    def revoke_tokens(self, ids: Sequence[int], now: datetime) -> list[FeedToken]:
        """Revoke links by id, all or none: an unknown id revokes nothing and says which."""
        with self._session(write=True) as session:
            rows = []
            for token_id in ids:
                row = session.get(FeedTokenRow, token_id)
                if row is None:
                    raise NotFoundError(
                        f"feed link {token_id} does not exist; 'rotation feeds list' shows them"
                    )
                rows.append(row)
            for row in rows:
                if row.revoked_at is None:
                    row.revoked_at = now
                    session.add(row)
            _announce(session)
            session.commit()
            return [_token_row(r) for r in rows]

    def active_token(self, token_hash: str) -> FeedToken | None:
        """The live link with this digest, if any (revoked links are as good as unknown)."""
        with self._session() as session:
            row = session.exec(
                select(FeedTokenRow).where(FeedTokenRow.token_hash == token_hash)
            ).first()
            if row is None or row.revoked_at is not None:
                return None
            return _token_row(row)

    def feed_lookup(self, token_hash: str) -> FeedLookup | None:
        """The live link with this digest and the latest published version of its case: all
        the database work a feed request needs, asked for every request. One statement, built
        once (building it per request took most of the server's time), on a connection each
        thread keeps, outside any transaction (on PostgreSQL, a transaction's BEGIN and
        ROLLBACK were two more round trips)."""
        conn: Connection | None = getattr(self._local, "lookup", None)
        try:
            if conn is None or conn.invalidated or conn.closed:
                conn = self._local.lookup = self._autocommit.connect()
            row = conn.execute(_LOOKUP, {"digest": token_hash}).first()
        except SQLAlchemyError as err:
            self._local.lookup = None
            if conn is not None:
                with suppress(SQLAlchemyError):
                    conn.close()
            raise StorageError(f"database error on {self._safe_url}: {_reason(err)}") from err
        if row is None or row.revoked_at is not None:
            return None
        found = FeedToken(id=row.id, case_name=row.case_name, kind=row.kind,
                          subject=row.subject, created_at=_aware(row.created_at),
                          revoked_at=None, token_hash=token_hash)
        return FeedLookup(found, row.published, row.plan_id, row.version)

    def load(self, plan_id: int | None = None) -> StoredPlan:
        """A stored plan by id, or the newest one; StorageError says what exists otherwise."""
        if plan_id is None:
            plan_id = self.latest_id()
            if plan_id is None:
                raise NotFoundError(
                    f"no plans stored in {self._safe_url} yet; run 'rotation solve CASE' first"
                )
        with self._session() as session:
            row = session.get(PlanRow, plan_id)
            if row is None:
                raise NotFoundError(
                    f"plan {plan_id} does not exist in {self._safe_url}; "
                    "'rotation plans' lists the stored plans"
                )
            deployments = session.exec(
                select(DeploymentRow).where(DeploymentRow.plan_id == plan_id)
            ).all()
            enrolments = session.exec(
                select(EnrolmentRow).where(EnrolmentRow.plan_id == plan_id)
            ).all()
            plan = Plan(
                tuple(Deployment(d.officer_id, d.posting_id, d.start, d.end) for d in deployments),
                tuple(
                    Enrolment(e.officer_id, e.course_id, e.session_id, e.start, e.end)
                    for e in enrolments
                ),
            )
            assert row.id is not None
            return StoredPlan(
                id=row.id,
                created_at=_aware(row.created_at),
                case_name=row.case_name,
                input_hash=row.input_hash,
                status=SolveStatus(row.status),
                objective=row.objective,
                bound=row.bound,
                wall_time=row.wall_time,
                stopped=row.stopped,
                parameters=json.loads(row.parameters_json),
                cost_by_rule=json.loads(row.cost_by_rule_json),
                unmet=json.loads(row.unmet_json),
                plan=plan,
                instance=_instance(row),
                label=row.label,
                based_on=row.based_on,
            )


# ---------------------------------------------------------------------------------------------
# Telling the feed server what changed

FEEDS_CHANNEL = "rotation_feeds"
"""PostgreSQL's NOTIFY channel on which a change to links or published versions is announced,
in the transaction that makes it (delivered when it commits)."""


def _announce(session: Session) -> None:
    if session.connection().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {FEEDS_CHANNEL}")


class FeedWatch:
    """Tells a feed server on PostgreSQL when links or published versions may have changed,
    so that it can answer from what it read before until then, without a round trip per
    request. A thread listens on :data:`FEEDS_CHANNEL` (changes this program makes are seen
    within milliseconds of their commit) and also compares, every ``POLL`` seconds, the
    latest link, the number of revoked links and the latest publish (changes made without a
    notice, by hand or by an older version, are seen within that). :meth:`generation` moves
    on at every change; while the listening connection is down, :meth:`trusted` is False and
    nothing read before should be used."""

    POLL = 2.0

    def __init__(self, store: Store) -> None:
        self._store = store
        self._generation = 0
        self._trusted = False
        self._fingerprint: tuple[Any, ...] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="rotation-feed-watch",
                                        daemon=True)
        self._thread.start()

    def generation(self) -> int:
        return self._generation

    def trusted(self) -> bool:
        return self._trusted

    def close(self) -> None:
        self._stop.set()

    def _changed(self) -> None:
        self._generation += 1  # one writer (this thread); readers see an int, whole

    def _poll(self, conn: Any) -> None:
        found = tuple(conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM feed_token), "
            "(SELECT count(revoked_at) FROM feed_token), "
            "(SELECT coalesce(max(id), 0) FROM audit)").fetchone())
        if found != self._fingerprint:
            self._fingerprint = found
            self._changed()

    def _listen(self) -> None:
        while not self._stop.is_set():
            raw = None
            try:
                raw = self._store.engine.raw_connection()
                conn = raw.driver_connection
                assert conn is not None
                conn.autocommit = True
                conn.execute(f"LISTEN {FEEDS_CHANNEL}")
                self._poll(conn)
                self._changed()  # whatever was read before listening is suspect
                self._trusted = True
                while not self._stop.is_set():
                    for _ in conn.notifies(timeout=self.POLL, stop_after=1):
                        self._changed()
                    self._poll(conn)
            except Exception:  # the database is away: read every time until it is back
                self._trusted = False
                self._changed()
                self._stop.wait(1.0)
            finally:
                self._trusted = False
                if raw is not None:
                    with suppress(Exception):
                        raw.invalidate()


# ---------------------------------------------------------------------------------------------
# Looking after the database: status, init, upgrade, backup


@dataclass(frozen=True)
class Status:
    """A database as ``rotation db status`` shows it. Counts are None where the schema is not
    one this program reads."""

    url: str
    backend: str
    schema: Schema
    plans: int | None = None
    published: int | None = None
    links: int | None = None
    journal: str | None = None  # SQLite: the journal mode (wal once a command has written)
    mode: int | None = None  # SQLite: the file's permission bits
    intact: str | None = None  # SQLite: "ok", or the first problem PRAGMA quick_check found


def _counted(conn: Connection, query: str) -> int:
    return int(conn.execute(text(query)).scalar_one())


def status(url: str | None) -> Status:
    """What a database holds, without writing anything or refusing any schema."""
    url = resolve_url(url)
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        raise StorageError(_missing(path))
    engine = _open_engine(url)
    try:
        with engine.connect() as conn:
            schema = _schema(conn)
            plans = published = links = None
            journal = intact = None
            names = set(schema.tables)
            if schema.state in ("current", "older"):
                plans = _counted(conn, "SELECT count(*) FROM plan")
                links = _counted(conn, "SELECT count(*) FROM feed_token "
                                       "WHERE revoked_at IS NULL")
                if "audit" in names:
                    published = _counted(conn, "SELECT count(*) FROM audit "
                                               "WHERE version IS NOT NULL")
            if path is not None:
                journal = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one())
                intact = _damage(conn) or "ok"
    except SQLAlchemyError as err:
        raise StorageError(f"cannot read {safe_url(url)}: {_reason(err)}") from err
    finally:
        engine.dispose()
    mode = path.stat().st_mode & 0o777 if path is not None else None
    return Status(safe_url(url), engine.dialect.name, schema, plans, published, links,
                  journal, mode, intact)


def _open_engine(url: str) -> Engine:
    try:
        return _engine(url)
    except ImportError as err:
        raise StorageError(f"cannot open the database {safe_url(url)}: its driver is not "
                           f"installed ({err.name}); for PostgreSQL run pip install -e "
                           "'.[postgres]'") from err
    except (SQLAlchemyError, ValueError) as err:
        raise StorageError(f"cannot open the database {safe_url(url)}: {_reason(err)}") from err


def upgrade(url: str | None) -> tuple[Schema, Schema]:
    """Bring a database of an older version up to the current schema, keeping every row: the
    migrations in rotation/migrations/versions/ run in order, in one transaction under the
    schema lock, so an upgrade that fails changes nothing. A current database is left alone;
    an empty, newer or foreign one is refused. Returns the schema before and after."""
    url = resolve_url(url)
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        raise StorageError(_missing(path) + "; 'rotation db init' creates an empty one")
    engine = _open_engine(url)
    where = safe_url(url)
    try:
        with engine.connect() as conn:
            before = _schema(conn)
        if before.state == "current":
            return before, before
        if before.state != "older":
            _require_current(before, where)
        _wal(engine)
        with engine.execution_options(rotation_write=True).connect() as conn, conn.begin():
            _lock(conn)
            found = _schema(conn)
            if found.state == "older":
                _migrate(conn, found)
            after = _schema(conn)
            _require_current(after, where)  # raising here rolls the upgrade back
        return before, after
    except SQLAlchemyError as err:
        raise StorageError(f"cannot upgrade {where}: {_reason(err)}; nothing was changed"
                           ) from err
    finally:
        engine.dispose()


def _migrate(conn: Connection, found: Schema) -> None:
    """Run the migrations from ``found`` to the head on ``conn``, in its transaction."""
    # Imported here: Alembic takes a third of a second to load, and only upgrades need it.
    from alembic import command
    from alembic.config import Config

    if found.unversioned:
        _VERSIONS.create(conn)
        conn.execute(_VERSIONS.insert().values(version_num=found.revision))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def init(url: str | None) -> Schema:
    """Make a new store: the file (SQLite) and the current tables. An up-to-date store is left
    as it is; any other schema is refused as by :class:`Store`."""
    return Store(url).schema


def backup(url: str | None, dest: Path) -> Status:
    """Copy a SQLite database to ``dest``, a new file readable by its owner only, with SQLite's
    online backup: a consistent copy even while commands and the feed server use it. The copy
    is one self-contained file (journal mode DELETE); its status is returned, checked page by
    page. PostgreSQL is backed up with pg_dump (see README)."""
    url = resolve_url(url)
    path = _sqlite_file(url)
    if path is None:
        raise InputError(Problem(
            f"{safe_url(url)} is not a SQLite file; back up PostgreSQL with pg_dump "
            "(README, 'Where plans are stored')", field="--db"))
    if not path.exists():
        raise StorageError(_missing(path))
    if dest.exists():
        raise InputError(Problem("already exists; give the name of a new file", str(dest)))
    private_file(dest)
    try:
        source = sqlite3.connect(path, timeout=BUSY_SECONDS)
        try:
            copy = sqlite3.connect(dest)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as err:
        dest.unlink(missing_ok=True)
        raise StorageError(f"cannot back up {path} to {dest}: {err}") from err
    return status(f"sqlite:///{dest}")


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: who did what to which plan, when; for a publish, the version
    it made and the input and parameters the plan was solved from."""

    id: int
    at: datetime
    actor: str
    action: str
    case_name: str
    plan_id: int | None
    version: int | None
    input_hash: str
    parameters: dict[str, float | int]
    note: str


def _entry(row: AuditRow) -> AuditEntry:
    assert row.id is not None
    return AuditEntry(row.id, _aware(row.at), row.actor, row.action, row.case_name, row.plan_id,
                      row.version, row.input_hash, json.loads(row.parameters_json), row.note)


def _shown(rows: Sequence[CalendarEventRow], now: datetime, retention: timedelta
           ) -> list[CalendarEventRow]:
    """The events a feed carries at ``now``: live ones, and cancelled ones until ``retention``
    has passed, in UID order."""
    return sorted(
        (r for r in rows
         if not r.cancelled or _aware(r.cancelled_at or now) >= now - retention),
        key=lambda r: r.uid,
    )


def _state(header: str, shown: Sequence[CalendarEventRow]) -> str:
    """A digest of what a feed shows: its header and each event's UID, SEQUENCE and status."""
    return _digest(json.dumps([header, [[r.uid, r.sequence, r.cancelled] for r in shown]]))


def _apply(session: Session, drafts: Sequence[FeedDraft], now: datetime, retention: timedelta,
           flush: bool = True) -> dict[str, FeedState]:
    """Move each feed's history to what its draft shows (see :meth:`Store.publish`) in
    ``session``, uncommitted; the events each feed then carries. Without ``flush`` nothing is
    sent to the database (a preview)."""
    out: dict[str, FeedState] = {}
    for draft in drafts:
        uids = [uid for uid, _ in draft.items]
        if len(set(uids)) != len(uids):
            raise StorageError(f"feed {draft.feed} lists a UID twice; nothing was saved")
        rows = {
            r.uid: r for r in session.exec(
                select(CalendarEventRow).where(CalendarEventRow.feed == draft.feed)
            ).all()
        }
        current: set[str] = set()
        for uid, body in draft.items:
            current.add(uid)
            digest = _digest(body)
            row = rows.get(uid)
            if row is None:
                row = CalendarEventRow(
                    feed=draft.feed, uid=uid, content_hash=digest, body_json=body,
                    sequence=0, cancelled=False, created_at=now, last_modified=now,
                )
                rows[uid] = row
                session.add(row)
            elif row.cancelled or row.content_hash != digest:
                row.sequence += 1
                row.content_hash, row.body_json = digest, body
                row.cancelled, row.cancelled_at = False, None
                row.last_modified = now
                session.add(row)
        for uid, row in rows.items():
            if uid not in current and not row.cancelled:
                row.sequence += 1
                row.cancelled, row.cancelled_at = True, now
                row.last_modified = now
                session.add(row)
        shown = _shown(list(rows.values()), now, retention)
        state = _state(draft.header, shown)
        feed_row = session.get(CalendarFeedRow, draft.feed)
        if feed_row is None:
            feed_row = CalendarFeedRow(feed=draft.feed, state=state, changed_at=now)
            session.add(feed_row)
        elif feed_row.state != state:
            feed_row.state, feed_row.changed_at = state, now
            session.add(feed_row)
        if flush:
            session.flush()
        order = {uid: i for i, (uid, _) in enumerate(draft.items)}
        events = sorted(
            (_version(r) for r in shown), key=lambda v: (order.get(v.uid, len(order)), v.uid)
        )
        out[draft.feed] = FeedState(tuple(events), state, _aware(feed_row.changed_at))
    return out


def _damage(conn: Connection) -> str | None:
    """SQLite's first complaint about the file's pages (``PRAGMA quick_check``), or None."""
    found = [str(x) for x in conn.exec_driver_sql("PRAGMA quick_check(1)").scalars().all()]
    if found == ["ok"]:
        return None
    lines = [line for f in found for line in f.splitlines() if not line.startswith("***")]
    return lines[0] if lines else "quick_check gave no answer"


def _instance(row: PlanRow) -> Instance:
    """The input a stored plan was solved from; a storage error if this version cannot read it
    back (a snapshot another program wrote, or values this version no longer accepts)."""
    try:
        return instance_from_dict(json.loads(row.input_json))
    except (InputError, ValueError, KeyError, TypeError) as err:
        raise StorageError(
            f"plan {row.id}'s stored input cannot be read back by this version of rotation "
            f"({str(err).splitlines()[0][:200]}); solve the case again") from err


def _reason(err: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's long background links."""
    text = str(getattr(err, "orig", None) or err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__
