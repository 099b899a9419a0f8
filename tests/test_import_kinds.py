"""The registry of column spec kinds: what a new kind must declare, and what is built from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from onrecord.importers.errors import ImporterError
from onrecord.importers.fields import (
    DERIVED_ID_FIELDS,
    FIELD_KINDS,
    TIMESTAMP_FIELDS,
    DateTimeField,
    DurationField,
    HashField,
    TemplateField,
    TimestampField,
    kind_of,
)
from onrecord.importers.mapping import load_mapping

IMPORT_DOC = Path(__file__).resolve().parents[1] / "docs" / "import.md"

MAPPING = """
department: {name: Test PD}
tables:
  shifts:
    sources:
      - file: roster.csv
        columns:
          shift_id: {template: "s-{row}"}
          officer_id: badge
          start: {datetime: from}
          end: {datetime: to}
          kind: {colum: x}
"""


def test_each_kind_is_declared_consistently() -> None:
    assert len({k.model for k in FIELD_KINDS}) == len(FIELD_KINDS)
    assert len({k.key for k in FIELD_KINDS}) == len(FIELD_KINDS)
    assert len({k.tag for k in FIELD_KINDS}) == len(FIELD_KINDS)
    assert len({k.precedence for k in FIELD_KINDS}) == len(FIELD_KINDS)
    for kind in FIELD_KINDS:
        fields = kind.model.model_fields
        assert kind.key in fields, kind.name
        assert set(kind.timestamp_refs) <= set(fields), kind.name
        assert kind.tag.startswith("<")  # so that error key paths leave it out


def test_a_kind_whose_key_another_kind_also_has_is_tried_after_it() -> None:
    for kind in FIELD_KINDS:
        for other in FIELD_KINDS:
            if other is not kind and kind.key in other.model.model_fields:
                assert other.precedence < kind.precedence, (other.name, kind.name)


def test_the_unrecognised_spec_error_lists_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING)
    with pytest.raises(ImporterError) as caught:
        load_mapping(path)
    assert caught.value.problem == (
        "expected a source column name, or a mapping with one of the keys "
        "column, value, template, hash, datetime, date (with time), duration"
    )
    listed = set(re.findall(r"\w+", caught.value.problem.split("keys ", 1)[1]))
    for kind in FIELD_KINDS:
        assert kind.key in listed, kind.name


def test_timestamp_and_derived_id_kinds() -> None:
    assert set(TIMESTAMP_FIELDS) == {TimestampField, DateTimeField, DurationField}
    assert set(DERIVED_ID_FIELDS) == {TemplateField, HashField}


def test_kind_of_a_loaded_spec(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING.replace("{colum: x}", "{value: regular}"))
    columns = load_mapping(path).tables["shifts"].sources[0].columns  # type: ignore[index]
    assert {n: kind_of(s).name for n, s in columns.items()} == {
        "shift_id": "template",
        "officer_id": "copy",
        "start": "timestamp",
        "end": "timestamp",
        "kind": "constant",
    }


def test_every_kind_has_an_example_in_the_import_guide() -> None:
    text = IMPORT_DOC.read_text(encoding="utf-8")
    for kind in FIELD_KINDS:
        assert re.search(rf"[{{,] *{re.escape(kind.key)}:", text), kind.name
