"""A store a planning cell can share: write-ahead logging and a busy timeout on SQLite, files for
their owner only, URLs printed without passwords, online backups, damaged files refused, and a
finished plan never thrown away (recovery files and ``rotation import-plan``).
"""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rotation import recovery, storage
from rotation.domain import Instance, SolverSettings
from rotation.errors import InputError, NotStoredError, StorageError
from rotation.io import load_case
from rotation.plan import Result
from rotation.solve import solve
from rotation.storage import Store, safe_url
from rotation.workflow import export, import_plan, keep

SETTINGS = SolverSettings(time_limit=10.0, seed=0, workers=2)


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory, case_writer: Callable[[Path], Path]
           ) -> tuple[Instance, Result]:
    inst = load_case(case_writer(tmp_path_factory.mktemp("database") / "case"))
    result = solve(inst, SETTINGS)
    assert result.plan is not None
    return inst, result


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


# ---------------------------------------------------------------------------------------------
# SQLite shared by several commands


def test_a_new_database_is_in_wal_mode_and_private(tmp_path: Path,
                                                   solved: tuple[Instance, Result]) -> None:
    store = Store(_sqlite(tmp_path / "a" / "b" / "plans.db"))
    store.save(*solved)
    with sqlite3.connect(tmp_path / "a" / "b" / "plans.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert _mode(tmp_path / "a") == _mode(tmp_path / "a" / "b") == 0o700
    for name in ("plans.db", "plans.db-wal", "plans.db-shm"):
        assert _mode(tmp_path / "a" / "b" / name) == 0o600, name


def test_a_save_waits_for_another_writer_and_readers_do_not(
        tmp_path: Path, solved: tuple[Instance, Result]) -> None:
    """Another process holds the write lock for a second: the save waits for it instead of
    failing with 'database is locked', and reading goes on meanwhile."""
    path = tmp_path / "plans.db"
    store = Store(_sqlite(path))
    first = store.save(*solved)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO calendar_key (id, secret) VALUES (7, 'x')")
    released = threading.Event()

    def release() -> None:
        time.sleep(1.0)
        holder.execute("ROLLBACK")
        released.set()

    threading.Thread(target=release).start()
    began = time.perf_counter()
    assert store.load(first).plan == solved[1].plan  # a reader is not held up
    assert not released.is_set()
    second = store.save(*solved)
    assert released.is_set() and time.perf_counter() - began >= 0.9
    assert second == first + 1
    holder.close()


def test_a_damaged_file_takes_no_plan(tmp_path: Path, solved: tuple[Instance, Result]) -> None:
    path = tmp_path / "plans.db"
    store = Store(_sqlite(path))
    for _ in range(3):
        store.save(*solved)
    store.engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    size = 4096
    assert len(data) > 12 * size
    for page in range(8, 12):  # pages of the plans' rows, not the schema
        data[page * size:(page + 1) * size] = bytes(range(256)) * (size // 256)
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="is damaged"):
        Store(_sqlite(path)).save(*solved)
    assert storage.status(_sqlite(path)).intact not in (None, "ok")


# ---------------------------------------------------------------------------------------------
# secrets


@pytest.mark.parametrize("url", [
    "postgresql://planner:S3cret-pw@db.example.org:5432/rotation",
    "postgresql+psycopg://planner:S3cret-pw@db.example.org/rotation?sslmode=require",
    "postgresql://planner@db.example.org/rotation?password=S3cret-pw",
    "postgresql://planner:S3cret@pw@db.example.org/rotation",
    "mysql://planner:S3cret-pw@/rotation?unix_socket=/x",
])
def test_printed_urls_hide_the_password(url: str) -> None:
    shown = safe_url(url)
    assert "S3cret" not in shown and "pw@" not in shown
    assert "db.example.org" in shown or "mysql" in shown


def test_an_unreachable_database_names_no_password(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from rotation.cli import main

    for args in (["plans"], ["db", "status"], ["serve"], ["feeds", "list"]):
        monkeypatch.setattr("sys.argv", ["rotation", *args, "--db",
                                         "postgresql://planner:S3cret-pw@127.0.0.1:1/x"])
        with pytest.raises(SystemExit) as stopped:
            main()
        assert stopped.value.code == 3
        captured = capsys.readouterr()
        assert "S3cret" not in captured.out + captured.err
        assert "planner@127.0.0.1:1/x" in captured.err


def test_exports_are_private(tmp_path: Path, solved: tuple[Instance, Result]) -> None:
    store = Store(_sqlite(tmp_path / "plans.db"))
    stored = store.load(store.save(*solved))
    out = tmp_path / "new" / "out"
    files = export(stored, "csv", out) + export(stored, "json", out)
    assert files and all(_mode(f) == 0o600 for f in files)
    assert _mode(tmp_path / "new") == _mode(out) == 0o700


# ---------------------------------------------------------------------------------------------
# backups


def test_a_backup_while_in_use_is_a_consistent_private_copy(
        tmp_path: Path, solved: tuple[Instance, Result]) -> None:
    url = _sqlite(tmp_path / "plans.db")
    store = Store(url)
    ids = [store.save(*solved) for _ in range(2)]
    copy = tmp_path / "backups" / "plans-copy.db"
    with store.engine.connect() as reading:  # a reader holds a snapshot open meanwhile
        reading.exec_driver_sql("SELECT count(*) FROM plan").scalar_one()
        found = storage.backup(url, copy)
    assert (found.plans, found.intact, found.schema.state) == (2, "ok", "current")
    assert _mode(copy) == 0o600 and _mode(copy.parent) == 0o700
    assert not copy.with_name(copy.name + "-wal").exists()  # one self-contained file
    restored = Store(_sqlite(copy), create=False)
    assert [r.id for r in restored.plans()] == ids[::-1]
    assert restored.load(ids[0]).plan == solved[1].plan
    with pytest.raises(InputError, match="already exists"):
        storage.backup(url, copy)


def test_postgresql_is_backed_up_with_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="pg_dump"):
        storage.backup("postgresql://planner:pw@127.0.0.1:1/x", tmp_path / "b.db")
    assert not (tmp_path / "b.db").exists()


# ---------------------------------------------------------------------------------------------
# a finished plan is never thrown away


def _failing_save(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> int:
        raise StorageError("database error on sqlite:///x.db: database is locked")

    monkeypatch.setattr(Store, "save", fail)


def test_a_plan_the_database_refuses_goes_to_a_recovery_file_and_imports_later(
        tmp_path: Path, solved: tuple[Instance, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    inst, result = solved
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(recovery.ENV_VAR, raising=False)
    store = Store(_sqlite(tmp_path / "plans.db"))
    with monkeypatch.context() as patched:
        _failing_save(patched)
        with pytest.raises(NotStoredError) as info:
            keep(store, inst, result, label="what-if", based_on=None)
    path = info.value.recovery
    assert info.value.exit_code == 3
    assert path.parent == tmp_path / "rotation-recovery"
    assert f"rotation import-plan {path}" in str(info.value)
    assert "database is locked" in str(info.value)
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert store.plans() == []

    plan_id, found = import_plan(store, path)
    stored = store.load(plan_id)
    assert stored.plan == result.plan and stored.label == "what-if"
    assert (stored.objective, stored.bound, stored.status) == (
        result.objective, result.bound, result.status)
    assert stored.parameters == result.parameters
    assert stored.cost_by_rule == result.cost_by_rule
    assert found.instance == stored.instance


def test_an_edited_recovery_file_is_refused(
        tmp_path: Path, solved: tuple[Instance, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    inst, result = solved
    monkeypatch.setenv(recovery.ENV_VAR, str(tmp_path / "kept"))
    path = recovery.write(inst, result, "test")
    store = Store(_sqlite(tmp_path / "plans.db"))
    doc = json.loads(path.read_text(encoding="utf-8"))

    def edited(change: Callable[[dict[str, object]], None]) -> Path:
        copy = json.loads(json.dumps(doc))
        change(copy)
        target = tmp_path / f"edited-{time.perf_counter_ns()}.json"
        target.write_text(json.dumps(copy), encoding="utf-8")
        return target

    def cheaper(d: dict[str, object]) -> None:
        d["result"]["objective"] -= 1  # type: ignore[index]

    def double_booked(d: dict[str, object]) -> None:
        plan = d["plan"]["deployments"]  # type: ignore[index]
        plan.append([plan[0][0], "SHV", plan[0][2], plan[0][3]])

    def other_input(d: dict[str, object]) -> None:
        d["input"]["name"] = "another case"  # type: ignore[index]

    for change, message in ((cheaper, "not the"), (double_booked, "breaks a hard rule"),
                            (other_input, "fingerprint")):
        with pytest.raises(InputError, match=message):
            import_plan(store, edited(change))
    for text in ("", "[]", '{"format": "rotation-recovery/1"}', "{" * 100_000):
        target = tmp_path / "bad.json"
        target.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=r"bad\.json"):
            import_plan(store, target)
    assert store.plans() == []


def test_rotation_solve_keeps_the_plan_when_the_save_fails(
        tmp_path: Path, tiny_case: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rotation.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(recovery.ENV_VAR, raising=False)
    db = _sqlite(tmp_path / "plans.db")
    _failing_save(monkeypatch)
    monkeypatch.setattr("sys.argv", ["rotation", "solve", str(tiny_case), "--db", db])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 3
    err = capsys.readouterr().err
    (kept,) = (tmp_path / "rotation-recovery").glob("plan-*.json")
    assert f"rotation import-plan {kept}" in err.replace("\n", "")
    monkeypatch.undo()
    monkeypatch.setattr("sys.argv", ["rotation", "import-plan", str(kept), "--db", db])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 0
    assert [r.case_name for r in Store(db, create=False).plans()] == ["Tiny test case"]
