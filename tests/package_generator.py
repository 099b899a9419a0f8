"""Random valid data packages for the property tests: values in every spelling the contract
allows (timestamps near time-zone transitions, padded IDs, any case of a word), tables with
random headers and CSV styles, and the writers that put them in a folder as CSV, Parquet
strings or typed Parquet, returning the line (or row) where each record starts."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

import reference_package as ref
from onrecord.package import schema

DEPARTMENT_ZONES = ("America/New_York", "America/Chicago", "Europe/London", "Australia/Lord_Howe")

# ---- time zones and timestamp spellings ---------------------------------------------------------


@cache
def zone_transitions(zone: str, first: int, last: int) -> tuple[tuple[datetime, int, int], ...]:
    """Every offset change in the years: (naive UTC instant, offset before, offset after), in
    seconds. Found by sampling every six hours and bisecting to the second."""
    tz = ZoneInfo(zone)

    def offset(sec: int) -> int:
        off = datetime.fromtimestamp(sec, tz).utcoffset()
        assert off is not None
        return int(off.total_seconds())

    t = int(datetime(first - 1, 12, 31, tzinfo=UTC).timestamp())
    end = int(datetime(last + 1, 1, 2, tzinfo=UTC).timestamp())
    out = []
    prev = offset(t)
    while t < end:
        nxt = t + 6 * 3600
        off = offset(nxt)
        if off != prev:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == prev else (lo, mid)
            out.append((datetime.fromtimestamp(hi, UTC).replace(tzinfo=None), prev, off))
        t, prev = nxt, off
    return tuple(out)


@st.composite
def walls(draw: DrawFn, zone: str, first: int = 1990, last: int = 2035) -> datetime:
    """A naive local time, preferably within two hours of one of the zone's transitions."""
    trs = zone_transitions(zone, first, last)
    how = draw(st.sampled_from(["transition", "transition", "year_edge", "any"]))
    if how == "transition" and trs:
        t, before, after = draw(st.sampled_from(trs))
        anchor = t + timedelta(seconds=draw(st.sampled_from((before, after))))
        wall = anchor + timedelta(minutes=draw(st.integers(-120, 120)))
    elif how == "year_edge":
        jan1 = datetime(draw(st.integers(first, last)), 1, 1)
        wall = jan1 + timedelta(minutes=draw(st.integers(-120, 120)))
    else:
        wall = draw(st.datetimes(datetime(first, 1, 1), datetime(last, 12, 31))).replace(
            second=0, microsecond=0
        )
    fine = draw(st.sampled_from(["minute", "second", "microsecond", "just_before"]))
    if fine == "second":
        wall += timedelta(seconds=draw(st.integers(0, 59)))
    elif fine == "microsecond":
        wall += timedelta(microseconds=draw(st.integers(0, 60_000_000 - 1)))
    elif fine == "just_before":
        wall -= timedelta(microseconds=1)
    return wall


def format_wall(draw: DrawFn, wall: datetime) -> str:
    """ISO 8601 date and time in a random spelling: ``T`` or space, seconds and fraction
    (``.`` or ``,``, up to six digits) written whenever they are not zero, and sometimes when
    they are."""
    text = f"{wall:%Y-%m-%d}{draw(st.sampled_from('T '))}{wall:%H:%M}"
    if wall.second or wall.microsecond or draw(st.booleans()):
        text += f":{wall:%S}"
        if wall.microsecond or draw(st.booleans()):
            digits = f"{wall.microsecond:06d}".rstrip("0") or "0"
            width = draw(st.integers(len(digits), 6))
            text += draw(st.sampled_from(".,")) + digits.ljust(width, "0")
    return text


def format_offset(draw: DrawFn, minutes: int) -> str:
    """``Z``, ``±HH:MM``, ``±HHMM`` or (whole hours) ``±HH``."""
    if minutes == 0 and draw(st.booleans()):
        return draw(st.sampled_from("Zz"))
    h, m = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else "+"
    styles = [f"{sign}{h:02d}:{m:02d}", f"{sign}{h:02d}{m:02d}"] + ([f"{sign}{h:02d}"] * (m == 0))
    return draw(st.sampled_from(styles))


def spell_instant(draw: DrawFn, utc: datetime, zone: str) -> str:
    """Some spelling of exactly the instant ``utc``: local (when a local time names it), with
    a random offset, or in UTC."""
    how = draw(st.sampled_from(["local", "offset", "utc"]))
    if how == "local":
        text = format_wall(draw, utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None))
        parsed = ref.parse_timestamp(text, zone)
        if parsed is not None and parsed.utc == utc:
            return text
        how = "offset"  # the second occurrence of a repeated hour has no local spelling
    minutes = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59)) if how == "offset" else 0
    wall = (utc + timedelta(minutes=minutes)).replace(tzinfo=None)
    return format_wall(draw, wall) + format_offset(draw, minutes)


INSTANTS = st.datetimes(datetime(2015, 1, 1), datetime(2025, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@st.composite
def timestamp_texts(draw: DrawFn, zone: str) -> str:
    """A valid timestamp: a local time (often near a transition) or any spelling of an instant."""
    if draw(st.booleans()):
        return format_wall(draw, draw(walls(zone, 2015, 2025)))
    return spell_instant(draw, draw(INSTANTS), zone)


# ---- cell values ------------------------------------------------------------------------------

ID_PADS = ("", "", " ", "  ", "\t", " \t ")  # IDs: "trimmed of surrounding white space"
PADS = ("", "", " ", "  ")
ID_CORES = (
    st.text(alphabet="aZ07-_/,\"' é", min_size=1, max_size=6)
    .map(lambda s: s.strip(ref.WHITESPACE))
    .filter(bool)
)
TEXTS = st.lists(
    st.sampled_from(["a", "Zed", " ", ",", '"', "\n", "\r\n", "é", "—", "'", ";", "x y"]),
    max_size=6,
).map("".join)
EMPTY = st.sampled_from(["", "  ", None])  # None: a Parquet null (written empty in CSV)
WORDS = ("regular", "overtime", "paid_detail", "arrest", "vehicle_stop", "privacy", "battery")
EXTRA_COLUMNS = ("notes", "source system", "remarks, free", 'say "hi"', "über", "x1")


def pad(draw: DrawFn, core: str, pads: tuple[str, ...] = PADS) -> str:
    return draw(st.sampled_from(pads)) + core + draw(st.sampled_from(pads))


def random_case(draw: DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(word, flips, strict=True))


def decimal_text(draw: DrawFn, top: int) -> str:
    whole = draw(st.integers(0, top))
    frac = draw(st.text("0123456789", max_size=4)) if whole < top else ""
    return str(whole) + ("." + frac if frac else "")


def cell_text(draw: DrawFn, col: ref.Col, zone: str) -> str | None:
    """A valid cell for ``col`` (possibly empty when the column is optional)."""
    if not col.required and draw(st.integers(0, 3)) == 0:
        return draw(EMPTY if col.kind != "id" else st.sampled_from(["", None, " ", "\t"]))
    k = col.kind
    if k == "id":
        return pad(draw, draw(ID_CORES), ID_PADS)
    if k == "text":
        return draw(TEXTS)
    if k == "word":
        word = draw(st.sampled_from(WORDS) | st.text("abxyzÉÜ_", min_size=1, max_size=8))
        return pad(draw, random_case(draw, word))
    if k == "enum":
        return pad(draw, random_case(draw, draw(st.sampled_from(col.vocabulary))))
    if k == "bool":
        word = draw(st.sampled_from(sorted(ref.TRUE_WORDS | ref.FALSE_WORDS)))
        return pad(draw, random_case(draw, word))
    if k == "timestamp":
        return pad(draw, draw(timestamp_texts(zone)))
    if k == "date":
        return pad(draw, draw(st.dates(date(1950, 1, 1), date(2040, 12, 31))).isoformat())
    if k == "count":
        return pad(draw, "0" * draw(st.integers(0, 2)) + str(draw(st.integers(0, 10**12))))
    if k == "positive":
        text = decimal_text(draw, 99)
        return pad(draw, text if float(text) > 0 else "1" + text)
    if k == "percent":
        return pad(draw, decimal_text(draw, 100))
    if k == "sha256":
        return pad(draw, draw(st.text("0123456789abcdefABCDEF", min_size=64, max_size=64)))
    raise AssertionError(k)


# ---- packages ---------------------------------------------------------------------------------


@dataclass
class CsvStyle:
    """How one CSV file is written (all of these are valid CSV)."""

    terminator: str = "\n"
    quote_all: bool = False
    bom: bool = False
    final_newline: bool = True


@dataclass
class GenTable:
    """A generated table: its header in file order and each row's cells as written."""

    header: list[str]
    rows: list[dict[str, str | None]]
    style: CsvStyle = field(default_factory=CsvStyle)
    malformed: dict[int, int] = field(default_factory=dict)  # row -> fields added (<0: removed)
    spec_columns: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def extras(self) -> list[str]:
        """The header's columns that the contract does not name."""
        return [c for c in self.header if c not in self.spec_columns]


@dataclass
class GenPackage:
    zone: str | None  # None: no department.yaml, so UTC
    tables: dict[str, GenTable]

    @property
    def tz(self) -> str:
        return self.zone or "UTC"


@st.composite
def gen_tables(draw: DrawFn, table: str, zone: str, min_rows: int, max_rows: int) -> GenTable:
    """Random header (required columns, some optional ones, unknown extras, any order) and valid
    rows: unique keys, and intervals that end after they start."""
    spec = ref.TABLES[table]
    must = [c for c, col in spec.columns.items() if col.required] + list(spec.header_only)
    optional = [c for c in spec.columns if c not in must and draw(st.booleans())]
    extras = draw(st.lists(st.sampled_from(EXTRA_COLUMNS), unique=True, max_size=2))
    header = list(draw(st.permutations(must + optional + extras)))
    n = draw(st.integers(min_rows, max_rows))
    keys = draw(st.lists(ID_CORES, min_size=n, max_size=n, unique=True))
    rows = []
    for i in range(n):
        row: dict[str, str | None] = {}
        for name in header:
            if name in extras:
                row[name] = draw(TEXTS)
            elif name == spec.key:
                row[name] = pad(draw, keys[i], ID_PADS)
            elif name not in ("start", "end"):
                row[name] = cell_text(draw, spec.columns[name], zone)
        if spec.interval:
            start = draw(timestamp_texts(zone))
            instant = ref.parse_timestamp(start, zone)
            assert instant is not None
            seconds = draw(st.integers(0 if spec.zero_length_ok else 1, 16 * 3600))
            end = instant.utc + timedelta(
                seconds=seconds, microseconds=draw(st.sampled_from([0, 1]))
            )
            row["start"], row["end"] = pad(draw, start), pad(draw, spell_instant(draw, end, zone))
        rows.append(row)
    style = CsvStyle(
        terminator=draw(st.sampled_from(["\n", "\r\n"])),
        quote_all=draw(st.booleans()),
        bom=draw(st.booleans()),
        final_newline=draw(st.booleans()),
    )
    return GenTable(header, rows, style, spec_columns=frozenset(spec.columns))


@st.composite
def packages(draw: DrawFn, min_rows: int = 0, max_rows: int = 4) -> GenPackage:
    zone = draw(st.sampled_from((*DEPARTMENT_ZONES, "UTC", None)))
    names = [
        "recordings",
        *draw(st.sampled_from([["shifts"], ["encounters"], ["shifts", "encounters"]])),
    ]
    names += [
        t for t in ("stations", "officers", "cameras", "device_events") if draw(st.booleans())
    ]
    tz = zone or "UTC"
    return GenPackage(zone, {t: draw(gen_tables(t, tz, min_rows, max_rows)) for t in names})


def write_csv(path: Path, t: GenTable) -> list[int]:
    """Write the table with Python's csv module; return the physical line each record starts on."""
    buf = io.StringIO()
    quoting = csv.QUOTE_ALL if t.style.quote_all else csv.QUOTE_MINIMAL
    w = csv.writer(buf, lineterminator=t.style.terminator, quoting=quoting)
    w.writerow(t.header)
    lines = []
    for i, row in enumerate(t.rows):
        lines.append(1 + buf.getvalue().count("\n"))
        fields = [row[c] or "" for c in t.header]
        delta = t.malformed.get(i, 0)
        fields = fields[:delta] if delta < 0 else fields + ["extra"] * delta
        w.writerow(fields)
    text = buf.getvalue()
    if not t.style.final_newline:
        text = text.removesuffix(t.style.terminator)
    path.write_bytes(b"\xef\xbb\xbf" * t.style.bom + text.encode("utf-8"))
    return lines


def write_parquet(path: Path, t: GenTable) -> list[int]:
    """Write every column as Parquet strings; the line of a row is its index."""
    cols = {c: pa.array([row[c] for row in t.rows], pa.string()) for c in t.header}
    pq.write_table(pa.table(cols), path)
    return list(range(len(t.rows)))


STAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,6}))?)?"
    r"\s*([Zz]|[+-]\d\d(?::?\d\d)?)?"
)


def native_stamp(text: str) -> datetime:
    """A valid timestamp text as a Python datetime: naive for a local time, aware with its
    offset otherwise."""
    m = STAMP.fullmatch(text.strip(ref.WHITESPACE))
    assert m, text
    y, mo, d, hh, mm, ss, frac, z = m.groups()
    parts = (
        int(y),
        int(mo),
        int(d),
        int(hh),
        int(mm),
        int(ss or 0),
        int((frac or "").ljust(6, "0")),
    )
    if not z:
        return datetime(*parts)
    digits = z.replace(":", "")
    minutes = 0 if z in "Zz" else int(digits[1:3]) * 60 + int(digits[3:5] or 0)
    sign = -1 if z.startswith("-") else 1
    return datetime(*parts, tzinfo=timezone(timedelta(minutes=sign * minutes)))


def write_typed_parquet(path: Path, t: GenTable) -> list[int]:
    """Write the table as a typed export would: a timestamp column whose times are all local
    as Parquet timestamps without a time zone, one whose times all have an offset as instants
    (Parquet's UTC timestamps), and dates as Parquet dates; everything else as strings."""
    kinds = {c.name: c.kind for c in schema.TABLES[path.stem].columns}
    cols = {}
    for c in t.header:
        cells = [row[c] for row in t.rows]
        values = [None if v is None or not v.strip(ref.WHITESPACE) else v for v in cells]
        arr = pa.array(cells, pa.string())
        if kinds.get(c) is schema.Kind.DATE:
            arr = pa.array([v and date.fromisoformat(v.strip(ref.WHITESPACE)) for v in values])
        elif kinds.get(c) is schema.Kind.TIMESTAMP:
            stamps = [v and native_stamp(v) for v in values]
            aware = {s.tzinfo is not None for s in stamps if s}
            if aware == {False}:
                arr = pa.array(stamps, pa.timestamp("us"))
            elif aware == {True}:
                arr = pa.array([s and s.astimezone(UTC) for s in stamps], pa.timestamp("us", "UTC"))
        cols[c] = arr
    pq.write_table(pa.table(cols), path)
    return list(range(len(t.rows)))


WRITERS = {"csv": write_csv, "parquet": write_parquet, "typed parquet": write_typed_parquet}


def write_package(root: Path, pkg: GenPackage, fmt: str) -> dict[str, list[int]]:
    if pkg.zone:
        (root / "department.yaml").write_text(f"name: Property PD\ntimezone: {pkg.zone}\n")
    suffix = "csv" if fmt == "csv" else "parquet"
    return {name: WRITERS[fmt](root / f"{name}.{suffix}", t) for name, t in pkg.tables.items()}
