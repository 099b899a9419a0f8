"""Findings: facts about the kept rows that an auditor must see, computed across tables.

Findings exclude nothing. Each is one vectorised query over one or two kept tables that inserts
one problem per row concerned into ``_problems``, naming the row's file and line; the loader may
make them in any order, on any connection to the package's database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from onrecord.package.problems import SEVERITY, Code
from onrecord.package.schema import ENCOUNTER_TYPES, SHIFT_KINDS, STOP_REASONS
from onrecord.package.values import quote, sql_str

Files = dict[str, str]  # table -> file name

# The columns the findings read, per table (a package loaded with only some columns keeps these
# until the findings are made).
COLUMNS: dict[str, tuple[str, ...]] = {
    "stations": ("station_id",),
    "officers": ("officer_id", "station_id", "active_from", "active_to"),
    "cameras": ("camera_id", "station_id", "assigned_officer_id"),
    "shifts": ("shift_id", "officer_id", "station_id", "kind", "start", "end"),
    "encounters": ("officer_id", "type"),
    "recordings": ("recording_id", "officer_id", "camera_id", "start", "end", "stop_reason"),
    "device_events": ("camera_id", "officer_id"),
}


def _insert(
    con: duckdb.DuckDBPyConnection,
    code: Code,
    table: str,
    files: Files,
    column: str | None,
    select_from: str,
    message: str,
    value: str = "NULL",
) -> None:
    col = sql_str(column) if column else "NULL"
    con.execute(
        f"""INSERT INTO _problems SELECT {sql_str(SEVERITY[code].value)},
        {sql_str(code.value)}, {sql_str(table)}, {sql_str(files[table])}, _line, {col},
        {message}, {value} {select_from}"""
    )


def unknown_id(
    con: duckdb.DuckDBPyConnection,
    files: Files,
    code: Code,
    ref: str,
    ref_col: str,
    table: str,
    column: str,
) -> None:
    """Ids in ``table``'s ``column`` that the reference table does not list."""
    c = quote(column)
    _insert(
        con,
        code,
        table,
        files,
        column,
        f"""FROM {table} t WHERE t.{c} IS NOT NULL AND NOT EXISTS
        (SELECT 1 FROM {ref} r WHERE r.{quote(ref_col)} = t.{c})""",
        f"format('{{}} is not in {files[ref]}; add it there or correct the id', t.{c})",
        f"t.{c}",
    )


def unassigned_footage(con: duckdb.DuckDBPyConnection, files: Files) -> None:
    _insert(
        con,
        Code.UNASSIGNED_FOOTAGE,
        "recordings",
        files,
        "officer_id",
        "FROM recordings WHERE officer_id IS NULL",
        "format('recording {} has no officer; the camera system should say who wore it', "
        "recording_id)",
        "recording_id",
    )


def two_cameras_at_once(con: duckdb.DuckDBPyConnection, files: Files) -> None:
    """An officer's recordings on different cameras that overlap in time.

    Each camera's recordings are first merged into islands (so a camera never overlaps
    itself); an island that starts before the latest end of the officer's earlier islands then
    necessarily overlaps another camera. The finding is put on the island's first recording.
    """
    # Only officers with any self-overlap can have one.
    _officers_with_overlap(con, "recordings", "officer_id IS NOT NULL AND camera_id IS NOT NULL")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _islands AS
        WITH ordered AS (
            SELECT officer_id, camera_id, start, "end", _line, recording_id,
                   max("end") OVER (PARTITION BY officer_id, camera_id ORDER BY start, _line
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
            FROM recordings SEMI JOIN _overlapping USING (officer_id)
            WHERE camera_id IS NOT NULL),
        marked AS (
            SELECT *, sum(CASE WHEN prev_end IS NULL OR start >= prev_end THEN 1 ELSE 0 END)
                OVER (PARTITION BY officer_id, camera_id ORDER BY start, _line) AS island
            FROM ordered)
        SELECT officer_id, camera_id, min(start) AS start, max("end") AS "end",
               arg_min(_line, start) AS _line, arg_min(recording_id, start) AS recording_id
        FROM marked GROUP BY officer_id, camera_id, island"""
    )
    _insert(
        con,
        Code.TWO_CAMERAS_AT_ONCE,
        "recordings",
        files,
        "camera_id",
        """FROM (SELECT *, max("end") OVER (PARTITION BY officer_id ORDER BY start, _line
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS other_end
                 FROM _islands) WHERE start < other_end""",
        "format('officer {} records on camera {} (recording {}) while another camera of '"
        " || 'theirs is already recording; check who wore which camera', "
        "officer_id, camera_id, recording_id)",
        "recording_id",
    )
    con.execute("DROP TABLE _islands; DROP TABLE _overlapping")


def outside_employment(
    con: duckdb.DuckDBPyConnection, files: Files, timezone: str, table: str
) -> None:
    """Rows of ``table`` (shifts or recordings) whose local start date is outside the officer's
    active dates.

    A local date is never more than a day from the UTC date, so only starts before the day
    after ``active_from`` or from ``active_to`` on (both UTC midnights, worked out once per
    officer) can be outside; only those are converted to local time, which is far dearer than
    the comparison. Officers whose bounds lie outside the table's first and last start can have
    no such row and are left out of the join: in a year of a large city, all but a few."""
    what = KEYS[table]
    _insert(
        con,
        Code.OUTSIDE_EMPLOYMENT,
        table,
        files,
        "start",
        f"""FROM (SELECT t._line, t.{what} AS id, o.officer_id, o.active_from, o.active_to,
                   CAST(timezone({sql_str(timezone)}, t.start) AS DATE) AS day
            FROM {table} t JOIN (SELECT * FROM (
                SELECT officer_id, active_from, active_to,
                       CAST(active_from + 1 AS TIMESTAMPTZ) AS after_first,
                       CAST(active_to AS TIMESTAMPTZ) AS last_day
                FROM officers WHERE active_from IS NOT NULL OR active_to IS NOT NULL)
                WHERE after_first > (SELECT min(start) FROM {table})
                   OR last_day <= (SELECT max(start) FROM {table})) o
            USING (officer_id)
            WHERE t.start < o.after_first OR t.start >= o.last_day)
        WHERE day < active_from OR day > active_to""",
        f"format('{what} {{}} on {{}} is outside officer {{}}''s employment ({{}} to {{}})', "
        "id, day, officer_id, coalesce(CAST(active_from AS VARCHAR), 'open'), "
        "coalesce(CAST(active_to AS VARCHAR), 'open'))",
        "id",
    )


def unlisted_words(
    con: duckdb.DuckDBPyConnection, files: Files, table: str, column: str, words: tuple[str, ...]
) -> None:
    """Values of ``table``'s ``column`` outside its vocabulary ``words``."""
    listed = ", ".join(sql_str(w) for w in words)
    _insert(
        con,
        Code.UNLISTED_WORD,
        table,
        files,
        column,
        f"FROM {table} WHERE {quote(column)} IS NOT NULL AND {quote(column)} NOT IN ({listed})",
        f"format('{{}} is not in the {column} vocabulary; it is kept as its own {column}', "
        f"{quote(column)})",
        quote(column),
    )


def _officers_with_overlap(con: duckdb.DuckDBPyConnection, table: str, where: str) -> None:
    """``_overlapping``: the officers with two rows of ``table`` (those matching ``where``) where
    one starts while the other runs. Sorted by start, longest first among equal starts, that is
    exactly when some row starts before the row just before it ends (if row i overlaps a later
    row j, the row after i starts no later than j, so before i ends): ``lag`` does what a
    running maximum of the earlier ends would, cheaper, and whatever the order of ties."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _overlapping AS
        SELECT DISTINCT officer_id FROM (
            SELECT officer_id, start,
                   lag("end") OVER (PARTITION BY officer_id ORDER BY start, "end" DESC) AS prev_end
            FROM {table} WHERE {where})
        WHERE start < prev_end"""
    )


def overlapping_shifts(con: duckdb.DuckDBPyConnection, files: Files) -> None:
    """Shifts that start before an earlier shift of the officer ends, naming the earlier shift
    that ends last. Which one that is takes a dear window over every shift, so the officers with
    any overlap are found first, with the latest earlier end alone."""
    _officers_with_overlap(con, "shifts", "true")
    _insert(
        con,
        Code.OVERLAPPING_SHIFTS,
        "shifts",
        files,
        "start",
        """FROM (SELECT _line, shift_id, officer_id, start,
                   max("end") OVER w AS prev_end, arg_max(shift_id, "end") OVER w AS prev_id
                 FROM shifts SEMI JOIN _overlapping USING (officer_id)
                 WINDOW w AS (PARTITION BY officer_id ORDER BY start, _line
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
           WHERE start < prev_end""",
        "format('shift {} of officer {} starts before shift {} ends; check the roster', "
        "shift_id, officer_id, prev_id)",
        "shift_id",
    )
    con.execute("DROP TABLE _overlapping")


# (code, reference table, its id column, the (table, column) pairs that use its ids)
REFERENCES: tuple[tuple[Code, str, str, tuple[tuple[str, str], ...]], ...] = (
    (Code.UNKNOWN_OFFICER, "officers", "officer_id",
     (("shifts", "officer_id"), ("encounters", "officer_id"), ("recordings", "officer_id"),
      ("cameras", "assigned_officer_id"), ("device_events", "officer_id"))),
    (Code.UNKNOWN_STATION, "stations", "station_id",
     (("officers", "station_id"), ("cameras", "station_id"), ("shifts", "station_id"))),
    (Code.UNKNOWN_CAMERA, "cameras", "camera_id",
     (("recordings", "camera_id"), ("device_events", "camera_id"))),
)  # fmt: skip
VOCABULARIES = (
    ("shifts", "kind", SHIFT_KINDS),
    ("encounters", "type", ENCOUNTER_TYPES),
    ("recordings", "stop_reason", STOP_REASONS),
)
KEYS = {"shifts": "shift_id", "recordings": "recording_id"}  # the tables outside_employment reads


@dataclass(frozen=True)
class Step:
    """One finding's query: the tables it reads, and how to make it on a connection."""

    tables: frozenset[str]
    make: Callable[[duckdb.DuckDBPyConnection], None]


def steps(files: Files, timezone: str) -> list[Step]:
    """Every finding the data allows, given which tables are present, each with the tables it
    reads (so that a loader reading several tables at once can make it as soon as they are in),
    in the order :func:`run_all` makes them."""
    out: list[Step] = []

    def add(tables: tuple[str, ...], make: Callable[..., None], *args: object) -> None:
        def run(con: duckdb.DuckDBPyConnection) -> None:
            make(con, files, *args)

        if all(t in files for t in tables):
            out.append(Step(frozenset(tables), run))

    for code, ref, ref_col, uses in REFERENCES:
        for table, column in uses:
            add((ref, table), unknown_id, code, ref, ref_col, table, column)
    for table, column, words in VOCABULARIES:
        add((table,), unlisted_words, table, column, words)
    for table in KEYS:
        add(("officers", table), outside_employment, timezone, table)
    add(("recordings",), unassigned_footage)
    add(("recordings",), two_cameras_at_once)
    add(("shifts",), overlapping_shifts)
    return out


def run_all(con: duckdb.DuckDBPyConnection, files: Files, timezone: str) -> None:
    """Every finding the data allows, one after another on ``con``."""
    for step in steps(files, timezone):
        step.make(con)
