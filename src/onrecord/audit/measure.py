"""The audit's arithmetic on arrays: every shift and encounter measured against R(o) and P(o).

Input is one array per column, officers numbered ``0 .. n - 1`` and times in integer
microseconds; nothing here touches the database. Officers are measured in chunks, each with its
own officer-and-time keys (``keys.py``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from onrecord.audit.context import context_shifts
from onrecord.audit.coverage import Coverage, encounter_coverage
from onrecord.audit.intervals import Islands
from onrecord.audit.keys import KeySpace, chunks
from onrecord.policy import Policy

US = 1_000_000
# Rows (recordings, possessions, shifts and encounters) per chunk, and chunks measured at once.
CHUNK_ROWS = 1_000_000
WORKERS = 2
Arrays = dict[str, np.ndarray]


@dataclass
class Measures:
    """``shifts``: recorded_us and possessed_us per shift; ``context``: each encounter's
    context shift (index into the shifts, -1 for none); ``encounters``: coverage per encounter;
    ``span``: the first and last instant of all the input (µs)."""

    shifts: Arrays
    context: np.ndarray
    encounters: Arrays
    span: tuple[int, int]


@dataclass(frozen=True)
class Limits:
    """The policy's recording limits in microseconds."""

    max_gap: int
    start_grace: int
    end_grace: int

    @classmethod
    def of(cls, policy: Policy) -> Limits:
        rr = policy.recording_required
        return cls(*(round(x * US) for x in (rr.max_gap_s, rr.start_grace_s, rr.end_grace_s)))


def _bounds(*arrays: np.ndarray) -> tuple[int, int]:
    present = [x for x in arrays if len(x)]
    if not present:
        return 0, 0
    return int(min(x.min() for x in present)), int(max(x.max() for x in present))


def measure(
    policy: Policy,
    n_officers: int,
    rec: Arrays,
    held: Arrays,
    sh: Arrays,
    shift_ids: pa.Array | pa.ChunkedArray,
    en: Arrays,
) -> Measures:
    """``rec`` (o, s, e, ok: allowed stop reason), ``held`` (o, s, e: device possessions),
    ``sh`` and ``en`` (o, a, b) → the measures of every shift and encounter.

    Officers are measured in chunks of about ``CHUNK_ROWS`` rows, two at a time: NumPy's sorts
    and searches release the interpreter lock, so both cores work, and the working arrays stay
    a small fraction of the package whatever its size.
    """
    lo, hi = _bounds(rec["s"], rec["e"], held["s"], held["e"], sh["a"], sh["b"], en["a"], en["b"])
    out = Measures(
        {"recorded_us": np.zeros(len(sh["o"]), np.int64),
         "possessed_us": np.zeros(len(sh["o"]), np.int64)},
        np.full(len(en["o"]), -1, np.int64),
        {f.name: np.zeros(len(en["o"]), np.float64 if f.name == "coverage_ratio" else bool)
         for f in fields(Coverage)},
        (lo, hi),
    )  # fmt: skip
    rows = sum(len(x["o"]) for x in (rec, held, sh, en))
    spaces = list(chunks(n_officers, lo, hi, max(-(-rows // CHUNK_ROWS), 1)))
    tables = Tables(rec, held, sh, shift_ids, en)
    limits = Limits.of(policy)
    with ThreadPoolExecutor(WORKERS) as pool:
        # list(): re-raise any chunk's exception here
        list(pool.map(lambda ks: _chunk(limits, ks, len(spaces) == 1, tables, out), spaces))
    return out


@dataclass(frozen=True)
class Tables:
    """The inputs of ``measure``, shared read-only by the chunks."""

    rec: Arrays
    held: Arrays
    sh: Arrays
    shift_ids: pa.Array | pa.ChunkedArray
    en: Arrays


def _chunk(limits: Limits, ks: KeySpace, whole: bool, t: Tables, out: Measures) -> None:
    """Measure the shifts and encounters of the officers of ``ks`` into ``out``."""
    r = _take(t.rec, _rows(t.rec, ks, whole))
    h = _take(t.held, _rows(t.held, ks, whole))
    r_s, r_e = ks.key(r["o"], r["s"]), ks.key(r["o"], r["e"])
    recorded = Islands.build(r_s, r_e)
    possessed = Islands.build(
        np.concatenate([r_s, ks.key(h["o"], h["s"])]),
        np.concatenate([r_e, ks.key(h["o"], h["e"])]),
    )
    # Shifts and encounters in key order (``at_*``: their package positions), so that every
    # search below reads the islands in order.
    at_s, s_a, s_b = _sorted(t.sh, ks, whole)
    out.shifts["recorded_us"][at_s] = recorded.covered(s_a, s_b)
    out.shifts["possessed_us"][at_s] = possessed.covered(s_a, s_b)

    at_e, e_a, e_b = _sorted(t.en, ks, whole)
    ctx = context_shifts(s_a, s_b, lambda j: t.shift_ids.take(pa.array(at_s[j])), e_a, e_b)
    found = ctx >= 0
    ctx[found] = at_s[ctx[found]]
    out.context[at_e] = ctx
    ok_ends = np.unique(r_e[r["ok"]])
    cov = encounter_coverage(
        recorded, ks, ok_ends, e_a, e_b, limits.max_gap, limits.start_grace, limits.end_grace
    )
    for f in fields(Coverage):
        out.encounters[f.name][at_e] = getattr(cov, f.name)


def _rows(x: Arrays, ks: KeySpace, whole: bool) -> np.ndarray | slice:
    """Positions of the rows of the chunk's officers (all of them: a slice, copying nothing)."""
    if whole:
        return slice(None)
    return np.flatnonzero((x["o"] >= ks.first) & (x["o"] < ks.first + ks.count))


def _take(x: Arrays, rows: np.ndarray | slice) -> Arrays:
    return {c: v[rows] for c, v in x.items()}


def _sorted(x: Arrays, ks: KeySpace, whole: bool) -> tuple[np.ndarray, ...]:
    """The chunk's windows ``[a, b)`` as keys sorted by ``a``, with their package positions."""
    rows = _rows(x, ks, whole)
    a = ks.key(x["o"][rows], x["a"][rows])
    order = np.argsort(a, kind="stable")
    at = order if whole else np.asarray(rows)[order]
    return at, a[order], ks.key(x["o"][at], x["b"][at])
