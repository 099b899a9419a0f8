"""Which vault items answer a records request: pure matching over items and the request's
filters, apart from reading them (the service reads the items and where they were recorded).

An item is proposed when it passes every filter the request gives: its officer is one of the
officers named; its recording overlaps the time range (it starts before the range ends and ends
after it starts, so footage that runs across either end is included); and it was recorded from
the station named, where that is known. An item whose station is unknown (no camera checkout or
shift places it) is still proposed under a station filter, marked so, rather than dropped: a
records officer can rule it out, but nobody can rule in footage the search never showed. Each
proposal says why, in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from onrecord.release.errors import ReleaseError


@dataclass(frozen=True)
class Filters:
    """What a request asks for, structured: any of officers, a time range and a station."""

    officer_ids: tuple[str, ...] = ()
    time_from: datetime | None = None
    time_to: datetime | None = None
    station_id: str | None = None

    def check(self) -> None:
        """A ``ReleaseError`` unless the filters can find footage (an officer or a time range,
        an aware range in order)."""
        if not self.officer_ids and self.time_from is None and self.time_to is None:
            raise ReleaseError(
                "give the officers (--officer) or the time range (--from, --to) the request asks "
                "about: without either, every recording in the vault would match"
            )
        for at, what in ((self.time_from, "--from"), (self.time_to, "--to")):
            if at is not None and at.tzinfo is None:
                raise ReleaseError(f"{what} {at} has no time zone; give an absolute instant")
        if (
            self.time_from is not None
            and self.time_to is not None
            and self.time_to <= self.time_from
        ):
            raise ReleaseError(
                f"the time range ends ({self.time_to.isoformat()}) before it starts "
                f"({self.time_from.isoformat()})"
            )


@dataclass(frozen=True)
class Candidate:
    """A vault item as matching sees it: its officer, recording span, and the station it was
    recorded from (None when unknown) with how that was found."""

    item_id: str
    officer_id: str
    start: datetime
    end: datetime
    station_id: str | None = None
    station_from: str | None = None


@dataclass(frozen=True)
class Proposal:
    item_id: str
    station_id: str | None
    reasons: str


def propose(candidates: Iterable[Candidate], filters: Filters) -> list[Proposal]:
    """The candidates that pass ``filters``, in recording order, each with its reasons."""
    filters.check()
    officers = set(filters.officer_ids)
    out: list[tuple[datetime, str, Proposal]] = []
    for c in candidates:
        reasons: list[str] = []
        if officers:
            if c.officer_id not in officers:
                continue
            reasons.append(f"officer {c.officer_id}")
        if filters.time_from is not None or filters.time_to is not None:
            if filters.time_to is not None and c.start >= filters.time_to:
                continue
            if filters.time_from is not None and c.end <= filters.time_from:
                continue
            reasons.append("recorded within the time asked")
        if filters.station_id is not None:
            if c.station_id is None:
                reasons.append("station unknown (no checkout or shift places it)")
            elif c.station_id != filters.station_id:
                continue
            else:
                reasons.append(f"station {c.station_id} ({c.station_from})")
        out.append((c.start, c.item_id, Proposal(c.item_id, c.station_id, "; ".join(reasons))))
    return [p for _, _, p in sorted(out, key=lambda t: (t[0], t[1]))]
