"""Absolute time ↔ the department's wall clock, vectorised over numpy arrays of seconds.

The generator works in absolute time (int64 seconds since the Unix epoch) so that every duration
is real, but rosters are written in wall-clock terms (a tour starts at 07:30 local) and exports
carry local times without an offset. Scheduled wall times are turned into instants with the
contract's own reading (``onrecord.package.timezones``: a repeated time is its first occurrence, a
skipped one moves forward), and every written timestamp is formatted back from an instant, so no
local time inside a skipped hour can appear in the output.

"Local seconds" below are seconds since 1970-01-01T00:00 on the wall clock; "days" are whole days
on that clock (``local_seconds // 86400``), used for calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from onrecord.package.timezones import transitions

DAY = 86_400
HOUR = 3_600
MINUTE = 60
EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    """The day number of a calendar date (days since 1970-01-01)."""
    return (d - EPOCH).days


def weekday(days: np.ndarray | int) -> np.ndarray | int:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of day numbers: the proleptic Gregorian calendar in integer arithmetic
    (the days-to-civil algorithm), so a million dates cost a few array operations."""
    z = days.astype(np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def _seconds(t: datetime) -> int:
    return int((t - datetime(1970, 1, 1)).total_seconds())


@dataclass(frozen=True)
class Clock:
    """A zone's offsets over a span of years, as sorted thresholds on both clocks."""

    local_steps: np.ndarray  # local seconds from which ``local_offsets`` applies (fold=0 reading)
    local_offsets: np.ndarray
    utc_steps: np.ndarray  # instants at which the offset changes to ``utc_offsets[i + 1]``
    utc_offsets: np.ndarray

    @classmethod
    def for_period(cls, zone: str, first: date, last: date) -> Clock:
        """The clock for ``zone`` over the calendar years from ``first`` to ``last``, padded by a
        year each side so tours that cross New Year are converted correctly."""
        steps, _ = transitions(zone, list(range(first.year - 1, last.year + 2)))
        local = np.array([_seconds(t) for t, _ in steps], dtype=np.int64)
        offsets = np.array([off for _, off in steps], dtype=np.int64)
        changes = np.flatnonzero(offsets[1:] != offsets[:-1]) + 1
        before, after = offsets[changes - 1], offsets[changes]
        at_utc = local[changes] - np.maximum(before, after)
        return cls(
            local_steps=local,
            local_offsets=offsets,
            utc_steps=at_utc,
            utc_offsets=np.concatenate([offsets[:1], after]),
        )

    def offset_at(self, instants: np.ndarray) -> np.ndarray:
        """UTC offset in seconds in effect at each instant."""
        return self.utc_offsets[np.searchsorted(self.utc_steps, instants, side="right")]

    def to_local(self, instants: np.ndarray) -> np.ndarray:
        return instants + self.offset_at(instants)

    def to_instant(self, local: np.ndarray) -> np.ndarray:
        """Instants of wall-clock times, read as the contract reads them (fold=0)."""
        i = np.searchsorted(self.local_steps, local, side="right") - 1
        return local - self.local_offsets[np.maximum(i, 0)]

    def fold_safe_end(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Ends moved so that no interval reads backwards on the wall clock.

        An interval that begins in the last hour before clocks go back and ends in the repeated
        hour would be written with an end earlier than its start, which a reader must reject.
        Such an end is pulled back to the last second before the change; every other end is
        returned unchanged.
        """
        backwards = self.to_local(end) < self.to_local(start)
        if not backwards.any():
            return end
        change = self.utc_steps[np.searchsorted(self.utc_steps, end[backwards], side="right") - 1]
        fixed = end.copy()
        fixed[backwards] = np.maximum(start[backwards], change - 1)
        return fixed
