"""Benchmark: ``onrecord plan`` on a 24,000-officer year of about 6M shifts.

Builds (once, cached under bench/out/) a Parquet package straight from NumPy: 150 stations of
160 officers; regular tours on three watches, four days on and three off less absences; about
50 extra tours per officer-year (overtime, paid details, court), some longer than a battery and
some reporting to another station; a personal camera for every other officer and 60 pool
cameras per station. Then, alternately, each in a fresh process:

- the baseline: DuckDB reading the shifts Parquet file into memory, and
- the subject: ``run_plan(..., all_shifts=True)``, everything ``onrecord plan --all-shifts``
  does (load and check the package, plan, write the CSVs, summary.json and report.html),

and reports wall times, their ratio and peak memory, plus one in-process breakdown by phase.

    .venv/bin/python bench/plan_speed.py [--repeats 3] [--officers 24000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).parent))
from measure import compare, summary

OUT = Path(__file__).parent / "out"
STATIONS = 150
DAYS = 365
EXTRA_PER_YEAR = 50
POOL_PER_STATION = 60
FIRST_DAY_US = 1_546_318_800_000_000  # 2019-01-01 00:00 in New York (UTC−5), in µs
HOUR_US = 3_600_000_000


def _ids(prefix: str, n: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.arange(n)), pa.string()), "")


def build(officers: int, seed: int = 1) -> Path:
    from onrecord.package.formats import TableFormat
    from onrecord.package.writer import PackageWriter

    path = OUT / f"plan-{officers}x{DAYS}"
    if (path / "shifts.parquet").exists():
        return path
    rng = np.random.default_rng(seed)
    station = np.arange(officers) % STATIONS
    station_ids = _ids("ST-", STATIONS)
    officer_ids = _ids("OF-", officers)
    with PackageWriter(path, TableFormat.PARQUET) as w:
        w.department("Bench City Police Department", "America/New_York", "mandate-all")
        w.table("stations").write(
            {"station_id": station_ids, "dock_slots": pa.array(np.full(STATIONS, 120))}
        )
        w.table("officers").write(
            {"officer_id": officer_ids, "station_id": station_ids.take(pa.array(station))}
        )
        personal = np.flatnonzero(np.arange(officers) % 2 == 0)
        pool = np.repeat(np.arange(STATIONS), POOL_PER_STATION)
        w.table("cameras").write(
            {
                "camera_id": pa.concat_arrays([_ids("PC-", len(personal)), _ids("PL-", len(pool))]),
                "station_id": station_ids.take(pa.array(np.concatenate([station[personal], pool]))),
                "assigned_officer_id": pa.concat_arrays(
                    [officer_ids.take(pa.array(personal)), pa.nulls(len(pool), pa.string())]
                ),
            }
        )
        # regular tours: watch w starts at 07:30, 15:30 or 23:30; four days on, three off
        day = np.arange(DAYS)
        works = (day[None, :] + (np.arange(officers) % 7)[:, None]) % 7 < 4
        works &= rng.random(works.shape) > 0.04
        who, when = np.nonzero(works)
        watch = who % 3
        start = FIRST_DAY_US + when * 24 * HOUR_US + ((15 + 16 * watch) * HOUR_US) // 2
        end = start + 8 * HOUR_US
        kind = np.zeros(len(who), dtype=np.int8)
        at = station[who]
        # extras: overtime, paid details, court; 4–16 h, starting between 06:00 and 20:00
        n = officers * EXTRA_PER_YEAR
        x_who = rng.integers(0, officers, n)
        x_kind = rng.choice(np.array([1, 2, 3], dtype=np.int8), n, p=[0.25, 0.55, 0.20])
        x_len = np.where(x_kind == 3, rng.integers(3, 7, n), rng.integers(4, 17, n))
        x_start = (
            FIRST_DAY_US
            + rng.integers(0, DAYS, n) * 24 * HOUR_US
            + rng.integers(12, 41, n) * HOUR_US // 2
        )
        x_at = np.where(rng.random(n) < 0.2, rng.integers(0, STATIONS, n), station[x_who])
        who = np.concatenate([who, x_who])
        start = np.concatenate([start, x_start])
        end = np.concatenate([end, x_start + x_len * HOUR_US])
        kind = np.concatenate([kind, x_kind])
        at = np.concatenate([at, x_at])
        kinds = pa.array(["regular", "overtime", "paid_detail", "court"])
        ts = pa.timestamp("us", tz="UTC")
        shifts = w.table("shifts")
        shift_ids = _ids("SH-", len(who))
        for lo in range(0, len(who), 1_000_000):
            sl = slice(lo, lo + 1_000_000)
            shifts.write(
                {
                    "shift_id": shift_ids.slice(lo, 1_000_000),
                    "officer_id": officer_ids.take(pa.array(who[sl])),
                    "start": pa.array(start[sl], ts),
                    "end": pa.array(end[sl], ts),
                    "kind": kinds.take(pa.array(kind[sl])),
                    "station_id": station_ids.take(pa.array(at[sl])),
                }
            )
        w.table("recordings").write(
            {c: pa.array([], pa.string()) for c in ("recording_id", "officer_id", "start", "end")}
        )
    return path


def baseline_code(path: Path) -> str:
    return f"""
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TABLE t AS SELECT * FROM read_parquet('{path / "shifts.parquet"}')")
"""


def subject_code(path: Path, out: Path) -> str:
    return f"""
from onrecord.plan.run import run_plan
run_plan({str(path)!r}, {str(out)!r}, all_shifts=True)
"""


def phases(path: Path, out: Path) -> dict[str, float]:
    """One in-process run of what ``run_plan`` does, timed step by step."""
    import onrecord
    from onrecord.plan import outputs
    from onrecord.plan import summary as plan_summary
    from onrecord.plan.compute import make_plan
    from onrecord.plan.inputs import Selection, read_fleet, read_schedule
    from onrecord.plan.params import PlanParameters
    from onrecord.plan.report import render_report

    times: dict[str, float] = {}
    t = time.perf_counter()

    def done(step: str) -> None:
        nonlocal t
        now = time.perf_counter()
        times[step] = now - t
        t = now

    pkg = onrecord.load(path)
    done("load and check")
    params, sel = PlanParameters(), Selection(None)
    schedule = read_schedule(pkg, sel)
    fleet = read_fleet(pkg, len(schedule.stations), params)
    done("select shifts, read cameras")
    plan = make_plan(schedule, fleet, params)
    done("plan (personal, peak, assignment, current fleet)")
    doc = plan_summary.build(pkg, plan, sel)
    done("summary")
    out.mkdir(parents=True, exist_ok=True)
    outputs.write_assignments(pkg, plan, out / "assignments.csv")
    done("assignments.csv")
    outputs.write_uncovered(pkg, plan, out / "uncovered.csv")
    done("uncovered.csv")
    (out / "report.html").write_text(render_report(doc), encoding="utf-8")
    done("report.html")
    return {
        **times,
        "shifts": len(schedule.start),
        "pool_occupations": len(plan.parts.shift),
        "personal_served": doc.totals.personal_served,
        "pool_needed": doc.totals.pool_needed,
        "pool_have": doc.totals.pool_have,
        "uncovered": doc.totals.uncovered,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--officers", type=int, default=24_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    path = build(args.officers)
    built = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        base, subj = compare(baseline_code(path), subject_code(path, Path(tmp) / "p"), args.repeats)
        result = {
            "package": str(path),
            "build_s": built,
            "machine": f"{platform.machine()}, Python {platform.python_version()}, "
            f"duckdb {duckdb.__version__}",
            **summary(base, subj),
            "subject_cpu_s": median(r.cpu for r in subj),
            "load_average_1min": os.getloadavg()[0],
            "phases_s": phases(path, Path(tmp) / "phases"),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
