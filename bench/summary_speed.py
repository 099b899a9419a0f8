"""Benchmark: the typed summary at a large city's size (27,000 per-officer rows, as a
24,000-officer year has), against writing the same summary.json from a dict as before.

A small demo department is audited once; its per-officer rows are repeated, with fresh keys,
into 27,000 (one in seven without shift measures, like officers with encounters but no shift),
and then, each ``--repeats`` times (best and median, wall and CPU seconds):

- ``write``: ``write_summary`` of the dict: all that writing summary.json cost before the model;
- ``build``: ``AuditSummary.from_document`` of the values ``summary.build`` passes it;
- ``dump``: ``AuditSummary.document()``, the dict that is then written;
- ``read``: ``read_summary``, what ``onrecord serve`` does at start-up;
- ``public``: ``public_summary`` of the model.

The audit adds ``build`` + ``dump`` to ``write``.

    .venv/bin/python bench/summary_speed.py [--officers 27000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

from onrecord.audit import run_audit
from onrecord.audit.models import AuditSummary
from onrecord.audit.public import public_summary
from onrecord.demo import generate
from onrecord.output import read_summary, write_summary

SHIFT_MEASURES = (
    "shifts", "hours", "required_shifts", "required_hours", "equipment_equipped",
    "equipment_unequipped", "equipment_untrained", "equipment_not_required", "hours_possessed",
    "hours_recorded", "required_hours_possessed", "equipment_rate", "hours_on_camera_rate",
    "hours_recorded_rate",
)  # fmt: skip


def large(model: AuditSummary, officers: int) -> dict[str, Any]:
    """``model``'s values with ``officers`` per-officer rows, as ``summary.build`` passes them
    (the policy and the data quality already models, the rates plain values)."""
    doc = model.document()
    rows = doc["rates"]["by"]["officer"]
    out = []
    for i in range(officers):
        row = copy.deepcopy(rows[i % len(rows)])
        row["key"] = f"O{i:06d}"
        if i % 7 == 0:
            row = {k: v for k, v in row.items() if k not in SHIFT_MEASURES}
        out.append(row)
    doc["rates"]["by"]["officer"] = out
    doc["policy"], doc["data_quality"] = model.policy, model.data_quality
    return doc


def timed(repeats: int, step: Callable[[], object]) -> dict[str, float]:
    """Times of ``repeats`` runs of ``step``. What each run made is kept until the end, so that
    freeing the last one's objects is not counted in the next (the audit keeps its summary)."""
    walls, cpus, kept = [], [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        kept.append(step())
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    kept.clear()
    return {
        "wall_best": min(walls),
        "wall_median": median(walls),
        "cpu_best": min(cpus),
        "cpu_median": median(cpus),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--officers", type=int, default=27_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "pkg", officers=60, days=14, seed=1)
        small = run_audit(root / "pkg", root / "audit").model
        values = large(small, args.officers)
        model = AuditSummary.from_document(values)
        document = model.document()
        write_summary(document, root)
        results = {
            "write": timed(args.repeats, lambda: write_summary(document, root)),
            "build": timed(args.repeats, lambda: AuditSummary.from_document(values)),
            "dump": timed(args.repeats, model.document),
            "read": timed(args.repeats, lambda: read_summary(root / "summary.json", AuditSummary)),
            "public": timed(args.repeats, lambda: public_summary(model)),
        }
        size = (root / "summary.json").stat().st_size
    added = {k: results["build"][k] + results["dump"][k] for k in results["build"]}
    print(
        json.dumps(
            {
                "officer_rows": args.officers,
                "summary_json_mb": round(size / 1e6, 1),
                **results,
                "added_to_the_audit": added,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
