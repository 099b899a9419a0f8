"""The demo department as a data package: contract, determinism, and the behaviour it models."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from onrecord.demo import generate
from onrecord.demo.roster import UNITS
from onrecord.package.loader import Package, load
from onrecord.package.problems import Severity
from onrecord.package.schema import (
    DEVICE_EVENTS,
    ENCOUNTER_TYPES,
    SHIFT_KINDS,
    STOP_REASONS,
    TABLES,
    Kind,
    header_columns,
)

OFFICERS = 300
ARROW_TYPES = {
    Kind.TIMESTAMP: pa.timestamp("s"),
    Kind.DATE: pa.date32(),
    Kind.BOOL: pa.bool_(),
    Kind.COUNT: pa.int64(),
    Kind.POSITIVE: pa.float64(),
    Kind.PERCENT: pa.float64(),
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "pkg"
    generate(out, officers=OFFICERS, days=28, seed=11)
    return out


@pytest.fixture(scope="module")
def db(package: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in TABLES:
        con.sql(
            f"CREATE VIEW {name} AS SELECT * FROM read_csv('{package}/{name}.csv', "
            "all_varchar = true)"
        )
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        a, b, c = (tmp_path / f"{fmt}{i}" for i in range(3))
        generate(a, officers=40, days=10, seed=5, fmt=fmt)
        generate(b, officers=40, days=10, seed=5, fmt=fmt)
        generate(c, officers=40, days=10, seed=6, fmt=fmt)
        files = sorted(p.name for p in a.iterdir())
        assert files == sorted(p.name for p in b.iterdir())
        assert len(files) == 8
        for name in files:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert (a / f"shifts.{fmt}").read_bytes() != (c / f"shifts.{fmt}").read_bytes()


def test_every_table_has_the_contract_columns_and_unique_keys(
    package: Path, db: duckdb.DuckDBPyConnection
) -> None:
    for name, table in TABLES.items():
        columns = pacsv.read_csv(package / f"{name}.csv").column_names
        assert set(header_columns(table)) <= set(columns), name
        assert set(columns) <= {c.name for c in table.columns}, name
        if table.key:
            dupes = one(db, f"SELECT count(*) - count(DISTINCT {table.key}) FROM {name}")
            assert dupes == 0, name
    vocab = {
        ("shifts", "kind"): SHIFT_KINDS,
        ("encounters", "type"): ENCOUNTER_TYPES,
        ("recordings", "stop_reason"): STOP_REASONS,
        ("device_events", "event"): DEVICE_EVENTS,
    }
    for (name, column), words in vocab.items():
        used = {r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM {name}").fetchall()}
        assert used - {None} <= set(words), (name, column)


def test_every_typed_column_parses(package: Path) -> None:
    """Read back with the column types the contract gives them; nothing fails to convert."""
    for name, table in TABLES.items():
        types = {c.name: ARROW_TYPES[c.kind] for c in table.columns if c.kind in ARROW_TYPES}
        read = pacsv.read_csv(
            package / f"{name}.csv", convert_options=pacsv.ConvertOptions(column_types=types)
        )
        assert read.num_rows > 0, name
        for column, kind in types.items():
            if column in read.column_names:
                assert read.schema.field(column).type == kind


def test_the_checker_finds_no_row_errors(package: Path) -> None:
    pkg = load(package)
    assert pkg.count(Severity.ROW) == 0
    assert pkg.department.timezone == "America/New_York"
    assert pkg.department.name == "Demo City Police Department"


def test_intervals_run_forwards(db: duckdb.DuckDBPyConnection) -> None:
    assert one(db, 'SELECT count(*) FROM shifts WHERE "end"::TIMESTAMP <= start::TIMESTAMP') == 0
    for name in ("encounters", "recordings"):
        sql = f'SELECT count(*) FROM {name} WHERE "end"::TIMESTAMP < start::TIMESTAMP'
        assert one(db, sql) == 0


def test_officers_overlap_no_tours_of_their_own(db: duckdb.DuckDBPyConnection) -> None:
    sql = """
        SELECT count(*) FROM shifts a JOIN shifts b
          ON a.officer_id = b.officer_id AND a.shift_id < b.shift_id
         AND a.start::TIMESTAMP < b."end"::TIMESTAMP AND b.start::TIMESTAMP < a."end"::TIMESTAMP
    """
    assert one(db, sql) == 0


def test_untrained_patrol_officers_have_no_camera(db: duckdb.DuckDBPyConnection) -> None:
    program = ", ".join(f"'{u.name}'" for u in UNITS if u.in_program)
    untrained = f"SELECT officer_id FROM officers WHERE unit IN ({program}) AND trained_on IS NULL"
    assert one(db, f"SELECT count(*) FROM ({untrained})") == round(OFFICERS * 30 / 1100)
    for table, column in (("cameras", "assigned_officer_id"), ("recordings", "officer_id")):
        assert one(db, f"SELECT count(*) FROM {table} WHERE {column} IN ({untrained})") == 0


POSSESSION = """
    WITH ev AS (
        SELECT camera_id, "at"::TIMESTAMP AS t, event, officer_id,
               lead("at"::TIMESTAMP) OVER (PARTITION BY camera_id ORDER BY "at"::TIMESTAMP) AS nxt
          FROM device_events WHERE event <> 'battery'),
    held AS (
        SELECT coalesce(ev.officer_id, c.assigned_officer_id) AS officer_id, ev.t AS a,
               least(coalesce(nxt, t + INTERVAL 24 HOUR), t + INTERVAL 24 HOUR) AS b
          FROM ev JOIN cameras c USING (camera_id) WHERE event IN ('undock', 'checkout'))
    SELECT kind, event, avg((ratio >= 0.5)::INT) AS share, count(*) AS n FROM (
        SELECT s.kind, s.unit IS NOT NULL AS event,
               coalesce(sum(epoch(least(h.b, s."end"::TIMESTAMP)
                                  - greatest(h.a, s.start::TIMESTAMP)))
                   FILTER (WHERE h.a IS NOT NULL)  -- least/greatest skip NULLs
                   / epoch(s."end"::TIMESTAMP - s.start::TIMESTAMP), 0) AS ratio
          FROM shifts s JOIN officers o USING (officer_id)
          LEFT JOIN held h ON h.officer_id = s.officer_id
           AND h.a < s."end"::TIMESTAMP AND h.b > s.start::TIMESTAMP
         WHERE o.trained_on IS NOT NULL
         GROUP BY s.shift_id, s.kind, s.unit, s.start, s."end")
     GROUP BY ALL
"""


FOOTAGE = """
    SELECT kind, avg(exists(
               SELECT 1 FROM recordings r WHERE r.officer_id = s.officer_id
                  AND r.start::TIMESTAMP < s."end"::TIMESTAMP
                  AND r."end"::TIMESTAMP > s.start::TIMESTAMP)::INT)
      FROM shifts s JOIN officers o USING (officer_id)
     WHERE o.trained_on IS NOT NULL
     GROUP BY kind
"""


def test_cameras_on_regular_tours_but_mostly_not_on_overtime(db: duckdb.DuckDBPyConnection) -> None:
    """Boston's loophole: most overtime and detail tours have no camera checked out (held for at
    least half the tour) and no footage, while nearly every regular tour of a trained officer has
    a camera and most have footage."""
    share = {(k, e): (s, n) for k, e, s, n in db.execute(POSSESSION).fetchall()}
    assert share[("regular", False)][0] > 0.88
    for kind in ("overtime", "paid_detail"):
        s, n = share[(kind, False)]
        assert n > 50 and 0.08 < s < 0.32, kind
    assert share[("overtime", True)][0] < 0.06
    assert share[("court", False)][0] < 0.02  # only an unclosed checkout can reach a court tour
    footage = dict(db.execute(FOOTAGE).fetchall())
    assert footage["regular"] > 0.6
    assert footage["overtime"] < 0.2 and footage["paid_detail"] < 0.2


def test_one_large_event_day(db: duckdb.DuckDBPyConnection) -> None:
    days = db.execute(
        "SELECT start[:10] AS d, count(*) FROM shifts WHERE unit = 'special events' GROUP BY d"
    ).fetchall()
    assert len(days) == 1
    day, n = days[0]
    assert date.fromisoformat(day).weekday() == 5 and n > 0.3 * OFFICERS
    crowd = f"SELECT count(*) FROM encounters WHERE type = 'crowd_control' AND start[:10] = '{day}'"
    assert one(db, crowd) > n


def test_long_double_tours_run_batteries_flat(db: duckdb.DuckDBPyConnection) -> None:
    """Every recording stopped for battery ends where the dock log says the camera went flat."""
    flat = "SELECT camera_id, \"end\" FROM recordings WHERE stop_reason = 'battery'"
    assert one(db, f"SELECT count(*) FROM ({flat})") > 0
    unmatched = f"""SELECT count(*) FROM ({flat}) r WHERE NOT EXISTS (
        SELECT 1 FROM device_events d WHERE d.camera_id = r.camera_id AND d."at" = r."end"
           AND d.event = 'battery' AND d.battery_pct = '0')"""
    assert one(db, unmatched) == 0


def test_encounters_cover_the_vocabulary_the_day_and_shared_incidents(
    db: duckdb.DuckDBPyConnection,
) -> None:
    used = {r[0] for r in db.execute("SELECT DISTINCT type FROM encounters").fetchall()}
    assert used == set(ENCOUNTER_TYPES)
    by_hour = dict(
        db.execute("SELECT hour(start::TIMESTAMP), count(*) FROM encounters GROUP BY 1").fetchall()
    )
    evening = sum(by_hour.get(h, 0) for h in range(18, 22))
    small_hours = sum(by_hour.get(h, 0) for h in range(3, 7))
    assert evening > 2 * small_hours
    shared = "SELECT incident_id FROM encounters GROUP BY 1 HAVING count(DISTINCT officer_id) > 1"
    share = one(db, f"SELECT count(*) FROM ({shared})") / one(
        db, "SELECT count(DISTINCT incident_id) FROM encounters"
    )
    assert 0.15 < share < 0.6


def test_a_few_encounters_off_duty(db: duckdb.DuckDBPyConnection) -> None:
    outside = """SELECT count(*) FROM encounters e WHERE NOT EXISTS (
        SELECT 1 FROM shifts s WHERE s.officer_id = e.officer_id
           AND s.start::TIMESTAMP <= e.start::TIMESTAMP
           AND e.start::TIMESTAMP < s."end"::TIMESTAMP)"""
    share = one(db, outside) / one(db, "SELECT count(*) FROM encounters")
    assert 0 < share < 0.03


def test_recordings_are_mostly_complete_with_every_kind_of_failure(
    db: duckdb.DuckDBPyConnection,
) -> None:
    reasons = dict(db.execute("SELECT stop_reason, count(*) FROM recordings GROUP BY 1").fetchall())
    total = sum(reasons.values())
    assert reasons["end_of_encounter"] / total > 0.5
    for reason in ("privacy", "bystanders", "investigation", "victim_request", "malfunction"):
        assert reasons.get(reason, 0) > 0, reason
    assert reasons[None] > 0


def test_daylight_saving_periods(tmp_path: Path) -> None:
    """Spring: no local time in the skipped hour. Autumn: a tour over the change keeps its wall
    times (and lasts an hour longer), times in the repeated hour are findings, not errors."""
    spring, autumn = tmp_path / "spring", tmp_path / "autumn"
    generate(spring, officers=150, days=14, start=date(2020, 3, 1), seed=3)
    generate(autumn, officers=150, days=14, start=date(2020, 10, 25), seed=3)
    for name in ("shifts", "encounters", "recordings", "device_events"):
        assert "2020-03-08T02:" not in (spring / f"{name}.csv").read_text(), name
    pkg = load(autumn)
    assert pkg.count(Severity.ROW) == 0
    codes = {g.code for g in pkg.groups()}
    assert "ambiguous_local_time" in codes and "skipped_local_time" not in codes
    con = duckdb.connect()
    night = con.execute(
        f"""SELECT DISTINCT "end" FROM read_csv('{autumn}/shifts.csv', all_varchar = true)
            WHERE kind = 'regular' AND start = '2020-10-31T23:45:00'"""
    ).fetchall()
    assert night == [("2020-11-01T07:30:00",)]


def test_parquet_stores_times_and_dates_typed_and_loads_like_the_csv(tmp_path: Path) -> None:
    """In Parquet the demo's timestamps are Parquet timestamps without a time zone (local
    times) and its dates Parquet dates; over the autumn change, both formats load to the same
    rows and the same findings (the repeated hour's times among them)."""
    csv_root, pq_root = tmp_path / "csv", tmp_path / "parquet"
    for root, fmt in ((csv_root, "csv"), (pq_root, "parquet")):
        generate(root, officers=60, days=6, start=date(2020, 10, 29), seed=4, fmt=fmt)  # type: ignore[arg-type]
    shifts = pq.read_schema(pq_root / "shifts.parquet")
    assert shifts.field("start").type == pa.timestamp("ms")
    assert pq.read_schema(pq_root / "officers.parquet").field("trained_on").type == pa.date32()
    a, b = load(csv_root), load(pq_root)
    for name in TABLES:
        sql = f'SELECT * EXCLUDE (_line) FROM "{name}" ORDER BY _line'
        assert a.con.execute(sql).fetchall() == b.con.execute(sql).fetchall(), name

    def found(pkg: Package) -> list[tuple[object, ...]]:
        return sorted((p.code.value, p.table, p.column, p.value) for p in pkg.problems())

    assert found(a) == found(b)
    assert "ambiguous_local_time" in {code for code, *_ in found(b)}


def _peak_bytes(out: Path, days: int) -> int:
    tracemalloc.start()
    try:
        generate(out, officers=400, days=days, seed=1)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_follows_the_block_not_the_period(tmp_path: Path) -> None:
    """Four times the days, the same peak: each block of days is written before the next."""
    short = _peak_bytes(tmp_path / "short", 14)
    long = _peak_bytes(tmp_path / "long", 56)
    assert long < 1.25 * short


def test_checker_bench_profile_sizes(tmp_path: Path) -> None:
    """About 25 shifts, 100 encounters and 150 recordings per officer-year."""
    stats = generate(tmp_path / "bench", officers=500, days=56, profile="checker-bench")
    per_year = {k: v / 500 * 365 / 56 for k, v in stats.rows.items()}
    assert 20 < per_year["shifts"] < 30
    assert 80 < per_year["encounters"] < 120
    assert 120 < per_year["recordings"] < 180
