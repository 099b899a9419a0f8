"""Structural errors, malformed CSV rows with exact line numbers, and Parquet packages."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import onrecord
from onrecord import StructuralError
from onrecord.package import loader

SHIFTS = "shift_id,officer_id,start,end,kind\ns1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"


def structural(path: Path) -> list[tuple]:
    with pytest.raises(StructuralError) as e:
        onrecord.load(path)
    return sorted((p.code.value, p.file, p.column) for p in e.value.problems)


def test_missing_tables(tmp_path: Path) -> None:
    assert structural(tmp_path) == [("missing_table", None, None), ("missing_table", None, None)]


def test_not_a_folder(tmp_path: Path) -> None:
    assert structural(tmp_path / "nope") == [("unreadable_file", None, None)]


def test_missing_columns_all_reported_with_case_hint(write_package) -> None:
    root = write_package(
        shifts="Shift_ID,officer_id,start,kind\n", recordings="recording_id,start,end\n"
    )
    assert structural(root) == [
        ("missing_column", "recordings.csv", "officer_id"),
        ("missing_column", "shifts.csv", "end"),
        ("missing_column", "shifts.csv", "shift_id"),
    ]
    with pytest.raises(StructuralError) as e:
        onrecord.load(root)
    assert any("found 'Shift_ID'" in p.message for p in e.value.problems)


def test_duplicate_column(write_package) -> None:
    root = write_package(shifts="shift_id,officer_id,start,end,kind,kind\n")
    assert structural(root) == [("duplicate_column", "shifts.csv", "kind")]


def test_both_csv_and_parquet(write_package) -> None:
    root = write_package(shifts=SHIFTS)
    pq.write_table(pa.table({"shift_id": ["s1"]}), root / "shifts.parquet")
    assert structural(root) == [("duplicate_table", "shifts.csv", None)]


def test_spreadsheet_is_not_a_table_file(write_package) -> None:
    root = write_package(shifts=SHIFTS)
    (root / "encounters.xlsx").write_bytes(b"PK\x03\x04")
    assert structural(root) == [("not_a_table_file", "encounters.xlsx", None)]


def test_empty_and_corrupt_files(write_package) -> None:
    root = write_package(shifts="")
    (root / "encounters.parquet").write_bytes(b"not parquet at all")
    assert structural(root) == [
        ("unreadable_file", "encounters.parquet", None),
        ("unreadable_file", "shifts.csv", None),
    ]


def test_bad_department(write_package) -> None:
    root = write_package(timezone="Mars/Olympus_Mons", shifts=SHIFTS)
    assert structural(root) == [("bad_department", "department.yaml", "timezone")]


def test_malformed_rows_and_embedded_newlines_keep_physical_lines(write_package) -> None:
    root = write_package(
        shifts=(
            "shift_id,officer_id,start,end,kind,note\n"
            's1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular,"two\nlines"\n'  # lines 2-3
            "s2,o1,2019-06-02T08:00Z,2019-06-02T16:00Z,regular\n"  # line 4: one field short
            's3,o1,2019-06-03T08:00Z,2019-06-03T16:00Z,regular,"a,b",extra\n'  # line 5: one more
            's4,o1,2019-06-04T08:00Z,2019-06-04T16:00Z,regular,"x\n\ny"\n'  # lines 6-8
            "s5,o1,bad,2019-06-05T16:00Z,regular,\n"  # line 9
            "s6,o1,2019-06-06T08:00Z,2019-06-06T16:00Z,regular,\n"  # line 10
        )
    )
    pkg = onrecord.load(root)
    assert pkg.con.execute("SELECT shift_id, _line FROM shifts").fetchall() == [
        ("s1", 2),
        ("s4", 6),
        ("s6", 10),
    ]
    assert sorted((p.line, p.code.value) for p in pkg.problems()) == [
        (4, "malformed_row"),
        (5, "malformed_row"),
        (9, "invalid_value"),
    ]
    ld = pkg.loads["shifts"]
    assert (ld.rows_read, ld.rows_kept, ld.rows_excluded) == (6, 3, 3)


def test_invalid_utf8_row(write_package) -> None:
    root = write_package(shifts=SHIFTS)
    with (root / "shifts.csv").open("ab") as f:
        f.write(b"s2,o\xff1,2019-06-02T08:00Z,2019-06-02T16:00Z,regular\n")
        f.write(b"s3,o1,2019-06-03T08:00Z,2019-06-03T16:00Z,regular\n")
    pkg = onrecord.load(root)
    assert [(p.line, p.code.value) for p in pkg.problems()] == [(3, "malformed_row")]
    assert "UTF-8" in next(pkg.problems()).message
    assert pkg.con.execute("SELECT shift_id, _line FROM shifts").fetchall() == [
        ("s1", 2),
        ("s3", 4),
    ]


def test_text_after_a_closing_quote_is_a_quoting_error_whatever_its_letters(write_package) -> None:
    """DuckDB also calls such a row invalid UTF-8 when the text after the quote ends in a letter
    beyond ASCII (``"o1" José``); the row is valid UTF-8, and its problem is the quote."""
    root = write_package(shifts=SHIFTS)
    with (root / "shifts.csv").open("ab") as f:
        f.write('s2,"o1" José,2019-06-02T08:00Z,2019-06-02T16:00Z,regular\n'.encode())
    pkg = onrecord.load(root)
    (p,) = pkg.problems()
    assert (p.line, p.code.value) == (3, "malformed_row")
    assert "quote" in p.message and "UTF-8" not in p.message


@pytest.mark.parametrize("multiline", [False, True], ids=["one-line-records", "multiline-values"])
def test_lines_of_a_file_read_by_several_threads(write_package, monkeypatch, multiline) -> None:
    """Every kept row's ``_line`` is its line in the file, and the first use of a key is the one
    kept, when DuckDB reads the file with several threads (a file of tens of megabytes, and more
    threads than a small machine has) and stores the typed rows in another order than the file's
    (as DuckDB 2.0.1 did for this table: its ``uniformed`` rule has an ``IN`` list)."""
    connect = loader.connect

    def threaded(memory_limit: str | None = None):
        con = connect(memory_limit)
        con.execute("SET threads = 4")
        return con

    monkeypatch.setattr(loader, "connect", threaded)
    root = write_package(shifts="shift_id,officer_id,start,end,kind,uniformed,unit\n")
    with (root / "shifts.csv").open("a") as f:
        for i in range(1, 300_001):
            unit = '"two\nlines"' if multiline and i % 1000 == 0 else "day"
            f.write(f"s{i:07d},o{i},2020-06-01T08:00,2020-06-01T16:00,regular,true,{unit}\n")
        f.write("s0000002,o0,2020-06-02T08:00,2020-06-02T16:00,regular,true,day\n")
        if multiline:
            f.write("s9999999,o0\n")  # malformed: too few fields
    records = []  # (line where the record starts, shift_id), as Python's csv module reads them
    with (root / "shifts.csv").open(newline="") as f:
        reader = csv.reader(f)
        next(reader)
        start = reader.line_num + 1
        for row in reader:
            records.append((start, row[0]))
            start = reader.line_num + 1
    *kept, (dup_line, dup) = records[:-1] if multiline else records

    pkg = onrecord.load(root)
    assert pkg.con.execute("SELECT _line, shift_id FROM shifts ORDER BY _line").fetchall() == kept
    problems = [(p.line, p.code.value, p.message) for p in pkg.problems()]
    assert problems[0] == (
        dup_line,
        "duplicate_key",
        f"shift_id {dup} was already used on line 3; the first row is kept. "
        "Give this row its own id or remove it",
    )
    assert [p[:2] for p in problems[1:]] == ([(records[-1][0], "malformed_row")] * multiline)


def test_parquet_package_typed_and_text_columns(tmp_path: Path) -> None:
    root = tmp_path / "pq"
    root.mkdir()
    (root / "department.yaml").write_text("timezone: America/New_York\n")
    pq.write_table(
        pa.table(
            {
                "shift_id": ["s1", "s2", "s3"],
                "officer_id": ["o1", "o1", "o1"],
                # a naive timestamp column means local time; an aware one is absolute
                "start": pa.array(
                    [datetime(2019, 6, 1, 8), datetime(2019, 6, 2, 8), datetime(2019, 6, 3, 8)],
                    pa.timestamp("us"),
                ),
                "end": pa.array(
                    [
                        datetime(2019, 6, 1, 16, tzinfo=UTC),
                        None,
                        datetime(2019, 6, 3, 16, tzinfo=UTC),
                    ],
                    pa.timestamp("us", "UTC"),
                ),
                "kind": ["regular", "regular", "overtime"],
                "uniformed": [True, False, None],
            }
        ),
        root / "shifts.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "recording_id": pa.array([], pa.string()),
                "officer_id": pa.array([], pa.string()),
                "start": pa.array([], pa.string()),
                "end": pa.array([], pa.string()),
            }
        ),
        root / "recordings.parquet",
    )
    pkg = onrecord.load(root)
    assert pkg.con.execute(
        'SELECT shift_id, start, "end", uniformed, _line FROM shifts'
    ).fetchall() == [
        ("s1", datetime(2019, 6, 1, 12, tzinfo=UTC), datetime(2019, 6, 1, 16, tzinfo=UTC), True, 0),
        ("s3", datetime(2019, 6, 3, 12, tzinfo=UTC), datetime(2019, 6, 3, 16, tzinfo=UTC), True, 2),
    ]
    (p,) = pkg.problems()
    assert (p.file, p.line, p.column, p.code.value) == ("shifts.parquet", 1, "end", "missing_value")
    assert p.where() == "shifts.parquet, row 1, column end"


def test_parquet_nanosecond_timestamps_drop_digits_like_text(tmp_path: Path) -> None:
    """Digits past the microsecond are dropped, as from text, whether the Parquet timestamp is
    local or adjusted to UTC (not rounded, as a plain cast would)."""
    root = tmp_path / "ns"
    root.mkdir()
    ns = 1_546_300_800_123_456_789  # 2019-01-01T00:00:00.123456789 UTC
    pq.write_table(
        pa.table(
            {
                "shift_id": ["s1"],
                "officer_id": ["o1"],
                "kind": ["regular"],
                "start": pa.array([ns], pa.timestamp("ns", "UTC")),
                "end": pa.array([ns + 3_600 * 10**9], pa.timestamp("ns")),
            }
        ),
        root / "shifts.parquet",
    )
    (root / "recordings.csv").write_text("recording_id,officer_id,start,end\n")
    pkg = onrecord.load(root)
    got = pkg.con.execute('SELECT start, "end" FROM shifts').fetchall()
    micro = datetime(2019, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert got == [(micro, micro.replace(hour=1))]


def test_arrow_view(write_package) -> None:
    pkg = onrecord.load(write_package(shifts=SHIFTS))
    t = pkg.arrow("shifts")
    assert t.schema.field("start").type == pa.timestamp("us", "UTC")
    assert t.column("shift_id").to_pylist() == ["s1"]


@pytest.mark.parametrize(
    ("column", "values", "type_text"),
    [
        ("note", pa.array([{"x": 1}], pa.struct([("x", pa.int64())])), "struct<x: int64>"),
        ("kind", pa.array([["regular"]], pa.list_(pa.string())), "list<string>"),
        ("note", pa.array([[("a", 1)]], pa.map_(pa.string(), pa.int64())), "map<string, int64>"),
        ("note", pa.array([[1, 2]], pa.large_list(pa.int32())), "large_list<int32>"),
    ],
    ids=["struct", "list", "map", "large_list"],
)
def test_parquet_columns_of_lists_structs_and_maps_are_structural(
    tmp_path: Path, column: str, values: pa.Array, type_text: str
) -> None:
    """A table cell holds one value: a nested Parquet column (a contract column or an unknown
    one) is refused naming the file, the column and its type, rather than kept as the text of
    a Python value (``{'x': 1}``)."""
    cols = {
        "shift_id": pa.array(["s1"]),
        "officer_id": pa.array(["o1"]),
        "start": pa.array(["2019-06-01T08:00Z"]),
        "end": pa.array(["2019-06-01T16:00Z"]),
        "kind": pa.array(["regular"]),
    }
    cols[column] = values
    pq.write_table(pa.table(cols), tmp_path / "shifts.parquet")
    (tmp_path / "recordings.csv").write_text("recording_id,officer_id,start,end\n")
    with pytest.raises(StructuralError) as e:
        onrecord.load(tmp_path)
    (p,) = e.value.problems
    assert (p.code.value, p.file, p.column) == ("unsupported_column_type", "shifts.parquet", column)
    assert type_text in p.message and "text" in p.message


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("name: [unclosed\n", 2, "expected ',' or ']'"),
        ("name: a\n\tb: c\n", 2, "found character '\\t' that cannot start any token"),
        ("name: a\nname: b\n", 2, "the key 'name' is given twice"),
    ],
)
def test_a_broken_department_yaml_says_where_in_plain_words(
    write_package, text: str, line: int, says: str
) -> None:
    """The parser's place and short reason, not its multi-line dump of the input."""
    root = write_package(shifts="shift_id,officer_id,start,end,kind\n")
    (root / "department.yaml").write_text(text)
    with pytest.raises(StructuralError) as e:
        onrecord.load(root)
    (p,) = e.value.problems
    assert (p.file, p.line) == ("department.yaml", line)
    assert says in p.message and "\n" not in p.message and "<unicode string>" not in p.message
