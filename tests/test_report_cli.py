"""`rotation report` and `rotation export --format xlsx --lang` from the command line: files
written, exit codes, messages, and a database that reading leaves as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import openpyxl
import pytest

from rotation.storage import Store
from tests import report_cases as rc
from tests.builders import sqlite_contents
from tests.test_calendar_cli import rotation, rotation_here


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    rc.stored(Store(url))
    return url


def _digest(path: Path) -> str:
    return sqlite_contents(path)


def test_report_and_workbook_through_the_entry_point(db: str, tmp_path: Path) -> None:
    before = _digest(tmp_path / "r.db")
    proc = rotation("report", "--db", db, "--out", tmp_path / "plan.html", "--lang", "ko",
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page and "경찰관별 일정" in page
    # the status in Korean for readers, the engine's word for machines
    assert 'data-value="feasible">실행 가능</dd>' in page
    proc = rotation("export", "1", "--db", db, "--format", "xlsx", "--out", tmp_path / "x",
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    book = openpyxl.load_workbook(tmp_path / "x" / "plan.xlsx")
    assert book.sheetnames[0] == "Summary"  # the case's language: English
    # reading a plan never writes: the database is byte for byte what it was
    assert _digest(tmp_path / "r.db") == before
    assert [p.name for p in (tmp_path / "x").iterdir()] == ["plan.xlsx"]


def test_report_into_a_folder_writes_report_html(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "out").mkdir()
    code, out, _ = rotation_here(("report", "--db", db, "--out", tmp_path / "out"), capsys,
                                 monkeypatch)
    assert code == 0
    assert (tmp_path / "out" / "report.html").is_file()
    assert "report.html" in out
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.html"]


def test_the_report_is_for_its_owner_only(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Names and leave are in it, as in every export: 0600 in a new folder made 0700, whatever
    # the umask (the CLI's own is not relied on).
    old = os.umask(0o022)
    try:
        code, _, _ = rotation_here(("report", "--db", db, "--out", tmp_path / "new" / "r.html"),
                                   capsys, monkeypatch)
    finally:
        os.umask(old)
    assert code == 0
    assert stat.S_IMODE((tmp_path / "new" / "r.html").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


@pytest.mark.parametrize(("args", "words"), [
    (("report", "--lang", "fr"), ["'fr' is not a language", "--lang"]),
    (("export", "--format", "xlsx", "--lang", "jp"), ["'jp' is not a language", "--lang"]),
    (("export", "--format", "ods"), ["'ods' is not a format", "xlsx"]),
    (("report", "7"), ["7"]),
])
def test_bad_options_exit_2_with_a_message(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], words: list[str],
) -> None:
    code, _, err = rotation_here((*args, "--db", db, "--out", tmp_path / "o"), capsys,
                                 monkeypatch)
    assert code == 2, err
    for word in words:
        assert word in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_report_into_an_unwritable_place_exits_2(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = rotation_here(("report", "--db", db, "--out", blocker / "r.html"), capsys,
                                 monkeypatch)
    assert code == 2
    assert "cannot write the report" in err
