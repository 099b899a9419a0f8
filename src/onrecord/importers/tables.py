"""Whole-table steps once source rows are mapped: merging duplicate rows, deriving tables.

Both are pure functions of the mapped rows, so an import is deterministic: the same sources and
mapping give the same package, byte for byte.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from onrecord.importers.errors import ImporterError
from onrecord.importers.mapping import PROVENANCE_COLUMNS, DeriveSpec, MergeSpec

Row = dict[str, str | None]


@dataclass(frozen=True)
class TableData:
    """A table ready to write: its column order and its rows (missing keys are empty values)."""

    columns: list[str]
    rows: list[Row]


def merge_groups(rows: list[Row], key: str, spec: MergeSpec) -> list[list[int]]:
    """Indices of rows that form one record: the same key and the same value in every column
    except the joined ones and the provenance. Rows that differ elsewhere stay apart (and
    ``onrecord check`` reports their duplicate key), so merging never hides a conflict."""
    ignored = {*spec.join, *PROVENANCE_COLUMNS}
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, row in enumerate(rows):
        value = row.get(key)
        if value:
            others = tuple(sorted((c, v) for c, v in row.items() if c not in ignored))
            groups.setdefault((value, others), []).append(i)
        else:  # a row without a key is never merged
            groups[(None, i)] = [i]
    return list(groups.values())


def merge_rows(rows: list[Row], spec: MergeSpec) -> Row:
    """One row from a group: joined columns and provenance list each distinct value, in order."""
    merged = dict(rows[0])
    for column in (*spec.join, *PROVENANCE_COLUMNS):
        values = dict.fromkeys(v for r in rows if (v := r.get(column)))
        merged[column] = spec.separator.join(values) or None
    return merged


def most_frequent(counts: Counter[str]) -> str:
    """The value seen most often; a tie goes to the smallest value, so the choice is stable."""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def derive_table(
    key_column: str, spec: DeriveSpec, tables: Mapping[str, TableData], key: str
) -> TableData:
    """Distinct non-empty ``spec.key`` values of the ``from`` tables, sorted, with each attribute
    the most frequent non-empty value among that id's rows."""
    wanted = [(spec.key, "key"), *((c, f"columns.{o}") for o, c in spec.columns.items())]
    for column, where in wanted:
        if not any(column in tables[origin].columns for origin in spec.from_):
            raise ImporterError(
                f"no table in 'from' ({', '.join(spec.from_)}) has a column {column!r}",
                key=f"{key}.{where}",
                hint="Name an output column of one of those tables.",
            )
    seen: dict[str, dict[str, Counter[str]]] = {}
    for origin in spec.from_:
        for row in tables[origin].rows:
            ident = row.get(spec.key)
            if not ident:
                continue
            attributes = seen.setdefault(ident, {})
            for out, column in spec.columns.items():
                value = row.get(column)
                if value:
                    attributes.setdefault(out, Counter())[value] += 1
    rows: list[Row] = []
    for ident in sorted(seen):
        merged: Row = {key_column: ident}
        for out in spec.columns:
            counts = seen[ident].get(out)
            merged[out] = most_frequent(counts) if counts else None
        rows.append(merged)
    return TableData([key_column, *spec.columns], rows)
