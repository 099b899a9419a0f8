"""``onrecord serve``: the web console and public dashboard; ``onrecord user add`` and ``onrecord
user password``: accounts."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from onrecord.cli.running import DbOption, database_errors, make_console
from onrecord.database import connection as db

user_app = typer.Typer(help="Accounts of the web console.", no_args_is_help=True)


def serve(
    audit: Annotated[
        Path, typer.Option("--audit", help="An `onrecord audit` output folder (the full edition).")
    ],
    url: DbOption,
    package: Annotated[
        Path | None,
        typer.Option(help="The audited package, if it has moved since the audit."),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            help="An `onrecord plan` output folder: its figures on the fleet and gap pages."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            help="Send cookies over plain http (only for a demo on 127.0.0.1, never in service)."
        ),
    ] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            metavar="ADDR",
            help="A reverse proxy (address or network) whose X-Forwarded-For names the client; "
            "repeat for each. Default none: the client is the connection's peer.",
        ),
    ] = None,
    vault_keys: Annotated[
        Path | None,
        typer.Option(
            "--vault-keys",
            help="The evidence vault's keys folder on this machine (default: where "
            "`onrecord vault init` put it).",
        ),
    ] = None,
    redactor: Annotated[
        str | None,
        typer.Option(
            "--redactor",
            help="The redaction function records requests use, module:function (default: the "
            "installed redaction engine).",
        ),
    ] = None,
    redis: Annotated[
        str | None,
        typer.Option(
            "--redis",
            help="A Redis (redis://host:port/db) whose queue `onrecord worker`s work; default: "
            "the console runs its own local workers.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="Local redaction workers, when no --redis is given."),
    ] = 1,
) -> None:
    """Serve the console and the public dashboard until interrupted (Ctrl-C).

    Set ONRECORD_SECRET_KEY to keep sessions across restarts; without it every restart signs
    everyone out. Behind a reverse proxy, name it with --trusted-proxy so that sign-in
    throttling and the access log see the clients' addresses rather than the proxy's."""
    import uvicorn

    from onrecord.web.app import create_app
    from onrecord.web.fleet_status import PlanError
    from onrecord.web.results import ResultsError
    from onrecord.web.settings import Settings

    console = make_console()
    key = os.environ.get("ONRECORD_SECRET_KEY")
    try:
        settings = Settings(
            audit_dir=audit,
            db_url=db.database_url(url),
            package_dir=package,
            plan_dir=plan,
            secure_cookies=not insecure_cookies,
            trusted_proxies=tuple(trusted_proxy or ()),
            vault_keys=vault_keys,
            redactor=redactor,
            redis_url=redis,
            redaction_workers=workers,
        )
    except ValueError as e:
        console.print(f"[red]✗[/] --trusted-proxy {escape(str(e))}")
        raise typer.Exit(2) from None
    if key:
        settings = replace(settings, secret_key=key)
    with database_errors(console):
        db.upgrade(db.connect(url, create=True))
    try:
        application = create_app(settings)
    except (ResultsError, PlanError, db.DatabaseError) as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    console.print(f"OnRecord console on [bold]http://{host}:{port}/[/] (Ctrl-C to stop)")
    # The app reads X-Forwarded-For itself, from --trusted-proxy only: uvicorn's own reading
    # (on by default, trusting 127.0.0.1 or FORWARDED_ALLOW_IPS) would let any local client
    # name its own address.
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name: lower-case letters, digits, . _ -")],
    role: Annotated[
        str,
        typer.Option(help="admin, manager, supervisor, auditor, custodian or investigator."),
    ],
    url: DbOption,
    station: Annotated[
        str | None,
        typer.Option(
            help="The station a supervisor reviews, or whose officers' footage an investigator "
            "sees."
        ),
    ] = None,
    case: Annotated[
        list[str] | None,
        typer.Option(
            "--case", help="A case an investigator is assigned (repeat for more; investigators)."
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input instead of a prompt.")
    ] = False,
) -> None:
    """Create an account in the operational database (migrated to the newest schema first)."""
    from onrecord.web.account_store import AccountError, add_user

    console = make_console()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database_errors(console):
        engine = db.connect(url, create=True)
        db.upgrade(engine)
    try:
        account = add_user(engine, name, role, password, station, case or (), by="cli")
    except AccountError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    where = f" at station {account.station_id}" if account.station_id else ""
    if account.cases:
        where += f", cases {', '.join(account.cases)}"
    console.print(f"Added [bold]{escape(account.name)}[/] ({account.role.value}{escape(where)}).")


@user_app.command("cases")
def cases(
    name: Annotated[str, typer.Argument(help="The investigator's user name.")],
    url: DbOption,
    case: Annotated[
        list[str] | None,
        typer.Option("--case", help="A case to assign (repeat for more; none clears them)."),
    ] = None,
) -> None:
    """Assign an investigator exactly these cases (replacing theirs): they see the vault's
    items that name one, besides those of their station's officers."""
    from onrecord.web.account_store import AccountError, find_user_id, set_cases

    console = make_console()
    with database_errors(console):
        engine = db.connect(url)
        db.upgrade(engine)
    try:
        assigned = set_cases(engine, find_user_id(engine, name), case or (), by="cli")
    except AccountError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    shown = ", ".join(assigned) if assigned else "none"
    console.print(f"[bold]{escape(name)}[/] is assigned: {escape(shown)}.")


@user_app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="The account's user name.")],
    url: DbOption,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input instead of a prompt.")
    ] = False,
) -> None:
    """Give an account a new password; every session it has in the console ends."""
    from onrecord.web.account_store import AccountError, find_user_id, set_password

    console = make_console()
    with database_errors(console):
        engine = db.connect(url)
        db.upgrade(engine)
    try:
        user = find_user_id(engine, name)
        if password_stdin:
            new = sys.stdin.readline().rstrip("\n")
        else:
            new = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        set_password(engine, user, new)
    except AccountError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    console.print(f"New password set for [bold]{escape(name)}[/]; its console sessions have ended.")
