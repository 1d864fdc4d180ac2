"""Shared fixtures: a tiny valid case folder on disk, a way to vary it, and a throwaway PostgreSQL.

The tiny case solves to optimality in well under a second: five officers, two postings, a
twelve-month horizon and three-month deployments. Row numbers in the tests follow the
spreadsheet convention of the loader (the header is row 1, the first data row is row 2), so the
tables below are written out in full and every test that needs a bad row replaces a whole file,
which keeps the row a problem should be reported on visible in the test itself.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from absl import logging as absl_logging  # OR-Tools' MathOpt (rotation.combine) logs through it

# absl's log handler keeps whatever sys.stderr was when it was imported, here pytest's capture,
# and closes that stream when logging is reconfigured (as `rotation serve` does through
# uvicorn), which broke the capture of every test after. The real stderr it never closes.
absl_logging.get_absl_handler().python_handler.stream = sys.__stderr__

TINY_RULES = """\
name = "Tiny test case"

[horizon]
start = "2026-01"
months = 12

[deployment]
months = 3
min_rest_months = 3

[fairness]
target_hardship_months = 6
lookback_months = 12

[weights]
unmet_demand = 1000
fairness = 1
preference = 5

[solver]
time_limit = 10
seed = 0
workers = 2
"""

TINY_FILES: dict[str, str] = {
    "rules.toml": TINY_RULES,
    "officers.csv": """\
id,name,rank,specialties,home_unit,preferences
K-0001,Kim Min-jun,inspector,cyber,Seoul Cyber Unit,PNH
K-0002,Lee Seo-yeon,sergeant,,Busan Financial Crime Unit,PNH;SHV
K-0003,Park Ji-ho,senior-officer,cyber;financial,Incheon Cyber Unit,
K-0004,Choi Hae-won,officer,,Daegu Anti-Fraud Unit,SHV
K-0005,Jung Woo-jin,inspector,financial,Gwangju Police,
""",
    "postings.csv": """\
id,name,timezone,hardship,min_khmer_level,required_courses,min_supervisors,min_specialists
PNH,Phnom Penh,Asia/Phnom_Penh,1,1,khmer-intensive,0,
SHV,Sihanoukville,Asia/Phnom_Penh,2,0,,0,
""",
    "demand.csv": """\
posting,from,to,min,max
PNH,2026-01,2026-06,1,2
PNH,2026-07,2026-12,1,1
SHV,2026-01,2026-12,1,1
""",
    "courses.csv": """\
id,name
khmer-intensive,Intensive Khmer language
cultural-sensitivity,Cambodian cultural sensitivity
""",
    "certificates.csv": """\
officer,language,level,valid_from,valid_until
K-0001,khmer,2,2025-01-01,
K-0002,khmer,3,2025-03-01,2028-02-28
K-0003,khmer,1,2025-06-01,2027-05-31
""",
    "completed_courses.csv": """\
officer,course,completed_on,expires_on
K-0001,khmer-intensive,2025-09-15,
K-0002,khmer-intensive,2025-10-01,2028-10-01
K-0003,khmer-intensive,2025-11-20,2028-11-20
K-0004,cultural-sensitivity,2025-05-01,
""",
    "unavailability.csv": """\
officer,from,to,reason
K-0004,2026-03-01,2026-04-15,parental leave
K-0002,2026-09-01,2026-09-10,court testimony
""",
    "history.csv": """\
officer,posting,start,end
K-0005,SHV,2025-11-01,2026-01-31
K-0003,PNH,2024-03-01,2024-08-31
""",
}

OFFICER_NAMES = {
    "K-0001": "Kim Min-jun",
    "K-0002": "Lee Seo-yeon",
    "K-0003": "Park Ji-ho",
    "K-0004": "Choi Hae-won",
    "K-0005": "Jung Woo-jin",
}

# A file's new text, None to delete the file, or a function from the old text to the new one.
Change = str | None | Callable[[str], str]
CaseMaker = Callable[..., Path]


def write_case(folder: Path, files: Mapping[str, str] = TINY_FILES) -> Path:
    """Write a case folder from ``{file name: text}`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def vary_case(source: Path, dest: Path, changes: Mapping[str, Change] | None = None) -> Path:
    """Copy the case at ``source`` to ``dest`` and apply ``changes`` file by file."""
    shutil.copytree(source, dest)
    for name, change in (changes or {}).items():
        path = dest / name
        if change is None:
            path.unlink(missing_ok=True)
        elif isinstance(change, str):
            path.write_text(change, encoding="utf-8")
        else:
            path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return dest


def replace_line(old: str, new: str) -> Callable[[str], str]:
    """A change that swaps one whole line of a file (which must be there exactly once)."""

    def change(text: str) -> str:
        lines = text.splitlines()
        assert lines.count(old) == 1, f"{old!r} is not exactly once in the file"
        return "\n".join(new if line == old else line for line in lines) + "\n"

    return change


def add_lines(*lines: str) -> Callable[[str], str]:
    """A change that appends rows (or TOML lines) at the end of a file."""

    def change(text: str) -> str:
        return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"

    return change


@pytest.fixture(scope="session")
def case_writer() -> Callable[[Path], Path]:
    """``write_case`` for fixtures of a wider scope than ``tmp_path``."""
    return write_case


@pytest.fixture
def tiny_case(tmp_path: Path) -> Path:
    """A small valid case folder that solves in well under a second."""
    return write_case(tmp_path / "tiny")


@pytest.fixture
def make_case(tiny_case: Path, tmp_path: Path) -> CaseMaker:
    """Copies of the tiny case with some files replaced, edited or deleted.

    ``make_case({"officers.csv": "new text", "history.csv": None,
    "demand.csv": add_lines("PNH,2026-03,2026-04,1,1")})``
    """
    made = 0

    def make(changes: Mapping[str, Change] | None = None) -> Path:
        nonlocal made
        made += 1
        return vary_case(tiny_case, tmp_path / f"case-{made}", changes)

    return make


# ---------------------------------------------------------------------------------------------
# PostgreSQL

POSTGRES_ENV = "ROTATION_TEST_POSTGRES_URL"


def _with_database(url: str, database: str, scheme: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=scheme, path=f"/{database}"))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL to a freshly created, empty database, dropped after the test.

    Skips unless ROTATION_TEST_POSTGRES_URL names a server (any database on it) where the user
    may create databases, e.g. postgresql://postgres@127.0.0.1:5432/test. The URL handed out
    uses SQLAlchemy's default PostgreSQL driver, psycopg 3, which the postgres extra installs.
    """
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    psycopg = pytest.importorskip("psycopg")
    scheme = urlsplit(base).scheme.split("+", 1)[0]
    libpq_url = _with_database(base, urlsplit(base).path.lstrip("/"), scheme)
    name = f"rotation_test_{uuid.uuid4().hex[:16]}"
    admin = psycopg.connect(libpq_url, autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield _with_database(base, name, scheme)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
