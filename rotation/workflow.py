"""The everyday jobs, composed from the layers below; the CLI calls these and only renders.

Keeping them here (not in the CLI) lets tests, scripts and a future web front run the same jobs
with the same guarantees: a plan is validated before it is stored, and an export writes either
every file or none.
"""

from __future__ import annotations

import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from rotation import recovery
from rotation.calendars.events import FeedKey
from rotation.calendars.feeds import calendars, feed_keys, publish_plan
from rotation.domain import Instance, SolverSettings
from rotation.errors import (
    InputError,
    NotFoundError,
    NotStoredError,
    Problem,
    RotationError,
    StorageError,
)
from rotation.explain import explain_infeasible
from rotation.html_report import write_report
from rotation.i18n import check_language
from rotation.plan import Progress, Result
from rotation.private import private_folder
from rotation.recovery import Recovered
from rotation.report import (
    ENROLMENT_COLUMNS,
    deployment_rows,
    enrolment_rows,
    staffing,
    write_csv,
    write_json,
)
from rotation.storage import AuditEntry, Store, StoredPlan
from rotation.validate import Verdict, validate
from rotation.workbook import write_workbook

__all__ = ["FORMATS", "Chosen", "Solved", "choose_plan", "export", "import_plan",
           "interrupts_deferred", "keep", "publish", "report", "solve_and_store", "why_no_plan"]

FORMATS = ("csv", "json", "ics", "xlsx")


@dataclass(frozen=True)
class Solved:
    """A finished solve: its result, the validator's verdict and where it was stored."""

    result: Result
    verdict: Verdict | None
    plan_id: int | None


def solve_and_store(
    inst: Instance,
    settings: SolverSettings,
    store: Store | None,
    progress: Callable[[Progress], None] | None = None,
) -> Solved:
    """Solve, validate independently, and store the plan only if it passes."""
    # Imported here: the solver loads OR-Tools (and with it pandas), a second or more that the
    # commands which only read stored plans need not wait for.
    from rotation.solve import solve

    result = solve(inst, settings, progress)
    if result.plan is None:
        return Solved(result, None, None)
    with interrupts_deferred():
        verdict = validate(inst, result.plan)
        if not verdict.ok or verdict.objective != result.objective:
            details = "; ".join(v.message for v in verdict.violations[:5])
            raise RotationError(
                "the solver returned a plan the validator rejects (a bug; please report it "
                f"with the case files): objective {result.objective} vs {verdict.objective}. "
                f"{details}"
            )
        plan_id = keep(store, inst, result) if store is not None else None
    return Solved(result, verdict, plan_id)


@contextmanager
def interrupts_deferred() -> Iterator[list[int]]:
    """Ctrl-C does not interrupt what runs inside: the search is over and its plan is being
    checked and stored (a second or so), which an interrupt would throw away. The list it
    gives holds the signals that came meanwhile. Only on the main thread (where Python
    handles signals); elsewhere it changes nothing."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: came.append(number))
    try:
        yield came
    finally:
        signal.signal(signal.SIGINT, previous or signal.default_int_handler)


def keep(store: Store, inst: Instance, result: Result, label: str | None = None,
         based_on: int | None = None) -> int:
    """Store a validated plan and return its id. A finished solve is never thrown away: if the
    database will not take it (locked past its timeout, damaged, full, unreachable), the plan
    goes to a recovery file and :class:`NotStoredError` says where and how to store it later."""
    try:
        return store.save(inst, result, label, based_on)
    except StorageError as err:
        try:
            path = recovery.write(inst, result, str(err), label, based_on)
        except OSError as failed:
            raise StorageError(f"{err}; the plan could not be written to a recovery file "
                               f"either: {failed}") from err
        raise NotStoredError(
            f"{err}\nThe plan is kept in {path} (readable by you only): 'rotation import-plan "
            f"{path}' stores it once the database is back (give the same --db).", path,
        ) from err


def import_plan(store: Store, path: Path) -> tuple[int, Recovered]:
    """Store the plan of a recovery file, after the validator has checked it against the input
    it was solved from: no hard rule broken, and the cost it records is the cost it has. The
    stored figures are the validator's (cost by rule, unmet demand); the rest (status, bound,
    wall time, parameters) are the solve's, as recorded."""
    found = recovery.read(path)
    plan = found.result.plan
    assert plan is not None
    verdict = validate(found.instance, plan)
    if not verdict.ok:
        details = "; ".join(v.message for v in verdict.violations[:5])
        raise InputError(Problem(f"its plan breaks a hard rule and is not stored: {details}",
                                 str(path), field="plan"))
    if verdict.objective != found.result.objective:
        raise InputError(Problem(
            f"its plan costs {verdict.objective}, not the {found.result.objective} it records: "
            "the file was edited or damaged; nothing was stored", str(path), field="result"))
    result = replace(found.result, cost_by_rule=verdict.cost_by_rule, unmet=verdict.unmet,
                     unmet_mix=verdict.unmet_mix)
    return store.save(found.instance, result, found.label, found.based_on), found


def _summary(stored: StoredPlan) -> dict[str, object]:
    return {
        "plan": stored.id,
        "case": stored.case_name,
        "created_at": stored.created_at.isoformat(),
        "input_hash": stored.input_hash,
        "status": stored.status.value,
        "objective": stored.objective,
        "bound": stored.bound,
        "gap": stored.gap,
        "wall_time": stored.wall_time,
        "stopped": stored.stopped,
        "parameters": stored.parameters,
        "cost_by_rule": stored.cost_by_rule,
        "unmet": stored.unmet,
    }


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def file_name(ident: str) -> str:
    """A file name for an officer or posting id that cannot leave the folder it is written to.

    Ids are free text in the case files; ``../x`` or ``a/b`` must not become paths.
    """
    if _PLAIN_NAME.fullmatch(ident):
        return ident
    return quote(ident, safe="").replace(".", "%2E")


def _calendar_keys(store: Store, stored: StoredPlan, officer: str | None) -> list[FeedKey]:
    officers = feed_keys(store, stored, "officer")
    if officer is None:
        return officers + feed_keys(store, stored, "posting")
    chosen = [k for k in officers if k.subject == officer]
    if not chosen:
        raise InputError(
            Problem(f"officer '{officer}' has no deployment in plan {stored.id}",
                    field="--officer")
        )
    return chosen


def export(
    stored: StoredPlan,
    fmt: str,
    out: Path,
    officer: str | None = None,
    stamp: datetime | None = None,
    store: Store | None = None,
    language: str | None = None,
) -> list[Path]:
    """Write the plan in ``fmt`` under ``out``; all files appear together or none do.

    Calendars (``ics``) need the ``store`` the plan came from, which keeps their history: for the
    published version they are what its publish recorded (the feeds serve the same), for any
    other plan what publishing it now would show. Nothing is written to the store.
    ``language`` (``ko`` or ``en``; default: the case's ``[output] language``) is the language of
    every text in the export; calendars' UIDs do not depend on it.
    """
    if fmt not in FORMATS:
        raise InputError(Problem(f"'{fmt}' is not a format; use {', '.join(FORMATS)}",
                                 field="--format"))
    inst, plan = stored.instance, stored.plan
    language = check_language(language, inst.output.language)
    keys: list[FeedKey] = []
    if fmt == "ics":
        if store is None:
            raise ValueError("calendars are exported from a store, which keeps their history")
        keys = _calendar_keys(store, stored, officer)
    elif officer is not None:
        if officer not in plan.officers:
            raise InputError(
                Problem(f"officer '{officer}' has no deployment in plan {stored.id}",
                        field="--officer")
            )
        plan = plan.only(officer)
    try:
        private_folder(out)
        staging = Path(tempfile.mkdtemp(prefix=".rotation-export-", dir=out))
    except OSError as err:
        raise InputError(Problem(f"cannot write to this folder: {err.strerror}", str(out),
                                 field="--out")) from err
    try:
        if fmt == "csv":
            write_csv(staging / "deployments.csv", deployment_rows(inst, plan))
            write_csv(staging / "enrolments.csv", enrolment_rows(inst, plan), ENROLMENT_COLUMNS)
            write_csv(
                staging / "staffing.csv",
                [
                    {"posting": s.posting, "month": s.month, "min": s.minimum, "max": s.maximum,
                     "assigned": s.assigned, "unmet": s.unmet, "officers": ";".join(s.officers)}
                    for s in staffing(inst, plan)
                ],
            )
        elif fmt == "xlsx":
            write_workbook(staging / "plan.xlsx", stored, officer, language)
        elif fmt == "json":
            write_json(
                staging / "plan.json",
                {
                    **_summary(stored),
                    "deployments": deployment_rows(inst, plan),
                    "enrolments": enrolment_rows(inst, plan),
                },
            )
        else:
            assert store is not None
            for cal in calendars(store, stored, keys, stamp or datetime.now(UTC), language):
                folder = staging / "calendars"
                if cal.key.kind == "posting":
                    folder = folder / "postings"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{file_name(cal.key.subject)}.ics").write_bytes(cal.data)
        written = []
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            target = out / path.relative_to(staging)
            private_folder(target.parent)
            path.chmod(0o600)
            path.replace(target)
            written.append(target)
        return written
    except OSError as err:
        raise InputError(Problem(f"cannot write the export: {err}", str(out),
                                 field="--out")) from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)



@dataclass(frozen=True)
class Chosen:
    """The plan a command works on, and how it was chosen, in words for the planner."""

    plan_id: int
    why: str


def choose_plan(store: Store, plan_id: int | None, published_only: bool = False) -> Chosen:
    """The plan a command names, or by default the latest published version (of the case
    published last), or if nothing is published and ``published_only`` is False, the newest
    plan. What officers see always comes from a published version, so commands that reach them
    pass ``published_only``."""
    if plan_id is not None:
        return Chosen(plan_id, f"plan {plan_id}")
    cases = store.published_cases()
    if cases:
        latest = store.published(cases[0])
        assert latest is not None and latest.plan_id is not None
        return Chosen(latest.plan_id, f"plan {latest.plan_id}, published version "
                                      f"{latest.version} of '{latest.case_name}'")
    if published_only:
        raise InputError(Problem("no plan is published yet; 'rotation publish PLAN --by NAME' "
                                 "publishes one, or name a plan id", field="PLAN"))
    newest = store.latest_id()
    if newest is None:
        raise NotFoundError(f"no plans stored in {store.safe_url} yet; run 'rotation solve "
                            "CASE' first")
    return Chosen(newest, f"plan {newest}, the newest (nothing is published yet)")


def publish(store: Store, plan_id: int | None, actor: str, note: str,
            now: datetime | None = None) -> AuditEntry:
    """Publish a stored plan (by default the newest) as the next version of its case, after the
    validator has checked it once more against the input it was solved from: officers and
    commanders see only what this has let through."""
    if not actor.strip():
        raise InputError(Problem("say who publishes: --by NAME", field="--by"))
    stored = store.load(plan_id)
    scenario = store.scenario_of(stored.id)
    if scenario is not None:
        raise InputError(Problem(f"plan {stored.id} solves scenario '{scenario}', a what-if; "
                                 "scenarios are never published (publish a plan of the case "
                                 "itself)", field="PLAN"))
    verdict = validate(stored.instance, stored.plan)
    if not verdict.ok:
        details = "; ".join(v.message for v in verdict.violations[:5])
        raise InputError(Problem(f"plan {stored.id} breaks a hard rule and cannot be "
                                 f"published: {details}", field="PLAN"))
    return publish_plan(store, stored, actor.strip(), note, now or datetime.now(UTC))


def report(stored: StoredPlan, out: Path, language: str | None = None) -> Path:
    """Write the plan's HTML report to ``out`` (a file, or a folder for ``report.html``), in
    ``language`` (default: the case's); the page appears whole or not at all. Reading only:
    nothing is stored."""
    return write_report(stored, out, check_language(language, stored.instance.output.language))


def why_no_plan(inst: Instance, seconds: float = 20.0) -> list[str]:
    """For a case the solver found infeasible: the rules in conflict and the facts behind them,
    in words (empty if the conflict is not found within ``seconds``)."""
    # Imported here: OR-Tools only for the commands that solve.
    from rotation.solve.diagnose import conflicts

    found = conflicts(inst, seconds=seconds)
    if not found:
        return []
    return explain_infeasible(inst, [(c.rule, c.rows, c.relaxed_has_plan) for c in found])
