"""Benchmark: `onrecord check` against DuckDB merely parsing the same CSV files.

Builds (once, cached under bench/out/) a 20,000-officer year with the demo generator's
``checker-bench`` profile (about 500k shifts, 2M encounters, 3M recordings), then alternately
runs, each in a fresh process:

- the baseline: DuckDB reading every table's CSV into memory (``CREATE TABLE AS SELECT * FROM
  read_csv(...)``, types auto-detected), and
- the subject: ``onrecord.load()`` on the package plus the grouped summary ``onrecord check``
  prints,

and reports wall times, their ratio and each side's peak memory. Usage:

    .venv/bin/python bench/check_speed.py [--officers 20000] [--days 365] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from measure import compare, summary

OUT = Path(__file__).parent / "out"


def build(officers: int, days: int) -> Path:
    from onrecord.demo import generate

    path = OUT / f"checker-{officers}x{days}"
    if not (path / "recordings.csv").exists():
        generate(path, officers=officers, days=days, profile="checker-bench", seed=1)
    return path


def baseline_code(path: Path) -> str:
    files = sorted(str(p) for p in path.glob("*.csv"))
    return f"""
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for i, f in enumerate({files!r}):
    con.execute(f"CREATE TABLE t{{i}} AS SELECT * FROM read_csv('{{f}}')")
"""


def subject_code(path: Path) -> str:
    return f"""
import onrecord
pkg = onrecord.load({str(path)!r})
groups = pkg.groups()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--officers", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    path = build(args.officers, args.days)
    con = duckdb.connect()
    rows = {
        p.stem: con.execute(f"SELECT count(*) FROM read_csv('{p}')").fetchall()[0][0]
        for p in sorted(path.glob("*.csv"))
    }
    size = sum(p.stat().st_size for p in path.glob("*.csv"))
    base, subj = compare(baseline_code(path), subject_code(path), args.repeats)
    result = {
        "package": str(path),
        "csv_mb": round(size / 1e6, 1),
        "rows": rows,
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, duckdb {duckdb.__version__}",
        "runs": {"baseline_s": [r.wall for r in base], "check_s": [r.wall for r in subj]},
        **summary(base, subj),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
