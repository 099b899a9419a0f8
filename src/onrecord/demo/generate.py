"""``generate()``: the demo department written as a data package, block of days by block of days.

The roster is drawn once; then each block of days is generated whole-array at a time and written
before the next begins, so memory follows the block (officers × block days), not the period. The
little that carries from one block to the next (each officer's last extra tour, each camera's last
return and charge, running id numbers) is held in small per-officer and per-camera arrays.
Same arguments and seed, same bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onrecord.demo import activity, devices, recording, roster, schedule
from onrecord.demo.clock import Clock, day_number, weekday
from onrecord.demo.profile import PROFILES, Profile
from onrecord.package.formats import TableFormat
from onrecord.package.schema import TABLES, Kind
from onrecord.package.writer import PackageWriter

NAME = "Demo City Police Department"
TIMEZONE = "America/New_York"
POLICY = "boston-rule-405-2019"
SATURDAY = 5

Progress = Callable[[int, int], None]


def stored(name: str, tbl: pa.Table, fmt: TableFormat) -> pa.Table:
    """``tbl`` as the demo writes it in ``fmt``: in Parquet, timestamps and dates take Parquet's
    own types (a timestamp without a time zone being a local time), as a typed export from a
    roster or camera system would; CSV keeps the text. Every timestamp the generator writes is
    a plain local time to the second, so a value of any other form is a bug and raises."""
    if fmt != TableFormat.PARQUET:
        return tbl
    for col in TABLES[name].columns:
        if col.name not in tbl.column_names or col.kind not in (Kind.TIMESTAMP, Kind.DATE):
            continue
        i = tbl.schema.get_field_index(col.name)
        text = tbl.column(i)
        typed = (
            pc.strptime(text, format="%Y-%m-%dT%H:%M:%S", unit="s")
            if col.kind is Kind.TIMESTAMP
            else pc.cast(text, pa.date32())
        )
        tbl = tbl.set_column(i, col.name, typed)
    return tbl


@dataclass(frozen=True)
class DemoStats:
    """What was written: rows per table, and how long it took."""

    path: Path
    officers: int  # in the roster, supervisors and detectives included
    cameras: int
    start: date
    days: int
    event_days: tuple[date, ...]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def event_days(start: date, days: int, every: int) -> tuple[date, ...]:
    """One large event per stretch of ``every`` days: the Saturday nearest the stretch's middle
    (2019-08-31, the parade in the Boston records, was a Saturday)."""
    out = []
    for lo in range(0, days, every):
        hi = min(lo + every, days)
        offsets = np.arange(lo, hi)
        saturdays = offsets[weekday(day_number(start) + offsets) == SATURDAY]
        if len(saturdays):
            middle = (lo + hi - 1) / 2
            out.append(start + timedelta(days=int(saturdays[np.argmin(abs(saturdays - middle))])))
    return tuple(out)


def generate(
    out: Path | str,
    *,
    officers: int = 1100,
    days: int = 28,
    seed: int = 2020,
    start: date = date(2020, 6, 1),
    fmt: TableFormat = TableFormat.CSV,
    profile: Profile | str = "realistic",
    block_days: int = 7,
    progress: Progress | None = None,
) -> DemoStats:
    """Write the demo department's data package to ``out``.

    ``officers`` is the number of uniformed patrol officers in the camera program; supervisors
    and detectives are added in proportion. ``profile`` names a rate profile (``PROFILES``) or
    gives one. The output is a function of every argument except ``progress``.
    """
    if officers < 1 or days < 1 or block_days < 1:
        raise ValueError("officers, days and block_days must be at least 1")
    fmt = TableFormat(fmt)
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    began = time.perf_counter()
    first = day_number(start)
    clock = Clock.for_period(TIMEZONE, start, start + timedelta(days=days))
    events = event_days(start, days, prof.event_every_days)
    event_numbers = frozenset(day_number(d) for d in events)
    people = roster.build(officers, start, days, np.random.default_rng([seed, 0]), prof)

    sched_state = schedule.ScheduleState.initial(len(people.officers))
    device_state = devices.DeviceState.initial(len(people.cameras))
    next_id = {"shifts": 1, "encounters": 1, "recordings": 1, "incidents": 1}
    with PackageWriter(out, fmt) as w:
        w.department(NAME, TIMEZONE, POLICY)
        for name, tbl in people.tables().items():
            w.table(name).write(stored(name, tbl, fmt))
        for b, lo in enumerate(range(0, days, block_days)):
            n_days = min(block_days, days - lo)
            rng = np.random.default_rng([seed, 1, b])
            shifts = schedule.block(
                people, clock, first + lo, n_days, event_numbers, sched_state, rng, prof
            )
            sessions, shift_session = devices.sessions(
                people, clock, shifts, device_state, rng, prof
            )
            act = activity.block(people, clock, shifts, first + lo, n_days, rng, prof)
            recs, flat_at = recording.block(act.attendance, shift_session, sessions, rng, prof)
            tables = {
                "shifts": schedule.table(shifts, people, clock, next_id["shifts"]),
                "encounters": activity.table(
                    act.encounters, people, clock, next_id["encounters"], next_id["incidents"]
                ),
                "recordings": recording.table(
                    recs, people, clock, next_id["recordings"], next_id["incidents"], rng
                ),
                "device_events": devices.events_table(people, clock, sessions, flat_at, rng, prof),
            }
            for name, tbl in tables.items():
                w.table(name).write(stored(name, tbl, fmt))
                if name in next_id:
                    next_id[name] += tbl.num_rows
            next_id["incidents"] += act.incidents
            if progress:
                progress(lo + n_days, days)
        rows = {name: w.table(name).rows for name in TABLES}
    return DemoStats(
        path=Path(out),
        officers=len(people.officers),
        cameras=len(people.cameras),
        start=start,
        days=days,
        event_days=events,
        rows=rows,
        seconds=time.perf_counter() - began,
    )
