"""A plan as one self-contained HTML page for commanders: timelines, staffing, fairness, inputs.

The page opens offline and makes no request when opened: no script, no font, no image is
fetched; styles are inline and the charts are HTML and CSS (bars placed by percentages of the
horizon), so they scale to any screen width and print as they show. There is no JavaScript at
all: nothing can fail in a reader's browser, and the page stays fast at 5,000 officers.

Written with Jinja2 (``rotation/templates/report.html``): a template keeps the page's structure
in one readable file, its autoescaping escapes every name and text from the case files, and its
i18n extension takes the messages from the same gettext catalogue as the calendars and the
workbook (:mod:`rotation.i18n`), so the report is in Korean or English. A charting library
(Plotly, Vega) was not taken: each would inline 1-4 MB of JavaScript to draw bars that CSS
draws, and draws 20,000 bars in a browser far more slowly.

This module computes what the page shows (as plain values, tested against the plan) and renders
it; it is the only module that imports jinja2.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rotation.domain import Instance
from rotation.errors import InputError, Problem
from rotation.i18n import Texts, texts
from rotation.private import private_folder
from rotation.report import (
    Bar,
    hardship_loads,
    mix,
    posting_colours,
    staffing,
    timeline,
)
from rotation.storage import StoredPlan

__all__ = ["Report", "build_report", "render_report", "write_report"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
DASH = "\u2013"  # an en dash, for ranges of dates and numbers


@dataclass(frozen=True)
class Span:
    """A bar on a timeline: where it sits (percent of the horizon) and what it says."""

    kind: str
    left: float
    width: float
    posting: str
    title: str
    officer: str
    start: str
    end: str


@dataclass(frozen=True)
class Row:
    """One line of a timeline: an officer and their bars."""

    officer: str
    name: str
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class MonthCell:
    """One posting in one month: demand, who is there, and what is missing."""

    label: str
    minimum: int
    maximum: int
    assigned: int
    unmet: int
    missing: tuple[str, ...]
    """Mix requirements not met, in words (e.g. ``cyber 1/2``)."""


@dataclass(frozen=True)
class PostingView:
    id: str
    name: str
    colour: str
    index: int
    months: tuple[MonthCell, ...]
    scale: int
    rows: tuple[Row, ...]

    @property
    def unmet(self) -> int:
        return sum(c.unmet for c in self.months)


@dataclass(frozen=True)
class Report:
    """Everything the page shows, as plain values."""

    language: str
    title: str
    case: str
    plan_id: int
    created: str
    status: str
    """The plan's status in the report's language (``status_code``: the engine's word)."""
    status_code: str
    objective: int | None
    bound: int | None
    gap: str
    wall_time: str
    stopped: str
    """What stopped the search, in the report's language (``stopped_code``: as recorded)."""
    stopped_code: str
    input_hash: str
    deployments: int
    officers_deployed: int
    enrolments: int
    unmet_total: int
    mix_short: int
    cost_by_rule: tuple[tuple[str, str, int], ...]
    """Rule (as the engine names it), its name in the report's language, its cost."""
    parameters: tuple[tuple[str, str, str], ...]
    """Parameter (as recorded), its name in the report's language, its value."""
    rules: tuple[tuple[str, str], ...]
    months: tuple[tuple[str, float, float], ...]
    """Month label, left and width in percent of the horizon (the timelines' axis)."""
    years: tuple[tuple[str, float, float], ...]
    """The same for the years the horizon touches."""
    postings: tuple[PostingView, ...]
    officers: tuple[Row, ...]
    posting_index: dict[str, int]
    histogram: tuple[tuple[str, int, float, bool], ...]
    """Bin label, officers in it, bar height in percent of the tallest, whether above the
    hardship target."""
    hardship_target: int
    hardship_mean: str
    hardship_max: int
    over_target: int


class _Axis:
    """Dates to percentages of the horizon, first day at 0, the day after the last at 100."""

    def __init__(self, inst: Instance) -> None:
        self.first = inst.rules.start
        self.days = (inst.rules.end - self.first).days + 1

    def place(self, start: date, end: date) -> tuple[float, float]:
        left = (start - self.first).days / self.days * 100
        width = ((end - start).days + 1) / self.days * 100
        return round(left, 3), round(width, 3)


def _span(bar: Bar, axis: _Axis, t: Texts, names: dict[str, str], courses: dict[str, str]
          ) -> Span:
    left, width = axis.place(bar.start, bar.end)
    dates = f"{t.day(bar.start)} {DASH} {t.day(bar.end)}"
    what = {
        "deployment": names.get(bar.posting, bar.posting),
        "history": t.gettext("{posting} (recorded)").format(
            posting=names.get(bar.posting, bar.posting)),
        "training": courses.get(bar.label, bar.label),
        "leave": bar.label or t.gettext("away"),
    }[bar.kind]
    return Span(bar.kind, left, width, bar.posting, f"{what}: {dates}", bar.officer,
                bar.start.isoformat(), bar.end.isoformat())


def build_report(stored: StoredPlan, language: str | None = None) -> Report:
    """What the report shows for ``stored``, in ``language`` (default: the case's)."""
    inst, plan = stored.instance, stored.plan
    t = texts(language or inst.output.language)
    axis = _Axis(inst)
    colours = posting_colours(inst)
    pnames = {p.id: t.posting(p) for p in inst.postings}
    courses = {c.id: c.name for c in inst.courses}
    officer = inst.officer_by_id
    bars = timeline(inst, plan)

    def row(officer_id: str, items: list[Bar]) -> Row:
        who = officer.get(officer_id)
        name = f"{who.name} ({t.rank(who.rank)})" if who else officer_id
        return Row(officer_id, name,
                   tuple(_span(b, axis, t, pnames, courses) for b in items))

    officers = tuple(row(o, items) for o, items in bars.items())

    shortfalls: dict[tuple[str, int], list[str]] = {}
    for m in mix(inst, plan):
        if m.missing:
            need = t.gettext("supervisors") if m.need == "supervisors" else m.need
            shortfalls.setdefault((m.posting, m.month), []).append(
                f"{need} {m.present}/{m.required}")
    cells = staffing(inst, plan)
    by_posting: dict[str, list[MonthCell]] = {}
    for c in cells:
        month = inst.rules.month_of_label(c.month)
        by_posting.setdefault(c.posting, []).append(MonthCell(
            t.month(inst.rules.month_start(month)), c.minimum, c.maximum, c.assigned, c.unmet,
            tuple(shortfalls.get((c.posting, month), ()))))
    postings = []
    for i, p in enumerate(inst.postings):
        cells_here = tuple(by_posting.get(p.id, ()))
        scale = max([1, *(max(c.maximum, c.assigned) for c in cells_here)])
        served = [row(o, [b for b in items if b.posting == p.id])
                  for o, items in bars.items()
                  if any(b.posting == p.id for b in items)]
        served.sort(key=lambda r: (r.spans[0].start, r.officer))
        postings.append(PostingView(p.id, pnames[p.id], colours[p.id], i, cells_here, scale,
                                    tuple(served)))

    loads = hardship_loads(inst, plan)
    target = inst.rules.fairness_target
    values = list(loads.values()) or [0]
    top = max(values)
    width = max(1, math.ceil((top + 1) / 24))
    counts = Counter(v // width for v in values)
    tallest = max(counts.values())
    histogram = tuple(
        (f"{b * width}" if width == 1 else f"{b * width}{DASH}{b * width + width - 1}",
         counts.get(b, 0), round(counts.get(b, 0) / tallest * 100, 2), b * width > target)
        for b in range(top // width + 1)
    )

    axis_months = tuple(
        (t.month_short(inst.rules.month_start(m)),
         *axis.place(inst.rules.month_start(m), inst.rules.month_end(m)))
        for m in inst.months
    )
    years = []
    for year in range(inst.rules.start.year, inst.rules.end.year + 1):
        first = max(date(year, 1, 1), inst.rules.start)
        last = min(date(year, 12, 31), inst.rules.end)
        years.append((t.year(first), *axis.place(first, last)))
    r = inst.rules
    rules = (
        (t.gettext("Horizon"), t.gettext("{first} to {last}, {months} months").format(
            first=t.month(r.start), last=t.month(r.month_start(r.months - 1)),
            months=r.months)),
        (t.gettext("Deployment length (months)"), str(r.deployment_months)),
        (t.gettext("Minimum rest between deployments (months)"), str(r.min_rest_months)),
        (t.gettext("Most deployments per officer"),
         str(r.max_deployments) if r.max_deployments is not None else DASH),
        (t.gettext("Hardship target (hardship-months)"), str(r.fairness_target)),
        (t.gettext("Hardship look-back (months)"), str(r.fairness_lookback_months)),
        (t.gettext("Training ends before departure (days)"), str(r.training_lead_days)),
        (t.gettext("Weight: unmet demand"), str(r.weights.unmet_demand)),
        (t.gettext("Weight: fairness"), str(r.weights.fairness)),
        (t.gettext("Weight: preference"), str(r.weights.preference)),
        (t.gettext("Weight: training"), str(r.weights.training)),
    )
    gap = stored.gap
    return Report(
        language=t.language,
        title=t.gettext("Deployment plan {plan}: {case}").format(plan=stored.id,
                                                                 case=inst.name),
        case=inst.name,
        plan_id=stored.id,
        created=f"{t.day(stored.created_at.date())} {stored.created_at:%H:%M} UTC",
        status=t.status(stored.status.value),
        status_code=stored.status.value,
        objective=stored.objective,
        bound=stored.bound,
        gap=DASH if gap is None else f"{gap:.2%}",
        wall_time=t.seconds(stored.wall_time),
        stopped=t.stop_reason(stored.stopped),
        stopped_code=stored.stopped,
        input_hash=stored.input_hash,
        deployments=len(plan.deployments),
        officers_deployed=len({d.officer for d in plan.deployments}),
        enrolments=len(plan.enrolments),
        unmet_total=sum(c.unmet for c in cells),
        mix_short=sum(len(v) for v in shortfalls.values()),
        cost_by_rule=tuple((rule, t.rule(rule), cost)
                           for rule, cost in stored.cost_by_rule.items()),
        parameters=tuple((k, t.parameter(k), str(v)) for k, v in stored.parameters.items()),
        rules=rules,
        months=axis_months,
        years=tuple(years),
        postings=tuple(postings),
        officers=officers,
        posting_index={p.id: i for i, p in enumerate(inst.postings)},
        histogram=histogram,
        hardship_target=target,
        hardship_mean=t.number(round(sum(values) / len(values), 1)),
        hardship_max=top,
        over_target=sum(1 for v in values if v > target),
    )


def _environment(t: Texts) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(t.catalogue, newstyle=True)  # type: ignore[attr-defined]
    return env


def render_report(report: Report) -> str:
    """The page's HTML."""
    t = texts(report.language)
    page: str = _environment(t).get_template("report.html").render(r=report, t=t)
    return page


def write_report(stored: StoredPlan, out: Path, language: str | None = None) -> Path:
    """Write the report to ``out`` (a file, or a folder to put ``report.html`` in), whole or
    not at all: the page is written beside its target and moved into place."""
    target = out / "report.html" if out.is_dir() else out
    page = render_report(build_report(stored, language))
    try:
        private_folder(target.parent)
        # mkstemp makes the file 0600: names and leave are for the owner, as every export.
        handle, temporary = tempfile.mkstemp(prefix=".rotation-report-", suffix=".html",
                                             dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(page)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as err:
        raise InputError(Problem(f"cannot write the report: {err.strerror or err}",
                                 str(target), field="--out")) from err
    return target

