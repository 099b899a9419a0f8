"""What the planner reads from a package: the shifts to plan for and the cameras there are.

The selection is SQL on the package's connection (so 6M shifts never pass through Python one by
one); the result is NumPy arrays of integer codes, in the order the model places shifts: by
start, shifts starting together in the package's row order (an integer sort key: sorting 6M
shifts by start and then text ids took twice as long). The text columns stay beside them in
Arrow for the outputs; the codes of officers and stations stay on the connection
(``_plan_officers``, ``_plan_stations``) so that the cameras are read in the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from onrecord.battery import BATTERY_HOURS, RECHARGE_HOURS
from onrecord.package.loader import Package
from onrecord.package.values import sql_str
from onrecord.plan.params import PersonalCameras, PlanParameters
from onrecord.policy import Policy
from onrecord.policy.requirement import officer_join, shift_requirement

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

NO_STATION = -1


class PlanError(Exception):
    """The package cannot be planned from (no shifts table, say). The CLI exits with status 2."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class Selection:
    """Which shifts are planned for: a policy's required shifts, or every shift, in a date range."""

    policy: Policy | None  # None: every shift (--all-shifts)
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class Schedule:
    """The shifts to plan for, one array element per shift, ordered by start, then row."""

    start: I64  # µs since the epoch, UTC
    end: I64
    station: I64  # index into ``stations``; NO_STATION when neither shift nor officer names one
    officer: I64
    kind: I64  # index into ``kinds``
    stations: list[str]
    kinds: list[str]
    dock_slots: I64  # per station; 0 = unknown
    in_range: int  # shifts in the date range, needing a camera or not
    home_station: int  # shifts placed at the officer's home station (the shift names none)
    rows: pa.Table  # shift_id, officer_id, station_id, kind, s, e (µs) in the same order


@dataclass
class Fleet:
    """The cameras the model may use, resolved to the planner's battery parameters."""

    pool_ids: list[list[str]]  # per station: in-service pool camera ids, sorted
    pool_battery: F64  # per station: the shortest runtime among its pool cameras
    pool_recharge: F64  # per station: the longest recharge among them
    personal: dict[tuple[int, int], list[tuple[str, float, float]]]  # (officer, station) →
    # [(camera id, battery hours, recharge hours)] in camera id order
    personal_docked: I64  # per station: in-service personal cameras of the package docked there
    personal_assumed: I64  # per station: hypothetical ones (--personal-cameras every-officer)

    @cached_property
    def pool_have(self) -> I64:
        return np.array([len(ids) for ids in self.pool_ids], dtype=np.int64)


def _where(tz: str, sel: Selection) -> str:
    """The date range on the shift's local start date; ``tz`` is a SQL string literal."""
    local_day = f"CAST(timezone({tz}, x.start) AS DATE)"
    parts = ["true"]
    if sel.date_from:
        parts.append(f"{local_day} >= DATE '{sel.date_from.isoformat()}'")
    if sel.date_to:
        parts.append(f"{local_day} <= DATE '{sel.date_to.isoformat()}'")
    return " AND ".join(parts)


def _codes(column: pa.ChunkedArray) -> tuple[I64, list[str]]:
    """Dictionary codes of a text column (−1 for null) and the dictionary."""
    enc = pc.dictionary_encode(column).combine_chunks()
    codes = enc.indices.to_numpy(zero_copy_only=False)
    codes = np.where(enc.is_valid().to_numpy(zero_copy_only=False), codes, -1)
    return codes.astype(np.int64), enc.dictionary.to_pylist()


def read_schedule(pkg: Package, sel: Selection) -> Schedule:
    """Select the shifts to plan for, in the model's order, as arrays of codes; the text columns
    stay in Arrow (``Schedule.rows``) for the outputs."""
    if "shifts" not in pkg.loads:
        raise PlanError([f"{pkg.root}: the package has no shifts table; the planner needs one"])
    con = pkg.con
    has_officers = "officers" in pkg.loads
    tz = sql_str(pkg.department.timezone)
    required = shift_requirement(sel.policy, tz).required if sel.policy else "true"
    source = f"FROM shifts x {officer_join(has_officers)} WHERE {_where(tz, sel)}"
    # officer ids are unique, so the join cannot change the count
    [(in_range,)] = con.execute(f"SELECT count(*) FROM shifts x WHERE {_where(tz, sel)}").fetchall()
    rows = con.sql(
        f"""SELECT x.shift_id, x.officer_id, coalesce(x.station_id, ofc.station_id) AS station_id,
                   x.kind, epoch_us(x.start) AS s, epoch_us(x."end") AS e,
                   x.station_id IS NULL AND ofc.station_id IS NOT NULL AS home
            {source} AND {required} ORDER BY x.start, x._line"""
    ).to_arrow_table()
    shift_station, station_dict = _codes(rows["station_id"])
    officer, officer_dict = _codes(rows["officer_id"])
    kind_code, kind_dict = _codes(rows["kind"])
    officer_codes = pa.table(
        {"code": np.arange(len(officer_dict)), "officer_id": pa.array(officer_dict, pa.string())}
    )
    con.register("_plan_officer_codes", officer_codes)
    con.execute("CREATE OR REPLACE TEMP TABLE _plan_officers AS FROM _plan_officer_codes")
    con.unregister("_plan_officer_codes")
    shift_stations = pa.table({"station_id": pa.array(station_dict, pa.string())})
    con.register("_plan_shift_stations", shift_stations)
    sources = ["SELECT station_id FROM _plan_shift_stations"]
    sources += [f"SELECT station_id FROM {t}" for t in ("stations", "cameras") if t in pkg.loads]
    slots = (
        "coalesce((SELECT max(dock_slots) FROM stations t WHERE t.station_id = s.station_id), 0)"
        if "stations" in pkg.loads
        else "0"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _plan_stations AS
            SELECT row_number() OVER (ORDER BY station_id) - 1 AS code, station_id,
                   {slots} AS dock_slots
            FROM (SELECT DISTINCT station_id FROM ({" UNION ALL ".join(sources)})
                  WHERE station_id IS NOT NULL) s"""
    )
    con.unregister("_plan_shift_stations")
    stations = con.execute(
        "SELECT station_id, dock_slots FROM _plan_stations ORDER BY code"
    ).fetchall()
    code_of = {sid: c for c, (sid, _) in enumerate(stations)}
    to_station = np.array([code_of[sid] for sid in station_dict] + [NO_STATION], dtype=np.int64)
    kinds = sorted(kind_dict)
    to_kind = np.array([kinds.index(k) for k in kind_dict] + [0], dtype=np.int64)

    def ints(name: str) -> I64:
        return rows[name].to_numpy().astype(np.int64, copy=False)

    return Schedule(
        start=ints("s"),
        end=ints("e"),
        station=to_station[shift_station],  # a −1 code picks the trailing NO_STATION
        officer=officer,
        kind=to_kind[kind_code],
        stations=[r[0] for r in stations],
        kinds=kinds,
        dock_slots=np.array([int(r[1]) for r in stations], dtype=np.int64),
        in_range=int(in_range),
        home_station=int(pc.sum(rows["home"]).as_py() or 0),
        rows=rows.select(["shift_id", "officer_id", "station_id", "kind", "s", "e"]),
    )


def read_fleet(pkg: Package, n_stations: int, params: PlanParameters) -> Fleet:
    """The in-service cameras by station and by officer (codes of ``read_schedule``)."""
    con = pkg.con

    def hours(override: float | None, column: str, default: float) -> str:
        value = override if override else f"coalesce(c.{column}, {default})"
        return f"CAST({value} AS DOUBLE)"

    battery = hours(params.battery_hours, "battery_hours", BATTERY_HOURS)
    recharge = hours(params.recharge_hours, "recharge_hours", RECHARGE_HOURS)
    default_b = params.battery_hours or BATTERY_HOURS
    default_r = params.recharge_hours or RECHARGE_HOURS
    pool_ids: list[list[str]] = [[] for _ in range(n_stations)]
    pool_b = np.full(n_stations, default_b)
    pool_r = np.full(n_stations, default_r)
    personal: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
    personal_docked = np.zeros(n_stations, dtype=np.int64)
    assumed = np.zeros(n_stations, dtype=np.int64)
    cams = "cameras" in pkg.loads
    in_service = "coalesce(c.status, 'in_service') = 'in_service'"
    if cams:
        for code, n in con.execute(
            f"""SELECT st.code, count(*) FROM cameras c
                JOIN _plan_stations st ON st.station_id = c.station_id
                WHERE {in_service} AND c.assigned_officer_id IS NOT NULL GROUP BY st.code"""
        ).fetchall():
            personal_docked[code] = n
        for code, ids, b, r in con.execute(
            f"""SELECT st.code, list(c.camera_id ORDER BY c.camera_id), min({battery}),
                       max({recharge})
                FROM cameras c JOIN _plan_stations st ON st.station_id = c.station_id
                WHERE {in_service} AND c.assigned_officer_id IS NULL
                GROUP BY st.code"""
        ).fetchall():
            pool_ids[code], pool_b[code], pool_r[code] = ids, b, r
        if params.personal_cameras is not PersonalCameras.NONE:
            for o, s, cam, b, r in con.execute(
                f"""SELECT o.code, st.code, c.camera_id, {battery}, {recharge}
                    FROM cameras c
                    JOIN _plan_officers o ON o.officer_id = c.assigned_officer_id
                    JOIN _plan_stations st ON st.station_id = c.station_id
                    WHERE {in_service} ORDER BY c.camera_id"""
            ).fetchall():
                personal.setdefault((o, s), []).append((cam, b, r))
    if params.personal_cameras is PersonalCameras.EVERY_OFFICER and "officers" in pkg.loads:
        has_own = (
            f"""EXISTS (SELECT 1 FROM cameras c WHERE c.assigned_officer_id = o.officer_id
                        AND {in_service})"""
            if cams
            else "false"
        )
        for o, s, officer_id in con.execute(
            f"""SELECT o.code, st.code, o.officer_id FROM _plan_officers o
                JOIN officers f ON f.officer_id = o.officer_id
                JOIN _plan_stations st ON st.station_id = f.station_id
                WHERE NOT {has_own}"""
        ).fetchall():
            personal[(o, s)] = [(f"PERSONAL-{officer_id}", default_b, default_r)]
            assumed[s] += 1
    return Fleet(pool_ids, pool_b, pool_r, personal, personal_docked, assumed)
