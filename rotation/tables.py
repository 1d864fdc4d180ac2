"""A case's tables as rows of cells, from CSV files and Excel workbooks, before any cell is read.

This is where a case is found and its files are judged as files: which tables it has and where
each comes from, whether a file can be read as a table at all (its encoding, its separator, its
header), and whether every row has the shape of the header. What the cells mean is left to
``rotation.io``.

Two promises shape it. Nothing is lost silently: a file or sheet of the case whose name names no
table, a row with more or fewer fields than the header, a value under a column without a name,
and a row given twice are all reported. One cause gives one message: a file that cannot be read
as a table is reported once, with what to change, and is then left out, and the tables that
could not be read are handed on (:attr:`Found.unreadable`) so that the loader does not also
report every reference to them as unknown.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rotation.domain import column_letter
from rotation.errors import InputError, Problem, Problems

__all__ = [
    "RULES_FILE",
    "SPECS",
    "WORKBOOK_SUFFIXES",
    "Cell",
    "Found",
    "RulesSource",
    "Spec",
    "Table",
    "describe",
    "find_tables",
    "is_note",
    "within",
]

Cell = str | date
"""A cell's value: text, or a date where a workbook cell holds one typed as a date."""

RULES_FILE = "rules.toml"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Files that hold data in a form the tool does not read: reported even when their name is
# nothing like a table's, since they are almost always a table saved the wrong way.
_DATA_SUFFIXES = (".csv", ".tsv", ".tab", ".toml", ".xls", ".xlsb", ".ods", ".numbers", ".json")
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
# What `rotation export --format csv|json` writes: plainly not a misnamed table, so only a warning.
_EXPORTS = frozenset({"deployments.csv", "enrolments.csv", "staffing.csv", "plan.json"})


@dataclass(frozen=True)
class Spec:
    """One table of a case: its columns, and how rows given twice are judged.

    ``aliases`` maps a column name older cases use to the name read now. A row given twice is
    an error where ``repeat_is_error`` (each row is one thing, so a copy usually stands where a
    different row was meant, and reading both would count it twice), and otherwise a warning
    (a fact said twice, read once: the plan is the same).
    """

    name: str
    required: bool
    columns: tuple[str, ...]
    optional: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    repeat_is_error: bool = True
    key: str = ""
    order: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def known(self) -> tuple[str, ...]:
        """Every column, in the order docs/input.md gives them (``order``, where it is not the
        required ones first)."""
        return self.order or self.columns + self.optional


SPECS: dict[str, Spec] = {s.name: s for s in (
    Spec("officers", True, ("id", "name", "rank"), ("specialties", "home_unit", "preferences"),
         key="id"),
    Spec("postings", True, ("id", "name", "timezone", "hardship"),
         ("min_khmer_level", "required_courses", "required_credentials", "min_supervisors",
          "min_specialists", "name_ko", "priority"), key="id"),
    Spec("demand", True, ("posting", "from", "to", "min", "max")),
    Spec("courses", False, ("id", "name"), ("grants_credential", "grants_level",
                                            "validity_months"),
         aliases=(("grants_language", "grants_credential"),), key="id"),
    Spec("sessions", False, ("id", "course", "start", "end", "seats"), ("location",), key="id"),
    Spec("certificates", False, ("officer", "credential", "valid_from"),
         ("level", "valid_until"), aliases=(("language", "credential"),),
         repeat_is_error=False,
         order=("officer", "credential", "level", "valid_from", "valid_until")),
    Spec("completed_courses", False, ("officer", "course", "completed_on"), ("expires_on",),
         repeat_is_error=False),
    Spec("unavailability", False, ("officer", "from", "to"), ("reason",),
         repeat_is_error=False),
    Spec("history", False, ("officer", "posting", "start", "end"), (), repeat_is_error=False),
)}
_RULES_SHEET = Spec("rules", False, ("key", "value"))


def is_note(name: str) -> bool:
    """Columns, sheets and files a planner keeps for themselves: read past, never reported."""
    text = name.strip()
    return text.lower().startswith("note") or text.startswith("#")


@dataclass
class Table:
    """One table as read: its rows by spreadsheet row number, cells by column name.

    ``written`` maps a column to the name its header gives it, where that differs (an older
    name); ``columns`` holds the header's names left to right, as read ("" where a column is
    left out), so that a cell's Excel letter can be found. ``separator`` is the CSV separator
    found in the header row.
    """

    spec: Spec
    file: str
    sheet: str = ""
    columns: tuple[str, ...] = ()
    written: dict[str, str] = field(default_factory=dict)
    separator: str = ","
    read: int = 0
    # The raw rows (header first) and what reading them found: rows to leave out for being
    # given twice. ``rows`` reads the raw rows again rather than holding them, so that a file
    # of millions of rows is never held whole.
    source: Iterable[tuple[int, Sequence[Cell]]] = ()
    repeats: set[int] = field(default_factory=set)

    @property
    def rows(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """Every row read: by spreadsheet row number, cells by column name; rows left out for
        their shape or for repeating another are not among them."""
        try:
            for number, values, trouble in _shaped(self.source, self.columns, bool(self.sheet)):
                if trouble is None and number not in self.repeats:
                    yield number, values
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            raise InputError(Problem(f"changed or went away while it was read ({err}); read "
                                     "the case again", self.file, sheet=self.sheet)) from None

    def letter(self, column: str) -> str:
        """The Excel letter of ``column`` in a sheet ("" for a CSV file)."""
        if not self.sheet or column not in self.columns:
            return ""
        return column_letter(self.columns.index(column))

    @property
    def where(self) -> str:
        """The file, and the sheet of a workbook, as a problem names them."""
        return f"{self.file}, sheet '{self.sheet}'" if self.sheet else self.file


@dataclass(frozen=True)
class RulesSource:
    """Where the rules come from: a TOML file, or a sheet's (row, key, value) rows with the
    letters of its key and value columns."""

    file: str
    sheet: str = ""
    rows: tuple[tuple[int, str, Cell], ...] = ()
    letters: tuple[str, str] = ("A", "B")


@dataclass
class Found:
    """Everything found in a case before its cells are read."""

    root: Path
    name: str
    tables: dict[str, Table] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)
    rules: RulesSource | None = None
    problems: Problems = field(default_factory=Problems)
    warnings: Problems = field(default_factory=Problems)
    # Ids of rows left out for their shape, so that references to them are not reported too.
    left_out: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Source:
    """A table's raw rows, from a CSV file or a sheet: (row number, cells) with the header
    first, or the one problem that kept it from being read. A CSV file's rows are read from
    the file each time they are iterated (:class:`_CsvRows`)."""

    file: str
    sheet: str = ""
    rows: Iterable[tuple[int, Sequence[Cell]]] = ()
    separator: str = ","
    problem: str = ""


def find_tables(path: Path) -> Found:
    """Find the case at ``path`` (a folder, or one workbook) and read every table's rows."""
    sources: dict[str, list[_Source]] = {}
    rules: list[RulesSource] = []
    stood_for: set[str] = set()
    if path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES:
        found = Found(path, path.stem)
        _read_workbook(found, path, sources, rules, stood_for, alone=True)
    elif path.is_dir():
        found = Found(path, path.name)
        _read_folder(found, path, sources, rules, stood_for)
    else:
        what = "does not exist" if not path.exists() else "is neither a folder nor a workbook"
        found = Found(path, path.stem)
        found.problems.append(Problem(
            f"{what}; give the folder that holds the case files, or an .xlsx workbook", str(path)))
        found.unreadable.update([*SPECS, "rules"])
        return found
    _settle(found, sources, rules, stood_for)
    return found


_EXPECTED = (*SPECS, "rules")


def _read_folder(found: Found, folder: Path, sources: dict[str, list[_Source]],
                 rules: list[RulesSource], stood_for: set[str]) -> None:
    for path in sorted(folder.iterdir()):
        name = path.name
        if not path.is_file() or name.startswith((".", "~$")) or is_note(name):
            continue
        stem, suffix = path.stem, path.suffix.lower()
        if name == RULES_FILE:
            rules.append(RulesSource(str(path)))
        elif stem in SPECS and name == SPECS[stem].file:
            sources.setdefault(stem, []).append(_read_csv(path, SPECS[stem]))
        elif suffix in WORKBOOK_SUFFIXES:
            _read_workbook(found, path, sources, rules, stood_for, alone=False)
        elif name in _EXPORTS:
            found.warnings.append(Problem(
                "is what `rotation export` writes, not an input; keep exports outside the case "
                "folder", str(path)))
        else:
            guess = _closest(stem, _EXPECTED)
            if suffix not in _DATA_SUFFIXES and guess is None:
                continue  # a document kept beside the case (README.md, a PDF...)
            found.problems.append(Problem(_stranger(suffix, guess), str(path)))
            stood_for.update([guess] if guess else [])


def _stranger(suffix: str, guess: str | None) -> str:
    """What to say of a file in the case folder that the case does not read."""
    target = ("rules.toml" if guess == "rules" else f"{guess}.csv") if guess else ""
    if suffix in (".xls", ".xlsb", ".ods", ".numbers"):
        if guess == "rules":
            return "a workbook of this kind cannot be read; write the rules in rules.toml"
        return ("a workbook of this kind cannot be read; save it as an Excel workbook (.xlsx)"
                + (f", or as {target} in CSV UTF-8" if target else ""))
    if guess:
        return f"not a file of a case; did you mean {target}?"
    return ("not a file of a case; a case reads rules.toml, "
            + ", ".join(s.file for s in SPECS.values())
            + " and .xlsx workbooks (see docs/input.md); rename it, or start its name with "
            "'notes' to keep it beside the case")


def _closest(name: str, names: Sequence[str]) -> str | None:
    """The expected name ``name`` most likely stands for, if any is close."""
    lowered = {n.lower(): n for n in names}
    if name.strip().lower() in lowered:
        return lowered[name.strip().lower()]
    found = difflib.get_close_matches(name.strip().lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[found[0]] if found else None


def _read_workbook(found: Found, path: Path, sources: dict[str, list[_Source]],
                   rules: list[RulesSource], stood_for: set[str], *, alone: bool) -> None:
    """Add a workbook's sheets: each named after its table, or, in a workbook named after a
    table (``officers.xlsx``), that table's one sheet."""
    from rotation.excel import read_workbook  # openpyxl only for cases that hold a workbook

    label = str(path)
    guess = _closest(path.stem, _EXPECTED)
    read = read_workbook(path)
    if isinstance(read, str):
        found.problems.append(Problem(read, label))
        stood_for.update(_EXPECTED if alone else [guess] if guess else [])
        return
    sheets = [(name, rows) for name, rows in read if rows and not is_note(name)]
    single = guess if not alone and path.stem.strip().lower() in _EXPECTED else None
    if single is not None:
        named = [s for s in sheets if s[0].strip().lower() == single]
        chosen = named or (sheets if len(sheets) == 1 else [])
        if not chosen:
            found.problems.append(Problem(
                f"holds the sheets {', '.join(repr(n) for n, _ in sheets) or '(none)'}; a "
                f"workbook named after {single} needs one sheet, or a sheet named '{single}'",
                label))
            stood_for.add(single)
            return
        _add_sheet(found, single, label, *chosen[0], sources, rules)
        return
    if not alone and guess is not None and not any(
            n.strip().lower() in _EXPECTED for n, _ in sheets):
        found.problems.append(Problem(
            f"not a workbook of a case; did you mean {guess}.xlsx?", label))
        stood_for.add(guess)
        return
    for name, rows in sheets:
        wanted = name.strip().lower()
        if wanted in _EXPECTED:
            _add_sheet(found, wanted, label, name, rows, sources, rules)
            continue
        near = _closest(name, _EXPECTED)
        hint = (f"did you mean '{near}'?" if near else "name each sheet after its table: "
                + ", ".join(_EXPECTED) + " (see docs/input.md)")
        found.problems.append(Problem(f"is not a table of a case; {hint}", label, sheet=name))
        stood_for.update([near] if near else [])


def _add_sheet(found: Found, target: str, label: str, sheet: str,
               rows: Sequence[tuple[int, tuple[Cell, ...]]], sources: dict[str, list[_Source]],
               rules: list[RulesSource]) -> None:
    if target == "rules":
        rules.append(_rules_rows(found, _Source(label, sheet, tuple(rows))))
    else:
        sources.setdefault(target, []).append(_Source(label, sheet, tuple(rows)))


def _rules_rows(found: Found, source: _Source) -> RulesSource:
    """The rules sheet's key and value rows, its header checked like a table's."""
    table = _as_table(found, _RULES_SHEET, source)
    if table is None:
        found.unreadable.add("rules")
        return RulesSource(source.file, source.sheet)
    out = []
    for number, cells in table.rows:
        key = _text(cells.get("key", ""))
        if key:
            out.append((number, key, cells.get("value", "")))
        else:
            found.problems.append(Problem("has a value but no key", source.file, number, "key",
                                          source.sheet, table.letter("key")))
    return RulesSource(source.file, source.sheet, tuple(out),
                       (table.letter("key"), table.letter("value")))


def _settle(found: Found, sources: dict[str, list[_Source]], rules: list[RulesSource],
            stood_for: set[str]) -> None:
    """Turn every table's sources into tables: one source each, present where required."""
    workbook = found.root.is_file()
    if len(rules) > 1:
        found.problems.append(Problem(
            "the rules are given twice: " + " and ".join(_label(r.file, r.sheet) for r in rules)
            + "; keep one", rules[0].file))
        found.unreadable.add("rules")
    elif rules:
        found.rules = rules[0]
    elif "rules" in stood_for:
        found.unreadable.add("rules")
    elif "rules" not in found.unreadable:
        found.unreadable.add("rules")
        found.problems.append(
            Problem("has no sheet 'rules'; every case needs its rules (see docs/input.md)",
                    str(found.root)) if workbook else
            Problem("file is missing; every case needs rules.toml, or a sheet 'rules' in a "
                    "workbook (see docs/input.md)", str(found.root / RULES_FILE)))
    for name, spec in SPECS.items():
        given = sources.get(name, [])
        if len(given) > 1:
            found.problems.append(Problem(
                f"{name} is given twice: " + " and ".join(_label(s.file, s.sheet) for s in given)
                + "; keep one", given[0].file))
            found.unreadable.add(name)
        elif not given:
            if name in stood_for:
                found.unreadable.add(name)
            elif spec.required:
                found.unreadable.add(name)
                found.problems.append(
                    Problem(f"has no sheet '{name}'; every case needs one (see docs/input.md)",
                            str(found.root)) if workbook else
                    Problem(f"file is missing; every case needs {spec.file}, or a sheet "
                            f"'{name}' in a workbook (see docs/input.md)",
                            str(found.root / spec.file)))
        else:
            table = _as_table(found, spec, given[0])
            if table is None:
                found.unreadable.add(name)
            else:
                found.tables[name] = table


def _label(file: str, sheet: str) -> str:
    return f"{file}, sheet '{sheet}'" if sheet else file


# ---------------------------------------------------------------------------------------------
# CSV files


def _read_csv(path: Path, spec: Spec) -> _Source:
    label = str(path)
    with path.open("rb") as f:
        start = f.read(_CHUNK)
    if start.startswith(b"PK\x03\x04"):
        return _Source(label, problem="is an Excel workbook, not a CSV file; in Excel choose "
                       "Save As, CSV UTF-8 (Comma delimited), or rename it to "
                       f"{spec.name}.xlsx")
    encoding = _encoding(path, start)
    if encoding is None:
        try:
            start.decode("cp949")
            hint = " (it looks like Korean Windows text, cp949/EUC-KR)"
        except UnicodeDecodeError:
            hint = ""
        return _Source(label, problem=f"is not UTF-8 text{hint}; in Excel choose Save As, "
                       "CSV UTF-8 (Comma delimited), and save it again")
    with path.open(encoding=encoding, newline="") as text:
        first = next((line for line in text if line.strip("\r\n")), "")
    separator = _separator(first, spec)
    return _Source(label, rows=_CsvRows(path, encoding, separator), separator=separator)


_CHUNK = 1 << 20


def _encoding(path: Path, start: bytes) -> str | None:
    """How a CSV file is encoded: UTF-8 (with or without Excel's byte order mark), or UTF-16
    as Excel's "Unicode Text" writes it; None for anything else. The whole file is decoded
    piece by piece, so that a bad byte anywhere is found before any row is read."""
    encoding = "utf-16" if start.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return encoding


class _CsvRows:
    """A CSV file's rows, (row number, cells), read from the file each time they are
    iterated; the encoding and separator were found first (:func:`_read_csv`)."""

    def __init__(self, path: Path, encoding: str, separator: str) -> None:
        self.path, self.encoding, self.separator = path, encoding, separator

    def __iter__(self) -> Iterator[tuple[int, Sequence[Cell]]]:
        with self.path.open(encoding=self.encoding, newline="") as text:
            yield from enumerate(csv.reader(text, delimiter=self.separator), start=1)


def _separator(first: str, spec: Spec) -> str:
    """The separator the header row (``first``) is written with: the one that splits it into
    the most column names the table knows (a comma unless another does better)."""
    names = {*spec.known, *(old for old, _ in spec.aliases)}

    def score(sep: str) -> int:
        cells = next(csv.reader([first], delimiter=sep), [])
        return sum(1 for c in cells if c.strip() in names)

    return max(_SEPARATORS, key=lambda sep: (score(sep), sep == ","))


# ---------------------------------------------------------------------------------------------
# Rows to a table


def _as_table(found: Found, spec: Spec, source: _Source) -> Table | None:
    """Check the header and every row's shape; None (the problem recorded) if the table cannot
    be read. The rows are read once here and again each time :attr:`Table.rows` is."""
    if source.problem:
        found.problems.append(Problem(source.problem, source.file, sheet=source.sheet))
        return None
    try:
        return _checked(found, spec, source)
    except csv.Error as err:
        found.problems.append(Problem(f"is not valid CSV: {err}", source.file,
                                      sheet=source.sheet))
        return None


def _checked(found: Found, spec: Spec, source: _Source) -> Table | None:
    rows = iter(source.rows)
    first = next(rows, None)
    if first is None:
        found.problems.append(Problem(
            f"is empty; the first row must name the columns: {', '.join(spec.columns)}",
            source.file, sheet=source.sheet))
        return None
    header_number, raw_header = first
    header = [_text(c) for c in raw_header]
    columns, written, trouble = _header(spec, header)
    if trouble:
        message, column = trouble
        letter = _letter(header.index(column)) if source.sheet and column in header else ""
        found.problems.append(Problem(message, source.file, header_number, column, source.sheet,
                                      letter))
        return None
    table = Table(spec, source.file, source.sheet, tuple(columns), written,
                  separator=source.separator, source=source.rows)
    # A digest of each row stands for the row: exact (a collision is beyond any file's size)
    # at a few dozen bytes a row, where the rows' text would be the file's size again.
    seen: dict[bytes, int] = {}
    for number, values, trouble_here in _shaped(source.rows, table.columns, bool(source.sheet)):
        table.read += 1
        if trouble_here:
            message, at = trouble_here
            found.problems.append(Problem(message, source.file, number, "", source.sheet,
                                          "" if at is None else _letter(at)))
            _left_out(found, spec, values)
            continue
        key = repr(tuple(_text(values[c]) for c in columns if c)).encode()
        first_number = seen.setdefault(hashlib.blake2b(key, digest_size=16).digest(), number)
        if first_number != number:
            repeat = Problem(f"repeats row {first_number} exactly; "
                             + ("delete one of them (a copy may stand where a different row "
                                "was meant)" if spec.repeat_is_error
                                else "it is read once"),
                             source.file, number, "", source.sheet)
            (found.problems if spec.repeat_is_error else found.warnings).append(repeat)
            table.repeats.add(number)
    return table


def _shaped(rows: Iterable[tuple[int, Sequence[Cell]]], columns: tuple[str, ...], sheet: bool
            ) -> Iterator[tuple[int, dict[str, Cell], tuple[str, int | None] | None]]:
    """Each row after the header that is not blank: its number, cells by column name, and
    what is wrong with its shape (see :func:`_shape`), if anything."""
    rows = iter(rows)
    head = next(rows, None)
    if head is None:
        return
    header = [_text(c) for c in head[1]]
    unnamed = [i for i, c in enumerate(header) if not c]
    for number, cells in rows:
        if all(_text(c) == "" for c in cells):
            continue
        values = {c: cells[i] if i < len(cells) else "" for i, c in enumerate(columns) if c}
        yield number, values, _shape(header, cells, unnamed, sheet)


def _shape(header: list[str], cells: Sequence[Cell], unnamed: list[int], sheet: bool
           ) -> tuple[str, int | None] | None:
    """What is wrong with a row's shape: a field too many or too few, or a value under a
    column without a name (with the column, counted from 0, in a sheet)."""
    if not sheet and len(cells) != len(header):
        more = len(cells) > len(header)
        fix = ("a cell that holds the separator must be in double quotes, or the header lacks "
               "a column" if more else
               "a field is missing or the row is cut short; leave an empty field for a blank "
               "cell")
        return (f"has {len(cells)} fields where the header has {len(header)}; {fix}", None)
    for i in unnamed:
        if i < len(cells) and _text(cells[i]) != "":
            return (f"has a value in column {_letter(i)}, which has no name in the header row; "
                    "name the column, or move the value", i if sheet else None)
    if sheet and len(cells) > len(header) and any(_text(c) for c in cells[len(header):]):
        extra = next(i for i in range(len(header), len(cells)) if _text(cells[i]))
        return (f"has a value in column {_letter(extra)}, which has no name in the header row; "
                "name the column, or move the value", extra)
    return None


def _left_out(found: Found, spec: Spec, values: dict[str, Cell]) -> None:
    if spec.key:
        ident = _text(values.get(spec.key, ""))
        if ident:
            found.left_out.setdefault(spec.name, set()).add(ident)


def _header(spec: Spec, header: list[str]) -> tuple[list[str], dict[str, str],
                                                    tuple[str, str] | None]:
    """Column names by position ("" for notes and blanks), the older names used, and the one
    problem with the header, if any: its message, and the column it is about ("" for several).
    """
    aliases = dict(spec.aliases)
    columns: list[str] = []
    written: dict[str, str] = {}
    issues: list[tuple[str, str]] = []
    unknown: list[str] = []
    for name in header:
        column = aliases.get(name, name)
        if not name or is_note(name) or column not in spec.known:
            if name and not is_note(name):
                unknown.append(name)
            columns.append("")
        elif column in columns:
            first = written.get(column, column)
            issues.append((f"column '{name}' appears twice; keep one" if first == name else
                           f"'{first}' and '{name}' name the same column; keep '{column}'",
                           name))
            columns.append("")
        else:
            if name != column:
                written[column] = name
            columns.append(column)
    if not any(header):
        return columns, written, ("the header row is empty; the first row must name the "
                                  f"columns: {', '.join(spec.known)}", "")
    missing = [c for c in spec.columns if c not in columns]
    # Each unknown name is paired with the column it most likely means, if one is close.
    free = [c for c in spec.known if c not in columns]
    for name in unknown:
        guess = _closest(name, free)
        if guess is None:
            issues.append((f"unknown column '{name}'", name))
            continue
        free.remove(guess)
        if guess in missing:
            missing.remove(guess)
        issues.append((f"column '{name}' should be '{guess}'", name))
    issues += [(f"column '{c}' is missing", c) for c in missing]
    if not issues:
        return columns, written, None
    optional = f"; it may have {', '.join(spec.optional)}" if spec.optional else ""
    message = (f"cannot read the header: {'; '.join(text for text, _ in issues)}. It must have "
               f"{', '.join(spec.columns)}{optional}; columns named note... or #... are read past")
    if not any(columns):
        message += ". It names no column of this table: is this the right file?"
    return columns, written, (message, issues[0][1] if len(issues) == 1 else "")


def _text(cell: Cell | None) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    return cell.strip()


def _letter(index: int) -> str:
    return column_letter(index)


def describe(found: Found) -> list[tuple[str, str]]:
    """(where, what) for the rules and every table of the case, where named from the case (a
    file in its folder, a sheet of its workbook): how many rows each gave, for a planner to see
    that nothing was left behind."""
    out: list[tuple[str, str]] = []
    if found.rules is not None:
        out.append((within(found, found.rules.file, found.rules.sheet), "the rules"))
    for name, spec in SPECS.items():
        table = found.tables.get(name)
        if table is None:
            out.append((spec.file if found.root.is_dir() else f"sheet '{name}'",
                        "none: no such table, so it is empty"))
            continue
        rows = f"{table.read} row{'s' if table.read != 1 else ''}"
        if table.separator != ",":
            rows += f" ({_SEPARATORS[table.separator]}-separated)"
        out.append((within(found, table.file, table.sheet), rows))
    return out


def within(found: Found, file: str, sheet: str) -> str:
    """A file or sheet named from the case: ``officers.csv``, ``book.xlsx, sheet 'officers'``,
    or, in a case that is one workbook, ``sheet 'officers'``."""
    if found.root.is_file():
        return f"sheet '{sheet}'"
    return _label(Path(file).name, sheet)
