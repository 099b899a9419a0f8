"""`onrecord import`: turn a department's source files into a data package with a mapping."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onrecord.cli.running import make_console, out_option
from onrecord.importers.engine import ImportResult, count_steps, run_import
from onrecord.importers.errors import ImporterError
from onrecord.importers.mapping import load_mapping
from onrecord.package.formats import TableFormat

SHOWN = 10  # unparsed values listed in full; the rest are counted (onrecord check lists them all)


def import_package(
    mapping: Annotated[
        str,
        typer.Argument(
            help="A mapping YAML file, or the name of a shipped mapping (boston-2019, tjjd-2019)."
        ),
    ],
    source: Annotated[
        Path, typer.Option("--source", help="Folder holding the source files the mapping names.")
    ],
    out: Annotated[Path, out_option("The package folder to write.")],
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="File format of the package tables.")
    ] = TableFormat.CSV,
) -> None:
    """Import source files (CSV, XLSX) into a data package, as a mapping describes.

    Unparsed values are kept as text for `onrecord check`; mapping or file errors exit 2.
    """
    console = make_console()
    errors = make_console(stderr=True)
    try:
        spec = load_mapping(mapping)
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task("reading the mapping", total=count_steps(spec))
            done = count()

            def step(description: str) -> None:
                progress.update(task, description=description, completed=next(done))

            result = run_import(spec, source, out, fmt, step)
    except ImporterError as e:
        errors.print(f"[bold red]import failed:[/] {escape(str(e))}", highlight=False)
        raise typer.Exit(2) from e
    _summary(console, result)


def _summary(console: Console, result: ImportResult) -> None:
    table = Table(title=f"Imported into {result.out}", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("from")
    for t in result.tables:
        table.add_row(t.name, f"{t.rows:,}", t.origin)
    console.print(table)
    if result.merged:
        console.print(
            f"{_count(result.merged, 'source row')} repeated a record and were merged into it."
        )
    for d in result.defaulted:
        values = ", ".join(f"{v!r} ({n})" for v, n in d.values.most_common(5))
        more = f" and {len(d.values) - 5} more" if len(d.values) > 5 else ""
        rows = _count(d.values.total(), "row")
        line = f"{rows} of {d.file} took {d.key}: {values}{more}"
        console.print(line, style="yellow", highlight=False, markup=False)
    if result.unparsed:
        console.print(
            f"[yellow]{_count(len(result.unparsed), 'value')} did not parse and were kept as text;"
            " `onrecord check` reports each as a row error:[/]"
        )
        for u in result.unparsed[:SHOWN]:
            console.print(f"  {u}", highlight=False, markup=False)
        if len(result.unparsed) > SHOWN:
            console.print(f"  ... and {len(result.unparsed) - SHOWN:,} more")
    for name in result.removed:
        console.print(f"Removed {name}: an earlier import wrote it; this mapping does not.")
    console.print(f"Done in {result.seconds:.1f} s.")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
