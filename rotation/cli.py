"""The ``rotation`` command: a thin layer that wires the jobs together and renders their results.

This is the only module that imports typer. Errors are mapped to exit codes in one place
(:func:`main`): 0 success, 1 infeasible or no plan within the limit, 2 invalid input (including
a plan, officer or folder that does not exist), 3 storage error.
"""

from __future__ import annotations

import getpass
import os
import re
import signal
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console, HighlighterType, JustifyMethod, OverflowMethod
from rich.style import Style
from rich.table import Table
from rich.text import Text

from constraints import skill_mix
from constraints.coverage import unmet
from rotation import storage
from rotation.calendars.feeds import check_subject, new_token
from rotation.compare import compare, load_sides, write_csv_tables, write_json_file
from rotation.compare_html import write_html
from rotation.domain import Instance, InvalidObject, SolverSettings
from rotation.errors import InfeasibleError, InputError, Problem, RotationError, interrupted
from rotation.explain import (
    explain_mix,
    explain_officer,
    explain_posting,
    explain_shortfall,
)
from rotation.io import read_case
from rotation.plan import (
    MixShortfall,
    Plan,
    Progress,
    Result,
    Shortfall,
    SolveStatus,
    relative_gap,
)
from rotation.report import roster, staffing
from rotation.scenario_jobs import (
    adapt,
    base_plan,
    create,
    resolve,
    snapshot_instance,
    solve_scenario,
)
from rotation.scenarios import changes, parse
from rotation.storage import ENV_VAR, Store, StoredPlan
from rotation.sweep import Swept, read_spec, run_sweep, sweep_settings
from rotation.workflow import (
    FORMATS,
    choose_plan,
    export,
    import_plan,
    interrupts_deferred,
    publish,
    report,
    solve_and_store,
    why_no_plan,
)

__all__ = ["app", "main"]

app = typer.Typer(
    help="Plan deployments and rotations of officers to postings abroad.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Escape sequences (CSI, OSC with its BEL or ST end, two-byte ESC ones, 8-bit CSI), then any
# control character left but newline and tab, and the bidirectional overrides, which reorder
# what a terminal shows.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """Text from the input, fit for a terminal: escape sequences and control characters
    removed (a name must not recolour, retitle or clear the planner's terminal, or make a
    link); everything else kept as it is."""
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


class _Literal(Console):
    """A console that prints every string literally: rich markup and emoji codes are not
    interpreted (an officer named "X [/bold] Y" crashed ``rotation show``; one named
    "[link=...]" made a link), and :func:`plain` removes escape sequences. Styles are given
    with :class:`Text` objects, never in markup."""

    def render_str(
        self,
        text: str,
        *,
        style: str | Style = "",
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        emoji: bool | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        highlighter: HighlighterType | None = None,
    ) -> Text:
        return super().render_str(plain(text), style=style, justify=justify,
                                  overflow=overflow, emoji=False, markup=False,
                                  highlight=highlight, highlighter=highlighter)


def _many(count: int, word: str) -> str:
    """``count`` ``word``s, one without the s ("1 posting", "120 officers")."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _text(value: str, style: str = "") -> Text:
    """Input text as a :class:`Text` (which rich never parses for markup), made plain."""
    return Text(plain(value), style=style)


out = _Literal(markup=False, emoji=False)
# Problems must stay one per line when stderr goes to a log file, so never wrap them.
err = _Literal(stderr=True, soft_wrap=True, markup=False, emoji=False)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=f"Database URL (default: ${ENV_VAR}, else sqlite:///rotation.db)."),
]
MAX_EXPLAINED = 10
PlanArg = Annotated[int | None, typer.Argument(
    help="Plan id (default: the latest published version; the newest plan if none is).")]
ByOption = Annotated[str, typer.Option("--by", help="Who does this, for the audit log.")]
LangOption = Annotated[
    str | None,
    typer.Option("--lang", help="ko or en: the language of calendars, report and workbook "
                                "(default: \\[output] language in rules.toml)."),
]


def example_case() -> Path:
    """The bundled Cambodia case, whether installed from a wheel or run from a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_examples" / "cambodia-2025",
                      here.parent / "examples" / "cambodia-2025"):
        if candidate.is_dir():
            return candidate
    raise InputError("the bundled example examples/cambodia-2025 is not installed")


# ---------------------------------------------------------------------------------------------
# rendering


def _gap(gap: float | None) -> str:
    return "n/a" if gap is None else f"{gap:.2%}"


def _bound(bound: int | None) -> str:
    """Neighbourhood search (large cases) and a kept first plan prove no bound."""
    return "none proven" if bound is None else str(bound)


def _print_result(inst: Instance, result: Result, plan_id: int | None) -> None:
    table = Table(title=f"Solve of {inst.name}", show_header=False)
    table.add_row("status", result.status.value)
    table.add_row("objective", str(result.objective))
    table.add_row("best bound", _bound(result.bound))
    table.add_row("gap", _gap(result.gap))
    table.add_row("wall time", f"{result.wall_time:.2f} s")
    table.add_row("stopped by", result.stopped)
    if result.plan is not None:
        table.add_row("deployments", str(len(result.plan.deployments)))
        table.add_row("officers deployed", str(len(result.plan.officers)))
    for rule, cost in result.cost_by_rule.items():
        table.add_row(f"cost: {rule}", str(cost))
    if plan_id is not None:
        table.add_row("stored as plan", str(plan_id))
    out.print(table)
    for note in result.notes:
        out.print(f"Note: {note}.", highlight=False)
    if result.plan is not None:
        _print_unmet(inst, result.plan, list(result.unmet))
        _print_mix(inst, result.plan, list(result.unmet_mix))


def _print_unmet(inst: Instance, plan: Plan, gaps: list[Shortfall]) -> None:
    if not gaps:
        out.print("All demand met.")
        return
    table = Table(title="Unmet demand", title_style="bold red")
    for column in ("posting", "month", "needed", "assigned", "short"):
        table.add_column(column)
    for g in gaps:
        table.add_row(g.posting, g.month, str(g.required), str(g.assigned), str(g.missing))
    out.print(table)
    shown = gaps[:MAX_EXPLAINED]
    for g in shown:
        out.print(f"- {explain_shortfall(inst, plan, g)}", highlight=False)
    if len(gaps) > len(shown):
        more = len(gaps) - len(shown)
        out.print(f"  ({more} more; 'rotation show --posting ID' explains one posting)")


def _print_mix(inst: Instance, plan: Plan, gaps: list[MixShortfall]) -> None:
    if not gaps:
        return
    table = Table(title="Supervisors and specialists missing", title_style="bold red")
    for column in ("posting", "month", "role", "needed", "there", "short"):
        table.add_column(column)
    for g in gaps:
        table.add_row(g.posting, g.month, g.role, str(g.required), str(g.present),
                      str(g.missing))
    out.print(table)
    shown = gaps[:MAX_EXPLAINED]
    for g in shown:
        out.print(f"- {explain_mix(inst, plan, g)}", highlight=False, markup=False)
    if len(gaps) > len(shown):
        out.print(f"  ({len(gaps) - len(shown)} more; 'rotation show --posting ID' lists one "
                  "posting's)")


def _print_conflicts(inst: Instance) -> None:
    """Why there is no plan, in words, found with CP-SAT's assumptions."""
    lines = why_no_plan(inst)
    if lines:
        out.print("Why there is no plan:", style="bold red")
    for line in lines:
        out.print(f"- {line}", highlight=False, markup=False)


def _print_plan(stored: StoredPlan, posting: str | None) -> None:
    inst = stored.instance
    head = Table(title=f"Plan {stored.id}: {stored.case_name}", show_header=False)
    head.add_row("created (UTC)", stored.created_at.strftime("%Y-%m-%d %H:%M:%S"))
    head.add_row("status", stored.status.value)
    head.add_row("objective / bound", f"{stored.objective} / {stored.bound}")
    head.add_row("gap", _gap(stored.gap))
    head.add_row("stopped by", stored.stopped)
    head.add_row("deployments", str(len(stored.plan.deployments)))
    for rule, cost in stored.cost_by_rule.items():
        head.add_row(f"cost: {rule}", str(cost))
    out.print(head)
    cells = staffing(inst, stored.plan)
    names = {o.id: o.name for o in inst.officers}
    for p in inst.postings:
        if posting is not None and p.id != posting:
            continue
        table = Table(title=f"{p.name} ({p.id})")
        for column in ("month", "demand", "assigned", "unmet", "officers"):
            table.add_column(column, overflow="fold")
        for c in cells:
            if c.posting != p.id:
                continue
            who = ", ".join(f"{o} {names.get(o, '')}".strip() for o in c.officers)
            short = Text(str(c.unmet), style="bold red") if c.unmet else "0"
            table.add_row(c.month, f"{c.minimum}-{c.maximum}", str(c.assigned), short, who)
        out.print(table)
    if stored.plan.enrolments:
        table = Table(title=f"Training: {len(stored.plan.enrolments)} enrolments")
        for column in ("officer", "course", "session", "dates"):
            table.add_column(column)
        for e in stored.plan.enrolments:
            if posting is not None and not any(
                d.posting == posting for d in stored.plan.for_officer(e.officer)
            ):
                continue
            table.add_row(f"{e.officer} {names.get(e.officer, '')}", e.course, e.session,
                          f"{e.start}..{e.end}")
        out.print(table)
    gaps = [g for g in unmet(inst, stored.plan) if posting is None or g.posting == posting]
    _print_unmet(inst, stored.plan, gaps)
    mix = [g for g in skill_mix.unmet(inst, stored.plan) if posting is None or g.posting == posting]
    _print_mix(inst, stored.plan, mix)


class _Ticker:
    """Shows the search's progress on stderr: elapsed time, best objective, bound and gap.

    On a terminal it is a live line redrawn several times a second, so the clock moves even
    while no better plan turns up; in a log it is one line per better plan, at most every few
    seconds, so long runs in CI or cron still say where they are.
    """

    LOG_EVERY = 5.0

    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.last: Progress | None = None
        self.logged = -self.LOG_EVERY

    def __rich__(self) -> Text:
        elapsed = time.perf_counter() - self.began
        if self.last is None:
            return Text(f"Solving... {elapsed:5.1f} s, no plan yet")
        p = self.last
        gap = _gap(relative_gap(p.objective, p.bound))
        if p.bound is None:
            # Neighbourhood search improves a plan but proves no bound.
            return Text(f"Solving... {elapsed:5.1f} s  best {p.objective}")
        return Text(f"Solving... {elapsed:5.1f} s  best {p.objective}  bound {p.bound}  gap {gap}")

    def __call__(self, p: Progress) -> None:
        self.last = p
        if not err.is_terminal and p.elapsed - self.logged >= self.LOG_EVERY:
            self.logged = p.elapsed
            err.print(self.__rich__(), highlight=False)


def _solve(case: Path, db: str | None, **overrides: Any) -> tuple[
        Instance, Result, int | None]:
    loaded = read_case(case)
    _print_warnings(loaded.warnings)
    inst = loaded.instance
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        chosen = replace(inst.solver, **given)
    except InvalidObject as e:
        raise InputError(
            [Problem(message, field=f"--{name.replace('_', '-')}") for name, message in e.issues]
        ) from None
    store = Store(db)
    err.print(
        f"{inst.name}: {_many(len(inst.officers), 'officer')}, "
        f"{_many(len(inst.postings), 'posting')}, "
        f"{inst.rules.months} months; time limit {chosen.time_limit:g} s"
        + (f", work limit {chosen.work_limit:g}" if chosen.work_limit else "")
        + f", seed {chosen.seed}, {chosen.workers} worker{'s' if chosen.workers > 1 else ''}"
    )
    ticker = _Ticker()
    try:
        with err.status(ticker):
            solved = solve_and_store(inst, chosen, store, ticker)
    except (KeyboardInterrupt, ImportError) as stop:
        # Before the search had a plan (loading the solver, the model, the first plan): the
        # searches handle Ctrl-C themselves, and a plan in hand is stored whatever comes.
        if not interrupted(stop):
            raise
        raise InfeasibleError("interrupted (Ctrl-C) before any plan was found; nothing "
                              "stored") from None
    result = solved.result
    with interrupts_deferred():
        _print_result(inst, result, solved.plan_id)
    if result.plan is None:
        if result.status is SolveStatus.INFEASIBLE:
            _print_conflicts(inst)
            raise InfeasibleError("no plan: the hard rules cannot all hold together")
        if result.stopped == "interrupted":
            raise InfeasibleError("interrupted before any plan was found; nothing stored")
        raise InfeasibleError(
            f"no plan found before the {result.stopped}; raise --time-limit or --work-limit"
        )
    return inst, result, solved.plan_id


def _chosen(store: Store, plan: int | None, published_only: bool = False) -> int:
    """The plan a command works on; says which on stderr when it was not named."""
    chosen = choose_plan(store, plan, published_only)
    if plan is None:
        err.print(f"Using {chosen.why}.", highlight=False)
    return chosen.plan_id


# ---------------------------------------------------------------------------------------------
# commands


@app.command()
def check(case: Annotated[Path, typer.Argument(help="Case folder or .xlsx workbook.")]) -> None:
    """Validate a case without solving; lists every problem with file, row and field."""
    loaded = read_case(case)
    _print_warnings(loaded.warnings)
    inst = loaded.instance
    out.print(
        f"{case}: valid. {inst.name}: {_many(len(inst.officers), 'officer')}, "
        f"{_many(len(inst.postings), 'posting')}, {_many(len(inst.demands), 'demand row')}, "
        f"horizon {inst.rules.month_label(0)} to "
        f"{inst.rules.month_label(inst.rules.months - 1)}.", highlight=False
    )
    out.print("Read:", highlight=False)
    width = max(len(where) for where, _ in loaded.reads)
    for where, what in loaded.reads:
        out.print(f"  {where:<{width}}  {what}", highlight=False, soft_wrap=True)


def _print_warnings(warnings: tuple[Problem, ...]) -> None:
    for w in warnings:
        err.print(Text.assemble(("warning: ", "bold yellow"), str(w)), highlight=False)


@app.command()
def template(
    out_path: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
) -> None:
    """Write an empty case as one Excel workbook: a sheet per table, an example row in each."""
    from rotation.template import write_template  # openpyxl only for this command

    write_template(out_path)
    out.print(f"Wrote {out_path}: replace the example rows, then 'rotation check {out_path}'.",
              highlight=False)


@app.command("solve")
def solve_cmd(
    case: Annotated[Path, typer.Argument(help="Case folder or .xlsx workbook.")],
    time_limit: Annotated[float | None, typer.Option(help="Seconds (default: rules.toml).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: rules.toml).")] = None,
    workers: Annotated[int | None, typer.Option(help="Search workers (default: rules.toml).")]
    = None,
    work_limit: Annotated[
        float | None,
        typer.Option(help="Deterministic work limit; a stop there is reproducible."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Solve a case, validate the plan independently and store it."""
    _solve(case, db, time_limit=time_limit, seed=seed, workers=workers, work_limit=work_limit)


@app.command()
def demo(
    db: DbOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the exports.")]
    = Path("out"),
    time_limit: Annotated[float | None, typer.Option(help="Seconds (default: rules.toml).")] = None,
) -> None:
    """Solve the bundled Cambodia task-force case, store it, show it and export it to ./out/."""
    case = example_case()
    _, _, plan_id = _solve(case, db, time_limit=time_limit)
    store = Store(db, create=False)
    entry = publish(store, plan_id, "rotation demo", "the bundled example")
    out.print(f"Published plan {plan_id} as version {entry.version} of '{entry.case_name}'.",
              highlight=False)
    stored = store.load(plan_id)
    _print_plan(stored, None)
    files: list[Path] = []
    for fmt in FORMATS:
        files += export(stored, fmt, out_dir, store=store)
    out.print(f"Wrote {len(files)} files under {out_dir}/ (CSV, JSON, an Excel workbook and "
              "one .ics per officer and per posting).")


@app.command("import-plan")
def import_plan_cmd(
    file: Annotated[Path, typer.Argument(help="A recovery file a failed save wrote.")],
    db: DbOption = None,
) -> None:
    """Store the plan of a recovery file (written when a solve could not save its plan), after
    the validator has checked it again against the input it was solved from."""
    store = Store(db)
    plan_id, found = import_plan(store, file)
    out.print(f"Stored plan {plan_id} ({found.instance.name}, objective "
              f"{found.result.objective}) from {file}; the file may be deleted.", highlight=False)


@app.command()
def training(plan: PlanArg = None, db: DbOption = None) -> None:
    """Per-session roster of a plan: who sits which training session and the seats left."""
    store = Store(db, create=False)
    stored = store.load(_chosen(store, plan))
    names = {o.id: o.name for o in stored.instance.officers}
    rows = roster(stored.instance, stored.plan)
    if not rows:
        out.print("This case has no training sessions (sessions.csv).")
        return
    table = Table(title=f"Training sessions, plan {stored.id}")
    for column in ("session", "course", "dates", "location", "seats", "left", "officers"):
        table.add_column(column, overflow="fold")
    for r in rows:
        who = ", ".join(f"{o} {names.get(o, '')}".strip() for o in r.officers)
        table.add_row(r.session, r.course, f"{r.start}..{r.end}", r.location, str(r.seats),
                      str(r.left), who)
    out.print(table)


@app.command()
def plans(db: DbOption = None) -> None:
    """List stored plans, newest first."""
    store = Store(db, create=False)
    rows = store.plans()
    if not rows:
        out.print(f"No plans in {store.safe_url} yet; run 'rotation solve CASE'.")
        return
    versions = store.versions()
    table = Table(title=f"Plans in {store.safe_url}")
    for column in ("plan", "created (UTC)", "case", "label", "published", "status", "objective",
                   "bound", "input"):
        table.add_column(column)
    for r in rows:
        assert r.id is not None
        published = ", ".join(f"v{v}" for v in versions.get(r.id, [])) or "-"
        table.add_row(str(r.id), r.created_at.strftime("%Y-%m-%d %H:%M:%S"), _text(r.case_name),
                      _text(r.label or ""), published, r.status, str(r.objective),
                      _bound(r.bound), r.input_hash[:12])
    out.print(table)


@app.command()
def show(
    plan: PlanArg = None,
    posting: Annotated[str | None, typer.Option(help="Only this posting id.")] = None,
    db: DbOption = None,
) -> None:
    """Show a plan: per posting and month the demand, who is assigned, and unmet demand."""
    store = Store(db, create=False)
    stored = store.load(_chosen(store, plan))
    if posting is not None and posting not in stored.instance.posting_by_id:
        known = ", ".join(stored.instance.posting_by_id)
        raise InputError(f"unknown posting '{posting}'; this plan has {known}")
    _print_plan(stored, posting)


@app.command("export")
def export_cmd(
    plan: PlanArg = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json, ics or xlsx.")] = "csv",
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("out"),
    officer: Annotated[str | None, typer.Option(help="Only this officer's deployments.")] = None,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Export a stored plan as CSV tables, a JSON document, .ics calendars or an Excel workbook.

    Calendars are one per officer and one per posting, and come from the latest published
    version unless a plan id is given; after a newly published re-plan they update the events
    clients already imported instead of adding new ones.
    """
    store = Store(db, create=False)
    stored = store.load(_chosen(store, plan, published_only=fmt == "ics"))
    files = export(stored, fmt, out_dir, officer, store=store, language=lang)
    out.print(f"Wrote {len(files)} file{'s' if len(files) != 1 else ''} under {out_dir}/.")


@app.command("publish")
def publish_cmd(
    plan: Annotated[int | None, typer.Argument(help="Plan id (default: the newest plan).")]
    = None,
    by: ByOption = "",
    note: Annotated[str, typer.Option(help="Why, for the audit log.")] = "",
    db: DbOption = None,
) -> None:
    """Publish a plan as the next version of its case: officers' calendars and feeds, and
    commanders' reports, show the latest published version. Published versions are never
    changed or deleted; 'rotation history' lists them."""
    store = Store(db, create=False)
    entry = publish(store, plan, by, note)
    out.print(f"Published plan {entry.plan_id} as version {entry.version} of "
              f"'{entry.case_name}' (input {entry.input_hash[:12]}). Calendars and feeds now "
              "show it.", highlight=False)


@app.command("replan")
def replan_cmd(
    changes: Annotated[Path, typer.Argument(help="The changes, a TOML file (docs/replanning.md).")],
    freeze: Annotated[
        str | None,
        typer.Option(help="YYYY-MM-DD: what started before stays as published (default: the "
                          "file's freeze, else today)."),
    ] = None,
    case: Annotated[str | None, typer.Option(help="The case (its name) if several are "
                                                  "published.")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds (default: rules.toml).")] = None,
    work_limit: Annotated[float | None, typer.Option(help="Deterministic work limit.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: rules.toml).")] = None,
    workers: Annotated[int | None, typer.Option(help="Search workers.")] = None,
    db: DbOption = None,
) -> None:
    """Re-plan the latest published version with what changed (withdrawals, leave, credentials,
    courses, headcount, new officers): what started before the freeze date stays, a tour the
    changes end early is cut, and as few officers as possible move. The plan is stored, not
    published; the difference from the published version is shown officer by officer."""
    from rotation.replan import replan, solver_instance

    day = None
    if freeze is not None:
        try:
            day = date.fromisoformat(freeze)
        except ValueError:
            raise InputError(Problem(f"'{freeze}' is not a date; write YYYY-MM-DD",
                                     field="--freeze")) from None
    store = Store(db, create=False)
    overrides = {k: v for k, v in dict(time_limit=time_limit, work_limit=work_limit, seed=seed,
                                       workers=workers).items() if v is not None}
    ticker = _Ticker()
    with err.status(ticker):
        done = replan(store, changes, day, case, _replan_settings(store, case, overrides),
                      ticker)
    inst, result = done.instance, done.result
    out.print(f"Re-plan of version {done.version} of '{inst.name}' (plan {done.published.id}), "
              f"freeze {inst.replan.freeze if inst.replan else day}:", highlight=False)
    for said in done.changes:
        out.print(f"- {said}", highlight=False, markup=False)
    for said in done.cut:
        out.print(f"- kept, but {said}", highlight=False, markup=False)
    _print_result(inst, result, done.plan_id)
    if result.plan is None:
        if result.status is SolveStatus.INFEASIBLE:
            _print_conflicts(solver_instance(inst))
            raise InfeasibleError("no plan: the changes leave the hard rules unable to hold "
                                  "together")
        raise InfeasibleError(f"no plan found before the {result.stopped}; raise --time-limit")
    table = Table(title=f"Officers whose plan changes: {len(done.moves)}")
    table.add_column("officer")
    table.add_column("what changes", overflow="fold")
    for move in done.moves:
        table.add_row(Text(move.officer), Text(move.text))
    out.print(table)
    if done.plan_id is not None:
        out.print(f"Publish it with 'rotation publish {done.plan_id} --by NAME'.", highlight=False)


def _replan_settings(store: Store, case: str | None, overrides: dict[str, Any]
                     ) -> SolverSettings | None:
    """The published case's solver settings with the command's options; None for the
    defaults of the case (the re-plan reads them from the published input)."""
    if not overrides:
        return None
    cases = [case] if case is not None else store.published_cases()
    latest = store.published(cases[0]) if cases else None
    if latest is None or latest.plan_id is None:
        return None
    try:
        return replace(store.load(latest.plan_id).instance.solver, **overrides)
    except InvalidObject as e:
        raise InputError([Problem(message, field=f"--{name.replace('_', '-')}")
                          for name, message in e.issues]) from None


@app.command()
def explain(
    plan: PlanArg = None,
    officer: Annotated[str | None, typer.Option(help="Why this officer serves where and when, "
                                                     "and why not elsewhere.")] = None,
    posting: Annotated[str | None, typer.Option(help="With --month: who could have been "
                                                     "there, and why each was not.")] = None,
    month: Annotated[str | None, typer.Option(help="YYYY-MM, with --posting.")] = None,
    db: DbOption = None,
) -> None:
    """Explain a plan in the rules' own words: an officer's tours and every start they were
    not given, or a posting's month officer by officer. Reading only."""
    store = Store(db, create=False)
    stored = store.load(_chosen(store, plan))
    inst = stored.instance
    if (officer is None) == (posting is None) or (posting is None) != (month is None):
        raise InputError(Problem("give --officer ID, or --posting ID with --month YYYY-MM",
                                 field="--officer/--posting"))
    if officer is not None:
        found = explain_officer(inst, stored.plan, officer)
        name = inst.officer_by_id[officer].name
        table = Table(title=f"{officer} {name}: tours in plan {stored.id}")
        for column in ("posting", "from", "why"):
            table.add_column(column, overflow="fold")
        for w in found.tours:
            table.add_row(w.posting, w.start, Text(w.text))
        out.print(table)
        table = Table(title="Starts not in the plan, and why")
        for column in ("posting", "starting", "why not"):
            table.add_column(column, overflow="fold")
        for where, first, last, w in found.elsewhere:
            table.add_row(where, first if first == last else f"{first}..{last}", Text(w.text))
        out.print(table)
        return
    assert posting is not None and month is not None
    whys = explain_posting(inst, stored.plan, posting, month)
    table = Table(title=f"{inst.posting_by_id[posting].name} in {month}, plan {stored.id}")
    for column in ("officer", "tour from", "why"):
        table.add_column(column, overflow="fold")
    for w in sorted(whys, key=lambda w: ({"deployed": 0, "not needed": 1}.get(w.kind, 2),
                                         w.officer)):
        table.add_row(Text(w.officer), w.start, Text(w.text))
    out.print(table)


@app.command()
def history(
    case: Annotated[str | None, typer.Option(help="Only this case (its name).")] = None,
    db: DbOption = None,
) -> None:
    """The audit log, newest first: who published which plan as which version, from which
    input and parameters, with their note; labels and deletions too."""
    entries = Store(db, create=False).history(case)
    if not entries:
        out.print("Nothing published, labelled or deleted yet.")
        return
    # One case (the usual) goes in the title; the plan and version go with the action, the
    # input with its parameters, one per line: as nine columns every cell folded to a few
    # letters in an 80-column terminal.
    cases = {e.case_name for e in entries}
    single = len(cases) == 1
    table = Table(title=_text(f"History of {next(iter(cases))}" if single else "History"),
                  show_lines=True)
    table.add_column("when (UTC)", no_wrap=True)
    for column in ("who", "what", *([] if single else ["case"]), "from", "note"):
        table.add_column(column, overflow="fold")
    for e in entries:
        what = f"{e.action} plan {e.plan_id or '-'}"
        if e.version is not None:
            what += f" as version {e.version}"
        source = "\n".join([f"input {e.input_hash[:12]}",
                            *(f"{k}={v}" for k, v in sorted(e.parameters.items()))])
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), _text(e.actor), what,
                      *([] if single else [_text(e.case_name)]), _text(source), _text(e.note))
    out.print(table)


@app.command()
def label(
    plan: Annotated[int, typer.Argument(help="Plan id.")],
    text: Annotated[str, typer.Argument(help="The label; an empty one removes it.")],
    by: ByOption = "",
    db: DbOption = None,
) -> None:
    """Give a stored plan a label, shown by 'rotation plans'."""
    Store(db, create=False).label(plan, text, by or _user(), datetime.now(UTC))
    out.print(f"Plan {plan} labelled '{text}'." if text else f"Plan {plan}'s label removed.",
              highlight=False)


@app.command()
def delete(
    plan: Annotated[int, typer.Argument(help="Plan id.")],
    by: ByOption = "",
    db: DbOption = None,
) -> None:
    """Delete a plan that was never published; published versions are kept for good."""
    Store(db, create=False).delete(plan, by or _user(), datetime.now(UTC))
    out.print(f"Deleted plan {plan}.")


def _user() -> str:
    """Who runs the command, for the audit log when --by is not given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# ---------------------------------------------------------------------------------------------
# the database itself

db_app = typer.Typer(
    help="The plan database: its schema version, upgrades and backups.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


def _print_status(found: storage.Status) -> None:
    table = Table(title=f"Database {found.url}", show_header=False)
    table.add_row("backend", found.backend)
    schema = found.schema
    state = {
        "current": f"{schema.revision}, up to date",
        "older": f"{schema.revision}{' (unversioned)' if schema.unversioned else ''}, older: "
                 "'rotation db upgrade' brings it to " + storage.SCHEMA_HEAD,
        "newer": f"{schema.revision}, unknown to this version (made by a newer one?)",
        "empty": "no tables yet: 'rotation db init' or 'rotation solve CASE' makes them",
        "foreign": "not a rotation database: " + ", ".join(schema.tables[:8]),
    }[schema.state]
    table.add_row("schema", state)
    for name, value in (("plans", found.plans), ("published versions", found.published),
                        ("live feed links", found.links)):
        if value is not None:
            table.add_row(name, str(value))
    if found.journal is not None:
        table.add_row("journal", found.journal)
    if found.mode is not None:
        private = not found.mode & 0o077
        table.add_row("permissions", f"{found.mode:04o}" + (
            "" if private else " (others may read it: chmod 600 the file and its -wal, -shm)"))
    if found.intact is not None:
        table.add_row("integrity", found.intact)
    out.print(table)


@db_app.command("status")
def db_status(db: DbOption = None) -> None:
    """Show the database's schema version, what it holds and (SQLite) its journal mode,
    permissions and integrity; writes nothing. Exits 3 unless this version can use it."""
    found = storage.status(db)
    _print_status(found)
    if found.schema.state != "current" or found.intact not in (None, "ok"):
        raise typer.Exit(3)


@db_app.command("init")
def db_init(db: DbOption = None) -> None:
    """Create an empty plan database (the file, for SQLite, readable by its owner only) with
    the current schema; an up-to-date one is left as it is."""
    store = Store(db)
    out.print(f"{store.safe_url} is ready (schema {store.schema.revision}).", highlight=False)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Bring a database made by an older version up to date, keeping every row; one
    transaction, so a failed upgrade changes nothing. Back it up first ('rotation db backup')."""
    before, after = storage.upgrade(db)
    where = storage.safe_url(storage.resolve_url(db))
    if before == after:
        out.print(f"{where} is up to date (schema {after.revision}).", highlight=False)
        return
    unversioned = " (made before schema versions were recorded)" if before.unversioned else ""
    out.print(f"Upgraded {where} from schema {before.revision}{unversioned} to "
              f"{after.revision}.", highlight=False)
    if before.revision == "0001":
        out.print("Nothing is published yet: feeds answer 404 until 'rotation publish PLAN "
                  "--by NAME' publishes a plan; calendar history carries on from what was "
                  "served.", highlight=False)


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="The copy to write (a new file).")],
    db: DbOption = None,
) -> None:
    """Copy a SQLite database to FILE while it is in use (SQLite's online backup), readable by
    its owner only. For PostgreSQL use pg_dump (README, 'Where plans are stored')."""
    copy = storage.backup(db, file)
    out.print(f"Backed up to {file}: {copy.plans} plans, schema {copy.schema.revision}, "
              f"integrity {copy.intact}.", highlight=False)


# ---------------------------------------------------------------------------------------------
# calendar feeds

FEED_URL_VAR = "ROTATION_FEED_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8080"

feeds_app = typer.Typer(
    help="Subscription links to officers' and postings' calendars (served by 'rotation serve').",
    no_args_is_help=True,
)
app.add_typer(feeds_app, name="feeds")


def _subject(officer: str | None, posting: str | None) -> tuple[str, str]:
    if (officer is None) == (posting is None):
        raise InputError(Problem("name exactly one of --officer or --posting",
                                 field="--officer/--posting"))
    if officer is not None:
        return "officer", officer
    assert posting is not None
    return "posting", posting


@feeds_app.command("create")
def feeds_create(
    officer: Annotated[str | None, typer.Option(help="The officer whose calendar to share.")]
    = None,
    posting: Annotated[str | None, typer.Option(help="The posting whose calendar to share.")]
    = None,
    plan: Annotated[int | None, typer.Option(help="Plan whose case the feed belongs to "
                                                  "(default: the latest published version; "
                                                  "the newest plan if none is).")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help=f"Public address of 'rotation serve' (default: ${FEED_URL_VAR}, else "
                          f"{DEFAULT_BASE_URL})."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Make a new subscription link; its address is shown now and never again.

    The feed always serves the latest published version of the case (none while nothing is
    published), so one link follows every re-plan once it is published.
    """
    kind, subject = _subject(officer, posting)
    base = (base_url or os.environ.get(FEED_URL_VAR) or DEFAULT_BASE_URL).rstrip("/")
    scheme, sep, rest = base.partition("://")
    if not sep or scheme not in ("http", "https") or not rest:
        raise InputError(Problem(f"'{base}' is not an http(s) address", field="--base-url"))
    store = Store(db, create=False)
    key = check_subject(store.load(_chosen(store, plan)), kind, subject)
    token, digest = new_token()
    link = store.add_token(digest, key.case, kind, subject, datetime.now(UTC))
    url = f"{base}/feeds/{token}.ics"
    out.print(f"Feed link {link} for {kind} {subject} ({key.case}):", highlight=False)
    out.print(url, highlight=False, soft_wrap=True)
    out.print(f"webcal://{rest}/feeds/{token}.ics", highlight=False, soft_wrap=True)
    out.print("Keep it like a password: anyone with the address can read the calendar. "
              f"'rotation feeds revoke {link}' ends it.", highlight=False)


@feeds_app.command("list")
def feeds_list(db: DbOption = None) -> None:
    """List subscription links (never their tokens, which are not kept)."""
    rows = Store(db, create=False).tokens()
    if not rows:
        out.print("No feed links yet; 'rotation feeds create --officer ID' makes one.")
        return
    table = Table(title="Feed links")
    for column in ("link", "case", "kind", "for", "created (UTC)", "revoked (UTC)"):
        table.add_column(column)
    for r in rows:
        revoked = r.revoked_at.strftime("%Y-%m-%d %H:%M") if r.revoked_at else "-"
        table.add_row(str(r.id), r.case_name, r.kind, r.subject,
                      r.created_at.strftime("%Y-%m-%d %H:%M"), revoked)
    out.print(table)


@feeds_app.command("revoke")
def feeds_revoke(
    links: Annotated[list[int] | None, typer.Argument(help="Link ids from 'feeds list'.")]
    = None,
    officer: Annotated[str | None, typer.Option(help="Revoke every link of this officer.")]
    = None,
    posting: Annotated[str | None, typer.Option(help="Revoke every link of this posting.")]
    = None,
    db: DbOption = None,
) -> None:
    """Revoke links: their addresses answer 404 from the next request on."""
    store = Store(db, create=False)
    ids = list(links or [])
    if officer is not None or posting is not None:
        kind, subject = _subject(officer, posting)
        matching = [t.id for t in store.tokens() if t.kind == kind and t.subject == subject]
        if not matching:
            raise InputError(Problem(f"{kind} '{subject}' has no feed links",
                                     field=f"--{kind}"))
        ids += matching
    if not ids:
        raise InputError(Problem("name the links to revoke, or --officer/--posting",
                                 field="LINKS"))
    revoked = store.revoke_tokens(sorted(set(ids)), datetime.now(UTC))
    out.print(f"Revoked {len(revoked)} feed link{'s' if len(revoked) != 1 else ''}: "
              + ", ".join(str(t.id) for t in revoked), highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    ssl_certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM) for https.")]
    = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    max_requests: Annotated[
        int | None, typer.Option(help="Stop after this many requests (for a supervisor that "
                                      "restarts the server).")
    ] = None,
    max_connections: Annotated[int, typer.Option(
        help="Open connections beyond which new requests are answered 503 at once.")] = 1000,
    request_timeout: Annotated[float, typer.Option(
        help="Seconds a client has to send a request's headers and body; slower connections "
             "(or ones that send nothing) are closed.")] = 10.0,
    db: DbOption = None,
) -> None:
    """Serve calendar feeds at /feeds/<token>.ics until stopped (Ctrl-C).

    An idle keep-alive connection is closed after 5 s, request headers are limited to 8 KiB;
    see README, 'Where plans are stored', for the limits."""
    from rotation.calendars.server import run

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise InputError(Problem("give both --ssl-certfile and --ssl-keyfile, or neither",
                                 field="--ssl-certfile"))
    for path in (ssl_certfile, ssl_keyfile):
        if path is not None and not path.is_file():
            raise InputError(Problem("is not a file", str(path)))
    if not 0 <= port <= 65535:
        raise InputError(Problem(f"{port} is not a port", field="--port"))
    if not 1 <= max_connections <= 100_000:
        raise InputError(Problem("must be between 1 and 100000", field="--max-connections"))
    if not 0.1 <= request_timeout <= 3600:  # also refuses nan
        raise InputError(Problem("must be between 0.1 and 3600 seconds",
                                 field="--request-timeout"))
    store = Store(db, create=False)
    scheme = "https" if ssl_certfile else "http"
    err.print(f"Serving calendar feeds from {store.safe_url} at {scheme}://{host}:{port}/feeds/"
              "<token>.ics; Ctrl-C stops.", highlight=False)
    run(store, host, port, str(ssl_certfile) if ssl_certfile else None,
        str(ssl_keyfile) if ssl_keyfile else None, max_requests, max_connections,
        request_timeout)


@app.command("report")
def report_cmd(
    plan: PlanArg = None,
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write (or a folder "
                                                         "for report.html).")]
    = Path("report.html"),
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Write a plan's report as one self-contained HTML page: timelines, staffing, fairness.

    The page opens offline and prints; nothing is stored.
    """
    store = Store(db, create=False)
    stored = store.load(_chosen(store, plan))
    written = report(stored, out_file, lang)
    out.print(f"Wrote {written}.", highlight=False)


# ---------------------------------------------------------------------------------------------
# commanders: scenarios, comparison, capacity, sweeps (docs/scenarios.md)

scenario_app = typer.Typer(
    help="What-ifs on a case: named overrides (headcount, postings, rules, pool, training), "
         "solved beside the case without ever changing what is published.",
    no_args_is_help=True,
)
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("create")
def scenario_create(
    file: Annotated[Path, typer.Argument(help="The scenario's TOML file (docs/scenarios.md).")],
    case: Annotated[Path | None, typer.Option(help="The case folder or workbook it applies to "
                                                   "(not needed when the file names a base "
                                                   "scenario).")] = None,
    name: Annotated[str | None, typer.Option(help="Store it under this name instead of the "
                                                  "file's.")] = None,
    by: ByOption = "",
    db: DbOption = None,
) -> None:
    """Check a scenario file against its case and store it with the case's snapshot; nothing is
    stored if any override contradicts the case (exit 2)."""
    stored = create(Store(db), file, case, name, by or _user())
    out.print(f"Stored scenario '{stored.name}' on {stored.base or stored.case_name} "
              f"(input {stored.input_hash[:12]}):", highlight=False)
    for line in changes(parse(stored.overrides_toml, str(file), stored.name)):
        out.print(f"  - {line}", highlight=False, markup=False)
    out.print(f"'rotation scenario solve {stored.name}' solves it.", highlight=False)


@scenario_app.command("list")
def scenario_list(db: DbOption = None) -> None:
    """Stored scenarios, oldest first, with what they build on and their plans."""
    rows = Store(db, create=False).scenarios()
    if not rows:
        out.print("No scenarios yet; 'rotation scenario create FILE --case CASE' stores one.")
        return
    table = Table(title="Scenarios")
    for column in ("name", "builds on", "created (UTC)", "by", "plans", "description"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(Text(r.name), Text(r.base or f"case '{r.case_name}'"),
                      r.created_at.strftime("%Y-%m-%d %H:%M"), Text(r.created_by),
                      ", ".join(map(str, r.plans)) or "-", Text(r.description))
    out.print(table)


@scenario_app.command("show")
def scenario_show(
    name: Annotated[str, typer.Argument(help="The scenario's name.")],
    toml: Annotated[bool, typer.Option("--toml", help="Print only its file, to hand over.")]
    = False,
    db: DbOption = None,
) -> None:
    """What a scenario changes, what it builds on and its plans; --toml prints its file."""
    store = Store(db, create=False)
    stored, base, inst = resolve(store, name)
    if toml:
        sys.stdout.write(stored.overrides_toml)
        return
    head = Table(title=f"Scenario {stored.name}", show_header=False)
    head.add_row("description", Text(stored.description or "-"))
    head.add_row("builds on", Text(stored.base or f"case '{stored.case_name}'"))
    head.add_row("case input", stored.input_hash[:12])
    head.add_row("created (UTC)", stored.created_at.strftime("%Y-%m-%d %H:%M:%S"))
    head.add_row("by", Text(stored.created_by))
    head.add_row("officers", f"{len(base.officers)} -> {len(inst.officers)}")
    head.add_row("postings", f"{', '.join(p.id for p in inst.postings)}")
    head.add_row("plans", ", ".join(map(str, stored.plans)) or "none yet")
    out.print(head)
    out.print("Changes:")
    for line in changes(parse(stored.overrides_toml, stored.name, stored.name)):
        out.print(f"  - {line}", highlight=False, markup=False)


@scenario_app.command("delete")
def scenario_delete(
    name: Annotated[str, typer.Argument(help="The scenario's name.")],
    db: DbOption = None,
) -> None:
    """Delete a scenario (not one another scenario builds on); its plans stay stored."""
    plans = Store(db, create=False).delete_scenario(name)
    kept = f"; its plans {', '.join(map(str, plans))} stay ('rotation delete PLAN')" \
        if plans else ""
    out.print(f"Deleted scenario '{name}'{kept}.", highlight=False)


@scenario_app.command("solve")
def scenario_solve(
    name: Annotated[str, typer.Argument(help="The scenario's name.")],
    time_limit: Annotated[float | None, typer.Option(help="Seconds (default: the case's).")]
    = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the case's).")] = None,
    workers: Annotated[int | None, typer.Option(help="Search workers (default: the case's).")]
    = None,
    work_limit: Annotated[float | None, typer.Option(
        help="Deterministic work limit; a stop there is reproducible.")] = None,
    hint: Annotated[bool, typer.Option(help="Start from the base case's plan where it keeps "
                                            "every hard rule and costs less.")] = True,
    db: DbOption = None,
) -> None:
    """Solve a scenario and store the plan, linked to it; never publishes."""
    store = Store(db)
    _, _, inst = resolve(store, name)
    chosen = _settings(inst, time_limit=time_limit, seed=seed, workers=workers,
                       work_limit=work_limit)
    err.print(f"{inst.name}: {_many(len(inst.officers), 'officer')}, "
              f"{_many(len(inst.postings), 'posting')}; time limit {chosen.time_limit:g} s",
              highlight=False)
    ticker = _Ticker()
    with err.status(ticker):
        solved = solve_scenario(store, name, chosen, ticker, use_hint=hint)
    result = solved.result
    _print_result(inst, result, solved.plan_id)
    if solved.hint_plan_id is not None:
        used = "took it" if result.stats.get("hint_used") else "kept its own first plan"
        out.print(f"Started from plan {solved.hint_plan_id} of the base as a hint: the search "
                  f"{used}.", highlight=False)
    if result.plan is None:
        raise InfeasibleError(f"no plan for scenario '{name}' ({result.stopped}); nothing stored")


@app.command("compare")
def compare_cmd(
    plans: Annotated[list[str], typer.Argument(
        help="Two or more plan ids or scenario names (a scenario's newest plan); the first is "
             "the reference.")],
    posting: Annotated[str | None, typer.Option(help="Only this posting's months.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the comparison as "
                                                               "JSON to this file.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write staffing.csv, totals.csv "
                                                             "and officers.csv here.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write one self-contained page "
                                                               "with a chart per posting.")]
    = None,
    db: DbOption = None,
) -> None:
    """Compare plans side by side: staffing per posting and month, totals, and the officers
    whose deployments differ. Reading only: nothing is stored."""
    comparison = compare(load_sides(Store(db, create=False), plans))
    if posting is not None and posting not in dict(comparison.postings):
        raise InputError(Problem(f"unknown posting '{posting}'; these plans have "
                                 f"{', '.join(dict(comparison.postings))}", field="--posting"))
    written: list[Path] = []
    if json_out is not None:
        written.append(write_json_file(comparison, json_out))
    if csv_out is not None:
        written += write_csv_tables(comparison, csv_out)
    if html_out is not None:
        written.append(write_html(comparison, html_out))
    if written:
        out.print("Wrote " + ", ".join(str(w) for w in written) + ".", highlight=False)
        return
    labels = [s.label for s in comparison.sides]
    totals = Table(title="Totals")
    totals.add_column("figure")
    for label in labels:
        totals.add_column(label, justify="right")
    for row in comparison.totals_rows():
        totals.add_row(str(row["figure"]), *(str(row[label]) for label in labels))
    out.print(totals)
    for pid, name in comparison.postings:
        if posting is not None and pid != posting:
            continue
        table = Table(title=f"{name} ({pid}): demand / assigned / unmet")
        table.add_column("month")
        for label in labels:
            table.add_column(label, justify="right")
        for month in comparison.months:
            cells = comparison.cells[pid, month]
            table.add_row(month, *(
                "-" if c is None else (f"{c.minimum}-{c.maximum} / {c.assigned} / "
                                       + (f"[bold red]{c.unmet}[/]" if c.unmet else "0"))
                for c in cells))
        out.print(table)
    moved = Table(title=f"Officers whose deployments differ: {len(comparison.officers)}")
    moved.add_column("officer")
    for label in labels:
        moved.add_column(label, overflow="fold")
    for o in comparison.officers:
        moved.add_row(Text(f"{o.officer} {o.name}"), *(Text(t) for t in o.deployments))
    out.print(moved)


@app.command("capacity")
def capacity_cmd(
    scenario: Annotated[str | None, typer.Argument(
        help="A stored scenario (default: the case of the latest published version, or of the "
             "newest plan).")] = None,
    posting: Annotated[str, typer.Option(help="The posting to fill.")] = "",
    from_month: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM).")]
    = None,
    to_month: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM).")] = None,
    uniform: Annotated[bool, typer.Option(help="One headcount held in every month of the "
                                               "range, instead of each month's own.")] = False,
    case: Annotated[Path | None, typer.Option(help="Ask of this case folder or workbook.")]
    = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds for all the searches "
                                                          "(default: the case's).")] = None,
    db: DbOption = None,
) -> None:
    """The most officers a posting can hold in each month (or uniformly) with the current pool
    and rules while every other posting keeps its minimum, found by optimisation, and what
    binds it. Reading only: nothing is stored."""
    from rotation.capacity import capacity

    if not posting:
        raise InputError(Problem("name the posting: --posting ID", field="--posting"))
    if scenario is not None and case is not None:
        raise InputError(Problem("name a scenario or --case, not both", field="--case"))
    # Plans already known for the input asked about: no month's answer is below theirs.
    known: list[Plan] = []
    if case is not None:
        inst = read_case(case).instance
    elif scenario is not None:
        store = Store(db, create=False)
        stored, _, inst = resolve(store, scenario)
        known += [store.load(stored.plans[-1]).plan] if stored.plans else []
        base_id = base_plan(store, stored)
        known += [adapt(inst, store.load(base_id).plan)] if base_id is not None else []
    else:
        latest = _case_of_latest(Store(db, create=False))
        inst = latest.instance
        known.append(latest.plan)
    settings = _settings(inst, time_limit=time_limit)
    err.print(f"{inst.name}: how many officers {posting} can hold; up to "
              f"{settings.time_limit:g} s", highlight=False)
    with err.status("Searching..."):
        answer = capacity(inst, posting, from_month, to_month, uniform, settings, known)
    table = Table(title=f"Capacity of {answer.posting_name} ({answer.posting}), "
                        f"{answer.first}..{answer.last}")
    for column in ("month", "demand", "can hold", "proven"):
        table.add_column(column)
    for m in answer.months:
        table.add_row(m.month, f"{m.demand[0]}-{m.demand[1]}", str(m.capacity),
                      "yes" if m.proven else f"no (at most {m.bound})")
    out.print(table)
    if answer.uniform:
        out.print(f"{answer.posting_name} can hold {answer.value} officers in every month from "
                  f"{answer.first} to {answer.last}"
                  + ("" if answer.proven else " (not proven within the time limit)") + ".",
                  highlight=False)
    if answer.others_short:
        out.print(f"The other postings are left {answer.others_short} short (officer-months and "
                  "missing supervisors or specialists), as in the best plan of the case.",
                  highlight=False)
    tightest = min(answer.months, key=lambda m: (m.capacity, m.month))
    out.print(tightest.binds, highlight=False, markup=False)
    out.print(f"({answer.wall_time:.1f} s)", highlight=False)


@app.command("sweep")
def sweep_cmd(
    spec: Annotated[Path, typer.Argument(help="The sweep's TOML file (docs/scenarios.md).")],
    processes: Annotated[int, typer.Option(help="Local processes solving at once.")]
    = max(1, os.cpu_count() or 1),
    cluster: Annotated[str | None, typer.Option(
        help="Run on the Dask scheduler at this address (e.g. tcp://10.0.0.5:8786) instead.")]
    = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per scenario.")] = None,
    work_limit: Annotated[float | None, typer.Option(help="Work limit per scenario.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    by: ByOption = "",
    db: DbOption = None,
) -> None:
    """Solve a grid of scenarios, here on this machine's cores or on a Dask cluster, store every
    plan linked to its scenario and print a comparison table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    sweep = read_spec(spec)
    store = Store(db)
    settings = None
    if time_limit is not None or work_limit is not None or seed is not None:
        if sweep.base:
            base = snapshot_instance(store.scenario(sweep.base).input_json)
        else:
            assert sweep.case is not None
            base = read_case(sweep.case).instance
        settings = _settings(replace(base, solver=sweep_settings(sweep, base)),
                             time_limit=time_limit, work_limit=work_limit, seed=seed)
    where = f"the Dask cluster at {cluster}" if cluster else \
        f"{processes} local process{'es' * (processes > 1)}"
    err.print(f"Sweep {sweep.name}: axes "
              + ", ".join(f"{a} {v}" for a, v in sweep.axes.items()) + f", on {where}.",
              highlight=False)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err)
    with bar:
        task = bar.add_task("Solving", total=None)

        def tick(swept: Swept, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total,
                       description=f"Solved {swept.scenario}")

        outcomes = run_sweep(store, sweep, processes, cluster, settings, tick, by or _user())
    solved = [o for o in outcomes if o.plan_id is not None]
    totals = {}
    if solved:
        refs = [str(o.plan_id) for o in solved]
        comparison = compare(load_sides(store, refs if len(refs) > 1 else refs * 2))
        totals = {side.plan_id: t for side, t in zip(comparison.sides, comparison.totals,
                                                     strict=True)}
    table = Table(title=f"Sweep {sweep.name}: {len(outcomes)} scenarios")
    for column in (*sweep.axes, "plan", "status", "objective", "unmet officer-months",
                   "mix missing", "officers deployed", "training seats", "solve s"):
        table.add_column(column, justify="right")
    for o in outcomes:
        t = totals.get(o.plan_id) if o.plan_id is not None else None
        table.add_row(*(str(o.point.values[a]) for a in sweep.axes),
                      str(o.plan_id or "-"), o.result.status.value, str(o.result.objective),
                      str(t.unmet_officer_months) if t else "-", str(t.mix_missing) if t else "-",
                      str(t.officers_deployed) if t else "-", str(t.training_seats) if t else "-",
                      f"{o.result.wall_time:.1f}")
    out.print(table)
    out.print("'rotation compare PLAN PLAN...' compares any of them in full.", highlight=False)


def _case_of_latest(store: Store) -> StoredPlan:
    """The latest published version, else the newest plan of a case (never a scenario's plan:
    a what-if is asked about by its name): its input is the case asked about."""
    cases = store.published_cases()
    if cases:
        latest = store.published(cases[0])
        assert latest is not None and latest.plan_id is not None
        err.print(f"Asking of the case of plan {latest.plan_id}, published version "
                  f"{latest.version}.", highlight=False)
        return store.load(latest.plan_id)
    for row in store.plans():
        if row.id is not None and store.scenario_of(row.id) is None:
            err.print(f"Asking of the case of plan {row.id}, the newest (nothing is published "
                      "yet).", highlight=False)
            return store.load(row.id)
    raise InputError(Problem(f"no plan of a case is stored in {store.safe_url}; name a "
                             "scenario or --case FOLDER", field="SCENARIO"))


def _settings(inst: Instance, **overrides: Any) -> SolverSettings:
    """The case's solver settings with the options given on the command line."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return replace(inst.solver, **given)
    except InvalidObject as e:
        raise InputError(
            [Problem(message, field=f"--{name.replace('_', '-')}") for name, message in e.issues]
        ) from None


def main() -> None:
    """Entry point: run the app and turn the project's errors into messages and exit codes.

    Typer handles usage errors itself (exit 2); the project's own errors come through here.
    """
    # Every file and folder the commands create (database, exports, backups, recovery files)
    # is for its owner only: they hold names, leave reasons and the key behind calendar UIDs.
    umask = os.umask(0o077)
    previous = signal.signal(signal.SIGINT, _interrupt)
    code: int | str | None = 0
    try:
        app()
    except RotationError as e:
        err.print(Text.assemble(("error: ", "bold red"), plain(str(e))), highlight=False)
        code = e.exit_code
    except SystemExit as stop:
        code = stop.code
        if code == 130:  # typer's answer to Ctrl-C in a command that does not handle it
            err.print("error: interrupted (Ctrl-C)", highlight=False)
    except (KeyboardInterrupt, ImportError) as stop:
        if not interrupted(stop):
            raise
        err.print("error: interrupted (Ctrl-C)", highlight=False)
        code = 130
    finally:
        os.umask(umask)
        signal.signal(signal.SIGINT, previous)
    sys.exit(code)


# Libraries whose native code calls back into Python and prints, then swallows, whatever the
# callback raises: Ctrl-C landing in such a callback printed a KeyboardInterrupt traceback and
# the solve went on.
_SWALLOWING = (f"{os.sep}google{os.sep}protobuf{os.sep}", f"{os.sep}ortools{os.sep}")


def _interrupt(number: int, frame: FrameType | None) -> None:
    """Ctrl-C: KeyboardInterrupt, as Python's own handler raises, unless it would land in a
    callback from native code (see ``_SWALLOWING``); then the signal comes again 50 ms later,
    to find Python code that can stop, or a search that handles it itself."""
    if frame is not None and any(part in frame.f_code.co_filename for part in _SWALLOWING):
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
        return
    raise KeyboardInterrupt
