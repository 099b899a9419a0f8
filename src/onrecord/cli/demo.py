"""``onrecord demo-data``: write the demo department's data package, with progress and a summary."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onrecord.cli.running import make_console, out_option
from onrecord.demo import PROFILES, generate
from onrecord.package.formats import TableFormat

# mypy reads an enum's members only from a literal; these are PROFILES' names (its type is known).
ProfileName = StrEnum("ProfileName", {name: name for name in PROFILES})  # type: ignore[misc]


def demo_data(
    out: Annotated[Path, out_option("Package folder to write (created if missing).")],
    officers: Annotated[
        int,
        typer.Option(
            min=1, help="Uniformed patrol officers; supervisors and detectives are added."
        ),
    ] = 1100,
    days: Annotated[int, typer.Option(min=1, help="Length of the period in days.")] = 28,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed writes the same bytes.")
    ] = 2020,
    start: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%d"], show_default="2020-06-01", help="First day, YYYY-MM-DD."
        ),
    ] = datetime(2020, 6, 1),
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="Table file format.")
    ] = TableFormat.CSV,
    profile: Annotated[
        ProfileName,
        typer.Option(help="Rate profile: realistic, or checker-bench for the checker's benchmark."),
    ] = ProfileName["realistic"],
) -> None:
    """Generate the demo department: a synthetic body-worn camera program modelled on Boston's
    2020 patrol, with overtime, paid details, a large event and daylight-saving changes."""
    console = make_console()
    first: date = start.date()
    columns = (
        TextColumn("generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("days", total=days)
        stats = generate(
            out,
            officers=officers,
            days=days,
            seed=seed,
            start=first,
            fmt=fmt,
            profile=profile.value,
            progress=lambda done, _total: bar.update(task, completed=done),
        )
    summary = Table(title=f"{stats.path} ({fmt.value})")
    summary.add_column("table")
    summary.add_column("rows", justify="right")
    for name, rows in stats.rows.items():
        summary.add_row(name, f"{rows:,}")
    console.print(summary)
    events = ", ".join(d.isoformat() for d in stats.event_days) or "none"
    console.print(
        f"{stats.officers:,} officers, {stats.cameras:,} cameras, {days} days from "
        f"{first.isoformat()}; large event: {events}; {stats.seconds:.1f} s"
    )
