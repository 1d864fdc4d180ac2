"""benchmarks/feed_load.py: the load's window stays open until the re-plan is published.

With a fixed window, a loaded machine published the re-plan (29.9 s) after the clients had
stopped (20.4 s), so the run measured no publish under load at all.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "feed_load.py"


@pytest.fixture(scope="module")
def feed_load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("feed_load", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["feed_load"] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["feed_load"]
    return module


def test_the_load_goes_on_until_a_slow_publish_has_returned(feed_load: ModuleType) -> None:
    window = feed_load.Window(least=25.0, most=300.0, after=3.0)
    assert window.until == 300.0  # not yet published: open, up to the cap
    window.published = 29.9
    assert window.until == pytest.approx(32.9)  # past --seconds: publish plus --after


def test_a_quick_publish_keeps_the_least_length(feed_load: ModuleType) -> None:
    window = feed_load.Window(least=25.0, most=300.0, after=3.0)
    window.published = 12.0
    assert window.until == 25.0


def test_the_cap_and_a_failed_replan_end_the_load(feed_load: ModuleType) -> None:
    window = feed_load.Window(least=25.0, most=40.0, after=3.0)
    window.published = 39.0
    assert window.until == 40.0
    window.failed = True
    assert window.until == 25.0


def test_the_summary_says_when_the_publish_came_against_the_load(
        feed_load: ModuleType) -> None:
    under = {"replan": {"started": 5.0, "solved": 30.5, "published": 48.2, "load_end": 51.4},
             "published_under_load": True}
    assert "published at 48.2 s into a load of 0-51.4 s (3.2 s before the load's end)" in (
        feed_load._replan_line(under))
    late = {"replan": {"started": 5.0, "solved": 28.0, "published": 29.9, "load_end": 20.4},
            "published_under_load": False}
    assert "9.5 s AFTER the load's end" in feed_load._replan_line(late)
    never = {"replan": {"started": 5.0, "load_end": 300.0}, "published_under_load": False}
    assert "NOT published within the load (0-300.0 s)" in feed_load._replan_line(never)
