"""What an item's page draws from its small files: the GNSS track (Axis's ``…_gpstrail.json``)
as a list of points and an inline SVG path, and its bookmarks (each a text file whose metadata
the Axis destination kept as ``axis.object.<name>``). Pure but for reading the bytes, which the
caller does (and logs, as part of the page's ``view`` entry)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SMALL = 1 << 20
"""The most bytes of a GNSS track or a bookmark the page reads (larger ones are not drawn)."""
MAX_POINTS = 2000
_POINT = re.compile(r"\s*POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*", re.IGNORECASE)
SIZE = 300  # the SVG's width and height, in its own units
PAD = 10


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float
    seconds: float | None
    time: str | None


@dataclass(frozen=True)
class Track:
    """The points read (at most ``MAX_POINTS``), how many the file had, and the points scaled
    into the SVG's box (north up) as the ``points`` attribute of a polyline."""

    points: list[Point]
    total: int
    polyline: str


def read_track(data: bytes) -> Track | str:
    """The track in ``data``, or a sentence saying why it cannot be drawn."""
    try:
        doc = json.loads(data)
    except ValueError:
        return "the GNSS file is not JSON"
    entries = doc.get("CoordinateEntries") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        return "the GNSS file has no CoordinateEntries list"
    points: list[Point] = []
    for e in entries:
        if not isinstance(e, dict):
            continue
        found = _POINT.fullmatch(str(e.get("LocationWKT", "")))
        if found is None:
            continue
        try:
            lon, lat = float(found.group(1)), float(found.group(2))
        except ValueError:
            continue
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            continue
        seconds = e.get("SecondsFromStart")
        when = e.get("Timestamp")
        points.append(
            Point(
                lon,
                lat,
                float(seconds) if isinstance(seconds, int | float) else None,
                when if isinstance(when, str) else None,
            )
        )
    if not points:
        return "the GNSS file holds no point"
    total = len(points)
    points = points[:MAX_POINTS]
    return Track(points, total, _polyline(points))


def _polyline(points: list[Point]) -> str:
    lons, lats = [p.lon for p in points], [p.lat for p in points]
    span = max(max(lons) - min(lons), max(lats) - min(lats)) or 1e-9
    scale = (SIZE - 2 * PAD) / span
    return " ".join(
        f"{PAD + (p.lon - min(lons)) * scale:.1f},{SIZE - PAD - (p.lat - min(lats)) * scale:.1f}"
        for p in points
    )


@dataclass(frozen=True)
class Bookmark:
    """A bookmark's name, its fields (category, tags, times, place) and its text."""

    name: str
    fields: dict[str, str]
    text: str


BOOKMARK_FIELDS = ("CategoryID", "CategoryName", "Tags", "StartTime", "EndTime", "Location")


def bookmark(name: str, metadata: Mapping[str, Any], data: bytes) -> Bookmark:
    """A bookmark file as the page lists it, from its bytes and the item's metadata."""
    raw = metadata.get(f"axis.object.{name}")
    fields: dict[str, str] = {}
    if isinstance(raw, str):
        try:
            meta = json.loads(raw)
        except ValueError:
            meta = {}
        if isinstance(meta, dict):
            fields = {k: str(meta[k]) for k in BOOKMARK_FIELDS if k in meta}
    return Bookmark(name, fields, data.decode("utf-8", errors="replace"))
