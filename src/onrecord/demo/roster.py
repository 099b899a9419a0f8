"""The department's people and equipment: stations, officers and cameras.

Modelled on Boston's districts and specialised units. ``officers`` asked for are the uniformed
patrol officers in the camera program; supervisors and detectives, whom Boston's 2019 rule left
outside it, are added in proportion. Everything is drawn once per run from the seed and held as
numpy arrays indexed by officer, camera and station number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from onrecord.demo import text
from onrecord.demo.arrays import apportion
from onrecord.demo.clock import HOUR, day_number
from onrecord.demo.profile import Profile

NO_DAY = np.iinfo(np.int64).max // 4  # "never": untrained, not retired

DISTRICTS = (
    ("A-1", "District A-1 (Downtown)", 1.1),
    ("A-7", "District A-7 (East Boston)", 0.6),
    ("B-2", "District B-2 (Roxbury)", 1.4),
    ("B-3", "District B-3 (Mattapan)", 1.1),
    ("C-6", "District C-6 (South Boston)", 0.8),
    ("C-11", "District C-11 (Dorchester)", 1.3),
    ("D-4", "District D-4 (South End)", 1.3),
    ("D-14", "District D-14 (Brighton)", 0.8),
    ("E-5", "District E-5 (West Roxbury)", 0.6),
    ("E-13", "District E-13 (Jamaica Plain)", 0.7),
    ("E-18", "District E-18 (Hyde Park)", 0.7),
)
FIRST_WAVE = ("B-2", "C-11", "GU")  # stations whose officers were trained first (June 2019)


@dataclass(frozen=True)
class Unit:
    """An assignment: where its officers dock, how they are scheduled and what they meet."""

    name: str
    station: str | None  # None: officers are spread over the districts
    station_name: str
    share: float  # of the officers asked for
    watches: tuple[float, float, float, float]  # day, first half, last half, office hours
    ranks: tuple[tuple[str, float], ...]
    uniformed: bool = True
    in_program: bool = True  # issued a camera and trained
    activity: float = 1.0  # incident rate relative to district patrol
    mix: str = "patrol"  # incident type mix (``activity.MIXES``)


PATROL_RANK = (("Police Officer", 1.0),)
UNITS = (
    Unit("patrol", None, "", 0.88, (0.35, 0.38, 0.27, 0.0), PATROL_RANK),
    Unit("gang unit", "GU", "Gang Unit", 0.025, (0.2, 0.6, 0.2, 0.0), PATROL_RANK, mix="street"),
    Unit(
        "youth violence strike force",
        "YVSF",
        "Youth Violence Strike Force",
        0.015,
        (0.2, 0.6, 0.2, 0.0),
        PATROL_RANK,
        mix="street",
    ),
    Unit("traffic", "TU", "Traffic Unit", 0.03, (0.7, 0.3, 0.0, 0.0), PATROL_RANK, mix="traffic"),
    Unit(
        "special operations",
        "SOU",
        "Special Operations Unit",
        0.035,
        (0.4, 0.4, 0.2, 0.0),
        PATROL_RANK,
    ),
    Unit(
        "court unit",
        "CU",
        "Court Unit",
        0.015,
        (0.0, 0.0, 0.0, 1.0),
        PATROL_RANK,
        activity=0.1,
    ),
    # Outside the camera program under Boston's 2019 rule; added on top of the officers asked for.
    Unit(
        "patrol supervisor",
        None,
        "",
        0.08,
        (0.35, 0.38, 0.27, 0.0),
        (("Sergeant", 0.8), ("Lieutenant", 0.2)),
        in_program=False,
        activity=0.3,
    ),
    Unit(
        "detective",
        None,
        "",
        0.06,
        (0.0, 0.0, 0.0, 1.0),
        (("Detective", 1.0),),
        uniformed=False,
        in_program=False,
        activity=0.15,
        mix="investigation",
    ),
)
PROGRAM_UNITS = np.array([u.in_program for u in UNITS])
RANKS = tuple(dict.fromkeys(r for u in UNITS for r, _ in u.ranks))

UNTRAINED_SHARE = 30 / 1100  # Boston 2020: 30 of 1,100 patrol officers without camera or training


@dataclass(frozen=True)
class Model:
    name: str
    battery_hours: float
    recharge_hours: float
    share: float


# Runtime 12-13 h, recharge from a few hours to about 9 h on older models (shared notes/domain.md).
MODELS = (
    Model("BWC-2 (2016)", 12.0, 9.0, 0.40),
    Model("BWC-3 (2019)", 12.5, 6.0, 0.35),
    Model("BWC-4 (2020)", 13.0, 4.0, 0.25),
)


@dataclass(frozen=True)
class Stations:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    dock_slots: np.ndarray
    district: np.ndarray  # bool

    def index(self, station_id: str) -> int:
        return self.ids.index(station_id)


@dataclass(frozen=True)
class Officers:
    ids: pa.Array
    station: np.ndarray
    unit: np.ndarray  # index into UNITS
    rank: np.ndarray  # index into RANKS
    watch: np.ndarray  # index into schedule.WATCHES
    group: np.ndarray  # 0-5: where in the four-on, two-off rotation the officer is
    trained_day: np.ndarray  # day number, NO_DAY if not trained
    hired_day: np.ndarray
    retire_day: np.ndarray  # NO_DAY if not retiring in the period
    camera: np.ndarray  # personal camera index, -1 if none

    def __len__(self) -> int:
        return len(self.unit)

    @property
    def uniformed(self) -> np.ndarray:
        return np.array([u.uniformed for u in UNITS])[self.unit]


@dataclass(frozen=True)
class Cameras:
    ids: pa.Array
    station: np.ndarray
    officer: np.ndarray  # -1: pool camera
    model: np.ndarray
    in_service: np.ndarray

    def __len__(self) -> int:
        return len(self.station)

    @property
    def battery_s(self) -> np.ndarray:
        return (np.array([m.battery_hours for m in MODELS]) * HOUR).astype(np.int64)[self.model]

    @property
    def recharge_s(self) -> np.ndarray:
        return (np.array([m.recharge_hours for m in MODELS]) * HOUR).astype(np.int64)[self.model]


@dataclass(frozen=True)
class Roster:
    stations: Stations
    officers: Officers
    cameras: Cameras

    def tables(self) -> dict[str, pa.Table]:
        """The roster as the contract's ``stations``, ``officers`` and ``cameras`` tables."""
        st, of, cam = self.stations, self.officers, self.cameras
        station_ids = pa.array(st.ids, pa.string())
        return {
            "stations": pa.table(
                {
                    "station_id": station_ids,
                    "name": pa.array(st.names, pa.string()),
                    "dock_slots": pa.array(st.dock_slots, pa.int64()),
                }
            ),
            "officers": pa.table(
                {
                    "officer_id": of.ids,
                    "station_id": text.pick(station_ids, of.station),
                    "unit": text.pick([u.name for u in UNITS], of.unit),
                    "rank": text.pick(RANKS, of.rank),
                    "uniformed": pa.array(of.uniformed),
                    "trained_on": _optional_dates(of.trained_day),
                    "active_from": text.dates(of.hired_day),
                    "active_to": _optional_dates(of.retire_day),
                }
            ),
            "cameras": pa.table(
                {
                    "camera_id": cam.ids,
                    "station_id": text.pick(station_ids, cam.station),
                    "model": text.pick([m.name for m in MODELS], cam.model),
                    "assigned_officer_id": text.pick(of.ids, cam.officer),
                    "battery_hours": pa.array(cam.battery_s / HOUR),
                    "recharge_hours": pa.array(cam.recharge_s / HOUR),
                    "status": pa.array(np.where(cam.in_service, "in_service", "repair")),
                }
            ),
        }


def _optional_dates(days: np.ndarray) -> pa.Array:
    known = days != NO_DAY
    return text.where_valid(text.dates(np.where(known, days, 0)), known)


def _unit_counts(officers: int) -> np.ndarray:
    program = [u.share if u.in_program else 0.0 for u in UNITS]
    counts = apportion(officers, np.array(program))
    extra = np.array([0 if u.in_program else round(officers * u.share) for u in UNITS])
    return counts + extra


def _spread(
    rng: np.random.Generator, n: int, choices: tuple[tuple[str, float], ...] | np.ndarray
) -> np.ndarray:
    weights = np.array([w for _, w in choices]) if isinstance(choices, tuple) else choices
    return rng.choice(len(weights), size=n, p=weights / weights.sum())


def _serials(rng: np.random.Generator, prefix: str, n: int, first: int, width: int) -> pa.Array:
    """Distinct, irregular ids: numbers in increasing steps of 1 to 5 from ``first``, shuffled,
    zero-padded to ``width`` digits (more if the roster is large enough to need them)."""
    numbers = rng.permutation(first + np.cumsum(rng.integers(1, 6, n)))
    return text.ids(prefix, numbers, max(width, len(str(first + 5 * n))))


def build(
    officers: int, start: date, days: int, rng: np.random.Generator, profile: Profile
) -> Roster:
    """Draw the roster for a period of ``days`` from ``start``."""
    n_districts = len(DISTRICTS)
    unit_stations = [u for u in UNITS if u.station]
    station_ids = tuple(d[0] for d in DISTRICTS) + tuple(u.station or "" for u in unit_stations)
    station_names = tuple(d[1] for d in DISTRICTS) + tuple(u.station_name for u in unit_stations)
    district_weights = np.array([d[2] for d in DISTRICTS])

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("unit", "station", "rank", "watch")}
    for u, count in zip(UNITS, _unit_counts(officers), strict=True):
        if u.station:
            station = np.full(count, station_ids.index(u.station))
        else:
            station = np.repeat(np.arange(n_districts), apportion(count, district_weights))
        parts["unit"].append(np.full(count, UNITS.index(u)))
        parts["station"].append(station)
        parts["rank"].append(
            np.array([RANKS.index(r) for r, _ in u.ranks])[_spread(rng, count, u.ranks)]
        )
        parts["watch"].append(_spread(rng, count, np.array(u.watches)))
    unit, station, rank, watch = (np.concatenate(parts[k]) for k in parts)
    n = len(unit)

    start_day = day_number(start)
    hired = rng.integers(day_number(date(1985, 1, 1)), start_day - 365, n)
    retiring = rng.random(n) < profile.retirements * days / 365
    retire = np.where(retiring, start_day + rng.integers(0, max(days, 1), n), NO_DAY)

    program = PROGRAM_UNITS[unit]
    first_wave = np.isin(station, [station_ids.index(s) for s in FIRST_WAVE]) & program
    trained = np.where(
        first_wave,
        rng.integers(day_number(date(2019, 6, 3)), day_number(date(2019, 6, 29)), n),
        rng.integers(day_number(date(2019, 7, 1)), day_number(date(2019, 12, 14)), n),
    )
    in_program = np.flatnonzero(program)
    untrained = rng.choice(in_program, round(officers * UNTRAINED_SHARE), replace=False)
    trained[~program] = NO_DAY
    trained[untrained] = NO_DAY

    holders = np.flatnonzero(trained != NO_DAY)
    per_station = np.bincount(station[program], minlength=len(station_ids))
    pool_counts = np.maximum(3, np.round(per_station * profile.pool_share)).astype(np.int64)
    pool_station = np.repeat(np.arange(len(station_ids)), pool_counts)
    cam_station = np.concatenate([station[holders], pool_station])
    cam_officer = np.concatenate([holders, np.full(len(pool_station), -1)])
    newest = np.array([0.0] * (len(MODELS) - 2) + [0.3, 0.7])
    cam_model = np.concatenate(
        [
            _spread(rng, len(holders), np.array([m.share for m in MODELS])),
            _spread(rng, len(pool_station), newest),
        ]
    )
    repair = np.where(cam_officer >= 0, profile.personal_repair_share, profile.pool_repair_share)
    in_service = rng.random(len(cam_station)) >= repair
    camera = np.full(n, -1)
    camera[holders] = np.arange(len(holders))

    cams_at = np.bincount(cam_station, minlength=len(station_ids))
    slots = 8 * -(-cams_at // 8)
    short = rng.choice(n_districts, min(2, n_districts), replace=False)
    slots[short] = np.maximum(slots[short] - 8, 0)  # docks bought for the personal cameras only

    return Roster(
        stations=Stations(
            station_ids, station_names, slots, np.arange(len(station_ids)) < n_districts
        ),
        officers=Officers(
            ids=_serials(rng, "", n, 10_000, 6),
            station=station,
            unit=unit,
            rank=rank,
            watch=watch,
            group=rng.integers(0, 6, n),
            trained_day=trained,
            hired_day=hired,
            retire_day=retire,
            camera=camera,
        ),
        cameras=Cameras(
            ids=_serials(rng, "X", len(cam_station), 60_000_000, 8),
            station=cam_station,
            officer=cam_officer,
            model=cam_model,
            in_service=in_service,
        ),
    )
