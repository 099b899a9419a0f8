"""Property tests of the planner on random schedules.

Small schedules: every station's ``pool_needed`` equals the fewest cameras that a brute-force
search can assign the pool occupations to, with occupations computed here from the spec's
words, not the planner's code. Larger ones: the plan never puts one camera in two occupations at
once, serves every shift that needs a camera, and every shift the current fleet leaves uncovered
is listed with a reason that a replay of the fleet confirms.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.plan.compute import Plan, Reason, make_plan
from onrecord.plan.inputs import Fleet, Schedule
from onrecord.plan.params import PlanParameters
from onrecord.plan.personal import State

Q = 15 * 60_000_000  # a quarter hour in µs: every time is on this grid, so all sums are exact
H = 3_600_000_000
LEAD = RETURN = Q
PARAMS = PlanParameters()


def schedules(max_shifts: int, stations: int, officers: int) -> st.SearchStrategy:
    shift = st.tuples(
        st.integers(0, 96),  # start, in quarter hours
        st.integers(1, 64),  # length: up to 16 h, so some exceed the 12 h battery
        st.integers(0, stations - 1),
        st.integers(0, officers - 1),
    )
    return st.tuples(
        st.lists(shift, min_size=1, max_size=max_shifts),
        st.sets(st.tuples(st.integers(0, officers - 1), st.integers(0, stations - 1))),
        st.lists(st.integers(0, 3), min_size=stations, max_size=stations),
    )


def build(data: tuple, stations: int) -> tuple[Schedule, Fleet]:
    shifts, personal, have = data
    shifts = sorted(shifts, key=lambda s: s[0])  # the planner's order: by start (stable)
    start = np.array([s[0] * Q for s in shifts], dtype=np.int64)
    sched = Schedule(
        start=start,
        end=start + np.array([s[1] * Q for s in shifts], dtype=np.int64),
        station=np.array([s[2] for s in shifts], dtype=np.int64),
        officer=np.array([s[3] for s in shifts], dtype=np.int64),
        kind=np.zeros(len(shifts), dtype=np.int64),
        stations=[f"S{i}" for i in range(stations)],
        kinds=["regular"],
        dock_slots=np.zeros(stations, dtype=np.int64),
        in_range=len(shifts),
        home_station=0,
        rows=pa.table({"s": start}),  # the text columns only the outputs read
    )
    fleet = Fleet(
        pool_ids=[[f"S{i}-C{j}" for j in range(n)] for i, n in enumerate(have)],
        pool_battery=np.full(stations, 12.0),
        pool_recharge=np.full(stations, 4.0),
        personal={(o, s): [(f"P{o}-{s}", 12.0, 4.0)] for o, s in personal},
        personal_docked=np.zeros(stations, dtype=np.int64),
        personal_assumed=np.zeros(stations, dtype=np.int64),
    )
    return sched, fleet


def spec_occupations(start: int, end: int) -> list[tuple[int, int]]:
    """The spec's words: k = ceil(hours / 12) cameras over [start − lead, end + return +
    recharge), recharge 4 h for a full battery and in proportion for the last one."""
    hours = (end - start) / H
    k = max(1, math.ceil(hours / 12))
    out = []
    for part in range(k):
        ran = 12 if part < k - 1 else hours - 12 * (k - 1)
        out.append((start - LEAD, end + RETURN + round(4 * min(1, ran / 12) * H)))
    return out


def spec_personal(s: Schedule, fleet: Fleet) -> dict[int, tuple[int, int]]:
    """Shifts a personal camera serves, in start order: docked at the station, free, fits."""
    busy_until: dict[tuple[int, int], int] = {}
    served = {}
    for i in range(len(s.start)):
        key = (int(s.officer[i]), int(s.station[i]))
        if key not in fleet.personal or s.end[i] - s.start[i] > 12 * H:
            continue
        (occ,) = spec_occupations(int(s.start[i]), int(s.end[i]))
        if busy_until.get(key, occ[0]) <= occ[0]:
            busy_until[key] = occ[1]
            served[i] = occ
    return served


def fewest_cameras(intervals: list[tuple[int, int]]) -> int:
    """Brute force: the smallest c for which a backtracking search finds an assignment."""

    def fits(c: int) -> bool:
        cams: list[list[tuple[int, int]]] = [[] for _ in range(c)]

        def place(j: int) -> bool:
            if j == len(intervals):
                return True
            a, b = intervals[j]
            tried_empty = False
            for cam in cams:
                if not cam:
                    if tried_empty:
                        continue  # empty cameras are interchangeable
                    tried_empty = True
                if all(b <= x or y <= a for x, y in cam):
                    cam.append((a, b))
                    if place(j + 1):
                        return True
                    cam.pop()
            return False

        return place(0)

    return next(c for c in range(len(intervals) + 1) if fits(c))


@scaled(3, deadline=None)  # small schedules, cheap examples
@given(schedules(max_shifts=7, stations=2, officers=3))
def test_pool_needed_is_the_brute_force_minimum(data: tuple) -> None:
    sched, fleet = build(data, 2)
    plan = make_plan(sched, fleet, PARAMS)
    personal = spec_personal(sched, fleet)
    assert set(np.flatnonzero(plan.personal.state == State.SERVED).tolist()) == set(personal)
    for station in range(2):
        pool = [
            occ
            for i in range(len(sched.start))
            if sched.station[i] == station and i not in personal
            for occ in spec_occupations(int(sched.start[i]), int(sched.end[i]))
        ]
        assert plan.needed[station] == fewest_cameras(pool)


def no_double_booking(occupations: dict[object, list[tuple[int, int]]]) -> None:
    for cam, occ in occupations.items():
        occ.sort()
        for (_, b), (c, _) in itertools.pairwise(occ):
            assert b <= c, f"camera {cam} is in two occupations at once"


def check_current_fleet(plan: Plan) -> None:
    """Replay the fleet: a shift it served found k cameras free; one it refused found fewer,
    and its reason is true."""
    s, parts = plan.schedule, plan.parts
    first = np.flatnonzero(parts.part == 0)
    served_parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for f in first.tolist():
        i = int(plan.pool_shift[parts.shift[f]])
        station, k = int(s.station[i]), int(parts.k[f])
        t = int(parts.start[f])
        busy = sum(1 for a, b in served_parts[station] if a <= t < b)
        free = int(plan.have[station]) - busy
        if plan.reason[i] == Reason.COVERED:
            assert free >= k
            served_parts[station] += [(t, int(parts.end[f + j])) for j in range(k)]
        else:
            assert free < k and plan.free_when_refused[i] == free
            state = plan.personal.state[i]
            if plan.reason[i] == Reason.PERSONAL_RECHARGING:
                assert state == State.RECHARGING
            elif plan.reason[i] == Reason.LONGER_THAN_BATTERY:
                assert k > 1 and (free > 0 or state == State.TOO_LONG)
            else:
                assert plan.reason[i] == Reason.NO_POOL_CAMERA
                assert state != State.RECHARGING and not (k > 1 and free > 0)


@scaled(0.6, deadline=None)  # schedules of up to 250 shifts
@given(schedules(max_shifts=250, stations=3, officers=12))
def test_assignment_is_valid_and_every_shift_is_served(data: tuple) -> None:
    sched, fleet = build(data, 3)
    plan = make_plan(sched, fleet, PARAMS)
    parts = plan.parts
    cams: dict[object, list[tuple[int, int]]] = defaultdict(list)
    for p in range(len(parts.shift)):
        i = int(plan.pool_shift[parts.shift[p]])
        cams[("pool", int(sched.station[i]), int(plan.part_camera[p]))].append(
            (int(parts.start[p]), int(parts.end[p]))
        )
    for i in np.flatnonzero(plan.personal.state == State.SERVED).tolist():
        cams[("personal", plan.personal.camera[i])].append(
            (int(sched.start[i] - LEAD), int(plan.personal.end[i]))
        )
    no_double_booking(cams)
    # every shift: a personal camera, or all k of its pool cameras
    served_by_pool = np.bincount(plan.pool_shift[parts.shift], minlength=len(sched.start))
    personal = plan.personal.state == State.SERVED
    assert np.all(personal ^ (served_by_pool > 0))
    assert np.all(plan.part_camera >= 0)
    numbers = defaultdict(set)
    for cam in cams:
        if cam[0] == "pool":
            numbers[cam[1]].add(cam[2])
    # the real cameras first; new ones only up to the peak
    for s in range(3):
        have, needed = int(plan.have[s]), int(plan.needed[s])
        assert numbers[s] <= set(range(max(have, needed)))
        if needed > have:
            assert max(numbers[s]) == needed - 1
    check_current_fleet(plan)
