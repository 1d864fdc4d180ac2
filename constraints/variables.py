"""The decision variables and the questions rules ask about them.

One boolean per (officer, posting, start month) that no rule has ruled out beforehand: the officer
starts a deployment of the configured length at that posting in that month. Rules read the
variables only through the query methods here, never through private state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from ortools.sat.python import cp_model

from rotation.domain import Instance, Officer, Posting, Session
from rotation.plan import Plan

__all__ = ["Key", "Variables"]

Key = tuple[str, str, int]
"""(officer id, posting id, start month)."""


class Variables:
    """Start variables with indexes by officer and by (posting, start month).

    With ``free`` given, only those officers get variables; everyone else's part of ``fixed``
    stays as it is and counts like history does (presence, mix, seats). That is how a plan is
    improved a neighbourhood at a time: the model stays the size of the neighbourhood.
    """

    def __init__(
        self,
        model: cp_model.CpModel,
        inst: Instance,
        allows: Callable[[Officer, Posting, int], bool],
        fixed: Plan | None = None,
        free: frozenset[str] | None = None,
    ) -> None:
        self._inst = inst
        self._held: dict[tuple[str, int], list[str]] = {
            key: list(ids) for key, ids in inst.carried_over.items()
        }
        self._taken: Counter[str] = Counter()
        if fixed is not None and free is not None:
            for d in fixed.deployments:
                if d.officer in free:
                    continue
                last = min(inst.rules.month_of(d.end), inst.rules.months - 1)
                for t in range(max(inst.rules.month_of(d.start), 0), last + 1):
                    self._held.setdefault((d.posting, t), []).append(d.officer)
            self._taken.update(e.session for e in fixed.enrolments if e.officer not in free)
        self._x: dict[Key, Any] = {}
        self._by_officer: dict[str, list[tuple[str, int, Any]]] = defaultdict(list)
        self._by_posting_start: dict[tuple[str, int], list[tuple[str, Any]]] = defaultdict(list)
        self._by_officer_start: dict[tuple[str, int], list[Any]] = defaultdict(list)
        # The officers this model decides: everyone, or the neighbourhood. Rules loop over
        # these; at 5,000 officers, looping over everyone cost seconds per neighbourhood.
        self.decided: tuple[Officer, ...] = (
            inst.officers if free is None else tuple(o for o in inst.officers if o.id in free)
        )
        for o in self.decided:
            for p in inst.postings:
                for s in inst.rules.start_months:
                    if not allows(o, p, s):
                        continue
                    var = model.new_bool_var(f"start[{o.id},{p.id},{s}]")
                    self._x[o.id, p.id, s] = var
                    self._by_officer[o.id].append((p.id, s, var))
                    self._by_officer_start[o.id, s].append(var)
                    self._by_posting_start[p.id, s].append((o.id, var))

        self._model = model
        self._e: dict[tuple[str, str], Any] = {}
        self._by_session: dict[str, list[tuple[str, Any]]] = defaultdict(list)

    def held(self, posting: str, month: int) -> list[str]:
        """Officers at ``posting`` in ``month`` whatever the model decides: history running into
        the horizon, and deployments of officers outside the neighbourhood being solved."""
        return self._held.get((posting, month), [])

    def seats_left(self, session: Session) -> int:
        """Seats of ``session`` not taken by officers outside the neighbourhood."""
        return session.seats - self._taken[session.id]

    def __len__(self) -> int:
        return len(self._x)

    # -- training enrolments: created on first use, so only useful ones exist -----------------
    def enrolment(self, officer: str, session: str) -> Any:
        """The boolean 'officer sits session', created the first time a rule asks for it."""
        var = self._e.get((officer, session))
        if var is None:
            var = self._model.new_bool_var(f"enrol[{officer},{session}]")
            self._e[officer, session] = var
            self._by_session[session].append((officer, var))
        return var

    def enrolments(self) -> Iterator[tuple[tuple[str, str], Any]]:
        """((officer, session), variable) for every enrolment variable created so far."""
        return iter(list(self._e.items()))

    def enrolled_in(self, session: str) -> list[tuple[str, Any]]:
        """(officer, variable) for everyone who could sit ``session``."""
        return self._by_session.get(session, [])

    def items(self) -> Iterator[tuple[Key, Any]]:
        return iter(self._x.items())

    def of_officer(self, officer: str) -> list[tuple[str, int, Any]]:
        """(posting, start month, variable) for every deployment the officer could start."""
        return self._by_officer.get(officer, [])

    def starting(self, posting: str, start: int) -> list[tuple[str, Any]]:
        """(officer, variable) for every deployment that could start at ``posting`` in ``start``."""
        return self._by_posting_start.get((posting, start), [])

    def present(self, posting: str, month: int) -> list[tuple[str, Any]]:
        """(officer, variable) for every deployment that would cover ``posting`` in ``month``."""
        length = self._inst.rules.deployment_months
        out: list[tuple[str, Any]] = []
        for s in range(max(0, month - length + 1), month + 1):
            out.extend(self.starting(posting, s))
        return out

    def officers_starting(self, posting: str, start: int) -> list[str]:
        """Officers who may start a deployment at ``posting`` in ``start``."""
        return [officer for officer, _ in self.starting(posting, start)]

    def officer_window(self, officer: str, first: int, last: int) -> list[Any]:
        """Variables of the officer's deployments starting in months ``first``..``last``."""
        out: list[Any] = []
        for s in range(max(first, 0), last + 1):
            out.extend(self._by_officer_start.get((officer, s), ()))
        return out
