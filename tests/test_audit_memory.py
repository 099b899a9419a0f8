"""One memory budget for the process: while the engine's arrays exist, DuckDB's limit is lowered
by their size, and restored afterwards."""

from __future__ import annotations

from typing import Any

import pytest

import onrecord
from onrecord.audit import engine
from onrecord.package.loader import memory_bytes
from onrecord.policy import load_policy
from package_writer import WritePackage


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3GB", 3 * 10**9), ("2.5 GiB", int(2.5 * 2**30)), ("800MB", 8 * 10**8),
     ("1024 KiB", 2**20), ("123", 123), ("80%", None), ("lots", None)],
)  # fmt: skip
def test_memory_bytes(text: str, expected: int | None) -> None:
    assert memory_bytes(text) == expected


def _limit(con: Any) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_duckdb_makes_room_for_the_arrays(
    write_package: WritePackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_package(
        timezone="UTC",
        shifts="""
            shift_id,officer_id,start,end,kind
            s1,o1,2019-08-31T08:00:00,2019-08-31T16:00:00,regular
        """,
        encounters="""
            encounter_id,officer_id,type,start,end
            e1,o1,arrest,2019-08-31T09:00:00,2019-08-31T09:30:00
        """,
    )
    pkg = onrecord.load(root, memory_limit="1GB")
    before = _limit(pkg.con)
    during: list[str] = []
    measure = engine.measure

    def spy(*args: Any) -> Any:
        during.append(_limit(pkg.con))
        return measure(*args)

    monkeypatch.setattr(engine, "ARRAY_BYTES_PER_ROW", 100_000_000)  # 2 rows: 200 MB
    monkeypatch.setattr(engine, "measure", spy)
    engine.run(pkg, load_policy("mandate-all"))
    assert before == "953.6 MiB"
    assert during == ["762.9 MiB"]  # 1 GB - 200 MB
    assert _limit(pkg.con) == before
    assert pkg.con.execute("SELECT outcome FROM audit_encounters").fetchall() == [("no_video",)]
