"""Any bytes in a table file: mixed line ends, long values, stray quotes and carriage returns.

Every row is read at its physical line (the header is line 1, lines end at LF or CR LF), a row
that cannot be read is a row error at its line, and nothing ends in a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
from package_generator import GenPackage, packages, write_package

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


# ---- any bytes: valid packages corrupted byte by byte (issue 13, point 10) -----------------------


@dataclass
class Record:
    """One row of a written CSV file: its byte span (terminator included) and whether an edit
    touched its bytes (or may have swallowed it, after a quote added, removed or changed in
    meaning)."""

    start: int
    end: int
    terminator: bytes
    touched: bool = False


@dataclass
class CsvFile:
    data: bytes
    header_end: int
    records: list[Record]
    header_touched: bool = False
    edits: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes, lines: list[int]) -> CsvFile:
        """Spans from the lines on which ``write_csv`` started each record."""
        offsets = [0]
        for i, b in enumerate(data):
            if b == 10:
                offsets.append(i + 1)
        starts = [offsets[n - 1] for n in lines]
        ends = [*starts[1:], len(data)]
        recs = []
        for s, e in zip(starts, ends, strict=True):
            chunk = data[s:e]
            term = b"\r\n" if chunk.endswith(b"\r\n") else b"\n" if chunk.endswith(b"\n") else b""
            recs.append(Record(s, e, term))
        return cls(data, starts[0] if starts else len(data), recs)

    def shift(self, at: int, by: int) -> None:
        """Move the spans after byte ``at`` by ``by`` bytes."""
        if at < self.header_end or (at == self.header_end and by < 0):
            self.header_end += by
        for r in self.records:
            if r.start > at or (r.start == at and by > 0):
                r.start += by
            if r.end > at:
                r.end += by

    def owner(self, pos: int) -> int | None:
        """Index of the record whose bytes include ``pos`` (-1: the header)."""
        if pos < self.header_end:
            return -1
        for i, r in enumerate(self.records):
            if r.start <= pos < r.end or (pos == r.end == len(self.data) and not r.terminator):
                return i
        return None

    def touch(self, i: int | None, swallow: bool = False) -> None:
        if i == -1:
            self.header_touched = True
        elif i is not None:
            for r in self.records[i : None if swallow else i + 1]:
                r.touched = True

    def before_quote(self, pos: int) -> bool:
        """Whether only spaces stand between byte ``pos`` and a quote. An edit there may change
        what that quote does (a quote opens a value only at a field's start, after at most one
        space; a doubled quote is one character; spaces and another quoted piece may follow a
        closing quote), and so where every later record starts, although it adds or removes no
        quote: an ``x`` before the quote of ``,"a<LF>b"`` makes it an ordinary character, the
        line feed then ends the record, and ``b"`` opens the next one."""
        return self.data[pos:].lstrip(b" ")[:1] == b'"'

    def insert(self, pos: int, blob: bytes) -> None:
        self.touch(self.owner(pos), swallow=b'"' in blob or self.before_quote(pos))
        self.data = self.data[:pos] + blob + self.data[pos:]
        self.shift(pos, len(blob))
        self.edits.append(f"insert {blob[:12]!r}{'…' if len(blob) > 12 else ''} at {pos}")

    def delete(self, pos: int, n: int) -> None:
        n = min(n, len(self.data) - pos)
        # A quote removed, or one that the bytes removed stood before, may open a value that
        # reads on.
        swallow = b'"' in self.data[pos : pos + n] or self.before_quote(pos + n)
        for p in (pos, pos + n - 1):
            self.touch(self.owner(p), swallow=swallow)
        for i, r in enumerate(self.records):  # a line end removed: the next record is merged
            if r.terminator and pos < r.end and pos + n > r.end - len(r.terminator):
                self.touch(i + 1 if i + 1 < len(self.records) else None)
        self.data = self.data[:pos] + self.data[pos + n :]
        for r in self.records:
            r.start = r.start - min(n, max(0, r.start - pos)) if r.start > pos else r.start
            r.end = r.end - min(n, max(0, r.end - pos)) if r.end > pos else r.end
        if self.header_end > pos:
            self.header_end -= min(n, self.header_end - pos)
        self.edits.append(f"delete {n} at {pos}")

    def truncate(self, pos: int) -> None:
        for i, r in enumerate(self.records):
            if r.end > pos:
                self.touch(i)
        if pos < self.header_end:
            self.header_touched = True
        self.data = self.data[:pos]
        self.edits.append(f"truncate at {pos}")

    def flip_line_end(self, i: int) -> None:
        """CR LF to LF or LF to CR LF at the end of record ``i``: its bytes are untouched."""
        r = self.records[i]
        if not r.terminator:
            return
        new = b"\n" if r.terminator == b"\r\n" else b"\r\n"
        at = r.end - len(r.terminator)
        self.data = self.data[:at] + new + self.data[r.end :]
        delta = len(new) - len(r.terminator)
        r.terminator = new
        for later in self.records[i + 1 :]:
            later.start += delta
            later.end += delta
        r.end += delta
        self.edits.append(f"line end of record {i} to {new!r}")

    def line_of(self, r: Record) -> int:
        return 1 + self.data.count(b"\n", 0, r.start)


STRAY = [b'"', b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\r", b"\n", b",", b" ", b'""']


@st.composite
def corruptions(draw: st.DrawFn, f: CsvFile) -> CsvFile:
    """One to four edits of a CSV file's bytes."""
    for _ in range(draw(st.integers(1, 4))):
        size = len(f.data)
        how = draw(
            st.sampled_from(
                ["stray", "stray", "bytes", "giant", "line_end", "line_end", "delete", "truncate"]
            )
        )
        # Edits land after the header three times in four: a header edit stops the file.
        low = f.header_end if f.header_end < size and draw(st.integers(0, 3)) else 0
        pos = draw(st.integers(low, size))
        if how == "stray":
            f.insert(pos, draw(st.sampled_from(STRAY)))
        elif how == "bytes":
            f.insert(pos, draw(st.binary(min_size=1, max_size=6)))
        elif how == "giant":
            n = draw(st.sampled_from([140_000, 140_000, 2_100_000]))
            f.insert(pos, draw(st.sampled_from([b"g", b"\xc3\xa9"])) * (n // 2))
        elif how == "line_end" and f.records:
            f.flip_line_end(draw(st.integers(0, len(f.records) - 1)))
        elif how == "delete" and pos < size:
            f.delete(pos, draw(st.integers(1, 3)))
        elif how == "truncate":
            f.truncate(pos)
    return f


def values_by_line(pkg: onrecord.Package, table: str) -> dict[int, tuple]:
    cur = pkg.con.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cur.description]
    at = names.index("_line")
    return {r[at]: r[:at] + r[at + 1 :] for r in cur.fetchall()}


def check_command(root: Path) -> None:
    """``onrecord check --json`` ends with status 0, 1 or 2 and a JSON report, no traceback."""
    result = CliRunner().invoke(app, ["check", str(root), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1, 2), result.output
    doc = json.loads(result.stdout)
    assert doc["exit_code"] == result.exit_code
    assert all(p["file"] or p["code"] == "missing_table" for p in doc["problems"])


@slow(0.15)  # three loads and a `check` per example, values up to 2 MB: about 0.6 s each
@given(packages(min_rows=1, max_rows=5), st.data())
def test_corrupted_bytes_never_escape_and_untouched_rows_load(
    gen: GenPackage, data: st.DataObject
) -> None:
    """Stray quotes, NULs, bytes that are not UTF-8, long values, carriage returns, mixed line
    ends, lost bytes and truncation in a valid package's CSV files: ``onrecord.load`` reports
    them (a structural error only when a header is touched) and never raises anything else;
    ``onrecord check`` ends with status 0, 1 or 2; and every row whose bytes were not touched
    is kept at its line with the values it had, except one that an edited row's key now
    duplicates, or that may now be read as part of a quoted value or no longer be: after a
    quote added or removed, or an edit just before a quote, which changes whether it opens or
    closes a value (a quote opening a value at a field's start reads on to the next quote, as
    in any CSV reader)."""
    with TemporaryDirectory() as d:
        root = Path(d)
        lines = write_package(root, gen, "csv")
        clean = onrecord.load(root)
        before = {t: values_by_line(clean, t) for t in gen.tables}
        names = sorted(gen.tables)
        files: dict[str, CsvFile] = {}
        for t in data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=2)):
            path = root / f"{t}.csv"
            f = data.draw(corruptions(CsvFile.parse(path.read_bytes(), lines[t])))
            path.write_bytes(f.data)
            files[t] = f
        note = {t: f.edits for t, f in files.items()}
        try:
            pkg = onrecord.load(root)
        except StructuralError as e:
            touched = [t for t, f in files.items() if f.header_touched]
            assert touched, (note, e.problems)
            assert all(p.file for p in e.problems), e.problems
            assert not any("is a bug" in p.message for p in e.problems), e.problems
            check_command(root)
            return
        for t, f in files.items():
            if f.header_touched:  # the columns themselves may have changed
                continue
            after = values_by_line(pkg, t)
            problems = [(p.table, p.line, p.code.value) for p in pkg.problems()]
            dup = {line for table, line, code in problems if (table, code) == (t, "duplicate_key")}
            for rec, line in zip(f.records, lines[t], strict=True):
                if rec.touched:
                    continue
                new = f.line_of(rec)
                if new in dup:
                    continue
                assert after.get(new) == before[t][line], (note, t, line, new)
        nlines = {t: (root / f"{t}.csv").read_bytes().count(b"\n") + 1 for t in gen.tables}
        for p in pkg.problems():
            if p.severity.value == "row":
                assert p.file and p.line is not None and 2 <= p.line <= nlines[p.table], p
        check_command(root)


@slow(0.1)  # a load and a `check` per example
@given(packages(min_rows=1, max_rows=5), st.data())
def test_corrupted_parquet_and_department_files_never_escape(
    gen: GenPackage, data: st.DataObject
) -> None:
    """Truncated, overwritten or grown Parquet files and department.yaml: a structural error
    naming the file, or a package; never another exception."""
    with TemporaryDirectory() as d:
        root = Path(d)
        write_package(root, gen, "parquet")
        targets = sorted(p.name for p in root.iterdir())
        for name in data.draw(st.sets(st.sampled_from(targets), min_size=1, max_size=2)):
            path = root / name
            blob = path.read_bytes()
            pos = data.draw(st.integers(0, len(blob)))
            how = data.draw(st.sampled_from(["truncate", "overwrite", "insert"]))
            junk = data.draw(st.binary(min_size=1, max_size=8))
            if how == "truncate":
                blob = blob[:pos]
            elif how == "overwrite":
                blob = blob[:pos] + junk + blob[pos + len(junk) :]
            else:
                blob = blob[:pos] + junk + blob[pos:]
            path.write_bytes(blob)
        try:
            onrecord.load(root)
        except StructuralError as e:
            assert all(p.file for p in e.problems if p.code.value != "missing_table"), e.problems
            assert not any("is a bug" in p.message for p in e.problems), e.problems
        check_command(root)


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
