"""Stored plans: SQLModel tables on SQLite by default, PostgreSQL or any SQLAlchemy URL on request.

This is the only module that imports sqlmodel. The engine is created from a URL and passed in,
never global, so tests and future services can hold several stores at once. Every write happens
in one transaction: a failed save leaves nothing behind. Each plan keeps the input snapshot it
was solved from, so it can be shown, validated and exported without the original files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Column, DateTime, Text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, Session, SQLModel, create_engine, select

from rotation.domain import Instance
from rotation.errors import NotFoundError, StorageError
from rotation.plan import Deployment, Enrolment, Plan, Result, SolveStatus, relative_gap
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "Store",
    "StoredPlan",
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

    def save(self, inst: Instance, result: Result) -> int:
        """Store a solve with its input; one transaction, so a failure stores nothing."""
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
            unmet_json=json.dumps(
                [
                    {"posting": s.posting, "month": s.month, "required": s.required,
                     "assigned": s.assigned}
                    for s in result.unmet
                ]
            ),
        )
        with self._session() as session:
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

    def latest_id(self) -> int | None:
        with self._session() as session:
            row = session.exec(select(PlanRow.id).order_by(PlanRow.id.desc()).limit(1)).first()  # type: ignore[union-attr]
            return row

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
                # SQLite keeps no zone; every stored time is UTC.
                created_at=row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC),
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
            )


def _reason(err: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's long background links."""
    text = str(getattr(err, "orig", None) or err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__
