"""Mapping validation: every mistake is rejected with the key path and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from onrecord.importers.errors import ImporterError
from onrecord.importers.mapping import (
    DateTimeField,
    TemplateField,
    key_path,
    load_mapping,
    shipped_mappings,
)

VALID = """
department: {name: Test PD, timezone: America/Chicago}
tables:
  shifts:
    sources:
      - file: roster.csv
        columns:
          shift_id: {template: "s-{row}"}
          officer_id: badge
          start: {date: day, time: from, time_format: "%H%M"}
          end: {date: day, time: to, time_format: "%H%M", next_day_if_before: start}
          kind: {value: regular}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> ImporterError:
    with pytest.raises(ImporterError) as caught:
        load_mapping(write(tmp_path, text))
    return caught.value


def test_valid_mapping_loads_with_typed_fields(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, VALID))
    columns = mapping.tables["shifts"].sources[0].columns  # type: ignore[index]
    assert isinstance(columns["shift_id"], TemplateField)
    assert isinstance(columns["end"], DateTimeField)
    assert columns["end"].next_day_if_before == "start"
    assert mapping.department.timezone == "America/Chicago"


def test_shipped_mappings_load_by_name() -> None:
    assert set(shipped_mappings()) == {"boston-2019", "tjjd-2019"}
    for name in shipped_mappings():
        assert load_mapping(name).tables


def test_unknown_mapping_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ImporterError, match="boston-2019, tjjd-2019"):
        load_mapping("no-such-mapping")


def test_unknown_key_is_named_by_its_path(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace("time_format:", "time_fromat:", 1))
    assert error.key == "tables.shifts.sources[0].columns.start.time_fromat"
    assert "unknown key" in str(error)
    assert str(tmp_path / "mapping.yaml") in str(error)


def test_wrong_type_is_named_by_its_path(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace("kind: {value: regular}", "kind: {column: [a, b]}"))
    assert error.key == "tables.shifts.sources[0].columns.kind.column"
    assert "valid string" in str(error)


def test_unrecognised_column_spec(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace("kind: {value: regular}", "kind: {colum: x}"))
    assert error.key == "tables.shifts.sources[0].columns.kind"
    assert "column, value, template" in str(error)


def test_several_problems_are_all_listed(tmp_path: Path) -> None:
    text = VALID.replace("name: Test PD", "nam: Test PD").replace("America/Chicago", "Mars/Base")
    message = str(error_of(tmp_path, text))
    assert "3 problems" in message
    assert "department.name: required key missing" in message
    assert "department.nam: unknown key" in message
    assert "department.timezone: 'Mars/Base' is not an IANA time zone" in message


def test_bad_timezone(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace("America/Chicago", "Central"))
    assert error.key == "department.timezone"
    assert "IANA" in str(error)


def test_unknown_table(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace("  shifts:", "  shift:"))
    assert error.key == "tables.shift"
    assert "recordings" in str(error)


def test_missing_required_column(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace("          kind: {value: regular}\n", ""))
    assert error.key == "tables.shifts.sources[0].columns"
    assert "kind" in str(error)


def test_reference_to_a_later_or_unknown_column(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID.replace("next_day_if_before: start", "next_day_if_before: st"))
    assert error.key == "tables.shifts.sources[0].columns.end.next_day_if_before"


def test_output_column_names_are_lower_case(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID + "          OTCODE: OTCODE\n")
    assert error.key == "tables.shifts.sources[0].columns.OTCODE"


def test_rule_needs_one_test(tmp_path: Path) -> None:
    text = VALID.replace(
        "kind: {value: regular}",
        "kind: {column: k, map: {rules: [{contains: a, regex: b, value: c}]}}",
    )
    error = error_of(tmp_path, text)
    assert error.key == "tables.shifts.sources[0].columns.kind.map.rules[0]"
    assert "exactly one of 'contains' or 'regex'" in str(error)


def test_unquoted_number_in_a_value_map_says_to_quote(tmp_path: Path) -> None:
    text = VALID.replace("kind: {value: regular}", "kind: {column: k, map: {values: {409: x}}}")
    assert "quote" in str(error_of(tmp_path, text))


def test_duplicate_yaml_key_is_refused_with_its_line(tmp_path: Path) -> None:
    text = VALID.replace("kind: {value: regular}", "kind: {value: regular}\n          kind: x")
    error = error_of(tmp_path, text)
    assert "is given twice" in str(error)
    assert error.row == 13


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, "department: {name: x\ntables: [")
    assert error.row is not None
    assert "not valid YAML" in str(error)


def test_sheet_only_for_spreadsheets(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, VALID.replace("file: roster.csv", "file: roster.csv\n        sheet: S")
    )
    assert error.key == "tables.shifts.sources[0].sheet"


def test_table_needs_exactly_one_origin(tmp_path: Path) -> None:
    text = VALID + "  recordings: {empty: true, derive: {from: [shifts], key: x}}\n"
    error = error_of(tmp_path, text)
    assert error.key == "tables.recordings"
    assert "exactly one of" in str(error)


def test_derive_only_from_source_tables(tmp_path: Path) -> None:
    text = VALID + "  officers: {derive: {from: [stations], key: officer_id}}\n"
    error = error_of(tmp_path, text)
    assert error.key == "tables.officers.derive.from[0]"


def test_merge_join_must_be_a_mapped_column(tmp_path: Path) -> None:
    text = VALID + "    merge_duplicates: {join: [basis]}\n"
    error = error_of(tmp_path, text)
    assert error.key == "tables.shifts.merge_duplicates.join[0]"


def test_key_path_drops_internal_tags() -> None:
    loc = ("tables", "shifts", "sources", 0, "columns", "start", "<date+time>", "round")
    assert key_path(loc) == "tables.shifts.sources[0].columns.start.round"
    assert key_path(()) == "(top level)"
