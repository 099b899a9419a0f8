"""Benchmark: the audit against DuckDB merely parsing the same CSV files, and a large city's year.

1. The 20,000-officer year of ``check_speed.py`` (``checker-bench`` profile, cached under
   bench/out/): in alternating fresh processes, DuckDB parsing every CSV (the baseline), the
   audit proper (``engine.run`` + rates on the loaded package: ``audit_s``), and the whole
   ``onrecord audit`` (load and check, audit, write shifts.csv, encounters.csv, summary.json and
   report.html: ``end_to_end_s``).
2. A 24,000-officer year of the realistic demo department (about 10M encounters), audited end
   to end ``--repeats`` times, with its wall and CPU times and peak memory. ``parquet`` (the
   default) is the demo's Parquet export, timestamps and dates stored as Parquet types;
   ``text-parquet`` is the same package with every column stored as text; ``csv`` is CSV.

    .venv/bin/python bench/audit_speed.py [--repeats 3] [--skip-large]
        [--large-format parquet|text-parquet|csv]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from statistics import median
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from check_speed import OUT, baseline_code, build
from measure import Run, run


def audit_code(path: Path) -> str:
    return f"""
import onrecord
from onrecord.audit import engine, rates
from onrecord.policy import load_policy
pkg = onrecord.load({str(path)!r})
t0 = time.perf_counter()  # the audit proper, after loading
engine.run(pkg, load_policy("boston-rule-405-2019"))
rates.compute(pkg.con, False)
"""


def end_to_end_code(path: Path, out: Path) -> str:
    return f"""
from onrecord.audit import run_audit
run_audit({str(path)!r}, {str(out)!r}, policy="boston-rule-405-2019")
"""


def as_text(typed: Path, path: Path) -> None:
    """Copy the Parquet package ``typed`` to ``path`` with its timestamps and dates written as
    the text the CSV export has, row group by row group (as the generator wrote them). The
    department file comes last: its presence marks a finished copy."""
    path.mkdir(parents=True, exist_ok=True)
    for f in typed.glob("*.parquet"):
        source = pq.ParquetFile(f)
        with pq.ParquetWriter(path / f.name, text_schema(source.schema_arrow)) as w:
            for i in range(source.num_row_groups):
                group = source.read_row_group(i)
                w.write_table(pa.table({n: text_column(group[n]) for n in group.column_names}))
    shutil.copy(typed / "department.yaml", path)


def text_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema(pa.field(f.name, pa.string() if _dated(f.type) else f.type) for f in schema)


def _dated(t: pa.DataType) -> bool:
    return pa.types.is_timestamp(t) or pa.types.is_date(t)


def text_column(a: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(a.type):  # to the second: %S of a finer unit writes a fraction
        return pc.strftime(a.cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S")
    return pc.cast(a, pa.string()) if pa.types.is_date(a.type) else a


def large(
    fmt: Literal["parquet", "text-parquet", "csv"], out: Path, repeats: int
) -> dict[str, object]:
    from onrecord.demo import generate
    from onrecord.package.formats import TableFormat

    stored = "parquet" if fmt == "text-parquet" else fmt
    # -typed: the demo's Parquet stores timestamps and dates as Parquet types since 2026-11.
    path = OUT / f"realistic-24000x365-{stored}{'-typed' if stored == 'parquet' else ''}"
    if not (path / "department.yaml").exists():
        generate(path, officers=24_000, days=365, seed=1, fmt=TableFormat(stored))
    if fmt == "text-parquet":
        typed, path = path, OUT / "realistic-24000x365-text-parquet"
        if not (path / "department.yaml").exists():
            as_text(typed, path)
    con = duckdb.connect()
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    rows = {
        p.stem: con.execute(f"SELECT count(*) FROM {reader}('{p}')").fetchall()[0][0]
        for p in sorted(path.glob(f"*.{stored}"))
    }
    runs = []
    for _ in range(repeats):
        runs.append(run(end_to_end_code(path, out / "large")))
        shutil.rmtree(out / "large", ignore_errors=True)
    return {"package": str(path), "format": fmt, "rows": rows,
            "wall_s": [r.wall for r in runs], "cpu_s": [r.cpu for r in runs],
            "wall_median_s": median(r.wall for r in runs),
            "peak_gb": max(r.peak for r in runs) / 1e9}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--large-format", choices=["parquet", "text-parquet", "csv"], default="parquet")
    args = ap.parse_args()
    path = build(20_000, 365)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        runs: dict[str, list[Run]] = {"baseline": [], "audit": [], "end_to_end": []}
        for _ in range(args.repeats):
            runs["baseline"].append(run(baseline_code(path)))
            runs["audit"].append(run(audit_code(path)))
            runs["end_to_end"].append(run(end_to_end_code(path, out / "e2e")))
            shutil.rmtree(out / "e2e", ignore_errors=True)
        base = [r.wall for r in runs["baseline"]]
        result: dict[str, object] = {
            "package": str(path),
            "machine": f"{platform.machine()}, Python {platform.python_version()}, "
            f"duckdb {duckdb.__version__}",
            "baseline_s": median(base),
            **{f"{k}_s": median(r.wall for r in v) for k, v in runs.items() if k != "baseline"},
            **{
                f"{k}_ratio": median(r.wall / b for r, b in zip(v, base, strict=True))
                for k, v in runs.items()
                if k != "baseline"
            },
            **{f"{k}_peak_gb": max(r.peak for r in v) / 1e9 for k, v in runs.items()},
        }
        if not args.skip_large:
            result["large"] = large(args.large_format, out, args.repeats)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
