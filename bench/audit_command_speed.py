"""Benchmark: the whole ``onrecord audit`` against a floor that reads the same CSVs and writes
outputs of the same size.

The package is the 20,000-officer year of ``check_speed.py`` (``checker-bench`` profile, cached
under bench/out/). One reference audit first writes the command's outputs; their SHA-256s are
kept in ``bench/out/audit-command-digests.json`` (written by the first run, checked by every
later one: an optimisation may not change a byte of output). Then, alternating in the same run,
``--repeats`` times each:

- **floor**: DuckDB reading every input CSV of the package into tables (``read_csv``, types
  auto-detected, as ``check_speed.py``'s baseline) and writing ``shifts.csv`` and
  ``encounters.csv`` with the reference outputs' rows and columns (held in memory as text before
  the clock starts, so the files written are the reference's bytes), plus ``summary.json`` and
  ``report.html``; in a fresh process;
- **in process**: ``run_audit`` through the library API in a fresh process, timing its stages
  (load and check; the engine; rates, summary, outputs and report) by its progress messages;
- **subprocess**: ``onrecord audit PACKAGE --out ... --policy boston-rule-405-2019``, the CLI
  as a user runs it, timed from outside.

With ``--before SRC`` (a copy of an earlier ``src/`` folder, e.g. ``git archive BASE src | tar
-x -C /tmp/base``), the earlier code's ``run_audit`` runs in process too (``before``), on
``PYTHONPATH=SRC``, so that a change is measured against its base in the same run. Every run's
outputs are held to the reference digests. Usage:

    .venv/bin/python bench/audit_command_speed.py [--repeats 5] [--before /tmp/base/src]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from check_speed import OUT, build
from measure import Run, run

POLICY = "boston-rule-405-2019"
OUTPUTS = ("shifts.csv", "encounters.csv", "summary.json", "report.html")
ROWS = ("shifts.csv", "encounters.csv")
DIGESTS = OUT / "audit-command-digests.json"
# The stage a progress message starts: everything up to the engine's first message is loading
# and checking; the engine runs until the rates are computed; the rest is the summary, the
# outputs and the report.
STAGES = {"reading times": "engine", "computing rates": "summary_outputs_report"}


def digests(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in OUTPUTS}


def floor_code(package: Path, held: Path, out: Path) -> str:
    """DuckDB reads every input CSV into a table and writes the held outputs. What is held is
    loaded before the clock is reset: the floor is the reading and the writing alone."""
    files = sorted(str(p) for p in package.glob("*.csv"))
    return f"""
import duckdb, pathlib
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
held, out = pathlib.Path({str(held)!r}), pathlib.Path({str(out)!r})
for name in {[n.removesuffix(".csv") for n in ROWS]!r}:
    source = f"read_parquet('{{held}}/{{name}}.parquet')"
    con.execute(f"CREATE TABLE out_{{name}} AS SELECT * FROM {{source}}")
texts = {{n: (held / n).read_bytes() for n in {["summary.json", "report.html"]!r}}}
t0 = time.perf_counter()
for i, f in enumerate({files!r}):
    con.execute(f"CREATE TABLE t{{i}} AS SELECT * FROM read_csv('{{f}}')")
out.mkdir(parents=True, exist_ok=True)
for name in {[n.removesuffix(".csv") for n in ROWS]!r}:
    con.execute(f"COPY out_{{name}} TO '{{out}}/{{name}}.csv' (FORMAT csv, HEADER)")
for n, data in texts.items():
    (out / n).write_bytes(data)
"""


def hold(reference: Path, held: Path) -> None:
    """The reference's row outputs as all-text Parquet (read back before the floor's clock
    starts), and its summary and report as they are."""
    held.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for name in ROWS:
        con.execute(
            f"COPY (SELECT * FROM read_csv('{reference / name}', all_varchar=true)) "
            f"TO '{held / name.replace('.csv', '.parquet')}' (FORMAT parquet)"
        )
    for name in ("summary.json", "report.html"):
        shutil.copy(reference / name, held / name)


def in_process_code(package: Path, out: Path, stages: Path) -> str:
    return f"""
import json
from onrecord.audit import run_audit
marks = []
run_audit({str(package)!r}, {str(out)!r}, policy={POLICY!r},
          progress=lambda msg: marks.append((msg, time.perf_counter() - t0)))
marks.append(("end", time.perf_counter() - t0))
open({str(stages)!r}, "w").write(json.dumps(marks))
"""


def breakdown(marks: list[tuple[str, float]]) -> dict[str, float]:
    """Seconds per stage from the progress messages' times."""
    out = {"load_check": 0.0, "engine": 0.0, "summary_outputs_report": 0.0}
    stage, since = "load_check", 0.0
    for msg, at in marks:
        if msg in STAGES or msg == "end":
            out[stage] += at - since
            stage, since = STAGES.get(msg, stage), at
    return out


def command(package: Path, out: Path) -> Run:
    """The CLI in a process of its own, timed from outside."""
    exe = Path(sys.executable).parent / "onrecord"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [str(exe), "audit", str(package), "--out", str(out), "--policy", POLICY],
        check=True, capture_output=True,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, after.ru_maxrss * 1024, cpu)


def check(out: Path, expected: dict[str, str], what: str) -> None:
    got = digests(out)
    if got != expected:
        wrong = [n for n in OUTPUTS if got[n] != expected[n]]
        raise SystemExit(f"{what}: {', '.join(wrong)} differ from {DIGESTS}")
    shutil.rmtree(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--before", type=Path, help="an earlier src/ folder to measure as well")
    args = ap.parse_args()
    package = build(20_000, 365)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        work = Path(tmp)
        reference = work / "reference"
        run(in_process_code(package, reference, work / "stages.json"))
        expected = digests(reference)
        sizes = {n: (reference / n).stat().st_size for n in OUTPUTS}
        if DIGESTS.exists():
            kept = json.loads(DIGESTS.read_text())
            if kept != expected:
                raise SystemExit(f"the outputs differ from {DIGESTS}: {expected}")
        else:
            DIGESTS.write_text(json.dumps(expected, indent=2) + "\n")
        hold(reference, work / "held")
        floor_out = work / "floor"
        run(floor_code(package, work / "held", floor_out))
        floor_digests = digests(floor_out)
        same = floor_digests == expected
        shutil.rmtree(floor_out)
        runs: dict[str, list[Run]] = {"floor": [], "in_process": [], "subprocess": []}
        stages: dict[str, list[dict[str, float]]] = {"in_process": []}
        before = None
        if args.before:
            before = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
            runs["before"], stages["before"] = [], []
        for _ in range(args.repeats):
            runs["floor"].append(run(floor_code(package, work / "held", floor_out)))
            check(floor_out, floor_digests, "floor")
            if before:
                runs["before"].append(
                    run(in_process_code(package, work / "audit", work / "stages.json"), before)
                )
                stages["before"].append(breakdown(json.loads((work / "stages.json").read_text())))
                check(work / "audit", expected, "before")
            runs["in_process"].append(
                run(in_process_code(package, work / "audit", work / "stages.json"))
            )
            stages["in_process"].append(breakdown(json.loads((work / "stages.json").read_text())))
            check(work / "audit", expected, "in process")
            runs["subprocess"].append(command(package, work / "cli"))
            check(work / "cli", expected, "subprocess")
    floor = [r.wall for r in runs["floor"]]
    result: dict[str, object] = {
        "package": str(package),
        "csv_mb": round(sum(p.stat().st_size for p in package.glob("*.csv")) / 1e6, 1),
        "output_mb": {n: round(b / 1e6, 1) for n, b in sizes.items()},
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, duckdb {duckdb.__version__}",
        "load_average": {"start": load_before, "end": os.getloadavg()},
        "floor_writes_reference_bytes": same,
        "digests": expected,
        **{f"{k}_s": median(r.wall for r in v) for k, v in runs.items()},
        **{
            f"{k}_ratio": median(r.wall / b for r, b in zip(v, floor, strict=True))
            for k, v in runs.items()
            if k != "floor"
        },
        **{f"{k}_cpu_s": median(r.cpu for r in v) for k, v in runs.items()},
        **{f"{k}_peak_gb": max(r.peak for r in v) / 1e9 for k, v in runs.items()},
        "stages_s": {
            series: {k: median(s[k] for s in marks) for k in marks[0]}
            for series, marks in stages.items()
        },
        "runs_s": {k: [round(r.wall, 2) for r in v] for k, v in runs.items()},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
