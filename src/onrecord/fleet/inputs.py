"""What the planner reads from a package: the shifts to plan for and the cameras there are.

The selection is SQL on the package's connection (so 6M shifts never pass through Python one by
one); the result is NumPy arrays of integer codes, in the order the model places shifts: by start,
then ``shift_id``. The selected rows stay on the connection as ``_plan_shifts`` (column ``i`` is
the array index) so that outputs join ids back without carrying strings through the computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from onrecord.fleet.battery import BATTERY_HOURS, RECHARGE_HOURS
from onrecord.fleet.params import PersonalCameras, PlanParameters
from onrecord.package.loader import Package
from onrecord.package.values import sql_str
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
    """The shifts to plan for, one array element per shift, ordered by start then shift_id."""

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

    @property
    def pool_have(self) -> I64:
        return np.array([len(ids) for ids in self.pool_ids], dtype=np.int64)


def _where(pkg: Package, sel: Selection) -> str:
    tz = sql_str(pkg.department.timezone)
    local_day = f"CAST(timezone({tz}, x.start) AS DATE)"
    parts = ["true"]
    if sel.date_from:
        parts.append(f"{local_day} >= DATE '{sel.date_from.isoformat()}'")
    if sel.date_to:
        parts.append(f"{local_day} <= DATE '{sel.date_to.isoformat()}'")
    return " AND ".join(parts)


def read_schedule(pkg: Package, sel: Selection) -> Schedule:
    """Select the shifts to plan for into ``_plan_shifts`` and return them as arrays."""
    if "shifts" not in pkg.loads:
        raise PlanError([f"{pkg.root}: the package has no shifts table; the planner needs one"])
    con = pkg.con
    has_officers = "officers" in pkg.loads
    tz = sql_str(pkg.department.timezone)
    required = shift_requirement(sel.policy, tz).required if sel.policy else "true"
    where = _where(pkg, sel)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _plan_range AS
            SELECT x.shift_id, x.officer_id, x.kind, x.start, x."end",
                   coalesce(x.station_id, ofc.station_id) AS station_id,
                   x.station_id IS NULL AND ofc.station_id IS NOT NULL AS home_station,
                   {required} AS needs_camera
            FROM shifts x {officer_join(has_officers)} WHERE {where}"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _plan_shifts AS
           SELECT row_number() OVER (ORDER BY start, shift_id) - 1 AS i, *
           FROM _plan_range WHERE needs_camera"""
    )
    in_range, home = con.execute(
        "SELECT count(*), count(*) FILTER (home_station AND needs_camera) FROM _plan_range"
    ).fetchone() or (0, 0)
    station_sources = ["SELECT station_id FROM _plan_shifts"]
    if "stations" in pkg.loads:
        station_sources.append("SELECT station_id FROM stations")
    if "cameras" in pkg.loads:
        station_sources.append("SELECT station_id FROM cameras")
    slots = (
        "coalesce((SELECT max(dock_slots) FROM stations t WHERE t.station_id = s.station_id), 0)"
        if "stations" in pkg.loads
        else "0"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _plan_stations AS
            SELECT row_number() OVER (ORDER BY station_id) - 1 AS code, station_id,
                   {slots} AS dock_slots
            FROM (SELECT DISTINCT station_id FROM ({" UNION ALL ".join(station_sources)})
                  WHERE station_id IS NOT NULL) s"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _plan_officers AS
           SELECT row_number() OVER (ORDER BY officer_id) - 1 AS code, officer_id
           FROM (SELECT DISTINCT officer_id FROM _plan_shifts)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _plan_kinds AS
           SELECT row_number() OVER (ORDER BY kind) - 1 AS code, kind
           FROM (SELECT DISTINCT kind FROM _plan_shifts)"""
    )
    kinds = [r[0] for r in con.execute("SELECT kind FROM _plan_kinds ORDER BY code").fetchall()]
    cols = con.execute(
        """SELECT epoch_us(p.start) AS s, epoch_us(p."end") AS e,
                  coalesce(st.code, -1) AS station, o.code AS officer, k.code AS kind
           FROM _plan_shifts p
           LEFT JOIN _plan_stations st ON st.station_id = p.station_id
           JOIN _plan_officers o ON o.officer_id = p.officer_id
           JOIN _plan_kinds k ON k.kind = p.kind
           ORDER BY p.i"""
    ).fetchnumpy()
    stations = con.execute(
        "SELECT station_id, dock_slots FROM _plan_stations ORDER BY code"
    ).fetchall()

    def ints(name: str) -> I64:
        return np.asarray(cols[name], dtype=np.int64)

    return Schedule(
        start=ints("s"),
        end=ints("e"),
        station=ints("station"),
        officer=ints("officer"),
        kind=ints("kind"),
        stations=[r[0] for r in stations],
        kinds=kinds,
        dock_slots=np.array([int(r[1]) for r in stations], dtype=np.int64),
        in_range=int(in_range),
        home_station=int(home),
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
