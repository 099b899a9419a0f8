"""``onrecord vault retention``: list the built-in retention schedules, show one in full, and put
one in force for a vault (``use``, the only one that needs the database).

A Typer app of its own, mounted under ``onrecord vault``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from onrecord.cli.running import DbOption, make_console, reflow, refuse_file
from onrecord.vault.retention import RetentionError, Schedule, builtin_schedules, load_schedule

app = typer.Typer(
    name="retention",
    help="Retention schedules: how long the vault keeps footage (built-in names or YAML files).",
    no_args_is_help=True,
)

ScheduleRef = Annotated[
    str,
    typer.Argument(
        metavar="NAME_OR_FILE", help="A built-in schedule name or a retention schedule YAML file."
    ),
]


@app.command("list")
def list_schedules() -> None:
    """List the built-in retention schedules with a one-line gist of each."""
    t = Table(title="Built-in retention schedules", title_justify="left")
    for col in ("name", "title", "gist"):
        t.add_column(col, overflow="fold")
    for s in builtin_schedules():
        t.add_row(s.name, escape(s.title), escape(gist(s)))
    console = make_console()
    console.print(t)
    console.print(
        "Show one with [bold]onrecord vault retention show NAME[/]; "
        "a YAML file works anywhere a name does."
    )


@app.command("show")
def show(ref: ScheduleRef) -> None:
    """Show a schedule: its source, the default, every rule and its notes (exit 2 if invalid)."""
    s = _load(ref)
    console = make_console()
    console.print(f"[bold]{escape(s.name)}[/] — {escape(s.title)}")
    console.print(f"[dim]read from {escape(s.origin)}[/]")
    console.print(f"Jurisdiction: {escape(s.jurisdiction)}")
    console.print(f"Days are counted in: {s.time_zone}")
    console.print(f"Source: {escape(reflow(s.source.citation))}")
    console.print(f"        {escape(s.source.url)}")
    console.print(f"        {escape(reflow(s.source.version))}")
    t = Table(title="Rules (the longest that applies wins)", title_justify="left")
    t.add_column("applies to", overflow="fold")
    t.add_column("kept", overflow="fold")
    t.add_column("citation", overflow="fold")
    t.add_column("note", overflow="fold")
    t.add_row(
        "[italic]every item (default)[/]",
        str(s.default.period),
        escape(s.default.citation),
        escape(reflow(s.default.note)),
        end_section=True,
    )
    for rule in s.rules:
        t.add_row(
            escape(", ".join(rule.categories)),
            escape(rule.describe()),
            escape(rule.citation),
            escape(reflow(rule.note)),
        )
    console.print(t)
    console.print("[bold]Notes[/]")
    console.print(escape(reflow(s.notes)) if s.notes else "[dim](none given)[/]")


def gist(s: Schedule) -> str:
    """The schedule in one line: the default, then what each rule keeps and for which
    categories."""
    parts = [f"{s.default.period} by default"]
    parts += [f"{rule.describe()} for {', '.join(rule.categories)}" for rule in s.rules]
    return "; ".join(parts)


def _load(ref: str) -> Schedule:
    try:
        return load_schedule(ref)
    except RetentionError as e:
        refuse_file(ref, "a retention schedule", e.messages)


@app.command("use")
def use(
    ref: ScheduleRef,
    url: DbOption,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Who decides, as the custody log records it."),
    ] = None,
) -> None:
    """Put a schedule in force for the vault in the database (a `retention changed` entry);
    `onrecord vault dispose` applies it."""
    import getpass

    from onrecord.database.connection import DatabaseError
    from onrecord.vault.disposition import use_schedule
    from onrecord.vault.errors import VaultError
    from onrecord.vault.service import Vault

    schedule = _load(ref)
    console = make_console()
    try:
        vault = Vault.open(url)
        idx = use_schedule(vault, schedule, actor=actor or getpass.getuser(), address=None)
    except (VaultError, DatabaseError) as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    console.print(
        f"[bold]{escape(schedule.name)}[/] is in force (custody entry {idx:,}); "
        "`onrecord vault dispose --dry-run` lists what it lets go."
    )
