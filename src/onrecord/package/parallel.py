"""Reading a package's files several at once, and making each finding as soon as the tables it
reads are in.

DuckDB types a CSV file's rows on one thread (their line numbers are taken on the scan, in file
order: ``reader._csv_source``), and much of each finding runs on one thread too, so reading a
package one file after another leaves the other cores mostly idle. Here each file is read on a
connection (cursor) of its own, the largest first, and each finding (``findings.steps``) is made
as soon as the tables it reads are in, while other files are still being read.

The result is that of reading one file after another (``load(workers=1)``, which the tests hold
this to): the same tables, line numbers and problems (only the order in which ``_problems``
receives them differs, and whoever reads it orders them), and, when files cannot be read, the
structural error of the first of them in the contract's order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import duckdb

from onrecord.package import findings
from onrecord.package.files import TableFile
from onrecord.package.problems import StructuralError
from onrecord.package.reader import TableLoad
from onrecord.package.schema import TABLES

Con = duckdb.DuckDBPyConnection


def read_all(
    con: Con,
    files: dict[str, TableFile],
    timezone: str,
    read: Callable[[Con, str], TableLoad],
    workers: int,
    progress: Callable[[str], None] | None = None,
) -> dict[str, TableLoad]:
    """Read every file with ``read(connection, table)`` and make every finding, ``workers`` at
    a time, each on a cursor of ``con``; the loads in the contract's order. ``read`` raises
    :class:`StructuralError` for a file that cannot be read: the other files are still read
    (so that the error raised is always that of the first such file in the contract's order),
    but no finding is made after it."""
    steps = findings.steps({n: f.name for n, f in files.items()}, timezone)
    local = threading.local()
    cursors: list[Con] = []
    lock = threading.Lock()

    def cursor() -> Con:
        c: Con | None = getattr(local, "con", None)
        if c is None:
            c = con.cursor()  # settings of the session, unlike the database's, are its own
            c.execute("SET TimeZone = 'UTC'")
            c.execute("SET enable_progress_bar = false")
            with lock:
                cursors.append(c)
            local.con = c
        return c

    def read_file(name: str) -> TableLoad:
        return read(cursor(), name)

    def find(step: findings.Step) -> None:
        step.make(cursor())

    loads: dict[str, TableLoad] = {}
    failed: dict[str, StructuralError] = {}
    by_size = sorted(files, key=lambda n: files[n].path.stat().st_size, reverse=True)
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="onrecord-load") as pool:
            running: dict[Future[Any], str | None] = {
                pool.submit(read_file, name): name for name in by_size
            }
            reading = len(running)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    name = running.pop(future)
                    if name is None:  # a finding: its error, if any, is a bug to raise
                        future.result()
                        continue
                    reading -= 1
                    try:
                        loads[name] = future.result()
                    except StructuralError as e:
                        failed[name] = e
                if failed:
                    continue
                ready = [s for s in steps if s.tables <= loads.keys()]
                steps = [s for s in steps if not s.tables <= loads.keys()]
                if not reading and ready and progress:  # what is left once all files are in
                    progress("cross-checking tables")
                for step in ready:
                    running[pool.submit(find, step)] = None
    finally:
        for c in cursors:
            c.close()
    if failed:
        raise failed[next(n for n in TABLES if n in failed)]
    return {n: loads[n] for n in TABLES if n in loads}
