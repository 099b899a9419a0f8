"""Local wall-clock times to absolute instants, with the contract's daylight-saving rules.

A local time that occurs twice means its first occurrence; one that does not exist is moved
forward by the size of the skip. Both are Python's ``fold=0`` reading, so the pure-Python
reference is ``datetime(..., tzinfo=ZoneInfo(tz)).astimezone(UTC)``. For the vectorised reader
we turn a zone's transitions in the years the data covers into ordered thresholds on the local
clock, which DuckDB evaluates as a short ``CASE`` per column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Transition:
    """An offset change. ``before``/``after`` are UTC offsets in seconds."""

    at_utc: datetime  # naive UTC instant of the change
    before: int
    after: int

    @property
    def threshold(self) -> datetime:
        """Local time from which the new offset applies under fold=0."""
        return self.at_utc + timedelta(seconds=max(self.before, self.after))

    @property
    def anomaly(self) -> tuple[datetime, datetime, str]:
        """The local window that is repeated (``ambiguous``) or does not exist (``skipped``)."""
        lo = self.at_utc + timedelta(seconds=min(self.before, self.after))
        kind = "ambiguous" if self.after < self.before else "skipped"
        return lo, self.threshold, kind


def _offset(zone: ZoneInfo, utc: datetime) -> int:
    off = utc.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    assert off is not None
    return int(off.total_seconds())


def transitions(
    zone_name: str, years: list[int]
) -> tuple[list[tuple[datetime, int]], list[tuple[datetime, datetime, str]]]:
    """Offset thresholds on the local clock, and anomaly windows, for the given years.

    Returns ``(steps, anomalies)``: ``steps`` is an ascending list of ``(local_threshold,
    offset_seconds)``, where each year starts with a step at its local 1 January so that years
    not listed never leak offsets into each other; ``anomalies`` is a list of ``(lo, hi, kind)``
    local windows.
    """
    zone = ZoneInfo(zone_name)
    steps: list[tuple[datetime, int]] = []
    anomalies: list[tuple[datetime, datetime, str]] = []
    first_day, last_day = datetime(1, 1, 2), datetime(9999, 12, 30)  # room for any offset
    for year in sorted(set(years)):
        if not 1 <= year <= 9999:
            continue
        jan1 = datetime(year, 1, 1)
        start_off = zone.utcoffset(jan1)  # the fold=0 reading of local midnight
        assert start_off is not None
        steps.append((jan1, int(start_off.total_seconds())))
        day = max(jan1, first_day + timedelta(days=1)) - timedelta(days=1)
        end = min(datetime(year, 12, 31), last_day - timedelta(days=1)) + timedelta(days=1)
        for tr in _changes(zone, day, end):
            if tr.threshold.year == year:
                steps.append((tr.threshold, tr.after))
            lo, hi, kind = tr.anomaly
            if lo.year == year or hi.year == year:
                anomalies.append((lo, hi, kind))
    steps.sort()
    return steps, sorted(set(anomalies))


def _changes(zone: ZoneInfo, first: datetime, last: datetime) -> Iterator[Transition]:
    """The zone's offset changes between two naive UTC days, found day by day."""
    prev: tuple[datetime, int] | None = None
    day = first
    while day <= last:
        off = _offset(zone, day)
        if prev is not None and off != prev[1]:
            yield Transition(_bisect(zone, prev[0], day), prev[1], off)
        prev = (day, off)
        day += timedelta(days=1)


def _offsets(zone_name: str, first_year: int, last_year: int) -> tuple[int, list[tuple[int, int]]]:
    """The UTC offset (seconds) of ``zone_name`` in force before the years given, and each of
    its changes in them: (instant in µs since the epoch, offset from then on)."""
    zone = ZoneInfo(zone_name)
    first = datetime(max(first_year, 1), 1, 1) - timedelta(days=1)
    last = datetime(min(last_year, 9998), 12, 31) + timedelta(days=1)
    epoch = datetime(1970, 1, 1)
    steps = [((tr.at_utc - epoch) // timedelta(microseconds=1), tr.after)
             for tr in _changes(zone, first, last)]  # fmt: skip
    return _offset(zone, first), steps


def _by_offset(
    us: str, zone_name: str, first_year: int, last_year: int, render: Callable[[int], str]
) -> str:
    """SQL choosing, by a short ``CASE`` on the instant ``us`` (µs since the epoch, UTC), the
    expression ``render(offset)`` for the UTC offset (seconds) in force in ``zone_name``; exact
    for instants in the years given."""
    first, steps = _offsets(zone_name, first_year, last_year)
    start = render(first)
    if not steps:
        return start
    whens = " ".join(f"WHEN {us} >= {t} THEN {render(off)}" for t, off in reversed(steps))
    return f"(CASE {whens} ELSE {start} END)"


def local_iso_sql(us: str, zone_name: str, first_year: int, last_year: int) -> str:
    """SQL: the instant ``us`` (µs since the epoch, UTC) as local ISO text in ``zone_name``, e.g.
    2019-08-31T07:30:00-04:00, with fractional seconds only when there are any (the form every
    output file uses); exact for instants in the years given.

    Each branch of the offset ``CASE`` adds that offset as a constant and has the offset text
    written into its ``strftime`` pattern: one comparison chain and one ``strftime`` per value,
    several times cheaper than a time-zone conversion or than building the suffix from the
    offset with string functions on every row."""

    def at(fraction: str) -> Callable[[int], str]:
        def render(off: int) -> str:
            sign = "-" if off < 0 else "+"
            suffix = f"{sign}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}"
            pattern = f"%Y-%m-%dT%H:%M:%S{fraction}{suffix}"
            return f"strftime(make_timestamp({us} + {off * 1_000_000}), '{pattern}')"

        return render

    years = (first_year, last_year)
    whole, fractional = (_by_offset(us, zone_name, *years, at(f)) for f in ("", ".%f"))
    return f"(CASE WHEN {us} % 1000000 = 0 THEN {whole} ELSE {fractional} END)"


MONTH_CHUNK = 1 << 20  # instants per step of local_months


def local_months(
    us: np.ndarray, zone_name: str, first_year: int, last_year: int
) -> pa.DictionaryArray:
    """The local calendar month (``2019-08``) of each instant of ``us`` (µs since the epoch,
    UTC) in ``zone_name``, exact for instants in the years given; dictionary-encoded, since a
    year of rows has twelve. One binary search per instant for its offset, a million at a time
    (the temporaries stay small beside the audit's arrays): a formatted month per row in SQL
    costs ten times as much."""
    first, steps = _offsets(zone_name, first_year, last_year)
    changes = np.array([t for t, _ in steps], np.int64)
    offsets = np.array([first, *(off for _, off in steps)], np.int64) * 1_000_000
    months = np.empty(len(us), np.int32)  # since January 1970
    for i in range(0, len(us), MONTH_CHUNK):
        part = us[i : i + MONTH_CHUNK]
        local = offsets[np.searchsorted(changes, part, side="right")] + part
        months[i : i + MONTH_CHUNK] = (
            local.view("datetime64[us]").astype("datetime64[M]").view(np.int64)
        )
    lo = int(months.min()) if len(months) else 0
    n = int(months.max()) - lo + 1 if len(months) else 0
    months -= lo
    names = [f"{(lo + k) // 12 + 1970:04d}-{(lo + k) % 12 + 1:02d}" for k in range(n)]
    return pa.DictionaryArray.from_arrays(months, pa.array(names, pa.string()))


def _bisect(zone: ZoneInfo, lo: datetime, hi: datetime) -> datetime:
    """The first UTC second at which the offset differs from the offset at ``lo``."""
    base = _offset(zone, lo)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) // 2
        mid = mid.replace(microsecond=0)
        if _offset(zone, mid) == base:
            lo = mid
        else:
            hi = mid
    return hi


def _lit(t: datetime) -> str:
    return f"TIMESTAMP '{t.isoformat(sep=' ')}'"


def offset_sql(local: str, steps: list[tuple[datetime, int]]) -> str:
    """SQL for the UTC offset (seconds) of the naive local timestamp expression ``local``."""
    if not steps:
        return "0"
    if len({off for _, off in steps}) == 1:
        return str(steps[0][1])
    whens = " ".join(f"WHEN {local} >= {_lit(t)} THEN {off}" for t, off in reversed(steps))
    return f"(CASE {whens} ELSE {steps[0][1]} END)"


def anomaly_sql(
    local: str,
    anomalies: list[tuple[datetime, datetime, str]],
    labels: dict[str, str] | None = None,
    guard: str = "true",
) -> str:
    """SQL naming the anomaly a local time falls in (``'ambiguous'``/``'skipped'``, or the SQL
    expressions in ``labels``), when ``guard`` holds; else NULL. One flat CASE: DuckDB 2.0 fails
    to bind some CASE-over-CASE forms."""
    if not anomalies:
        return "CAST(NULL AS VARCHAR)"
    names = labels or {"ambiguous": "'ambiguous'", "skipped": "'skipped'"}
    whens = " ".join(
        f"WHEN {guard} AND {local} >= {_lit(lo)} AND {local} < {_lit(hi)} THEN {names[kind]}"
        for lo, hi, kind in anomalies
    )
    return f"(CASE {whens} END)"
