"""What the commands share: the package, ``--out``, ``--policy`` and ``--db`` arguments, a spinner
with the library's progress messages, and the status 2 exit with every problem listed when the
package, the policy or the database cannot be used."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from onrecord.database import connection as db
from onrecord.package.problems import StructuralError
from onrecord.policy import PolicyError

PackageArg = Annotated[Path, typer.Argument(help="The data package folder.")]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for the outputs.")]
PolicyOption = Annotated[
    str | None,
    typer.Option(help="Built-in policy id or YAML file; default: department.yaml's policy."),
]


@contextmanager
def spinner(console: Console) -> Iterator[Callable[[str], None]]:
    """A transient spinner; the callable it yields shows a progress message."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("starting", total=None)
        yield lambda msg: bar.update(task, description=msg)


@contextmanager
def exit_on_bad_input(console: Console, package: Path, *more: type[Exception]) -> Iterator[None]:
    """Turn an unreadable package, an unusable policy (or ``more`` errors carrying
    ``messages``) into their messages on the console and exit status 2."""
    bad_input: tuple[type[Exception], ...] = (PolicyError, *more)
    try:
        yield
    except StructuralError as e:
        console.print(f"[bold]{package}[/] cannot be read (run `onrecord check {package}`):")
        for p in e.problems:
            console.print(f"  [red]✗[/] {p.where()}: {p.message}")
        raise typer.Exit(2) from None
    except bad_input as e:
        for msg in getattr(e, "messages", [str(e)]):
            console.print(f"[red]✗[/] {msg}")
        raise typer.Exit(2) from None


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
