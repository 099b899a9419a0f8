"""The Axis content destination's commands of ``onrecord vault`` (registered there): ``serve``
receives recordings; ``connection-file`` makes a body-worn system's credentials and the file an
administrator loads into AXIS Body Worn Manager; ``axis-users`` lists the users the systems
registered, with the officer id each maps to.

They exit 2 with a plain message when the database or the input cannot be used.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from onrecord.cli.running import DbOption, database_errors, make_console
from onrecord.database import connection as db
from onrecord.vault.axis import registry
from onrecord.vault.axis.auth import CredentialError
from onrecord.vault.axis.connection_file import (
    ConnectionFileError,
    ContainerType,
    create_connection_file,
    write,
)


def _fail(console: Console, message: str) -> typer.Exit:
    console.print(f"[red]✗[/] {escape(message)}")
    return typer.Exit(2)


def _current(url: str, console: Console) -> Engine:
    with database_errors(console):
        engine = db.connect(url)
        db.require_current(engine)
    return engine


def connection_file(
    url: DbOption,
    base_url: Annotated[
        list[str],
        typer.Option(
            "--base-url",
            help="The URL the body-worn system reaches OnRecord at, e.g. "
            "https://evidence.example.org (repeat for more addresses, up to 10).",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The connection file to write (JSON, owner-only).")
    ],
    site_name: Annotated[
        str, typer.Option(help="The name the Axis manager shows for this destination.")
    ] = "OnRecord",
    user: Annotated[
        str, typer.Option(help="The system's user name (one per body-worn system).")
    ] = "axis",
    certificate: Annotated[
        list[Path] | None,
        typer.Option(
            "--certificate",
            help="The server's HTTPS certificate, PEM (needed with https:// base URLs; repeat "
            "for more).",
        ),
    ] = None,
    container_type: Annotated[
        ContainerType,
        typer.Option(help="Video container the cameras deliver; cannot change once set up."),
    ] = ContainerType.MP4,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Give an existing system a new key (its current connection file stops working).",
        ),
    ] = False,
) -> None:
    """Make a body-worn system's credentials and write the connection file to load into
    AXIS Body Worn Manager."""
    console = make_console()
    if out.is_dir():
        raise _fail(console, f"{out} is a folder; --out takes the file to write")
    if not out.parent.is_dir():
        raise _fail(console, f"{out}: the folder {out.parent} does not exist; create it first")
    pems = []
    for path in certificate or []:
        try:
            pems.append(path.read_bytes())
        except OSError as e:
            raise _fail(console, f"{path}: cannot read the certificate ({e.strerror})") from None
    engine = _current(url, console)
    try:
        document = create_connection_file(
            engine,
            base_urls=base_url,
            site_name=site_name,
            now=datetime.now(UTC),
            user_name=user,
            certificates=pems,
            container_type=container_type,
            replace=replace,
        )
    except (ConnectionFileError, CredentialError) as e:
        raise _fail(console, str(e)) from None
    try:
        write(document, out)
    except OSError as e:
        raise _fail(
            console,
            f"the credentials of {user} were made but {out} could not be written "
            f"({e.strerror}); run again with --replace and another --out",
        ) from None
    uris = ", ".join(document["AuthenticationTokenURI"])
    console.print(
        f"Wrote [bold]{escape(str(out))}[/] for system [bold]{user}[/], signing in at "
        f"{escape(uris)}."
    )
    console.print(
        "Load it into AXIS Body Worn Manager as the content destination's connection file, "
        "then delete it: it holds the system's key, which OnRecord keeps only as a hash."
    )
    if not document["HTTPSCertificate"]:
        console.print(
            "[yellow]![/] Plain HTTP: footage and the key travel unencrypted. Use it for "
            "development only; give https:// base URLs and --certificate for real use."
        )


def axis_users(url: DbOption) -> None:
    """List the users the body-worn systems registered and the officer id (UserID) each
    recording of theirs is filed under; recordings of a user without one are refused."""
    console = make_console()
    engine = _current(url, console)
    rows = registry.users(engine)
    if not rows:
        console.print("No body-worn system has registered users yet.")
        return
    t = Table(title="Users of the body-worn systems")
    for col in ("system", "name", "officer id (UserID)", "user UUID"):
        t.add_column(col)
    missing = 0
    for system, person in rows:
        missing += person.user_id is None
        shown = escape(person.user_id) if person.user_id else "[red]none: recordings refused[/]"
        t.add_row(system, escape(person.name or ""), shown, escape(person.uuid))
    console.print(t)
    if missing:
        console.print(
            f"{missing} user(s) have no UserID: enter each officer's department id as the "
            "user's ID in AXIS Body Worn Manager. Until then their recordings are refused, and "
            "the system delivers them as rejected content, filed under officer 'unknown'."
        )


def serve(
    url: DbOption,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8090,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            help="A category officers can choose on the camera, as ID=Name "
            "(e.g. firearm-discharge='Firearm discharge'); repeat for more.",
        ),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option("--keys", help="The vault's keys folder (default: the one given at init)."),
    ] = None,
) -> None:
    """Receive recordings from Axis body-worn systems (the content destination API)."""
    import uvicorn

    from onrecord.vault.axis.app import create_app
    from onrecord.vault.axis.service import Settings
    from onrecord.vault.axis.system import Category, CategoryError
    from onrecord.vault.errors import VaultError
    from onrecord.vault.service import Vault
    from onrecord.vault.store import StoreError

    console = make_console()
    offered = []
    for text in category or ():
        cid, sep, name = text.partition("=")
        if not sep or not cid.strip() or not name.strip():
            raise _fail(console, f"--category {text!r}: write it as ID=Name")
        offered.append(Category(id=cid.strip(), name=name.strip()))
    try:
        vault = Vault.open(url, keys=keys)
        application = create_app(
            vault.engine, vault.store, vault, Settings(categories=tuple(offered))
        )
    except (VaultError, StoreError, CategoryError, db.DatabaseError) as e:
        raise _fail(console, str(e)) from None
    console.print(
        f"Axis content destination for [bold]{escape(vault.origin)}[/] on "
        f"[bold]http://{host}:{port}/[/] (Ctrl-C to stop); give the systems a connection file "
        "from `onrecord vault connection-file`."
    )
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)
