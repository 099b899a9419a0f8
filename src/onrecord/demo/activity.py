"""What officers meet on their tours: incidents, the encounters in them, and who else attended.

Incidents arrive at a rate that follows the hour of day (fewest before dawn, most in the evening,
the shape of the 2019 field contacts in ``shared/data/boston``) and never overlap for one officer:
each is placed after the previous one has cleared, plus travel. An incident is one main encounter (a
dispatched call, a stop, a crowd-control deployment …) with the encounters that can come with it:
emergency driving or a pursuit on the way, a search, an arrest with a prisoner transport after it,
and sometimes force. Backup officers from the same tour attend under the same incident number. A few
encounters happen off duty, outside any tour.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pyarrow as pa

from onrecord.demo import text
from onrecord.demo.arrays import exclusive_cumsum, previous_max, rank_in_segment, running_max
from onrecord.demo.clock import DAY, HOUR, MINUTE, Clock
from onrecord.demo.profile import Profile
from onrecord.demo.roster import UNITS, Roster
from onrecord.demo.schedule import OVERTIME, PAID_DETAIL, REGULAR, Shifts
from onrecord.package.schema import ENCOUNTER_TYPES, SHIFT_KINDS

T = {name: i for i, name in enumerate(ENCOUNTER_TYPES)}
MAIN = (
    "dispatched_call",
    "self_initiated",
    "vehicle_stop",
    "pedestrian_stop",
    "crowd_control",
    "other",
)
MAIN_CODES = np.array([T[m] for m in MAIN])

# Shares of MAIN by kind of work.
MIXES: dict[str, tuple[float, ...]] = {
    "patrol": (0.60, 0.10, 0.16, 0.05, 0.01, 0.08),
    "street": (0.25, 0.25, 0.15, 0.25, 0.02, 0.08),
    "traffic": (0.15, 0.10, 0.65, 0.02, 0.00, 0.08),
    "investigation": (0.30, 0.30, 0.00, 0.05, 0.00, 0.35),
    "detail": (0.15, 0.10, 0.20, 0.00, 0.00, 0.55),
    "event": (0.05, 0.00, 0.00, 0.00, 0.90, 0.05),
}
MIX_NAMES = tuple(MIXES)
MIX_CUM = np.cumsum(np.array([MIXES[m] for m in MIX_NAMES]), axis=1)

# Minutes on scene (lognormal median, sigma) by main type; the 2016-17 pilot's videos averaged
# 8.5 minutes (shared notes/domain.md).
MAIN_MINUTES = np.array([(11, 0.7), (7, 0.7), (9, 0.5), (7, 0.6), (45, 0.5), (8, 0.8)])
# Chance of each follow-on encounter by main type.
P_SEARCH = np.array([0.04, 0.03, 0.07, 0.15, 0.00, 0.01])
P_ARREST = np.array([0.05, 0.04, 0.04, 0.08, 0.03, 0.01])
P_PURSUIT = np.array([0.0, 0.0, 0.01, 0.0, 0.0, 0.0])
P_USE_OF_FORCE = 0.06  # of arrests
P_TRANSPORT = 0.85  # of arrests
P_EMERGENCY = 0.6  # of priority-1 calls: driven with lights and siren
# Mean number of backup officers by main type (an arrest brings one more).
BACKUPS = np.array([0.6, 0.2, 0.3, 0.5, 6.0, 0.2])
# Relative activity on a tour by its kind (index SHIFT_KINDS); events use the "event" mix.
KIND_ACTIVITY = np.zeros(len(SHIFT_KINDS))
KIND_ACTIVITY[[REGULAR, OVERTIME, PAID_DETAIL]] = (1.0, 0.7, 0.06)
EVENT_ACTIVITY = 0.9

PRIORITIES = ("1", "2", "3")
PRIORITY_P = np.array([0.15, 0.50, 0.35])
RESPONSE_MINUTES = np.array([6.0, 10.0, 18.0])
CALL_TYPES = (
    "DISTURBANCE",
    "ALARM",
    "MV ACCIDENT",
    "SUSPICIOUS PERSON",
    "MEDICAL ASSIST",
    "LARCENY",
    "DOMESTIC",
    "ASSAULT",
    "NOISE COMPLAINT",
    "BREAKING AND ENTERING",
    "VANDALISM",
    "WELL-BEING CHECK",
    "SHOTS FIRED",
    "OTHER",
    # Self-initiated work is logged in CAD under these.
    "DIRECTED PATROL",
    "TRAFFIC STOP",
    "INVESTIGATE PERSON",
    "CROWD CONTROL",
    "ASSIST",
)
CALL_P = np.array([14, 10, 9, 9, 8, 8, 7, 6, 6, 5, 5, 6, 2, 5], dtype=float)
SELF_CALL = np.array([-1, 14, 15, 16, 17, 18])  # call type of each main type (-1: drawn)

# Local hour of day → relative rate; shaped like the hours of the 2019 field contacts.
_HOURLY: tuple[float, ...] = (1.05, 0.9, 0.75, 0.55, 0.4, 0.35, 0.4, 0.6, 0.8, 0.9, 0.95, 1.0)
_HOURLY += (1.05, 1.05, 1.1, 1.15, 1.25, 1.35, 1.4, 1.4, 1.35, 1.3, 1.2, 1.1)
HOURLY = np.array(_HOURLY) / np.mean(_HOURLY)

CATEGORIES = (
    "Call for Service",
    "Self-Initiated",
    "Traffic Stop",
    "Investigative Stop",
    "Crowd Control",
    "Other",
    "Arrest",
)
REQUIRED_MAIN = np.isin(
    MAIN, ("dispatched_call", "vehicle_stop", "pedestrian_stop", "crowd_control")
)


@dataclass(frozen=True)
class Encounters:
    """Encounter rows, one per officer per encounter."""

    officer: np.ndarray
    type: np.ndarray  # index into ENCOUNTER_TYPES
    start: np.ndarray
    end: np.ndarray
    incident: np.ndarray  # block-local incident number
    dispatched_at: np.ndarray  # instant, or -1
    call_type: np.ndarray  # index into CALL_TYPES, or -1
    priority: np.ndarray  # index into PRIORITIES, or -1


@dataclass(frozen=True)
class Attendance:
    """One row per officer per incident: the span the officer was there, for recording."""

    officer: np.ndarray
    shift: np.ndarray
    start: np.ndarray
    end: np.ndarray
    incident: np.ndarray
    required: np.ndarray  # bool: an encounter the department's rule says to record
    category: np.ndarray  # index into CATEGORIES


@dataclass(frozen=True)
class Activity:
    encounters: Encounters
    attendance: Attendance
    incidents: int  # block-local incident numbers run from 0 to this


class _Intensity:
    """Cumulative expected incidents (in mean-rate hours) over the block, hour by hour."""

    def __init__(self, clock: Clock, lo: int, hi: int) -> None:
        lo, hi = lo - lo % HOUR, hi + HOUR
        self.grid = np.arange(lo, hi + HOUR, HOUR)
        hour = (clock.to_local(self.grid[:-1]) // HOUR) % 24
        self.cum = np.concatenate([[0.0], np.cumsum(HOURLY[hour])])

    def at(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.grid, self.cum)

    def invert(self, c: np.ndarray) -> np.ndarray:
        return np.interp(c, self.cum, self.grid).astype(np.int64)


def _lognormal(rng: np.random.Generator, minutes: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Durations in seconds, at least a minute."""
    return np.maximum(MINUTE, rng.lognormal(np.log(minutes * MINUTE), sigma)).astype(np.int64)


def _choose(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """One category per row from each row's cumulative probabilities."""
    u = rng.random(len(cum)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1)


def _backup_groups(shifts: Shifts) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tours that can send backup to each other: regular or overtime, same station and hours.

    Returns each shift's group start, size and rank, and the shifts in group order.
    """
    n = len(shifts)
    teamed = np.isin(shifts.kind, (REGULAR, OVERTIME))
    team = np.where(teamed, shifts.station, -1 - np.arange(n))
    order = np.lexsort((np.arange(n), shifts.end, shifts.start, team))
    key = np.stack([team[order], shifts.start[order], shifts.end[order]])
    new = np.ones(n, bool)
    new[1:] = (key[:, 1:] != key[:, :-1]).any(axis=0)
    group = np.cumsum(new) - 1
    heads = np.flatnonzero(new)
    size = np.diff(np.append(heads, n))
    g_start = np.empty(n, dtype=np.int64)
    g_size = np.empty(n, dtype=np.int64)
    g_rank = np.empty(n, dtype=np.int64)
    g_start[order] = heads[group]
    g_size[order] = size[group]
    g_rank[order] = np.arange(n) - heads[group]
    return g_start, g_size, g_rank, order


@dataclass(frozen=True)
class _Incidents:
    """Incidents of a block, one per row, with the parts each one has."""

    shift: np.ndarray
    arrival: np.ndarray  # wanted arrival, then the laid-out window start
    main: np.ndarray  # index into MAIN
    on_scene: np.ndarray
    priority: np.ndarray  # index into PRIORITIES, -1 unless a dispatched call
    pre: np.ndarray  # emergency driving or pursuit before arrival (0: none)
    emergency: np.ndarray
    pursuit: np.ndarray
    arrest: np.ndarray
    transport: np.ndarray
    to_station: np.ndarray
    ride: np.ndarray
    total: np.ndarray  # the whole span: pre + on scene + transport
    travel: np.ndarray  # to the next incident

    def take(self, idx: np.ndarray) -> _Incidents:
        return _Incidents(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})


def _draw(
    roster: Roster, shifts: Shifts, intensity: _Intensity, rng: np.random.Generator, p: Profile
) -> _Incidents:
    """How many incidents each tour has, when they would arrive, and what they are."""
    of = roster.officers
    lo = shifts.start + 10 * MINUTE
    hi = shifts.end - 15 * MINUTE
    unit_activity = np.array([u.activity for u in UNITS])[of.unit[shifts.officer]]
    activity = np.where(shifts.event, EVENT_ACTIVITY, unit_activity * KIND_ACTIVITY[shifts.kind])
    expected = np.maximum(0, intensity.at(hi) - intensity.at(lo))
    shift = np.repeat(
        np.arange(len(shifts)), rng.poisson(p.incidents_per_hour * activity * expected)
    )
    m = len(shift)
    c_lo = intensity.at(lo[shift])
    arrival = intensity.invert(c_lo + rng.random(m) * (intensity.at(hi[shift]) - c_lo))
    mix = np.array([MIX_NAMES.index(u.mix) for u in UNITS])[of.unit[shifts.officer]]
    mix = np.where(shifts.kind == PAID_DETAIL, MIX_NAMES.index("detail"), mix)
    mix = np.where(shifts.event, MIX_NAMES.index("event"), mix)
    main = _choose(rng, MIX_CUM[mix[shift]])
    on_scene = _lognormal(rng, MAIN_MINUTES[main, 0], MAIN_MINUTES[main, 1])
    priority = np.where(main == 0, _choose(rng, np.tile(np.cumsum(PRIORITY_P), (m, 1))), -1)
    emergency = (priority == 0) & (rng.random(m) < P_EMERGENCY)
    pursuit = rng.random(m) < P_PURSUIT[main]
    pre = np.where(emergency, _lognormal(rng, np.full(m, 4.0), np.full(m, 0.4)), 0)
    pre = np.where(pursuit, _lognormal(rng, np.full(m, 3.0), np.full(m, 0.5)), pre)
    arrest = rng.random(m) < P_ARREST[main]
    transport = arrest & (rng.random(m) < P_TRANSPORT)
    to_station = rng.integers(1, 6, m) * MINUTE
    ride = _lognormal(rng, np.full(m, 20.0), np.full(m, 0.4))
    return _Incidents(
        shift=shift,
        arrival=arrival,
        main=main,
        on_scene=on_scene,
        priority=priority,
        pre=pre,
        emergency=emergency,
        pursuit=pursuit,
        arrest=arrest,
        transport=transport,
        to_station=to_station,
        ride=ride,
        total=pre + on_scene + np.where(transport, to_station + ride, 0),
        travel=rng.integers(5, 21, m) * MINUTE,
    )


def _lay_out(inc: _Incidents, shifts: Shifts) -> _Incidents:
    """Each tour's incidents end to end: an incident starts when wanted or, if the officer is
    still busy, when the previous one has cleared plus travel. Those that would run past the end
    of the tour are dropped. ``arrival`` becomes the start of the incident's window."""
    inc = inc.take(np.lexsort((inc.arrival, inc.shift)))
    done = exclusive_cumsum(inc.total + inc.travel, inc.shift)
    start = running_max(inc.arrival - done, inc.shift) + done
    inc = replace(inc, arrival=start)
    return inc.take(np.flatnonzero(start + inc.total <= shifts.end[inc.shift]))


def block(
    roster: Roster,
    clock: Clock,
    shifts: Shifts,
    first_day: int,
    n_days: int,
    rng: np.random.Generator,
    profile: Profile,
) -> Activity:
    """The block's incidents on its tours, their backups, and its off-duty encounters."""
    intensity = _Intensity(
        clock,
        int(shifts.start.min(initial=first_day * DAY)) - DAY,
        int(shifts.end.max(initial=first_day * DAY)) + DAY,
    )
    inc = _lay_out(_draw(roster, shifts, intensity, rng, profile), shifts)
    m = len(inc.shift)
    incident = np.arange(m)
    officer = shifts.officer[inc.shift]
    w0 = inc.arrival
    a = w0 + inc.pre
    b = a + inc.on_scene
    drawn_call = _choose(rng, np.tile(np.cumsum(CALL_P), (m, 1)))
    call = np.where(SELF_CALL[inc.main] >= 0, SELF_CALL[inc.main], drawn_call)
    response = _lognormal(rng, RESPONSE_MINUTES[np.maximum(inc.priority, 0)], np.full(m, 0.5))
    dispatched = np.where(inc.main == 0, w0 - response, -1)

    rows: list[tuple[np.ndarray, ...]] = []

    def add(
        sel: np.ndarray, kind: np.ndarray | int, s: np.ndarray, e: np.ndarray, cad: bool = False
    ) -> None:
        """Encounter rows for the selected incidents; only the main one carries the CAD call."""
        i = np.flatnonzero(sel)
        kinds = np.broadcast_to(kind, (m,))[i]
        none = np.full(len(i), -1)
        info = (dispatched[i], call[i], inc.priority[i]) if cad else (none, none, none)
        rows.append((officer[i], kinds, s[i], e[i], incident[i], *info))

    def lasting(start: np.ndarray, minutes: float, sigma: float) -> np.ndarray:
        """An end for encounters inside the main one: a drawn length, cut at clearance."""
        return np.minimum(b, start + _lognormal(rng, np.full(m, minutes), np.full(m, sigma)))

    add(np.ones(m, bool), MAIN_CODES[inc.main], a, b, cad=True)
    add(inc.emergency, T["emergency_driving"], w0, a)
    add(inc.pursuit, T["pursuit"], w0, a)
    search = rng.random(m) < P_SEARCH[inc.main]
    s_start = a + (rng.uniform(0.1, 0.6, m) * inc.on_scene).astype(np.int64)
    add(search, T["search"], s_start, lasting(s_start, 6.0, 0.5))
    r_start = a + (rng.uniform(0.2, 0.7, m) * inc.on_scene).astype(np.int64)
    add(inc.arrest, T["arrest"], r_start, b)
    force = inc.arrest & (rng.random(m) < P_USE_OF_FORCE)
    f_start = r_start + rng.integers(0, 61, m)
    add(force, T["use_of_force"], f_start, lasting(f_start, 2.0, 0.6))
    t_start = b + inc.to_station
    add(inc.transport, T["transport"], t_start, t_start + inc.ride)

    category = np.where(inc.arrest, CATEGORIES.index("Arrest"), inc.main)
    required = REQUIRED_MAIN[inc.main] | inc.arrest | search | inc.emergency | inc.pursuit
    attend = [(officer, inc.shift, w0, w0 + inc.total, incident, required, category)]

    # Backup officers from the same tour, where they are free.
    src, b_shift, b_a, b_b = _backups(inc, a, b, shifts, rng, profile)
    b_officer = shifts.officer[b_shift]
    main = inc.main[src]
    cad = (dispatched[src], call[src], inc.priority[src])
    rows.append((b_officer, MAIN_CODES[main], b_a, b_b, src, *cad))
    attend.append((b_officer, b_shift, b_a, b_b, src, REQUIRED_MAIN[main], category[src]))

    rows.append(_off_duty(roster, clock, shifts, first_day, n_days, m, rng, profile))
    n_incidents = m + len(rows[-1][0])
    enc = Encounters(*(np.concatenate(col) for col in zip(*rows, strict=True)))
    att = Attendance(*(np.concatenate(col) for col in zip(*attend, strict=True)))
    return Activity(enc, att, n_incidents)


def _backups(
    inc: _Incidents,
    a: np.ndarray,
    b: np.ndarray,
    shifts: Shifts,
    rng: np.random.Generator,
    profile: Profile,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backup attendances: (incident, backup's shift, arrival, clearance) for other officers of
    the same tour, arriving 1-8 minutes after the first, where they are free."""
    m = len(inc.shift)
    g_start, g_size, g_rank, members = _backup_groups(shifts)
    size = g_size[inc.shift]
    want = rng.poisson(BACKUPS[inc.main] * profile.backup_share + inc.arrest)
    count = np.minimum(want, size - 1)
    src = np.repeat(np.arange(m), count)
    nth = rank_in_segment(src)
    # Distinct team-mates other than the officer: consecutive ranks after a random offset.
    offset = 1 + (rng.random(m) * np.maximum(size - count, 1)).astype(np.int64)
    other_rank = (g_rank[inc.shift[src]] + offset[src] + nth) % size[src]
    b_shift = members[g_start[inc.shift[src]] + other_rank]
    b_a = a[src] + np.minimum(rng.integers(1, 9, len(src)) * MINUTE, inc.on_scene[src] // 2)
    b_b = b[src] - (rng.uniform(0, 0.25, len(src)) * (b[src] - b_a)).astype(np.int64)
    b_b = np.maximum(b_b, b_a + MINUTE)
    free = _free(inc.shift, inc.arrival, inc.arrival + inc.total, b_shift, b_a, b_b)
    return src[free], b_shift[free], b_a[free], b_b[free]


def _free(
    shift: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    b_shift: np.ndarray,
    b_start: np.ndarray,
    b_end: np.ndarray,
) -> np.ndarray:
    """Which backup attendances fit: clear of the backup officer's own incidents (sorted by shift
    and start, never overlapping) and of earlier backups on the same tour."""
    key = shift.astype(np.int64) << 40
    own = np.searchsorted(key + start, (b_shift.astype(np.int64) << 40) + b_end, side="left") - 1
    valid = own >= 0
    clash = valid & (shift[np.maximum(own, 0)] == b_shift) & (end[np.maximum(own, 0)] > b_start)
    order = np.lexsort((b_start, b_shift))
    earlier = np.empty(len(order), dtype=np.int64)
    earlier[order] = previous_max(b_end[order], b_shift[order], empty=np.iinfo(np.int64).min)
    return ~clash & (b_start >= earlier)


def _off_duty(
    roster: Roster,
    clock: Clock,
    shifts: Shifts,
    first_day: int,
    n_days: int,
    first_incident: int,
    rng: np.random.Generator,
    profile: Profile,
) -> tuple[np.ndarray, ...]:
    """Encounters of officers off duty (an arrest on the way home, say): no tour, no camera,
    and not on the last day of employment (it could end after midnight)."""
    n = rng.poisson(len(roster.officers) * n_days * profile.unscheduled_per_day)
    officer = rng.integers(0, len(roster.officers), n)
    day = first_day + rng.integers(0, n_days, n)
    local = day * DAY + rng.integers(0, DAY, n)
    start = clock.to_instant(local)
    names = ("other", "arrest", "self_initiated", "pedestrian_stop", "use_of_force")
    kinds = np.array([T[k] for k in names])
    kind = kinds[_choose(rng, np.tile(np.cumsum([0.55, 0.2, 0.15, 0.05, 0.05]), (n, 1)))]
    end = start + _lognormal(rng, np.full(n, 15.0), np.full(n, 0.6))
    # Keep those clear of the officer's tours in the block.
    order = np.lexsort((shifts.start, shifts.officer))
    key = (shifts.officer[order].astype(np.int64) << 40) + shifts.start[order]
    last = np.searchsorted(key, (officer.astype(np.int64) << 40) + end, side="left") - 1
    hit = last >= 0
    prior = order[np.maximum(last, 0)]
    hit &= (shifts.officer[prior] == officer) & (shifts.end[prior] > start)
    employed = (day >= roster.officers.hired_day[officer]) & (
        day < roster.officers.retire_day[officer]
    )
    k = np.flatnonzero(~hit & employed)
    none = np.full(len(k), -1)
    return (
        officer[k],
        kind[k],
        start[k],
        end[k],
        first_incident + np.arange(len(k)),
        none,
        none,
        none,
    )


def table(
    enc: Encounters, roster: Roster, clock: Clock, first_id: int, incident_base: int
) -> pa.Table:
    """The contract's ``encounters`` rows, ordered by start, numbered from ``first_id``."""
    order = np.lexsort((enc.officer, enc.start))
    start, end = enc.start[order], enc.end[order]
    dispatched = enc.dispatched_at[order]
    return pa.table(
        {
            "encounter_id": text.ids("E", first_id + np.arange(len(order)), 9),
            "officer_id": text.pick(roster.officers.ids, enc.officer[order]),
            "type": text.pick(ENCOUNTER_TYPES, enc.type[order]),
            "start": text.local_times(clock.to_local(start)),
            "end": text.local_times(clock.to_local(clock.fold_safe_end(start, end))),
            "incident_id": text.ids("I", incident_base + enc.incident[order], 9),
            "dispatched_at": text.where_valid(
                text.local_times(clock.to_local(dispatched)), dispatched >= 0
            ),
            "call_type": text.pick(CALL_TYPES, enc.call_type[order]),
            "priority": text.pick(PRIORITIES, enc.priority[order]),
        }
    )
