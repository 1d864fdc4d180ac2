"""Ctrl-C during ``rotation solve``, as a terminal sends it (SIGINT to the process group), at
three moments: while the application loads, before the search has a plan, and during the
search. Each ends with one line and no traceback, by itself (never killed by a signal), and
the best plan is stored when there is one. benchmarks/interrupts.py does the same at 50
random moments.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cambodia-2025"
ENTRY = "import sys; sys.argv[0] = 'rotation'; from rotation.__main__ import main; main()"


def _solve_and_interrupt(tmp_path: Path, when: str | float) -> tuple[int, str, int]:
    """Exit code, stderr and plans stored, for a solve of the example interrupted ``when``:
    seconds after it starts, or as soon as stderr shows that text."""
    db = tmp_path / "plans.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "solve", str(EXAMPLE), "--db", f"sqlite:///{db}"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    assert proc.stderr is not None
    seen = ""
    if isinstance(when, float):
        time.sleep(when)
    else:
        while when not in seen:
            line = proc.stderr.readline()
            assert line, f"the solve ended before showing {when!r}: {seen}"
            seen += line
    os.killpg(proc.pid, signal.SIGINT)
    rest = proc.stderr.read()
    proc.wait(120)
    plans = 0
    if db.exists():
        with sqlite3.connect(db) as conn:
            plans = conn.execute("SELECT count(*) FROM plan").fetchone()[0]
    return proc.returncode, seen + rest, plans


def _clean(code: int, err: str) -> None:
    assert code >= 0, f"killed by signal {-code}: {err}"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "FATAL" not in err and "terminate called" not in err, err


@pytest.mark.slow
def test_ctrl_c_while_loading_says_so_in_one_line(tmp_path: Path) -> None:
    code, err, plans = _solve_and_interrupt(tmp_path, 0.3)
    _clean(code, err)
    assert code == 130 and plans == 0
    assert err.strip().splitlines() == ["interrupted (Ctrl-C) while starting; nothing was done"]


@pytest.mark.slow
def test_ctrl_c_before_the_search_has_a_plan_stores_nothing(tmp_path: Path) -> None:
    code, err, plans = _solve_and_interrupt(tmp_path, "time limit")  # the case is read
    _clean(code, err)
    if code == 0:  # the first plan came first, on a fast machine: it is stored
        assert plans == 1
    else:
        assert (code, plans) in ((1, 0), (130, 0))
        assert err.strip().splitlines()[-1].startswith("error: interrupted (Ctrl-C)")


@pytest.mark.slow
def test_ctrl_c_during_the_search_stores_the_best_plan(tmp_path: Path) -> None:
    code, err, plans = _solve_and_interrupt(tmp_path, "best ")  # a plan is in hand
    _clean(code, err)
    assert code == 0 and plans == 1
