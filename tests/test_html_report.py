"""The HTML report: parsed back and checked against the plan, and opened in headless Chromium."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rotation.html_report import build_report, render_report
from rotation.i18n import texts
from rotation.storage import Store, StoredPlan
from rotation.workflow import report
from tests import report_cases as rc
from tests.browser import visit
from tests.engine_words import (
    COSTED_RULES,
    PARAMETERS,
    STATUSES,
    english_words_in,
    stop_reasons,
)
from tests.report_cases import INJECTIONS, PLAN, START

DASH = "\u2013"


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Store, StoredPlan]:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    return store, rc.stored(store)


class Page(HTMLParser):
    """What the tests read from the page: the officer timeline's bars, the staffing tables,
    the summary figures, every tag and attribute, and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.bars: list[dict[str, str]] = []
        self.staffing: dict[str, dict[str, list[str]]] = defaultdict(dict)
        self.figures: dict[str, str] = {}
        self.bins: dict[str, int] = {}
        self.text: list[str] = []
        self._officer: str | None = None
        self._table: str | None = None
        self._row: str | None = None
        self._cell = False
        self._key: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "div" and "data-officer" in a:
            self._officer = a["data-officer"]
        if tag == "i" and self._officer is not None and "data-start" in a:
            kind = a["class"].split()[1]
            self.bars.append({"officer": self._officer, "kind": kind, **a})
        if tag == "table" and "data-posting" in a:
            self._table = a["data-posting"]
        if tag == "tr" and self._table and "data-row" in a:
            self._row = a["data-row"]
            self.staffing[self._table][self._row] = []
        if tag == "td" and self._row:
            self._cell = True
        if tag == "dd" and "data-key" in a:
            self._key = a["data-key"]
        if "data-bin" in a:
            self.bins[a["data-bin"]] = int(a["data-count"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = self._row = None
        if tag == "td":
            self._cell = False
        if tag == "dd":
            self._key = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell and self._table and self._row:
            self.staffing[self._table][self._row].append(data)
        if self._key:
            self.figures[self._key] = data


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_report_shows_the_plan(stored: tuple[Store, StoredPlan], tmp_path: Path,
                                   language: str) -> None:
    _, plan = stored
    inst = plan.instance
    path = report(plan, tmp_path / "report.html", language)
    text = path.read_text(encoding="utf-8")
    page = Page(text)

    # every deployment, enrolment, recorded deployment and absence on the officer timeline
    bars = defaultdict(set)
    for b in page.bars:
        bars[b["kind"]].add((b["officer"], b["data-posting"], b["data-start"], b["data-end"]))
    assert bars["deployment"] == {(d.officer, d.posting, d.start.isoformat(),
                                   d.end.isoformat()) for d in PLAN.deployments}
    assert bars["training"] == {(e.officer, "", e.start.isoformat(), e.end.isoformat())
                                for e in PLAN.enrolments}
    # history and leave, clipped to the horizon
    assert bars["history"] == {("K-0008", "PNH", START.isoformat(), "2026-02-28")}
    assert bars["leave"] == {("K-0007", "", "2026-05-10", "2026-06-02")}

    # totals
    assert page.figures["deployments"] == str(len(PLAN.deployments))
    assert page.figures["enrolments"] == str(len(PLAN.enrolments))
    assert page.figures["officers"] == str(len({d.officer for d in PLAN.deployments}))
    assert page.figures["objective"] == "12345" and page.figures["bound"] == "12000"
    assert page.figures["status"] == {"en": "feasible", "ko": "실행 가능"}[language]

    # demand against assigned, month by month, computed here from the plan and the history
    unmet_total = 0
    for posting, (lo, hi) in (("PNH", (2, 4)), ("SHV", (1, 2))):
        rows = page.staffing[posting]
        assert rows["demand"] == [f"{lo}{DASH}{hi}"] * 12
        for m, (assigned, short) in enumerate(zip(rows["assigned"], rows["unmet"],
                                                  strict=True)):
            first = date(2026, m + 1, 1)
            there = {d.officer for d in PLAN.deployments if d.posting == posting
                     and d.start < _month_after(first) and d.end >= first}
            there |= {o.id for o in inst.officers for h in o.history if h.posting == posting
                      and h.start < _month_after(first) and h.end >= first}
            assert (int(assigned), int(short)) == (len(there), max(0, lo - len(there)))
            unmet_total += max(0, lo - len(there))
    assert unmet_total > 0
    assert page.figures["unmet"] == str(unmet_total)
    # PNH needs a supervisor every month; the months it has none are flagged
    assert int(page.figures["mix"]) > 0
    assert 'class="mix"' in text

    # the hardship histogram counts every officer once
    assert sum(page.bins.values()) == len(inst.officers)

    # names come through as text, escaped, never as markup
    joined = "".join(page.text)
    for name in INJECTIONS:
        assert name.strip() in joined
    assert plan.input_hash in joined
    assert {tag for tag, _ in page.tags}.isdisjoint({"script", "img", "link", "iframe",
                                                     "object", "embed"})

    # self-contained: no address outside the page, no CSS url()
    for _, attrs in page.tags:
        for key in ("src", "href", "data", "action"):
            assert not attrs.get(key, "#").split("#")[0], attrs
    assert "url(" not in text and "@import" not in text

    # the language
    assert f'<html lang="{language}">' in text
    words = {"en": ["Timeline by officer", "Timeline by posting", f"2026-01-01 {DASH} 2026-03-31",
                    "@Phnom Penh"],
             "ko": ["경찰관별 일정", "근무지별 일정", f"2026년 1월 1일 {DASH} 2026년 3월 31일",
                    "=프놈펜"]}[language]
    for word in words:
        assert word in joined or word in text, word


class Visible(HTMLParser):
    """What a reader of the page can see: its text outside ``<style>``, and the tooltips
    (``title`` attributes); and the machine-readable ``data-`` attributes, kept apart."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.data: dict[str, list[str]] = defaultdict(list)
        self._style = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._style = tag == "style"
        for key, value in attrs:
            if key == "title" and value:
                self.parts.append(value)
            if key.startswith("data-"):
                self.data[key].append(value or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if not self._style:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.parts)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_status_stop_reason_rules_and_parameters_in_the_reports_language(
    stored: tuple[Store, StoredPlan], language: str
) -> None:
    """In Korean no status, stop reason, rule or parameter name is left in English where a
    reader sees it; the page keeps the engine's words for machines in ``data-`` attributes.
    In English the page says what it always said."""
    _, plan = stored
    english = {*STATUSES, *stop_reasons(), *COSTED_RULES, *PARAMETERS}
    for status, stopped in rc.outcomes():
        page = Visible(render_report(build_report(rc.solved(plan, status, stopped), language)))
        if language == "ko":
            assert english_words_in(page.text, english) == [], (status, stopped)
        else:
            for word in (status, stopped, *COSTED_RULES, *PARAMETERS):
                assert word in page.text, word
        assert page.data["data-value"] == [status]
        assert page.data["data-stopped"] == [stopped]
        assert sorted(page.data["data-rule"]) == sorted(COSTED_RULES)
        assert sorted(page.data["data-parameter"]) == sorted(PARAMETERS)
        assert ("1.5초" if language == "ko" else "1.5 s") in page.text


def test_an_unknown_stop_reason_is_shown_in_english(stored: tuple[Store, StoredPlan]) -> None:
    """A stop reason the catalogue does not know (a newer engine's, free text) is shown as the
    engine wrote it rather than hidden or guessed."""
    _, plan = stored
    page = Visible(render_report(build_report(
        rc.solved(plan, "feasible", "memory limit; bound reached"), "ko")))
    assert f"memory limit; {texts('ko').stop_reason('bound reached')}" in page.text
    assert page.data["data-stopped"] == ["memory limit; bound reached"]


def test_the_report_names_an_unwritable_target(stored: tuple[Store, StoredPlan],
                                               tmp_path: Path) -> None:
    from rotation.errors import InputError

    _, plan = stored
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError) as raised:
        report(plan, blocker / "report.html")
    assert raised.value.problems[0].field == "--out"
    with pytest.raises(InputError):
        report(plan, tmp_path / "r.html", "fr")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_report_renders_in_chromium_without_errors(
    stored: tuple[Store, StoredPlan], tmp_path: Path, language: str
) -> None:
    _, plan = stored
    path = report(plan, tmp_path / f"report-{language}.html", language)
    seen = visit(path, tmp_path / "screenshots")
    assert [m for m in seen.console if m["level"] in ("SEVERE", "WARNING")] == []
    # nothing but the page itself is requested (the browser's own chrome:// pages aside)
    fetched = {url for url in seen.requests if not url.startswith(("data:", "chrome:"))}
    assert fetched == {path.resolve().as_uri()}
    png = seen.screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    assert seen.height > 1000
    assert seen.pdf_pages >= 2  # it prints, across pages

