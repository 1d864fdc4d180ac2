"""One exception hierarchy, so the CLI can map every failure to an exit code in one place.

Exit codes (see README): 0 success, 1 infeasible or no plan within the limit, 2 invalid input,
3 storage error.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ConflictError",
    "InfeasibleError",
    "InputError",
    "NotFoundError",
    "NotStoredError",
    "Problem",
    "Problems",
    "RotationError",
    "StorageError",
    "interrupted",
]


class RotationError(Exception):
    """Base of every error the application raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located precisely enough for a planner to fix it.

    ``file`` and ``row`` are empty for objects built in code rather than read from files; ``row``
    counts lines as a spreadsheet shows them (the header is row 1). In a workbook, ``sheet`` names
    the sheet and ``column`` the letter Excel shows above ``field``.

    ``refers_to`` is set on a problem that only says something is not found in another table,
    and names what it looked for (``officer``, ``posting``, ``course``): a loader that could not
    read that table leaves such problems out, since they would all follow from that one cause.
    """

    message: str
    file: str = ""
    row: int | None = None
    field: str = ""
    sheet: str = ""
    column: str = ""
    refers_to: str = dataclasses.field(default="", compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f", sheet '{self.sheet}'"
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            cell = f"'{self.field}'"
            cell = f"column {self.column} {cell}" if self.column else f"field {cell}"
            where += f", {cell}" if where else cell
        return f"{where}: {self.message}" if where else self.message


PROBLEM_LIMIT = 200
"""How many problems are kept and printed; the rest are counted by file."""


class Problems:
    """Problems as they are found: the first :data:`PROBLEM_LIMIT` kept, the rest only counted
    by file. A file of millions of bad rows then costs a counter, not gigabytes of messages
    nobody reads; the planner fixes the first ones and reads again.

    ``len`` counts every problem found, kept or not, so "did this step find any" still holds.
    """

    def __init__(self, found: Iterable[Problem] = (), limit: int = PROBLEM_LIMIT) -> None:
        self.limit = limit
        self.kept: list[Problem] = []
        self.more: Counter[str] = Counter()
        self.extend(found)

    def append(self, problem: Problem) -> None:
        if len(self.kept) < self.limit:
            self.kept.append(problem)
        else:
            self.more[problem.file] += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def __iadd__(self, problems: Iterable[Problem]) -> Problems:
        self.extend(problems)
        return self

    def __len__(self) -> int:
        return len(self.kept) + self.more.total()

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.kept)

    def lines(self) -> list[str]:
        """The kept problems, then one line per file for the ones only counted."""
        out = [f"  - {p}" for p in self.kept]
        out += [f"  - and {n:,} more in {file or 'the input'}"
                for file, n in sorted(self.more.items())]
        return out


class InputError(RotationError):
    """The input is invalid; carries every problem found, not only the first.

    ``warnings`` are things worth a look that do not make the input wrong (a row given twice
    where reading it once changes nothing); they are listed after the problems. A valid case
    hands its warnings back with the instance instead (``rotation.io.read_case``).
    """

    exit_code = 2

    def __init__(
        self, problems: Iterable[Problem] | Problem | str,
        warnings: Iterable[Problem] | None = None,
    ) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        found = problems if isinstance(problems, Problems) else Problems(problems)
        noted = warnings if isinstance(warnings, Problems) else Problems(warnings or ())
        self.problems: list[Problem] = found.kept
        self.warnings: list[Problem] = noted.kept
        # Counted but not kept, by file (see Problems).
        self.more: Counter[str] = found.more
        count = len(found)
        head = f"{count:,} problem{'s' if count != 1 else ''} in the input"
        if found.more:
            head += f" (the first {len(found.kept)} shown)"
        text = head + ":\n" + "\n".join(found.lines())
        if noted:
            many = len(noted)
            text += f"\nand {many:,} warning{'s' if many != 1 else ''}:\n" + "\n".join(
                noted.lines())
        super().__init__(text)


class InfeasibleError(RotationError):
    """No plan exists, or none was found within the limits."""

    exit_code = 1


class NotFoundError(RotationError):
    """A plan, officer or posting the user named does not exist; a usage error, like bad input."""

    exit_code = 2


class StorageError(RotationError):
    """The database could not be read or written."""

    exit_code = 3


class ConflictError(StorageError):
    """Someone else changed what this command relied on meanwhile (two planners publishing the
    same case at once); nothing was written, and running it again decides afresh."""


class NotStoredError(StorageError):
    """A finished plan the database would not take; it was written to ``recovery`` instead,
    and ``rotation import-plan`` stores it from there."""

    def __init__(self, message: str, recovery: Path) -> None:
        super().__init__(message)
        self.recovery = recovery


def interrupted(err: BaseException) -> bool:
    """Whether ``err`` is Ctrl-C, or came of it: a C extension interrupted while it loads
    (OR-Tools, through pybind11) reports ImportError "initialization failed" caused by the
    KeyboardInterrupt."""
    seen: set[int] = set()
    found: BaseException | None = err
    while found is not None and id(found) not in seen:
        if isinstance(found, KeyboardInterrupt):
            return True
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return False
