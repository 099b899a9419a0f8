"""The JSON Schemas of ``summary.json``, published in ``docs/schemas/`` for people who read the
files, made from the models the writers build and the readers use.

    python scripts/schemas.py          # write docs/schemas/*.schema.json from the models
    python scripts/schemas.py --check  # exit 1 naming each file that differs from the models

The audit's full and public editions are one document (``onrecord.audit-summary/1``), so they
share one schema.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onrecord.audit.models import AuditSummary
from onrecord.output import Summary, json_schema
from onrecord.plan.models import PlanSummary

DOCS = Path(__file__).resolve().parent.parent / "docs" / "schemas"

SCHEMAS: dict[str, type[Summary]] = {
    "audit-summary.schema.json": AuditSummary,
    "plan-summary.schema.json": PlanSummary,
}


def stale(folder: Path) -> list[str]:
    """The files of ``folder`` that are missing or differ from what the models give."""
    return [
        name
        for name, model in SCHEMAS.items()
        if not (folder / name).is_file()
        or (folder / name).read_text(encoding="utf-8") != json_schema(model)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is not up to date")
    parser.add_argument("--dir", type=Path, default=DOCS, help="where the schemas are")
    args = parser.parse_args()
    if args.check:
        for name in stale(args.dir):
            print(
                f"schemas: {args.dir / name} is not what the models give: "
                "run python scripts/schemas.py",
                file=sys.stderr,
            )
        return 1 if stale(args.dir) else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, model in SCHEMAS.items():
        (args.dir / name).write_text(json_schema(model), encoding="utf-8")
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
