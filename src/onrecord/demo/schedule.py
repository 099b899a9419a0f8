"""Tours of duty: regular watches on a four-on, two-off rotation, and the extra tours on top.

Boston patrol works three watches; the tour times below are the most common start and end times of
the overtime tours in the city's 2019 records (``2019_overtime_events.csv`` in
``shared/data/boston``: 07:30 to 16:00, 16:00 to 23:45, 23:45 to 07:30), and the extra-tour
templates are weighted by how often each start/end pair occurs there. Court appearances start at the
hours the 2019 court overtime starts at and are paid for four hours at least. Everything is
scheduled on the wall clock and converted to instants, so a tour over a daylight-saving change is an
hour longer or shorter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyarrow as pa

from onrecord.demo import text
from onrecord.demo.clock import DAY, HOUR, MINUTE, Clock, weekday
from onrecord.demo.profile import Profile
from onrecord.demo.roster import Roster
from onrecord.package.schema import SHIFT_KINDS

REGULAR, OVERTIME, PAID_DETAIL, COURT, TRAINING = (
    SHIFT_KINDS.index(k) for k in ("regular", "overtime", "paid_detail", "court", "training")
)
EVENT_STATION = "A-1"  # large events downtown, as the 2019-08-31 parade
EVENT_UNIT = "special events"
REST = HOUR  # an extra tour keeps this far from the officer's other tours (except a double)


def _t(hhmm: str) -> int:
    return int(hhmm[:2]) * HOUR + int(hhmm[3:]) * MINUTE


@dataclass(frozen=True)
class Watch:
    name: str
    start: int  # wall-clock seconds after midnight
    length: int  # wall-clock seconds
    weekdays_only: bool = False


WATCHES = (
    Watch("day", _t("07:30"), _t("08:30")),
    Watch("first half", _t("16:00"), _t("07:45")),
    Watch("last half", _t("23:45"), _t("07:45")),
    Watch("office", _t("08:00"), _t("08:00"), weekdays_only=True),
)


def _templates(rows: tuple[tuple[str, str, int], ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, wall-clock length, probability) arrays from (start, end, count) rows."""
    start = np.array([_t(s) for s, _, _ in rows])
    end = np.array([_t(e) for _, e, _ in rows])
    weight = np.array([w for _, _, w in rows], dtype=float)
    return start, (end - start) % DAY, weight / weight.sum()


# Start/end pairs of 2019 overtime tours and how many tours had them.
EXTRA = _templates(
    (
        ("16:00", "23:45", 2307),
        ("07:30", "16:00", 2140),
        ("11:00", "16:00", 848),
        ("23:45", "07:30", 690),
        ("16:00", "20:00", 682),
        ("23:45", "03:45", 490),
        ("19:30", "00:00", 482),
        ("19:30", "00:30", 476),
        ("19:30", "23:45", 470),
        ("10:00", "16:00", 467),
        ("12:00", "16:00", 426),
        ("07:00", "16:00", 341),
        ("08:00", "16:00", 309),
        ("16:00", "21:00", 284),
        ("08:00", "18:00", 274),
        ("16:00", "22:00", 243),
    )
)
# The tours worked on 2019-08-31 by the officers at the parade.
EVENT = _templates(
    (
        ("08:00", "18:00", 269),
        ("08:00", "16:00", 208),
        ("07:00", "18:00", 99),
        ("07:30", "16:00", 80),
        ("07:00", "16:00", 61),
    )
)
# Court appearance starts (2019 court overtime, by start hour).
COURT_STARTS = _templates(
    (
        ("08:30", "12:30", 10017),
        ("09:00", "13:00", 11508),
        ("10:00", "14:00", 1935),
        ("14:00", "18:00", 786),
        ("15:00", "19:00", 1007),
    )
)
# A double: an extra tour straight after the regular one, by watch (wall-clock length, weight).
DOUBLE_LENGTHS = (
    ((_t("07:45"), 0.5), (_t("04:00"), 0.35), (_t("06:00"), 0.15)),
    ((_t("04:00"), 0.6), (_t("07:45"), 0.4)),
    ((_t("08:30"), 0.5), (_t("04:00"), 0.35), (_t("04:30"), 0.15)),
    ((_t("07:45"), 0.5), (_t("04:00"), 0.35), (_t("06:00"), 0.15)),
)
TRAINING_TOUR = (_t("08:00"), _t("08:00"))


@dataclass(frozen=True)
class Shifts:
    """A block's tours. ``follows`` is the index of the regular tour a double continues, else -1."""

    officer: np.ndarray
    kind: np.ndarray  # index into SHIFT_KINDS
    start: np.ndarray  # instants
    end: np.ndarray
    station: np.ndarray  # -1: none given (court, training)
    event: np.ndarray  # bool: a tour at the large event
    follows: np.ndarray

    def __len__(self) -> int:
        return len(self.officer)


@dataclass
class ScheduleState:
    """What a block needs from the previous one: when each officer's last extra tour ended."""

    last_extra_end: np.ndarray

    @classmethod
    def initial(cls, n_officers: int) -> ScheduleState:
        return cls(np.full(n_officers, np.iinfo(np.int64).min // 2, dtype=np.int64))


@dataclass(frozen=True)
class _Grid:
    """Every officer's scheduled regular tour on each day of a block and the day either side."""

    on: np.ndarray  # (officers, days) bool
    start: np.ndarray  # instants
    end: np.ndarray

    @classmethod
    def of(cls, roster: Roster, clock: Clock, days: np.ndarray) -> _Grid:
        """The rotation alone decides the tours, so neighbouring blocks agree on their days."""
        of = roster.officers
        watch_start = np.array([w.start for w in WATCHES])[of.watch][:, None]
        watch_len = np.array([w.length for w in WATCHES])[of.watch][:, None]
        weekdays_only = np.array([w.weekdays_only for w in WATCHES])[of.watch][:, None]
        d = days[None, :]
        on = np.where(weekdays_only, weekday(d) < 5, (d + of.group[:, None]) % 6 < 4)
        local_start = d * DAY + watch_start
        # Employed from the first day of the tour to the last (a night tour ends the next day).
        last_day = (local_start + watch_len) // DAY
        on &= (d >= of.hired_day[:, None]) & (last_day <= of.retire_day[:, None])
        return cls(on, clock.to_instant(local_start), clock.to_instant(local_start + watch_len))

    def clear(self, s: np.ndarray, e: np.ndarray, col: int) -> np.ndarray:
        """True where [s, e) keeps REST away from the tour in column ``col`` (or there is none)."""
        return ~self.on[:, col] | (e + REST <= self.start[:, col]) | (self.end[:, col] + REST <= s)

    def free(self, s: np.ndarray, e: np.ndarray, col: int, last_end: np.ndarray) -> np.ndarray:
        """Clear of the tours the day before, on and after column ``col``, and of the last extra."""
        ok = s >= last_end + REST
        for k in (col - 1, col, col + 1):
            ok &= self.clear(s, e, k)
        return ok


@dataclass(frozen=True)
class _Rates:
    """A profile's yearly counts as chances per officer per day."""

    double: float
    off_day: float
    court: float
    training: float
    detail: float  # share of extra tours that are paid details

    @classmethod
    def of(cls, p: Profile) -> _Rates:
        extras = p.paid_details + p.overtime
        work_days = 365 * 4 / 6 * (1 - p.absence_share)
        return cls(
            double=min(1.0, extras * p.double_share / work_days),
            off_day=min(1.0, extras * (1 - p.double_share) / (365 * 2 / 6)),
            court=min(1.0, p.court / 261),
            training=min(1.0, p.training / (261 * 2 / 6)),
            detail=p.paid_details / extras if extras else 0.0,
        )


@dataclass
class _Extras:
    """At most one extra tour per officer for one day, on the wall clock."""

    kind: np.ndarray
    start: np.ndarray  # local seconds
    length: np.ndarray
    station: np.ndarray
    follows: np.ndarray
    event: np.ndarray

    @classmethod
    def none(cls, n: int) -> _Extras:
        zeros = np.zeros(n, dtype=np.int64)
        return cls(zeros - 1, zeros.copy(), zeros.copy(), zeros - 1, zeros - 1, zeros == 1)


def _details_and_overtime(
    x: _Extras,
    roster: Roster,
    day: int,
    worked: np.ndarray,
    reg_end_local: np.ndarray,
    reg_index: np.ndarray,
    rates: _Rates,
    rng: np.random.Generator,
) -> None:
    """Paid details and overtime: at a 2019 start/end pair on a day off, or straight after the
    regular tour (a double); at home or, less often, at another district."""
    of = roster.officers
    n = len(of)
    u = rng.random((3, n))
    off = ~worked & (u[0] < rates.off_day)
    tmpl = rng.choice(len(EXTRA[0]), n, p=EXTRA[2])
    x.start[off] = day * DAY + EXTRA[0][tmpl[off]]
    x.length[off] = EXTRA[1][tmpl[off]]
    double = worked & (u[0] < rates.double)
    for watch, options in enumerate(DOUBLE_LENGTHS):
        sel = double & (of.watch == watch)
        lengths = np.array([x for x, _ in options])
        weights = np.array([w for _, w in options])
        x.length[sel] = lengths[rng.choice(len(options), int(sel.sum()), p=weights)]
    x.start[double] = reg_end_local[double]
    x.follows[double] = reg_index[double]
    picked = off | double
    detail = (u[1] < rates.detail) & of.uniformed  # details are worked in uniform
    x.kind[picked] = np.where(detail, PAID_DETAIL, OVERTIME)[picked]
    away = u[2] < np.where(detail, 0.45, 0.3)
    districts = np.flatnonzero(roster.stations.district)
    x.station[picked] = np.where(away, rng.choice(districts, n), of.station)[picked]


def _court_and_training(
    x: _Extras, day: int, worked: np.ndarray, rates: _Rates, rng: np.random.Generator
) -> None:
    """Weekday court appearances (four hours paid at least; after a night tour, say) and
    training days; either replaces any other extra tour that day."""
    n = len(worked)
    court = rng.random(n) < rates.court
    tmpl = rng.choice(len(COURT_STARTS[0]), n, p=COURT_STARTS[2])
    long_day = rng.random(n) < 0.12
    length = np.where(long_day, rng.integers(9, 16, n) * 30 * MINUTE, 4 * HOUR)
    training = ~worked & ~court & (rng.random(n) < rates.training)
    x.kind[court], x.kind[training] = COURT, TRAINING
    x.start[court] = day * DAY + COURT_STARTS[0][tmpl[court]]
    x.length[court] = length[court]
    x.start[training] = day * DAY + TRAINING_TOUR[0]
    x.length[training] = TRAINING_TOUR[1]
    x.station[court | training] = -1
    x.follows[court | training] = -1


def _event(
    x: _Extras,
    roster: Roster,
    clock: Clock,
    day: int,
    free: Callable[[np.ndarray, np.ndarray], np.ndarray],
    profile: Profile,
    rng: np.random.Generator,
) -> None:
    """The large event: a share of all uniformed officers, drawn from those free that day."""
    of = roster.officers
    tmpl = rng.choice(len(EVENT[0]), len(of), p=EVENT[2])
    local = day * DAY + EVENT[0][tmpl]
    free_now = free(clock.to_instant(local), clock.to_instant(local + EVENT[1][tmpl]))
    candidates = np.flatnonzero(of.uniformed & free_now)
    want = round(profile.event_share * int(of.uniformed.sum()))
    chosen = rng.permutation(candidates)[:want]
    x.event[chosen] = True
    x.kind[chosen] = OVERTIME
    x.start[chosen] = local[chosen]
    x.length[chosen] = EVENT[1][tmpl[chosen]]
    x.station[chosen] = roster.stations.index(EVENT_STATION)
    x.follows[chosen] = -1


def block(
    roster: Roster,
    clock: Clock,
    first_day: int,
    n_days: int,
    event_days: frozenset[int],
    state: ScheduleState,
    rng: np.random.Generator,
    profile: Profile,
) -> Shifts:
    """All tours that start on the block's days, with ``state`` carried to the next block."""
    of = roster.officers
    n = len(of)
    grid = _Grid.of(roster, clock, np.arange(first_day - 1, first_day + n_days + 1))
    worked = grid.on[:, 1:-1] & (rng.random((n, n_days)) >= profile.absence_share)
    rates = _Rates.of(profile)

    # Regular tours, numbered day by day and officer by officer.
    w_day, w_off = np.nonzero(worked.T)
    reg_index = np.full((n, n_days), -1)
    reg_index.T[worked.T] = np.arange(len(w_off))
    parts = {
        "officer": [w_off],
        "kind": [np.full(len(w_off), REGULAR)],
        "start": [grid.start[w_off, w_day + 1]],
        "end": [grid.end[w_off, w_day + 1]],
        "station": [of.station[w_off]],
        "event": [np.zeros(len(w_off), bool)],
        "follows": [np.full(len(w_off), -1)],
    }

    last_end = state.last_extra_end
    for j in range(n_days):
        day, col = first_day + j, j + 1
        x = _Extras.none(n)
        reg_end_local = clock.to_local(grid.end[:, col])
        _details_and_overtime(
            x, roster, day, worked[:, j], reg_end_local, reg_index[:, j], rates, rng
        )
        if weekday(day) < 5:
            _court_and_training(x, day, worked[:, j], rates, rng)
        if day in event_days:
            _event(
                x, roster, clock, day, partial(grid.free, col=col, last_end=last_end), profile, rng
            )
        s = clock.to_instant(x.start)
        e = clock.to_instant(x.start + x.length)
        # A double touches its own regular tour, so only the days either side are checked.
        double = x.follows >= 0
        around = (s >= last_end + REST) & grid.clear(s, e, col - 1) & grid.clear(s, e, col + 1)
        ok = np.where(double, around, grid.free(s, e, col, last_end))
        ok &= (x.kind >= 0) & ((x.start + x.length) // DAY <= of.retire_day)
        last_end = np.where(ok, e, last_end)
        idx = np.flatnonzero(ok)
        for name, values in (
            ("officer", idx),
            ("kind", x.kind[idx]),
            ("start", s[idx]),
            ("end", e[idx]),
            ("station", x.station[idx]),
            ("event", x.event[idx]),
            ("follows", x.follows[idx]),
        ):
            parts[name].append(values)
    state.last_extra_end = last_end
    return Shifts(**{k: np.concatenate(v) for k, v in parts.items()})


def table(shifts: Shifts, roster: Roster, clock: Clock, first_id: int) -> pa.Table:
    """The contract's ``shifts`` rows, ordered by start, numbered from ``first_id``."""
    order = np.lexsort((shifts.officer, shifts.start))
    officer = shifts.officer[order]
    event = shifts.event[order]
    return pa.table(
        {
            "shift_id": text.ids("S", first_id + np.arange(len(order)), 9),
            "officer_id": text.pick(roster.officers.ids, officer),
            "start": text.local_times(clock.to_local(shifts.start[order])),
            "end": text.local_times(clock.to_local(shifts.end[order])),
            "kind": text.pick(SHIFT_KINDS, shifts.kind[order]),
            "station_id": text.pick(roster.stations.ids, shifts.station[order]),
            "uniformed": pa.array(roster.officers.uniformed[officer]),
            "unit": text.pick([EVENT_UNIT], np.where(event, 0, -1)),
        }
    )
