"""Findings: facts the auditor must see, each on hand-made rows with the expected lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

import onrecord
from hypothesis_scale import scaled
from onrecord.package.findings import _officers_with_overlap
from onrecord.package.loader import Package


def findings(pkg: Package, code: str) -> list[tuple]:
    return sorted((p.table, p.line, p.column, p.value) for p in pkg.problems() if p.code == code)


OFFICERS = """
officer_id,station_id,active_from,active_to
o1,A1,2019-01-01,2019-06-30
o2,B2,,
"""


def test_unknown_officers_in_every_table(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            officers=OFFICERS,
            shifts="shift_id,officer_id,start,end,kind\n"
            "s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"
            "s2,o9,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n",
            encounters="encounter_id,officer_id,type,start,end\n"
            "e1,o8,arrest,2019-06-01T09:00Z,2019-06-01T09:30Z\n",
            recordings="recording_id,officer_id,start,end\n"
            "r1,O1,2019-06-01T09:00Z,2019-06-01T09:30Z\n",
            cameras="camera_id,assigned_officer_id\nc1,o7\nc2,o2\n",
            device_events="camera_id,at,event,officer_id\nc1,2019-06-01T08:00Z,undock,o6\n",
        )
    )
    assert findings(pkg, "unknown_officer") == [
        ("cameras", 2, "assigned_officer_id", "o7"),
        ("device_events", 2, "officer_id", "o6"),
        ("encounters", 2, "officer_id", "o8"),
        ("recordings", 2, "officer_id", "O1"),  # ids are exact: O1 is not o1
        ("shifts", 3, "officer_id", "o9"),
    ]
    assert pkg.exit_code == 0


def test_no_officers_table_means_no_unknown_officer_finding(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts="shift_id,officer_id,start,end,kind\n"
            "s2,o9,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"
        )
    )
    assert findings(pkg, "unknown_officer") == []


def test_unassigned_footage_is_kept(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts="shift_id,officer_id,start,end,kind\n",
            recordings="recording_id,officer_id,start,end\n"
            "r1,,2019-06-01T09:00Z,2019-06-01T09:30Z\nr2,o1,2019-06-01T09:00Z,2019-06-01T09:30Z\n",
        )
    )
    assert findings(pkg, "unassigned_footage") == [("recordings", 2, "officer_id", "r1")]
    assert pkg.loads["recordings"].rows_kept == 2


def test_two_cameras_at_once(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts="shift_id,officer_id,start,end,kind\n",
            recordings="""
        recording_id,officer_id,camera_id,start,end
        r1,o1,c1,2019-06-01T09:00Z,2019-06-01T10:00Z
        r2,o1,c1,2019-06-01T09:30Z,2019-06-01T11:00Z
        r3,o1,c2,2019-06-01T10:30Z,2019-06-01T10:45Z
        r4,o1,c2,2019-06-01T11:00Z,2019-06-01T11:10Z
        r5,o2,c3,2019-06-01T09:00Z,2019-06-01T10:00Z
        r6,o3,c3,2019-06-01T09:00Z,2019-06-01T10:00Z
        r7,o2,c4,2019-06-01T10:00Z,2019-06-01T10:30Z
        """,
        )
    )
    # r2 overlaps r1 on the same camera (not a finding); r3 overlaps c1's island 09:00-11:00;
    # r4 starts exactly when that island ends (half-open: no overlap); r5/r6 are two officers on
    # one camera, r7 follows r5 back to back: neither is two cameras at once.
    assert findings(pkg, "two_cameras_at_once") == [("recordings", 4, "camera_id", "r3")]


def test_outside_employment_uses_local_dates(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            officers=OFFICERS,
            shifts="""
        shift_id,officer_id,start,end,kind
        s1,o1,2019-06-30T22:00,2019-07-01T06:00,regular
        s2,o1,2019-07-01T00:30,2019-07-01T08:00,regular
        s3,o1,2018-12-31T23:00,2019-01-01T07:00,regular
        s4,o2,2030-01-01T08:00,2030-01-01T16:00,regular
        """,
            recordings="recording_id,officer_id,start,end\n"
            "r1,o1,2019-07-01T03:30Z,2019-07-01T04:30Z\n",  # 23:30 on 30 June in New York
        )
    )
    assert findings(pkg, "outside_employment") == [
        ("shifts", 3, "start", "s2"),
        ("shifts", 4, "start", "s3"),
    ]


@pytest.mark.parametrize("timezone", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_outside_employment_at_the_widest_offsets(write_package, timezone: str) -> None:
    """UTC+14 and UTC-12: local dates a day away from the UTC date are still read locally."""
    pkg = onrecord.load(
        write_package(
            timezone=timezone,
            officers=OFFICERS,
            shifts="""
        shift_id,officer_id,start,end,kind
        s1,o1,2018-12-31T00:00,2018-12-31T08:00,regular
        s2,o1,2019-01-01T00:00,2019-01-01T08:00,regular
        s3,o1,2019-06-30T23:30,2019-07-01T06:00,regular
        s4,o1,2019-07-01T00:00,2019-07-01T08:00,regular
        s5,o1,2018-12-31T10:00Z,2018-12-31T18:00Z,regular
        s6,o1,2019-06-30T11:00Z,2019-06-30T19:00Z,regular
        """,
        )
    )
    # s5 is 1 January (Kiritimati) or 30 December (UTC-12); s6 1 July or 29 June
    outside = ["s1", "s4", "s6"] if timezone == "Pacific/Kiritimati" else ["s1", "s4", "s5"]
    assert [v for *_, v in findings(pkg, "outside_employment")] == outside


def test_unknown_station_camera_and_overlapping_shifts(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            stations="station_id\nA1\n",
            officers="officer_id,station_id\no1,A1\no2,Z9\n",
            cameras="camera_id,station_id\nc1,A1\nc2,B2\n",
            shifts="""
        shift_id,officer_id,start,end,kind,station_id
        s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular,A1
        s2,o1,2019-06-01T16:00Z,2019-06-01T20:00Z,overtime,C3
        s3,o1,2019-06-01T19:00Z,2019-06-01T23:00Z,paid_detail,
        """,
            recordings="recording_id,officer_id,camera_id,start,end\n"
            "r1,o1,c9,2019-06-01T09:00Z,2019-06-01T09:30Z\n",
            device_events="camera_id,at,event\nc8,2019-06-01T08:00Z,dock\n",
        )
    )
    assert findings(pkg, "unknown_station") == [
        ("cameras", 3, "station_id", "B2"),
        ("officers", 3, "station_id", "Z9"),
        ("shifts", 3, "station_id", "C3"),
    ]
    assert findings(pkg, "unknown_camera") == [
        ("device_events", 2, "camera_id", "c8"),
        ("recordings", 2, "camera_id", "c9"),
    ]
    # s2 starts exactly when s1 ends (half-open: fine); s3 starts before s2 ends.
    assert findings(pkg, "overlapping_shifts") == [("shifts", 4, "start", "s3")]


def test_groups_count_and_exemplify(write_package) -> None:
    pkg = onrecord.load(
        write_package(
            shifts="shift_id,officer_id,start,end,kind\n"
            "s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,detail\n"
            "s2,o1,2019-06-02T08:00Z,2019-06-02T16:00Z,detail\n"
            "s3,o1,2019-06-03T08:00Z,x,regular\n"
        )
    )
    groups = {(g.code.value, g.table, g.column): (g.count, g.example.line) for g in pkg.groups()}
    assert groups == {
        ("unlisted_word", "shifts", "kind"): (2, 2),
        ("invalid_value", "shifts", "end"): (1, 4),
    }
    assert [g.severity.value for g in pkg.groups()] == ["row", "finding"]


@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 20), st.integers(0, 6)), max_size=12)
)
@scaled(3, deadline=None)  # cheap examples
def test_the_overlap_prefilter_finds_every_officer_with_an_overlap(rows) -> None:
    """Officers with two rows where one starts while the other runs (same start included, but
    not an instant at the start of another row): ties and instants in any order."""
    con = duckdb.connect()
    con.execute('CREATE TABLE t (officer_id VARCHAR, start INTEGER, "end" INTEGER)')
    intervals = [(o, s, s + n) for o, s, n in rows]
    if intervals:
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", intervals)
    _officers_with_overlap(con, "t", "true")
    got = sorted(r[0] for r in con.execute("SELECT officer_id FROM _overlapping").fetchall())
    expected = sorted(
        {
            o
            for i, (o, s, e) in enumerate(intervals)
            for j, (o2, s2, _) in enumerate(intervals)
            if i != j and o == o2 and s <= s2 < e
        }
    )
    assert got == expected


DAY0 = datetime(2019, 6, 1, tzinfo=UTC)


@given(
    st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 6)), st.integers(0, 4)), max_size=3),
    st.lists(st.tuples(st.integers(0, 2), st.integers(-4 * 48, 10 * 48)), max_size=14),
)
@scaled(0.4, deadline=None)  # a package loaded per example
def test_outside_employment_is_every_start_outside_the_local_dates(officers, shifts) -> None:
    """Against the definition, start by start: whatever the officers' dates and however close
    to midnight (local or UTC) the starts fall, the officers left out of the join beforehand
    included."""
    zone = ZoneInfo("America/New_York")
    dates = [(None if a is None else date(2019, 6, 1) + timedelta(days=a), n) for a, n in officers]
    bounds = {
        f"o{i}": (a, None if n == 0 else (a or date(2019, 6, 3)) + timedelta(days=n - 1))
        for i, (a, n) in enumerate(dates)
    }
    starts = [(f"o{o}", DAY0 + timedelta(minutes=30 * k)) for o, k in shifts]
    with TemporaryDirectory() as d:
        root = Path(d)
        (root / "department.yaml").write_text("timezone: America/New_York\n")
        (root / "officers.csv").write_text(
            "officer_id,active_from,active_to\n"
            + "".join(f"{o},{a or ''},{b or ''}\n" for o, (a, b) in bounds.items())
        )
        (root / "shifts.csv").write_text(
            "shift_id,officer_id,start,end,kind\n"
            + "".join(
                f"s{i},{o},{s:%Y-%m-%dT%H:%MZ},{s + timedelta(hours=1):%Y-%m-%dT%H:%MZ},regular\n"
                for i, (o, s) in enumerate(starts)
            )
        )
        (root / "recordings.csv").write_text("recording_id,officer_id,start,end\n")
        pkg = onrecord.load(root)
        got = [v for *_, v in findings(pkg, "outside_employment")]
    expected = []
    for i, (o, s) in enumerate(starts):
        a, b = bounds.get(o, (None, None))
        day = s.astimezone(zone).date()
        if (a is not None and day < a) or (b is not None and day > b):
            expected.append(f"s{i}")
    assert got == expected
