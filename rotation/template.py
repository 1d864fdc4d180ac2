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

from rotation.domain import KOREAN_RANKS, MAX_LEVEL, RANKS
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

# Every key of rules.toml with its default, the horizon an example; the notes column is read past.
_RULES: tuple[tuple[str, Any, str], ...] = (
    ("name", "New case", "shown in reports and calendars"),
    ("horizon.start", "2026-01", "first month planned, YYYY-MM (required)"),
    ("horizon.months", 12, "number of months planned (required)"),
    ("deployment.months", 6, "length of every deployment, in whole months"),
    ("deployment.min_rest_months", 6, "whole months between two deployments of one officer"),
    ("fairness.target_hardship_months", 18, "hardship load an officer may carry before it costs"),
    ("fairness.lookback_months", 36, "how far back history counts toward that load"),
    ("training.min_days_before_deployment", 14, "a session ends at least this many days before"),
    ("weights.unmet_demand", 1000, "per officer short of a posting's minimum, per month"),
    ("weights.fairness", 1, "per hardship-month above the target, per officer"),
    ("weights.preference", 5, "per deployment at a posting the officer did not list"),
    ("weights.training", 2, "per week away in a training session"),
    ("solver.time_limit", 60, "wall-clock seconds at most"),
    ("solver.seed", 0, ""),
    ("solver.workers", 1, ""),
    ("calendar.contact", "", "planning-cell contact in every event; blank = none"),
    ("calendar.home_timezone", "Asia/Seoul", "IANA zone travel starts from and returns to"),
    ("calendar.outbound_departure", "09:00", "HH:MM, home time, on a deployment's first day"),
    ("calendar.return_departure", "15:00", "HH:MM, posting time, on a deployment's last day"),
    ("calendar.travel_minutes", 330, "1 to 2880"),
    ("calendar.handover_days", 3, "0 to 14 days each side of a changeover; 0 = none"),
    ("calendar.cancelled_retention_days", 90, "days a cancelled event is still shown"),
)

_DATES = ("start", "end", "from", "to", "valid_from", "valid_until", "completed_on", "expires_on")
_TEXT = {("demand", "from"), ("demand", "to"), ("rules", "value")}
_WHOLE: dict[str, tuple[int, int | None]] = {
    "hardship": (0, 5), "min_khmer_level": (0, MAX_LEVEL), "min_supervisors": (0, None),
    "min": (0, None), "max": (0, None), "seats": (0, None), "level": (1, MAX_LEVEL),
    "grants_level": (1, MAX_LEVEL), "validity_months": (1, None),
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
