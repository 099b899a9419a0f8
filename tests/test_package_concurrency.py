"""Reading a package's files several at once (``load(workers=n)``, the default) gives what
reading them one after another does (``workers=1``, the plain path): the same kept rows, line
numbers, problems and messages, counts, and the same structural error for a file that cannot be
read."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import given

import onrecord
from hypothesis_scale import slow
from onrecord import StructuralError
from onrecord.package import loader
from onrecord.package.files import TableFile
from onrecord.package.loader import Package
from onrecord.package.reader import TableLoad
from package_generator import GenPackage, write_package
from package_writer import WritePackage
from test_package_properties import Corruption, corrupted_packages


def everything(pkg: Package) -> dict[str, Any]:
    """All that a load leaves: each table's kept rows in line order, every problem, the loads'
    counts and the data-quality summary."""
    tables = {
        name: pkg.con.execute(f'SELECT * FROM "{name}" ORDER BY _line').fetchall()
        for name in pkg.loads
    }
    problems = sorted(
        (p.severity.value, p.code.value, p.table, p.file, p.line or 0, p.column or "",
         p.message, p.value or "")
        for p in pkg.problems()
    )  # fmt: skip
    loads = [
        (n, ld.rows_read, ld.rows_kept, ld.excluded, list(ld.view)) for n, ld in pkg.loads.items()
    ]
    return {"tables": tables, "problems": problems, "loads": loads,
            "quality": pkg.data_quality().model_dump()}  # fmt: skip


def outcome(root: Path, workers: int, **kw: Any) -> Any:
    """What ``load`` gives: everything, or the structural error's problems."""
    try:
        return everything(onrecord.load(root, workers=workers, **kw))
    except StructuralError as e:
        return [(p.file, p.line, p.message) for p in e.problems]


def assert_same(root: Path, **kw: Any) -> Any:
    plain = outcome(root, 1, **kw)
    for workers in (2, 4):
        assert outcome(root, workers, **kw) == plain, workers
    return plain


BAD_PACKAGE = {
    "stations": "station_id,name\nA1,North\nA1,Again\n",
    "officers": (
        "officer_id,station_id,active_from,active_to\n"
        "o1,A1,2019-01-01,2019-06-30\no2,Z9,,\no3,A1,not a date,\n"
    ),
    "cameras": "camera_id,assigned_officer_id,station_id\nc1,o7,A1\nc2,o2,A1\n",
    "shifts": (
        "shift_id,officer_id,start,end,kind\n"
        "s1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"
        "s2,o1,2019-06-01T12:00Z,2019-06-01T20:00Z,bicycle\n"
        '"s3\nspanning",o9,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n'
        "s4,o2,2019-06-01T08:00Z,2019-06-01T08:00Z,regular\n"
        "s1,o2,2019-06-02T08:00Z,2019-06-02T16:00Z,regular\n"
        "s5,o1,2019-08-01T08:00Z,2019-08-01T16:00Z,regular\n"
    ),
    "encounters": (
        "encounter_id,officer_id,type,start,end\n"
        "e1,o8,arrest,2019-06-01T09:00Z,2019-06-01T09:30Z\n"
        'e2,o1,"broken "quote,2019-06-01T09:00Z,2019-06-01T09:30Z\n'
        "e3,o1,haircut,2019-06-01T09:00Z,2019-06-01T08:30Z\n"
        "e4,o1,arrest,yesterday,2019-06-01T09:30Z\n"
    ),
    "recordings": (
        "recording_id,officer_id,camera_id,start,end\n"
        "r1,o1,c1,2019-06-01T09:00Z,2019-06-01T09:30Z\n"
        "r2,o1,c2,2019-06-01T09:10Z,2019-06-01T09:20Z\n"
        "r3,,c1,2019-06-01T10:00Z,2019-06-01T10:30Z\n"
        "r4,o1,c9,2019-08-02T10:00Z,2019-08-02T10:30Z\n"
    ),
    "device_events": (
        "camera_id,at,event,officer_id\nc1,2019-06-01T08:00Z,undock,o6\nc8,2019-06-01T08:00Z,dock,o1\n"
    ),
}


def test_a_package_with_every_kind_of_problem_loads_alike(write_package: WritePackage) -> None:
    got = assert_same(write_package(**BAD_PACKAGE))
    codes = {p[1] for p in got["problems"]}
    # the package exercises row errors of every stage and findings across tables
    assert {"malformed_row", "invalid_value", "duplicate_key", "end_before_start",
            "zero_length_shift", "unknown_officer", "unknown_station", "unknown_camera",
            "unlisted_word", "outside_employment", "overlapping_shifts", "two_cameras_at_once",
            "unassigned_footage"} <= codes  # fmt: skip
    # the spanning id's row is numbered by its first line, the rows after it by their own
    shifts = {p[4] for p in got["problems"] if p[2] == "shifts" and p[1] == "unknown_officer"}
    assert shifts == {4}
    assert [r[-1] for r in got["tables"]["shifts"]] == [2, 3, 4, 8]  # 6 and 7 excluded


def test_loading_some_columns_alike(write_package: WritePackage) -> None:
    from onrecord.audit import engine

    assert_same(write_package(**BAD_PACKAGE), columns=engine.COLUMNS)


def test_the_tables_come_in_the_contracts_order(write_package: WritePackage) -> None:
    pkg = onrecord.load(write_package(**BAD_PACKAGE), workers=4)
    assert list(pkg.loads) == [
        "stations", "officers", "cameras", "shifts", "encounters", "recordings", "device_events",
    ]  # fmt: skip


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_the_first_unreadable_file_in_the_contracts_order_is_the_error(
    write_package: WritePackage, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Two files cannot be read: the error names the one the plain path meets first, whichever
    a worker finishes first (here the later one is also the smaller, so it is read first)."""
    read = loader.read_table

    def fails(con: Any, tf: TableFile, tz: str, keep: Any = None) -> TableLoad:
        if tf.table in ("encounters", "device_events"):
            raise ValueError(f"no good: {tf.table}")
        return read(con, tf, tz, keep)

    monkeypatch.setattr(loader, "read_table", fails)
    with pytest.raises(StructuralError) as e:
        onrecord.load(write_package(**BAD_PACKAGE), workers=workers)
    [problem] = e.value.problems
    assert (problem.file, problem.message) == (
        "encounters.csv",
        "cannot be read: no good: encounters; re-export the file",
    )


def test_a_file_duckdb_refuses_is_reported_alike(write_package: WritePackage) -> None:
    """A file with mixed line ends (read from a copy) and a quote never closed (a row longer than
    DuckDB reads): the reader's slow paths, on a thread beside the other files."""
    root = write_package(**BAD_PACKAGE)
    (root / "encounters.csv").write_bytes(
        b"encounter_id,officer_id,type,start,end\r\n"
        b"e1,o1,arrest,2019-06-01T09:00Z,2019-06-01T09:30Z\n"
        b'e2,o1,"' + b"x" * 2_100_000 + b"\n"
    )
    assert_same(root)


@slow(0.3)
@given(corrupted_packages("csv"))
def test_csv_packages_with_random_defects_load_alike(
    case: tuple[GenPackage, set[Corruption]],
) -> None:
    gen, _ = case
    with TemporaryDirectory() as d:
        write_package(Path(d), gen, "csv")
        assert_same(Path(d))


@slow(0.1)
@given(corrupted_packages("parquet"))
def test_parquet_packages_with_random_defects_load_alike(
    case: tuple[GenPackage, set[Corruption]],
) -> None:
    gen, _ = case
    with TemporaryDirectory() as d:
        write_package(Path(d), gen, "parquet")
        assert_same(Path(d))
