"""Any bytes in a table file: mixed line ends, long values, stray quotes and carriage returns.

Every row is read at its physical line (the header is line 1, lines end at LF or CR LF), a row
that cannot be read is a row error at its line, and nothing ends in a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import onrecord
from hypothesis_scale import slow
from onrecord import StructuralError
from onrecord.cli.app import app
from onrecord.package.csvtext import read_header, records

HEADER = "shift_id,officer_id,start,end,kind,note"
RECORDINGS = (
    "recording_id,officer_id,start,end\n"
    "r1,o1,2019-06-01T08:10Z,2019-06-01T08:20Z\n"
    "r2,o1,2019-06-02T08:10Z,2019-06-02T08:20Z\n"
)


def shift(i: int, note: str = "") -> str:
    return f"s{i},o1,2019-06-{i:02d}T08:00Z,2019-06-{i:02d}T16:00Z,regular,{note}"


def write(root: Path, shifts: bytes, recordings: str = RECORDINGS) -> Path:
    root.mkdir(exist_ok=True)
    (root / "department.yaml").write_text("name: Bytes PD\ntimezone: America/New_York\n")
    (root / "recordings.csv").write_text(recordings)
    (root / "shifts.csv").write_bytes(shifts)
    return root


def rows(pkg: onrecord.Package) -> list[tuple]:
    return pkg.con.execute("SELECT shift_id, note, _line FROM shifts ORDER BY _line").fetchall()


def row_problems(pkg: onrecord.Package) -> list[tuple]:
    return [(p.line, p.code.value) for p in pkg.problems() if p.severity.value == "row"]


# ---- mixed line ends (issue 13, point 9) ---------------------------------------------------------


@pytest.mark.parametrize(("first", "then"), [("\r\n", "\n"), ("\n", "\r\n")])
@pytest.mark.parametrize("final_newline", [True, False])
def test_rows_appended_with_other_line_ends_are_read_at_their_lines(
    tmp_path: Path, first: str, then: str, final_newline: bool
) -> None:
    """An export whose first rows end in CR LF and whose appended rows end in LF (or the
    reverse) is read whole: every row on its line, every column in place, and a quoted line
    break inside a value kept as written."""
    head = [HEADER, shift(1), shift(2, '"two' + first + 'lines"'), shift(4)]
    tail = [shift(5, "x"), shift(6, '"a' + then + 'b"'), shift(8, "last")]
    text = first.join(head) + first + then.join(tail) + (then if final_newline else "")
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode()))
    assert rows(pkg) == [
        ("s1", None, 2),
        ("s2", "two" + first + "lines", 3),
        ("s4", None, 5),
        ("s5", "x", 6),
        ("s6", "a" + then + "b", 7),
        ("s8", "last", 9),
    ]
    assert row_problems(pkg) == []
    kinds = pkg.con.execute("SELECT DISTINCT kind, officer_id FROM shifts").fetchall()
    assert kinds == [("regular", "o1")]


@pytest.mark.parametrize(("first", "then"), [("\r\n", "\n"), ("\n", "\r\n")])
def test_quoted_rows_appended_with_other_line_ends_are_read_at_their_lines(
    tmp_path: Path, first: str, then: str
) -> None:
    """Every value quoted (as many exports write them): DuckDB then reads a row ending in the
    other line end as a row error, or as one row with the next, instead of refusing the file."""

    def quoted(line: str) -> str:
        return ",".join(f'"{v}"' for v in line.split(","))

    head = [quoted(HEADER), quoted(shift(1, "n")), quoted(shift(2, "n"))]
    tail = [quoted(shift(3, "n")), quoted(shift(4, "n"))]
    text = first.join(head) + first + then.join(tail) + then
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode()))
    assert rows(pkg) == [("s1", "n", 2), ("s2", "n", 3), ("s3", "n", 4), ("s4", "n", 5)]
    assert row_problems(pkg) == []


def test_a_malformed_row_among_mixed_line_ends_is_reported_at_its_line(tmp_path: Path) -> None:
    text = "\r\n".join([HEADER, shift(1), "s2,o1,too few"]) + "\r\n"
    text += "\n".join([shift(3), "", shift(5), "s6,o1,2019-06-06T08:00Z,soon,regular,"]) + "\n"
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode()))
    assert rows(pkg) == [("s1", None, 2), ("s3", None, 4), ("s5", None, 6)]
    assert row_problems(pkg) == [(3, "malformed_row"), (7, "invalid_value")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_carriage_return_that_ends_no_line_makes_its_row_malformed(
    tmp_path: Path, newline: str
) -> None:
    """A lone CR is not a line end (lines end at LF or CR LF): its row is a row error at its
    line, the rows after it keep their lines, and one inside quotes is part of the value. (A CR
    before the LF of a file's line is a CR LF line end; before a CR LF it is a lone CR.)"""
    text = newline.join([HEADER, shift(1), shift(2, "a\rb"), shift(3, '"c\rd"'), shift(4, "e\r")])
    pkg = onrecord.load(write(tmp_path / "pkg", (text + newline + shift(5)).encode()))
    lone = newline == "\r\n"
    assert rows(pkg) == [("s1", None, 2), ("s3", "c\rd", 4)] + [("s4", "e", 5)] * (not lone) + [
        ("s5", None, 6)
    ]
    problems = [p for p in pkg.problems() if p.code.value == "malformed_row"]
    assert [p.line for p in problems] == [3] + [5] * lone
    assert all("carriage return" in p.message for p in problems)


def test_classic_mac_line_ends_are_refused_with_what_to_do(tmp_path: Path) -> None:
    root = write(tmp_path / "pkg", "\r".join([HEADER, shift(1), shift(2)]).encode() + b"\r")
    with pytest.raises(StructuralError) as e:
        onrecord.load(root)
    (p,) = e.value.problems
    assert (p.code.value, p.file) == ("unreadable_file", "shifts.csv")
    assert "carriage return alone" in p.message and "LF" in p.message


# ---- department.yaml -----------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe", "x" * 300, "a\\x00b"])
def test_a_time_zone_that_names_no_zone_file_is_a_bad_department(tmp_path: Path, zone: str) -> None:
    """``Europe`` is a folder of zones, a 300-character name too long for a file name: each is
    a ``bad_department`` error like any other name that is not a zone, not an OSError."""
    root = write(tmp_path / "pkg", ("\n".join([HEADER, shift(1)]) + "\n").encode())
    (root / "department.yaml").write_text(f'timezone: "{zone}"\n')
    with pytest.raises(StructuralError) as e:
        onrecord.load(root)
    assert [(p.code.value, p.column) for p in e.value.problems] == [("bad_department", "timezone")]


def test_a_department_yaml_nested_too_deep_is_a_bad_department(tmp_path: Path) -> None:
    root = write(tmp_path / "pkg", ("\n".join([HEADER, shift(1)]) + "\n").encode())
    (root / "department.yaml").write_text("[" * 5000)
    with pytest.raises(StructuralError) as e:
        onrecord.load(root)
    assert [p.code.value for p in e.value.problems] == ["bad_department"]


# ---- long values, and rows DuckDB splits its own way (issue 13, point 10) ------------------------


@pytest.mark.parametrize("size", [140_000, 1_500_000])
def test_long_values_are_read_with_every_row_at_its_line(tmp_path: Path, size: int) -> None:
    """A value longer than Python's csv field limit (128 KiB), in a file whose lines are
    numbered the slow way (a value spans lines, a line is blank)."""
    long = "x" * size
    text = "\n".join([HEADER, shift(1, long), shift(2, '"two\nlines"'), "", shift(5, f'"{long}"')])
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode() + b"\n"))
    assert rows(pkg) == [("s1", long, 2), ("s2", "two\nlines", 3), ("s5", long, 6)]
    assert row_problems(pkg) == []


def test_a_row_too_long_to_read_is_a_row_error_at_its_line(tmp_path: Path) -> None:
    too_long = "y" * 2_100_000
    text = "\n".join([HEADER, shift(1), "", shift(3, too_long), shift(4, '"a\nb"'), shift(6)])
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode() + b"\n"))
    assert rows(pkg) == [("s1", None, 2), ("s4", "a\nb", 5), ("s6", None, 7)]
    (p,) = pkg.problems()
    assert (p.line, p.code.value) == (4, "malformed_row")
    assert "longer than" in p.message and len(p.value or "") <= 200


def test_a_header_name_longer_than_the_csv_module_allows(tmp_path: Path) -> None:
    name = "n" * 200_000
    text = f"{HEADER},{name}\n{shift(1, 'a')},b\n\n{shift(3, 'c')},d\n"
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode()))
    got = pkg.con.execute(f'SELECT shift_id, "{name}", _line FROM shifts ORDER BY 3').fetchall()
    assert got == [("s1", "b", 2), ("s3", "d", 4)]


def test_a_header_that_never_ends_is_structural(tmp_path: Path) -> None:
    root = write(tmp_path / "pkg", f'{HEADER},"unclosed\n'.encode() + b"x" * (1 << 20))
    with pytest.raises(StructuralError) as e:
        onrecord.load(root)
    (p,) = e.value.problems
    assert (p.code.value, p.file) == ("unreadable_file", "shifts.csv")
    assert "header row does not end" in p.message


def test_two_quoting_errors_in_one_row_make_one_row_error(tmp_path: Path) -> None:
    """DuckDB's parallel reader reads a row with two text-after-closing-quote errors as a row
    error plus a row made of its last fields; that row must not be kept."""
    text = "\n".join([HEADER, shift(1), 's2,"o1"x,2019-06-02T08:00Z,"a"b,regular,', shift(3)])
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode() + b"\n"))
    assert rows(pkg) == [("s1", None, 2), ("s3", None, 4)]
    assert row_problems(pkg) == [(3, "malformed_row")]


def test_a_quote_never_closed_at_the_end_is_a_row_error(tmp_path: Path) -> None:
    text = "\n".join([HEADER, shift(1), "", 's3,"o1,2019-06-03T08:00Z'])
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode() + b"\nmore\n"))
    assert rows(pkg) == [("s1", None, 2)]
    (p,) = pkg.problems()
    assert (p.line, p.code.value) == (4, "malformed_row")
    assert "never closed" in p.message


def test_malformed_rows_after_blank_lines_are_at_their_lines(tmp_path: Path) -> None:
    """DuckDB places such a row's error at the blank lines before it; the row's line is its
    own, and the rows after it keep theirs."""
    text = "\n".join([HEADER, shift(1), "", "", "s4,o1", shift(5), "", shift(7)]) + "\n"
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode()))
    assert rows(pkg) == [("s1", None, 2), ("s5", None, 6), ("s7", None, 8)]
    assert row_problems(pkg) == [(5, "malformed_row")]


def test_a_quoted_value_after_one_space_may_span_lines(tmp_path: Path) -> None:
    """DuckDB opens a quoted value after one space (Python's csv module does not)."""
    text = "\n".join([HEADER, shift(1, ' "a\nb"'), shift(3)]) + "\n"
    pkg = onrecord.load(write(tmp_path / "pkg", text.encode()))
    assert rows(pkg) == [("s1", "a\nb", 2), ("s3", None, 4)]


def test_blank_lines_in_a_one_column_table_are_skipped(tmp_path: Path) -> None:
    """DuckDB reads a blank line of a one-column file as a row with an empty value; it is no
    row (docs/data-package.md, decision 15), at any place in the file."""
    root = write(tmp_path / "pkg", ("\n".join([HEADER, shift(1)]) + "\n").encode())
    (root / "stations.csv").write_text("station_id\nA-1\n\nB-2\n\n")
    pkg = onrecord.load(root)
    got = pkg.con.execute("SELECT station_id, _line FROM stations ORDER BY _line").fetchall()
    assert got == [("A-1", 2), ("B-2", 4)]
    assert (pkg.loads["stations"].rows_read, row_problems(pkg)) == (2, [])


LONG_AND_BLANK = "\n".join([HEADER, shift(1, "z" * 140_000), "", shift(3)]) + "\n"


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (["check", "{pkg}"], 0),
        (["check", "{pkg}", "--json"], 0),
        (["audit", "{pkg}", "--out", "{tmp}/audit", "--policy", "mandate-all"], 0),
        (["fleet", "init", "{pkg}", "--db", "sqlite:///{tmp}/fleet.db"], 0),
    ],
    ids=["check", "check-json", "audit", "fleet-init"],
)
def test_commands_read_a_long_value_without_a_traceback(
    tmp_path: Path, command: list[str], code: int
) -> None:
    root = write(tmp_path / "pkg", LONG_AND_BLANK.encode())
    args = [a.format(pkg=root, tmp=tmp_path) for a in command]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output
    if "--json" in args:
        assert json.loads(result.stdout)["tables"]


# ---- the line numbering agrees with DuckDB -------------------------------------------------------


PIECES = [b"a", b"7", b",", b'"', b" ", b"  ", b"\xff", b"\x00", b'""', b'"a"', b' "', b"\t"]


@slow(1.5)
@given(
    st.sampled_from([b"\n", b"\r\n"]),
    st.integers(1, 4),
    st.lists(st.sampled_from([*PIECES, b"NL", b"NL"]), max_size=40),
    st.booleans(),
)
def test_records_are_where_duckdb_reads_them(
    newline: bytes, columns: int, pieces: list[bytes], big: bool
) -> None:
    """``csvtext.records`` places every record as DuckDB's strict reader reads the file: each of
    DuckDB's row errors falls on a record, and the other records are DuckDB's rows, in number
    (after a read on one thread when the parallel one makes extra rows). Files of random
    pieces, with consistent line ends (a mixed file is read from a copy, tested above)."""
    body = b"".join(newline if p == b"NL" else p for p in pieces)
    if big:  # a row longer than DuckDB reads
        body = body.replace(b"a", b"a" * 2_100_000, 1)
    names = ["a", "b", "c", "d"][:columns]
    with TemporaryDirectory() as d:
        path = Path(d) / "t.csv"
        path.write_bytes(",".join(names).encode() + newline + body)
        header = read_header(path)
        recs = records(path, header, columns)
        con = duckdb.connect()
        for serial in ("", ", parallel=false"):
            con.execute("DROP TABLE IF EXISTS _rej; DROP TABLE IF EXISTS _rejscan")
            cols = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
            con.execute(
                f"""CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{path}', columns={cols},
                header=true, auto_detect=false, delim=',', quote='"', escape='"',
                strict_mode=true, null_padding=false, store_rejects=true, rejects_table='_rej',
                rejects_scan='_rejscan', encoding='utf-8'{serial})"""
            )
            ((rows,),) = con.execute("SELECT count(*) FROM t").fetchall()
            numbers = [n for (n,) in con.execute("SELECT DISTINCT line FROM _rej").fetchall()]
            lines = {recs.line_of(n) for n in numbers}
            assert None not in lines, (numbers, recs)
            dropped = bool(serial) and recs.open_end is not None and recs.open_end not in lines
            if recs.count - len(lines) - dropped == rows:
                return
        raise AssertionError(f"DuckDB reads {rows} rows; {recs} with errors on {sorted(lines)}")
