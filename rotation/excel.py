"""Excel workbooks: read every sheet as rows of cells, and write sheets with their formats.

The only module that imports openpyxl, and only commands that meet a workbook load it. A cell is
read as Excel shows it: a number as the number (``3``, not ``3.0``), a cell typed as a date as that
date, a time as ``HH:MM``; what a cell means is decided by the loader, exactly as for a CSV file.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from rotation.domain import column_letter
from rotation.errors import InputError, Problem

__all__ = ["Rows", "Sheet", "read_workbook", "write_workbook"]

Cell = str | date
Rows = list[tuple[int, tuple[Cell, ...]]]
"""A sheet's rows: (row number as Excel shows it, the cells left to right)."""


def read_workbook(path: Path) -> list[tuple[str, Rows]] | str:
    """Every sheet of the workbook with its rows, or what keeps the file from being read.

    Formulas are read as the value Excel last computed and saved with the file.
    """
    try:
        book = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        return (f"cannot be read as an Excel workbook ({type(err).__name__}: {err}); open it in "
                "Excel and save it again as an Excel Workbook (.xlsx)")
    out: list[tuple[str, Rows]] = []
    for sheet in book.worksheets:
        rows: Rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(_cell(v) for v in values)
            rows.append((number, cells))
        while rows and all(c == "" for c in rows[-1][1]):
            rows.pop()
        out.append((sheet.title, rows))
    return out


def _cell(value: Any) -> Cell:
    """A cell as text, or as a date where Excel holds a date (a date-time at midnight too)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class Sheet:
    """A sheet to write: its header, rows of values (dates as dates), and how Excel should
    help whoever fills it in.

    ``formats`` gives a column's number format (``yyyy-mm-dd`` for dates, ``@`` to keep what is
    typed as text); ``choices`` a column's list of allowed values; ``whole`` a column's whole
    numbers from a least to a most (None: no most).
    """

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = ()
    formats: tuple[tuple[str, str], ...] = ()
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    whole: tuple[tuple[str, int, int | None], ...] = ()


# Formats and validation reach this many rows below the header.
FORMATTED_ROWS = 2000


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to a new workbook at ``path``: whole or not at all, and never over a
    file that is already there (an :class:`InputError` says so)."""
    taken = Problem("already exists; give another name, or move it away first", str(path))
    if path.exists():
        raise InputError(taken)
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for spec in sheets:
        _write_sheet(book.create_sheet(spec.name), spec)
    handle, temporary = tempfile.mkstemp(suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        book.save(temporary)
        os.link(temporary, path)  # fails rather than replace a file made meanwhile
    except FileExistsError:
        raise InputError(taken) from None
    finally:
        os.unlink(temporary)


def _write_sheet(sheet: Any, spec: Sheet) -> None:
    sheet.append(list(spec.header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in spec.rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    letters = {column: column_letter(i) for i, column in enumerate(spec.header)}
    for column, letter in letters.items():
        sheet.column_dimensions[letter].width = max(12, len(column) + 4)
    last = FORMATTED_ROWS + 1
    for column, style in spec.formats:
        for number in range(2, last + 1):
            sheet[f"{letters[column]}{number}"].number_format = style
    for column, allowed in spec.choices:
        rule = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"',
                              allow_blank=True, showErrorMessage=True, errorTitle=column,
                              error="Choose a value from the list.")
        sheet.add_data_validation(rule)
        rule.add(f"{letters[column]}2:{letters[column]}{last}")
    for column, least, most in spec.whole:
        if most is None:
            rule = DataValidation(type="whole", operator="greaterThanOrEqual",
                                  formula1=str(least), allow_blank=True, showErrorMessage=True,
                                  errorTitle=column, error=f"A whole number, {least} or more.")
        else:
            rule = DataValidation(type="whole", operator="between", formula1=str(least),
                                  formula2=str(most), allow_blank=True, showErrorMessage=True,
                                  errorTitle=column,
                                  error=f"A whole number from {least} to {most}.")
        sheet.add_data_validation(rule)
        rule.add(f"{letters[column]}2:{letters[column]}{last}")
