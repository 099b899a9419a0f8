"""What a check can say about a package: structural errors, row errors and findings.

Each problem names its file, line (CSV line, header = 1) or Parquet row index, and column, with a
plain message saying what is wrong and what to do. Row errors and findings can number millions
on a big package, so they live in a DuckDB table; this module defines their vocabulary and the
summary that reports print.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Severity(StrEnum):
    STRUCTURAL = "structural"  # stops the run (exit 2)
    ROW = "row"  # the row is excluded (exit 1)
    FINDING = "finding"  # a fact the auditor must see; nothing is excluded


class Code(StrEnum):
    # structural
    UNREADABLE_FILE = "unreadable_file"
    NOT_A_TABLE_FILE = "not_a_table_file"
    DUPLICATE_TABLE = "duplicate_table"
    MISSING_TABLE = "missing_table"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    RESERVED_COLUMN = "reserved_column"
    UNSUPPORTED_COLUMN_TYPE = "unsupported_column_type"
    BAD_DEPARTMENT = "bad_department"
    # row errors
    MALFORMED_ROW = "malformed_row"
    MISSING_VALUE = "missing_value"
    INVALID_VALUE = "invalid_value"
    END_BEFORE_START = "end_before_start"
    ZERO_LENGTH_SHIFT = "zero_length_shift"
    DUPLICATE_KEY = "duplicate_key"
    # findings
    UNKNOWN_OFFICER = "unknown_officer"
    UNASSIGNED_FOOTAGE = "unassigned_footage"
    TWO_CAMERAS_AT_ONCE = "two_cameras_at_once"
    OUTSIDE_EMPLOYMENT = "outside_employment"
    AMBIGUOUS_LOCAL_TIME = "ambiguous_local_time"
    SKIPPED_LOCAL_TIME = "skipped_local_time"
    UNKNOWN_STATION = "unknown_station"
    UNKNOWN_CAMERA = "unknown_camera"
    UNLISTED_WORD = "unlisted_word"
    OVERLAPPING_SHIFTS = "overlapping_shifts"


SEVERITY: dict[Code, Severity] = {
    **{
        c: Severity.STRUCTURAL
        for c in (
            Code.UNREADABLE_FILE,
            Code.NOT_A_TABLE_FILE,
            Code.DUPLICATE_TABLE,
            Code.MISSING_TABLE,
            Code.MISSING_COLUMN,
            Code.DUPLICATE_COLUMN,
            Code.RESERVED_COLUMN,
            Code.UNSUPPORTED_COLUMN_TYPE,
            Code.BAD_DEPARTMENT,
        )
    },
    **{
        c: Severity.ROW
        for c in (
            Code.MALFORMED_ROW,
            Code.MISSING_VALUE,
            Code.INVALID_VALUE,
            Code.END_BEFORE_START,
            Code.ZERO_LENGTH_SHIFT,
            Code.DUPLICATE_KEY,
        )
    },
}
for _c in Code:
    SEVERITY.setdefault(_c, Severity.FINDING)

# One line per code, for reports and the user guide.
DESCRIPTION: dict[Code, str] = {
    Code.UNREADABLE_FILE: "a table file cannot be read",
    Code.NOT_A_TABLE_FILE: "a table file is neither CSV nor Parquet",
    Code.DUPLICATE_TABLE: "a table is given both as CSV and as Parquet",
    Code.MISSING_TABLE: "a table the audit needs is missing",
    Code.MISSING_COLUMN: "a required column is missing",
    Code.DUPLICATE_COLUMN: "a column name appears twice in the header (ignoring case)",
    Code.RESERVED_COLUMN: "a column named _line or __onrecord_…, which OnRecord uses itself",
    Code.UNSUPPORTED_COLUMN_TYPE: "a Parquet column of lists, structs or maps (one value a cell)",
    Code.BAD_DEPARTMENT: "department.yaml is invalid",
    Code.MALFORMED_ROW: "a CSV row that cannot be split into the header's columns",
    Code.MISSING_VALUE: "a required value is empty",
    Code.INVALID_VALUE: "a value does not parse",
    Code.END_BEFORE_START: "an interval ends before it starts",
    Code.ZERO_LENGTH_SHIFT: "a shift ends when it starts",
    Code.DUPLICATE_KEY: "a key seen on an earlier row (the first is kept)",
    Code.UNKNOWN_OFFICER: "an officer id that is not in officers",
    Code.UNASSIGNED_FOOTAGE: "a recording with no officer",
    Code.TWO_CAMERAS_AT_ONCE: "one officer recording on two cameras at once",
    Code.OUTSIDE_EMPLOYMENT: "a shift or recording outside the officer's employment dates",
    Code.AMBIGUOUS_LOCAL_TIME: "a local time in the repeated hour (read as its first occurrence)",
    Code.SKIPPED_LOCAL_TIME: "a local time in the skipped hour (moved forward by the skip)",
    Code.UNKNOWN_STATION: "a station id that is not in stations",
    Code.UNKNOWN_CAMERA: "a camera id that is not in cameras",
    Code.UNLISTED_WORD: "a kind, type or reason outside the vocabulary (kept as its own word)",
    Code.OVERLAPPING_SHIFTS: "two shifts of one officer that overlap",
}


class Problem(BaseModel):
    """One problem at one place. ``line`` is the CSV line or the Parquet row index (``row``)."""

    severity: Severity
    code: Code
    table: str | None = None
    file: str | None = None
    line: int | None = None
    column: str | None = None
    message: str
    value: str | None = None

    def where(self) -> str:
        parts = [self.file or self.table or "package"]
        if self.line is not None:
            unit = "row" if (self.file or "").endswith(".parquet") else "line"
            parts.append(f"{unit} {self.line}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


class ProblemGroup(BaseModel):
    """Problems of one code in one table column, counted, with the first as an example."""

    severity: Severity
    code: Code
    table: str | None
    column: str | None
    count: int
    rows: int
    example: Problem


class StructuralError(Exception):
    """The package cannot be read as a whole; every structural problem found is attached."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.where()}: {p.message}" for p in problems))
