"""What the commands share: the package, ``--out``, ``--policy`` and ``--db`` arguments, a spinner
with the library's progress messages, and the status 2 exit with every problem listed when the
package, the policy or the database cannot be used."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

WIDTH_WITHOUT_TERMINAL = 160
"""Columns for tables when the output is a pipe or a file (Rich would assume 80)."""


def make_console(stderr: bool = False) -> Console:
    """Where a command prints. On a terminal, Rich fits the terminal; otherwise (a pipe, a log
    file, CI) lines are never wrapped, so paths, ids and messages stay whole and searchable, and
    tables get room enough not to break words."""
    out = Console(stderr=stderr)
    if out.is_terminal:
        return out
    return Console(stderr=stderr, soft_wrap=True, width=max(out.width, WIDTH_WITHOUT_TERMINAL))


PackageArg = Annotated[Path, typer.Argument(help="The data package folder.")]


def out_folder(path: Path) -> Path:
    """``--out`` names a folder (made if missing); an existing file there is refused up front,
    before any work, rather than failing at the first write."""
    if path.exists() and not path.is_dir():
        raise typer.BadParameter(f"{path} is a file; --out takes a folder (made if missing)")
    return path


def out_option(help: str) -> Any:
    """The ``--out`` option of every command that writes a folder."""
    return typer.Option("--out", help=help, callback=out_folder)


OutOption = Annotated[Path, out_option("Folder for the outputs.")]
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
    from onrecord.package.problems import StructuralError  # not at start-up: they load DuckDB
    from onrecord.policy import PolicyError

    bad_input: tuple[type[Exception], ...] = (PolicyError, *more)
    try:
        yield
    except StructuralError as e:
        where = escape(str(package))
        console.print(f"[bold]{where}[/] cannot be read (run `onrecord check {where}`):")
        for p in e.problems:
            console.print(f"  [red]✗[/] {escape(p.where())}: {escape(p.message)}")
        raise typer.Exit(2) from None
    except bad_input as e:
        for msg in getattr(e, "messages", [str(e)]):
            console.print(f"[red]✗[/] {escape(msg)}")
        raise typer.Exit(2) from None


DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="ONRECORD_DB",
        help="Database: a SQLite file path or sqlite:///path, or postgresql+psycopg://user@host/db.",
    ),
]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Who acts, as the custody log and the records name them (default: your login name).",
    ),
]


@contextmanager
def database_errors(console: Console) -> Iterator[None]:
    """Turn a database that cannot be used (bad URL, not initialised) into a message, exit 2."""
    from onrecord.database.connection import DatabaseError  # not at start-up: it loads Alembic

    try:
        yield
    except DatabaseError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None


def refuse_file(ref: str, kind: str, messages: list[str]) -> NoReturn:
    """Print every problem of a hand-written file (a policy, a schedule) and exit 2, as
    ``onrecord check`` does for a broken package."""
    console = make_console(stderr=True)
    console.print(f"[bold]{escape(ref)}[/] cannot be used as {kind}:")
    for message in messages:
        console.print(f"  [bold red]✗[/] {escape(message)}")
    raise typer.Exit(2)


def reflow(text: str) -> str:
    """Join each paragraph's lines so the terminal, not the YAML file, decides where lines break."""
    return "\n\n".join(" ".join(par.split()) for par in text.split("\n\n"))
