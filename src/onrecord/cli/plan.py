"""``onrecord plan PACKAGE``: how many pool cameras each station needs, with a Rich summary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from onrecord.cli.running import (
    OutOption,
    PackageArg,
    PolicyOption,
    exit_on_bad_input,
    make_console,
    spinner,
)
from onrecord.plan.inputs import PlanError
from onrecord.plan.models import PlanSummary
from onrecord.plan.params import PersonalCameras, PlanParameters
from onrecord.plan.report import REASON_TEXT
from onrecord.plan.run import run_plan

SHOWN_STATIONS = 20


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        msg = f"{value!r} is not a date like 2019-08-31"
        raise typer.BadParameter(msg, param_hint=option) from None


def plan(
    package: PackageArg,
    out: OutOption,
    policy: PolicyOption = None,
    all_shifts: Annotated[
        bool, typer.Option("--all-shifts", help="Plan for every shift, whatever the policy.")
    ] = False,
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day (local), YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day (local, inclusive), YYYY-MM-DD.")
    ] = None,
    pickup_lead_minutes: Annotated[
        float, typer.Option(help="A camera leaves the dock this long before the shift.")
    ] = 15.0,
    return_minutes: Annotated[
        float, typer.Option(help="And is back on the dock this long after it ends.")
    ] = 15.0,
    battery_hours: Annotated[
        float | None, typer.Option(help="Runtime of every camera; default: its own, else 12.")
    ] = None,
    recharge_hours: Annotated[
        float | None, typer.Option(help="Recharge of every camera; default: its own, else 4.")
    ] = None,
    camera_price: Annotated[float, typer.Option(help="Price of a camera; 0 = unset.")] = 0.0,
    yearly_cost_per_camera: Annotated[
        float, typer.Option(help="Storage and licences per camera per year; 0 = unset.")
    ] = 0.0,
    personal_cameras: Annotated[
        PersonalCameras,
        typer.Option(
            help="package: the package's personal cameras; none: no officer has one; "
            "every-officer: each officer has one at the home station."
        ),
    ] = PersonalCameras.PACKAGE,
) -> None:
    """Plan the camera fleet: stations.csv, assignments.csv, uncovered.csv, summary.json and
    report.html in OUT."""
    console = make_console()
    try:
        params = PlanParameters(
            pickup_lead_minutes=pickup_lead_minutes, return_minutes=return_minutes,
            battery_hours=battery_hours, recharge_hours=recharge_hours, camera_price=camera_price,
            yearly_cost_per_camera=yearly_cost_per_camera, personal_cameras=personal_cameras,
        )  # fmt: skip
    except ValidationError as e:
        for err in e.errors():
            console.print(
                f"[red]✗[/] --{str(err['loc'][0]).replace('_', '-')}: {escape(err['msg'])}"
            )
        raise typer.Exit(2) from None
    with exit_on_bad_input(console, package, PlanError), spinner(console) as say:
        result = run_plan(
            package, out, policy=policy, all_shifts=all_shifts,
            date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to"), params=params,
            progress=say,
        )  # fmt: skip
    _print_summary(console, result.model)
    console.print(f"Report: [bold]{escape(str(out / 'report.html'))}[/]")


def _print_summary(console: Console, doc: PlanSummary) -> None:
    sel, tot = doc.selection, doc.totals
    scope = "every shift" if sel.policy is None else f"required by {sel.policy.id}"
    console.print(
        f"[bold]{doc.package.name}[/]: {sel.shifts_needing_camera:,} shifts need a "
        f"camera ({scope}) of {sel.shifts_in_range:,}, "
        f"{sel.first_start or '—'} to {sel.last_start or '—'}"
    )
    excluded = doc.data_quality.rows_excluded
    if excluded:
        console.print(f"{excluded:,} row(s) excluded by row errors (see the report)")
    rows = sorted(doc.stations, key=lambda r: (-r.pool_needed, r.station_id))
    t = Table(title="Pool cameras by station", title_justify="left")
    for col in ("station", "needed", "have", "shortfall", "peak at", "uncovered now"):
        t.add_column(col, justify="left" if col in ("station", "peak at") else "right")
    for r in rows[:SHOWN_STATIONS]:
        t.add_row(
            escape(r.station_id), f"{r.pool_needed:,}", f"{r.pool_have:,}",
            f"{r.shortfall:,}", (r.peak_at or "—")[:16].replace("T", " "),
            f"{r.uncovered_shifts:,}",
        )  # fmt: skip
    if len(rows) > SHOWN_STATIONS:
        t.add_row(f"… {len(rows) - SHOWN_STATIONS:,} more (stations.csv)", "", "", "", "", "")
    t.add_section()
    t.add_row(
        "total", f"{tot.pool_needed:,}", f"{tot.pool_have:,}", f"{tot.shortfall:,}",
        "", f"{tot.uncovered:,}",
    )  # fmt: skip
    console.print(t)
    by_reason = tot.uncovered_by_reason.model_dump().items()
    reasons = "; ".join(f"{REASON_TEXT[k]}: {v:,}" for k, v in by_reason if v)
    console.print(
        f"Uncovered with the current fleet: {tot.uncovered:,}"
        + (f" ({reasons})" if reasons else "")
    )
    if tot.longer_than_battery:
        console.print(
            f"{tot.longer_than_battery:,} tour(s) are longer than one camera's battery and need "
            "a second camera (counted in the pool above)"
        )
    cost = tot.cost
    line = f"[bold]Cameras to order: {cost.cameras:,}[/]"
    if tot.personal_assumed:
        line += f" ({tot.shortfall:,} pool + {tot.personal_assumed:,} assumed personal)"
    if cost.purchase is not None:
        line += f"; purchase ${cost.purchase:,.0f}"
    if cost.yearly is not None:
        line += f"; ${cost.yearly:,.0f} a year"
    if cost.purchase is None and cost.yearly is None:
        line += " (no price given: --camera-price, --yearly-cost-per-camera)"
    console.print(line)
    over = tot.stations_over_dock_slots
    if over:
        console.print(f"[yellow]{over} station(s) would have more cameras than dock slots[/]")
