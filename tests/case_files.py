"""Write an instance back out as the files of a case: a folder of CSV files and rules.toml, or
one workbook with a sheet per table, the way a planner would type it (dates as Excel dates).

Only the tests need this, to show that the loader reads both forms of the same case alike.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from rotation.domain import Instance
from rotation.excel import Sheet, write_workbook
from rotation.tables import SPECS

Row = tuple[Any, ...]


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def _level(level: int) -> int | str:
    return level or ""


def tables(inst: Instance, months_as_dates: bool = False) -> dict[str, list[Row]]:
    """Each table's rows in the order of its columns (``SPECS``), values typed: dates as dates,
    whole numbers as ints, blanks as "". Months are text, or their first day if asked."""
    month = (lambda d: d) if months_as_dates else _month
    officers = inst.officers
    out: dict[str, list[Row]] = {
        "officers": [(o.id, o.name, o.rank, ";".join(sorted(o.specialties)), o.home_unit,
                      ";".join(o.preferences)) for o in officers],
        "postings": [(p.id, p.name, p.timezone, p.hardship, _level(p.min_khmer_level),
                      ";".join(sorted(p.required_courses)),
                      "; ".join(f"{n}>={lv}" if lv else n for n, lv in p.required_credentials),
                      p.min_supervisors, ";".join(f"{s}:{n}" for s, n in p.min_specialists),
                      p.name_ko, p.priority)
                     for p in inst.postings],
        "demand": [(d.posting, month(d.first), month(d.last), d.minimum, d.maximum)
                   for d in inst.demands],
        "courses": [(c.id, c.name, c.grants_credential, _level(c.grants_level),
                     "" if c.validity_months is None else c.validity_months)
                    for c in inst.courses],
        "sessions": [(q.id, q.course, q.start, q.end, q.seats, q.location)
                     for q in inst.sessions],
        "certificates": [(o.id, c.name, _level(c.level), c.valid_from, c.valid_until or "")
                         for o in officers for c in o.certificates],
        "completed_courses": [(o.id, c.course, c.completed_on, c.expires_on or "")
                              for o in officers for c in o.courses],
        "unavailability": [(o.id, u.start, u.end, u.reason)
                           for o in officers for u in o.unavailability],
        "history": [(o.id, h.posting, h.start, h.end) for o in officers for h in o.history],
    }
    return out


def rules(inst: Instance) -> list[tuple[str, Any]]:
    """Every key of rules.toml with the instance's value (those unset left out)."""
    r, w, s, c = inst.rules, inst.rules.weights, inst.solver, inst.calendar
    keys: list[tuple[str, Any]] = [
        ("name", inst.name), ("horizon.start", _month(r.start)), ("horizon.months", r.months),
        ("deployment.months", r.deployment_months),
        ("deployment.min_rest_months", r.min_rest_months),
        ("deployment.max_per_officer", r.max_deployments),
        ("fairness.target_hardship_months", r.fairness_target),
        ("fairness.lookback_months", r.fairness_lookback_months),
        ("training.min_days_before_deployment", r.training_lead_days),
        ("weights.unmet_demand", w.unmet_demand), ("weights.fairness", w.fairness),
        ("weights.preference", w.preference), ("weights.training", w.training),
        ("solver.time_limit", s.time_limit), ("solver.seed", s.seed),
        ("solver.workers", s.workers), ("solver.work_limit", s.work_limit),
        ("calendar.contact", c.contact), ("calendar.home_timezone", c.home_timezone),
        ("calendar.outbound_departure", c.outbound_departure),
        ("calendar.return_departure", c.return_departure),
        ("calendar.travel_minutes", c.travel_minutes),
        ("calendar.handover_days", c.handover_days),
        ("calendar.cancelled_retention_days", c.cancelled_retention_days),
    ]
    return [(k, v) for k, v in keys if v is not None]


def _cell(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def write_csv_case(inst: Instance, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, rows in tables(inst).items():
        with (folder / SPECS[name].file).open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(SPECS[name].known)
            out.writerows([_cell(v) for v in row] for row in rows)
    sections: dict[str, list[str]] = {}
    top = []
    for key, value in rules(inst):
        text = json.dumps(value)
        section, _, rest = key.rpartition(".")
        if section:
            sections.setdefault(section, []).append(f"{rest} = {text}")
        else:
            top.append(f"{key} = {text}")
    blocks = ["\n".join(top)] + [f"[{s}]\n" + "\n".join(lines) for s, lines in sections.items()]
    (folder / "rules.toml").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return folder


def write_xlsx_case(inst: Instance, path: Path, months_as_dates: bool = False) -> Path:
    sheets = [Sheet("rules", ("key", "value"), tuple(rules(inst)))]
    sheets += [Sheet(name, SPECS[name].known, tuple(rows))
               for name, rows in tables(inst, months_as_dates).items()]
    write_workbook(path, sheets)
    return path
