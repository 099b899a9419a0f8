"""The contract's value rules as DuckDB SQL, one rule per column kind.

Each rule turns the trimmed text of a cell into a typed value, NULL when it does not parse; the
reader compares "non-empty text" with "NULL value" to find invalid cells. The tests check these
rules against a plain-Python reading of the contract.
"""

from __future__ import annotations

from collections.abc import Iterable

from onrecord.package.schema import Column, Kind

TRUE_WORDS = ("true", "yes", "y", "t", "1")
FALSE_WORDS = ("false", "no", "n", "f", "0")

# Date, time to the second with an optional fraction, optional offset (Z, ±HH, ±HHMM, ±HH:MM).
TIMESTAMP_RE = (
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)
# The common spelling, local time to the second: a subset of TIMESTAMP_RE that DuckDB's own cast
# reads exactly as the general path does, matched without captures (several times faster).
PLAIN_TIMESTAMP_RE = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}"

EXPECTED: dict[Kind, str] = {
    Kind.TIMESTAMP: "an ISO 8601 date and time such as 2019-08-31T07:30:00 "
    "(local) or 2019-08-31T07:30:00-04:00",
    Kind.DATE: "a date written YYYY-MM-DD",
    Kind.BOOL: "true/false, yes/no, y/n, t/f or 1/0",
    Kind.COUNT: "a whole number, 0 or more",
    Kind.POSITIVE: "a number greater than 0",
    Kind.PERCENT: "a number from 0 to 100",
    Kind.SHA256: "a SHA-256 digest of 64 hexadecimal digits",
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def one_of(expr: str, words: Iterable[str]) -> str:
    """``expr`` equals one of ``words``, written as ``=`` comparisons: DuckDB turns an ``IN``
    list of five or more values into a join, which stores a table's rows out of file order."""
    return "(" + (" OR ".join(f"{expr} = {sql_str(w)}" for w in words) or "false") + ")"


def expected(col: Column) -> str:
    if col.kind is Kind.ENUM:
        return "one of " + ", ".join(col.vocabulary)
    return EXPECTED[col.kind]


def typed_sql(col: Column, v: str) -> str:
    """SQL typing the trimmed, non-empty text ``v`` (NULL when empty or unparseable).

    Timestamps are handled by the reader, which needs the parts for the timezone rules.
    """
    k = col.kind
    if k in (Kind.ID, Kind.TEXT):
        return v
    if k in (Kind.WORD, Kind.ENUM):
        low = f"lower({v})"
        if k is Kind.WORD:
            return low
        return f"CASE WHEN {one_of(low, col.vocabulary)} THEN {low} END"
    if k is Kind.BOOL:
        low = f"lower({v})"
        return (
            f"CASE WHEN {one_of(low, TRUE_WORDS)} THEN true "
            f"WHEN {one_of(low, FALSE_WORDS)} THEN false END"
        )
    if k is Kind.DATE:
        return (
            rf"CASE WHEN regexp_full_match({v}, '\d{{4}}-\d{{2}}-\d{{2}}') "
            f"THEN try_cast({v} AS DATE) END"
        )
    if k is Kind.COUNT:
        return (
            rf"CASE WHEN regexp_full_match({v}, '\+?\d{{1,18}}') THEN try_cast({v} AS BIGINT) END"
        )
    if k is Kind.POSITIVE:
        return (
            f"CASE WHEN try_cast({v} AS DOUBLE) > 0 AND isfinite(try_cast({v} AS DOUBLE)) "
            f"THEN try_cast({v} AS DOUBLE) END"
        )
    if k is Kind.PERCENT:
        return (
            f"CASE WHEN try_cast({v} AS DOUBLE) BETWEEN 0 AND 100 THEN try_cast({v} AS DOUBLE) END"
        )
    if k is Kind.SHA256:
        # Digests are nearly always written in lower case: those are taken as they are, which
        # spares copying 64 bytes per row through lower().
        return (
            f"CASE WHEN regexp_full_match({v}, '[0-9a-f]{{64}}') THEN {v} "
            f"WHEN regexp_full_match({v}, '[0-9A-Fa-f]{{64}}') THEN lower({v}) END"
        )
    raise ValueError(f"no SQL rule for {k}")


INTEGERS = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
# Parquet's timestamp types as DuckDB names them: without a time zone (a wall-clock reading, local
# time like a timestamp written without offset) and adjusted to UTC (an instant), to the
# microsecond or coarser. Nanosecond ones are read through their text, which drops the digits
# past the microsecond as the text rule does (DuckDB's own cast would round them).
LOCAL_TIMESTAMPS = ("TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP")
UTC_TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
# Stored Parquet types that are checked without the text: their text (``CAST(v AS VARCHAR)``) is
# true/false, a number that parses back to the same number, a date, or a timestamp that the
# contract's text rule reads as the same instant (the reader types timestamps, :func:`native_sql`
# the rest).
NATIVE: dict[Kind, tuple[str, ...]] = {
    Kind.BOOL: ("BOOLEAN",),
    Kind.COUNT: INTEGERS,
    Kind.POSITIVE: (*INTEGERS, "DOUBLE"),
    Kind.PERCENT: (*INTEGERS, "DOUBLE"),
    Kind.DATE: ("DATE",),
    Kind.TIMESTAMP: (*LOCAL_TIMESTAMPS, UTC_TIMESTAMP),
}


def native_sql(col: Column, v: str) -> str:
    """SQL typing ``v``, stored as one of ``NATIVE[col.kind]``: the same value as
    :func:`typed_sql` gives for its text, NULL where that rule fails (a count of more than 18
    digits, a negative count, a percentage outside 0-100, ...)."""
    k = col.kind
    if k is Kind.DATE:
        return f"CASE WHEN year({v}) BETWEEN 1 AND 9999 THEN {v} END"
    if k is Kind.BOOL:
        return v
    if k is Kind.COUNT:
        return f"CASE WHEN {v} BETWEEN 0 AND 999999999999999999 THEN CAST({v} AS BIGINT) END"
    d = f"CAST({v} AS DOUBLE)"
    if k is Kind.POSITIVE:
        return f"CASE WHEN {d} > 0 AND isfinite({d}) THEN {d} END"
    if k is Kind.PERCENT:
        return f"CASE WHEN {d} BETWEEN 0 AND 100 THEN {d} END"
    raise ValueError(f"{k} has no native rule")


def default_sql(col: Column) -> str:
    """The typed literal used when the cell is empty (or the column absent)."""
    d = col.default
    sql_type = SQL_TYPE[col.kind]
    if d is None:
        return f"CAST(NULL AS {sql_type})"
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, str):
        return sql_str(d)
    return f"CAST({d} AS {sql_type})"


SQL_TYPE: dict[Kind, str] = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.WORD: "VARCHAR",
    Kind.ENUM: "VARCHAR",
    Kind.BOOL: "BOOLEAN",
    Kind.TIMESTAMP: "TIMESTAMPTZ",
    Kind.DATE: "DATE",
    Kind.COUNT: "BIGINT",
    Kind.POSITIVE: "DOUBLE",
    Kind.PERCENT: "DOUBLE",
    Kind.SHA256: "VARCHAR",
}


def offset_seconds_sql(z: str) -> str:
    """SQL for the offset text ``z`` (``Z``, ``±HH``, ``±HHMM``, ``±HH:MM``) in seconds, NULL if
    out of range."""
    digits = f"replace({z}, ':', '')"
    hh = f"try_cast(substr({digits}, 2, 2) AS INTEGER)"
    mm = f"coalesce(try_cast(nullif(substr({digits}, 4, 2), '') AS INTEGER), 0)"
    sign = f"(CASE WHEN substr({z}, 1, 1) = '-' THEN -1 ELSE 1 END)"
    return (
        f"CASE WHEN upper({z}) = 'Z' THEN 0 "
        f"WHEN {hh} <= 23 AND {mm} <= 59 THEN {sign} * ({hh} * 3600 + {mm} * 60) END"
    )
