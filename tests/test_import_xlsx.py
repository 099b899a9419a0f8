"""Spreadsheet sources: cell types as calamine gives them, and the shipped tjjd-2019 mapping."""

from __future__ import annotations

import csv
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from python_calamine import CalamineWorkbook

from onrecord.importers.engine import ImportResult, run_import
from onrecord.importers.errors import ImporterError
from onrecord.importers.mapping import load_mapping

DATA = Path(__file__).parents[2] / "shared" / "data" / "tjjd-2019"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"the real TJJD data is not at {DATA} (see shared/data/README.md)"
)

Cell = str | float | bool | date | time | datetime | None
_EPOCH = datetime(1899, 12, 30)
_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
    '<xf numFmtId="21" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _cell(ref: str, value: Cell) -> str:
    """One cell as Excel stores it: dates and times are day serials with a date/time style."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="3"><v>{(value - _EPOCH) / timedelta(days=1)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, time):
        since_midnight = datetime.combine(_EPOCH, value) - _EPOCH
        return f'<c r="{ref}" s="2"><v>{since_midnight / timedelta(days=1)!r}</v></c>'
    return f'<c r="{ref}"><v>{value!r}</v></c>'


def write_xlsx(path: Path, sheets: dict[str, list[list[Cell]]]) -> None:
    """A minimal workbook (inline strings, date/time styles), enough for calamine to read."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w") as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{_MAIN}.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{_PKG}/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_MAIN}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_MAIN}.styles+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {_NS} xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, n in enumerate(names, start=1)
            )
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG}/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        z.writestr("xl/styles.xml", _STYLES)
        for i, rows in enumerate(sheets.values(), start=1):
            body = "".join(
                f'<row r="{r}">'
                + "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row))
                + "</row>"
                for r, row in enumerate(rows, start=1)
            )
            z.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f"<worksheet {_NS}><sheetData>{body}</sheetData></worksheet>",
            )


UNIT_MAPPING = """
department: {name: Test, timezone: America/Chicago}
tables:
  shifts:
    sources:
      - file: shifts.xlsx
        sheet: Shifts
        columns:
          shift_id: Shift ID
          officer_id: Employee ID
          start: {date: Start Date, time: Start Time, round: second}
          end: {date: End Date, time: End Time, round: second, next_day_if_before: start}
          kind: {value: regular}
          length_hours: Length
          planned_at: {datetime: Planned}
"""


def unit_import(tmp_path: Path, rows: list[list[Cell]], text: str = UNIT_MAPPING) -> Path:
    source = tmp_path / "src"
    source.mkdir(parents=True)
    header: list[Cell] = [
        "Shift ID", "Employee ID", "Start Date", "Start Time", "End Date", "End Time", "Length",
        "Planned",
    ]  # fmt: skip
    write_xlsx(source / "shifts.xlsx", {"Notes": [["ignore me"]], "Shifts": [header, *rows]})
    (tmp_path / "m.yaml").write_text(text)
    run_import(load_mapping(tmp_path / "m.yaml"), source, tmp_path / "out")
    return tmp_path / "out"


def read(out: Path, table: str) -> list[dict[str, str]]:
    with (out / f"{table}.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def test_spreadsheet_cells_are_handled_by_type(tmp_path: Path) -> None:
    d = date(2019, 4, 1)
    rows: list[list[Cell]] = [
        ["C1", 9001411.0, d, time(6, 59, 59, 999000), d, time(15, 29, 59, 998000), 8.0,
         datetime(2019, 3, 1, 9, 30)],
        [],  # an empty row: skipped, but the next row keeps its spreadsheet number
        ["C2", 12.5, d, time(22, 0, 0, 2000), d, time(6, 0), 9.5, None],
        [1234.0, True, d, time(23, 59, 59, 600000), d + timedelta(days=1), time(8), 0.0, None],
    ]  # fmt: skip
    out = unit_import(tmp_path, rows)
    got = read(out, "shifts")
    assert got[0] == {
        "shift_id": "C1",
        "officer_id": "9001411",  # a whole number loses the spreadsheet's ".0"
        "start": "2019-04-01T07:00:00",  # 06:59:59.999 to the nearest second
        "end": "2019-04-01T15:30:00",
        "kind": "regular",
        "length_hours": "8",
        "planned_at": "2019-03-01T09:30:00",
        "source_file": "shifts.xlsx",
        "source_row": "2",
    }
    assert (got[1]["officer_id"], got[1]["length_hours"], got[1]["source_row"]) == (
        "12.5",
        "9.5",
        "4",
    )
    assert (got[1]["start"], got[1]["end"]) == ("2019-04-01T22:00:00", "2019-04-02T06:00:00")
    assert (got[2]["shift_id"], got[2]["officer_id"]) == ("1234", "true")
    assert got[2]["start"] == "2019-04-02T00:00:00"  # rounding crosses midnight


def test_first_sheet_by_default_and_missing_sheet_named(tmp_path: Path) -> None:
    with pytest.raises(ImporterError) as caught:
        unit_import(tmp_path, [], UNIT_MAPPING.replace("sheet: Shifts", "sheet: Shift"))
    assert caught.value.key == "tables.shifts.sources[0].sheet"
    assert "Notes, Shifts" in str(caught.value)
    with pytest.raises(ImporterError, match="no column 'Shift ID'") as caught:
        unit_import(tmp_path / "b", [], UNIT_MAPPING.replace("        sheet: Shifts\n", ""))
    assert (caught.value.file, caught.value.row) == ("shifts.xlsx", 1)


def test_unparsed_spreadsheet_value_names_the_row(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    header: list[Cell] = ["Shift ID", "Employee ID", "Start Date", "Start Time", "End Date",
                          "End Time", "Length", "Planned"]  # fmt: skip
    bad: list[Cell] = ["C1", 1.0, "someday", time(6), date(2019, 4, 1), time(7), 1.0, None]
    write_xlsx(source / "shifts.xlsx", {"Shifts": [header, bad]})
    (tmp_path / "m.yaml").write_text(UNIT_MAPPING)
    result = run_import(load_mapping(tmp_path / "m.yaml"), source, tmp_path / "out")
    assert [str(u).split(":")[0] for u in result.unparsed] == ["shifts.xlsx row 2"]
    assert read(tmp_path / "out", "shifts")[0]["start"] == "someday 06:00:00"


# --- the shipped tjjd-2019 mapping on the real data ------------------------------------------


def real_rows(name: str) -> list[list[Cell]]:
    return CalamineWorkbook.from_path(str(DATA / name)).get_sheet_by_name("Sheet1").to_python()


@pytest.fixture(scope="module")
def tjjd_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few real rows of each file, cut at run time with their cell types untouched."""
    source = tmp_path_factory.mktemp("tjjd-src")
    footage = real_rows("footage_data.xlsx")
    clips = {151033.0, 155559.0}
    write_xlsx(
        source / "footage_data.xlsx",
        {"Sheet1": [footage[0], *(r for r in footage[1:] if r[0] in clips)]},
    )
    shifts = real_rows("shift_data.xlsx")
    wanted = {"C050010", "A050034", "A050045", "D054634"}
    write_xlsx(
        source / "shift_data.xlsx",
        {"Sheet1": [shifts[0], *(r for r in shifts[1:] if r[0] in wanted)]},
    )
    hr = (DATA / "hr_data.csv").read_text().splitlines()
    keep = [hr[0], *(line for line in hr if line.startswith(("9002330,", "9001411,", "9003860,")))]
    (source / "hr_data.csv").write_text("\n".join(keep) + "\n")
    out = tmp_path_factory.mktemp("tjjd-out")
    run_import(load_mapping("tjjd-2019"), source, out)
    return out


@needs_data
def test_tjjd_clips_keep_their_offset_and_ids_are_clean(tjjd_slice: Path) -> None:
    clips = {r["recording_id"]: r for r in read(tjjd_slice, "recordings")}
    assert clips["151033"] | {"source_row": "?"} == {
        "recording_id": "151033",
        "officer_id": "9002722",
        "start": "2019-04-01T00:01:41-05:00",
        "end": "2019-04-01T00:28:38-05:00",
        "camera_id": "Y81310",
        "employee_role": "Correctional",
        "duration_seconds": "1617",
        "source_file": "footage_data.xlsx",
        "source_row": "?",
    }
    assert clips["155559"]["officer_id"] == ""  # footage with no officer: a check finding


@needs_data
def test_tjjd_shifts_rounded_combined_and_kinds(tjjd_slice: Path) -> None:
    shifts = {r["shift_id"]: r for r in read(tjjd_slice, "shifts")}
    # 06:59:59.999 -> 07:00:00 and 15:29:59.998 -> 15:30:00 (Start/End Date + Time cells).
    assert (shifts["C050010"]["start"], shifts["C050010"]["end"]) == (
        "2019-04-01T07:00:00",
        "2019-04-01T15:30:00",
    )
    assert (shifts["C050010"]["station_id"], shifts["C050010"]["unit"]) == (
        "Administrative Offices",
        "IT",
    )
    # A night shift: 22:00:00.002 on 1 April to 06:00 on 2 April (its End Date).
    assert (shifts["A050034"]["start"], shifts["A050034"]["end"]) == (
        "2019-04-01T22:00:00",
        "2019-04-02T06:00:00",
    )
    assert shifts["A050034"]["kind"] == "regular"
    assert shifts["A050045"]["kind"] == "time_off"
    # A zero-length shift in the source stays zero-length: check reports it.
    assert shifts["D054634"]["start"] == shifts["D054634"]["end"] == "2019-04-08T08:00:00"


@needs_data
def test_tjjd_officers_and_stations(tjjd_slice: Path) -> None:
    officers = {r["officer_id"]: r for r in read(tjjd_slice, "officers")}
    assert officers["9002330"] | {"source_row": "?"} == {
        "officer_id": "9002330",
        "station_id": "Epsilon",
        "unit": "Correctional",
        "active_from": "2012-09-01",
        "active_to": "2018-04-03",
        "source_file": "hr_data.csv",
        "source_row": "?",
    }
    assert officers["9001411"]["active_to"] == ""
    assert officers["9003860"]["station_id"] == ""
    stations = [r["station_id"] for r in read(tjjd_slice, "stations")]
    assert stations == ["Administrative Offices", "Alpha", "Delta", "Epsilon"]


@needs_data
def test_tjjd_full_import(tmp_path: Path) -> None:
    result: ImportResult = run_import(load_mapping("tjjd-2019"), DATA, tmp_path)
    assert {t.name: t.rows for t in result.tables} == {
        "stations": 9,
        "officers": 2813,
        "shifts": 12436,
        "recordings": 56658,
    }
    assert result.unparsed == [] and result.defaulted == []
    recordings = read(tmp_path, "recordings")
    assert all(r["start"].endswith("-05:00") and r["end"].endswith("-05:00") for r in recordings)
    assert not any(r["recording_id"].endswith(".0") or r["officer_id"].endswith(".0")
                   for r in recordings)  # fmt: skip
    assert sum(r["officer_id"] == "" for r in recordings) == 595
    shifts = read(tmp_path, "shifts")
    assert all(len(r["start"]) == len(r["end"]) == 19 for r in shifts)  # whole seconds
    assert sum(r["kind"] == "time_off" for r in shifts) == 542
    assert result.seconds > 0  # the time is reported; how long it takes is bench/'s to measure
