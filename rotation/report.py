"""Plans turned into tables people read: staffing per posting and month, deployment lists, exports.

Pure functions from (instance, plan) to rows; rendering to a terminal lives in the CLI, writing
files lives in :func:`write_csv` and :func:`write_json`. Text cells that a spreadsheet would run
as a formula are neutralised on export.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constraints.facts import presence
from rotation.domain import Instance
from rotation.plan import Plan

__all__ = ["Staffing", "deployment_rows", "staffing", "write_csv", "write_json"]


@dataclass(frozen=True)
class Staffing:
    """One posting in one month: what was asked and who is there."""

    posting: str
    month: str
    minimum: int
    maximum: int
    officers: tuple[str, ...]

    @property
    def assigned(self) -> int:
        return len(self.officers)

    @property
    def unmet(self) -> int:
        return max(0, self.minimum - self.assigned)


def staffing(inst: Instance, plan: Plan) -> list[Staffing]:
    """Posting x month cells in posting order, then month order; history counts as present."""
    there = presence(inst, plan)
    out = []
    for p in inst.postings:
        for t in inst.months:
            lo, hi = inst.demand(p.id, t)
            officers = tuple(sorted(there.get((p.id, t), ())))
            out.append(Staffing(p.id, inst.rules.month_label(t), lo, hi, officers))
    return out


def deployment_rows(inst: Instance, plan: Plan) -> list[dict[str, str]]:
    """One row per deployment with the names a reader needs beside the ids."""
    rows = []
    for d in plan.deployments:
        officer = inst.officer_by_id[d.officer]
        posting = inst.posting_by_id[d.posting]
        rows.append(
            {
                "officer": d.officer,
                "name": officer.name,
                "rank": officer.rank,
                "posting": d.posting,
                "posting_name": posting.name,
                "timezone": posting.timezone,
                "start": d.start.isoformat(),
                "end": d.end.isoformat(),
            }
        )
    return rows


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Prefix text that a spreadsheet would evaluate, so exported names never run as formulas."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        if not rows:
            handle.write("")
            return
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")
