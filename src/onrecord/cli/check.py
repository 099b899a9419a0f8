"""``onrecord check PACKAGE``: read a data package and report every problem, grouped and counted."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from onrecord.cli.running import make_console
from onrecord.package.loader import Package, load
from onrecord.package.problems import Problem, Severity, StructuralError

STYLE = {Severity.STRUCTURAL: "bold red", Severity.ROW: "red", Severity.FINDING: "yellow"}


def check(
    package: Annotated[Path, typer.Argument(help="The data package folder.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full report as JSON (every problem).")
    ] = False,
    list_all: Annotated[
        bool, typer.Option("--list", help="Also list every problem, one line each.")
    ] = False,
) -> None:
    """Check a data package against the contract.

    Exit status: 0 when every row is usable (findings may remain), 1 when rows were excluded
    by row errors, 2 when the package cannot be read at all (structural errors).
    """
    console = make_console(stderr=as_json)
    try:
        with console.status("reading…") as status:
            pkg = load(package, progress=lambda msg: status.update(msg))
    except StructuralError as e:
        if as_json:
            _print_json(
                {
                    "package": str(package),
                    "status": "structural",
                    "exit_code": 2,
                    "problems": [p.model_dump(mode="json") for p in e.problems],
                }
            )
        else:
            _print_structural(console, package, e.problems)
        raise typer.Exit(2) from None
    if as_json:
        _write_json(pkg, sys.stdout)
    else:
        _print_report(console, pkg, list_all)
    raise typer.Exit(pkg.exit_code)


def _print_structural(console: Console, package: Path, problems: list[Problem]) -> None:
    console.print(f"[bold]{escape(str(package))}[/] cannot be read as a data package:")
    for p in problems:
        console.print(f"  [bold red]✗[/] {escape(p.where())}: {escape(p.message)}")
    console.print(f"[bold red]{len(problems)} structural error(s)[/]; nothing was checked further.")


def _print_report(console: Console, pkg: Package, list_all: bool) -> None:
    d = pkg.department
    console.print(f"[bold]{escape(d.name)}[/] — {escape(str(pkg.root))} (timezone {d.timezone})")
    t = Table(title="Tables", title_justify="left")
    for col in ("table", "file", "rows read", "kept", "excluded", "why excluded"):
        t.add_column(col, justify="right" if col in ("rows read", "kept", "excluded") else "left")
    for ld in pkg.loads.values():
        why = "\n".join(f"{k} {v:,}" for k, v in ld.excluded.items())
        t.add_row(
            ld.table,
            escape(ld.file),
            f"{ld.rows_read:,}",
            f"{ld.rows_kept:,}",
            f"{ld.rows_excluded:,}",
            why,
        )
    console.print(t)

    groups = pkg.groups()
    if groups:
        g = Table(title="Problems", title_justify="left")
        for col in ("", "problem", "where", "count", "first example"):
            g.add_column(col, justify="right" if col == "count" else "left", overflow="fold")
        for grp in groups:
            where = ".".join(x for x in (grp.table, grp.column) if x)
            ex = escape(f"{grp.example.where()}: {grp.example.message}")
            g.add_row(
                f"[{STYLE[grp.severity]}]{grp.severity.value}[/]",
                grp.code.value,
                escape(where),
                f"{grp.count:,}",
                ex,
            )
        console.print(g)
    if list_all:
        for p in pkg.problems():
            where, what = escape(p.where()), escape(p.message)
            console.print(f"[{STYLE[p.severity]}]{p.severity.value}[/] {where}: {what}")

    rows, finds = pkg.count(Severity.ROW), pkg.count(Severity.FINDING)
    excluded = sum(ld.rows_excluded for ld in pkg.loads.values())
    if rows:
        console.print(
            f"[red]{rows:,} row error(s): {excluded:,} row(s) excluded[/]; "
            f"{finds:,} finding(s). Exit status 1."
        )
    else:
        console.print(f"[green]No row errors[/]; {finds:,} finding(s). Exit status 0.")


def _print_json(doc: dict[str, object]) -> None:
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _write_json(pkg: Package, out: TextIO) -> None:
    """Stream the report: the problem list may hold millions of rows."""
    write = out.write
    head = {
        "package": str(pkg.root),
        "department": pkg.department.model_dump(),
        "status": "row_errors" if pkg.exit_code else "ok",
        "exit_code": pkg.exit_code,
        "tables": [
            {
                "table": ld.table,
                "file": ld.file,
                "format": ld.fmt,
                "rows_read": ld.rows_read,
                "rows_kept": ld.rows_kept,
                "rows_excluded": ld.rows_excluded,
                "excluded": ld.excluded,
            }
            for ld in pkg.loads.values()
        ],
        "groups": [g.model_dump(mode="json") for g in pkg.groups()],
    }
    text = json.dumps(head, indent=2)
    write(text[: text.rstrip().rfind("}")].rstrip() + ',\n  "problems": [')
    for i, p in enumerate(pkg.problems()):
        write(("," if i else "") + "\n    " + p.model_dump_json())
    write("\n  ]\n}\n")
