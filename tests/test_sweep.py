"""Sweeps: the grid, its checks, a local process pool, and a real Dask cluster (a scheduler and two
worker processes on 127.0.0.1, started and stopped here) giving the same plans."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotation.domain import SolverSettings
from rotation.errors import InputError
from rotation.storage import Store
from rotation.sweep import points, read_spec, run_sweep, to_toml
from rotation.validate import validate
from tests.test_cli import run, sqlite

SPEC = """name = "grid"
case = "case"

[solver]
time_limit = 20
workers = 1

[axes]
pnh = [1, 2]
rest = { from = 2, to = 3 }

[[scenario.headcount]]
posting = "PNH"
from = "2026-03"
min = "{pnh}"
max = "{pnh}"

[scenario.rules]
min_rest_months = "{rest}"
"""


@pytest.fixture
def spec_file(tmp_path: Path, case_writer) -> Path:  # type: ignore[no-untyped-def]
    case_writer(tmp_path / "case")
    path = tmp_path / "sweep.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_the_grid_is_every_combination_as_a_scenario(spec_file: Path) -> None:
    spec = read_spec(spec_file)
    made = points(spec)
    assert [p.values for p in made] == [{"pnh": 1, "rest": 2}, {"pnh": 1, "rest": 3},
                                        {"pnh": 2, "rest": 2}, {"pnh": 2, "rest": 3}]
    assert made[3].scenario.name == "grid.pnh-2.rest-3"
    assert made[3].scenario.data["headcount"] == [
        {"posting": "PNH", "from": "2026-03", "min": 2, "max": 2}]
    assert made[3].scenario.data["rules"] == {"min_rest_months": 3}
    assert to_toml({"a": "x", "b": [1, 2], "t": {"k": 1}, "arr": [{"c": {"d": 2}}]}) == (
        'a = "x"\nb = [1, 2]\n\n[t]\nk = 1\n\n[[arr]]\nc = { d = 2 }\n')


@pytest.mark.parametrize(("change", "field", "says"), [
    (("{rest}", "{pause}"), "scenario", "'{pause}' names no axis"),
    (("rest = { from = 2, to = 3 }", "rest = { from = 3, to = 2 }"), "axes.rest", "A <= B"),
    (('case = "case"', ""), "case", "name either the case"),
    (("[solver]", "[solver]\nthreads = 2"), "solver.threads", "unknown key"),
])
def test_a_bad_sweep_file_names_the_key(spec_file: Path, change: tuple[str, str], field: str,
                                        says: str) -> None:
    spec_file.write_text(SPEC.replace(*change), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_spec(spec_file)
    found = [p for p in caught.value.problems if p.field == field]
    assert found and says in found[0].message, caught.value


def test_a_point_that_contradicts_the_case_stores_nothing(spec_file: Path, tmp_path: Path
                                                          ) -> None:
    spec_file.write_text(SPEC.replace("pnh = [1, 2]", "pnh = [1, 5]").replace(
        'max = "{pnh}"\n', ""), encoding="utf-8")
    db = sqlite(tmp_path / "r.db")
    proc = run("sweep", spec_file, "--processes", "1", "--db", db, cwd=tmp_path)
    assert proc.returncode == 2
    assert "(pnh-5.rest-2), field 'headcount[1].min': PNH's minimum 5 is above its maximum" \
        in proc.stderr
    assert Store(db).scenarios() == [] and Store(db).plans() == []


def _outcome(store: Store) -> dict[str, tuple[int | None, tuple[object, ...]]]:
    """Each scenario's plan as (objective, deployments)."""
    out = {}
    for scenario in store.scenarios():
        assert len(scenario.plans) == 1
        stored = store.load(scenario.plans[0])
        verdict = validate(stored.instance, stored.plan)
        assert verdict.ok and verdict.objective == stored.objective
        out[scenario.name] = (stored.objective, stored.plan.deployments)
    return out


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """A Dask scheduler and two worker processes on 127.0.0.1 at free ports, stopped after."""
    dask = str(Path(sys.executable).with_name("dask"))
    info = tmp_path / "scheduler.json"
    common = ["--no-dashboard"]
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--scheduler-file", str(info), *common],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.exists(), "the scheduler did not start"
        for _ in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", "--scheduler-file", str(info), "--nworkers", "1",
                 "--nthreads", "1", "--host", "127.0.0.1", "--local-directory",
                 str(tmp_path / "workers"), *common],
                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        address = json.loads(info.read_text())["address"]
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=90)
            assert len(client.scheduler_info()["workers"]) == 2
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_dask_cluster_gives_the_process_pool_s_plans(spec_file: Path, tmp_path: Path,
                                                       cluster: str) -> None:
    spec = read_spec(spec_file)
    settings = SolverSettings(time_limit=20, workers=1, seed=3)
    here, there = Store(sqlite(tmp_path / "pool.db")), Store(sqlite(tmp_path / "cluster.db"))
    seen: list[tuple[int, int]] = []
    pooled = run_sweep(here, spec, processes=2, settings=settings,
                       progress=lambda _, done, total: seen.append((done, total)))
    clustered = run_sweep(there, spec, cluster=cluster, settings=settings)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [o.scenario for o in pooled] == [o.scenario for o in clustered]
    assert all(o.plan_id is not None for o in pooled + clustered)
    assert _outcome(here) == _outcome(there)
    assert len(_outcome(here)) == 4


def test_sweep_command_prints_the_table(spec_file: Path, tmp_path: Path) -> None:
    db = sqlite(tmp_path / "r.db")
    proc = run("sweep", spec_file, "--processes", "2", "--db", db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Sweep grid: 4 scenarios" in proc.stdout
    assert "4/4" in proc.stderr
    assert [s.name for s in Store(db).scenarios()] == [
        "grid.pnh-1.rest-2", "grid.pnh-1.rest-3", "grid.pnh-2.rest-2", "grid.pnh-2.rest-3"]
    again = run("sweep", spec_file, "--processes", "1", "--db", db, cwd=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr
