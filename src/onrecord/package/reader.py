"""Read one table file into DuckDB: raw text, then typed values, row errors and kept rows.

The whole file is parsed as text first (so nothing is guessed by a type sniffer), every cell is
then typed by the contract's rules in one vectorised query, and each failing cell becomes a row
error with its file, line and column. Rows with errors, and later duplicates of a key, are
excluded from the kept table but never lost: they are counted and listed in ``_problems``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from onrecord.package.files import TableFile
from onrecord.package.problems import SEVERITY, Code, Severity
from onrecord.package.schema import TABLES, Column, Kind, Table
from onrecord.package.timezones import anomaly_sql, offset_sql, transitions
from onrecord.package.values import (
    SQL_TYPE,
    TIMESTAMP_RE,
    default_sql,
    expected,
    offset_seconds_sql,
    quote,
    sql_str,
    typed_sql,
)

PROBLEMS_DDL = """
CREATE TABLE IF NOT EXISTS _problems (
    severity VARCHAR, code VARCHAR, "table" VARCHAR, file VARCHAR, line BIGINT,
    "column" VARCHAR, message VARCHAR, value VARCHAR
)"""


@dataclass
class TableLoad:
    """What reading one table did: rows read, kept, and excluded by reason."""

    table: str
    file: str
    fmt: str
    rows_read: int = 0
    rows_kept: int = 0
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def rows_excluded(self) -> int:
        return self.rows_read - self.rows_kept


def _raw_csv(con: duckdb.DuckDBPyConnection, tf: TableFile, raw: str) -> str:
    """Load the CSV as text; return the SQL expression for each row's physical line number."""
    cols = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in tf.header) + "}"
    rej, scan = f"_rej_{tf.table}", f"_rejscan_{tf.table}"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv(
            {sql_str(str(tf.path))}, columns={cols}, header=true, auto_detect=false,
            delim=',', quote='"', escape='"', strict_mode=true, null_padding=false,
            store_rejects=true, rejects_table='{rej}', rejects_scan='{scan}',
            encoding='utf-8')"""
    )
    # One row per rejected record (DuckDB may report several errors for one record).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _rej_rows AS
        SELECT line, min(line_byte_position) AS byte_position, string_agg(DISTINCT error_type, '; ')
               AS errors, first(csv_line) AS csv_line
        FROM {rej} GROUP BY line ORDER BY line"""
    )
    rejects = con.execute("SELECT line, byte_position, errors, csv_line FROM _rej_rows").fetchall()
    con.execute(f"DROP TABLE {rej}; DROP TABLE {scan}")
    text_cols = " || ".join(f"coalesce({quote(c)}, '')" for c in tf.header)
    has_nl = con.execute(
        f"SELECT count(*) FROM {raw} WHERE strpos({text_cols}, chr(10)) > 0"
    ).fetchone()
    nl_rows = has_nl[0] if has_nl else 0
    if not rejects and not nl_rows:
        return "(rowid + 2)"
    # Physical line = 2 + k + rejected records before + newlines embedded in earlier records.
    phys = _physical_lines(tf.path, [r[1] for r in rejects])
    con.execute("CREATE OR REPLACE TEMP TABLE _rej_steps (k BIGINT, n BIGINT, nl BIGINT)")
    # Accepted row k follows reject i (1-based, record line r_i) when k >= r_i - 1 - i; rejects
    # that are adjacent share a threshold, and the last of them counts.
    steps: dict[int, tuple[int, int]] = {}
    nl_total = 0
    for i, (line, _pos, _err, csv_line) in enumerate(rejects, start=1):
        nl_total += (csv_line or "").rstrip("\r\n").count("\n")
        steps[line - 1 - i] = (i, nl_total)
    if steps:
        con.executemany(
            "INSERT INTO _rej_steps VALUES (?, ?, ?)", [(k, n, nl) for k, (n, nl) in steps.items()]
        )
    _insert_rejects(con, tf, rejects, phys)
    nl_expr = f"(length({text_cols}) - length(replace({text_cols}, chr(10), '')))"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw} AS
        SELECT r.*, 2 + r._k + coalesce(s.n, 0) + coalesce(s.nl, 0)
               + coalesce(sum(r._nl) OVER (ORDER BY r._k ROWS BETWEEN UNBOUNDED PRECEDING
                                           AND 1 PRECEDING), 0) AS _phys
        FROM (SELECT *, rowid AS _k, {nl_expr} AS _nl FROM {raw}) r
        ASOF LEFT JOIN _rej_steps s ON r._k >= s.k
        ORDER BY r._k"""
    )
    return "_phys"


def _physical_lines(path: Path, positions: list[int]) -> list[int]:
    """Line numbers (1-based) of byte offsets, counting newlines in one pass over the file."""
    out, line, done = [], 1, 0
    with path.open("rb") as f:
        for pos in positions:
            while done < pos:
                chunk = f.read(min(1 << 20, pos - done))
                if not chunk:
                    break
                line += chunk.count(b"\n")
                done += len(chunk)
            out.append(line)
    return out


def _insert_rejects(
    con: duckdb.DuckDBPyConnection, tf: TableFile, rejects: list, phys: list[int]
) -> None:
    rows = []
    for (_line, _pos, errors, csv_line), line in zip(rejects, phys, strict=True):
        msg = (
            f"this row cannot be split into the header's {len(tf.header)} columns "
            f"({errors.lower()}); check its quotes and commas"
        )
        if "ENCODING" in errors:
            msg = "this row is not valid UTF-8 text; re-export the file as UTF-8"
        elif "UNQUOTED" in errors:
            msg = "a quoted value here is never closed; add the closing quote"
        rows.append(
            (
                Severity.ROW.value,
                Code.MALFORMED_ROW.value,
                tf.table,
                tf.name,
                line,
                None,
                msg,
                (csv_line or "")[:200],
            )
        )
    con.executemany("INSERT INTO _problems VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _raw_parquet(con: duckdb.DuckDBPyConnection, tf: TableFile, raw: str) -> str:
    """Load a Parquet file with every column cast to text, so one set of rules applies."""
    cols = ", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in tf.header)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT {cols}, file_row_number AS _row
        FROM read_parquet({sql_str(str(tf.path))}, file_row_number=true)"""
    )
    return "_row"


def _naive_years(con: duckdb.DuckDBPyConnection, raw: str, cols: list[str]) -> list[int]:
    """The calendar years of all timestamp texts, to bound the timezone transitions we need."""
    if not cols:
        return []
    parts = " UNION ".join(
        f"SELECT DISTINCT try_cast(substr(trim({quote(c)}), 1, 4) AS INTEGER) AS y FROM {raw}"
        for c in cols
    )
    return [r[0] for r in con.execute(f"SELECT y FROM ({parts}) WHERE y IS NOT NULL").fetchall()]


def read_table(con: duckdb.DuckDBPyConnection, tf: TableFile, timezone: str) -> TableLoad:
    """Read ``tf`` into the kept table named after it; record its problems in ``_problems``."""
    con.execute(PROBLEMS_DDL)
    table = TABLES[tf.table]
    raw = f"_raw_{table.name}"
    line_expr = _raw_csv(con, tf, raw) if tf.fmt == "csv" else _raw_parquet(con, tf, raw)
    present = [c for c in table.columns if c.name in tf.header]
    ts_cols = [c.name for c in present if c.kind is Kind.TIMESTAMP]
    steps, anomalies = transitions(timezone, _naive_years(con, raw, ts_cols))

    typed = f"_typed_{table.name}"
    query = _typed_query(table, tf, raw, line_expr, steps, anomalies)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {typed} AS {query}")
    load = TableLoad(table.name, tf.name, tf.fmt)
    _record_row_errors(con, table, tf, typed, load)
    _keep(con, table, tf, typed, load)
    con.execute(f"DROP TABLE {raw}")
    return load


def _typed_query(
    table: Table, tf: TableFile, raw: str, line_expr: str, steps: list, anomalies: list
) -> str:
    extras = [c for c in tf.header if c not in {col.name for col in table.columns}]
    stage1 = [f"{line_expr} AS _line"]
    stage2: list[str] = ["_line"]
    for col in table.columns:
        q = quote(col.name)
        v = quote("v_" + col.name)
        if col.name not in tf.header:
            stage2.append(f"{default_sql(col)} AS {q}")
            continue
        stage1.append(f"nullif(trim({q}), '') AS {v}")
        err = quote("e_" + col.name)
        if col.kind is Kind.TIMESTAMP:
            m = quote("m_" + col.name)
            stage1.append(
                f"regexp_extract(nullif(trim({q}), ''), {sql_str(TIMESTAMP_RE)}, "
                f"['d', 't', 'z']) AS {m}"
            )
            naive = f"try_cast({m}.d || ' ' || replace({m}.t, ',', '.') AS TIMESTAMP)"
            zoff = offset_seconds_sql(f"{m}.z")
            local_off = offset_sql(naive, steps)
            utc = (
                f"CASE WHEN {m}.z = '' THEN {naive} - to_seconds({local_off}) "
                f"WHEN {zoff} IS NOT NULL THEN {naive} - to_seconds({zoff}) END"
            )
            value = f"CAST(({utc}) AS TIMESTAMPTZ)"
            stage2.append(f"{value} AS {q}")
            stage2.append(
                f"CASE WHEN {m}.z = '' THEN {anomaly_sql(naive, anomalies)} END "
                f"AS {quote('a_' + col.name)}"
            )
        else:
            value = typed_sql(col, v)
            fallback = default_sql(col)
            stage2.append(f"coalesce({value}, CASE WHEN {v} IS NULL THEN {fallback} END) AS {q}")
        missing = f"{v} IS NULL" if col.required else "false"
        stage2.append(
            f"CASE WHEN {missing} THEN 'missing' WHEN {v} IS NOT NULL AND ({value}) IS NULL "
            f"THEN 'invalid' END AS {err}"
        )
        stage2.append(f"{v}")
    for x in extras:
        stage1.append(quote(x))
        stage2.append(quote(x))
    inner = f"SELECT {', '.join(stage1)} FROM {raw}"
    query = f"SELECT {', '.join(stage2)} FROM ({inner})"
    # Interval rule and the row's validity, on the typed values.
    checks = [quote("e_" + c.name) for c in table.columns if c.name in tf.header]
    interval = "CAST(NULL AS VARCHAR)"
    if table.interval:
        s, e = (quote(n) for n in table.interval)
        zero = "" if table.zero_length_ok else f" WHEN {e} = {s} THEN 'zero'"
        interval = f"CASE WHEN {e} < {s} THEN 'before'{zero} END"
    valid = " AND ".join([*(f"{c} IS NULL" for c in checks), "_interval IS NULL"])
    return f"SELECT *, {valid} AS _valid FROM (SELECT *, {interval} AS _interval FROM ({query}))"


def _problem_insert(
    con: duckdb.DuckDBPyConnection,
    code: Code,
    table: Table,
    tf: TableFile,
    column: str | None,
    source: str,
    where: str,
    message: str,
    value: str = "NULL",
) -> None:
    col = sql_str(column) if column else "NULL"
    con.execute(
        f"""INSERT INTO _problems SELECT {sql_str(SEVERITY[code].value)}, {sql_str(code.value)},
        {sql_str(table.name)}, {sql_str(tf.name)}, _line, {col}, {message}, {value}
        FROM {source} WHERE {where}"""
    )


def _record_row_errors(
    con: duckdb.DuckDBPyConnection, table: Table, tf: TableFile, typed: str, load: TableLoad
) -> None:
    for col in table.columns:
        if col.name not in tf.header:
            continue
        err, v = quote("e_" + col.name), quote("v_" + col.name)
        if col.required:
            _problem_insert(
                con,
                Code.MISSING_VALUE,
                table,
                tf,
                col.name,
                typed,
                f"{err} = 'missing'",
                sql_str(f"{col.name} is required but empty; fill it in or remove the row"),
            )
        if col.kind not in (Kind.ID, Kind.TEXT, Kind.WORD):
            msg = f"format('{{}} is not {_esc(expected(col))}; correct it or remove the row', {v})"
            _problem_insert(
                con, Code.INVALID_VALUE, table, tf, col.name, typed, f"{err} = 'invalid'", msg, v
            )
        if col.kind is Kind.TIMESTAMP:
            _record_anomalies(con, table, tf, typed, col)
    if table.interval:
        s, e = table.interval
        _problem_insert(
            con,
            Code.END_BEFORE_START,
            table,
            tf,
            e,
            typed,
            "_interval = 'before'",
            f"format('{e} {{}} is before {s} {{}}; correct the times or remove the row', "
            f"{quote('v_' + e)}, {quote('v_' + s)})",
        )
        _problem_insert(
            con,
            Code.ZERO_LENGTH_SHIFT,
            table,
            tf,
            e,
            typed,
            "_interval = 'zero'",
            f"format('the shift ends when it starts ({{}}); a shift must last; correct it', "
            f"{quote('v_' + s)})",
        )


def _record_anomalies(
    con: duckdb.DuckDBPyConnection, table: Table, tf: TableFile, typed: str, col: Column
) -> None:
    a, v = quote("a_" + col.name), quote("v_" + col.name)
    _problem_insert(
        con,
        Code.AMBIGUOUS_LOCAL_TIME,
        table,
        tf,
        col.name,
        typed,
        f"{a} = 'ambiguous'",
        f"format('{{}} occurs twice as clocks go back; read as the first occurrence. "
        f"Give a UTC offset to choose the second', {v})",
        v,
    )
    _problem_insert(
        con,
        Code.SKIPPED_LOCAL_TIME,
        table,
        tf,
        col.name,
        typed,
        f"{a} = 'skipped'",
        f"format('{{}} does not exist as clocks go forward; moved forward by the skip. "
        f"Check the source clock', {v})",
        v,
    )


def _esc(s: str) -> str:
    return s.replace("'", "''").replace("{", "{{").replace("}", "}}")


def _keep(
    con: duckdb.DuckDBPyConnection, table: Table, tf: TableFile, typed: str, load: TableLoad
) -> None:
    """Create the kept table: valid rows, first occurrence of each key; count exclusions."""
    extras = [c for c in tf.header if c not in {col.name for col in table.columns}]
    cols = ", ".join(
        [
            *(
                f"CAST({quote(c.name)} AS {SQL_TYPE[c.kind]}) AS {quote(c.name)}"
                for c in table.columns
            ),
            *(quote(x) for x in extras),
            "_line",
        ]
    )
    name = quote(table.name)
    if table.key:
        k = quote(table.key)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _dups AS
            SELECT {k} AS key, min(_line) AS first_line FROM {typed} WHERE _valid
            GROUP BY {k} HAVING count(*) > 1"""
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _dup_rows AS
            SELECT t._line, t.{k} AS key, d.first_line FROM {typed} t JOIN _dups d
            ON t.{k} = d.key WHERE t._valid AND t._line > d.first_line"""
        )
        _problem_insert(
            con,
            Code.DUPLICATE_KEY,
            table,
            tf,
            table.key,
            "_dup_rows",
            "true",
            f"format('{table.key} {{}} was already used on line {{}}; the first row is kept. "
            f"Give this row its own id or remove it', key, first_line)",
            "key",
        )
        con.execute(
            f"""CREATE OR REPLACE TABLE {name} AS SELECT {cols} FROM {typed}
            WHERE _valid AND _line NOT IN (SELECT _line FROM _dup_rows) ORDER BY _line"""
        )
        con.execute("DROP TABLE _dups; DROP TABLE _dup_rows")
    else:
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS "
            f"SELECT {cols} FROM {typed} WHERE _valid ORDER BY _line"
        )
    rows = con.execute(f"SELECT count(*) FROM {typed}").fetchone()
    kept = con.execute(f"SELECT count(*) FROM {name}").fetchone()
    by_code = con.execute(
        """SELECT code, count(DISTINCT line) FROM _problems
        WHERE "table" = ? AND severity = 'row' GROUP BY code ORDER BY code""",
        [table.name],
    ).fetchall()
    load.excluded = dict(by_code)
    load.rows_kept = kept[0] if kept else 0
    load.rows_read = (rows[0] if rows else 0) + load.excluded.get(Code.MALFORMED_ROW.value, 0)
    con.execute(f"DROP TABLE {typed}")
