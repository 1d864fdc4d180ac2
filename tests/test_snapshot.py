"""Snapshots of the input kept with stored plans: those stored before credentials were general
still load, and give the hash they had; credentials of any kind round trip."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from typing import Any

from rotation.domain import Credential, SolverSettings, requirements
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict
from tests.builders import course_def, credential, demand, instance, khmer, officer, posting, rules

# A snapshot as the first format wrote it, before postings could ask for any credential: a
# course's grant under "grants_language", certificates as [language, level, from, until].
FIRST_FORMAT: dict[str, Any] = {
    "format": 1,
    "name": "stored before credentials",
    "rules": {
        "start": "2026-01-01", "months": 6, "deployment_months": 2, "min_rest_months": 0,
        "max_deployments": None, "fairness_target": 18, "fairness_lookback_months": 36,
        "training_lead_days": 14,
        "weights": {"unmet_demand": 1000, "fairness": 1, "preference": 5, "training": 2},
    },
    "courses": [{"id": "k2", "name": "Khmer", "grants_language": "khmer", "grants_level": 2,
                 "validity_months": 24}],
    "sessions": [],
    "postings": [{"id": "P", "name": "Post P", "timezone": "Asia/Phnom_Penh", "hardship": 1,
                  "min_khmer_level": 2, "required_courses": ["k2"], "min_supervisors": 0,
                  "min_specialists": []}],
    "demands": [{"posting": "P", "first": "2026-01-01", "last": "2026-06-01", "minimum": 1,
                 "maximum": 1}],
    "officers": [{"id": "A", "name": "Officer A", "rank": "inspector", "specialties": [],
                  "home_unit": "", "preferences": [],
                  "certificates": [["khmer", 3, "2024-01-01", None]],
                  "courses": [["k2", "2025-01-01", None]], "unavailability": [], "history": []}],
}


def test_a_snapshot_of_the_first_format_loads_and_keeps_its_hash() -> None:
    inst = instance_from_dict(copy.deepcopy(FIRST_FORMAT))
    assert inst.solver == SolverSettings()  # stored before the solver settings were kept
    assert inst.officers[0].certificates == (Credential("khmer", 3, date(2024, 1, 1)),)
    assert inst.courses[0].grants_credential == "khmer"
    assert [str(n) for n in requirements(inst.posting_by_id["P"])] == ["k2", "Khmer level 2"]
    again = instance_to_dict(inst)
    del again["calendar"], again["output"]  # presentation, not part of the hash
    assert again == FIRST_FORMAT
    assert input_hash(inst) == input_hash(instance_from_dict(again))


def test_credentials_of_any_kind_round_trip() -> None:
    inst = instance(
        [officer("A", "inspector", certificates=[
            khmer(2, date(2024, 1, 1)), credential("passport", date(2020, 5, 1), date(2030, 4, 30)),
            credential("security", date(2025, 1, 1), level=3)])],
        [posting("P", khmer=1, credentials=[("passport", 0), ("security", 2)])],
        [demand("P", 0, 1, 0, 1)],
        rules(6, 2),
        courses=[course_def("heat", language="heat", validity=12)],
    )
    data = json.loads(json.dumps(instance_to_dict(inst)))
    assert replace(instance_from_dict(data), solver=inst.solver) == inst  # solver: not kept
    assert data["postings"][0]["required_credentials"] == [["passport", 0], ["security", 2]]


def test_the_solver_settings_are_kept_but_not_hashed() -> None:
    """A stored input keeps the case's [solver] settings (a re-plan or a capacity question
    later searches as long as the case asks), but they are no part of the problem: its hash
    is the one it had before they were kept."""
    inst = instance_from_dict(copy.deepcopy(FIRST_FORMAT))
    asked = replace(inst, solver=SolverSettings(time_limit=120, work_limit=30, seed=3))
    data = json.loads(json.dumps(instance_to_dict(asked)))
    assert data["solver"] == {"time_limit": 120, "work_limit": 30, "seed": 3}
    assert instance_from_dict(data) == asked
    assert input_hash(asked) == input_hash(inst)
    assert "solver" not in instance_to_dict(inst)  # the defaults: the first format's keys only
