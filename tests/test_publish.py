"""Publishing: versions that are never edited, an audit log, labels and deletions, and feeds
that show the latest published version only, read without a write.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from starlette.testclient import TestClient

from rotation.calendars.feeds import new_token
from rotation.calendars.server import create_app
from rotation.errors import ConflictError, InputError
from rotation.plan import Plan
from rotation.storage import Store
from rotation.workflow import choose_plan, publish
from tests import calendar_cases as cc
from tests.builders import sqlite_contents

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# The hand-built calendar case's plans, without the enrolment in a session the case lacks.
ONE = Plan((cc.FIRST, cc.SECOND, cc.DROPPED, cc.KEPT))
TWO = cc.REVISED


def _sqlite(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'r.db'}")


def test_each_publish_is_a_new_version_and_the_audit_log_says_who_what_and_why(
        tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    first = cc.stored(store, ONE)
    second = cc.stored(store, TWO)
    one = publish(store, first.id, "Kim", "first rotation", AT)
    two = publish(store, second.id, "Lee", "K-0002 withdrawn", AT + timedelta(hours=1))
    again = publish(store, first.id, "Kim", "back to the first", AT + timedelta(hours=2))
    assert (one.version, two.version, again.version) == (1, 2, 3)
    log = store.history()
    assert [(e.action, e.actor, e.plan_id, e.version, e.note) for e in log] == [
        ("publish", "Kim", first.id, 3, "back to the first"),
        ("publish", "Lee", second.id, 2, "K-0002 withdrawn"),
        ("publish", "Kim", first.id, 1, "first rotation"),
    ]
    assert {e.input_hash for e in log} == {first.input_hash}
    latest = store.published(cc.CASE)
    assert latest is not None and (latest.plan_id, latest.version) == (first.id, 3)
    assert store.versions() == {first.id: [1, 3], second.id: [2]}
    # published plans are never edited: the stored plan reads back as it was saved
    assert store.load(first.id).plan == ONE


def test_commands_default_to_the_published_version_and_say_so(tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    with pytest.raises(InputError, match="no plan is published yet"):
        choose_plan(store, None, published_only=True)
    first = cc.stored(store, ONE)
    assert "nothing is published" in choose_plan(store, None).why
    publish(store, first.id, "Kim", "", AT)
    cc.stored(store, TWO)  # a what-if, newer but not published
    chosen = choose_plan(store, None)
    assert chosen.plan_id == first.id and "published version 1" in chosen.why


def test_only_unpublished_plans_can_be_deleted_and_labels_are_audited(tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    kept = cc.stored(store, ONE)
    whatif = cc.stored(store, TWO)
    publish(store, kept.id, "Kim", "", AT)
    store.label(whatif.id, "surge what-if", "Lee", AT)
    assert store.load(whatif.id).label == "surge what-if"
    with pytest.raises(InputError, match="published as version 1"):
        store.delete(kept.id, "Lee", AT)
    store.delete(whatif.id, "Lee", AT)
    assert [r.id for r in store.plans()] == [kept.id]
    assert [(e.action, e.plan_id) for e in store.history()] == [
        ("delete", whatif.id), ("label", whatif.id), ("publish", kept.id)]


def test_a_plan_breaking_a_hard_rule_is_not_published(tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    broken = cc.stored(store, cc.ORIGINAL)  # enrols K-0002 in a session the case lacks
    with pytest.raises(InputError, match="breaks a hard rule"):
        publish(store, broken.id, "Kim", "", AT)
    assert store.history() == []


def _feed(client: TestClient, token: str) -> dict[str, str]:
    reply = client.get(f"/feeds/{token}.ics")
    assert reply.status_code == 200, reply.text
    cal = icalendar.Calendar.from_ical(reply.content)
    return {str(e["UID"]): str(e["STATUS"]) for e in cal.walk("VEVENT")}


def test_feeds_show_the_published_version_only_and_reading_them_writes_nothing(
        tmp_path: Path) -> None:
    store = _sqlite(tmp_path)
    token, digest = new_token()
    store.add_token(digest, cc.CASE, "officer", "K-0002", AT)
    client = TestClient(create_app(store, lambda: AT), raise_server_exceptions=False)
    original = cc.stored(store, ONE)
    assert client.get(f"/feeds/{token}.ics").status_code == 404  # nothing published yet
    publish(store, original.id, "Kim", "", AT)
    shown = _feed(client, token)
    assert shown and set(shown.values()) == {"CONFIRMED"}
    database = Path(tmp_path / "r.db")
    before = sqlite_contents(database)
    cc.stored(store, TWO)  # a what-if solve drops K-0002: officers must not see it
    before = sqlite_contents(database)
    for _ in range(5):
        assert _feed(client, token) == shown
    assert sqlite_contents(database) == before
    publish(store, store.latest_id() or 0, "Kim", "re-plan", AT + timedelta(days=1))
    assert set(_feed(client, token).values()) == {"CANCELLED"}


def _race(store_a: Store, store_b: Store, plan_id: int, monkeypatch: pytest.MonkeyPatch
          ) -> list[Any]:
    """Two planners publish the same case at once: both read the latest version before either
    writes."""
    barrier = threading.Barrier(2, timeout=10)
    original = Store._next_version

    def next_version(self: Store, session: Any, case: str) -> int:
        version = original(self, session, case)
        barrier.wait()
        return version

    monkeypatch.setattr(Store, "_next_version", next_version)
    outcomes: list[Any] = [None, None]

    def run(i: int, store: Store) -> None:
        try:
            outcomes[i] = publish(store, plan_id, f"planner {i}", "", AT)
        except ConflictError as err:
            outcomes[i] = err

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate((store_a, store_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def _one_wins(store: Store, outcomes: list[Any]) -> None:
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    wins = [o for o in outcomes if o is not None and not isinstance(o, ConflictError)]
    assert len(conflicts) == 1 and len(wins) == 1, outcomes
    assert "nothing was written" in str(conflicts[0])
    assert [e.version for e in store.history()] == [1]


@pytest.mark.postgres
def test_two_planners_publishing_at_once_on_postgres_one_wins(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    setup = Store(postgres_url)
    plan = cc.stored(setup, ONE)
    outcomes = _race(Store(postgres_url), Store(postgres_url), plan.id, monkeypatch)
    _one_wins(setup, outcomes)


def test_two_planners_publishing_at_once_on_sqlite_one_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setup = _sqlite(tmp_path)
    plan = cc.stored(setup, ONE)
    outcomes = _race(_sqlite(tmp_path), _sqlite(tmp_path), plan.id, monkeypatch)
    _one_wins(setup, outcomes)
