"""Unions of intervals per officer, indexed so that any window can be measured with two lookups.

R(o) (recorded) and P(o) (possessed) are unions of half-open intervals. Merging them into
disjoint, ordered *islands* with a running total of their lengths turns every question the audit
asks into ASOF lookups: the covered length of a window ``[a, b)`` is ``F(b) - F(a)`` where
``F(t) = |union ∩ (-inf, t)|`` is the prefix length at ``t``. Times are integer microseconds
since the epoch (``epoch_us``), so every sum is exact.
"""

from __future__ import annotations

import duckdb


def build_islands(con: duckdb.DuckDBPyConnection, name: str, source: str) -> None:
    """Create table ``name`` (o, k, s, e, cum, next_s) from ``source`` rows (o, s, e).

    ``k`` numbers an officer's islands from 1 in time order, ``cum`` is the length of the
    officer's islands before this one, ``next_s`` the start of the next island (NULL for the
    last). Intervals that merely touch are one island: ``[1, 2) ∪ [2, 3) = [1, 3)``. Empty
    intervals (``e <= s``) have no length and are left out.
    """
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
        WITH x AS (SELECT o, s, e FROM ({source}) WHERE e > s AND o IS NOT NULL),
        y AS (SELECT *, max(e) OVER (PARTITION BY o ORDER BY s, e
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach FROM x),
        z AS (SELECT *, sum(CASE WHEN reach IS NULL OR s > reach THEN 1 ELSE 0 END)
                  OVER (PARTITION BY o ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS k FROM y),
        isl AS (SELECT o, k, min(s) AS s, max(e) AS e FROM z GROUP BY o, k)
        SELECT o, k, s, e,
               coalesce(sum(e - s) OVER (PARTITION BY o ORDER BY k
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS cum,
               lead(s) OVER (PARTITION BY o ORDER BY k) AS next_s
        FROM isl"""
    )


def prefix_sql(island: str, t: str) -> str:
    """SQL for F(t), given the ASOF-joined island alias (last island with ``s <= t``)."""
    return f"coalesce({island}.cum + least({t}, {island}.e) - {island}.s, 0)"
