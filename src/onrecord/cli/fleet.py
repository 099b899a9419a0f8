"""``onrecord fleet init / export / upgrade / serve``: the checkout service's database and API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from onrecord.checkout import db
from onrecord.checkout.package_io import export_package, init_database
from onrecord.package.problems import StructuralError

app = typer.Typer(
    help="The camera checkout service: create its database from a package, export, serve.",
    no_args_is_help=True,
)

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="ONRECORD_DB",
        help="Database: a SQLite file path or sqlite:///path, or postgresql+psycopg://user@host/db.",
    ),
]


def engine_for(url: str, console: Console) -> Engine:
    """An engine for ``url``, or exit 2 with the reason."""
    try:
        return db.connect(url)
    except db.DatabaseError as e:
        console.print(f"[red]✗[/] {e}")
        raise typer.Exit(2) from None


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
    engine = engine_for(url, console)
    try:
        stats = init_database(engine, package, history=history)
    except StructuralError as e:
        console.print(f"[bold]{package}[/] cannot be read (run `onrecord check {package}`):")
        for p in e.problems:
            console.print(f"  [red]✗[/] {p.where()}: {p.message}")
        raise typer.Exit(2) from None
    except db.DatabaseError as e:
        console.print(f"[red]✗[/] {e}")
        raise typer.Exit(2) from None
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
    db.upgrade(engine_for(url, console))
    console.print(f"Schema at {db.head_revision()}.")


@app.command("export")
def export(
    url: DbOption,
    out: Annotated[Path, typer.Option("--out", help="Package folder to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write the database as a data package; its device_events are the service's history."""
    console = Console()
    if fmt not in ("csv", "parquet"):
        console.print(f"[red]--format must be csv or parquet, not {fmt!r}[/]")
        raise typer.Exit(2)
    try:
        rows = export_package(engine_for(url, console), out, "csv" if fmt == "csv" else "parquet")
    except db.DatabaseError as e:
        console.print(f"[red]✗[/] {e}")
        raise typer.Exit(2) from None
    console.print(f"Wrote [bold]{out}[/]: " + ", ".join(f"{n:,} {t}" for t, n in rows.items()))


@app.command("serve")
def serve(
    url: DbOption,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Serve the checkout HTTP API (OpenAPI docs at /docs) until interrupted."""
    import uvicorn

    from onrecord.checkout.api import create_app

    console = Console()
    try:
        application = create_app(url)
    except db.DatabaseError as e:
        console.print(f"[red]✗[/] {e}")
        raise typer.Exit(2) from None
    uvicorn.run(application, host=host, port=port, log_level="warning")
