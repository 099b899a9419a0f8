"""``onrecord vault``: the evidence vault — create it (init), ingest files from a dock or upload
folder (ingest), and its custody log: sign it (checkpoint), check all of it (verify), prove an
entry (prove), list it (log) and hand items over in a bundle (bundle).

Exit status: 0 when done (``verify``: when everything holds), 1 when ``verify`` finds a problem,
2 when the request cannot be done as given (the message says why): a database or item that does
not exist, a folder that does, a time without a zone.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from onrecord.cli import vault_axis, vault_custody, vault_retention
from onrecord.cli.running import ActorOption, DbOption, make_console
from onrecord.database import connection as db
from onrecord.vault.errors import VaultError
from onrecord.vault.service import Vault
from onrecord.vault.setup import default_keys_folder, init_vault
from onrecord.vault.store import StoreError

app = typer.Typer(
    help="The evidence vault: footage kept with a custody log anyone can verify offline.",
    no_args_is_help=True,
)

KeysOption = Annotated[
    Path | None,
    typer.Option(
        "--keys",
        help="The vault's keys folder on this machine (default: the folder given at init).",
    ),
]


@contextmanager
def bad_input(console: Console) -> Iterator[None]:
    """A request that cannot be done as given (or a store that cannot be reached): its
    message, exit status 2."""
    try:
        yield
    except (VaultError, StoreError, db.DatabaseError) as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None


def _open(url: str, console: Console, keys: Path | None = None) -> Vault:
    with bad_input(console):
        return Vault.open(url, keys=keys)


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise VaultError(
            f"{option} {text!r} is not a date and time like 2026-12-01T14:03:07Z"
        ) from None
    if at.tzinfo is None:
        raise VaultError(
            f"{option} {text!r} has no time zone; add Z (UTC) or an offset such as -05:00"
        )
    return at


@app.command("init")
def init(
    url: DbOption,
    store: Annotated[
        str,
        typer.Option("--store", help="Where the files go: a folder, or s3://bucket/prefix for S3."),
    ],
    origin: Annotated[
        str,
        typer.Option(
            "--origin",
            help="The vault's name in its checkpoints and key, e.g. vault.somerville.example/bwc.",
        ),
    ],
    endpoint_url: Annotated[
        str | None,
        typer.Option("--endpoint-url", help="The S3 endpoint, for a store other than AWS."),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            help="A new folder for the vault's keys "
            "(default: ~/.config/onrecord/vault-keys/ORIGIN).",
        ),
    ] = None,
) -> None:
    """Create the vault in the database (made if missing): its store, its keys and its log."""
    console = make_console()
    folder = keys or default_keys_folder(origin)
    with bad_input(console):
        init_vault(url, store_location=store, origin=origin, keys=folder, endpoint_url=endpoint_url)
        vault = Vault.open(url, keys=folder)
    console.print(f"Vault [bold]{escape(origin)}[/] created; files go to {escape(store)}.")
    console.print(
        f"Its keys are in [bold]{escape(str(vault.keys))}[/]: back the folder up apart from the "
        "database and the store; without it the files cannot be read and no new checkpoint "
        "can be signed."
    )
    console.print("Publish its verifier key, which anyone checks bundles and checkpoints with:")
    console.print(vault.vkey, highlight=False, soft_wrap=True)


@app.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Recordings to ingest, one item each.")],
    url: DbOption,
    officer: Annotated[str, typer.Option("--officer", help="The officer's id (as in the roster).")],
    camera: Annotated[str, typer.Option("--camera", help="The camera's id (serial number).")],
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="When the recording starts, with a zone (default: its media's)."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--end", help="When it ends, with a zone (default: start plus its duration)."),
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="A category (repeat for more).")
    ] = None,
    case: Annotated[
        list[str] | None, typer.Option("--case", help="A case or incident id (repeat for more).")
    ] = None,
    actor: ActorOption = None,
    keys: KeysOption = None,
) -> None:
    """Ingest recordings from a dock or upload folder: each file one item, logged, then a
    checkpoint. A file already ingested from the same camera gives its existing item."""
    console = make_console()
    vault = _open(url, console, keys)
    with bad_input(console):
        results = vault.ingest_files(
            files,
            officer=officer,
            camera=camera,
            start=_instant(start, "--start"),
            end=_instant(end, "--end"),
            categories=category or [],
            case_ids=case or [],
            actor=_actor(actor),
        )
    for path, result in zip(files, results, strict=True):
        state = "ingested as" if result.created else "already in the vault as"
        console.print(f"{escape(str(path))}: {state} [bold]{result.item_id}[/]")


@app.command("checkpoint")
def checkpoint(url: DbOption, keys: KeysOption = None) -> None:
    """Sign the custody log as it stands (a checkpoint), unless the latest covers it all."""
    console = make_console()
    vault = _open(url, console, keys)
    with bad_input(console):
        made = vault.checkpoint()
    state = "New checkpoint" if made.new else "The log has not grown; the latest checkpoint"
    console.print(f"{state}, of {made.size:,} entries:")
    console.print(made.note, end="", highlight=False, markup=False)


@app.command("verify")
def verify(url: DbOption, keys: KeysOption = None) -> None:
    """Check the whole vault: every entry, stored hash, checkpoint and signature, and every
    stored file re-hashed; exit 0 only when all of it holds, 1 naming each problem."""
    console = make_console()
    vault = _open(url, console, keys)
    with (
        Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            TimeElapsedColumn(), console=make_console(stderr=True), transient=True,
        ) as bar,
        bad_input(console),
    ):  # fmt: skip
        tasks: dict[str, TaskID] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        problems = vault.verify(progress)
    for problem in problems:
        console.print(f"[red]✗[/] {escape(problem)}")
    if problems:
        console.print(f"The vault does [bold]not[/] verify: {len(problems)} problem(s) above.")
        raise typer.Exit(1)
    with bad_input(console):
        last = vault.latest_checkpoint()
    console.print(
        "The vault verifies: every entry, stored hash and signed checkpoint (the latest "
        f"covers {last.size:,} entries), and every stored file."
    )


@app.command("prove")
def prove(
    url: DbOption,
    entry: Annotated[int, typer.Option("--entry", min=0, help="The entry's index.")],
    from_size: Annotated[
        int | None,
        typer.Option("--from-size", min=1, help="An older tree size to prove consistency from."),
    ] = None,
) -> None:
    """Print, as JSON, an entry's inclusion proof in the latest checkpoint and, with
    --from-size, the consistency proof from that older size (hashes in base64)."""
    console = make_console()
    vault = _open(url, console)
    with bad_input(console):
        proof = vault.prove(entry, from_size)
    doc = proof.document()
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))


@app.command("bundle")
def bundle(
    items: Annotated[list[str], typer.Argument(help="Vault ids of the items, e.g. V-2026-000001.")],
    url: DbOption,
    out: Annotated[Path, typer.Option("--out", help="A new folder for the bundle.")],
    actor: ActorOption = None,
    keys: KeysOption = None,
) -> None:
    """Write the bundle of items for a court, a prosecutor, a defence lawyer or a requester:
    their files, every entry about them and the proofs that tie those to a signed checkpoint."""
    console = make_console()
    vault = _open(url, console, keys)
    with bad_input(console):
        written = vault.bundle(items, out, actor=_actor(actor))
    console.print(
        f"Wrote [bold]{escape(str(written.folder))}[/]: {len(written.items)} item(s), "
        f"{written.files} file(s), {written.entries} entries, checkpoint of "
        f"{written.tree_size:,} entries. Check it with verify_bundle.py (see its README)."
    )


@app.command("log")
def log(
    url: DbOption,
    item: Annotated[
        str | None, typer.Option("--item", help="Only entries about this item.")
    ] = None,
    start: Annotated[int, typer.Option("--from", min=0, help="The first index to list.")] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many entries at most.")] = 50,
) -> None:
    """List custody-log entries in index order: time, actor, action, outcome, item, source."""
    console = make_console()
    vault = _open(url, console)
    table = Table(title="Custody log")
    for column in ("index", "time (UTC)", "actor", "action", "outcome", "item", "source"):
        table.add_column(column, justify="right" if column == "index" else "left")
    for logged in vault.entries(start=start, limit=limit, item=item):
        e = json.loads(logged.body)
        table.add_row(
            str(e["index"]), e["time"].replace("T", " ").rstrip("Z"), e["actor"], e["action"],
            e["outcome"], e["item"] or "", e["source"] or "",
        )  # fmt: skip
    console.print(table)


app.command("serve")(vault_axis.serve)
app.command("connection-file")(vault_axis.connection_file)
app.command("axis-users")(vault_axis.axis_users)
app.add_typer(vault_retention.app, name="retention")


@app.command("dispose")
def dispose(
    url: DbOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would go and why; delete nothing.")
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="With --dry-run, list the items kept too, with why.")
    ] = False,
    actor: ActorOption = None,
    keys: KeysOption = None,
) -> None:
    """Delete the bytes of footage past its retention under the schedule in force, unless a
    legal hold or an open case keeps it; each file's `dispose` entry keeps its SHA-256."""
    from onrecord.vault import disposition

    console = make_console()
    vault = _open(url, console, keys)
    with bad_input(console):
        schedule = disposition.schedule_in_force(vault)
        now = vault.clock()
        if dry_run:
            decisions = disposition.plan(vault, schedule, now)
        else:
            with Progress(
                TextColumn("disposing"), BarColumn(), TaskProgressColumn(),
                console=make_console(stderr=True), transient=True,
            ) as bar:  # fmt: skip
                task = bar.add_task("disposing", total=None)
                run = disposition.dispose(
                    vault, schedule, actor=_actor(actor), address=None, now=now,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )  # fmt: skip
            decisions = run.decisions
    shown = [d for d in decisions if d.eligible or (dry_run and show_all)]
    t = Table(title=f"Under {escape(schedule.name)}", title_justify="left")
    for col in ("item", "kept until", "goes", "why"):
        t.add_column(col, overflow="fold")
    for d in shown:
        until = "indefinitely" if d.retain_until is None else d.retain_until.isoformat()
        t.add_row(d.item_id, until, "yes" if d.eligible else "no", escape("; ".join(d.reasons)))
    if shown:
        console.print(t)
    eligible = sum(d.eligible for d in decisions)
    held = sum(bool(d.due and not d.eligible) for d in decisions)
    if dry_run:
        console.print(
            f"Dry run: {eligible:,} of {len(decisions):,} item(s) would be disposed of; "
            f"{held:,} past retention kept by a hold or an open case. Nothing was deleted."
        )
    else:
        console.print(
            f"Disposed of {run.disposed_files:,} file(s) of {eligible:,} item(s) "
            f"({run.deleted_blobs:,} stored blob(s) deleted); {held:,} past retention kept by a "
            "hold or an open case. Each file's dispose entry keeps its SHA-256."
        )


@app.command("rotate-keys")
def rotate_keys(
    url: DbOption,
    keys: KeysOption = None,
    keep_old: Annotated[
        bool, typer.Option("--keep-old", help="Keep the old key files after rewrapping.")
    ] = False,
) -> None:
    """Make a new key-encryption key and rewrap every stored file's data key under it (the
    footage itself is not rewritten); then remove the old key files unless --keep-old."""
    from onrecord.vault.keyring import KeyRing
    from onrecord.vault.stores import open_store, rotate_keys

    console = make_console()
    vault = _open(url, console, keys)
    with bad_input(console):
        ring = KeyRing.load(vault.keys)
        store = open_store(
            vault.settings.store_location, ring, endpoint_url=vault.settings.endpoint_url
        )
        done = rotate_keys(store, ring, retire=not keep_old)
    r = done.rewrap
    console.print(
        f"New key [bold]{done.key_id}[/]: {r.rewrapped:,} file(s) rewrapped, {r.current:,} "
        f"already under it; old key file(s) removed: {', '.join(done.retired) or 'none'}."
    )
    for sha, why in r.damaged.items():
        console.print(f"[red]✗[/] blob {sha}: {escape(why)} (kept under its old key)")
    if r.damaged:
        console.print("Some files could not be rewrapped; run `onrecord vault verify`.")
        raise typer.Exit(1)


app.add_typer(vault_custody.hold_app, name="hold")
app.add_typer(vault_custody.case_app, name="case")
app.command("label")(vault_custody.label)
