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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, DateTime, Text, UniqueConstraint, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from rotation.calendars.events import EventVersion
from rotation.domain import Instance
from rotation.errors import ConflictError, InputError, NotFoundError, Problem, StorageError
from rotation.plan import Deployment, Enrolment, Plan, Result, SolveStatus, relative_gap
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "AuditEntry",
    "FeedDraft",
    "FeedState",
    "FeedToken",
    "Store",
    "StoredPlan",
    "StoredScenario",
    "resolve_url",
]

ENV_VAR = "ROTATION_DATABASE_URL"
DEFAULT_URL = "sqlite:///rotation.db"


def resolve_url(url: str | None) -> str:
    """The database to use: ``--db``, else ``ROTATION_DATABASE_URL``, else ./rotation.db."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


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
    """A plan store on one database. Create with a URL; tables are created on first use."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        try:
            if self.url.startswith("sqlite:///"):
                folder = Path(self.url.removeprefix("sqlite:///")).parent
                if str(folder) not in ("", "."):
                    folder.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(self.url)
            SQLModel.metadata.create_all(self.engine)
        except ImportError as err:
            raise StorageError(
                f"cannot open the database {self._safe_url}: its driver is not installed "
                f"({err.name}); for PostgreSQL run pip install -e '.[postgres]'"
            ) from err
        except (SQLAlchemyError, OSError, ValueError) as err:
            raise StorageError(
                f"cannot open the database {self._safe_url}: {_reason(err)}"
            ) from err

    @property
    def safe_url(self) -> str:
        """The URL without a password, for messages."""
        return self._safe_url

    @property
    def _safe_url(self) -> str:
        """The URL without a password, for messages."""
        head, at, tail = self.url.rpartition("@")
        if not at:
            return self.url
        scheme, _, cred = head.partition("://")
        user = cred.split(":", 1)[0]
        return f"{scheme}://{user}@{tail}"

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with Session(self.engine) as session:
                yield session
        except SQLAlchemyError as err:
            raise StorageError(f"database error on {self._safe_url}: {_reason(err)}") from err

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
        with self._session() as session:
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
            session.commit()
            return row.id

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
            with self._session() as session:
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
                with self._session() as session:
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
        once, one succeeds; the other gets :class:`ConflictError` and nothing is written."""
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
        with self._session() as session:
            row = self._plan_row(session, plan_id)
            row.label = text or None
            session.add(row)
            session.add(AuditRow(at=now, actor=actor, action="label", case_name=row.case_name,
                                 plan_id=plan_id, input_hash=row.input_hash, note=text))
            session.commit()

    def delete(self, plan_id: int, actor: str, now: datetime) -> None:
        """Delete a plan that was never published (published versions are kept for good); the
        audit log records it."""
        with self._session() as session:
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
        with self._session() as session:
            row = FeedTokenRow(token_hash=token_hash, case_name=case_name, kind=kind,
                               subject=subject, created_at=now)
            session.add(row)
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
        with self._session() as session:
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
                instance=instance_from_dict(json.loads(row.input_json)),
                label=row.label,
                based_on=row.based_on,
            )


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


def _reason(err: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's long background links."""
    text = str(getattr(err, "orig", None) or err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__
