"""``onrecord audit PACKAGE``: every shift and encounter against a policy, with a Rich summary."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from onrecord.audit import run_audit
from onrecord.cli.running import OutOption, PackageArg, PolicyOption, exit_on_bad_input, spinner
from onrecord.package.formats import TableFormat


def _pct(r: dict[str, Any] | None, counts: bool = True) -> str:
    """A rate as a percentage (with its numerator and denominator); "—" when it is empty."""
    if not r or r.get("rate") is None:
        return "—"
    if not counts:
        return f"{r['rate']:.1%}"
    return f"{r['rate']:.1%} ({r['numerator']:,.0f} of {r['denominator']:,.0f})"


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
    console = Console()
    with exit_on_bad_input(console, package), spinner(console) as say:
        result = run_audit(
            package, out, policy=policy, compare=compare, fmt=fmt, public=public,
            progress=say,
        )  # fmt: skip
    _print_summary(console, result.summary, result.compare)
    console.print(f"Report: [bold]{out / 'report.html'}[/]")


def _print_summary(console: Console, doc: dict[str, Any], other: dict[str, Any] | None) -> None:
    pkg, dq = doc["package"], doc["data_quality"]
    period = pkg["period"]
    console.print(f"[bold]{pkg['name']}[/], {period['from']} to {period['to']} ({pkg['timezone']})")
    excluded = sum(t["rows_excluded"] for t in dq["tables"])
    console.print(
        f"{excluded:,} row(s) excluded by row errors; {dq['findings']:,} finding(s) "
        "(see the report's data quality section)"
    )
    docs = [doc, *([other] if other else [])]
    t = Table(title="Headline", title_justify="left")
    t.add_column("measure")
    for d in docs:
        t.add_column(d["policy"]["id"])
    for label, key in (
        ("shifts requiring a camera", "required_shifts"),
        ("encounters requiring recording", "required_encounters"),
    ):
        t.add_row(label, *(f"{d['rates']['overall'][key] or 0:,}" for d in docs))
    for label, key in (
        ("equipment rate", "equipment_rate"),
        ("shift hours on camera", "hours_on_camera_rate"),
        ("compliance rate", "compliance_rate"),
    ):
        t.add_row(label, *(_pct(d["rates"]["overall"].get(key)) for d in docs))
    console.print(t)

    k = Table(title=f"By shift kind ({doc['policy']['id']})", title_justify="left")
    for col in ("shift kind", "shifts", "hours", "hours on camera", "equipment", "compliance"):
        k.add_column(col, justify="left" if col == "shift kind" else "right")
    for row in doc["rates"]["by"]["shift_kind"]:
        shifts = row.get("shifts")
        k.add_row(
            str(row["key"]),
            "—" if shifts is None else f"{shifts:,}",
            "—" if row.get("hours") is None else f"{row['hours']:,.0f}",
            _pct(row.get("hours_on_camera_rate"), counts=False),
            _pct(row.get("equipment_rate"), counts=False),
            _pct(row.get("compliance_rate"), counts=False),
        )
    console.print(k)
    console.print(
        "[dim]equipment = equipped / required shifts; hours on camera over all shifts; "
        "compliance = (compliant + excused) / required encounters; — = none required[/]"
    )
