"""Fill a fleet database from a data package, and export one back as a data package.

The export is a package like any other: ``onrecord check`` reads it and ``onrecord audit`` turns
its ``device_events`` (the service's checkouts and checkins) into camera possession, and reads
its ``recordings``, which the caller gives (the vault's items: ``onrecord.vault.recordings``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.base import Base
from onrecord.database.fleet import (
    Camera,
    CameraState,
    Department,
    DeviceEvent,
    Officer,
    Shift,
    Station,
)
from onrecord.fleet.rules import CameraStatus, PastEvent, replay
from onrecord.fleet.service import fresh
from onrecord.package.formats import TableFormat
from onrecord.package.loader import Package, load
from onrecord.package.schema import TABLES
from onrecord.package.writer import PackageWriter

REFERENCE: tuple[type[Base], ...] = (Station, Officer, Camera, Shift)
"""Tables copied column for column between a package and the database."""
BATCH = 5_000


@dataclass
class InitStats:
    rows: dict[str, int] = field(default_factory=dict)
    rows_excluded: int = 0
    events_unknown_camera: int = 0
    holders_cleared: int = 0


def _columns(model: type[Base]) -> list[str]:
    """The model's columns that are also the package table's (everything but service extras)."""
    names = {c.name for c in TABLES[model.__tablename__].columns}
    return [c.name for c in model.__table__.columns if c.name in names]


def init_database(engine: Engine, package: Path, history: bool = True) -> InitStats:
    """Migrate the database to the newest schema and load ``package`` into it.

    Raises :class:`onrecord.package.StructuralError` for an unreadable package and
    :class:`db.DatabaseError` when the database already holds a department (never merged).
    """
    pkg = load(package)
    db.upgrade(engine)
    stats = InitStats(rows_excluded=sum(ld.rows_excluded for ld in pkg.loads.values()))
    with Session(engine) as s, s.begin():
        if s.scalar(select(func.count()).select_from(Department)):
            raise db.DatabaseError(
                f"{engine.url.render_as_string()} already holds a department; "
                "initialise a new database instead of loading a second package into it"
            )
        d = pkg.department
        s.add(Department(id=1, name=d.name, timezone=d.timezone, policy=d.policy))
        for model in REFERENCE:
            name = model.__tablename__
            if name not in pkg.loads:
                stats.rows[name] = 0
                continue
            cols = _columns(model)
            table = pkg.arrow(name).select(cols)
            for batch in table.to_batches(BATCH):
                s.execute(insert(model), batch.to_pylist())
            stats.rows[name] = table.num_rows
        cameras = {c.camera_id: c for c in s.scalars(select(Camera))}
        events = _history(pkg, cameras, stats) if history else {}
        states = [replay(fresh(cam), events.get(cid, [])) for cid, cam in sorted(cameras.items())]
        _write_history(s, events)
        if states:
            s.execute(insert(CameraState), _unique_holders(states, stats))
    return stats


def _history(
    pkg: Package, cameras: dict[str, Camera], stats: InitStats
) -> dict[str, list[PastEvent]]:
    """The package's device events per known camera, in time (then file) order."""
    if "device_events" not in pkg.loads:
        return {}
    rows = pkg.con.execute(
        'SELECT camera_id, "at", event, officer_id, battery_pct FROM device_events '
        'ORDER BY camera_id, "at", _line'
    ).fetchall()
    out: dict[str, list[PastEvent]] = defaultdict(list)
    for camera_id, at, event, officer_id, pct in rows:
        if camera_id not in cameras:
            stats.events_unknown_camera += 1
            continue
        out[camera_id].append(PastEvent(at, event, officer_id, None if pct is None else float(pct)))
    stats.rows["device_events"] = sum(len(v) for v in out.values())
    return out


def _write_history(s: Session, events: dict[str, list[PastEvent]]) -> None:
    rows = [
        {
            "camera_id": cid,
            "at": e.at,
            "event": e.event,
            "officer_id": e.officer_id,
            "battery_pct": e.battery_pct,
            "estimated": False,
        }
        for cid, evs in events.items()
        for e in evs
    ]
    for i in range(0, len(rows), BATCH):
        s.execute(insert(DeviceEvent), rows[i : i + BATCH])


def _unique_holders(states: list[CameraStatus], stats: InitStats) -> list[dict[str, Any]]:
    """State rows; where the history leaves one officer holding several cameras (it never
    recorded a return) only the latest keeps the holder, since an officer holds one camera."""
    latest: dict[str, CameraStatus] = {}
    for st in sorted(states, key=lambda st: (st.since is not None, st.since or 0, st.camera_id)):
        if st.officer_id:
            latest[st.officer_id] = st
    rows = []
    for st in states:
        holder = st.officer_id if st.officer_id and latest[st.officer_id] is st else None
        stats.holders_cleared += st.officer_id is not None and holder is None
        rows.append(
            {
                "camera_id": st.camera_id,
                "docked": st.docked,
                "station_id": st.station_id,
                "officer_id": holder,
                "since": st.since,
                "charge": min(1.0, max(0.0, st.charge)),
            }
        )
    return rows


ARROW_TYPES = {
    "id": pa.string(),
    "text": pa.string(),
    "word": pa.string(),
    "enum": pa.string(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "count": pa.int64(),
    "positive": pa.float64(),
    "percent": pa.float64(),
    "sha256": pa.string(),
}


def _schema(table: str, columns: list[str]) -> pa.Schema:
    t = TABLES[table]
    return pa.schema([(c, ARROW_TYPES[t.column(c).kind.value]) for c in columns])


def export_package(
    engine: Engine,
    out: Path,
    fmt: TableFormat = TableFormat.CSV,
    recordings: Iterable[pa.RecordBatch] = (),
) -> dict[str, int]:
    """Write the database as a data package at ``out``; returns rows per table.

    ``recordings`` are the rows of the ``recordings`` table, every column of the contract in
    its order (the fleet holds no footage: the vault's items are the recordings, and the
    layers above this one join the two); without any, the table is written with its header
    only, since the contract requires it.
    """
    db.require_current(engine)
    rows: dict[str, int] = {}
    readers = engine.execution_options(**db.READ_ONLY)  # an export never blocks a checkout
    with PackageWriter(out, fmt) as w:
        with Session(readers) as s:
            _write_fleet(s, w, rows)
        rows["recordings"] = 0
        for batch in recordings:
            if not batch.num_rows:
                continue
            w.table("recordings").write(batch)
            rows["recordings"] += batch.num_rows
        if not rows["recordings"]:
            _write(w, "recordings", [c.name for c in TABLES["recordings"].columns], [])
    return rows


def _write_fleet(s: Session, w: PackageWriter, rows: dict[str, int]) -> None:
    """The department, the reference tables and the device events, in one read transaction."""
    dept = s.scalar(select(Department))
    if dept:
        w.department(dept.name, dept.timezone, dept.policy)
    for model in REFERENCE:
        name = model.__tablename__
        cols = _columns(model)
        key = getattr(model, TABLES[name].key or cols[0])
        data = [
            r._asdict() for r in s.execute(select(*(getattr(model, c) for c in cols)).order_by(key))
        ]
        _write(w, name, cols, data)
        rows[name] = len(data)
    cols = ["camera_id", "at", "event", "officer_id", "battery_pct"]
    data = [
        r._asdict()
        for r in s.execute(
            select(*(getattr(DeviceEvent, c) for c in cols)).order_by(
                DeviceEvent.at, DeviceEvent.id
            )
        )
    ]
    _write(w, "device_events", cols, data)
    rows["device_events"] = len(data)


def _write(w: PackageWriter, table: str, columns: list[str], data: list[dict[str, Any]]) -> None:
    schema = _schema(table, columns)
    w.table(table).write(pa.Table.from_pylist(data, schema=schema))
