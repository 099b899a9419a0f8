"""The custodian's commands of ``onrecord vault`` (registered there): legal holds (``hold``), an
item's categories and case ids (``label``), and a case's status (``case``). Each change is a
custody entry naming who made it (``--actor``, default the login name); the console's forms do
the same through the same library calls (``vault.holds``, ``vault.labels``).
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from onrecord.cli.running import ActorOption, DbOption, make_console
from onrecord.database import connection as db
from onrecord.vault import holds as holding
from onrecord.vault import labels
from onrecord.vault.errors import VaultError
from onrecord.vault.service import Vault

hold_app = typer.Typer(help="Legal holds: nothing under one is ever disposed of.")
case_app = typer.Typer(help="Cases: an open case keeps its items from disposition.")

ReasonOption = Annotated[str, typer.Option("--reason", help="Why, as the custody log keeps it.")]


def _run(url: str) -> Vault:
    console = make_console()
    try:
        return Vault.open(url)
    except (VaultError, db.DatabaseError) as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None


def _done(what: object, message: str, unchanged: str) -> None:
    make_console().print(unchanged if what is None else message)


def _fail(e: Exception) -> typer.Exit:
    make_console(stderr=True).print(f"[red]✗[/] {escape(str(e))}")
    return typer.Exit(2)


@hold_app.command("place")
def place(
    url: DbOption,
    reason: ReasonOption,
    item: Annotated[str | None, typer.Option("--item", help="The item held.")] = None,
    case: Annotated[
        str | None, typer.Option("--case", help="The case held (all its items).")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Place a legal hold on an item or on a case."""
    vault = _run(url)
    try:
        placed = holding.place_hold(
            vault, item_id=item, case_id=case, reason=reason,
            actor=actor or getpass.getuser(), address=None,
        )  # fmt: skip
    except VaultError as e:
        raise _fail(e) from None
    make_console().print(f"Hold {placed.hold_id} placed on {escape(item or f'case {case}')}.")


@hold_app.command("release")
def release(
    url: DbOption,
    hold: Annotated[int, typer.Argument(help="The hold's number (see `hold list`).")],
    reason: ReasonOption,
    actor: ActorOption = None,
) -> None:
    """Release a legal hold (its items fall back to their retention)."""
    vault = _run(url)
    try:
        holding.release_hold(
            vault, hold, reason=reason, actor=actor or getpass.getuser(), address=None
        )
    except VaultError as e:
        raise _fail(e) from None
    make_console().print(f"Hold {hold} released.")


@hold_app.command("list")
def list_holds(
    url: DbOption,
    all_holds: Annotated[bool, typer.Option("--all", help="Released holds too.")] = False,
) -> None:
    """List the holds in force (newest first)."""
    vault = _run(url)
    t = Table(title="Legal holds", title_justify="left")
    for col in ("#", "on", "reason", "placed", "released"):
        t.add_column(col, overflow="fold")
    for h in holding.holds(vault, in_force_only=not all_holds):
        on = h.item_id if h.item_id is not None else f"case {h.case_id}"
        placed = f"{h.placed_at:%Y-%m-%d %H:%M} by {h.placed_by}"
        released = "" if h.released_at is None else f"{h.released_at:%Y-%m-%d} by {h.released_by}"
        t.add_row(str(h.id), escape(str(on)), escape(h.reason), escape(placed), escape(released))
    make_console().print(t)


def label(
    url: DbOption,
    item: Annotated[str, typer.Argument(help="The item, e.g. V-2026-000001.")],
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Its categories, the whole list (repeat the option)."),
    ] = None,
    case: Annotated[
        list[str] | None,
        typer.Option("--case", help="Its case ids, the whole list (repeat the option)."),
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Set an item's categories and/or case ids (each list replaces the one it had)."""
    if category is None and case is None:
        raise _fail(VaultError("give --category or --case (or both)"))
    vault = _run(url)
    who = actor or getpass.getuser()
    try:
        if category is not None:
            got = labels.set_categories(vault, item, category, actor=who, address=None)
            _done(got, f"{item}: categories set.", f"{item}: categories unchanged.")
        if case is not None:
            got = labels.set_cases(vault, item, case, actor=who, address=None)
            _done(got, f"{item}: cases set.", f"{item}: cases unchanged.")
    except VaultError as e:
        raise _fail(e) from None


def _case_status(url: str, case: str, status: str, reason: str, actor: str | None) -> None:
    vault = _run(url)
    try:
        got = labels.set_case_status(
            vault, case, status, reason=reason, actor=actor or getpass.getuser(), address=None
        )
    except VaultError as e:
        raise _fail(e) from None
    _done(
        got, f"Case {escape(case)} is now {status}.", f"Case {escape(case)} was already {status}."
    )


@case_app.command("close")
def close(
    url: DbOption,
    case: Annotated[str, typer.Argument(help="The case id.")],
    reason: ReasonOption,
    actor: ActorOption = None,
) -> None:
    """Close a case whose proceedings have ended: its items fall back to their retention."""
    _case_status(url, case, "closed", reason, actor)


@case_app.command("open")
def reopen(
    url: DbOption,
    case: Annotated[str, typer.Argument(help="The case id.")],
    reason: ReasonOption,
    actor: ActorOption = None,
) -> None:
    """Open a closed case again: its items are kept from disposition."""
    _case_status(url, case, "open", reason, actor)
