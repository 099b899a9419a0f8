"""Find a package's table files and read their headers, before any row is parsed.

Everything here is structural: a problem found at this stage stops the run (exit 2), so all of
them are collected first and reported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from onrecord.package.csvtext import Header, read_header
from onrecord.package.formats import TableFormat
from onrecord.package.problems import Code, Problem, Severity
from onrecord.package.schema import TABLES, header_columns

SUFFIXES: dict[str, TableFormat] = {f.suffix: f for f in TableFormat}
RESERVED_PREFIX = "__onrecord_"  # the reader's own working columns


@dataclass(frozen=True)
class TableFile:
    table: str
    path: Path
    fmt: TableFormat
    header: tuple[str, ...]
    csv: Header | None = None  # where a CSV file's header ends

    @property
    def name(self) -> str:
        return self.path.name


def _structural(code: Code, msg: str, file: str | None, column: str | None = None) -> Problem:
    return Problem(severity=Severity.STRUCTURAL, code=code, file=file, column=column, message=msg)


def _parquet_header(path: Path) -> tuple[str, ...]:
    return tuple(pq.read_schema(path).names)


def _nested(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _nested(t.value_type)
    return pa.types.is_nested(t)


def _type_name(t: pa.DataType) -> str:
    """A nested type as ``list<string>``, ``struct<x: int64>`` or ``map<string, int64>``."""
    if pa.types.is_dictionary(t):
        return _type_name(t.value_type)
    if pa.types.is_map(t):
        return f"map<{_type_name(t.key_type)}, {_type_name(t.item_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f"{f.name}: {_type_name(f.type)}" for f in t) + ">"
    if hasattr(t, "value_type"):  # the lists: list, large_list, fixed_size_list, list_view
        return f"{str(t).split('<', 1)[0]}<{_type_name(t.value_type)}>"
    return str(t)


def _parquet_type_problems(path: Path) -> list[Problem]:
    """Columns whose cells hold several values (lists, structs, maps): a table cell holds one,
    and their text (``{'x': 1}``) is no value of the contract's."""
    return [
        _structural(
            Code.UNSUPPORTED_COLUMN_TYPE,
            f"column {f.name!r} is of Parquet type {_type_name(f.type)}, several values in each "
            "cell; a table cell holds one value: export it as text, or as one column per part",
            path.name,
            f.name,
        )
        for f in pq.read_schema(path)
        if _nested(f.type)
    ]


def locate(root: Path) -> tuple[dict[str, TableFile], list[Problem]]:
    """Map table names to their files; list every structural problem found on the way."""
    problems: list[Problem] = []
    if not root.is_dir():
        return {}, [
            _structural(
                Code.UNREADABLE_FILE,
                f"{root} is not a folder; a data package is a folder of table files",
                None,
            )
        ]
    found: dict[str, list[Path]] = {}
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        stem, suffix = path.stem, path.suffix.lower()
        if stem not in TABLES:
            continue  # unknown files are kept and ignored, like unknown columns
        if suffix not in SUFFIXES:
            problems.append(
                _structural(
                    Code.NOT_A_TABLE_FILE,
                    f"{stem} must be {stem}.csv or {stem}.parquet; convert {path.name} "
                    "(OnRecord's importers read spreadsheets: see `onrecord import`)",
                    path.name,
                )
            )
            continue
        found.setdefault(stem, []).append(path)

    files: dict[str, TableFile] = {}
    for table, paths in found.items():
        if len(paths) > 1:
            problems.append(
                _structural(
                    Code.DUPLICATE_TABLE,
                    f"{table} is given twice ({', '.join(p.name for p in paths)}); keep one",
                    paths[0].name,
                )
            )
            continue
        path = paths[0]
        fmt = SUFFIXES[path.suffix.lower()]
        csv: Header | None = None
        try:
            if fmt == TableFormat.CSV:
                csv = read_header(path)
                header = csv.names
            else:
                header = _parquet_header(path)
                problems.extend(_parquet_type_problems(path))
        except (OSError, ValueError) as e:
            what = "CSV (UTF-8)" if fmt == TableFormat.CSV else "Parquet"
            problems.append(
                _structural(Code.UNREADABLE_FILE, f"cannot be read as {what}: {e}", path.name)
            )
            continue
        except Exception as e:  # pyarrow raises its own error types for corrupt files
            problems.append(
                _structural(
                    Code.UNREADABLE_FILE,
                    f"cannot be read as Parquet ({type(e).__name__}: {e}); re-export the file",
                    path.name,
                )
            )
            continue
        problems.extend(_header_problems(table, path.name, header))
        files[table] = TableFile(table, path, fmt, header, csv)

    if "recordings" not in found:
        problems.append(
            _structural(
                Code.MISSING_TABLE,
                "recordings.csv (or .parquet) is missing; the audit needs the recordings table",
                None,
            )
        )
    if "shifts" not in found and "encounters" not in found:
        problems.append(
            _structural(
                Code.MISSING_TABLE,
                "neither shifts nor encounters is present; the audit needs at least one of them",
                None,
            )
        )
    return files, problems


def _header_problems(table: str, file: str, header: tuple[str, ...]) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}  # lower-cased name -> name as written
    for name in header:
        if name.lower() in seen:
            first = seen[name.lower()]
            twice = (
                "twice" if first == name else f"twice ({first!r} and {name!r} differ only in case)"
            )
            problems.append(
                _structural(
                    Code.DUPLICATE_COLUMN,
                    f"column {name!r} appears {twice} in the header; rename or remove one",
                    file,
                    name,
                )
            )
        elif name == "_line" or name.startswith(RESERVED_PREFIX):
            problems.append(
                _structural(
                    Code.RESERVED_COLUMN,
                    f"column name {name!r} is reserved by OnRecord (it numbers the source lines); "
                    "rename the column",
                    file,
                    name,
                )
            )
        seen.setdefault(name.lower(), name)
    lower = {h.lower(): h for h in header}
    for col in header_columns(TABLES[table]):
        if col in header:
            continue
        hint = ""
        if col in lower:
            hint = f" (found {lower[col]!r}: column names are lower-case)"
        problems.append(
            _structural(
                Code.MISSING_COLUMN,
                f"required column {col!r} is missing{hint}; add it to the header",
                file,
                col,
            )
        )
    return problems
