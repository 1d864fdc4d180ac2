"""The plan store: round trips, listing order and all-or-nothing saves, on SQLite and PostgreSQL.

Every test taking ``url`` runs once on a SQLite file and once on a fresh PostgreSQL database; the
PostgreSQL runs are skipped unless ROTATION_TEST_POSTGRES_URL is set (see conftest.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import rotation.storage as storage
from rotation.domain import Instance, SolverSettings
from rotation.errors import NotFoundError, StorageError
from rotation.io import load_case
from rotation.plan import Deployment, Plan, Result
from rotation.snapshot import input_hash
from rotation.solve import solve
from rotation.storage import DeploymentRow, PlanRow, Store, resolve_url
from rotation.validate import validate

SETTINGS = SolverSettings(time_limit=10.0, seed=0, workers=2)


@pytest.fixture(scope="module")
def solved(
    tmp_path_factory: pytest.TempPathFactory, case_writer: Callable[[Path], Path]
) -> tuple[Instance, Result]:
    """The tiny case and one optimal solve of it (solved once for the module)."""
    inst = load_case(case_writer(tmp_path_factory.mktemp("storage") / "case"))
    result = solve(inst, SETTINGS)
    assert result.plan is not None and result.plan.deployments
    return inst, result


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/plans.db"
    postgres: str = request.getfixturevalue("postgres_url")
    return postgres


def count(store: Store, table: type[PlanRow] | type[DeploymentRow]) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# round trip


def test_round_trip(url: str, solved: tuple[Instance, Result]) -> None:
    inst, result = solved
    assert result.plan is not None
    store = Store(url)
    before = datetime.now(UTC)
    plan_id = store.save(inst, result)
    stored = Store(url).load(plan_id)  # a second store: nothing comes from memory

    assert stored.id == plan_id
    assert stored.plan == result.plan
    assert store.count_deployments(plan_id) == len(result.plan.deployments)

    # The snapshot is the instance that was solved, its solver settings included (a re-plan of
    # it searches as the case asks); what the solve ran with is kept as its parameters as well.
    assert stored.instance == inst
    assert stored.instance.solver == inst.solver != SolverSettings()
    assert stored.instance.name == inst.name
    assert stored.case_name == inst.name
    assert stored.input_hash == input_hash(inst) == input_hash(stored.instance)

    # The figures of the solve.
    assert stored.status == result.status
    assert stored.objective == result.objective
    assert stored.bound == result.bound
    assert stored.gap == result.gap
    assert stored.wall_time == result.wall_time
    assert stored.parameters == result.parameters == {
        "time_limit": 10.0, "seed": 0, "workers": 2}
    assert stored.cost_by_rule == result.cost_by_rule
    assert stored.unmet == [
        {"posting": s.posting, "month": s.month, "required": s.required, "assigned": s.assigned}
        for s in result.unmet
    ]
    assert stored.unmet, "the tiny case leaves some demand unmet, so this is not vacuous"
    assert before - timedelta(seconds=5) <= as_utc(stored.created_at) <= datetime.now(UTC)

    # The stored plan still validates against its stored input with the same objective.
    verdict = validate(stored.instance, stored.plan)
    assert verdict.ok
    assert verdict.objective == stored.objective


def test_plans_are_listed_newest_first(url: str, solved: tuple[Instance, Result]) -> None:
    inst, result = solved
    store = Store(url)
    ids = [store.save(inst, result) for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3

    rows = store.plans()
    assert [r.id for r in rows] == ids[::-1]
    assert [as_utc(r.created_at) for r in rows] == sorted(
        (as_utc(r.created_at) for r in rows), reverse=True
    )
    assert all(r.case_name == "Tiny test case" for r in rows)
    assert store.latest_id() == ids[-1]
    assert store.load().id == ids[-1]  # no id: the newest plan
    assert store.load(ids[0]).id == ids[0]


def test_empty_store(url: str) -> None:
    store = Store(url)
    assert store.plans() == []
    assert store.latest_id() is None
    with pytest.raises(NotFoundError, match="no plans stored"):
        store.load()
    with pytest.raises(NotFoundError, match="plan 7 does not exist"):
        store.load(7)


def test_reopening_keeps_plans(url: str, solved: tuple[Instance, Result]) -> None:
    inst, result = solved
    plan_id = Store(url).save(inst, result)
    assert [r.id for r in Store(url).plans()] == [plan_id]  # create_all leaves data alone


# ---------------------------------------------------------------------------------------------
# all or nothing


def test_failure_after_the_plan_row_leaves_nothing(
    url: str, solved: tuple[Instance, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception between adding the plan row and committing rolls the plan row back."""
    inst, result = solved
    store = Store(url)
    made: list[DeploymentRow] = []

    def failing_row(**values: object) -> DeploymentRow:
        row = DeploymentRow(**values)  # type: ignore[arg-type]
        made.append(row)
        if len(made) == 2:
            raise RuntimeError("simulated crash in the middle of a save")
        return row

    monkeypatch.setattr(storage, "DeploymentRow", failing_row)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.save(inst, result)
    monkeypatch.undo()

    assert made and made[0].plan_id is not None  # the plan row had been flushed and had an id
    assert store.plans() == []
    assert count(store, PlanRow) == 0
    assert count(store, DeploymentRow) == 0
    # and the store still works afterwards
    assert store.save(inst, result) is not None
    assert count(store, PlanRow) == 1


def test_database_error_mid_save_is_a_storage_error_and_leaves_nothing(
    url: str, solved: tuple[Instance, Result]
) -> None:
    """A row the database itself rejects (NOT NULL dates) after the plan row is flushed."""
    inst, result = solved
    assert result.plan is not None
    broken = Deployment("ZZ-9999", "PNH", None, None)  # type: ignore[arg-type]
    bad = dataclasses.replace(result, plan=Plan((*result.plan.deployments, broken)))
    store = Store(url)
    with pytest.raises(StorageError, match="database error") as info:
        store.save(inst, bad)
    assert info.value.exit_code == 3
    assert store.plans() == []
    assert count(store, PlanRow) == 0
    assert count(store, DeploymentRow) == 0


def test_a_solve_without_a_plan_is_not_stored(url: str, solved: tuple[Instance, Result]) -> None:
    inst, result = solved
    store = Store(url)
    with pytest.raises(StorageError, match="only solves that produced a plan"):
        store.save(inst, dataclasses.replace(result, plan=None))
    assert count(store, PlanRow) == 0


# ---------------------------------------------------------------------------------------------
# opening a store


def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path}/a/b/plans.db")
    assert (tmp_path / "a" / "b" / "plans.db").is_file()


def test_url_comes_from_option_then_environment_then_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ROTATION_DATABASE_URL", raising=False)
    assert resolve_url(None) == "sqlite:///rotation.db"
    monkeypatch.setenv("ROTATION_DATABASE_URL", "sqlite:///from-env.db")
    assert resolve_url(None) == "sqlite:///from-env.db"
    assert resolve_url("sqlite:///given.db") == "sqlite:///given.db"


def test_unreachable_database_is_a_storage_error_without_the_password() -> None:
    with pytest.raises(StorageError) as info:
        Store("postgresql://nobody:s3cret@127.0.0.1:1/x")
    assert info.value.exit_code == 3
    assert "cannot open the database postgresql://nobody@127.0.0.1:1/x" in str(info.value)
    assert "s3cret" not in str(info.value)


def test_plain_postgresql_url_is_a_storage_error_when_unreachable() -> None:
    with pytest.raises(StorageError):
        Store("postgresql://nobody@127.0.0.1:1/x")


def test_created_at_reads_back_as_utc_on_sqlite(
    tmp_path: Path, solved: tuple[Instance, Result]
) -> None:
    inst, result = solved
    store = Store(f"sqlite:///{tmp_path}/plans.db")
    stored = store.load(store.save(inst, result))
    assert stored.created_at.utcoffset() == timedelta(0)
