"""The XLSX workbook read back with openpyxl (not the library that wrote it) and checked cell by
cell against the plan; and formula-safe text in CSV and XLSX exports."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from rotation.domain import month_index
from rotation.i18n import texts
from rotation.report import safe_text
from rotation.storage import Store, StoredPlan
from rotation.workbook import write_workbook
from rotation.workflow import export
from tests import report_cases as rc
from tests.engine_words import (
    COSTED_RULES,
    PARAMETERS,
    STATUSES,
    english_words_in,
    stop_reasons,
)
from tests.report_cases import INJECTIONS, PLAN, START


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Store, StoredPlan]:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    return store, rc.stored(store)


def _rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def as_openpyxl_reads(text: str) -> str:
    """openpyxl 3.1 leaves the OOXML escape ``_x000D_`` of a carriage return as it is (Excel and
    LibreOffice read it as the character); the file is right, the reader's one known defect is
    stated here so that any other difference still fails."""
    return text.replace("\r", "_x000D_")


def _day(value: Any) -> date:
    assert isinstance(value, datetime), value  # a real date, not text
    return value.date()


HEADERS = {
    "en": {
        "sheets": ["Summary", "Roster", "Deployments", "Training", "Staffing", "Unmet demand"],
        "deployments": ("Officer", "Name", "Rank", "Posting", "Posting name", "First day",
                        "Last day", "Months"),
        "staffing": ("Posting", "Posting name", "Month", "Demand (min)", "Demand (max)",
                     "Assigned", "Unmet", "Officers"),
    },
    "ko": {
        "sheets": ["요약", "근무표", "파견", "교육", "인원 현황", "미충족 수요"],
        "deployments": ("경찰관", "성명", "계급", "근무지", "근무지명", "시작일", "종료일",
                        "개월 수"),
        "staffing": ("근무지", "근무지명", "월", "최소 수요", "최대 수요", "배치 인원",
                     "부족 인원", "배치 경찰관"),
    },
}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_workbook_says_what_the_plan_says(
    stored: tuple[Store, StoredPlan], tmp_path: Path, language: str
) -> None:
    store, plan = stored
    inst = plan.instance
    (path,) = export(plan, "xlsx", tmp_path / "out", store=store, language=language)
    assert path.name == "plan.xlsx"
    book = openpyxl.load_workbook(path)
    words = HEADERS[language]
    assert book.sheetnames == words["sheets"]
    summary, roster, deployments, enrolments, staffing_sheet, unmet_sheet = book.worksheets
    for sheet in book.worksheets:
        # frozen header row, a filter over the whole table, no formula anywhere
        assert sheet.freeze_panes is not None and sheet.freeze_panes[1:] == "2", sheet.title
        assert sheet.auto_filter.ref, sheet.title
        last = sheet.auto_filter.ref.split(":")[1]
        assert int("".join(ch for ch in last if ch.isdigit())) >= sheet.max_row, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)

    # summary: the plan's figures, as numbers
    values = {row[0]: row[1] for row in _rows(summary)[1:]}
    assert 12345 in values.values() and 12000 in values.values()
    assert plan.input_hash in values.values()
    assert len(PLAN.deployments) in values.values()

    # deployments: one row per deployment, dates as dates
    names = {o.id: o.name for o in inst.officers}
    rows = _rows(deployments)
    assert rows[0] == words["deployments"]
    got = [(r[0], r[1], r[3], _day(r[5]), _day(r[6]), r[7]) for r in rows[1:]]
    want = [(d.officer, as_openpyxl_reads(safe_text(names[d.officer])), d.posting, d.start, d.end,
             month_index(d.end, d.start) + 1) for d in PLAN.deployments]
    assert got == want
    assert all(deployments.cell(row=i, column=6).is_date for i in range(2, len(rows) + 1))
    rank = {"en": "inspector", "ko": "경위"}[language]
    assert rows[1][2] == rank  # K-0000 is an inspector

    # enrolments
    (head, *enrolled) = _rows(enrolments)
    assert [(r[0], r[2], r[4], _day(r[6]), _day(r[7])) for r in enrolled] == [
        (e.officer, e.course, e.session, e.start, e.end) for e in PLAN.enrolments]
    assert enrolled[0][3] == "'-Khmer intensive" and enrolled[0][5] == "'+Asan"

    # roster: officer x month, computed here from the plan and the case
    months = [START.replace(month=m) for m in range(1, 13)]
    (head, *people) = _rows(roster)
    assert [_day(v) for v in head[3:]] == months
    assert [r[0] for r in people] == [o.id for o in inst.officers]
    away = {"en": "away", "ko": "부재"}[language]
    for r in people:
        officer = inst.officer_by_id[r[0]]
        for m, cell in zip(months, r[3:], strict=True):
            end = (m.replace(month=m.month + 1) if m.month < 12 else date(2027, 1, 1))
            here = [d.posting for d in PLAN.for_officer(officer.id) if d.start < end
                    and d.end >= m]
            here += [h.posting for h in officer.history if h.start < end and h.end >= m]
            train = [e.course for e in PLAN.enrolments_of(officer.id) if e.start < end
                     and e.end >= m]
            leave = [u for u in officer.unavailability if u.start < end and u.end >= m]
            want_cell = (here[0] if here else train[0] if train else away if leave else None)
            assert cell == want_cell, (officer.id, m)
    # coloured by posting: the two postings' cells have two different fills
    fills = {roster.cell(row=2, column=4).fill.fgColor.rgb,  # K-0000 at PNH in January
             roster.cell(row=4, column=4).fill.fgColor.rgb}  # K-0002 at SHV in January
    assert len(fills) == 2

    # staffing: posting x month, demand, assigned (history counts), unmet
    rows = _rows(staffing_sheet)
    assert rows[0] == words["staffing"]
    assert len(rows) == 1 + 2 * 12
    for r in rows[1:]:
        posting, month = r[0], _day(r[2])
        end = month.replace(month=month.month + 1) if month.month < 12 else date(2027, 1, 1)
        there = {d.officer for d in PLAN.deployments
                 if d.posting == posting and d.start < end and d.end >= month}
        there |= {o.id for o in inst.officers for h in o.history
                  if h.posting == posting and h.start < end and h.end >= month}
        lo, hi = (2, 4) if posting == "PNH" else (1, 2)
        assert (r[3], r[4], r[5], r[6]) == (lo, hi, len(there), max(0, lo - len(there)))
        assert r[7] == (";".join(sorted(there)) or None)
        assert isinstance(r[5], int)  # numbers stay numbers

    # unmet demand: exactly the short months, each explained
    (head, *short) = _rows(unmet_sheet)
    want_short = [(r[0], _day(r[2]), r[6]) for r in rows[1:] if r[6]]
    assert [(r[0], _day(r[2]), r[5]) for r in short] == want_short
    assert short and all(r[6] and "needs" in r[6] for r in short)


def _summary(plan: StoredPlan, path: Path, language: str) -> dict[str, Any]:
    """The summary sheet of ``plan``'s workbook as item -> value."""
    write_workbook(path, plan, language=language)
    return {row[0]: row[1] for row in _rows(openpyxl.load_workbook(path).worksheets[0])[1:]}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_status_stop_reason_rules_and_parameters_in_the_workbooks_language(
    stored: tuple[Store, StoredPlan], tmp_path: Path, language: str
) -> None:
    """In Korean the summary (where the cost by rule is) names no status, stop reason, rule or
    parameter in English; in English it says what it always said."""
    _, plan = stored
    english = {*STATUSES, *stop_reasons(), *COSTED_RULES, *PARAMETERS}
    for i, (status, stopped) in enumerate(rc.outcomes()):
        summary = _summary(rc.solved(plan, status, stopped), tmp_path / f"{i}.xlsx", language)
        text = " ".join(f"{k} {v}" for k, v in summary.items())
        if language == "ko":
            assert english_words_in(text, english) == [], (status, stopped)
            assert summary["상태"] == texts("ko").status(status) != status
        else:
            assert summary["Status"] == status and summary["Stopped by"] == stopped
            assert [summary[f"Cost: {rule}"] for rule in COSTED_RULES] == [
                10 * i for i in range(len(COSTED_RULES))]
            assert [summary[f"Parameter: {name}"] for name in PARAMETERS] == [
                i + 1 for i in range(len(PARAMETERS))]


def test_an_unknown_stop_reason_stays_in_english_in_the_workbook(
    stored: tuple[Store, StoredPlan], tmp_path: Path
) -> None:
    _, plan = stored
    summary = _summary(rc.solved(plan, "feasible", "memory limit; work limit"),
                       tmp_path / "plan.xlsx", "ko")
    assert summary["종료 사유"] == f"memory limit; {texts('ko').stop_reason('work limit')}"


def test_text_that_would_run_is_neutralised_in_xlsx(
    stored: tuple[Store, StoredPlan], tmp_path: Path
) -> None:
    store, plan = stored
    (path,) = export(plan, "xlsx", tmp_path / "out", store=store, language="ko")
    book = openpyxl.load_workbook(path)
    texts = {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if c.data_type == "s"}
    for bad in INJECTIONS:
        assert as_openpyxl_reads("'" + bad) in texts, bad
        assert as_openpyxl_reads(bad) not in texts, bad
    assert "'=프놈펜" in texts and "'@Phnom Penh" not in texts  # Korean name in Korean
    assert "'=Formula case" in texts
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (
                        sheet.title, cell.coordinate, cell.value)


def test_text_that_would_run_is_neutralised_in_csv(
    stored: tuple[Store, StoredPlan], tmp_path: Path
) -> None:
    store, plan = stored
    export(plan, "csv", tmp_path / "out", store=store)
    with (tmp_path / "out" / "deployments.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = {r["name"] for r in rows}
    for bad in INJECTIONS:
        assert "'" + bad in names, bad
    assert {r["posting_name"] for r in rows} == {"'@Phnom Penh", "Sihanoukville"}
    with (tmp_path / "out" / "staffing.csv").open(newline="", encoding="utf-8") as handle:
        staffing = list(csv.reader(handle))
    # numbers stay numbers: written bare, no apostrophe
    assert all(cell.lstrip("-").isdigit() for row in staffing[1:] for cell in row[2:6])
    for row in [*staffing, *csv.reader((tmp_path / "out" / "enrolments.csv").open(
            newline="", encoding="utf-8"))]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+1", "'=1+1"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-", "'-"),
    ("-2", "-2"),
    ("+82", "+82"),
    ("-1.5e3", "-1.5e3"),
    ("Kim = Lee", "Kim = Lee"),
    ("김-민준", "김-민준"),
])
def test_safe_text(text: str, safe: str) -> None:
    assert safe_text(text) == safe


def test_export_of_an_officer_only_has_that_officer(
    stored: tuple[Store, StoredPlan], tmp_path: Path
) -> None:
    store, plan = stored
    (path,) = export(plan, "xlsx", tmp_path / "out", officer="K-0000", store=store)
    book = openpyxl.load_workbook(path)
    assert [r[0] for r in _rows(book.worksheets[1])[1:]] == ["K-0000"]
    assert {r[0] for r in _rows(book.worksheets[2])[1:]} == {"K-0000"}
