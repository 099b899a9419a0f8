"""Property-based tests: ``onrecord.load`` agrees with a plain-Python reading of the contract.

Packages are generated with random but valid values in random spellings (``package_generator``),
written as CSV or Parquet into a fresh temporary folder per example, loaded, and compared with
``reference_package`` cell by cell, line by line. Corrupted packages must report each
corruption, and only those, at the right line. Local times in many zones must convert as
Python's ``zoneinfo`` with ``fold=0`` does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

import onrecord
import reference_package as ref
from hypothesis_scale import slow
from onrecord import StructuralError
from onrecord.package import schema
from onrecord.package.loader import Package
from onrecord.package.timezones import anomaly_sql, offset_sql, transitions
from package_generator import (
    EMPTY,
    ID_PADS,
    INSTANTS,
    GenPackage,
    GenTable,
    format_wall,
    packages,
    pad,
    spell_instant,
    walls,
    write_csv,
    write_package,
)

# The zones the brief names, plus zones with unusual transitions: Apia skipped a whole day
# (2011-12-30), Troll's daylight saving is two hours, Havana and Santiago change at midnight,
# Casablanca suspends daylight saving for Ramadan, Moscow changed its standard offset twice.
ZONES = (
    "America/New_York",
    "America/Chicago",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "Pacific/Apia",
    "Antarctica/Troll",
    "America/Havana",
    "America/Santiago",
    "Africa/Casablanca",
    "Europe/Moscow",
)
ANOMALY_CODES = ("ambiguous_local_time", "skipped_local_time")


# ---- comparing a load with the reference --------------------------------------------------------


def kept_rows(pkg: Package, table: str) -> list[dict[str, object]]:
    """The kept table as dicts in line order, unknown columns' empty text read as None."""
    cur = pkg.con.execute(f'SELECT * FROM "{table}" ORDER BY _line')
    names = [d[0] for d in cur.description]
    known = {*ref.TABLES[table].columns, "_line"}
    return [
        {n: (v if n in known or v != "" else None) for n, v in zip(names, r, strict=True)}
        for r in cur.fetchall()
    ]


def expected_rows(
    result: ref.TableResult, t: GenTable, by_line: dict[int, dict[str, str | None]]
) -> list[dict[str, object]]:
    """The reference's kept rows plus the unknown columns' text, as written."""
    out = []
    for r in result.kept:
        line = r["_line"]
        assert isinstance(line, int)
        out.append({**r, **{x: by_line[line].get(x) or None for x in t.extras}})
    return out


def reference(
    pkg: GenPackage, lines: dict[str, list[int]]
) -> dict[str, tuple[ref.TableResult, dict[int, dict[str, str | None]]]]:
    """The reference reading of each table (malformed rows left out: the test knows them)."""
    out = {}
    for name, t in pkg.tables.items():
        by_line = {
            line: row
            for i, (line, row) in enumerate(zip(lines[name], t.rows, strict=True))
            if i not in t.malformed
        }
        out[name] = (ref.read_table(name, by_line.items(), pkg.tz), by_line)
    return out


def problem_set(pkg: Package, keep: Callable[[str, str], bool]) -> set[tuple]:
    return {
        (p.table, p.line, p.code.value, p.column)
        for p in pkg.problems()
        if keep(p.severity.value, p.code.value)
    }


def check_valid_package(gen: GenPackage, fmt: str) -> None:
    with TemporaryDirectory() as d:
        lines = write_package(Path(d), gen, fmt)
        pkg = onrecord.load(d)
        want_anomalies = set()
        for name, (result, by_line) in reference(gen, lines).items():
            assert result.errors == set(), "the generator should make only valid rows"
            assert kept_rows(pkg, name) == expected_rows(result, gen.tables[name], by_line), name
            n = len(gen.tables[name].rows)
            assert (pkg.loads[name].rows_read, pkg.loads[name].rows_kept) == (n, n), name
            want_anomalies |= {(name, line, code, col) for line, code, col in result.anomalies}
        assert problem_set(pkg, lambda sev, _: sev == "row") == set()
        assert problem_set(pkg, lambda _, code: code in ANOMALY_CODES) == want_anomalies


# ---- 1. valid packages load back exactly --------------------------------------------------------


@slow(0.45)
@given(packages())
def test_valid_csv_package_loads_exactly(gen: GenPackage) -> None:
    check_valid_package(gen, "csv")


@slow(0.25)
@given(packages())
def test_valid_parquet_package_loads_exactly(gen: GenPackage) -> None:
    check_valid_package(gen, "parquet")


@slow(0.25)
@given(packages())
def test_valid_typed_parquet_package_loads_exactly(gen: GenPackage) -> None:
    """Parquet's own timestamp and date types mean what the same values written as text do: a
    timestamp without a time zone is a local time (ambiguous and skipped ones included), one
    adjusted to UTC is that instant."""
    check_valid_package(gen, "typed parquet")


# ---- 2. corruptions are reported where they are made --------------------------------------------

BAD_TIMESTAMPS = (
    "2019-02-30T10:00",
    "yesterday",
    "2019-13-01 08:00",
    "2019-06-01T25:00",
    "2019-06-01T08:61",
    "2019-06-01",
    "06/01/2019 08:00",
    "2019-06-01T08:00+24:00",
    "2019-06-01T08:00:00 EST",
)
BAD = {
    "bool": ("maybe", "yes!", "2", "oui"),
    "count": ("-1", "many", "1.5", "3 docks"),
    "positive": ("0", "-3", "abc", "0.0", "nan", "-inf"),
    "percent": ("101", "-1", "100.5", "nan", "half"),
    "date": ("2019-02-30", "2019/01/01", "01-02-2019", "2019-1-5", "soon"),
    "enum": ("broken", "in service", "explode"),
    "sha256": ("abc", "g" * 64, "a" * 63, "a" * 65),
    "timestamp": BAD_TIMESTAMPS,
}
ROW_CODE = {"empty": "missing_value", "bad": "invalid_value", "malformed": "malformed_row"}

Corruption = tuple[str, int, str, str | None]  # (table, row index, code, column)


@st.composite
def corrupted_packages(draw: DrawFn, fmt: str) -> tuple[GenPackage, set[Corruption]]:
    """A valid package with one corruption in each of a random subset of rows."""
    gen = draw(packages(min_rows=1, max_rows=4))
    places = [(t, i) for t, gt in gen.tables.items() for i in range(len(gt.rows))]
    chosen = draw(st.sets(st.sampled_from(places), min_size=1, max_size=6))
    made: set[Corruption] = set()
    for table, i in sorted(chosen):
        t, spec = gen.tables[table], ref.TABLES[table]
        row = t.rows[i]
        options: list[tuple[str, str | None]] = [
            ("empty", c) for c, col in spec.columns.items() if col.required
        ]
        options += [
            ("bad", c) for c in t.header if c in spec.columns and spec.columns[c].kind in BAD
        ]
        if spec.interval:
            options.append(("end_before_start", "end"))
        if not spec.zero_length_ok:
            options.append(("zero_length_shift", "end"))
        earlier = [j for j in range(i) if (table, j) not in chosen]
        if spec.key and earlier:
            options.append(("duplicate_key", spec.key))
        if fmt == "csv":
            options += [("malformed", None)] * (len(t.header) >= 2) + [("malformed", "extra")]
        how, column = draw(st.sampled_from(options))
        code = ROW_CODE.get(how, how)
        if how == "empty" and column:
            row[column] = draw(EMPTY)
        elif how == "bad" and column:
            row[column] = pad(draw, draw(st.sampled_from(BAD[spec.columns[column].kind])))
        elif how in ("end_before_start", "zero_length_shift"):
            start = draw(INSTANTS)
            back = (
                timedelta(microseconds=draw(st.integers(1, 10**10)))
                if how != "zero_length_shift"
                else timedelta()
            )
            row["start"] = spell_instant(draw, start, gen.tz)
            row["end"] = spell_instant(draw, start - back, gen.tz)
        elif how == "duplicate_key" and spec.key:
            first = t.rows[draw(st.sampled_from(earlier))][spec.key]
            row[spec.key] = pad(draw, ref.trim(first), ID_PADS)
        elif how == "malformed":
            t.malformed[i] = 1 if column == "extra" else -1
            column = None
        made.add((table, i, code, column))
    return gen, made


def check_corrupted_package(gen: GenPackage, made: set[Corruption], fmt: str) -> None:
    with TemporaryDirectory() as d:
        lines = write_package(Path(d), gen, fmt)
        want = {(t, lines[t][i], code, col) for t, i, code, col in made}
        pkg = onrecord.load(d)
        for name, (result, by_line) in reference(gen, lines).items():
            # The reference agrees that exactly these rows are wrong, in exactly these ways.
            malformed = {
                (name, lines[name][i], "malformed_row", None) for i in gen.tables[name].malformed
            }
            assert {(name, *e) for e in result.errors} | malformed == {
                w for w in want if w[0] == name
            }
            assert kept_rows(pkg, name) == expected_rows(result, gen.tables[name], by_line), name
            load = pkg.loads[name]
            bad = Counter(code for t, _, code, _ in made if t == name)
            assert load.rows_read == len(gen.tables[name].rows), name
            assert load.rows_kept == len(result.kept), name
            assert load.excluded == dict(bad), name
        assert problem_set(pkg, lambda sev, _: sev == "row") == want


@slow(0.35)
@given(corrupted_packages("csv"))
def test_csv_corruptions_are_reported_at_their_lines(
    case: tuple[GenPackage, set[Corruption]],
) -> None:
    check_corrupted_package(*case, "csv")


@slow(0.15)
@given(corrupted_packages("parquet"))
def test_parquet_corruptions_are_reported_at_their_rows(
    case: tuple[GenPackage, set[Corruption]],
) -> None:
    check_corrupted_package(*case, "parquet")


# ---- 3. local times in any zone ---------------------------------------------------------------


@slow(0.4)
@given(st.sampled_from(ZONES), st.data())
def test_local_times_load_like_zoneinfo(zone: str, data: st.DataObject) -> None:
    """Local times read through ``onrecord.load`` equal the reference, with the right findings."""
    # All in one year half of the time: the reader only looks up the years it sees.
    first = last = data.draw(st.integers(1990, 2035))
    if data.draw(st.booleans()):
        first, last = 1990, 2035
    local = data.draw(st.lists(walls(zone, first, last), min_size=1, max_size=25))
    texts = [format_wall(data.draw, w) for w in local]
    with TemporaryDirectory() as d:
        root = Path(d)
        (root / "department.yaml").write_text(f"timezone: {zone}\n")
        (root / "recordings.csv").write_text("recording_id,officer_id,start,end\n")
        (root / "shifts.csv").write_text("shift_id,officer_id,start,end,kind\n")
        events: list[dict[str, str | None]] = [
            {"camera_id": f"c{i}", "at": text, "event": "dock"} for i, text in enumerate(texts)
        ]
        write_csv(root / "device_events.csv", GenTable(["camera_id", "at", "event"], events))
        pkg = onrecord.load(root)
        got = pkg.con.execute('SELECT _line, "at" FROM device_events ORDER BY _line').fetchall()
        want = [(i + 2, ref.local_to_utc(w, zone).utc) for i, w in enumerate(local)]
        assert got == want
        anomalies = {
            ("device_events", i + 2, f"{a}_local_time", "at")
            for i, w in enumerate(local)
            if (a := ref.local_to_utc(w, zone).anomaly)
        }
        assert problem_set(pkg, lambda _, code: code in ANOMALY_CODES) == anomalies


@slow(1.5)
@given(st.sampled_from(ZONES), st.data())
def test_offset_and_anomaly_sql_match_zoneinfo(zone: str, data: st.DataObject) -> None:
    """The SQL offset of a local time is its ``fold=0`` offset, whatever other years are listed."""
    local = data.draw(st.lists(walls(zone), min_size=1, max_size=20))
    years = {w.year for w in local} | data.draw(st.sets(st.integers(1985, 2040), max_size=3))
    steps, anomalies = transitions(zone, sorted(years))
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, w TIMESTAMP)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(local)))
    got = con.execute(
        f"SELECT {offset_sql('w', steps)}, {anomaly_sql('w', anomalies)} FROM t ORDER BY i"
    ).fetchall()
    want = []
    for w in local:
        off = w.replace(tzinfo=ZoneInfo(zone), fold=0).utcoffset()
        assert off is not None
        want.append((int(off.total_seconds()), ref.local_to_utc(w, zone).anomaly))
    assert got == want


# ---- the reference itself ---------------------------------------------------------------------


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "instant", "anomaly"),
    [
        ("2019-11-03T01:30", "America/New_York", utc(2019, 11, 3, 5, 30), "ambiguous"),
        ("2019-11-03T00:59", "America/New_York", utc(2019, 11, 3, 4, 59), None),
        ("2019-11-03T02:00", "America/New_York", utc(2019, 11, 3, 7, 0), None),
        ("2019-03-10T02:30", "America/New_York", utc(2019, 3, 10, 7, 30), "skipped"),
        ("2019-03-10T03:00", "America/New_York", utc(2019, 3, 10, 7, 0), None),
        (
            "2019-03-10 01:59:59.999999",
            "America/New_York",
            utc(2019, 3, 10, 6, 59, 59, 999999),
            None,
        ),
        # Lord Howe: +10:30 standard, +11 in summer; clocks move half an hour at 02:00.
        ("2019-10-06T02:15", "Australia/Lord_Howe", utc(2019, 10, 5, 15, 45), "skipped"),
        ("2019-04-07T01:45", "Australia/Lord_Howe", utc(2019, 4, 6, 14, 45), "ambiguous"),
        # Samoa skipped 30 December 2011: noon that day is moved forward by 24 hours.
        ("2011-12-30T12:00", "Pacific/Apia", utc(2011, 12, 30, 22, 0), "skipped"),
        ("2019-06-01T08:00:00+0530", "America/New_York", utc(2019, 6, 1, 2, 30), None),
        ("2019-06-01 08:00:00,5-04", "UTC", utc(2019, 6, 1, 12, 0, 0, 500000), None),
        ("2019-06-01T08:00z", "Asia/Kolkata", utc(2019, 6, 1, 8), None),
        ("2019-06-01T08:00", "Asia/Kolkata", utc(2019, 6, 1, 2, 30), None),
    ],
)
def test_reference_timestamps(text: str, zone: str, instant: datetime, anomaly: str | None) -> None:
    assert ref.parse_timestamp(text, zone) == ref.Instant(instant, anomaly)


def test_reference_dst_night_shift_lasts_nine_hours() -> None:
    start = ref.parse_timestamp("2019-11-03T00:00", "America/New_York")
    end = ref.parse_timestamp("2019-11-03T08:00", "America/New_York")
    assert start is not None and end is not None
    assert end.utc - start.utc == timedelta(hours=9)


@pytest.mark.parametrize(
    "text",
    ["2019-02-30T10:00", "yesterday", "2019-06-01", "2019-06-01T24:30", "2019-06-01T08:00+24:00"],
)
def test_reference_rejects_timestamps(text: str) -> None:
    assert ref.parse_timestamp(text, "UTC") is None


@pytest.mark.parametrize(
    ("kind", "text", "value", "error"),
    [
        ("bool", " YeS ", True, None),
        ("bool", "F", False, None),
        ("bool", "0", False, None),
        ("bool", "maybe", None, "invalid_value"),
        ("id", " 007\t", "007", None),
        ("date", "2020-02-29", date(2020, 2, 29), None),
        ("date", "2019-02-29", None, "invalid_value"),
        ("count", "007", 7, None),
        ("count", "-1", None, "invalid_value"),
        ("positive", "0", None, "invalid_value"),
        ("positive", "nan", None, "invalid_value"),
        ("percent", "100", 100.0, None),
        ("sha256", "A" * 64, "a" * 64, None),
        ("enum", "REPAIR", "repair", None),
    ],
)
def test_reference_values(kind: str, text: str, value: object, error: str | None) -> None:
    col = ref.Col(kind, vocabulary=("in_service", "repair", "retired"))
    assert ref.parse_cell(col, text, "UTC") == ref.Cell(value, error)


def test_reference_empty_cells_take_defaults() -> None:
    cameras = ref.TABLES["cameras"].columns
    assert ref.parse_cell(cameras["battery_hours"], "  ", "UTC") == ref.Cell(12.0)
    assert ref.parse_cell(cameras["status"], None, "UTC") == ref.Cell("in_service")
    assert ref.parse_cell(cameras["camera_id"], "", "UTC") == ref.Cell(None, "missing_value")


def test_reference_duplicates_keep_the_first_valid_row() -> None:
    rows = [
        (2, {"station_id": "a", "dock_slots": "x"}),  # invalid: not the first occurrence
        (3, {"station_id": " a ", "dock_slots": "1"}),
        (4, {"station_id": "a", "dock_slots": "2"}),
        (5, {"station_id": "07", "dock_slots": ""}),
        (6, {"station_id": "7"}),
    ]
    result = ref.read_table("stations", rows, "UTC")
    assert [(r["_line"], r["station_id"], r["dock_slots"]) for r in result.kept] == [
        (3, "a", 1),
        (5, "07", 0),
        (6, "7", 0),
    ]
    assert result.errors == {(2, "invalid_value", "dock_slots"), (4, "duplicate_key", "station_id")}


@slow(3)
@given(INSTANTS, st.sampled_from(ZONES), st.data())
def test_spelled_instants_parse_back(instant: datetime, zone: str, data: st.DataObject) -> None:
    """The generator's spellings name exactly the instant they were made from."""
    text = spell_instant(data.draw, instant, zone)
    parsed = ref.parse_timestamp(text, zone)
    assert parsed is not None and parsed.utc == instant, text


def test_reference_tables_match_the_schema() -> None:
    """The reference's transcription of the contract and ``schema.py`` say the same."""
    assert set(ref.TABLES) == set(schema.TABLES)
    for name, spec in ref.TABLES.items():
        table = schema.TABLES[name]
        assert (table.key, table.interval is not None, table.zero_length_ok) == (
            spec.key,
            spec.interval,
            spec.zero_length_ok,
        ), name
        assert table.extra_required == spec.header_only, name
        got = {
            c.name: (
                c.kind.value,
                c.required,
                c.default,
                c.vocabulary if c.kind.value == "enum" else (),
            )
            for c in table.columns
        }
        want = {c: (k.kind, k.required, k.default, k.vocabulary) for c, k in spec.columns.items()}
        assert got == want, name


# ---- minimal examples of what the properties found ----------------------------------------------


def load_texts(tmp_path: Path, zone: str | None = None, **tables: str | bytes) -> Package:
    """Write tables given as exact text (bytes kept as they are), with empty required tables."""
    if zone:
        (tmp_path / "department.yaml").write_text(f"timezone: {zone}\n")
    tables.setdefault("recordings", "recording_id,officer_id,start,end\n")
    tables.setdefault("shifts", "shift_id,officer_id,start,end,kind\n")
    for name, text in tables.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (tmp_path / f"{name}.csv").write_bytes(data)
    return onrecord.load(tmp_path)


def test_ids_are_trimmed_of_tabs_and_newlines(tmp_path: Path) -> None:
    """IDs are trimmed of surrounding white space, and tabs and newlines are white space."""
    pkg = load_texts(
        tmp_path,
        shifts="shift_id,officer_id,start,end,kind\n"
        's1\t,"\to1\n",2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n',
    )
    assert pkg.con.execute("SELECT shift_id, officer_id FROM shifts").fetchall() == [("s1", "o1")]


def test_crlf_file_with_a_malformed_row_keeps_physical_lines(tmp_path: Path) -> None:
    """Lines after a malformed row in a CRLF file are the physical lines, as with LF."""
    text = (
        "recording_id,officer_id,start,end\r\n"
        "r1,,2019-06-01T08:00Z,2019-06-01T09:00Z\r\n"
        "r2,,2019-06-01T08:00Z\r\n"  # line 3: one field short
        "r3,,2019-06-01T08:00Z,2019-06-01T09:00Z\r\n"
        "r4,,bad,2019-06-01T09:00Z\r\n"
    )
    pkg = load_texts(tmp_path, recordings=text)
    assert pkg.con.execute("SELECT recording_id, _line FROM recordings").fetchall() == [
        ("r1", 2),
        ("r3", 4),
    ]
    assert problem_set(pkg, lambda sev, _: sev == "row") == {
        ("recordings", 3, "malformed_row", None),
        ("recordings", 5, "invalid_value", "start"),
    }


def test_blank_line_does_not_shift_later_lines(tmp_path: Path) -> None:
    """A row's line is its physical line even after a blank line."""
    text = (
        "recording_id,officer_id,start,end\n"
        "r1,,2019-06-01T08:00Z,2019-06-01T09:00Z\n"
        "\n"
        "r3,,2019-06-01T08:00Z,2019-06-01T09:00Z\n"
    )
    pkg = load_texts(tmp_path, recordings=text)
    assert pkg.con.execute("SELECT recording_id, _line FROM recordings").fetchall() == [
        ("r1", 2),
        ("r3", 4),
    ]


@pytest.mark.parametrize(
    ("zone", "text", "instant", "anomaly"),
    [
        # Moscow's only transition of 2011 (to permanent +04) and of 2014 (back to +03).
        ("Europe/Moscow", "2011-06-01T12:00", utc(2011, 6, 1, 8), None),
        ("Europe/Moscow", "2011-03-27T02:30", utc(2011, 3, 26, 23, 30), "skipped"),
        ("Europe/Moscow", "2014-10-26T01:30", utc(2014, 10, 25, 21, 30), "ambiguous"),
        # Samoa's first daylight saving (26 September 2010, at midnight) was its only 2010 change.
        ("Pacific/Apia", "2010-09-25T23:59", utc(2010, 9, 26, 10, 59), None),
    ],
)
def test_year_with_a_single_transition(
    tmp_path: Path, zone: str, text: str, instant: datetime, anomaly: str | None
) -> None:
    """A package whose local times all fall in a year with one offset change loads."""
    pkg = load_texts(tmp_path, zone, device_events=f"camera_id,at,event\nc1,{text},dock\n")
    assert pkg.con.execute('SELECT "at" FROM device_events').fetchall() == [(instant,)]
    want = {("device_events", 2, f"{anomaly}_local_time", "at")} if anomaly else set()
    assert problem_set(pkg, lambda _, code: code in ANOMALY_CODES) == want


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("0001-01-01T00:00", datetime(1, 1, 1, 4, 56, 2, tzinfo=UTC)),  # New York's LMT
        ("9999-12-31T12:00", utc(9999, 12, 31, 17)),  # an "open end" sentinel, read as EST
    ],
)
def test_extreme_years_are_local_times_too(tmp_path: Path, text: str, instant: datetime) -> None:
    pkg = load_texts(
        tmp_path, "America/New_York", device_events=f"camera_id,at,event\nc1,{text},dock\n"
    )
    assert pkg.con.execute('SELECT "at" FROM device_events').fetchall() == [(instant,)]


@pytest.mark.parametrize(
    "extra",
    ["_keep", "v_start", "m_start", "n_start", "z_end", "e_shift_id", "p_kind", "x_kind"],
)
def test_unknown_columns_with_the_readers_own_names_are_kept(tmp_path: Path, extra: str) -> None:
    """ "Columns that the contract does not name are kept and ignored", whatever their name."""
    pkg = load_texts(
        tmp_path,
        shifts=f"shift_id,officer_id,start,end,kind,{extra}\n"
        "s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular,hello\n"
        's2,o1,2019-06-02T08:00Z,2019-06-02T16:00Z,regular,"two\nlines"\n',
    )
    assert problem_set(pkg, lambda sev, _: sev == "row") == set()
    rows = kept_rows(pkg, "shifts")
    assert [(r["shift_id"], r["kind"], r["start"]) for r in rows] == [
        ("s1", "regular", utc(2019, 6, 1, 8)),
        ("s2", "regular", utc(2019, 6, 2, 8)),
    ]
    assert [r[extra] for r in rows] == ["hello", "two\nlines"]
    assert [r["_line"] for r in rows] == [2, 3]


@pytest.mark.parametrize(
    ("extra", "code"),
    [("Start", "duplicate_column"), ("KIND", "duplicate_column"), ("_line", "reserved_column"),
     ("__onrecord_keep", "reserved_column")],
)  # fmt: skip
def test_column_names_the_reader_cannot_keep_apart_are_structural(
    tmp_path: Path, extra: str, code: str
) -> None:
    """DuckDB's names are case-insensitive and the loaded tables number their rows in ``_line``:
    such a column cannot be kept beside them, so the package is refused with a clear reason
    (docs/data-package.md, decision 14) rather than losing or mixing values."""
    with pytest.raises(StructuralError) as e:
        load_texts(
            tmp_path,
            shifts=f"shift_id,officer_id,start,end,kind,{extra}\n"
            "s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular,hello\n",
        )
    assert [(p.code.value, p.column) for p in e.value.problems] == [(code, extra)]
