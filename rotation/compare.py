"""Plans side by side, by value: staffing per posting and month, totals, and who moves.

Any stored plans compare, of the case or of its scenarios: a scenario may add postings or
officers, so postings, months and officers are the union of the plans', and a posting a plan
does not have reads as closed there. The first plan is the reference that the officers'
changes are said against. Everything here is computed from the plans and their snapshots alone
(never the solver), as plain values that the terminal table, the JSON and CSV files and the HTML
page all render, so that a figure is computed in one place.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from constraints import skill_mix
from constraints.facts import touched_months
from rotation.errors import InputError, NotFoundError, Problem
from rotation.report import hardship_loads, staffing, write_csv, write_json
from rotation.storage import Store, StoredPlan

__all__ = ["Cell", "Comparison", "OfficerChange", "Side", "Totals", "compare", "load_sides",
           "write_csv_tables"]


@dataclass(frozen=True)
class Side:
    """One plan of the comparison and what it is."""

    label: str
    plan_id: int
    scenario: str | None
    stored: StoredPlan


@dataclass(frozen=True)
class Cell:
    """One posting in one month of one plan (``None`` where the plan has no such posting)."""

    minimum: int
    maximum: int
    assigned: int

    @property
    def unmet(self) -> int:
        return max(0, self.minimum - self.assigned)


@dataclass(frozen=True)
class Totals:
    """A plan's figures for the whole horizon."""

    status: str
    objective: int | None
    gap: float | None
    officers_deployed: int
    deployments: int
    officer_months: int
    """Months of the horizon the plan's deployments cover, summed over deployments."""
    unmet_officer_months: int
    mix_missing: int
    """Supervisor- and specialist-months missing (the skill mix rule's shortfalls)."""
    hardship_min: int
    hardship_max: int
    hardship_std: float
    """Spread of the hardship load (docs/rules.md) across the officers the plan deploys."""
    training_seats: int
    cost_by_rule: dict[str, int]


@dataclass(frozen=True)
class OfficerChange:
    """An officer whose deployments differ between plans: each plan's deployments in words, and
    against the first plan what was added (+) and taken away (-)."""

    officer: str
    name: str
    deployments: tuple[str, ...]
    changes: tuple[str, ...]
    """One per plan after the first."""


@dataclass(frozen=True)
class Comparison:
    sides: tuple[Side, ...]
    postings: tuple[tuple[str, str], ...]
    """(id, name) of every posting any plan has, in the order first met."""
    months: tuple[str, ...]
    cells: dict[tuple[str, str], tuple[Cell | None, ...]]
    totals: tuple[Totals, ...]
    officers: tuple[OfficerChange, ...]

    def staffing_rows(self) -> list[dict[str, Any]]:
        """Posting x month, and per plan its demand, assigned and unmet: the CSV's rows."""
        rows = []
        for pid, name in self.postings:
            for month in self.months:
                row: dict[str, Any] = {"posting": pid, "posting_name": name, "month": month}
                for side, cell in zip(self.sides, self.cells[pid, month], strict=True):
                    row[f"{side.label} min"] = cell.minimum if cell else 0
                    row[f"{side.label} max"] = cell.maximum if cell else 0
                    row[f"{side.label} assigned"] = cell.assigned if cell else 0
                    row[f"{side.label} unmet"] = cell.unmet if cell else 0
                rows.append(row)
        return rows

    def totals_rows(self) -> list[dict[str, Any]]:
        """One row per figure, one column per plan."""
        names = [f for f in Totals.__dataclass_fields__ if f != "cost_by_rule"]
        rules = sorted({r for t in self.totals for r in t.cost_by_rule})
        rows: list[dict[str, Any]] = []
        for name in names:
            rows.append({"figure": name.replace("_", " "),
                         **{s.label: _figure(getattr(t, name))
                            for s, t in zip(self.sides, self.totals, strict=True)}})
        for rule in rules:
            rows.append({"figure": f"cost: {rule}",
                         **{s.label: t.cost_by_rule.get(rule, 0)
                            for s, t in zip(self.sides, self.totals, strict=True)}})
        return rows

    def officer_rows(self) -> list[dict[str, Any]]:
        rows = []
        for o in self.officers:
            row: dict[str, Any] = {"officer": o.officer, "name": o.name}
            for side, text in zip(self.sides, o.deployments, strict=True):
                row[side.label] = text
            for side, text in zip(self.sides[1:], o.changes, strict=True):
                row[f"change in {side.label}"] = text
            rows.append(row)
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "plans": [{"label": s.label, "plan": s.plan_id, "scenario": s.scenario,
                       "case": s.stored.case_name, "input_hash": s.stored.input_hash,
                       "totals": asdict(t)}
                      for s, t in zip(self.sides, self.totals, strict=True)],
            "staffing": self.staffing_rows(),
            "officers": [asdict(o) for o in self.officers],
        }


def _figure(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    return "" if value is None else value


def load_sides(store: Store, refs: Sequence[str]) -> list[Side]:
    """The plans named by ``refs``: a plan id, or a scenario's name for its newest plan."""
    if len(refs) < 2:
        raise InputError(Problem("name at least two plans or scenarios to compare",
                                 field="PLANS"))
    sides = []
    for ref in refs:
        scenario: str | None
        if ref.isdigit():
            plan_id = int(ref)
            scenario = store.scenario_of(plan_id)
        else:
            found = store.scenario(ref)
            if not found.plans:
                raise NotFoundError(f"scenario '{ref}' has no plan yet; 'rotation scenario solve "
                                    f"{ref}' makes one")
            plan_id, scenario = found.plans[-1], ref
        stored = store.load(plan_id)
        label = f"plan {plan_id}" + (f" ({scenario})" if scenario else "")
        sides.append(Side(label, plan_id, scenario, stored))
    return sides


def compare(sides: Sequence[Side]) -> Comparison:
    """Compare plans; the first is the reference for the officers' changes."""
    postings: dict[str, str] = {}
    months: list[str] = []
    per_plan: list[dict[tuple[str, str], Cell]] = []
    for side in sides:
        inst = side.stored.instance
        for p in inst.postings:
            postings.setdefault(p.id, p.name)
        for t in inst.months:
            label = inst.rules.month_label(t)
            if label not in months:
                months.append(label)
        per_plan.append({(s.posting, s.month): Cell(s.minimum, s.maximum, s.assigned)
                         for s in staffing(inst, side.stored.plan)})
    months.sort()
    cells = {(pid, m): tuple(found.get((pid, m)) for found in per_plan)
             for pid in postings for m in months}
    return Comparison(tuple(sides), tuple(postings.items()), tuple(months), cells,
                      tuple(_totals(side) for side in sides), _officers(sides))


def _totals(side: Side) -> Totals:
    stored = side.stored
    inst, plan = stored.instance, stored.plan
    officer_months = sum(
        sum(1 for t in touched_months(inst, d.start, d.end) if 0 <= t < inst.rules.months)
        for d in plan.deployments)
    unmet = sum(max(0, s.minimum - s.assigned) for s in staffing(inst, plan))
    deployed = {d.officer for d in plan.deployments}
    loads = [load for officer, load in hardship_loads(inst, plan).items() if officer in deployed]
    return Totals(
        status=stored.status.value,
        objective=stored.objective,
        gap=stored.gap,
        officers_deployed=len(deployed),
        deployments=len(plan.deployments),
        officer_months=officer_months,
        unmet_officer_months=unmet,
        mix_missing=sum(g.missing for g in skill_mix.unmet(inst, plan)),
        hardship_min=min(loads, default=0),
        hardship_max=max(loads, default=0),
        hardship_std=statistics.pstdev(loads) if loads else 0.0,
        training_seats=len(plan.enrolments),
        cost_by_rule=dict(stored.cost_by_rule),
    )


def _officers(sides: Sequence[Side]) -> tuple[OfficerChange, ...]:
    names: dict[str, str] = {}
    order: dict[str, int] = {}
    for side in sides:
        for o in side.stored.instance.officers:
            names.setdefault(o.id, o.name)
            order.setdefault(o.id, len(order))
    spans = []
    for side in sides:
        rules = side.stored.instance.rules
        found: dict[str, set[tuple[str, str, str]]] = {}
        for d in side.stored.plan.deployments:
            found.setdefault(d.officer, set()).add(
                (d.posting, f"{d.start:%Y-%m}", rules.month_label(rules.month_of(d.end))))
        spans.append(found)
    out = []
    for officer in sorted({o for found in spans for o in found}, key=lambda o: order.get(o, 0)):
        mine = [found.get(officer, set()) for found in spans]
        if all(m == mine[0] for m in mine[1:]):
            continue
        changes = []
        for other in mine[1:]:
            plus = [f"+{_span(s)}" for s in sorted(other - mine[0], key=lambda s: s[1])]
            minus = [f"-{_span(s)}" for s in sorted(mine[0] - other, key=lambda s: s[1])]
            changes.append("; ".join(minus + plus) or "same")
        out.append(OfficerChange(
            officer, names.get(officer, ""),
            tuple("; ".join(_span(s) for s in sorted(m, key=lambda s: s[1])) or "-"
                  for m in mine),
            tuple(changes)))
    return tuple(out)


def _span(item: tuple[str, str, str]) -> str:
    posting, first, last = item
    return f"{posting} {first}..{last}"


def write_csv_tables(comparison: Comparison, folder: Path) -> list[Path]:
    """``staffing.csv``, ``totals.csv`` and ``officers.csv`` in ``folder`` (formula-safe)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows, columns in (
            ("staffing.csv", comparison.staffing_rows(), ("posting", "month")),
            ("totals.csv", comparison.totals_rows(), ("figure",)),
            ("officers.csv", comparison.officer_rows(), ("officer", "name"))):
        write_csv(folder / name, rows, columns)
        written.append(folder / name)
    return written


def write_json_file(comparison: Comparison, path: Path) -> Path:
    write_json(path, comparison.to_json())
    return path
