"""A plan as an Excel workbook for the people who live in spreadsheets (HR staff, planners).

Sheets: the plan's summary; the roster (officer x month, each cell the posting, coloured by
posting, or the course or absence that month); deployments; enrolments; staffing (posting x
month: demand, assigned, unmet); unmet demand with its explanation. Every sheet has a frozen
header row and a filter on its columns; dates are real dates, numbers real numbers; headers and
sheet names are in the chosen language (:mod:`rotation.i18n`).

Written with XlsxWriter: it only writes, which is all an export needs, it is fast and small in
memory at 5,000 officers, and each cell is written with its type said explicitly
(``write_string``, ``write_number``, ``write_datetime``), so text is never taken for a formula
or a link. Text is also made formula-safe (:func:`rotation.report.safe_text`) so it stays
harmless when someone copies it out or saves the sheet as CSV. The tests read the files back with
openpyxl, a different library.

This is the only module that imports xlsxwriter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from constraints.facts import touched_months
from rotation.domain import Instance, Officer, month_index
from rotation.explain import explain_shortfall
from rotation.i18n import Texts, texts
from rotation.plan import Plan, Shortfall
from rotation.report import posting_colours, safe_text, staffing, timeline
from rotation.storage import StoredPlan

__all__ = ["SHEETS", "write_workbook"]

Cell = str | int | float | date | None

# Sheet keys in order; their names are messages of the catalogue (see _sheet_names).
SHEETS = ("summary", "roster", "deployments", "enrolments", "staffing", "unmet")


def _sheet_names(t: Texts) -> dict[str, str]:
    return {
        "summary": t.gettext("Summary"),
        "roster": t.gettext("Roster"),
        "deployments": t.gettext("Deployments"),
        "enrolments": t.gettext("Training"),
        "staffing": t.gettext("Staffing"),
        "unmet": t.gettext("Unmet demand"),
    }


@dataclass
class _Formats:
    header: Format
    month_header: Format
    day: Format
    month: Format
    stamp: Format
    percent: Format
    text: Format
    training: Format
    leave: Format
    postings: dict[str, Format]
    history: dict[str, Format]


def _formats(book: xlsxwriter.Workbook, inst: Instance, t: Texts) -> _Formats:
    korean = t.language == "ko"
    colours = posting_colours(inst)
    header = {"bold": True, "bg_color": "#dde3ea", "bottom": 1, "text_wrap": True,
              "valign": "top"}
    month = 'yyyy"년" m"월"' if korean else "yyyy-mm"
    return _Formats(
        header=book.add_format(header),
        month_header=book.add_format({**header, "num_format": month}),
        day=book.add_format({"num_format": 'yyyy"년" m"월" d"일"' if korean else "yyyy-mm-dd"}),
        month=book.add_format({"num_format": month}),
        stamp=book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        percent=book.add_format({"num_format": "0.00%"}),
        text=book.add_format({}),
        training=book.add_format({"bg_color": "#d9d9d9", "italic": True}),
        leave=book.add_format({"bg_color": "#f2f2f2", "font_color": "#7f7f7f"}),
        postings={p: book.add_format({"bg_color": c}) for p, c in colours.items()},
        history={p: book.add_format({"bg_color": c, "italic": True, "pattern": 1})
                 for p, c in colours.items()},
    )


def _put(sheet: Worksheet, row: int, col: int, value: Cell, fmt: _Formats,
         style: Format | None = None) -> None:
    """One cell, its type said explicitly: text (formula-safe), number, date or blank."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, style)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, style)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), style or fmt.stamp)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, style or fmt.day)
    else:
        sheet.write_string(row, col, safe_text(str(value)), style)


def _table(sheet: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Cell]],
           fmt: _Formats, widths: Sequence[int] = (), frozen_columns: int = 0,
           styles: Mapping[int, Format] | None = None) -> None:
    """A header row, frozen, with a filter over every row; then the rows (``styles``: a
    column's format, e.g. months shown as months)."""
    styles = styles or {}
    for col, head in enumerate(headers):
        sheet.write_string(0, col, safe_text(head), fmt.header)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            _put(sheet, r, col, value, fmt, styles.get(col))
    sheet.freeze_panes(1, frozen_columns)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)


def _summary(stored: StoredPlan, plan: Plan, t: Texts) -> list[list[Cell]]:
    """Item and value, both for people: the status, what stopped the search and the names of
    rules and parameters are in the workbook's language, like the labels beside them. The
    engine's own words, for scripts, are in ``plan.json`` (``export --format json``)."""
    rows: list[list[Cell]] = [
        [t.gettext("Plan"), stored.id],
        [t.gettext("Case"), stored.case_name],
        [t.gettext("Created (UTC)"), stored.created_at],
        [t.gettext("Status"), t.status(stored.status.value)],
        [t.gettext("Objective"), stored.objective],
        [t.gettext("Bound"), stored.bound],
        [t.gettext("Gap"), stored.gap],
        [t.gettext("Wall time (s)"), round(stored.wall_time, 3)],
        [t.gettext("Stopped by"), t.stop_reason(stored.stopped)],
        [t.gettext("Input hash"), stored.input_hash],
        [t.gettext("Deployments"), len(plan.deployments)],
        [t.gettext("Officers deployed"), len({d.officer for d in plan.deployments})],
        [t.gettext("Training enrolments"), len(plan.enrolments)],
    ]
    for rule, cost in stored.cost_by_rule.items():
        rows.append([t.gettext("Cost: {rule}").format(rule=t.rule(rule)), cost])
    for name, value in stored.parameters.items():
        rows.append([t.gettext("Parameter: {name}").format(name=t.parameter(name)), value])
    return rows


def _roster(inst: Instance, plan: Plan, rows: Sequence[Officer], sheet: Worksheet,
            fmt: _Formats, t: Texts) -> None:
    """Officer x month: the posting (coloured; history in italics), else the course, else an
    absence; every officer of the case, so that who is free shows too."""
    months = list(inst.months)
    headers = [t.gettext("Officer"), t.gettext("Name"), t.gettext("Rank")]
    for col, head in enumerate(headers):
        sheet.write_string(0, col, head, fmt.header)
    for m in months:
        sheet.write_datetime(0, 3 + m, inst.rules.month_start(m), fmt.month_header)
    bars = timeline(inst, plan)
    origin = inst.rules.start
    for r, officer in enumerate(rows, start=1):
        _put(sheet, r, 0, officer.id, fmt)
        _put(sheet, r, 1, officer.name, fmt)
        _put(sheet, r, 2, t.rank(officer.rank), fmt)
        cells: dict[int, tuple[int, str, Format]] = {}
        for bar in bars.get(officer.id, ()):
            rank, text, style = {
                "deployment": (3, bar.posting, fmt.postings.get(bar.posting, fmt.text)),
                "history": (2, bar.posting, fmt.history.get(bar.posting, fmt.text)),
                "training": (1, bar.label, fmt.training),
                "leave": (0, t.gettext("away"), fmt.leave),
            }[bar.kind]
            for m in range(month_index(bar.start, origin), month_index(bar.end, origin) + 1):
                if 0 <= m < len(months) and cells.get(m, (-1,))[0] < rank:
                    cells[m] = (rank, text, style)
        for m, (_, text, style) in sorted(cells.items()):
            _put(sheet, r, 3 + m, text, fmt, style)
    sheet.freeze_panes(1, 3)
    sheet.autofilter(0, 0, max(len(rows), 1), 2 + len(months))
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 2 + len(months), 9)


def write_workbook(path: Path, stored: StoredPlan, officer: str | None = None,
                   language: str | None = None) -> None:
    """Write ``stored``'s plan (or only ``officer``'s part of it) as .xlsx at ``path``, in
    ``language`` (default: the case's)."""
    inst = stored.instance
    plan = stored.plan if officer is None else stored.plan.only(officer)
    people = [o for o in inst.officers if officer is None or o.id == officer]
    t = texts(language or inst.output.language)
    names = _sheet_names(t)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False,
                                            "default_date_format": "yyyy-mm-dd"})
    # A fixed creation time: the same plan gives the same workbook.
    book.set_properties({"title": f"{inst.name}: plan {stored.id}",
                         "created": stored.created_at.replace(tzinfo=None)})
    fmt = _formats(book, inst, t)
    sheets = {key: book.add_worksheet(names[key]) for key in SHEETS}

    _table(sheets["summary"], [t.gettext("Item"), t.gettext("Value")],
           _summary(stored, plan, t), fmt, widths=(28, 64))
    _roster(inst, plan, people, sheets["roster"], fmt, t)

    posting_name = {p.id: t.posting(p) for p in inst.postings}
    officers = inst.officer_by_id
    _table(
        sheets["deployments"],
        [t.gettext("Officer"), t.gettext("Name"), t.gettext("Rank"), t.gettext("Posting"),
         t.gettext("Posting name"), t.gettext("First day"), t.gettext("Last day"),
         t.gettext("Months")],
        [[d.officer, officers[d.officer].name, t.rank(officers[d.officer].rank), d.posting,
          posting_name.get(d.posting, d.posting), d.start, d.end,
          len(touched_months(inst, d.start, d.end))] for d in plan.deployments],
        fmt, widths=(10, 22, 14, 9, 24, 14, 14, 8), frozen_columns=2,
    )
    courses = inst.course_by_id
    sessions = inst.session_by_id
    _table(
        sheets["enrolments"],
        [t.gettext("Officer"), t.gettext("Name"), t.gettext("Course"),
         t.gettext("Course name"), t.gettext("Session"), t.gettext("Location"),
         t.gettext("First day"), t.gettext("Last day")],
        [[e.officer, officers[e.officer].name, e.course,
          courses[e.course].name if e.course in courses else e.course, e.session,
          sessions[e.session].location if e.session in sessions else "", e.start, e.end]
         for e in plan.enrolments],
        fmt, widths=(10, 22, 20, 32, 14, 40, 14, 14), frozen_columns=2,
    )
    cells = staffing(inst, plan)
    month_of = {inst.rules.month_label(m): inst.rules.month_start(m) for m in inst.months}
    staffing_rows: list[list[Cell]] = [
        [c.posting, posting_name.get(c.posting, c.posting), month_of[c.month], c.minimum,
         c.maximum, c.assigned, c.unmet, ";".join(c.officers)] for c in cells
    ]
    _table(
        sheets["staffing"],
        [t.gettext("Posting"), t.gettext("Posting name"), t.gettext("Month"),
         t.gettext("Demand (min)"), t.gettext("Demand (max)"), t.gettext("Assigned"),
         t.gettext("Unmet"), t.gettext("Officers")],
        staffing_rows, fmt, widths=(9, 24, 12, 12, 12, 10, 8, 60), frozen_columns=1,
        styles={2: fmt.month},
    )
    unmet_rows: list[list[Cell]] = []
    for c in cells:
        if c.unmet:
            gap = Shortfall(c.posting, c.month, c.minimum, c.assigned)
            unmet_rows.append([c.posting, posting_name.get(c.posting, c.posting),
                               month_of[c.month], c.minimum, c.assigned, c.unmet,
                               explain_shortfall(inst, plan, gap)])
    _table(
        sheets["unmet"],
        [t.gettext("Posting"), t.gettext("Posting name"), t.gettext("Month"),
         t.gettext("Needed"), t.gettext("Assigned"), t.gettext("Short"),
         t.gettext("Why")],
        unmet_rows, fmt, widths=(9, 24, 12, 9, 10, 8, 120), frozen_columns=1,
        styles={2: fmt.month},
    )
    book.close()

