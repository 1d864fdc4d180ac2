"""The project's imports read one way: no module imports one that imports it back, the engine's
modules sit in the layers rotation/solve/__init__.py lists, and an import inside a function is
there only to spare a command start-up time, never to dodge a cycle.

Read from the source with ``ast``, so every import counts: at module level, inside functions and
under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rotation", "constraints")

# The engine, top first: a module may import only modules below it.
ENGINE = [
    "rotation.solve.orchestrator",
    "rotation.solve.beside",
    "rotation.solve.proof",
    "rotation.solve.bound",
    "rotation.solve.combine",
    "rotation.solve.relaxation",
    "rotation.solve.first_plan",
    "rotation.solve.neighbourhoods",
    "rotation.solve.whole_model",
    "rotation.solve.mip",
    "rotation.solve.diagnose",
    "rotation.solve.model",
]
# Modules on one level may not import each other either: each stands on the model alone.
SAME_LEVEL = [
    {"rotation.solve.bound", "rotation.solve.combine"},
    {"rotation.solve.first_plan", "rotation.solve.neighbourhoods", "rotation.solve.whole_model",
     "rotation.solve.mip", "rotation.solve.diagnose"},
]

# Imports inside a function, each with its reason: a command that does not need the module
# should not wait for it to load.
LAZY = {
    ("rotation.workflow", "rotation.solve"): "OR-Tools for commands that only read plans",
    ("rotation.calendars.feeds", "rotation.calendars.ics"): "icalendar for `rotation solve`",
    ("rotation.cli", "rotation.calendars.server"): "starlette and uvicorn for every command",
    ("rotation.cli", "rotation.replan"): "OR-Tools for commands that only read plans",
    ("rotation.replan", "rotation.solve"): "OR-Tools for commands that only read plans",
    ("rotation.workflow", "rotation.solve.diagnose"): "OR-Tools for commands that only read",
    ("rotation.cli", "rotation.template"): "openpyxl for every command but `rotation template`",
    ("rotation.tables", "rotation.excel"): "openpyxl for cases without a workbook",
    ("rotation.cli", "rotation.capacity"): "OR-Tools for every command but `rotation capacity`",
    ("rotation.scenario_jobs", "rotation.solve"): "OR-Tools for the scenario commands that read",
    ("rotation.sweep", "rotation.solve"): "OR-Tools for `rotation sweep` (its workers solve)",
    ("rotation.__main__", "rotation.cli"): "Ctrl-C while the application loads, in one line",
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, list[tuple[str, bool]]]:
    """Module -> (project module it imports, whether inside a function)."""
    modules = {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    out: dict[str, list[tuple[str, bool]]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        inner: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner.update(id(n) for n in ast.walk(node) if n is not node)
        found: list[tuple[str, bool]] = []
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
                # ``from package import module`` imports the module itself.
                targets += [f"{node.module}.{a.name}" for a in node.names
                            if f"{node.module}.{a.name}" in modules]
            for target in targets:
                if target.split(".")[0] in PACKAGES and target in modules:
                    found.append((target, id(node) in inner))
        out[name] = found
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, if it has any."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = {name: {target for target, _ in found if target != name}
             for name, found in _imports().items()}
    # A package's __init__ re-exporting a module of its own is not a way back up.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_engine_imports_point_down_its_layers() -> None:
    imports = _imports()
    engine = {m for m in imports if m.startswith("rotation.solve")}
    assert set(ENGINE) | {"rotation.solve"} == engine
    rank = {name: i for i, name in enumerate(ENGINE)}
    level = {name: i for i, group in enumerate(SAME_LEVEL) for name in group}
    for name in ENGINE:
        for target, _ in imports[name]:
            if target in rank:
                assert rank[target] > rank[name], f"{name} imports {target}, above or beside it"
                assert level.get(target, -1) != level.get(name, -2), f"{name} imports {target}"


def test_nothing_but_the_package_imports_the_orchestrator() -> None:
    users = {name for name, found in _imports().items()
             for target, _ in found if target == "rotation.solve.orchestrator"}
    assert users == {"rotation.solve"}


def test_imports_inside_functions_only_spare_start_up_time() -> None:
    lazy = {(name, target) for name, found in _imports().items()
            for target, inner in found if inner}
    assert lazy <= set(LAZY), sorted(lazy - set(LAZY))


def test_the_readmes_layout_names_every_module() -> None:
    # The layout in README.md is how a new owner finds their way: a module it does not name is
    # one nobody will look for. Package entry points (__init__, __main__) need no line.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("### Layout"):]
    layout = layout[:layout.index("```", layout.index("```") + 3)]
    missing = sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES if package == "rotation"
        for path in (ROOT / package).rglob("*.py")
        if not path.name.startswith("__") and "migrations" not in path.parts
        and path.name not in layout)
    assert not missing, f"README.md's layout does not name {missing}"
