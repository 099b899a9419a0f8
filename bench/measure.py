"""Run a piece of Python in a fresh process and report its wall time and peak memory.

Each measurement gets its own interpreter, so peak memory is that of the work alone, and the
baseline and the subject are measured alternately in the same run on the same (noisy) machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from statistics import median

PRELUDE = """
import json, resource, sys, time
t0 = time.perf_counter()
"""
EPILOGUE = """
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime
print(json.dumps({"wall": wall, "peak": peak, "cpu": cpu}))
"""


@dataclass
class Run:
    wall: float
    peak: int  # bytes
    cpu: float = 0.0  # user + system seconds: what the work costs on a machine shared by others


def run(code: str, env: dict[str, str] | None = None) -> Run:
    """``code`` in a fresh interpreter (with ``env`` as its environment, when given)."""
    out = subprocess.run(
        [sys.executable, "-c", PRELUDE + code + EPILOGUE],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    return Run(doc["wall"], doc["peak"], doc["cpu"])


def compare(baseline: str, subject: str, repeats: int) -> tuple[list[Run], list[Run]]:
    """Alternate baseline and subject ``repeats`` times each."""
    base, subj = [], []
    for _ in range(repeats):
        base.append(run(baseline))
        subj.append(run(subject))
    return base, subj


def summary(base: list[Run], subj: list[Run]) -> dict[str, float]:
    ratios = [s.wall / b.wall for b, s in zip(base, subj, strict=True)]
    return {
        "baseline_s": median(r.wall for r in base),
        "subject_s": median(r.wall for r in subj),
        "ratio_median": median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "baseline_peak_gb": max(r.peak for r in base) / 1e9,
        "subject_peak_gb": max(r.peak for r in subj) / 1e9,
    }
