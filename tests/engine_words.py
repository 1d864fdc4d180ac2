"""The English words a solve leaves in a plan's record (status, stop reason, rule names,
parameter names), found here without asking :mod:`rotation.i18n`, so that a word the engine
starts writing and the catalogue does not know makes the language tests fail.

Stop reasons are free text written in rotation/solve/; they are read from its source with
``ast`` (every string given to something named ``stopped``, what ``_why_stopped`` returns, the
reason an ``Outcome`` is built with), so a new reason needs no edit here to be checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from constraints import RULES
from rotation.plan import SolveStatus

__all__ = ["COSTED_RULES", "PARAMETERS", "STATUSES", "english_words_in", "stop_reasons"]

SOLVE = Path(__file__).resolve().parent.parent / "rotation" / "solve"

STATUSES = tuple(s.value for s in SolveStatus)
COSTED_RULES = tuple(r.name for r in RULES if r.cost is not None)
"""The rules a plan's cost is broken down by."""


def _parameter_names() -> tuple[str, ...]:
    """The keys the orchestrator records as a solve's parameters: the literal dict it builds
    and every ``parameters["..."] = ...`` after it."""
    tree = ast.parse((SOLVE / "orchestrator.py").read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "parameters" \
                        and isinstance(node.value, ast.Dict):
                    found += [k.value for k in node.value.keys
                              if isinstance(k, ast.Constant) and isinstance(k.value, str)]
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                        and target.value.id == "parameters" \
                        and isinstance(target.slice, ast.Constant) \
                        and isinstance(target.slice.value, str):
                    found.append(target.slice.value)
    assert {"time_limit", "seed", "workers", "work_limit"} <= set(found), found
    return tuple(dict.fromkeys(found))


PARAMETERS = _parameter_names()


def _texts(node: ast.expr | None, constants: dict[str, str]) -> list[str]:
    """The text an expression writes: a string, or an f-string's literal parts and the module
    constants it names (``f"{stopped}; {KEPT_FIRST_PLAN}"``), split at ``; ``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts += [p for p in value.value.split(";") if p.strip()]
            elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name) \
                    and value.value.id in constants:
                parts.append(constants[value.value.id])
        return [p.strip() for p in parts]
    return []


def stop_reasons() -> set[str]:
    """Every stop reason rotation/solve/ can write (each part of a joined one on its own)."""
    found: set[str] = set()
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(SOLVE.glob("*.py"))]
    constants = {
        target.id: node.value.value
        for tree in trees for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                if any(isinstance(t, ast.Name) and t.id == "stopped" for t in targets):
                    found.update(_texts(node.value, constants))
            elif isinstance(node, ast.keyword) and node.arg == "stopped":
                found.update(_texts(node.value, constants))
            elif isinstance(node, ast.FunctionDef) and node.name == "_why_stopped":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return):
                        found.update(_texts(inner.value, constants))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "Outcome" and len(node.args) == 6:
                found.update(_texts(node.args[5], constants))
    # The scan must keep finding what it was written to find.
    assert {"time limit", "work limit", "bound reached", "search complete", "interrupted",
            constants["KEPT_FIRST_PLAN"]} <= found, found
    return found


def english_words_in(text: str, words: set[str] | tuple[str, ...]) -> list[str]:
    """Which of ``words`` appear in ``text`` as words of their own (``feasible`` is not found
    in ``infeasible``, nor ``rest`` in ``interest``)."""
    return sorted(w for w in words
                  if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text))
