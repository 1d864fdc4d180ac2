"""The solving engine. Imports point one way, from the top of this list down:

- ``orchestrator``: which path solves a case, and what its result says (:func:`solve`);
- ``beside``: the bound, the plans made from it and the proof, on threads beside the search;
- ``proof``: a plan proven optimal, or the optimum found, from the bound's prices;
- ``bound`` and ``combine``: the Lagrangian bound's steps and rounds; whole plans chosen from
  the schedules its steps picked;
- ``relaxation``: the officers' own problems once the rows tying them together are priced;
- ``first_plan``, ``neighbourhoods``, ``whole_model``, ``mip``: the greedy first plan, the
  search a neighbourhood at a time, the whole case as one CP-SAT model, and as a MIP for HiGHS;
- ``model``: who may start where and when, the CP-SAT model of a rule set, a search that can be
  stopped, and which rules the fast path builds in.

The measurements behind the constants are in benchmarks/HISTORY.md.
"""

from __future__ import annotations

from rotation.solve.orchestrator import solve

__all__ = ["solve"]
