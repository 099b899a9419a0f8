"""The import mapping format: a YAML document, validated here before any source file is opened.

A mapping says, per data package table, which source files feed it and how each output column is
made from a source row (see ``docs/import.md``). Validation is strict (unknown keys and wrong types
are rejected) because a typo in a mapping would otherwise silently produce an empty column.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from onrecord import strict_yaml
from onrecord.importers.errors import ImporterError

# The column spec models live with their compilers; they are part of the mapping format too.
from onrecord.importers.fields import (
    TIMESTAMP_FIELDS,
    FieldSpec,
    Strict,
    kind_of,
)
from onrecord.importers.fields import ConstantField as ConstantField
from onrecord.importers.fields import CopyField as CopyField
from onrecord.importers.fields import DateField as DateField
from onrecord.importers.fields import DateTimeField as DateTimeField
from onrecord.importers.fields import DurationField as DurationField
from onrecord.importers.fields import HashField as HashField
from onrecord.importers.fields import Rule as Rule
from onrecord.importers.fields import TemplateField as TemplateField
from onrecord.importers.fields import TimestampField as TimestampField
from onrecord.importers.fields import ValueMap as ValueMap
from onrecord.package.department import iana_zone
from onrecord.package.schema import TABLES, header_columns

PROVENANCE_COLUMNS = ("source_file", "source_row")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt")
_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]*")


class SourceSpec(Strict):
    file: str
    sheet: str | None = None
    encoding: str = "utf-8-sig"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    null_values: list[str] = Field(default_factory=list)
    columns: dict[str, FieldSpec] = Field(min_length=1)

    @field_validator("file")
    @classmethod
    def _known_type(cls, file: str) -> str:
        if not file.lower().endswith(CSV_SUFFIXES + SPREADSHEET_SUFFIXES):
            raise ValueError(
                f"{file!r} is neither CSV ({', '.join(CSV_SUFFIXES)}) "
                f"nor a spreadsheet ({', '.join(SPREADSHEET_SUFFIXES)})"
            )
        return file

    @property
    def is_spreadsheet(self) -> bool:
        return self.file.lower().endswith(SPREADSHEET_SUFFIXES)


class DeriveSpec(Strict):
    from_: list[str] = Field(alias="from", min_length=1)
    key: str
    columns: dict[str, str] = Field(default_factory=dict)


class MergeSpec(Strict):
    join: list[str] = Field(min_length=1)
    separator: str = "; "


class TableSpec(Strict):
    sources: list[SourceSpec] | None = Field(default=None, min_length=1)
    derive: DeriveSpec | None = None
    empty: bool = False
    merge_duplicates: MergeSpec | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> TableSpec:
        origins = [self.sources is not None, self.derive is not None, self.empty]
        if sum(origins) != 1:
            raise ValueError("a table needs exactly one of 'sources', 'derive' or 'empty: true'")
        if self.merge_duplicates is not None and self.sources is None:
            raise ValueError("'merge_duplicates' applies only to a table made from 'sources'")
        return self


class Department(Strict):
    name: str
    timezone: str = "UTC"
    policy: str | None = None

    _zone = field_validator("timezone")(lambda v: iana_zone(v))


class Mapping(Strict):
    description: str | None = None
    department: Department
    tables: dict[str, TableSpec] = Field(min_length=1)


def shipped_mappings() -> dict[str, Path]:
    """The mappings that ship with OnRecord, by name (the file stem)."""
    folder = resources.files("onrecord.importers") / "mappings"
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


def resolve_mapping(ref: str | Path) -> Path:
    """A mapping argument is a YAML file path or, failing that, the name of a shipped mapping."""
    path = Path(ref)
    if path.is_file():
        return path
    shipped = shipped_mappings()
    if str(ref) in shipped:
        return shipped[str(ref)]
    raise ImporterError(
        f"no mapping file {str(ref)!r} and no shipped mapping of that name",
        hint=f"Give a path to a mapping YAML file or one of: {', '.join(sorted(shipped))}.",
    )


def load_mapping(ref: str | Path) -> Mapping:
    """Read and validate a mapping; every problem becomes an ImporterError naming the key path."""
    path = resolve_mapping(ref)
    try:
        doc = strict_yaml.load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line, _, what = strict_yaml.describe(e)
        raise ImporterError(
            f"not valid YAML: {what}",
            file=str(path),
            row=line,
            hint="Fix the YAML syntax (indentation, quoting) at that line.",
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise ImporterError(f"cannot read the mapping: {e}", file=str(path)) from e
    if not isinstance(doc, dict):
        raise ImporterError(
            "a mapping must be a YAML mapping with 'department' and 'tables'", file=str(path)
        )
    try:
        mapping = Mapping.model_validate(doc)
    except ValidationError as e:
        raise _validation_error(e, path) from e
    check_mapping(mapping)
    return mapping


def key_path(loc: tuple[int | str, ...]) -> str:
    """``('tables', 'shifts', 'sources', 0, 'columns')`` → ``tables.shifts.sources[0].columns``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.startswith("<"):
            text += f".{part}" if text else part
    return text or "(top level)"


_TYPE_ERRORS = {"string_type", "float_parsing", "float_type", "bool_type", "list_type", "dict_type"}


def _describe(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against docs/import.md)"
    if kind == "missing":
        return "required key missing"
    text = str(error["msg"]).removeprefix("Value error, ")
    if kind in _TYPE_ERRORS:
        text += f" (got {error['input']!r}; quote values that YAML would read as numbers or yes/no)"
    return text


def _validation_error(error: ValidationError, path: Path) -> ImporterError:
    problems = [(key_path(e["loc"]), _describe(e)) for e in error.errors()]
    if len(problems) == 1:
        key, text = problems[0]
        return ImporterError(text, key=key, file=str(path))
    listing = "".join(f"\n  {key}: {text}" for key, text in problems)
    return ImporterError(f"{len(problems)} problems in the mapping:{listing}", file=str(path))


def check_mapping(mapping: Mapping) -> None:
    """The cross-references pydantic cannot see: tables, required columns, field references."""
    for name, table in mapping.tables.items():
        key = f"tables.{name}"
        if name not in TABLES:
            raise ImporterError(
                f"{name!r} is not a data package table",
                key=key,
                hint=f"Use one of: {', '.join(TABLES)}.",
            )
        if table.sources is not None:
            for i, source in enumerate(table.sources):
                _check_source(name, source, f"{key}.sources[{i}]")
            if table.merge_duplicates is not None:
                _check_merge(name, table.sources, table.merge_duplicates, f"{key}.merge_duplicates")
        if table.derive is not None:
            _check_derive(name, table.derive, mapping, f"{key}.derive")


def _check_column_name(name: str, key: str) -> None:
    if not _COLUMN_NAME.fullmatch(name) or name in PROVENANCE_COLUMNS:
        raise ImporterError(
            f"{name!r} cannot be an output column name",
            key=key,
            hint="Use lower-case letters, digits and '_' (starting with a letter); "
            f"{' and '.join(PROVENANCE_COLUMNS)} are written by the importer itself.",
        )


def _check_source(table: str, source: SourceSpec, key: str) -> None:
    if source.sheet is not None and not source.is_spreadsheet:
        raise ImporterError(
            "'sheet' applies only to spreadsheet sources", key=f"{key}.sheet", hint="Remove it."
        )
    missing = [c for c in header_columns(TABLES[table]) if c not in source.columns]
    if missing:
        raise ImporterError(
            f"the {table} table needs the column(s) {', '.join(missing)}",
            key=f"{key}.columns",
            hint="Add a spec for each (a source column, a constant, a template...).",
        )
    earlier: dict[str, object] = {}
    for name, spec in source.columns.items():
        field_key = f"{key}.columns.{name}"
        _check_column_name(name, field_key)
        for ref_key in kind_of(spec).timestamp_refs:
            ref = getattr(spec, ref_key)
            if ref is not None and not isinstance(earlier.get(ref), TIMESTAMP_FIELDS):
                raise ImporterError(
                    f"{ref!r} is not a timestamp column defined before {name!r}",
                    key=f"{field_key}.{ref_key}",
                    hint="Name an output timestamp column listed above this one.",
                )
        earlier[name] = spec


def _check_merge(table: str, sources: list[SourceSpec], merge: MergeSpec, key: str) -> None:
    if TABLES[table].key is None:
        raise ImporterError(f"the {table} table has no key to merge on", key=key)
    mapped = {c for s in sources for c in s.columns}
    for i, column in enumerate(merge.join):
        if column not in mapped or column == TABLES[table].key:
            raise ImporterError(
                f"{column!r} is not an output column of {table} other than its key",
                key=f"{key}.join[{i}]",
            )


def _check_derive(table: str, spec: DeriveSpec, mapping: Mapping, key: str) -> None:
    if TABLES[table].key is None:
        raise ImporterError(
            f"the {table} table cannot be derived (it has no key)",
            key=key,
            hint="Map it from sources instead.",
        )
    for i, origin in enumerate(spec.from_):
        origin_spec = mapping.tables.get(origin)
        if origin_spec is None or origin_spec.sources is None:
            raise ImporterError(
                f"{origin!r} is not a table made from sources in this mapping",
                key=f"{key}.from[{i}]",
                hint="Derive only from tables that have 'sources'.",
            )
    for name in spec.columns:
        _check_column_name(name, f"{key}.columns.{name}")
    produced = {TABLES[table].key, *spec.columns}
    missing = [c for c in header_columns(TABLES[table]) if c not in produced]
    if missing:
        raise ImporterError(
            f"a derived {table} table needs the column(s) {', '.join(missing)}",
            key=f"{key}.columns",
        )
