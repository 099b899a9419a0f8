"""``run_plan``: the library entry point behind ``onrecord plan``.

It loads the package (unless given one), selects the shifts to plan for, makes the plan, and
writes ``stations.csv``, ``assignments.csv``, ``uncovered.csv``, ``summary.json`` and
``report.html`` into ``out``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from onrecord.output import write_summary
from onrecord.package.loader import Package, load
from onrecord.plan import outputs, summary
from onrecord.plan.compute import Plan, make_plan
from onrecord.plan.inputs import PlanError, Selection, read_fleet, read_schedule
from onrecord.plan.models import PlanSummary
from onrecord.plan.params import PlanParameters
from onrecord.plan.report import render_report
from onrecord.policy import Policy, resolve_policy

Progress = Callable[[str], None]


@dataclass
class PlanResult:
    """What a plan wrote: ``summary`` is the content of ``summary.json`` as JSON values,
    ``model`` the same, typed."""

    model: PlanSummary
    summary: dict[str, Any]
    plan: Plan
    files: list[Path] = field(default_factory=list)


def run_plan(
    package: str | Path | Package,
    out: str | Path,
    *,
    policy: str | Path | Policy | None = None,
    all_shifts: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    params: PlanParameters | None = None,
    progress: Progress | None = None,
) -> PlanResult:
    """Plan the fleet for ``package``'s shifts that need a camera: those ``policy`` (default:
    the department's) requires, or every shift with ``all_shifts``, starting from ``date_from``
    to ``date_to`` inclusive (local dates).

    Raises ``StructuralError`` for an unreadable package, ``PolicyError`` for a bad policy and
    ``PlanError`` for a package the planner cannot use.
    """
    say = progress or (lambda _msg: None)
    params = params or PlanParameters()
    if date_from and date_to and date_from > date_to:
        raise PlanError([f"--from {date_from} is after --to {date_to}"])
    pkg = package if isinstance(package, Package) else load(package, progress=say)
    sel = Selection(None if all_shifts else resolve_policy(policy, pkg), date_from, date_to)
    say("selecting the shifts that need a camera")
    schedule = read_schedule(pkg, sel)
    fleet = read_fleet(pkg, len(schedule.stations), params)
    say(f"planning {len(schedule.start):,} shifts at {len(schedule.stations):,} stations")
    plan = make_plan(schedule, fleet, params)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say("writing the outputs")
    doc = summary.build(pkg, plan, sel)
    document = doc.document()
    files = [out / n for n in ("stations.csv", "assignments.csv", "uncovered.csv")]
    outputs.write_stations(doc.stations, files[0])
    outputs.write_assignments(pkg, plan, files[1])
    outputs.write_uncovered(pkg, plan, files[2])
    files.append(write_summary(document, out))
    say("writing the report")
    files.append(out / "report.html")
    files[-1].write_text(render_report(doc), encoding="utf-8")
    return PlanResult(doc, document, plan, files)
