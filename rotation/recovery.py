"""Recovery files: a finished plan the database would not take, kept on disk until it can.

A solve can run for minutes; the database may be locked, full, damaged or unreachable when it
ends. The plan is then written, with the input snapshot it was solved from and the solve's
figures, to a JSON file readable by its owner only, and ``rotation import-plan FILE`` stores it
later, after the validator has checked it again (:func:`rotation.workflow.import_plan`).

The file is self-contained: ``input`` is the same snapshot a stored plan keeps
(:mod:`rotation.snapshot`), ``plan`` lists deployments and enrolments, ``result`` the status,
objective, bound, wall time, stop reason, parameters, cost by rule, unmet demand, statistics
and notes. ``input_hash`` lets the import notice an edited or damaged snapshot.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rotation.domain import Instance
from rotation.errors import InputError, Problem
from rotation.plan import Deployment, Enrolment, MixShortfall, Plan, Result, Shortfall, SolveStatus
from rotation.private import private_folder
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict

__all__ = ["ENV_VAR", "FORMAT", "Recovered", "folders", "read", "write"]

FORMAT = "rotation-recovery/1"
ENV_VAR = "ROTATION_RECOVERY_DIR"


@dataclass(frozen=True)
class Recovered:
    """What a recovery file holds, read back and checked for shape (not yet validated)."""

    instance: Instance
    result: Result
    label: str | None
    based_on: int | None


def folders() -> list[Path]:
    """Where recovery files go, in order of preference: ``$ROTATION_RECOVERY_DIR``, else
    ./rotation-recovery where the command runs, else ~/.rotation-recovery, else the system's
    temporary folder; the first that can be written is used."""
    chosen = os.environ.get(ENV_VAR)
    out = [Path(chosen)] if chosen else []
    out += [Path.cwd() / "rotation-recovery", Path.home() / ".rotation-recovery",
            Path(tempfile.gettempdir()) / f"rotation-recovery-{os.getuid()}"]
    return out


def _document(inst: Instance, result: Result, label: str | None, based_on: int | None,
              reason: str) -> dict[str, Any]:
    assert result.plan is not None
    return {
        "format": FORMAT,
        "written_at": datetime.now(UTC).isoformat(),
        "why": reason,
        "case": inst.name,
        "input_hash": input_hash(inst),
        "input": instance_to_dict(inst),
        "plan": {
            "deployments": [[d.officer, d.posting, d.start.isoformat(), d.end.isoformat()]
                            for d in result.plan.deployments],
            "enrolments": [[e.officer, e.course, e.session, e.start.isoformat(),
                            e.end.isoformat()] for e in result.plan.enrolments],
        },
        "result": {
            "status": result.status.value,
            "objective": result.objective,
            "bound": result.bound,
            "wall_time": result.wall_time,
            "stopped": result.stopped,
            "parameters": result.parameters,
            "cost_by_rule": result.cost_by_rule,
            "unmet": [[s.posting, s.month, s.required, s.assigned] for s in result.unmet],
            "unmet_mix": [[m.posting, m.month, m.role, m.required, m.present]
                          for m in result.unmet_mix],
            "stats": result.stats,
            "notes": list(result.notes),
        },
        "label": label,
        "based_on": based_on,
    }


def write(inst: Instance, result: Result, reason: str, label: str | None = None,
          based_on: int | None = None) -> Path:
    """Write a recovery file for a plan that could not be stored and return its path: in the
    first of :func:`folders` that takes it, made readable by its owner only (folder 0700, file
    0600), complete or not at all (written beside, flushed to disk, then renamed)."""
    text = json.dumps(_document(inst, result, label, based_on, reason), indent=1,
                      ensure_ascii=False, sort_keys=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"plan-{stamp}-{input_hash(inst)[:12]}"
    failures: list[str] = []
    for folder in folders():
        try:
            private_folder(folder)
            for n in range(100):
                path = folder / (f"{name}.json" if n == 0 else f"{name}-{n}.json")
                if not path.exists():
                    break
            part = folder / f".{path.name}.part"
            handle = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            part.replace(path)
            return path
        except OSError as err:
            failures.append(f"{folder}: {err.strerror or err}")
    raise OSError("no folder takes the recovery file (" + "; ".join(failures) + ")")


def read(path: Path) -> Recovered:
    """A recovery file read back; :class:`InputError` naming the file and the field for
    anything that is not one, or whose input snapshot does not match its fingerprint."""
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(Problem(f"cannot read it: {err.strerror or err}", where)) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise InputError(Problem(f"is not a recovery file (not JSON: {err})", where)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(Problem(f"is not a recovery file of this version ({FORMAT})", where,
                                 field="format"))
    field_name = "input"
    try:
        inst = instance_from_dict(doc["input"])
        if input_hash(inst) != doc["input_hash"]:
            raise InputError(Problem("the input snapshot does not match its fingerprint: the "
                                     "file was edited or damaged", where, field="input_hash"))
        field_name = "plan"
        plan = Plan(
            tuple(Deployment(str(o), str(p), date.fromisoformat(s), date.fromisoformat(e))
                  for o, p, s, e in doc["plan"]["deployments"]),
            tuple(Enrolment(str(o), str(c), str(q), date.fromisoformat(s),
                            date.fromisoformat(e))
                  for o, c, q, s, e in doc["plan"]["enrolments"]),
        )
        field_name = "result"
        figures = doc["result"]
        result = Result(
            SolveStatus(figures["status"]), plan, _int(figures["objective"]),
            _int(figures["bound"]), float(figures["wall_time"]),
            cost_by_rule={str(k): int(v) for k, v in figures["cost_by_rule"].items()},
            unmet=tuple(Shortfall(str(p), str(m), int(r), int(a))
                        for p, m, r, a in figures["unmet"]),
            unmet_mix=tuple(MixShortfall(str(p), str(m), str(role), int(r), int(a))
                            for p, m, role, r, a in figures.get("unmet_mix", ())),
            parameters={str(k): v for k, v in figures["parameters"].items()
                        if isinstance(v, int | float) and not isinstance(v, bool)},
            stats={str(k): int(v) for k, v in figures.get("stats", {}).items()},
            stopped=str(figures["stopped"]),
            notes=tuple(str(n) for n in figures.get("notes", ())),
        )
        field_name = "label"
        label = doc.get("label")
        based_on = doc.get("based_on")
        if label is not None and not isinstance(label, str):
            raise TypeError("label is not text")
        if based_on is not None and (not isinstance(based_on, int)
                                     or isinstance(based_on, bool)):
            raise TypeError("based_on is not a plan id")
    except InputError as err:
        raise InputError([Problem(p.message, where, field=p.field or field_name)
                          for p in err.problems]) from None
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(Problem(f"is not a recovery file this version can read ({err!r})",
                                 where, field=field_name)) from None
    return Recovered(inst, result, label, based_on)


def _int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{value!r} is not a whole number")
    return value
