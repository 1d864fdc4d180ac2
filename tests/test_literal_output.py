"""Input text is printed as it is written: rich markup in a name is shown, not obeyed (and a
stray closing tag no longer crashes the command), and escape sequences and other control
characters in any input text never reach the terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rotation.cli import plain
from tests.conftest import CaseMaker, replace_line

ROOT = Path(__file__).resolve().parents[1]
BOLD = "X [/bold] Y"
LINK = "[link=http://x]y[/link] Lee"
ESCAPED = "\x1b[31mRED\x1b[0m Park\x07\x1b]8;;http://evil\x1b\\"


@pytest.fixture
def hostile(make_case: CaseMaker) -> Path:
    return make_case({
        "officers.csv": lambda text: text
        .replace("Kim Min-jun", f'"{BOLD}"')
        .replace("Lee Seo-yeon", f'"{LINK}"')
        .replace("Park Ji-ho", f'"{ESCAPED}"'),
        "postings.csv": replace_line(
            "SHV,Sihanoukville,Asia/Phnom_Penh,2,0,,0,",
            "SHV,[red]Sihanoukville[/],Asia/Phnom_Penh,2,0,,0,"),
        # TOML writes the escape character as \u001b
        "rules.toml": replace_line('name = "Tiny test case"',
                                   'name = "[bold]Case[/bold] \\u001b[2J"'),
    })


def _rotation(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300", "TERM": "xterm"}
    env.pop("ROTATION_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "rotation", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_names_and_other_input_text_are_printed_literally(hostile: Path, tmp_path: Path
                                                          ) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    shown = ""
    for args in (("solve", hostile), ("show",), ("plans",), ("training",),
                 ("publish", "--by", "[b]Kim[/b]\x1b[5m", "--note", "[/] \x1b[1mnote"),
                 ("history",), ("label", "1", "[i]what-if[/i]\x1b[7m", "--by", "x"),
                 ("plans",), ("feeds", "create", "--officer", "K-0003"), ("feeds", "list"),
                 ("show", "--posting", "\x1b[31mSHV")):
        proc = _rotation(*args, "--db", db, cwd=tmp_path)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        assert proc.returncode in (0, 2), (args, proc.stdout, proc.stderr)
        shown += proc.stdout + proc.stderr
    assert "\x1b" not in shown and "\x07" not in shown
    for literal in (BOLD, "[link=http://x]y[/link] Lee", "RED Park", "[red]Sihanoukville[/]",
                    "[bold]Case[/bold]", "[b]Kim[/b]", "[/] note", "[i]what-if[/i]"):
        assert literal in shown, literal


@pytest.mark.parametrize(("raw", "printed"), [
    ("plain", "plain"),
    ("X [/bold] Y", "X [/bold] Y"),
    ("\x1b[31mred\x1b[0m", "red"),
    ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
    ("a\x1b]0;title\x07b", "ab"),
    ("bell\x07 back\x08space \r\x00nul \x9b31m!", "bell backspace nul !"),
    ("right\u202eto left\u2066", "rightto left"),
    ("line one\nline two\ttab", "line one\nline two\ttab"),
    ("캄보디아 ភ្នំពេញ", "캄보디아 ភ្នំពេញ"),
])
def test_plain_strips_escape_sequences_and_control_characters(raw: str, printed: str) -> None:
    assert plain(raw) == printed
