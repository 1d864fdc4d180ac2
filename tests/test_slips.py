"""The slips a planner makes in a spreadsheet, each applied to a copy of the bundled example
and checked through the real ``rotation check``: its exit code, the one message it prints
(no follow-ons), and that nothing is written.

A slip that loses nothing (a `;`-separated file, a notes column, a rank in Korean, a workbook
beside the CSV files) is read; one that would lose or change data is an error; a fact given
twice is read once with a warning.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rotation.domain import requirements
from rotation.excel import Sheet, write_workbook
from rotation.io import read_case
from rotation.storage import ENV_VAR
from tests.conftest import CaseMaker, add_lines
from tests.test_cli import no_traceback, run, sqlite

EXAMPLE = Path(__file__).parent.parent / "examples" / "cambodia-2025"
Slip = Callable[[Path], None]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]], **options: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, **options).writerows(rows)  # type: ignore[arg-type]


def rename(old: str, new: str) -> Slip:
    def slip(case: Path) -> None:
        (case / old).rename(case / new)
    return slip


def cut_short(file: str, row: int, keep: int) -> Slip:
    def slip(case: Path) -> None:
        rows = _rows(case / file)
        rows[row - 1] = rows[row - 1][:keep]
        _write(case / file, rows)
    return slip


def twice(file: str, row: int) -> Slip:
    def slip(case: Path) -> None:
        rows = _rows(case / file)
        _write(case / file, [*rows[:row], rows[row - 1], *rows[row:]])
    return slip


def separated_by(file: str, separator: str) -> Slip:
    def slip(case: Path) -> None:
        _write(case / file, _rows(case / file), delimiter=separator)
    return slip


def header(file: str, change: Callable[[list[str]], list[str]], rows_too: bool = False) -> Slip:
    def slip(case: Path) -> None:
        rows = _rows(case / file)
        _write(case / file, [change(r) for r in rows] if rows_too else [change(rows[0]),
                                                                          *rows[1:]])
    return slip


def cp949(case: Path) -> None:
    text = (case / "officers.csv").read_text(encoding="utf-8").replace("Kang Ye-rin", "강예린")
    (case / "officers.csv").write_bytes(text.encode("cp949"))


def as_workbook(case: Path) -> None:
    rows = _rows(case / "officers.csv")
    write_workbook(case / "officers.xlsx", [Sheet("officers", tuple(rows[0]),
                                                  tuple(tuple(r) for r in rows[1:]))])
    (case / "officers.csv").unlink()


def notes(case: Path) -> None:
    rows = _rows(case / "officers.csv")
    _write(case / "officers.csv", [r + (["notes"] if i == 0 else ["called in May" if i == 3
                                                                    else ""])
                                   for i, r in enumerate(rows)])


def korean_rank(case: Path) -> None:
    text = (case / "officers.csv").read_text(encoding="utf-8")
    old = "K-0002,Yoo Jae-won,sergeant,"
    assert old in text
    (case / "officers.csv").write_text(text.replace(old, "K-0002,Yoo Jae-won,경사,"),
                                       encoding="utf-8")


# (slip, the one message, its file), for slips that make the case invalid.
ERRORS: dict[str, tuple[Slip, str, str]] = {
    "certificates saved as certificate.csv": (
        rename("certificates.csv", "certificate.csv"),
        "not a file of a case; did you mean certificates.csv?", "certificate.csv"),
    "a postings row cut short": (
        cut_short("postings.csv", 2, 4),
        "row 2: has 4 fields where the header has 9; a field is missing or the row is cut "
        "short; leave an empty field for a blank cell", "postings.csv"),
    "an officers row cut short": (
        cut_short("officers.csv", 5, 3),
        "row 5: has 3 fields where the header has 6; a field is missing or the row is cut "
        "short; leave an empty field for a blank cell", "officers.csv"),
    "a courses row cut short": (
        cut_short("courses.csv", 2, 2),
        "row 2: has 2 fields where the header has 5; a field is missing or the row is cut "
        "short; leave an empty field for a blank cell", "courses.csv"),
    "no rank column": (
        header("officers.csv", lambda r: r[:2] + r[3:], rows_too=True),
        "row 1, field 'rank': cannot read the header: column 'rank' is missing. It must have "
        "id, name, rank; it may have specialties, home_unit, preferences; columns named "
        "note... or #... are read past", "officers.csv"),
    "a header ID,Name": (
        header("officers.csv", lambda r: ["ID", "Name", *r[2:]]),
        "row 1: cannot read the header: column 'ID' should be 'id'; column 'Name' should be "
        "'name'. It must have id, name, rank; it may have specialties, home_unit, "
        "preferences; columns named note... or #... are read past", "officers.csv"),
    "a cp949 file": (
        cp949,
        "is not UTF-8 text (it looks like Korean Windows text, cp949/EUC-KR); in Excel choose "
        "Save As, CSV UTF-8 (Comma delimited), and save it again", "officers.csv"),
}

# (slip, a line of the output that shows it was read as meant), for slips that lose nothing.
READ: dict[str, tuple[Slip, str]] = {
    "postings saved with ; separators": (separated_by("postings.csv", ";"),
                                         "postings.csv           4 rows (semicolon-separated)"),
    "officers saved with tab separators": (separated_by("officers.csv", "\t"),
                                           "officers.csv           120 rows (tab-separated)"),
    "officers.xlsx instead of officers.csv": (
        as_workbook, "officers.xlsx, sheet 'officers'  120 rows"),
    "a notes column": (notes, "officers.csv           120 rows"),
    "a rank in Korean": (korean_rank, "officers.csv           120 rows"),
}

# (slip, the warning), for facts given twice.
WARNED: dict[str, tuple[Slip, str]] = {
    f"a row twice in {file}": (twice(file, 3), f"{file}, row 4: repeats row 3 exactly; it is "
                               "read once")
    for file in ("certificates.csv", "completed_courses.csv", "unavailability.csv")
}


def _case(tmp_path: Path, slip: Slip) -> tuple[Path, Path]:
    case = shutil.copytree(EXAMPLE, tmp_path / "case")
    slip(case)
    work = tmp_path / "work"
    work.mkdir()
    return case, work


@pytest.mark.parametrize("name", list(ERRORS))
def test_a_slip_that_would_lose_data_is_one_message(tmp_path: Path, name: str) -> None:
    slip, message, file = ERRORS[name]
    case, work = _case(tmp_path, slip)
    proc = run("check", case, cwd=work, env={ENV_VAR: sqlite(work / "r.db")})
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    joined = ": " if message[0].isalpha() and not message.startswith("row ") else ", "
    assert lines == ["error: 1 problem in the input:", f"  - {case / file}{joined}{message}"]
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("name", list(READ))
def test_a_slip_that_loses_nothing_is_read(tmp_path: Path, name: str) -> None:
    slip, shown = READ[name]
    case, work = _case(tmp_path, slip)
    proc = run("check", case, cwd=work, env={ENV_VAR: sqlite(work / "r.db")})
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert f"{case}: valid." in proc.stdout
    assert "120 officers, 4 postings, 7 demand rows" in proc.stdout
    assert f"  {shown}" in proc.stdout.splitlines()
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("name", list(WARNED))
def test_a_fact_given_twice_is_read_once_with_a_warning(tmp_path: Path, name: str) -> None:
    slip, warning = WARNED[name]
    case, work = _case(tmp_path, slip)
    proc = run("check", case, cwd=work, env={ENV_VAR: sqlite(work / "r.db")})
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [f"warning: {case / warning}"]
    assert f"{case}: valid." in proc.stdout
    assert list(work.iterdir()) == []


def test_check_ends_with_every_tables_rows(tmp_path: Path) -> None:
    proc = run("check", EXAMPLE, cwd=tmp_path, env={ENV_VAR: sqlite(tmp_path / "r.db")})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    read = lines[lines.index("Read:") + 1:]
    assert [line.split()[0] for line in read] == [
        "rules.toml", "officers.csv", "postings.csv", "demand.csv", "courses.csv",
        "sessions.csv", "certificates.csv", "completed_courses.csv", "unavailability.csv",
        "history.csv"]
    assert read[1].split()[1:] == ["120", "rows"]


def test_the_template_command_writes_a_case_to_fill_in(tmp_path: Path) -> None:
    proc = run("template", "--out", "case.xlsx", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Wrote case.xlsx" in proc.stdout
    checked = run("check", "case.xlsx", cwd=tmp_path, env={ENV_VAR: sqlite(tmp_path / "r.db")})
    assert checked.returncode == 0, checked.stderr
    assert "case.xlsx: valid. New case: 1 officer, 1 posting, 1 demand row," in checked.stdout
    before = (tmp_path / "case.xlsx").read_bytes()
    again = run("template", "--out", "case.xlsx", cwd=tmp_path)
    assert again.returncode == 2
    assert "  - case.xlsx: already exists; give another name" in again.stderr
    assert (tmp_path / "case.xlsx").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.xlsx"]


def test_the_bundled_example_loads_unchanged_in_the_format_it_was_written_in() -> None:
    # It keeps the columns of the format before credentials: a Khmer level per posting and a
    # language per certificate.
    assert "min_khmer_level" in (EXAMPLE / "postings.csv").read_text(encoding="utf-8")
    assert (EXAMPLE / "certificates.csv").read_text(encoding="utf-8").startswith(
        "officer,language,level,")
    loaded = read_case(EXAMPLE)
    assert loaded.warnings == ()
    pnh = loaded.instance.posting_by_id["PNH"]
    assert [str(n) for n in requirements(pnh)] == [
        "cultural-sensitivity", "khmer-intensive", "Khmer level 2"]
    english = [c for o in loaded.instance.officers for c in o.certificates if c.name == "english"]
    assert english and all(1 <= c.level <= 5 for c in english)


def test_solve_prints_the_warnings_too(make_case: CaseMaker, tmp_path: Path) -> None:
    case = make_case({"unavailability.csv": add_lines("K-0002,2026-09-01,2026-09-10,court "
                                                      "testimony")})
    proc = run("solve", case, "--db", sqlite(tmp_path / "r.db"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"warning: {case / 'unavailability.csv'}, row 4: repeats row 3 exactly" in proc.stderr
