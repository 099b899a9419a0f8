"""``summary.json`` of a plan: the single source of the console table, the report and the tests.

Times are written in the department's local time with their UTC offset; counts per station,
per kind and per reason; the occupancy series the report draws for the stations that need most.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

import onrecord
from onrecord.package.loader import Package
from onrecord.plan.compute import Plan, Reason
from onrecord.plan.inputs import Selection
from onrecord.plan.models import PlanSummary
from onrecord.plan.params import PlanParameters
from onrecord.plan.personal import State

METHOD = "fleet planning model v1 (docs/contracts/fleet.md; docs/plan.md)"
CHARTED_STATIONS = 8
BIN_MINUTES = (15, 60, 180, 360, 1440, 10080)
MAX_BINS = 400


def local_iso(us: int, tz: str) -> str | None:
    """µs since the epoch as local ISO 8601 with offset; ``None`` for −1 (no such instant)."""
    if us < 0:
        return None
    t = datetime.fromtimestamp(us / 1e6, UTC).astimezone(ZoneInfo(tz))
    return t.isoformat(timespec="seconds")


def series(plan: Plan, code: int, tz: str) -> dict[str, Any]:
    """Station ``code``'s occupancy as at most ``MAX_BINS`` bins of the most cameras occupied
    at once in each, for the report's chart (a year has millions of events, a chart hundreds of
    columns)."""
    occ = plan.occupancy
    t0, t1 = int(occ.time[occ.bounds[code]]), int(occ.time[occ.bounds[code + 1] - 1])
    minutes = next((m for m in BIN_MINUTES if (t1 - t0) / (m * 60e6) < MAX_BINS), BIN_MINUTES[-1])
    width = minutes * 60_000_000
    t0 -= t0 % width  # bins on whole UTC quarter hours, hours or days
    n = int((t1 - t0) // width) + 1
    return {
        "station_id": plan.schedule.stations[code],
        "bin_minutes": minutes,
        "first_bin": local_iso(t0, tz),
        "values": occ.binned_max(code, t0, width, n).tolist(),
        "peak": int(plan.needed[code]),
        "peak_at": local_iso(int(plan.peak_at[code]), tz),
        "peak_bin": int((plan.peak_at[code] - t0) // width),
        "have": int(plan.have[code]),
    }


def stations(plan: Plan, tz: str) -> list[dict[str, Any]]:
    """One row per station that has a shift, a camera or a dock in the package."""
    s, f = plan.schedule, plan.fleet
    n = len(s.stations)
    pool_shifts = np.bincount(s.station[plan.pool_shift], minlength=n)
    served = s.station[(plan.personal.state == State.SERVED)]
    personal_shifts = np.bincount(served, minlength=n)
    has_st = s.station >= 0
    uncovered = np.bincount(s.station[has_st & (plan.reason > 0)], minlength=n)
    pool_after = np.maximum(plan.needed, plan.have)  # real cameras are kept, new ones added
    to_dock = pool_after + f.personal_docked + f.personal_assumed
    rows = []
    for c, sid in enumerate(s.stations):
        slots = int(s.dock_slots[c])
        rows.append(
            {
                "station_id": sid,
                "pool_needed": int(plan.needed[c]),
                "pool_have": int(plan.have[c]),
                "shortfall": int(plan.shortfall[c]),
                "peak_at": local_iso(int(plan.peak_at[c]), tz),
                "dock_slots": slots,
                "personal_docked": int(f.personal_docked[c] + f.personal_assumed[c]),
                "cameras_to_dock": int(to_dock[c]),
                "over_dock_slots": int(max(0, to_dock[c] - slots)) if slots > 0 else None,
                "pool_shifts": int(pool_shifts[c]),
                "personal_shifts": int(personal_shifts[c]),
                "uncovered_shifts": int(uncovered[c]),
            }
        )
    return rows


def _by_kind(plan: Plan) -> list[dict[str, Any]]:
    s = plan.schedule
    k = plan.k
    out = []
    for code, kind in enumerate(s.kinds):
        m = s.kind == code
        reasons = np.bincount(plan.reason[m], minlength=len(Reason))
        out.append(
            {
                "kind": kind,
                "shifts": int(m.sum()),
                "personal": int((plan.personal.state[m] == State.SERVED).sum()),
                "pool": int((k[m] > 0).sum()),
                "longer_than_battery": int((k[m] > 1).sum()),
                "uncovered": int(reasons[1:].sum()),
                "uncovered_by_reason": {r.code: int(reasons[r]) for r in Reason if r},
            }
        )
    return out


def _cost(to_order: int, params: PlanParameters) -> dict[str, Any]:
    price, yearly = params.camera_price, params.yearly_cost_per_camera
    return {
        "cameras": to_order,
        "camera_price": price or None,
        "yearly_cost_per_camera": yearly or None,
        "purchase": to_order * price if price else None,
        "yearly": to_order * yearly if yearly else None,
    }


def _local_day(us: int, tz: str) -> str:
    day = local_iso(us, tz)
    assert day is not None  # a shift's start is an instant
    return day[:10]


def build(pkg: Package, plan: Plan, sel: Selection) -> PlanSummary:
    tz = pkg.department.timezone
    s, p = plan.schedule, plan.params
    rows = stations(plan, tz)
    reasons = np.bincount(plan.reason, minlength=len(Reason))
    shortfall = int(plan.shortfall.sum())
    assumed = int(plan.fleet.personal_assumed.sum())
    days = [_local_day(int(x), tz) for x in (s.start.min(), s.start.max())] if s.start.size else []
    top = sorted(range(len(s.stations)), key=lambda c: (-plan.needed[c], s.stations[c]))
    charted = [c for c in top[:CHARTED_STATIONS] if plan.needed[c] > 0]
    doc = {
        "format": PlanSummary.FORMAT,
        "onrecord_version": onrecord.__version__,
        "method": METHOD,
        "package": {"name": pkg.department.name, "path": str(pkg.root), "timezone": tz},
        "selection": {
            "policy": sel.policy.document() if sel.policy else None,
            "all_shifts": sel.policy is None,
            "from": sel.date_from.isoformat() if sel.date_from else None,
            "to": sel.date_to.isoformat() if sel.date_to else None,
            "first_start": days[0] if days else None,
            "last_start": days[1] if days else None,
            "shifts_in_range": s.in_range,
            "shifts_needing_camera": len(s.start),
            "not_required": s.in_range - len(s.start),
            "at_home_station": s.home_station,
            "no_station": int(reasons[Reason.NO_STATION]),
        },
        "parameters": p,
        "totals": {
            "pool_needed": int(plan.needed.sum()),
            "pool_have": int(plan.have.sum()),
            "shortfall": shortfall,
            "personal_served": int((plan.personal.state == State.SERVED).sum()),
            "personal_recharging": int((plan.personal.state == State.RECHARGING).sum()),
            "pool_shifts": len(plan.pool_shift),
            "pool_occupations": len(plan.parts.shift),
            "longer_than_battery": int((plan.k > 1).sum()),
            "uncovered": int(reasons[1:].sum()),
            "uncovered_by_reason": {r.code: int(reasons[r]) for r in Reason if r},
            "stations_over_dock_slots": sum(1 for r in rows if r["over_dock_slots"]),
            "personal_assumed": assumed,
            "cameras_to_order": shortfall + assumed,
            "cost": _cost(shortfall + assumed, p),
        },
        "stations": rows,
        "by_kind": _by_kind(plan),
        "occupancy": [series(plan, c, tz) for c in charted],
        "data_quality": pkg.data_quality(),
    }
    return PlanSummary.from_document(doc)
