"""``onrecord audit PACKAGE``: every shift and encounter against a policy, with a Rich summary."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from onrecord.audit import run_audit
from onrecord.audit.models import AuditSummary
from onrecord.cli.running import (
    OutOption,
    PackageArg,
    PolicyOption,
    exit_on_bad_input,
    make_console,
    spinner,
)
from onrecord.output import Rate
from onrecord.package.formats import TableFormat


def _pct(r: Rate, counts: bool = True) -> str:
    """A rate as a percentage (with its numerator and denominator); "—" when it is empty."""
    if r.rate is None:
        return "—"
    if not counts:
        return f"{r.rate:.1%}"
    return f"{r.rate:.1%} ({r.numerator:,.0f} of {r.denominator:,.0f})"


def audit(
    package: PackageArg,
    out: OutOption,
    policy: PolicyOption = None,
    compare: Annotated[
        str | None, typer.Option(help="A second policy to audit the same data under.")
    ] = None,
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="Row-level outputs as csv or parquet.")
    ] = TableFormat.CSV,
    public: Annotated[
        bool,
        typer.Option(
            help="Public edition: aggregates only, no officer rows, cells under 5 hidden."
        ),
    ] = False,
) -> None:
    """Audit a data package: shifts.csv, encounters.csv, summary.json and report.html in OUT."""
    console = make_console()
    with exit_on_bad_input(console, package), spinner(console) as say:
        result = run_audit(
            package, out, policy=policy, compare=compare, fmt=fmt, public=public,
            progress=say,
        )  # fmt: skip
    _print_summary(console, result.model, result.compare_model)
    console.print(f"Report: [bold]{escape(str(out / 'report.html'))}[/]")


def _words(items: list[str]) -> str:
    return ", ".join(items) if items else "none"


def _nothing_required(doc: AuditSummary) -> list[str]:
    """Why a headline of 0 required shifts or encounters is 0, when the package has shifts or
    encounters: a "—" alone reads like missing data."""
    o, rules = doc.rates.overall, doc.policy.rules
    out = []
    if o.shifts and not o.required_shifts:
        kinds = sorted(str(r.key) for r in doc.rates.by.shift_kind if r.shifts)
        wanted = rules.camera_required.shift_kinds
        out.append(
            f"no shift requires a camera: the policy requires one on "
            f"{'every kind of shift' if wanted == 'all' else _words(list(wanted))}"
            f"{' (uniformed only)' if rules.camera_required.uniformed_only else ''}, and this "
            f"package's {o.shifts:,} shifts are {_words(kinds)}"
        )
    if o.encounters and not o.required_encounters:
        out.append(
            f"no encounter requires recording: of {o.encounters:,}, none is of a required type "
            "on a shift that requires a camera (recording_required.encounter_types, "
            "recording_required.outside_required_shifts)"
        )
    return out


def _print_summary(console: Console, doc: AuditSummary, other: AuditSummary | None) -> None:
    pkg, dq = doc.package, doc.data_quality
    period = pkg.period
    console.print(f"[bold]{escape(pkg.name)}[/], {period.first} to {period.last} ({pkg.timezone})")
    console.print(
        f"{dq.rows_excluded:,} row(s) excluded by row errors; {dq.findings:,} finding(s) "
        "(see the report's data quality section)"
    )
    docs = [doc, *([other] if other else [])]
    overall = [d.rates.overall for d in docs]
    t = Table(title="Headline", title_justify="left")
    t.add_column("measure")
    for d in docs:
        t.add_column(d.policy.id)
    t.add_row("shifts requiring a camera", *(f"{o.required_shifts or 0:,}" for o in overall))
    t.add_row(
        "encounters requiring recording", *(f"{o.required_encounters or 0:,}" for o in overall)
    )
    t.add_row("equipment rate", *(_pct(o.equipment_rate) for o in overall))
    t.add_row("shift hours on camera", *(_pct(o.hours_on_camera_rate) for o in overall))
    t.add_row("compliance rate", *(_pct(o.compliance_rate) for o in overall))
    console.print(t)
    for d in docs:
        for why in _nothing_required(d):
            console.print(f"[yellow]{escape(d.policy.id)}:[/] {escape(why)}")

    k = Table(title=f"By shift kind ({doc.policy.id})", title_justify="left")
    for col in ("shift kind", "shifts", "hours", "hours on camera", "equipment", "compliance"):
        k.add_column(col, justify="left" if col == "shift kind" else "right")
    for row in doc.rates.by.shift_kind:
        k.add_row(
            escape(str(row.key)),
            "—" if not row.has("shifts") or row.shifts is None else f"{row.shifts:,}",
            "—" if row.hours is None else f"{row.hours:,.0f}",
            _pct(row.hours_on_camera_rate, counts=False),
            _pct(row.equipment_rate, counts=False),
            _pct(row.compliance_rate, counts=False),
        )
    console.print(k)
    console.print(
        "[dim]equipment = equipped / required shifts; hours on camera over all shifts; "
        "compliance = (compliant + excused) / required encounters; — = none required[/]"
    )
