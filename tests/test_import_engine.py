"""Each mapping feature on small hand-written CSV sources."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from onrecord.importers.engine import ImportResult, run_import
from onrecord.importers.errors import ImporterError
from onrecord.importers.mapping import load_mapping

DEPARTMENT = "department: {name: Test PD, timezone: America/New_York}\n"


def run(
    tmp_path: Path, tables: str, files: dict[str, str], fmt: str = "csv"
) -> tuple[ImportResult, Path]:
    """Write the sources and a mapping (department + the given ``tables:`` block), import them."""
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    for name, text in files.items():
        (source / name).write_text(textwrap.dedent(text).lstrip("\n"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(DEPARTMENT + textwrap.dedent(tables))
    out = tmp_path / "package"
    return run_import(load_mapping(mapping), source, out, fmt), out  # type: ignore[arg-type]


def read(out: Path, table: str) -> list[dict[str, str]]:
    with (out / f"{table}.csv").open(newline="") as f:
        return list(csv.DictReader(f))


SHIFTS = """
tables:
  shifts:
    sources:
      - file: roster.csv
        columns:
          shift_id: {template: "s-{row}"}
          officer_id: badge
          start: {date: day, date_format: "%m/%d/%y", time: from, time_format: "%H%M"}
          end:
            date: day
            date_format: "%m/%d/%y"
            time: to
            time_format: "%H%M"
            next_day_if_before: start
          kind: {value: overtime}
          otcode: code
"""
ROSTER = """
badge,day,from,to,code
 B1 ,08/31/19,0730,1600,409
B2,08/31/19,2345,0730,409
B3,08/31/19,0800,0800,101
"""


def test_rename_combine_overnight_constant_and_provenance(tmp_path: Path) -> None:
    result, out = run(tmp_path, SHIFTS, {"roster.csv": ROSTER})
    rows = read(out, "shifts")
    assert rows[0] == {
        "shift_id": "s-2",
        "officer_id": "B1",
        "start": "2019-08-31T07:30:00",
        "end": "2019-08-31T16:00:00",
        "kind": "overtime",
        "otcode": "409",
        "source_file": "roster.csv",
        "source_row": "2",
    }
    # An end before the start is the next morning; an equal end is left for check to judge.
    assert (rows[1]["start"], rows[1]["end"]) == ("2019-08-31T23:45:00", "2019-09-01T07:30:00")
    assert rows[2]["end"] == "2019-08-31T08:00:00"
    assert result.unparsed == []
    assert yaml.safe_load((out / "department.yaml").read_text()) == {
        "name": "Test PD",
        "timezone": "America/New_York",
    }


def test_source_row_is_the_csv_line_even_with_multiline_fields(tmp_path: Path) -> None:
    roster = (
        'badge,day,from,to,code\nB1,08/31/19,0730,1600,"two\nlines"\n\nB2,08/31/19,0800,0900,1\n'
    )
    _, out = run(tmp_path, SHIFTS, {"roster.csv": roster})
    rows = read(out, "shifts")
    assert [r["source_row"] for r in rows] == ["2", "5"]
    assert rows[0]["otcode"] == "two\nlines"


def test_date_format_with_month_names(tmp_path: Path) -> None:
    tables = SHIFTS.replace("%m/%d/%y", "%d-%b-%y")
    _, out = run(
        tmp_path, tables, {"roster.csv": "badge,day,from,to,code\nB1,02-Jan-19,0830,1100,288\n"}
    )
    assert read(out, "shifts")[0]["start"] == "2019-01-02T08:30:00"


def test_round_to_the_nearest_second(tmp_path: Path) -> None:
    tables = """
    tables:
      shifts:
        sources:
          - file: s.csv
            columns:
              shift_id: id
              officer_id: who
              start: {date: d, time: t0, time_format: "%H:%M:%S.%f", round: second}
              end: {date: d, time: t1, time_format: "%H:%M:%S.%f", round: second}
              kind: {value: regular}
    """
    files = {
        "s.csv": """
        id,who,d,t0,t1
        a,1,2019-04-01,06:59:59.999,15:29:59.998
        b,1,2019-04-01,08:00:00.499,23:59:59.500
        """
    }
    _, out = run(tmp_path, tables, files)
    rows = read(out, "shifts")
    assert (rows[0]["start"], rows[0]["end"]) == ("2019-04-01T07:00:00", "2019-04-01T15:30:00")
    # Half a second rounds up, and rounding past midnight moves to the next day.
    assert (rows[1]["start"], rows[1]["end"]) == ("2019-04-01T08:00:00", "2019-04-02T00:00:00")


def test_without_rounding_fractions_are_kept(tmp_path: Path) -> None:
    tables = """
    tables:
      recordings:
        sources:
          - file: r.csv
            columns:
              recording_id: id
              officer_id: who
              start: {datetime: s}
              end: {datetime: e, format: "%Y-%m-%d %H:%M:%S.%f"}
    """
    files = {"r.csv": "id,who,s,e\n1,7,2019-04-01T00:01:41.000-05:00,2019-04-01 00:28:38.250\n"}
    _, out = run(tmp_path, tables, files)
    row = read(out, "recordings")[0]
    # An offset in the source is kept (absolute time); a time without one stays local.
    assert row["start"] == "2019-04-01T00:01:41-05:00"
    assert row["end"] == "2019-04-01T00:28:38.250000"


VALUE_MAP = """
tables:
  shifts:
    sources:
      - file: s.csv
        columns:
          shift_id: id
          officer_id: who
          start: {datetime: s}
          end: {datetime: e}
          kind:
            column: payer
            map:
              values: {SPECIAL EVENTS: overtime}
              rules:
                - {contains: GARDEN, value: paid_detail}
                - {regex: "^DISTRICT \\\\d+$", value: overtime}
                - {regex: "DISTRICT", value: training}
              default: other
          payer_class:
            column: payer
            map: {values: {SPECIAL EVENTS: department}}
"""


def test_value_map_exact_rules_in_order_and_default(tmp_path: Path) -> None:
    payers = ["SPECIAL EVENTS", "TD GARDEN", "DISTRICT 13", "DISTRICT A", "STOP AND SHOP", ""]
    lines = [f"{i},1,2019-01-01T08:00,2019-01-01T09:00,{p}" for i, p in enumerate(payers)]
    lines.append("9,1,2019-01-01T08:00,2019-01-01T09:00,STOP AND SHOP")
    result, out = run(tmp_path, VALUE_MAP, {"s.csv": "id,who,s,e,payer\n" + "\n".join(lines)})
    rows = read(out, "shifts")
    assert [r["kind"] for r in rows] == [
        "overtime",
        "paid_detail",
        "overtime",
        "training",
        "other",
        "",
        "other",
    ]
    # Without a default an unmatched value is written unchanged.
    assert [r["payer_class"] for r in rows][:2] == ["department", "TD GARDEN"]
    # Every use of a default is reported, with its source values.
    [defaulted] = result.defaulted
    assert defaulted.key == "tables.shifts.sources[0].columns.kind.map.default"
    assert dict(defaulted.values) == {"STOP AND SHOP": 2}


def test_template_may_use_output_columns_source_columns_and_row(tmp_path: Path) -> None:
    tables = """
    tables:
      shifts:
        sources:
          - file: s.csv
            columns:
              shift_id: {template: "{officer_id}-{start}-{Unit No}-{row}"}
              officer_id: who
              start: {datetime: s}
              end: {datetime: e}
              kind: {value: regular}
    """
    files = {"s.csv": "who,s,e,Unit No\nB1,2019-01-01T08:00,2019-01-01T09:00,7.0\n"}
    _, out = run(tmp_path, tables, files)
    assert read(out, "shifts")[0]["shift_id"] == "B1-2019-01-01T08:00:00-7.0-2"


def test_hash_ids_are_deterministic_and_distinct(tmp_path: Path) -> None:
    tables = """
    tables:
      encounters:
        sources:
          - file: e.csv
            columns:
              encounter_id: {hash: [who, s], prefix: "fc-"}
              officer_id: who
              type: {value: pedestrian_stop}
              start: {datetime: s}
              end: {datetime: s}
    """
    files = {"e.csv": "who,s\nB1,2019-01-01T08:00\nB2,2019-01-01T08:00\n"}
    _, out = run(tmp_path, tables, files)
    first = [r["encounter_id"] for r in read(out, "encounters")]
    _, again = run(tmp_path, tables, files)
    assert first == [r["encounter_id"] for r in read(again, "encounters")]
    assert len(set(first)) == 2
    assert all(i.startswith("fc-") and len(i) == 19 for i in first)


def test_a_template_that_repeats_an_id_is_a_mapping_error(tmp_path: Path) -> None:
    tables = SHIFTS.replace('"s-{row}"', '"s-{badge}"')
    roster = "badge,day,from,to,code\nB1,08/31/19,0730,1600,1\nB1,09/01/19,0730,1600,1\n"
    with pytest.raises(ImporterError) as caught:
        run(tmp_path, tables, {"roster.csv": roster})
    message = str(caught.value)
    assert caught.value.key == "tables.shifts"
    assert "'s-B1'" in message
    assert "roster.csv line 2 and roster.csv line 3" in message


def test_a_repeated_source_id_is_left_for_check(tmp_path: Path) -> None:
    tables = SHIFTS.replace('{template: "s-{row}"}', "code")
    roster = "badge,day,from,to,code\nB1,08/31/19,0730,1600,1\nB2,09/01/19,0730,1600,1\n"
    _, out = run(tmp_path, tables, {"roster.csv": roster})
    assert [r["shift_id"] for r in read(out, "shifts")] == ["1", "1"]


ENCOUNTERS = """
tables:
  encounters:
    sources:
      - file: fc.csv
        null_values: ["NULL"]
        columns:
          encounter_id: fc_num
          officer_id: officer
          type: {value: pedestrian_stop}
          start: {datetime: contact_date, format: "%Y-%m-%d %H:%M:%S"}
          end: {after: start, duration: stop_duration, unit: minutes, missing: 0}
          basis: basis
          key_situations: key_situations
"""
CONTACTS = """
fc_num,contact_date,officer,stop_duration,basis,key_situations
FC1,2019-09-29 9:00:00,B1,60,Encounter,NULL
FC2,2019-09-29 10:21:00,B2,NULL,Intel,Gang
FC3,2019-09-29 23:50:00,B3,1.5,Intel,
"""


def test_duration_end_and_null_values(tmp_path: Path) -> None:
    _, out = run(tmp_path, ENCOUNTERS, {"fc.csv": CONTACTS})
    rows = read(out, "encounters")
    assert (rows[0]["start"], rows[0]["end"]) == ("2019-09-29T09:00:00", "2019-09-29T10:00:00")
    assert rows[0]["key_situations"] == ""  # NULL is an empty value
    assert rows[1]["end"] == rows[1]["start"] == "2019-09-29T10:21:00"  # missing: 0 -> instant
    assert rows[2]["end"] == "2019-09-29T23:51:30"


def test_merge_duplicates_joins_only_rows_that_agree(tmp_path: Path) -> None:
    contacts = CONTACTS + (
        "FC1,2019-09-29 9:00:00,B1,60,Probable Cause,NULL\n"  # same contact, another basis
        "FC1,2019-09-29 9:00:00,B1,60,Encounter,NULL\n"  # a basis already listed
        "FC2,2019-09-29 11:00:00,B2,NULL,Intel,Gang\n"  # same id, different time: kept apart
    )
    tables = ENCOUNTERS + "    merge_duplicates: {join: [basis]}\n"
    result, out = run(tmp_path, tables, {"fc.csv": contacts})
    rows = read(out, "encounters")
    assert [r["encounter_id"] for r in rows] == ["FC1", "FC2", "FC3", "FC2"]
    assert rows[0]["basis"] == "Encounter; Probable Cause"
    assert rows[0]["source_row"] == "2; 5; 6"
    assert result.merged == 2


def test_several_sources_feed_one_table(tmp_path: Path) -> None:
    tables = (
        SHIFTS
        + """
      - file: court.csv
        columns:
          shift_id: {template: "c-{row}"}
          officer_id: badge
          start: {date: day, date_format: "%d-%b-%y", time: from, time_format: "%H%M"}
          end: {date: day, date_format: "%d-%b-%y", time: to, time_format: "%H%M"}
          kind: {value: court}
          hours_worked: worked
    """
    )
    court = "badge,day,from,to,worked\nB9,02-Jan-19,0900,1030,1.5\n"
    result, out = run(tmp_path, tables, {"roster.csv": ROSTER, "court.csv": court})
    rows = read(out, "shifts")
    assert list(rows[0]) == [
        "shift_id",
        "officer_id",
        "start",
        "end",
        "kind",
        "otcode",
        "hours_worked",
        "source_file",
        "source_row",
    ]
    assert [(r["shift_id"], r["kind"]) for r in rows] == [
        ("s-2", "overtime"),
        ("s-3", "overtime"),
        ("s-4", "overtime"),
        ("c-2", "court"),
    ]
    assert (rows[0]["hours_worked"], rows[3]["otcode"], rows[3]["hours_worked"]) == ("", "", "1.5")
    assert result.tables[0].origin == "roster.csv, court.csv"


def test_derived_table_takes_the_most_frequent_value_ties_by_value(tmp_path: Path) -> None:
    tables = (
        SHIFTS.replace("otcode: code", "rank: code")
        + """
  officers:
    derive:
      from: [shifts]
      key: officer_id
      columns: {rank: rank}
    """
    )
    roster = "badge,day,from,to,code\n" + "".join(
        f"{who},08/{d:02d}/19,0730,1600,{rank}\n"
        for d, (who, rank) in enumerate(
            [("B1", "Sgt"), ("B1", "Ptl"), ("B1", "Sgt"), ("B2", "Ptl"), ("B2", "Det"), ("B3", "")],
            start=1,
        )
    )
    _, out = run(tmp_path, tables, {"roster.csv": roster})
    assert read(out, "officers") == [
        {"officer_id": "B1", "rank": "Sgt"},
        {"officer_id": "B2", "rank": "Det"},
        {"officer_id": "B3", "rank": ""},
    ]


def test_derive_names_an_unknown_column(tmp_path: Path) -> None:
    tables = (
        SHIFTS
        + """
  officers:
    derive: {from: [shifts], key: officer_id, columns: {rank: RANK}}
    """
    )
    with pytest.raises(ImporterError) as caught:
        run(tmp_path, tables, {"roster.csv": ROSTER})
    assert caught.value.key == "tables.officers.derive.columns.rank"


def test_empty_table_is_a_header(tmp_path: Path) -> None:
    tables = SHIFTS + "  recordings: {empty: true}\n"
    result, out = run(tmp_path, tables, {"roster.csv": ROSTER})
    assert (out / "recordings.csv").read_text().strip().startswith('"recording_id","officer_id"')
    assert read(out, "recordings") == []
    assert [t.name for t in result.tables] == ["shifts", "recordings"]


def test_dates_and_unparsed_values_are_written_through(tmp_path: Path) -> None:
    tables = """
    tables:
      officers:
        sources:
          - file: hr.csv
            columns:
              officer_id: id
              active_from: {date: hired, date_format: "%m/%d/%Y"}
              active_to: {date: left, date_format: "%m/%d/%Y"}
    """
    hr = "id,hired,left\n9002330,9/1/2012,4/3/2018\n9001411,1/12/2011,\n9000001,31/12/2011,\n"
    result, out = run(tmp_path, tables, {"hr.csv": hr})
    rows = read(out, "officers")
    assert (rows[0]["active_from"], rows[0]["active_to"]) == ("2012-09-01", "2018-04-03")
    assert rows[1]["active_to"] == ""
    assert rows[2]["active_from"] == "31/12/2011"  # kept as text: check reports the row
    [bad] = result.unparsed
    assert (bad.file, bad.row, bad.column) == ("hr.csv", 4, "active_from")
    assert bad.key == "tables.officers.sources[0].columns.active_from"
    assert str(bad) == (
        "hr.csv line 4: active_from = '31/12/2011' is not a date like %m/%d/%Y "
        "(mapping key tables.officers.sources[0].columns.active_from)"
    )


def test_unparsed_start_leaves_a_derived_end_empty(tmp_path: Path) -> None:
    contacts = CONTACTS + "FC4,2019-13-01 9:00:00,B4,abc,Intel,\n"
    result, out = run(tmp_path, ENCOUNTERS, {"fc.csv": contacts})
    row = read(out, "encounters")[3]
    assert (row["start"], row["end"]) == ("2019-13-01 9:00:00", "")
    assert [(u.row, u.column) for u in result.unparsed] == [(5, "start")]


def test_unparsed_duration_is_written_through(tmp_path: Path) -> None:
    contacts = CONTACTS + "FC4,2019-10-01 9:00:00,B4,ten,Intel,\n"
    result, out = run(tmp_path, ENCOUNTERS, {"fc.csv": contacts})
    assert read(out, "encounters")[3]["end"] == "ten"
    assert [(u.row, u.column, u.expected) for u in result.unparsed] == [
        (5, "end", "a number of minutes")
    ]


def test_unknown_source_column_names_key_file_and_header(tmp_path: Path) -> None:
    with pytest.raises(ImporterError) as caught:
        run(tmp_path, SHIFTS.replace("badge", "Badge"), {"roster.csv": ROSTER})
    error = caught.value
    assert error.key == "tables.shifts.sources[0].columns.officer_id"
    assert (error.file, error.row) == ("roster.csv", 1)
    assert "no column 'Badge'" in str(error)
    assert "badge, day, from, to, code" in str(error)


def test_ragged_row_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ImporterError) as caught:
        run(tmp_path, SHIFTS, {"roster.csv": ROSTER + "B4,08/31/19,0730,1600,409,extra\n"})
    assert (caught.value.file, caught.value.row) == ("roster.csv", 5)
    assert "roster.csv line 5: the row has 6 fields but the header has 5" in str(caught.value)


def test_missing_source_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImporterError, match="does not exist") as caught:
        run(tmp_path, SHIFTS, {})
    assert caught.value.key == "tables.shifts.sources[0].file"
    mapping = load_mapping("boston-2019")
    with pytest.raises(ImporterError, match="source folder"):
        run_import(mapping, tmp_path / "nowhere", tmp_path / "out")


def test_wrong_encoding_says_what_to_set(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "roster.csv").write_bytes(ROSTER.replace("B2", "B\xe92").encode("cp1252"))
    mapping = tmp_path / "m.yaml"
    mapping.write_text(DEPARTMENT + textwrap.dedent(SHIFTS))
    with pytest.raises(ImporterError, match="encoding") as caught:
        run_import(load_mapping(mapping), source, tmp_path / "out")
    assert caught.value.key == "tables.shifts.sources[0].encoding"
    mapping.write_text(
        mapping.read_text().replace(
            "file: roster.csv", "file: roster.csv\n        encoding: cp1252"
        )
    )
    run_import(load_mapping(mapping), source, tmp_path / "out")
    assert read(tmp_path / "out", "shifts")[1]["officer_id"] == "Bé2"


def test_parquet_output_and_stale_tables_removed(tmp_path: Path) -> None:
    out = tmp_path / "package"
    out.mkdir()
    (out / "cameras.csv").write_text("camera_id\nX\n")
    (out / "notes.txt").write_text("mine")
    result, out = run(tmp_path, SHIFTS, {"roster.csv": ROSTER}, fmt="parquet")
    table = pq.read_table(out / "shifts.parquet")
    assert table.column("end").to_pylist()[1] == "2019-09-01T07:30:00"
    assert result.removed == ["cameras.csv"]
    assert sorted(p.name for p in out.iterdir()) == [
        "department.yaml",
        "notes.txt",
        "shifts.parquet",
    ]


def test_template_names_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ImporterError) as caught:
        run(tmp_path, SHIFTS.replace('"s-{row}"', '"s-{shift}"'), {"roster.csv": ROSTER})
    assert caught.value.key == "tables.shifts.sources[0].columns.shift_id.template"
    assert "'shift' is neither an output column nor a source column" in str(caught.value)


def test_a_header_naming_a_column_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImporterError, match="names column 'day' twice") as caught:
        run(tmp_path, SHIFTS, {"roster.csv": "badge,day,from,to,day\nB1,08/31/19,0730,1600,1\n"})
    assert (caught.value.file, caught.value.row) == ("roster.csv", 1)
