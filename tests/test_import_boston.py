"""The shipped boston-2019 mapping on the real Boston 2019 releases (slices and full size)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from onrecord.importers.engine import ImportResult, run_import
from onrecord.importers.fields import ValueMapper
from onrecord.importers.mapping import CopyField, load_mapping

DATA = Path(__file__).parents[2] / "shared" / "data" / "boston"
DOCS = Path(__file__).parents[1] / "docs" / "import.md"
pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"the real Boston data is not at {DATA} (see shared/data/README.md)"
)


def read(out: Path, table: str) -> list[dict[str, str]]:
    with (out / f"{table}.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def cut(name: str, lines: list[int], folder: Path) -> None:
    """Copy the header and the given file lines (1 = header) of a real file into ``folder``."""
    text = (DATA / name).read_text().splitlines(keepends=True)
    (folder / name).write_text("".join([text[0], *(text[n - 1] for n in lines)]))


@pytest.fixture(scope="module")
def boston_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("boston-src")
    cut("2019_overtime_events.csv", [2, 5, 2355, 3546, 14727], source)
    cut("2019_court_overtime.csv", [2, 1535], source)
    cut("2019_field_contacts.csv", [2, 3, 13, 14], source)
    out = tmp_path_factory.mktemp("boston-out")
    run_import(load_mapping("boston-2019"), source, out)
    return out


def test_overtime_rows_hand_checked(boston_slice: Path) -> None:
    shifts = read(boston_slice, "shifts")
    first = shifts[0]
    assert {k: first[k] for k in ("shift_id", "officer_id", "start", "end", "kind")} == {
        "shift_id": "ot-Ba093b64a27-2019-01-01T07:30:00",
        "officer_id": "Ba093b64a27",
        "start": "2019-01-01T07:30:00",
        "end": "2019-01-01T16:00:00",
        "kind": "paid_detail",  # charged to NATIONAL GRID, NE DIVISION
    }
    assert (first["station_id"], first["unit"], first["rank"]) == (
        "DISTRICT 01",
        "DISTRICT 01",
        "Sergt",
    )
    assert (first["charged_desc"], first["otcode"], first["source_row"]) == (
        "NATIONAL GRID, NE DIVISION",
        "492",
        "2",
    )
    # Line 5: STARTTIME 2345, ENDTIME 0730 -> the tour ends the next morning.
    overnight = shifts[1]
    assert (overnight["start"], overnight["end"]) == ("2019-01-01T23:45:00", "2019-01-02T07:30:00")
    # Charged to a district and to a detective squad (the two regex rules), to special events.
    assert [(s["charged_desc"], s["kind"]) for s in shifts[2:5]] == [
        ("DISTRICT 13", "overtime"),
        ("E-13 DCU SQUAD", "overtime"),
        ("SPECIAL EVENTS", "overtime"),
    ]
    assert (shifts[4]["start"], shifts[4]["end"], shifts[4]["otcode"]) == (
        "2019-08-31T08:00:00",
        "2019-08-31T18:00:00",
        "409",
    )


def test_court_rows_hand_checked(boston_slice: Path) -> None:
    court = [
        s for s in read(boston_slice, "shifts") if s["source_file"] == "2019_court_overtime.csv"
    ]
    assert [(s["start"], s["end"], s["kind"]) for s in court] == [
        ("2019-01-02T08:30:00", "2019-01-02T11:00:00", "court"),
        ("2019-01-16T08:45:00", "2019-01-16T10:00:00", "court"),
    ]
    assert court[0]["shift_id"] == "court-B7daa575abd-2019-01-02T08:30:00"
    assert (court[0]["description"], court[0]["wrkdhrs"], court[0]["othours"]) == (
        "PROBATION HEARING",
        "2.5",
        "4",
    )


def test_field_contacts_become_pedestrian_stops(boston_slice: Path) -> None:
    stops = {e["encounter_id"]: e for e in read(boston_slice, "encounters")}
    assert list(stops) == ["FC19000002", "FC19000003", "FC19000069"]
    assert (stops["FC19000002"]["start"], stops["FC19000002"]["end"]) == (
        "2019-09-29T09:00:00",
        "2019-09-29T10:00:00",
    )
    # stop_duration NULL -> an instant.
    assert stops["FC19000003"]["start"] == stops["FC19000003"]["end"] == "2019-09-29T10:21:00"
    # One contact written as a row per legal basis in the release is one encounter.
    merged = stops["FC19000069"]
    assert (merged["type"], merged["incident_id"], merged["end"]) == (
        "pedestrian_stop",
        "FC19000069",
        "2019-10-01T12:20:00",
    )
    assert merged["basis"] == "Reasonable Suspicion; Encounter"
    assert merged["source_row"] == "4; 5"


def test_officers_stations_and_empty_recordings(boston_slice: Path) -> None:
    officers = {o["officer_id"]: o for o in read(boston_slice, "officers")}
    assert officers["B7daa575abd"] == {
        "officer_id": "B7daa575abd",
        "station_id": "DISTRICT 18",
        "unit": "DISTRICT 18",
        "rank": "Ptl",
    }
    # Known only from a field contact: an officer without attributes.
    assert officers["B52bff666d8"]["station_id"] == ""
    assert {"DISTRICT 01", "A-1   DETECTIVES"} <= {
        s["station_id"] for s in read(boston_slice, "stations")
    }
    assert read(boston_slice, "recordings") == []
    header = (boston_slice / "recordings.csv").read_text().splitlines()
    assert header == ['"recording_id","officer_id","start","end","camera_id","stop_reason",'
                      '"category","incident_id","size_bytes","sha256"']  # fmt: skip


@pytest.fixture
def boston_full(boston_import: tuple[ImportResult, Path]) -> tuple[ImportResult, Path]:
    """The full import, made once per run (``conftest.py``; the real-data audit and plan tests
    read the same package)."""
    return boston_import


def test_full_import_counts(boston_full: tuple[ImportResult, Path]) -> None:
    result, _ = boston_full
    assert {t.name: t.rows for t in result.tables} == {
        "stations": 127,
        "officers": 2201,
        "shifts": 20980 + 26753,
        "encounters": 1709 - 19,
        "recordings": 0,
    }
    assert result.merged == 19
    # Every value parsed and every CHARGED_DESC was classified (no default used).
    assert result.unparsed == [] and result.defaulted == []
    assert result.seconds > 0  # reported; how long it takes is bench/'s to measure


def test_straight_pride_day(boston_full: tuple[ImportResult, Path]) -> None:
    """README: on 2019-08-31 there are 1,084 overtime rows, 1,032 of them OTCODE 409."""
    _, out = boston_full
    day = [
        s
        for s in read(out, "shifts")
        if s["source_file"] == "2019_overtime_events.csv" and s["start"].startswith("2019-08-31")
    ]
    assert len(day) == 1084
    assert sum(s["otcode"] == "409" for s in day) == 1032
    assert Counter(s["kind"] for s in day) == {"overtime": 1045, "paid_detail": 39}


def test_every_shift_has_positive_length(boston_full: tuple[ImportResult, Path]) -> None:
    _, out = boston_full
    shifts = read(out, "shifts")
    assert all(s["start"] < s["end"] for s in shifts)
    overnight = [s for s in shifts if s["end"][:10] > s["start"][:10]]
    assert len(overnight) == 3735  # the rows whose ENDTIME is before their STARTTIME


def test_docs_classify_every_charged_desc_as_the_mapping_does() -> None:
    """docs/import.md lists each CHARGED_DESC value with its class: keep it true."""
    spec = load_mapping("boston-2019").tables["shifts"].sources[0].columns["kind"]  # type: ignore[index]
    assert isinstance(spec, CopyField) and spec.map is not None
    mapper = ValueMapper(spec.map)
    documented = dict(
        re.findall(r"^\| `([^`]+)` \| \d+ \| (\w+) \|", DOCS.read_text(encoding="utf-8"), re.M)
    )
    with (DATA / "2019_overtime_events.csv").open(newline="") as f:
        values = {row["CHARGED_DESC"] for row in csv.DictReader(f)}
    assert set(documented) == values
    assert {v: mapper(v) for v in values} == documented
