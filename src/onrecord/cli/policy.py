"""``onrecord policy``: list the built-in policies, show one in full, compare two rule by rule."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from onrecord.cli.running import make_console, reflow, refuse_file
from onrecord.policy import (
    ALL,
    Policy,
    PolicyError,
    builtin_policies,
    diff,
    format_value,
    load_policy,
)
from onrecord.policy.model import SECTIONS

app = typer.Typer(
    name="policy",
    help="Policy profiles: the rules an audit applies (built-in ids or YAML files).",
    no_args_is_help=True,
)

PolicyRef = Annotated[
    str,
    typer.Argument(metavar="ID_OR_FILE", help="A built-in policy id or a policy YAML file."),
]


@app.command("list")
def list_policies() -> None:
    """List the built-in policies with a one-line gist of each."""
    t = Table(title="Built-in policies", title_justify="left")
    for col in ("id", "title", "gist"):
        t.add_column(col, overflow="fold")
    for p in builtin_policies():
        t.add_row(p.id, escape(p.title), _gist(p))
    console = make_console()
    console.print(t)
    console.print(
        "Show one with [bold]onrecord policy show ID[/]; a YAML file works anywhere an id does."
    )


@app.command("show")
def show(
    ref: PolicyRef,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print the canonical YAML (every default filled in).")
    ] = False,
) -> None:
    """Show a policy's rules, defaults filled in, and where each comes from (exit 2 if invalid)."""
    p = _load(ref)
    if as_yaml:
        typer.echo(p.canonical_yaml(), nl=False)
        return
    console = make_console()
    console.print(f"[bold]{escape(p.id)}[/] — {escape(p.title)}")
    console.print(f"[dim]read from {escape(p.origin)}[/]")
    t = Table(title="Rules", title_justify="left")
    t.add_column("section", no_wrap=True)
    t.add_column("rule", no_wrap=True)
    t.add_column("value", overflow="fold")
    t.add_column("set by", no_wrap=True)
    defaulted, rules = p.defaulted(), p.rules()
    for section in SECTIONS:
        keys = [k for k in rules if k.startswith(f"{section}.")]
        for i, key in enumerate(keys):
            t.add_row(
                section if i == 0 else "",
                key.removeprefix(f"{section}."),
                escape(format_value(rules[key])),
                "[dim]default[/]" if key in defaulted else "policy",
                end_section=i == len(keys) - 1,
            )
    console.print(t)
    console.print("[bold]Source[/]")
    console.print(escape(reflow(p.source)) if p.source else "[dim](none given)[/]")


@app.command("diff")
def diff_policies(a: PolicyRef, b: PolicyRef) -> None:
    """Compare two policies: only the rules that differ, and how many are the same."""
    pa, pb = _load(a), _load(b)
    console = make_console()
    for label, p in (("A", pa), ("B", pb)):
        console.print(
            f"{label}: [bold]{escape(p.id)}[/] — {escape(p.title)} [dim]({escape(p.origin)})[/]"
        )
    differ = diff(pa, pb)
    same = len(pa.rules()) - len(differ)
    if not differ:
        console.print(f"[green]The rules are the same[/] ({same} identical).")
        return
    t = Table(title="Rules that differ", title_justify="left")
    t.add_column("rule", no_wrap=True)
    same_id = pa.id == pb.id
    t.add_column("A" if same_id else f"A: {escape(pa.id)}", overflow="fold")
    t.add_column("B" if same_id else f"B: {escape(pb.id)}", overflow="fold")
    for d in differ:
        t.add_row(d.key, escape(format_value(d.a)), escape(format_value(d.b)))
    console.print(t)
    console.print(f"{len(differ)} rule(s) differ; {same} identical.")


def _load(ref: str) -> Policy:
    try:
        return load_policy(ref)
    except PolicyError as e:
        refuse_file(ref, "a policy", e.messages)


def _gist(p: Policy) -> str:
    """The rules that set a policy apart, in one line, derived from the rules so it cannot drift."""
    cr, rr, reasons = p.camera_required, p.recording_required, p.deactivation.allowed_reasons
    kinds = cr.shift_kinds
    if kinds == ALL:
        camera = "camera on every shift"
    elif len(kinds) <= 2:
        camera = f"camera on {' and '.join(kinds) or 'no'} shifts"
    else:
        camera = f"camera on {len(kinds)} shift kinds"
    camera += ", uniformed only" if cr.uniformed_only else ""
    camera += f", units {', '.join(cr.units)}" if cr.units != ALL else ""
    camera += ", trained officers only" if cr.trained_only else ""
    types = rr.encounter_types
    record = "every encounter" if types == ALL else f"{len(types)} encounter types"
    if rr.whole_shift:
        record = f"the whole shift (≥ {rr.min_shift_recorded_ratio:.0%}) and {record}"
    if rr.outside_required_shifts:
        record += " on any shift"
    stop = f"may stop for {', '.join(reasons)}" if reasons else "no discretion to stop"
    return f"{camera}; record {record}; {stop}"
