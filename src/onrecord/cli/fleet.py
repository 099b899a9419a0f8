"""``onrecord fleet init / export / upgrade / serve``: the checkout service's database and API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onrecord.checkout import db
from onrecord.checkout.package_io import export_package, init_database
from onrecord.cli.demo import Fmt
from onrecord.cli.running import exit_on_bad_input

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


@contextmanager
def database_errors(console: Console) -> Iterator[None]:
    """Turn a database that cannot be used (bad URL, not initialised) into a message, exit 2."""
    try:
        yield
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
    fmt: Annotated[Fmt, typer.Option("--format", help="Table file format.")] = Fmt.csv,
) -> None:
    """Write the database as a data package; its device_events are the service's history."""
    console = Console()
    with database_errors(console):
        rows = export_package(db.connect(url), out, fmt.value)
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

    with database_errors(Console()):
        application = create_app(url)
    uvicorn.run(application, host=host, port=port, log_level="warning")
