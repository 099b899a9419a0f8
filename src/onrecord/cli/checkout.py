"""``onrecord checkout`` and ``onrecord checkin``: the kiosk's two actions from the command line.

Exit status 0 when done, 1 when the service refuses (the message says what to do), 2 when the
database cannot be used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from onrecord.checkout.rules import Refused, local
from onrecord.checkout.service import CheckoutService
from onrecord.cli.fleet import DbOption, database_errors

AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happens, ISO 8601 (no offset = the department's local time); default now.",
    ),
]


def _open(url: str, console: Console) -> CheckoutService:
    with database_errors(console):
        return CheckoutService.open(url)


def _when(text: str | None, console: Console) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        console.print(f"[red]--at {text!r} is not an ISO 8601 time such as 2020-06-01T07:15[/]")
        raise typer.Exit(2) from None


def _refused(console: Console, r: Refused) -> typer.Exit:
    console.print(f"[bold red]Refused[/] ({r.reason.value}): {r.message}")
    return typer.Exit(1)


def checkout(
    url: DbOption,
    officer: Annotated[str, typer.Option("--officer", help="Officer id (badge number).")],
    station: Annotated[str, typer.Option("--station", help="Station where the kiosk is.")],
    at: AtOption = None,
) -> None:
    """Check a camera out to an officer for their scheduled shift."""
    console = Console()
    service = _open(url, console)
    try:
        got = service.checkout(officer.strip(), station.strip(), _when(at, console))
    except Refused as r:
        raise _refused(console, r) from None
    tz = service.timezone
    whose = "personal camera" if got.personal else "pool camera"
    console.print(
        f"[bold green]Camera {got.camera_id}[/] ({whose}, {got.charge:.0%} charged) to officer "
        f"{got.officer_id} at {got.station_id}, {local(got.at, tz)}."
    )
    if got.shift_id and got.shift_start and got.shift_end:
        console.print(
            f"Shift {got.shift_id}: {local(got.shift_start, tz)} to {local(got.shift_end, tz)}."
        )
    if got.note:
        console.print(f"[yellow]{got.note}[/]")


def checkin(
    url: DbOption,
    camera: Annotated[str, typer.Option("--camera", help="Camera id (serial number).")],
    station: Annotated[str, typer.Option("--station", help="Station whose dock it goes in.")],
    at: AtOption = None,
    battery_pct: Annotated[
        float | None,
        typer.Option("--battery-pct", min=0, max=100, help="Charge the dock reports, 0–100."),
    ] = None,
) -> None:
    """Dock a camera; its charge restarts from what the shift used (or what the dock reports)."""
    console = Console()
    service = _open(url, console)
    try:
        got = service.checkin(camera.strip(), station.strip(), _when(at, console), battery_pct)
    except Refused as r:
        raise _refused(console, r) from None
    source = "reported by the dock" if got.reported else "estimated"
    who = f" from officer {got.officer_id}" if got.officer_id else ""
    console.print(
        f"[bold green]Camera {got.camera_id}[/] docked at {got.station_id}{who}, "
        f"{local(got.at, service.timezone)}; charge {got.charge:.0%} ({source})."
    )
