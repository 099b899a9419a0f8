"""Every parse rule of the data package contract, with hand-worked expected values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

import onrecord
from hypothesis_scale import scaled
from onrecord.package.loader import Package
from onrecord.package.values import PLAIN_TIMESTAMP_RE, TIMESTAMP_RE, sql_str

SHIFTS_HEADER = "shift_id,officer_id,start,end,kind\n"


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def rows(pkg: Package, sql: str) -> list[tuple]:
    return pkg.con.execute(sql).fetchall()


def codes(pkg: Package) -> list[tuple]:
    return sorted((p.table, p.line, p.column, p.code.value) for p in pkg.problems())


def shift_pkg(write_package, *lines: str, timezone: str = "America/New_York") -> Package:
    return onrecord.load(write_package(timezone=timezone, shifts=SHIFTS_HEADER + "\n".join(lines)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-06-01T08:00:00Z", utc(2019, 6, 1, 8)),
        ("2019-06-01 08:00:00z", utc(2019, 6, 1, 8)),
        ("2019-06-01T08:00:00+02:00", utc(2019, 6, 1, 6)),
        ("2019-06-01T08:00:00+0530", utc(2019, 6, 1, 2, 30)),
        ("2019-06-01T08:00:00-04", utc(2019, 6, 1, 12)),
        ("2019-06-01T08:00", utc(2019, 6, 1, 12)),  # local EDT, no seconds
        ("2019-06-01T08:00:00.250", utc(2019, 6, 1, 12, 0, 0, 250000)),
        ("2019-01-15 08:00:00", utc(2019, 1, 15, 13)),  # local EST
        ("  2019-01-15T08:00:00  ", utc(2019, 1, 15, 13)),  # trimmed
        ("2019-01-15t08:00:00", utc(2019, 1, 15, 13)),  # lower-case t: the general path
        ("2019-06-01T24:00:00", utc(2019, 6, 2, 4)),  # ISO 8601's end of day: next midnight
    ],
)
def test_timestamp_spellings(write_package, text: str, expected: datetime) -> None:
    pkg = shift_pkg(write_package, f's1,o1,"{text}",2019-06-30T00:00:00Z,regular')
    assert rows(pkg, "SELECT start FROM shifts") == [(expected,)]


@pytest.mark.parametrize(
    "text",
    [
        "2019-02-30T08:00",
        "2019-13-01T08:00",
        "yesterday",
        "2019-06-01",
        "06/01/2019 08:00",
        "2019-06-01T25:00",
        "2019-06-01T08:00+25:00",
        "2019-06-01T08:00 EST",
        "2019-02-30T08:00:00",  # the plain spelling, read by the fast path, is checked alike
        "2019-06-01 08:60:00",
        "2019-06-01T08:00:61",
    ],
)
def test_unparseable_timestamp_is_a_row_error(write_package, text: str) -> None:
    pkg = shift_pkg(write_package, f's1,o1,"{text}",2019-06-30T00:00:00Z,regular')
    assert codes(pkg) == [("shifts", 2, "start", "invalid_value")]
    assert pkg.loads["shifts"].rows_kept == 0
    assert pkg.exit_code == 1


@scaled(3, deadline=None)  # cheap examples
@given(
    st.lists(
        st.tuples(
            st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99),
            st.sampled_from("T "), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
        ),
        min_size=1, max_size=50,
    )
)  # fmt: skip
def test_plain_timestamps_read_as_the_general_path_reads_them(parts: list[tuple]) -> None:
    """The reader casts ``YYYY-MM-DD[T ]HH:MM:SS`` directly; any digits must give what splitting
    it with TIMESTAMP_RE gives, including NULL for impossible dates and times."""
    texts = [
        f"{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{sec:02}" for y, mo, d, sep, h, mi, sec in parts
    ]
    con = duckdb.connect()
    got = con.execute(
        f"""SELECT regexp_full_match(v, {sql_str(PLAIN_TIMESTAMP_RE)}), try_cast(v AS TIMESTAMP),
                   (SELECT try_cast(m.d || ' ' || m.t AS TIMESTAMP) FROM
                    (SELECT regexp_extract(v, {sql_str(TIMESTAMP_RE)}, ['d', 't', 'z']) AS m))
            FROM unnest(?) AS t(v)""",
        [texts],
    ).fetchall()
    for text, (plain, fast, general) in zip(texts, got, strict=True):
        assert plain, text
        assert fast == general, text


def test_dst_end_night_shift_lasts_nine_hours(write_package) -> None:
    # 2019-11-03 America/New_York: clocks go back from 02:00 EDT to 01:00 EST.
    pkg = shift_pkg(write_package, "s1,o1,2019-11-03T00:00,2019-11-03T08:00,regular")
    assert rows(pkg, 'SELECT start, "end", epoch("end") - epoch(start) FROM shifts') == [
        (utc(2019, 11, 3, 4), utc(2019, 11, 3, 13), 9 * 3600)
    ]


def test_repeated_hour_means_first_occurrence_and_is_a_finding(write_package) -> None:
    pkg = shift_pkg(write_package, "s1,o1,2019-11-03T01:30,2019-11-03T09:00,regular")
    assert rows(pkg, "SELECT start FROM shifts") == [(utc(2019, 11, 3, 5, 30),)]
    assert codes(pkg) == [("shifts", 2, "start", "ambiguous_local_time")]
    assert pkg.exit_code == 0


def test_skipped_hour_moves_forward_by_the_skip(write_package) -> None:
    # 2019-03-10: 02:30 does not exist; read with the offset before the skip (EST) = 03:30 EDT.
    pkg = shift_pkg(write_package, "s1,o1,2019-03-10T02:30,2019-03-10T10:00,regular")
    assert rows(pkg, 'SELECT start, epoch("end") - epoch(start) FROM shifts') == [
        (utc(2019, 3, 10, 7, 30), 6.5 * 3600)
    ]
    assert codes(pkg) == [("shifts", 2, "start", "skipped_local_time")]


def test_dst_crossing_package_in_chicago(write_package) -> None:
    """A week crossing the November change in America/Chicago, times with and without offsets."""
    pkg = shift_pkg(
        write_package,
        "a,o1,2019-11-02T22:00,2019-11-03T06:00,regular",  # 9 h: crosses 02:00 CDT -> 01:00 CST
        "b,o1,2019-11-03T01:00,2019-11-03T01:59:59,regular",  # inside the repeated hour
        "c,o1,2019-11-03T01:00-06:00,2019-11-03T02:00-06:00,regular",  # explicit 2nd occurrence
        "d,o1,2019-11-04T08:00,2019-11-04T16:00,regular",
        timezone="America/Chicago",
    )
    got = rows(pkg, 'SELECT shift_id, start, epoch("end") - epoch(start) FROM shifts')
    assert got == [
        ("a", utc(2019, 11, 3, 3), 9 * 3600),
        ("b", utc(2019, 11, 3, 6), 3599),
        ("c", utc(2019, 11, 3, 7), 3600),
        ("d", utc(2019, 11, 4, 14), 8 * 3600),
    ]
    assert codes(pkg) == [
        ("shifts", 3, "end", "ambiguous_local_time"),
        ("shifts", 3, "start", "ambiguous_local_time"),
        ("shifts", 3, "start", "overlapping_shifts"),  # b and c fall inside a (03:00-12:00Z)
        ("shifts", 4, "start", "overlapping_shifts"),
    ]


def test_no_timezone_file_means_utc(write_package) -> None:
    pkg = shift_pkg(write_package, "s1,o1,2019-11-03T01:30,2019-11-03T09:00,regular", timezone=None)
    assert rows(pkg, "SELECT start FROM shifts") == [(utc(2019, 11, 3, 1, 30),)]
    assert codes(pkg) == []


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("Y", True),
        ("n", False),
        ("t", True),
        ("F", False),
        ("1", True),
        ("0", False),
        ("", True),
    ],
)
def test_booleans(write_package, word: str, value: bool) -> None:
    pkg = onrecord.load(
        write_package(
            shifts="shift_id,officer_id,start,end,kind,uniformed\n"
            f"s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular,{word}\n"
        )
    )
    assert rows(pkg, "SELECT uniformed FROM shifts") == [(value,)]


def test_bad_boolean(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts="shift_id,officer_id,start,end,kind,uniformed\n"
            "s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular,maybe\n"
        )
    )
    assert codes(pkg) == [("shifts", 2, "uniformed", "invalid_value")]
    (p,) = pkg.problems()
    assert "maybe is not true/false" in p.message and p.file == "shifts.csv"


def test_camera_defaults_and_ranges(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts=SHIFTS_HEADER,
            cameras="""
        camera_id,station_id,battery_hours,recharge_hours,status
        c1,A1,,,
        c2,A1,13.5,9,REPAIR
        c3,A1,0,4,in_service
        c4,A1,12,-1,in_service
        c5,A1,12,4,broken
        c6,A1,twelve,4,retired
        """,
        )
    )
    assert rows(pkg, "SELECT camera_id, battery_hours, recharge_hours, status FROM cameras") == [
        ("c1", 12.0, 4.0, "in_service"),
        ("c2", 13.5, 9.0, "repair"),
    ]
    assert codes(pkg) == [
        ("cameras", 4, "battery_hours", "invalid_value"),
        ("cameras", 5, "recharge_hours", "invalid_value"),
        ("cameras", 6, "status", "invalid_value"),
        ("cameras", 7, "battery_hours", "invalid_value"),
    ]


def test_stations_dock_slots(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts=SHIFTS_HEADER,
            stations="station_id,name,dock_slots\nA1,District A-1,40\nB2,,\nC3,x,-2\nD4,x,2.5\n",
        )
    )
    assert rows(pkg, "SELECT station_id, name, dock_slots FROM stations") == [
        ("A1", "District A-1", 40),
        ("B2", None, 0),
    ]
    assert [c[1:] for c in codes(pkg)] == [
        (4, "dock_slots", "invalid_value"),
        (5, "dock_slots", "invalid_value"),
    ]


def test_officer_dates(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts=SHIFTS_HEADER,
            officers="""
        officer_id,trained_on,active_from,active_to
        o1,2019-05-31,2010-01-01,
        o2,,,
        o3,31/05/2019,,
        o4,2019-02-29,,
        """,
        )
    )
    assert rows(
        pkg, "SELECT officer_id, trained_on, active_from, active_to, uniformed FROM officers"
    ) == [
        ("o1", date(2019, 5, 31), date(2010, 1, 1), None, True),
        ("o2", None, None, None, True),
    ]
    assert [c[1:] for c in codes(pkg)] == [
        (4, "trained_on", "invalid_value"),
        (5, "trained_on", "invalid_value"),
    ]


def test_ids_are_trimmed_and_exact(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts=SHIFTS_HEADER
            + " 007 ,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"
            + "7,o1,2019-06-02T08:00Z,2019-06-02T16:00Z,regular\n"
            + "007,o1,2019-06-03T08:00Z,2019-06-03T16:00Z,regular\n"
        )
    )
    assert rows(pkg, "SELECT shift_id, _line FROM shifts") == [("007", 2), ("7", 3)]
    assert codes(pkg) == [("shifts", 4, "shift_id", "duplicate_key")]
    (p,) = pkg.problems()
    assert "already used on line 2" in p.message


def test_duplicate_keeps_first_valid_occurrence(write_package) -> None:
    pkg = shift_pkg(
        write_package,
        "s1,o1,not-a-time,2019-06-01T16:00Z,regular",
        "s1,o1,2019-06-02T08:00Z,2019-06-02T16:00Z,regular",
        "s1,o2,2019-06-03T08:00Z,2019-06-03T16:00Z,regular",
    )
    assert rows(pkg, "SELECT shift_id, officer_id, _line FROM shifts") == [("s1", "o1", 3)]
    assert codes(pkg) == [
        ("shifts", 2, "start", "invalid_value"),
        ("shifts", 4, "shift_id", "duplicate_key"),
    ]
    assert pkg.loads["shifts"].excluded == {"duplicate_key": 1, "invalid_value": 1}


def test_intervals(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts=SHIFTS_HEADER
            + "s1,o1,2019-06-01T08:00Z,2019-06-01T08:00Z,regular\n"
            + "s2,o1,2019-06-01T08:00Z,2019-06-01T07:59:59Z,regular\n",
            encounters="""
        encounter_id,officer_id,type,start,end
        e1,o1,arrest,2019-06-01T08:00Z,2019-06-01T08:00Z
        e2,o1,arrest,2019-06-01T08:00Z,2019-06-01T07:00Z
        """,
        )
    )
    assert rows(pkg, "SELECT encounter_id FROM encounters") == [("e1",)]
    assert codes(pkg) == [
        ("encounters", 3, "end", "end_before_start"),
        ("shifts", 2, "end", "zero_length_shift"),
        ("shifts", 3, "end", "end_before_start"),
    ]


def test_required_values_and_vocabulary(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts=SHIFTS_HEADER
            + ",o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"
            + "s2,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,\n"
            + "s3,o1,2019-06-01T08:00Z,2019-06-01T16:00Z, Paid_Detail \n"
            + "s4,o2,2019-06-01T08:00Z,2019-06-01T16:00Z,detail\n",
            device_events="camera_id,at,event,battery_pct\nc1,2019-06-01T08:00Z,Undock,99.5\n"
            "c1,2019-06-01T08:00Z,lost,\nc1,2019-06-01T08:00Z,dock,101\n",
        )
    )
    assert rows(pkg, "SELECT shift_id, kind FROM shifts") == [
        ("s3", "paid_detail"),
        ("s4", "detail"),
    ]
    assert rows(pkg, "SELECT event, battery_pct FROM device_events") == [("undock", 99.5)]
    assert codes(pkg) == [
        ("device_events", 3, "event", "invalid_value"),
        ("device_events", 4, "battery_pct", "invalid_value"),
        ("shifts", 2, "shift_id", "missing_value"),
        ("shifts", 3, "kind", "missing_value"),
        ("shifts", 5, "kind", "unlisted_word"),
    ]


def test_recording_optional_values(write_package) -> None:
    digest = "AB" * 32
    pkg = onrecord.load(
        write_package(
            shifts=SHIFTS_HEADER,
            recordings=f"""
        recording_id,officer_id,start,end,size_bytes,sha256
        r1,o1,2019-06-01T08:00Z,2019-06-01T08:10Z,1000,{digest}
        r2,o1,2019-06-01T09:00Z,2019-06-01T09:10Z,-5,
        r3,o1,2019-06-01T10:00Z,2019-06-01T10:10Z,,abc
        """,
        )
    )
    assert rows(pkg, "SELECT recording_id, size_bytes, sha256 FROM recordings") == [
        ("r1", 1000, digest.lower())
    ]
    assert [c[1:] for c in codes(pkg)] == [
        (3, "size_bytes", "invalid_value"),
        (4, "sha256", "invalid_value"),
    ]


def test_unknown_columns_are_kept(write_package) -> None:
    pkg = shift_pkg(write_package)
    pkg = onrecord.load(
        write_package(
            shifts="OTCODE,shift_id,officer_id,start,end,kind\n"
            "409,s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,overtime\n"
        )
    )
    assert rows(pkg, 'SELECT "OTCODE", shift_id FROM shifts') == [("409", "s1")]
