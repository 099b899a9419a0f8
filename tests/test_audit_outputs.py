"""Row-level outputs come out in source-line order whatever order the audit tables hold them in:
the writer skips the sort only when the table is already in ``_line`` order."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from onrecord import output
from onrecord.audit import outputs
from onrecord.package.formats import TableFormat

N = 5000


def _tables(order: str) -> duckdb.DuckDBPyConnection:
    """Audit tables of N rows (instants every 7 minutes from 2019-11-02, across New York's
    change), stored in the given order of ``_line``."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    base = f"""SELECT i AS _line, 1572652800000000 + i * 420000000 AS a,
                      1572652800000000 + i * 420000000 + 1800000000 + i % 3 * 250000 AS b,
                      'X' || i AS id, 'O' || (i % 7) AS officer_id, i % 2 = 0 AS flag,
                      i / {N}.0 AS ratio
               FROM range({N}) t(i) ORDER BY {order}"""
    con.execute(
        f"""CREATE TABLE audit_shifts AS
        SELECT id AS shift_id, officer_id, 'patrol' AS kind, 'A-1' AS station_id,
               make_timestamptz(a) AS start, make_timestamptz(b) AS "end",
               (b - a) / 3.6e9 AS hours, flag AS required, ratio AS possession_ratio,
               ratio AS recorded_ratio, 'equipped' AS equipment, a, b, _line
        FROM ({base})"""
    )
    con.execute(
        f"""CREATE TABLE audit_encounters AS
        SELECT id AS encounter_id, officer_id, 'arrest' AS type,
               make_timestamptz(a) AS start, make_timestamptz(b) AS "end", id AS shift_id,
               'patrol' AS shift_kind, flag AS required, 'compliant' AS outcome,
               ratio AS coverage_ratio, flag AS late_start, flag AS early_stop,
               flag AS unexcused_gap, flag AS excused, a, b, _line
        FROM ({base})"""
    )
    return con


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_rows_in_line_order_whatever_the_table_order(tmp_path: Path, fmt: TableFormat) -> None:
    written = {}
    for order in ("i", "hash(i)", "i DESC"):
        con = _tables(order)
        assert outputs._scan(con, "audit_shifts")[0] == (order == "i")
        written[order] = outputs.write_rows(
            con, tmp_path / order, "America/New_York", fmt, whole_shift=False
        )
    for name, path in written["i"].items():
        if fmt == "csv":
            with path.open(newline="") as f:
                ids = [r[0] for r in csv.reader(f)][1:]
        else:
            ids = pq.read_table(path).column(0).to_pylist()
        assert ids == [f"X{i}" for i in range(N)]
        for order in ("hash(i)", "i DESC"):
            assert written[order][name].read_bytes() == path.read_bytes()


def test_summary_json_is_indented_except_the_items_of_long_lists(tmp_path: Path) -> None:
    """Short structures are written exactly as ``json.dumps(indent=2)`` writes them; a list of
    more than ``LONG_LIST`` items has one compact item per line; the values are unchanged."""
    short = {"a": [1, 2, {"b": [], "c": {}}], "d": "é", "e": [{"x": None, "y": 0.5}] * 3}
    assert output._json(short) == json.dumps(short, indent=2)
    rows = [{"key": f"{i:06d}", "n": i, "rate": {"numerator": i, "rate": None}} for i in range(101)]
    doc = {"rates": {"by": {"officer": rows}}, "period": {"from": "2019-01-01"}}
    path = output.write_summary(doc, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == doc
    lines = text.splitlines()
    assert lines[4] == '        {"key": "000000", "n": 0, "rate": {"numerator": 0, "rate": null}},'
    # {, "rates": {, "by": {, "officer": [, the items, ], }, }, "period": {, "from", }, }
    assert len(lines) == 4 + 101 + 3 + 3 + 1
