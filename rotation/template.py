"""An empty case to fill in: one workbook, a sheet per table, ready for `rotation check`.

Each sheet has the table's header, one example row and Excel's help where a column takes fixed
values (a rank from a list, a level or hardship in range). The example rows agree with each
other, so the template as written is a valid case: a planner replaces the rows, and
`rotation check` says what is still wrong.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from rotation.domain import (
    KOREAN_RANKS,
    MAX_LEVEL,
    MAX_PRIORITY,
    RANKS,
    CalendarSettings,
    OutputSettings,
    Rules,
    SolverSettings,
    Weights,
)
from rotation.errors import InputError, Problem
from rotation.excel import Sheet, write_workbook
from rotation.tables import SPECS

__all__ = ["write_template"]

_EXAMPLE: dict[str, dict[str, Any]] = {
    "officers": {"id": "K-0001", "name": "Kim Min-jun", "rank": "inspector",
                 "specialties": "cyber", "home_unit": "Seoul Cyber Investigation Unit",
                 "preferences": "PNH"},
    "postings": {"id": "PNH", "name": "Phnom Penh", "timezone": "Asia/Phnom_Penh",
                 "hardship": 1, "required_courses": "khmer-intensive",
                 "required_credentials": "khmer>=2; passport", "min_supervisors": 1,
                 "min_specialists": "cyber:1"},
    "demand": {"posting": "PNH", "from": "2026-01", "to": "2026-12", "min": 1, "max": 1},
    "courses": {"id": "khmer-intensive", "name": "Intensive Khmer language",
                "grants_credential": "khmer", "grants_level": 2, "validity_months": 36},
    "sessions": {"id": "KHM-2026-01", "course": "khmer-intensive",
                 "start": date(2025, 11, 3), "end": date(2025, 12, 12), "seats": 6,
                 "location": "Police Human Resources Development Institute, Asan"},
    "certificates": {"officer": "K-0001", "credential": "passport",
                     "valid_from": date(2024, 5, 2), "valid_until": date(2034, 5, 1)},
    "completed_courses": {"officer": "K-0001", "course": "khmer-intensive",
                          "completed_on": date(2025, 10, 24), "expires_on": date(2028, 10, 24)},
    "unavailability": {"officer": "K-0001", "from": date(2026, 7, 6), "to": date(2026, 7, 17),
                       "reason": "annual leave"},
    "history": {"officer": "K-0001", "posting": "PNH", "start": date(2024, 3, 1),
                "end": date(2024, 8, 31)},
}

_R = Rules.__dataclass_fields__
_W = Weights()
_S = SolverSettings()
_C = CalendarSettings()

# Every key of rules.toml (the loader's keys, rotation.io) with its default, the horizon an
# example; a key that is unset unless given is a blank value, which keeps the default. The notes
# column is read past.
_RULES: tuple[tuple[str, Any, str], ...] = (
    ("name", "New case", "shown in reports and calendars"),
    ("horizon.start", "2026-01", "first month planned, YYYY-MM (required)"),
    ("horizon.months", 12, "number of months planned (required)"),
    ("horizon.allow_past_end", "false", "true for a rolling plan: deployments may end after "
     "the horizon"),
    ("deployment.months", _R["deployment_months"].default,
     "length of every deployment, in whole months"),
    ("deployment.min_rest_months", _R["min_rest_months"].default,
     "whole months between two deployments of one officer"),
    ("deployment.max_per_officer", "", "most deployments per officer in the horizon; blank = "
     "no cap"),
    ("fairness.target_hardship_months", _R["fairness_target"].default,
     "hardship load an officer may carry before it costs"),
    ("fairness.lookback_months", _R["fairness_lookback_months"].default,
     "how far back history counts toward that load"),
    ("training.min_days_before_deployment", _R["training_lead_days"].default,
     "a session ends at least this many days before"),
    ("weights.unmet_demand", _W.unmet_demand, "per officer short of a posting's minimum, per "
     "month"),
    ("weights.fairness", _W.fairness, "per hardship-month above the target, per officer"),
    ("weights.preference", _W.preference, "per deployment at a posting the officer did not list"),
    ("weights.training", _W.training, "per week away in a training session"),
    ("weights.skill_mix", _W.skill_mix, "per supervisor or specialist missing, per posting and "
     "month"),
    ("weights.stability_officer", _W.stability_officer,
     "re-plans: per officer whose published deployments change"),
    ("weights.stability_month", _W.stability_month,
     "re-plans: per month such an officer is at another posting"),
    ("solver.time_limit", int(_S.time_limit), "wall-clock seconds at most"),
    ("solver.seed", _S.seed, ""),
    ("solver.workers", _S.workers, ""),
    ("solver.work_limit", "", "deterministic work units at most; blank = none"),
    ("calendar.contact", _C.contact, "planning-cell contact in every event; blank = none"),
    ("calendar.home_timezone", _C.home_timezone, "IANA zone travel starts from and returns to"),
    ("calendar.outbound_departure", _C.outbound_departure,
     "HH:MM, home time, on a deployment's first day"),
    ("calendar.return_departure", _C.return_departure,
     "HH:MM, posting time, on a deployment's last day"),
    ("calendar.travel_minutes", _C.travel_minutes, "1 to 2880"),
    ("calendar.handover_days", _C.handover_days, "0 to 14 days each side of a changeover; 0 = "
     "none"),
    ("calendar.cancelled_retention_days", _C.cancelled_retention_days,
     "days a cancelled event is still shown"),
    ("output.language", OutputSettings.language, "ko or en: calendars, the HTML report and the "
     "workbook"),
)

_DATES = ("start", "end", "from", "to", "valid_from", "valid_until", "completed_on", "expires_on")
_TEXT = {("demand", "from"), ("demand", "to"), ("rules", "value")}
_WHOLE: dict[str, tuple[int, int | None]] = {
    "hardship": (0, 5), "min_khmer_level": (0, MAX_LEVEL), "min_supervisors": (0, None),
    "min": (0, None), "max": (0, None), "seats": (0, None), "level": (1, MAX_LEVEL),
    "grants_level": (1, MAX_LEVEL), "validity_months": (1, None), "priority": (1, MAX_PRIORITY),
}


def write_template(path: Path) -> None:
    """Write the template workbook at ``path`` (a new ``.xlsx`` file); nothing on error."""
    if path.suffix.lower() != ".xlsx":
        raise InputError(Problem("a template is an Excel workbook; give a name ending in .xlsx",
                                 str(path), field="--out"))
    if not path.parent.is_dir():
        raise InputError(Problem("is not a folder; the template goes into an existing one",
                                 str(path.parent), field="--out"))
    sheets = [Sheet("rules", ("key", "value", "notes"), _RULES, formats=(("value", "@"),))]
    for name, spec in SPECS.items():
        header = spec.known
        example = _EXAMPLE[name]
        sheets.append(Sheet(
            name, header, (tuple(example.get(c, "") for c in header),),
            formats=tuple((c, "@" if (name, c) in _TEXT else "yyyy-mm-dd")
                          for c in header if c in _DATES),
            choices=((("rank", (*RANKS, *KOREAN_RANKS)),) if name == "officers" else ()),
            whole=tuple((c, *_WHOLE[c]) for c in header if c in _WHOLE),
        ))
    write_workbook(path, sheets)
