"""The engine puts its measures back beside the rows by position, and ``run_audit`` loads only
the columns the audit reads: both must leave every figure unchanged, and a measure out of step
with its row must stop the audit rather than land on the wrong row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

import onrecord
from onrecord.audit import engine, run_audit
from onrecord.demo import generate
from onrecord.package.schema import TABLES as TABLES_READ
from onrecord.policy import load_policy
from package_writer import WritePackage

TABLES = {
    "shifts": """
        shift_id,officer_id,start,end,kind,unit
        s1,o1,2019-08-31T08:00:00,2019-08-31T16:00:00,regular,A
        s2,o2,2019-08-31T08:00:00,2019-08-31T16:00:00,overtime,
        s3,o1,2019-09-01T08:00:00,2019-09-01T16:00:00,detail,B
    """,
    "encounters": """
        encounter_id,officer_id,type,start,end,call_type
        e1,o1,arrest,2019-08-31T09:00:00,2019-08-31T09:30:00,x
        e2,o2,traffic_stop,2019-08-31T10:00:00,2019-08-31T10:20:00,y
        e3,o1,arrest,2019-09-01T09:00:00,2019-09-01T09:10:00,z
        e4,o3,arrest,2019-09-02T09:00:00,2019-09-02T09:10:00,z
    """,
    "recordings": """
        recording_id,officer_id,start,end,stop_reason,sha256
        r1,o1,2019-08-31T08:59:00,2019-08-31T09:31:00,,"""
    + "ab" * 32
    + """
        r2,o2,2019-08-31T10:05:00,2019-08-31T10:20:00,privacy,
        r3,o1,2019-09-01T08:00:00,2019-09-01T09:05:00,,
    """,
    "officers": """
        officer_id,station_id,unit
        o1,B2,Patrol
        o2,C6,Traffic
    """,
}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def test_narrow_keeps_the_listed_columns_and_frees_the_others(write_package: WritePackage) -> None:
    pkg = onrecord.load(write_package(**TABLES))
    before = pkg.con.execute(
        'SELECT officer_id, start, "end", stop_reason, _line FROM recordings ORDER BY _line'
    ).fetchall()
    assert "sha256" in _columns(pkg.con, "_typed_recordings")
    pkg.narrow({"recordings": ("officer_id", "start", "end", "stop_reason"), "absent": ("x",)})
    assert _columns(pkg.con, "recordings") == ["officer_id", "start", "end", "stop_reason", "_line"]
    typed = _columns(pkg.con, "_typed_recordings")
    assert "sha256" not in typed and "recording_id" not in typed
    assert "__onrecord_n_start" in typed and "__onrecord_z_start" in typed
    after = pkg.con.execute("SELECT * FROM recordings ORDER BY _line").fetchall()
    assert after == before
    assert "call_type" in _columns(pkg.con, "encounters")  # tables not listed are untouched


def test_loading_some_columns_checks_every_column_and_keeps_the_listed_ones(
    tmp_path: Path,
) -> None:
    """A load that keeps a few columns excludes and reports exactly what a whole load does (a
    bad digest still excludes its recording), makes the same findings, and keeps those columns
    with the same values."""
    root = tmp_path / "demo"
    generate(root, officers=40, days=7, seed=3)
    lines = (root / "recordings.csv").read_text().splitlines()
    digest = lines[5].split(",")[-1]
    lines[5] = lines[5].replace(digest, "not-a-digest")
    (root / "recordings.csv").write_text("\n".join(lines) + "\n")
    whole = onrecord.load(root)
    some = onrecord.load(root, columns={t: () for t in TABLES_READ} | {"recordings": ("start",)})
    problems = list(whole.problems())
    assert any(p.line == 6 and p.column == "sha256" for p in problems)
    assert list(some.problems()) == problems
    assert {n: (x.rows_read, x.rows_kept, x.excluded) for n, x in some.loads.items()} == {
        n: (x.rows_read, x.rows_kept, x.excluded) for n, x in whole.loads.items()
    }
    assert _columns(some.con, "recordings") == ["start", "_line"]
    assert _columns(some.con, "shifts") == ["_line"]
    assert "__onrecord_bad" not in _columns(some.con, "_typed_recordings")
    sql = "SELECT start, _line FROM recordings ORDER BY _line"
    assert some.con.execute(sql).fetchall() == whole.con.execute(sql).fetchall()


def test_a_narrowed_package_audits_exactly_like_the_whole_one(
    write_package: WritePackage, tmp_path: Path
) -> None:
    root = write_package(**TABLES)
    narrowed = run_audit(root, tmp_path / "narrowed", policy="mandate-all")
    whole = run_audit(onrecord.load(root), tmp_path / "whole", policy="mandate-all")
    assert narrowed.summary["rates"] == whole.summary["rates"]
    for name in ("shifts.csv", "encounters.csv"):
        assert (tmp_path / "narrowed" / name).read_bytes() == (
            tmp_path / "whole" / name
        ).read_bytes()
    rows = (tmp_path / "whole" / "encounters.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows] == ["encounter_id", "e1", "e2", "e3", "e4"]
    assert [r.split(",")[6] for r in rows[1:]] == ["regular", "overtime", "detail", "unscheduled"]


def test_measures_out_of_step_with_their_rows_stop_the_audit(
    write_package: WritePackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measures computed for the encounters read in one order and put back beside a scan in
    another would give each encounter another's figures; the engine checks every row's line."""
    pkg = onrecord.load(write_package(**TABLES))
    arrays = engine._arrays

    def reversed_encounters(con: Any, sql: str, officers: Any) -> dict[str, Any]:
        out = arrays(con, sql, officers)
        return {k: v[::-1] for k, v in out.items()} if "FROM encounters" in sql else out

    monkeypatch.setattr(engine, "_arrays", reversed_encounters)
    with pytest.raises(duckdb.InvalidInputException, match="out of step"):
        engine.run(pkg, load_policy("mandate-all"))


def test_work_alongside_reads_audit_shifts_while_encounters_are_built(
    write_package: WritePackage,
) -> None:
    """``alongside`` gets a second connection once ``audit_shifts`` exists (in UTC, like the
    package's), and its error reaches the caller."""
    pkg = onrecord.load(write_package(**TABLES))
    seen: list[Any] = []

    def count(con: duckdb.DuckDBPyConnection) -> None:
        assert con is not pkg.con
        seen.append(
            con.execute("SELECT count(*), min(start)::VARCHAR FROM audit_shifts").fetchall()
        )

    engine.run(pkg, load_policy("mandate-all"), alongside=count)
    assert seen == [[(3, "2019-08-31 12:00:00+00")]]

    def fail(_con: duckdb.DuckDBPyConnection) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        engine.run(pkg, load_policy("mandate-all"), alongside=fail)
    assert pkg.con.execute("SELECT count(*) FROM audit_encounters").fetchall() == [(4,)]


def test_audit_shifts_out_of_step_with_the_shifts_read_stop_the_audit(
    write_package: WritePackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An encounter's context shift is an index into the shifts read; ``required`` comes from
    ``audit_shifts``, which must hold them in the same order, or each encounter would take
    another shift's requirement. The engine checks every line instead."""
    pkg = onrecord.load(write_package(**TABLES))
    shifts = engine._shifts

    def reordered(con: duckdb.DuckDBPyConnection, *args: Any) -> None:
        shifts(con, *args)
        con.execute("CREATE OR REPLACE TABLE audit_shifts AS "
                    "SELECT * FROM audit_shifts ORDER BY _line DESC")  # fmt: skip

    monkeypatch.setattr(engine, "_shifts", reordered)
    with pytest.raises(RuntimeError, match="out of step"):
        engine.run(pkg, load_policy("mandate-all"))
