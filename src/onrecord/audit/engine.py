"""The audit engine: every shift and every encounter against a policy, in a few DuckDB queries.

Definitions are those of the methodology (``shared/spec/audit.md``; ``docs/methodology.md``).
Nothing loops over rows in Python: unions of intervals become indexed islands
(``intervals.py``) and each shift or encounter is measured with ASOF lookups into them. The
plain-Python reference in ``tests/reference_audit.py`` implements the same definitions directly
and the property tests require both to agree on every row.

Results are two DuckDB tables on the package's connection, ``audit_shifts`` and
``audit_encounters``, with one row per kept shift or encounter.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from onrecord.audit.intervals import build_islands, prefix_sql
from onrecord.audit.possession import device_possession_sql
from onrecord.package.loader import Package
from onrecord.package.values import sql_str
from onrecord.policy import Policy
from onrecord.policy.requirement import in_list, officer_join, shift_requirement

US = 1_000_000
Con = duckdb.DuckDBPyConnection
Progress = Callable[[str], None]


def run(pkg: Package, policy: Policy, progress: Progress | None = None) -> None:
    """Create ``audit_shifts`` and ``audit_encounters`` for ``pkg`` under ``policy``."""
    con, tz = pkg.con, sql_str(pkg.department.timezone)
    say = progress or (lambda _msg: None)
    has = set(pkg.tables)
    say("merging recordings")
    # Officers are numbered once: every window, ASOF lookup and join below then keys on an
    # integer. Only officers with shifts or encounters matter to the audit.
    sources = [f"SELECT officer_id FROM {t}" for t in ("shifts", "encounters") if t in has]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _oid AS
        SELECT officer_id, row_number() OVER (ORDER BY officer_id) AS oi
        FROM (SELECT DISTINCT officer_id FROM ({" UNION ALL ".join(sources)}))"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _rec AS SELECT i.oi AS o, epoch_us(r.start) AS s,
           epoch_us(r."end") AS e, r.stop_reason
           FROM recordings r JOIN _oid i ON i.officer_id = r.officer_id"""
    )
    allowed = policy.deactivation.allowed_reasons
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ok_ends AS SELECT DISTINCT o, e FROM _rec
            WHERE {in_list("stop_reason", allowed)}"""
    )
    build_islands(con, "_r_isl", "SELECT o, s, e FROM _rec")
    _add_gap_counts(con, policy)

    if "shifts" in has:
        say("measuring shifts")
        possession = "SELECT o, s, e FROM _rec"
        if "device_events" in has:
            dev = device_possession_sql("cameras" in has, policy.equipment.max_possession_hours)
            possession += (
                f" UNION ALL SELECT i.oi AS o, d.s, d.e FROM ({dev}) d "
                "JOIN _oid i ON i.officer_id = d.o"
            )
        build_islands(con, "_p_isl", possession)
        _shifts(con, policy, tz, "officers" in has)
    else:
        _no_shifts(con)
    if "encounters" in has:
        say("measuring encounters")
        _encounters(con, policy, tz, "officers" in has)
    else:
        _no_encounters(con)
    con.execute("DROP TABLE _rec; DROP TABLE _ok_ends; DROP TABLE _r_isl; DROP TABLE _oid")
    if "shifts" in has:
        con.execute("DROP TABLE _p_isl")


def _add_gap_counts(con: Con, policy: Policy) -> None:
    """Per island: is the gap after it long (> max_gap_s), and excused (a recording with an
    allowed reason ends where it begins); and how many of each come before the island."""
    max_gap = round(policy.recording_required.max_gap_s * US)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _r_isl AS
        WITH g AS (
            SELECT i.*, first_value(i.s) OVER (PARTITION BY i.o ORDER BY i.k) AS first_s,
                   (i.next_s - i.e > {max_gap}) AND ok.e IS NULL AS g_unexc,
                   (i.next_s - i.e > {max_gap}) AND ok.e IS NOT NULL AS g_exc
            FROM _r_isl i LEFT JOIN _ok_ends ok ON ok.o = i.o AND ok.e = i.e)
        SELECT *,
            coalesce(sum(g_unexc::INT) OVER w, 0) AS u_before,
            coalesce(sum(g_exc::INT) OVER w, 0) AS x_before
        FROM g WINDOW w AS (PARTITION BY o ORDER BY k
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"""
    )


def _window_lengths(con: Con, name: str, source: str, islands: str) -> None:
    """``name`` (_line, us): the length of each window ``[a, b)`` of ``source`` (_line, o, a, b)
    covered by the union in ``islands``, from two ASOF lookups on narrow rows."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
        SELECT x._line, {prefix_sql("ib", "x.b")} - {prefix_sql("ia", "x.a")} AS us
        FROM {source} x
        ASOF LEFT JOIN {islands} ia ON ia.o = x.o AND x.a >= ia.s
        ASOF LEFT JOIN {islands} ib ON ib.o = x.o AND x.b >= ib.s"""
    )


def _shifts(con: Con, policy: Policy, tz: str, has_officers: bool) -> None:
    rr = policy.recording_required
    req = shift_requirement(policy, tz)
    recording = ""
    if rr.whole_shift:
        recording = f""",
            CASE WHEN NOT required THEN 'not_required'
                 WHEN recorded_ratio >= {rr.min_shift_recorded_ratio} THEN 'recorded'
                 ELSE 'under_recorded' END AS recording"""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sh AS
        SELECT x._line, i.oi AS o, epoch_us(x.start) AS a, epoch_us(x."end") AS b
        FROM shifts x JOIN _oid i USING (officer_id)"""
    )
    _window_lengths(con, "_sh_r", "_sh", "_r_isl")
    _window_lengths(con, "_sh_p", "_sh", "_p_isl")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE audit_shifts AS
        WITH base AS (
            SELECT x.shift_id, x.officer_id, x.kind,
                   coalesce(x.station_id, ofc.station_id) AS station_id,
                   coalesce(x.unit, ofc.unit) AS unit, x.start, x."end",
                   epoch_us(x.start) AS a, epoch_us(x."end") AS b,
                   strftime(timezone({tz}, x.start), '%Y-%m') AS month,
                   {req.eligible} AS eligible, {req.trained} AS trained,
                   r.us AS recorded_us, p.us AS possessed_us, x._line
            FROM shifts x {officer_join(has_officers)}
            JOIN _sh_r r ON r._line = x._line JOIN _sh_p p ON p._line = x._line),
        rated AS (
            SELECT *, eligible AND trained AS required,
                   (b - a) / {US}.0 / 3600 AS hours,
                   possessed_us / (b - a)::DOUBLE AS possession_ratio,
                   recorded_us / (b - a)::DOUBLE AS recorded_ratio
            FROM base)
        SELECT shift_id, officer_id, kind, station_id, unit, start, "end", hours, required,
               possession_ratio, recorded_ratio,
               CASE WHEN eligible AND NOT trained THEN 'untrained'
                    WHEN NOT required THEN 'not_required'
                    WHEN possession_ratio >= {policy.equipment.min_possession_ratio}
                         THEN 'equipped'
                    ELSE 'unequipped' END AS equipment{recording},
               month, possessed_us, recorded_us, a, b, _line
        FROM rated"""
    )
    con.execute("DROP TABLE _sh; DROP TABLE _sh_r; DROP TABLE _sh_p")


def _no_shifts(con: Con) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE audit_shifts (shift_id VARCHAR, officer_id VARCHAR,
        kind VARCHAR, station_id VARCHAR, unit VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ,
        hours DOUBLE, required BOOLEAN, possession_ratio DOUBLE, recorded_ratio DOUBLE,
        equipment VARCHAR, month VARCHAR, possessed_us BIGINT, recorded_us BIGINT, a BIGINT,
        b BIGINT, _line BIGINT)"""
    )


def _context(con: Con) -> None:
    """``_ctx``: each encounter's context shift (largest overlap; ties: earliest start, then
    smallest shift_id; an instant takes the shift with start <= t < end).

    An officer's candidate shifts are a contiguous run in start order: from the first whose
    running-maximum end passes ``a`` to the last that starts before ``b``. Only that run is
    joined, so the work follows the overlaps, not officers × shifts.
    """
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _sr AS
        SELECT i.oi AS o, x.shift_id, x._line, x.a AS s, x.b AS e,
               row_number() OVER w AS r, max(x.b) OVER w AS reach
        FROM audit_shifts x JOIN _oid i USING (officer_id)
        WINDOW w AS (PARTITION BY i.oi ORDER BY x.a, x.shift_id ROWS UNBOUNDED PRECEDING)"""
    )
    # ASOF returns one row among equal keys: keep the last rank for each start and each reach.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _reach AS
        SELECT o, reach, max(r) AS r FROM _sr GROUP BY o, reach"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _starts AS
        SELECT o, s, max(r) AS r FROM _sr GROUP BY o, s"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _ctx AS
        WITH bounds AS (
            SELECT en._line, en.o, en.a, en.b,
                   coalesce(lo.r, 0) + 1 AS r_lo, hi.r AS r_hi
            FROM _enc en
            ASOF LEFT JOIN _reach lo ON lo.o = en.o AND en.a >= lo.reach
            ASOF LEFT JOIN _starts hi ON hi.o = en.o AND en.hi_key > hi.s),
        cand AS (
            SELECT _line, o, a, b, unnest(range(r_lo, r_hi + 1)) AS r
            FROM bounds WHERE r_hi > r_lo),
        scored AS (
            SELECT c._line, sr._line AS shift_line, sr.shift_id, sr.s,
                   least(c.b, sr.e) - greatest(c.a, sr.s) AS ov, c.a, c.b, sr.e
            FROM cand c JOIN _sr sr ON sr.o = c.o AND sr.r = c.r)
        -- most encounters have a single candidate: it needs no ranking
        SELECT c._line, sr._line AS shift_line
        FROM bounds c JOIN _sr sr ON sr.o = c.o AND sr.r = c.r_lo
        WHERE c.r_hi = c.r_lo AND CASE WHEN c.a = c.b THEN sr.s <= c.a AND c.a < sr.e
                                       ELSE least(c.b, sr.e) > greatest(c.a, sr.s) END
        UNION ALL
        SELECT _line, shift_line FROM scored
        WHERE CASE WHEN a = b THEN s <= a AND a < e ELSE ov > 0 END
        QUALIFY row_number() OVER (PARTITION BY _line ORDER BY ov DESC, s, shift_id) = 1
        """
    )


def _coverage(con: Con, policy: Policy) -> None:
    """``_cov`` (_line, flags…): how each encounter window is covered by R(o), on narrow rows.

    ``first``/``last`` are the earliest and latest covered instants; the gaps between them are
    the holes between the islands they fall in, counted by the islands' running totals.
    """
    rr = policy.recording_required
    sg, eg = round(rr.start_grace_s * US), round(rr.end_grace_s * US)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cov AS
        WITH looked AS (
            SELECT x._line, x.o, x.a, x.b,
                   ia.k AS ka, ia.e AS ea, ia.next_s AS na, ia.u_before AS ua,
                   ia.x_before AS xa, ia.g_unexc AS gua, ia.g_exc AS gxa,
                   ib.e AS eb, ib.first_s AS fb, ib.u_before AS ub, ib.x_before AS xb,
                   {prefix_sql("ib", "x.b")} - {prefix_sql("ia", "x.a")} AS covered
            FROM _enc x
            ASOF LEFT JOIN _r_isl ia ON ia.o = x.o AND x.a >= ia.s
            ASOF LEFT JOIN _r_isl ib ON ib.o = x.o AND x.b > ib.s),
        bounds AS (
            SELECT *,
                CASE WHEN a = b THEN ka IS NOT NULL AND a < ea ELSE covered > 0 END AS has_video,
                CASE WHEN ka IS NOT NULL AND a < ea THEN a
                     WHEN ka IS NOT NULL THEN na ELSE fb END AS first,
                CASE WHEN a = b THEN a ELSE least(b, eb) END AS last,
                coalesce(ua, 0) + CASE WHEN ka IS NOT NULL AND a >= ea THEN gua::INT ELSE 0 END
                    AS u_first,
                coalesce(xa, 0) + CASE WHEN ka IS NOT NULL AND a >= ea THEN gxa::INT ELSE 0 END
                    AS x_first
            FROM looked)
        SELECT _line, has_video,
               has_video AND first > a + {sg} AS late_start,
               has_video AND last < b - {eg} AS stopped_early,
               has_video AND a < b AND ub - u_first > 0 AS unexcused_gap,
               has_video AND a < b AND xb - x_first > 0 AS excused_gap,
               ok.e IS NOT NULL AS stop_allowed,
               CASE WHEN a = b THEN has_video::INT::DOUBLE
                    ELSE covered / (b - a)::DOUBLE END AS coverage_ratio
        FROM bounds LEFT JOIN _ok_ends ok ON ok.o = bounds.o AND ok.e = bounds.last"""
    )


def _encounters(con: Con, policy: Policy, tz: str, has_officers: bool) -> None:
    rr = policy.recording_required
    type_ok = in_list("x.type", rr.encounter_types)
    outside = "true" if rr.outside_required_shifts else "false"
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _enc AS SELECT x._line, i.oi AS o,
           epoch_us(x.start) AS a, epoch_us(x."end") AS b,
           -- an instant's shift starts at or before it; an interval's starts before its end
           CASE WHEN x.start = x."end" THEN epoch_us(x.start) + 1 ELSE epoch_us(x."end") END
               AS hi_key
           FROM encounters x JOIN _oid i USING (officer_id)"""
    )
    _context(con)
    _coverage(con, policy)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE audit_encounters AS
        WITH base AS (
            SELECT x.encounter_id, x.officer_id, x.type, x.start, x."end", x.incident_id,
                   epoch_us(x.start) AS a, epoch_us(x."end") AS b, sh.shift_id,
                   coalesce(sh.kind, 'unscheduled') AS shift_kind,
                   coalesce(sh.station_id, ofc.station_id) AS station_id,
                   coalesce(sh.unit, ofc.unit) AS unit,
                   strftime(timezone({tz}, x.start), '%Y-%m') AS month,
                   ({type_ok}) AND (coalesce(sh.required, false) OR {outside}
                                    OR sh.shift_id IS NULL) AS required,
                   c.*, x._line
            FROM encounters x
            JOIN _cov c ON c._line = x._line
            LEFT JOIN _ctx ctx ON ctx._line = x._line
            LEFT JOIN audit_shifts sh ON sh._line = ctx.shift_line
            {officer_join(has_officers)})
        SELECT encounter_id, officer_id, type, start, "end", shift_id, shift_kind, station_id,
               unit, required,
               CASE WHEN NOT required THEN 'not_required'
                    WHEN NOT has_video THEN 'no_video'
                    WHEN late_start THEN 'late_start'
                    WHEN stopped_early AND NOT stop_allowed THEN 'early_stop'
                    WHEN unexcused_gap THEN 'gap'
                    WHEN (stopped_early AND stop_allowed) OR excused_gap THEN 'excused'
                    ELSE 'compliant' END AS outcome,
               coverage_ratio, late_start,
               stopped_early AND NOT stop_allowed AS early_stop,
               unexcused_gap,
               (stopped_early AND stop_allowed) OR excused_gap AS excused,
               month, incident_id, a, b, _line
        FROM base"""
    )
    con.execute("DROP TABLE _enc; DROP TABLE _sr; DROP TABLE _reach; DROP TABLE _starts")
    con.execute("DROP TABLE _ctx")
    con.execute("DROP TABLE _cov")


def _no_encounters(con: Con) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE audit_encounters (encounter_id VARCHAR,
        officer_id VARCHAR, type VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ,
        shift_id VARCHAR, shift_kind VARCHAR, station_id VARCHAR, unit VARCHAR,
        required BOOLEAN, outcome VARCHAR, coverage_ratio DOUBLE, late_start BOOLEAN,
        early_stop BOOLEAN, unexcused_gap BOOLEAN, excused BOOLEAN, month VARCHAR,
        incident_id VARCHAR, a BIGINT, b BIGINT, _line BIGINT)"""
    )
