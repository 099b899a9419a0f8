"""``load(path)``: a whole data package, read and checked, as DuckDB tables plus its problems."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from onrecord.package import findings
from onrecord.package.department import Department, read_department
from onrecord.package.files import TableFile, locate
from onrecord.package.parallel import read_all
from onrecord.package.problems import (
    Code,
    Problem,
    ProblemGroup,
    Severity,
    StructuralError,
)
from onrecord.package.quality import DataQuality, ProblemGroupCount, TableQuality
from onrecord.package.reader import PROBLEMS_DDL, TableLoad, narrow, read_table
from onrecord.package.schema import TABLES

Progress = Callable[[str], None]
MAX_WORKERS = 4  # files read at once, at most: more holds more in memory for little gain


@dataclass
class Package:
    """A loaded package. Kept rows are DuckDB tables named after the contract's tables, with
    a ``_line`` column (CSV line or Parquet row index) pointing back at the source row."""

    root: Path
    department: Department
    con: duckdb.DuckDBPyConnection
    loads: dict[str, TableLoad] = field(default_factory=dict)
    memory_limit: str | None = None  # DuckDB's, as set by ``connect``

    @property
    def rows(self) -> int:
        """Kept rows in all tables."""
        return sum(load.rows_kept for load in self.loads.values())

    @property
    def tables(self) -> list[str]:
        return list(self.loads)

    def narrow(self, keep: Mapping[str, Collection[str]]) -> None:
        """Keep only the listed columns of the listed tables (``_line`` always stays), and free
        the memory of the others: a large package's text columns that a job does not read
        (hashes, call types) would otherwise make DuckDB spill the columns it does read."""
        for name, columns in keep.items():
            if name in self.loads:
                narrow(self.con, self.loads[name], set(columns))

    def arrow(self, table: str) -> pa.Table:
        """The kept rows of ``table`` as an Arrow table (timestamps in UTC)."""
        return self.con.sql(f'SELECT * FROM "{table}" ORDER BY _line').to_arrow_table()

    def count(self, severity: Severity | None = None) -> int:
        where = "WHERE severity = ?" if severity else ""
        args = [severity.value] if severity else []
        row = self.con.execute(f"SELECT count(*) FROM _problems {where}", args).fetchone()
        return row[0] if row else 0

    @property
    def exit_code(self) -> int:
        """0: clean or findings only; 1: row errors (rows excluded). Structural errors raise."""
        return 1 if self.count(Severity.ROW) else 0

    def data_quality(self) -> DataQuality:
        """Rows read, kept and excluded per table, with the problem groups of the check: what
        every report built on this package says about the data it stands on."""
        return DataQuality(
            tables=[
                TableQuality(
                    table=ld.table,
                    file=ld.file,
                    rows_read=ld.rows_read,
                    rows_kept=ld.rows_kept,
                    rows_excluded=ld.rows_excluded,
                    excluded=ld.excluded,
                )
                for ld in self.loads.values()
            ],
            row_errors=self.count(Severity.ROW),
            findings=self.count(Severity.FINDING),
            groups=[
                ProblemGroupCount(
                    severity=g.severity.value,
                    code=g.code.value,
                    table=g.table,
                    column=g.column,
                    count=g.count,
                    example=f"{g.example.where()}: {g.example.message}",
                )
                for g in self.groups()
            ],
        )

    def groups(self) -> list[ProblemGroup]:
        """Problems grouped by severity, code, table and column, with the first as example."""
        rows = self.con.execute(
            """SELECT severity, code, "table", "column", count(*) AS n,
                      count(DISTINCT line) AS nrows,
                      arg_min(struct_pack(file, line, message, value), line) AS ex
               FROM _problems GROUP BY severity, code, "table", "column"
               ORDER BY CASE severity WHEN 'row' THEN 0 ELSE 1 END, code, "table", "column"
            """
        ).fetchall()
        out = []
        for sev, code, table, column, n, nrows, ex in rows:
            example = Problem(
                severity=sev,
                code=code,
                table=table,
                column=column,
                file=ex["file"],
                line=ex["line"],
                message=ex["message"],
                value=ex["value"],
            )
            out.append(
                ProblemGroup(
                    severity=sev,
                    code=code,
                    table=table,
                    column=column,
                    count=n,
                    rows=nrows,
                    example=example,
                )
            )
        return out

    def problems(self, limit: int | None = None, batch: int = 10_000) -> Iterator[Problem]:
        """Every problem, in table, line and column order (streamed: there may be millions)."""
        lim = f"LIMIT {int(limit)}" if limit is not None else ""
        cur = self.con.cursor()
        cur.execute(
            f"""SELECT severity, code, "table", file, line, "column", message, value
                FROM _problems ORDER BY "table", line NULLS FIRST, "column", code {lim}"""
        )
        names = ("severity", "code", "table", "file", "line", "column", "message", "value")
        while rows := cur.fetchmany(batch):
            for r in rows:
                yield Problem(**dict(zip(names, r, strict=True)))


def connect(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC. With ``memory_limit`` (e.g. ``"3GB"``; default: the
    ``ONRECORD_MEMORY_LIMIT`` environment variable, else DuckDB's own limit) DuckDB spills to a
    temporary folder instead of growing past it."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    limit = memory_limit_setting(memory_limit)
    if limit:
        con.execute("SET memory_limit = ?", [limit])
        spill = tempfile.mkdtemp(prefix="onrecord-spill-")
        con.execute("SET temp_directory = ?", [spill])
        weakref.finalize(con, shutil.rmtree, spill, True)
    return con


def memory_limit_setting(memory_limit: str | None = None) -> str | None:
    """The memory limit in force: the one given, else ``ONRECORD_MEMORY_LIMIT``, else none."""
    return memory_limit or os.environ.get("ONRECORD_MEMORY_LIMIT") or None


UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip


def memory_bytes(limit: str) -> int | None:
    """A memory limit as DuckDB reads it (``3GB``, ``2.5 GiB``, ``800MB``) in bytes; None for a
    spelling this does not know (such as a percentage)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", limit)
    if not m or m.group(2).lower() not in UNITS:
        return None
    return int(float(m.group(1)) * UNITS[m.group(2).lower()])


def load(
    path: str | Path,
    progress: Progress | None = None,
    memory_limit: str | None = None,
    columns: Mapping[str, Collection[str]] | None = None,
    workers: int | None = None,
) -> Package:
    """Read and check the package at ``path``.

    Raises :class:`StructuralError` (listing every structural problem) when the package cannot
    be read as a whole; otherwise returns the package with its kept rows and all row errors and
    findings, so that callers decide what to do with an imperfect package.

    ``columns`` (table -> column names) keeps only those columns of the tables it lists (and
    ``_line``); the others are checked and counted all the same, but their values are never
    stored: for jobs that read a few columns of a large package.

    ``workers`` files are read at once (default: one per core, at most four), each finding made
    as soon as the tables it reads are in (``parallel.py``); with 1, one after another in the
    contract's order, then the findings: the plain path, which gives the same tables, lines,
    problems and errors.
    """
    root = Path(path)
    department, problems = read_department(root) if root.is_dir() else (Department(), [])
    files, more = locate(root)
    problems += more
    if problems:
        raise StructuralError(problems)

    con = connect(memory_limit)
    con.execute(PROBLEMS_DDL)
    pkg = Package(root, department, con, memory_limit=memory_limit_setting(memory_limit))
    tz = department.timezone

    def read(c: duckdb.DuckDBPyConnection, name: str) -> TableLoad:
        if progress:
            progress(f"reading {files[name].name}")
        keep = None
        if columns is not None and name in columns:
            keep = {*columns[name], *findings.COLUMNS.get(name, ())}
        return read_one(c, files[name], tz, keep)

    n = workers if workers is not None else min(os.cpu_count() or 1, MAX_WORKERS)
    if n > 1:
        pkg.loads.update(read_all(con, files, tz, read, n, progress))
    else:
        for name in TABLES:  # contract order, so references load before they are used
            if name in files:
                pkg.loads[name] = read(con, name)
        if progress:
            progress("cross-checking tables")
        findings.run_all(con, {n: f.name for n, f in files.items()}, tz)
    if columns is not None:
        pkg.narrow(columns)
    return pkg


def read_one(
    con: duckdb.DuckDBPyConnection, tf: TableFile, timezone: str, keep: Collection[str] | None
) -> TableLoad:
    """:func:`reader.read_table`, its failure a structural error naming the file."""
    try:
        return read_table(con, tf, timezone, keep)
    except (duckdb.Error, ValueError, OSError) as e:
        raise _unreadable(tf.name, tf.table, f"cannot be read: {e}; re-export the file") from e
    except Exception as e:  # a bug: still the file's name, and no traceback
        msg = (
            f"cannot be read: an unexpected {type(e).__name__} in OnRecord ({e}); this "
            "is a bug: please report it with the file"
        )
        raise _unreadable(tf.name, tf.table, msg) from e


def _unreadable(file: str, table: str, message: str) -> StructuralError:
    return StructuralError(
        [
            Problem(
                severity=Severity.STRUCTURAL,
                code=Code.UNREADABLE_FILE,
                table=table,
                file=file,
                message=message,
            )
        ]
    )
