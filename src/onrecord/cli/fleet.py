"""``onrecord fleet``: the camera fleet in service — its database (init, upgrade, export), the
checkout API (serve), and the kiosk's two actions from the command line (checkout, checkin).

``checkout`` and ``checkin`` exit 0 when done, 1 when the service refuses (the message says what
to do), 2 when the database cannot be used. ``onrecord checkout`` and ``onrecord checkin`` are the
same commands, kept at the top level for scripts written before the group had them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onrecord.cli.running import DbOption, database_errors, exit_on_bad_input
from onrecord.database import connection as db
from onrecord.fleet.package_io import export_package, init_database
from onrecord.fleet.rules import Refused, local
from onrecord.fleet.service import CheckoutService
from onrecord.package.formats import TableFormat

app = typer.Typer(
    help="The camera fleet in service: its database, the checkout API, checkout and checkin.",
    no_args_is_help=True,
)


@app.command("init")
def init(
    package: Annotated[Path, typer.Argument(help="The data package to load.")],
    url: DbOption,
    history: Annotated[
        bool,
        typer.Option(help="Load the package's device_events as history (camera state follows)."),
    ] = True,
) -> None:
    """Create the fleet database (newest schema) and load stations, officers, cameras, shifts."""
    console = Console()
    with exit_on_bad_input(console, package, db.DatabaseError):
        engine = db.connect(url)
        stats = init_database(engine, package, history=history)
    t = Table(title=f"Loaded into {engine.url.render_as_string()}")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in stats.rows.items():
        t.add_row(name, f"{n:,}")
    console.print(t)
    if stats.rows_excluded:
        console.print(f"{stats.rows_excluded:,} package row(s) with errors were not loaded.")
    if stats.events_unknown_camera:
        console.print(
            f"{stats.events_unknown_camera:,} device event(s) name a camera that is not in "
            "cameras and were not loaded."
        )
    if stats.holders_cleared:
        console.print(
            f"{stats.holders_cleared:,} camera(s) never returned in the history were left "
            "out with no holder, because their officer took a later camera."
        )


@app.command("upgrade")
def upgrade(url: DbOption) -> None:
    """Migrate an existing fleet database to this version's schema."""
    console = Console()
    with database_errors(console):
        db.upgrade(db.connect(url))
    console.print(f"Schema at {db.head_revision()}.")


@app.command("export")
def export(
    url: DbOption,
    out: Annotated[Path, typer.Option("--out", help="Package folder to write.")],
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="Table file format.")
    ] = TableFormat.CSV,
) -> None:
    """Write the database as a data package; its device_events are the service's history."""
    console = Console()
    with database_errors(console):
        rows = export_package(db.connect(url), out, fmt)
    console.print(f"Wrote [bold]{out}[/]: " + ", ".join(f"{n:,} {t}" for t, n in rows.items()))


@app.command("serve")
def serve(
    url: DbOption,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Serve the checkout HTTP API (OpenAPI docs at /docs) until interrupted."""
    import uvicorn

    from onrecord.fleet.api import create_app

    with database_errors(Console()):
        application = create_app(url)
    uvicorn.run(application, host=host, port=port, log_level="warning")


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


@app.command("checkout")
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


@app.command("checkin")
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
