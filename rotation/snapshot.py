"""An instance as plain JSON-ready data and back, so a stored plan keeps the input it came from.

The snapshot is canonical (sorted keys, sorted sets), which makes its hash a stable fingerprint of
the problem: the same case files give the same hash, whatever the row order of sets inside cells.
The case's solver settings (``[solver]`` in rules.toml) are in the snapshot but not in the hash:
what is planned from a stored input later (a re-plan, a capacity question) must search as long
as the case asks, yet a longer time limit never makes another problem. What one solve actually
ran with (the case's settings with the command's options over them) is stored apart, as that
solve's parameters. Calendar settings are in the snapshot (a stored plan's calendars must not
depend on files that have since changed) but not in the hash: they change how a plan is shown,
never which plan is right. The same holds for the output settings (the language) and postings'
Korean names.

Keys keep the names of the first format where the meaning only widened (a course's
``grants_language`` holds any credential it grants), and keys added since are written only when
they hold something (a weight only when it differs from its default), so that a case that uses
nothing new keeps the hash it had, and every snapshot stored before still loads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date
from typing import Any

from rotation.domain import (
    CalendarSettings,
    CourseCompletion,
    CourseDef,
    Credential,
    Demand,
    Instance,
    Officer,
    OutputSettings,
    PastDeployment,
    Posting,
    Replan,
    Rules,
    Session,
    SolverSettings,
    Unavailability,
    Weights,
)
from rotation.plan import Deployment, Enrolment, Plan

__all__ = [
    "input_hash",
    "instance_from_dict",
    "instance_to_dict",
]

FORMAT = 1


def _d(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw is not None else None


def _req(raw: str) -> date:
    return date.fromisoformat(raw)


def instance_to_dict(inst: Instance) -> dict[str, Any]:
    r = inst.rules
    return {
        "format": FORMAT,
        "name": inst.name,
        "rules": {
            "start": _d(r.start),
            "months": r.months,
            "deployment_months": r.deployment_months,
            "min_rest_months": r.min_rest_months,
            "max_deployments": r.max_deployments,
            "fairness_target": r.fairness_target,
            "fairness_lookback_months": r.fairness_lookback_months,
            "training_lead_days": r.training_lead_days,
            "weights": {
                "unmet_demand": r.weights.unmet_demand,
                "fairness": r.weights.fairness,
                "preference": r.weights.preference,
                "training": r.weights.training,
                # Weights added since the first format: only when not the default.
                **{name: value for name, value in (
                    ("skill_mix", r.weights.skill_mix),
                    ("stability_officer", r.weights.stability_officer),
                    ("stability_month", r.weights.stability_month),
                ) if value != getattr(Weights(), name)},
            },
            # Only when set, so that stored inputs of fixed horizons keep their hash.
            **({"allow_past_end": True} if r.allow_past_end else {}),
        },
        "courses": [
            {
                "id": c.id,
                "name": c.name,
                "grants_language": c.grants_credential,
                "grants_level": c.grants_level,
                "validity_months": c.validity_months,
            }
            for c in inst.courses
        ],
        "sessions": [
            {
                "id": q.id,
                "course": q.course,
                "start": _d(q.start),
                "end": _d(q.end),
                "location": q.location,
                "seats": q.seats,
            }
            for q in inst.sessions
        ],
        "postings": [
            {
                "id": p.id,
                "name": p.name,
                "timezone": p.timezone,
                "hardship": p.hardship,
                "min_khmer_level": p.min_khmer_level,
                "required_courses": sorted(p.required_courses),
                "min_supervisors": p.min_supervisors,
                "min_specialists": [list(x) for x in p.min_specialists],
                # Only when given, so snapshots (and hashes) of cases without it are unchanged.
                **({"name_ko": p.name_ko} if p.name_ko else {}),
                **({"required_credentials": [list(x) for x in p.required_credentials]}
                   if p.required_credentials else {}),
                **({"priority": p.priority} if p.priority != 1 else {}),
            }
            for p in inst.postings
        ],
        "demands": [
            {
                "posting": d.posting,
                "first": _d(d.first),
                "last": _d(d.last),
                "minimum": d.minimum,
                "maximum": d.maximum,
            }
            for d in inst.demands
        ],
        "officers": [
            {
                "id": o.id,
                "name": o.name,
                "rank": o.rank,
                "specialties": sorted(o.specialties),
                "home_unit": o.home_unit,
                "preferences": list(o.preferences),
                "certificates": [
                    [c.name, c.level, _d(c.valid_from), _d(c.valid_until)]
                    for c in o.certificates
                ],
                "courses": [
                    [c.course, _d(c.completed_on), _d(c.expires_on)] for c in o.courses
                ],
                "unavailability": [[_d(u.start), _d(u.end), u.reason] for u in o.unavailability],
                "history": [[h.posting, _d(h.start), _d(h.end)] for h in o.history],
            }
            for o in inst.officers
        ],
        "calendar": asdict(inst.calendar),
        "output": asdict(inst.output),
        # Settings that differ from the defaults only, as the weights: a snapshot stored before
        # solver settings were kept reads back with the defaults, which is what it holds.
        **({"solver": solver} if (solver := _solver_to_dict(inst.solver)) else {}),
        # Only for a re-plan, so every other snapshot (and hash) is as it was.
        **({"replan": _replan_to_dict(inst.replan)} if inst.replan is not None else {}),
    }


def _solver_to_dict(settings: SolverSettings) -> dict[str, Any]:
    default = SolverSettings()
    return {name: value for name, value in asdict(settings).items()
            if value != getattr(default, name)}


def _plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "deployments": [[d.officer, d.posting, _d(d.start), _d(d.end)] for d in plan.deployments],
        "enrolments": [[e.officer, e.course, e.session, _d(e.start), _d(e.end)]
                       for e in plan.enrolments],
    }


def _plan_from_dict(data: dict[str, Any]) -> Plan:
    return Plan(
        tuple(Deployment(o, p, _req(a), _req(b)) for o, p, a, b in data["deployments"]),
        tuple(Enrolment(o, c, q, _req(a), _req(b)) for o, c, q, a, b in data["enrolments"]),
    )


def _replan_to_dict(replan: Replan) -> dict[str, Any]:
    return {
        "version": replan.version,
        "freeze": _d(replan.freeze),
        "baseline": _plan_to_dict(replan.baseline),
        "pinned": _plan_to_dict(replan.pinned),
        "officers": sorted(replan.officers),
    }


def _replan_from_dict(data: dict[str, Any] | None) -> Replan | None:
    if data is None:
        return None
    return Replan(version=data["version"], freeze=_req(data["freeze"]),
                  baseline=_plan_from_dict(data["baseline"]),
                  pinned=_plan_from_dict(data["pinned"]), officers=frozenset(data["officers"]))


def instance_from_dict(data: dict[str, Any]) -> Instance:
    r = data["rules"]
    rules = Rules(
        start=_req(r["start"]),
        months=r["months"],
        deployment_months=r["deployment_months"],
        min_rest_months=r["min_rest_months"],
        max_deployments=r["max_deployments"],
        fairness_target=r["fairness_target"],
        fairness_lookback_months=r["fairness_lookback_months"],
        training_lead_days=r.get("training_lead_days", Rules.training_lead_days),
        allow_past_end=r.get("allow_past_end", False),
        weights=Weights(**r["weights"]),
    )
    return Instance(
        name=data["name"],
        rules=rules,
        courses=tuple(
            CourseDef(
                c["id"],
                c["name"],
                c.get("grants_language", ""),
                c.get("grants_level", 0),
                c.get("validity_months"),
            )
            for c in data["courses"]
        ),
        sessions=tuple(
            Session(q["id"], q["course"], _req(q["start"]), _req(q["end"]), q["location"],
                    q["seats"])
            for q in data.get("sessions", ())
        ),
        postings=tuple(
            Posting(
                id=p["id"],
                name=p["name"],
                timezone=p["timezone"],
                hardship=p["hardship"],
                min_khmer_level=p["min_khmer_level"],
                required_courses=frozenset(p["required_courses"]),
                min_supervisors=p["min_supervisors"],
                min_specialists=tuple((s, n) for s, n in p["min_specialists"]),
                name_ko=p.get("name_ko", ""),
                required_credentials=tuple(
                    (name, level) for name, level in p.get("required_credentials", ())
                ),
                priority=p.get("priority", 1),
            )
            for p in data["postings"]
        ),
        demands=tuple(
            Demand(d["posting"], _req(d["first"]), _req(d["last"]), d["minimum"], d["maximum"])
            for d in data["demands"]
        ),
        officers=tuple(
            Officer(
                id=o["id"],
                name=o["name"],
                rank=o["rank"],
                specialties=frozenset(o["specialties"]),
                home_unit=o["home_unit"],
                preferences=tuple(o["preferences"]),
                certificates=tuple(
                    Credential(name, level, _req(a), _day(b))
                    for name, level, a, b in o["certificates"]
                ),
                courses=tuple(
                    CourseCompletion(course, _req(a), _day(b)) for course, a, b in o["courses"]
                ),
                unavailability=tuple(
                    Unavailability(_req(a), _req(b), reason) for a, b, reason in o["unavailability"]
                ),
                history=tuple(PastDeployment(p, _req(a), _req(b)) for p, a, b in o["history"]),
            )
            for o in data["officers"]
        ),
        # Snapshots stored before calendars had settings read back with the defaults.
        calendar=CalendarSettings(**data.get("calendar", {})),
        output=OutputSettings(**data.get("output", {})),
        # Snapshots stored before the solver settings were kept read back with the defaults.
        solver=SolverSettings(**data.get("solver", {})),
        replan=_replan_from_dict(data.get("replan")),
    )


def input_hash(inst: Instance) -> str:
    """SHA-256 of the canonical snapshot: equal problems, equal hashes. Calendar, output and
    solver settings are left out: they never change which plan is right, and a hash stored
    before they were kept must still match the same input."""
    problem = instance_to_dict(inst)
    del problem["calendar"], problem["output"]
    problem.pop("solver", None)
    for posting in problem["postings"]:
        posting.pop("name_ko", None)
    text = json.dumps(problem, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
