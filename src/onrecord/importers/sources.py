"""Reading one source file (CSV or spreadsheet) into a header and numbered rows of cells.

Cells keep the type the file gives them: CSV cells are text; spreadsheet cells are what calamine
returns (``float`` for numbers, ``date``/``time``/``datetime`` for date-formatted cells), so that a
time such as 06:59:59.999 reaches the field rules exactly and is not re-parsed from text.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from python_calamine import CalamineError, CalamineWorkbook

from onrecord.importers.errors import ImporterError

if TYPE_CHECKING:  # annotations only: mapping imports fields, which imports this module
    from onrecord.importers.mapping import SourceSpec

Cell = str | int | float | bool | date | datetime | time | timedelta | None


@dataclass(frozen=True)
class SourceRows:
    """A source file read whole: its header and its non-empty rows with their row numbers."""

    file: str
    header: tuple[str, ...]
    rows: list[tuple[int, list[Cell]]]


def read_source(directory: Path, spec: SourceSpec, key: str) -> SourceRows:
    """Read the file a source names; entirely empty rows carry no data and are skipped."""
    path = directory / spec.file
    if not path.is_file():
        raise ImporterError(
            f"source file {path} does not exist",
            key=f"{key}.file",
            hint="Check --source (the folder holding the source files) and the file name.",
        )
    nulls = frozenset(["", *spec.null_values])
    if spec.is_spreadsheet:
        header, rows = _read_spreadsheet(path, spec, key)
    else:
        header, rows = _read_csv(path, spec, key)
    _check_header(header, spec.file, key)
    cleaned = []
    for number, cells in rows:
        values = [_clean(c, nulls) for c in cells]
        if any(v is not None for v in values):
            cleaned.append((number, values))
    return SourceRows(spec.file, header, cleaned)


def _clean(cell: Cell, nulls: frozenset[str]) -> Cell:
    if isinstance(cell, str):
        text = cell.strip()
        return None if text in nulls else text
    return cell


def _check_header(header: tuple[str, ...], file: str, key: str) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen and name:
            raise ImporterError(
                f"the header names column {name!r} twice",
                key=f"{key}.file",
                file=file,
                row=1,
                hint="Rename one of the columns in the source file.",
            )
        seen.add(name)


def _read_csv(
    path: Path, spec: SourceSpec, key: str
) -> tuple[tuple[str, ...], list[tuple[int, list[Cell]]]]:
    rows: list[tuple[int, list[Cell]]] = []
    header: tuple[str, ...] = ()
    line = 1
    try:
        with path.open(newline="", encoding=spec.encoding) as f:
            reader = csv.reader(f, delimiter=spec.delimiter)
            for record in reader:
                if not header:
                    header = tuple(name.strip() for name in record)
                elif len(record) > len(header):
                    raise ImporterError(
                        f"the row has {len(record)} fields but the header has {len(header)}",
                        key=f"{key}.file",
                        file=spec.file,
                        row=line,
                        hint="Check the delimiter and the quoting of that row.",
                    )
                elif record:
                    rows.append((line, [*record, *[None] * (len(header) - len(record))]))
                line = reader.line_num + 1
    except UnicodeDecodeError as e:
        raise ImporterError(
            f"the file is not {spec.encoding} text ({e.reason})",
            key=f"{key}.encoding",
            file=spec.file,
            hint="Set 'encoding' on this source (for example cp1252).",
        ) from e
    except csv.Error as e:
        raise ImporterError(
            f"not readable as CSV: {e}", key=f"{key}.file", file=spec.file, row=line
        ) from e
    if not header:
        raise ImporterError("the file is empty (no header row)", key=f"{key}.file", file=spec.file)
    return header, rows


def _read_spreadsheet(
    path: Path, spec: SourceSpec, key: str
) -> tuple[tuple[str, ...], list[tuple[int, list[Cell]]]]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if spec.sheet is not None and spec.sheet not in names:
            raise ImporterError(
                f"the workbook has no sheet {spec.sheet!r}",
                key=f"{key}.sheet",
                file=spec.file,
                hint=f"Its sheets are: {', '.join(names)}.",
            )
        sheet = workbook.get_sheet_by_name(spec.sheet or names[0])
        # Without skipping the empty area, list index + 1 is the spreadsheet's own row number.
        grid = sheet.to_python(skip_empty_area=False)
    except CalamineError as e:
        raise ImporterError(
            f"not readable as a spreadsheet: {e}", key=f"{key}.file", file=spec.file
        ) from e
    for index, cells in enumerate(grid):
        if any(c != "" for c in cells):
            header = tuple(_header_text(c) for c in cells)
            return header, [(index + 2 + i, list(r)) for i, r in enumerate(grid[index + 1 :])]
    raise ImporterError("the sheet is empty (no header row)", key=f"{key}.file", file=spec.file)


def _header_text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
