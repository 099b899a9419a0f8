"""Running a mapping: read and map every source, merge, derive, and only then write the package.

Everything is read and checked in memory before the first table is written, so an import that
fails leaves the output folder as it was. Sizes are tens of thousands of rows: plain Python rows
are simple, exact, and fast enough (a few seconds for the shipped mappings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import pyarrow as pa

from onrecord.importers.errors import ImporterError, row_label
from onrecord.importers.fields import DERIVED_ID_FIELDS, CompiledField, RowState, compile_field
from onrecord.importers.mapping import PROVENANCE_COLUMNS, Mapping, SourceSpec, TableSpec
from onrecord.importers.sources import read_source
from onrecord.importers.tables import Row, TableData, derive_table, merge_groups, merge_rows
from onrecord.package.formats import TableFormat
from onrecord.package.schema import TABLES
from onrecord.package.writer import PackageWriter


@dataclass(frozen=True)
class Unparsed:
    """A source value that did not parse and was written through as raw text."""

    key: str
    file: str
    row: int
    column: str
    text: str
    expected: str

    def __str__(self) -> str:
        return (
            f"{self.file} {row_label(self.file)} {self.row}: {self.column} = {self.text!r} "
            f"is not {self.expected} (mapping key {self.key})"
        )


@dataclass(frozen=True)
class Defaulted:
    """Source values that no value-map entry or rule matched, so the map's default was used."""

    key: str
    file: str
    values: Counter[str]


@dataclass(frozen=True)
class TableResult:
    name: str
    rows: int
    origin: str


@dataclass(frozen=True)
class ImportResult:
    out: Path
    tables: list[TableResult]
    unparsed: list[Unparsed]
    defaulted: list[Defaulted]
    merged: int  # source rows folded into another row by merge_duplicates
    removed: list[str]  # stale table files of an earlier import that this mapping does not write
    seconds: float


def count_steps(mapping: Mapping) -> int:
    """Progress steps of ``run_import``: one per source file, one per other table, one to write."""
    return sum(len(t.sources) if t.sources else 1 for t in mapping.tables.values()) + 1


def run_import(
    mapping: Mapping,
    source_dir: Path,
    out: Path,
    fmt: TableFormat = TableFormat.CSV,
    on_step: Callable[[str], None] = lambda _: None,
) -> ImportResult:
    """Import the sources in ``source_dir`` into the package folder ``out``."""
    started = perf_counter()
    if not source_dir.is_dir():
        raise ImporterError(
            f"the source folder {source_dir} does not exist",
            hint="Pass --source the folder that holds the files the mapping names.",
        )
    log = _Log()
    data: dict[str, TableData] = {}
    origins: dict[str, str] = {}
    for name, spec in mapping.tables.items():
        if spec.sources is not None:
            data[name] = _map_table(name, spec, spec.sources, source_dir, log, on_step)
            origins[name] = ", ".join(s.file for s in spec.sources)
    for name, spec in mapping.tables.items():
        if spec.derive is not None:
            on_step(f"{name}: derived from {', '.join(spec.derive.from_)}")
            key_column = TABLES[name].key
            assert key_column is not None  # mapping.check_mapping rejects keyless derived tables
            data[name] = derive_table(key_column, spec.derive, data, f"tables.{name}.derive")
            origins[name] = f"derived from {', '.join(spec.derive.from_)}"
        elif spec.empty:
            on_step(f"{name}: empty")
            data[name] = TableData([c.name for c in TABLES[name].columns], [])
            origins[name] = "empty (header only)"
    on_step(f"writing {out}")
    removed = _write(mapping, data, out, fmt)
    return ImportResult(
        out=out,
        tables=[TableResult(n, len(data[n].rows), origins[n]) for n in TABLES if n in data],
        unparsed=log.unparsed,
        defaulted=log.defaulted,
        merged=log.merged,
        removed=removed,
        seconds=perf_counter() - started,
    )


class _Log:
    """What the import noticed but did not stop for; the CLI reports all of it."""

    def __init__(self) -> None:
        self.unparsed: list[Unparsed] = []
        self.defaulted: list[Defaulted] = []
        self.merged = 0


def _map_table(
    name: str,
    spec: TableSpec,
    sources: list[SourceSpec],
    source_dir: Path,
    log: _Log,
    on_step: Callable[[str], None],
) -> TableData:
    key_column = TABLES[name].key
    rows: list[Row] = []
    derived_key: list[bool] = []  # per row: was its key made by a template or hash?
    for i, source in enumerate(sources):
        key = f"tables.{name}.sources[{i}]"
        on_step(f"{name} ← {source.file}")
        mapped = _map_source(source, source_dir, key, log)
        rows.extend(mapped)
        is_derived = isinstance(source.columns.get(key_column or ""), DERIVED_ID_FIELDS)
        derived_key.extend([is_derived] * len(mapped))
    if spec.merge_duplicates is not None and key_column is not None:
        groups = merge_groups(rows, key_column, spec.merge_duplicates)
        log.merged += len(rows) - len(groups)
        rows = [merge_rows([rows[i] for i in g], spec.merge_duplicates) for g in groups]
        derived_key = [any(derived_key[i] for i in g) for g in groups]
    if key_column is not None:
        _check_derived_ids(name, key_column, rows, derived_key)
    return TableData(_column_order(name, sources), rows)


def _map_source(source: SourceSpec, source_dir: Path, key: str, log: _Log) -> list[Row]:
    table = read_source(source_dir, source, key)
    plain = [n for n, s in source.columns.items() if not isinstance(s, DERIVED_ID_FIELDS)]
    # Templates and hashes run last, so they may use any other output column of the row.
    order = plain + [n for n in source.columns if n not in plain]
    fields: list[CompiledField] = [
        compile_field(n, source.columns[n], table.header, source.file, f"{key}.columns.{n}", plain)
        for n in order
    ]
    rows: list[Row] = []
    for number, cells in table.rows:
        state = RowState(cells, number)
        for f in fields:
            state.out[f.name] = f.evaluate(state)
        for column, text, expected in state.unparsed:
            log.unparsed.append(
                Unparsed(f"{key}.columns.{column}", source.file, number, column, text, expected)
            )
        state.out["source_file"] = source.file
        state.out["source_row"] = str(number)
        rows.append(state.out)
    for f in fields:
        if f.mapper is not None and f.mapper.defaulted:
            log.defaulted.append(Defaulted(f"{f.key}.map.default", source.file, f.mapper.defaulted))
    return rows


def _check_derived_ids(table: str, key_column: str, rows: list[Row], derived: list[bool]) -> None:
    """A template or hash that makes the same id twice is a mapping error, not a data error."""
    seen: dict[str, tuple[Row, bool]] = {}
    for row, is_derived in zip(rows, derived, strict=True):
        ident = row.get(key_column)
        if not ident:
            continue
        if ident in seen and (is_derived or seen[ident][1]):
            raise ImporterError(
                f"the {key_column} {ident!r} is made for two rows: "
                f"{_where(seen[ident][0])} and {_where(row)}",
                key=f"tables.{table}",
                hint="Add source columns (or {row}) to the id template or hash until each "
                "source row gets its own id.",
            )
        seen.setdefault(ident, (row, is_derived))


def _where(row: Row) -> str:
    file = row.get("source_file") or ""
    return f"{file} {row_label(file)} {row.get('source_row')}"


def _column_order(table: str, sources: list[SourceSpec]) -> list[str]:
    """Contract columns in contract order, then extra columns as first mapped, then provenance."""
    mapped = list(dict.fromkeys(c for s in sources for c in s.columns))
    contract = [c.name for c in TABLES[table].columns]
    return (
        [c for c in contract if c in mapped]
        + [c for c in mapped if c not in contract]
        + list(PROVENANCE_COLUMNS)
    )


def _write(mapping: Mapping, data: dict[str, TableData], out: Path, fmt: TableFormat) -> list[str]:
    removed: list[str] = []
    with PackageWriter(out, fmt) as writer:
        dept = mapping.department
        writer.department(dept.name, dept.timezone, dept.policy)
        for name in TABLES:
            if name in data:
                table = data[name]
                writer.table(name).write(
                    {
                        c: pa.array([r.get(c) for r in table.rows], type=pa.string())
                        for c in table.columns
                    }
                )
                continue
            for stale in (out / f"{name}.csv", out / f"{name}.parquet"):
                if stale.exists():
                    stale.unlink()
                    removed.append(stale.name)
    return removed
