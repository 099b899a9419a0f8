"""``onrecord fleet``: the camera fleet in service — its database (init, upgrade, export), the
checkout API (serve) and its tokens (token add, list, revoke, uses), the kiosk's two actions
from the command line (checkout, checkin), and an admin's correction of the history (correct).

``checkout`` and ``checkin`` exit 0 when done, 1 when the service refuses (the message says what
to do), 2 when the database cannot be used. ``onrecord checkout`` and ``onrecord checkin`` are the
same commands, kept at the top level for scripts written before the group had them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from onrecord.cli.running import (
    DbOption,
    database_errors,
    exit_on_bad_input,
    make_console,
    out_option,
)
from onrecord.database import connection as db
from onrecord.fleet.package_io import export_package, init_database
from onrecord.fleet.rules import Refused, local
from onrecord.fleet.service import CheckoutService
from onrecord.fleet.tokens import TokenError, add_token, list_tokens, recent_uses, revoke_token
from onrecord.package.formats import TableFormat
from onrecord.vault.errors import VaultError
from onrecord.vault.recordings import RecordingStats, VaultRecordings
from onrecord.vault.stop_reasons import StopReasonError, load_stop_reasons

app = typer.Typer(
    help="The camera fleet in service: its database, the checkout API, checkout and checkin.",
    no_args_is_help=True,
)


def _current(url: str, console: Console) -> Engine:
    """The fleet database at ``url``, at the newest schema; otherwise say why and exit 2."""
    with database_errors(console):
        engine = db.connect(url)
        db.require_current(engine)
    return engine


@app.command("init")
def init(
    package: Annotated[Path, typer.Argument(help="The data package to load.")],
    url: DbOption,
    history: Annotated[
        bool,
        typer.Option(help="Load the package's device_events as history (camera state follows)."),
    ] = True,
) -> None:
    """Create the fleet database (newest schema) and load stations, officers, cameras, shifts."""
    console = make_console()
    with exit_on_bad_input(console, package, db.DatabaseError):
        engine = db.connect(url, create=True)
        stats = init_database(engine, package, history=history)
    t = Table(title=f"Loaded into {engine.url.render_as_string()}")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in stats.rows.items():
        t.add_row(name, f"{n:,}")
    console.print(t)
    if stats.rows_excluded:
        console.print(f"{stats.rows_excluded:,} package row(s) with errors were not loaded.")
    if stats.events_unknown_camera:
        console.print(
            f"{stats.events_unknown_camera:,} device event(s) name a camera that is not in "
            "cameras and were not loaded."
        )
    if stats.holders_cleared:
        console.print(
            f"{stats.holders_cleared:,} camera(s) never returned in the history were left "
            "out with no holder, because their officer took a later camera."
        )


@app.command("upgrade")
def upgrade(url: DbOption) -> None:
    """Migrate an existing fleet database to this version's schema."""
    console = make_console()
    with database_errors(console):
        db.upgrade(db.connect(url))
    console.print(f"Schema at {db.head_revision()}.")


@app.command("export")
def export(
    url: DbOption,
    out: Annotated[Path, out_option("Package folder to write.")],
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="Table file format.")
    ] = TableFormat.CSV,
    stop_reasons: Annotated[
        Path | None,
        typer.Option(
            "--stop-reasons",
            help="The department's stop-reason mapping (YAML) for the vault's items "
            "(default: the built-in one; see docs/vault.md).",
        ),
    ] = None,
    recordings_from: Annotated[
        Path | None,
        typer.Option(
            "--recordings-from",
            help="A package whose recordings to keep beside the vault's items (another camera "
            "system's, or OUT itself); rows of recordings the vault holds are replaced.",
        ),
    ] = None,
) -> None:
    """Write the database as a data package: device_events are the service's history,
    recordings the evidence vault's items."""
    console = make_console()
    where = recordings_from or out
    with exit_on_bad_input(console, where, db.DatabaseError, StopReasonError, VaultError):
        engine = db.connect(url)
        mapping = load_stop_reasons(stop_reasons)
        vault = VaultRecordings(engine, mapping, recordings_from)
        rows = export_package(engine, out, fmt, vault.batches())
    console.print(
        f"Wrote [bold]{escape(str(out))}[/]: " + ", ".join(f"{n:,} {t}" for t, n in rows.items())
    )
    _say_recordings(console, vault.stats, mapping.origin, recordings_from)


def _say_recordings(
    console: Console, stats: RecordingStats, mapping: str, other: Path | None
) -> None:
    """Where the recordings came from and how their stop reasons were found."""
    if not stats.items and not stats.without_clip and other is None:
        return
    by = ", ".join(f"{n:,} from {SIGNAL_WORDS[s]}" for s, n in sorted(stats.by_signal.items()))
    console.print(
        f"Recordings: {stats.items:,} vault item(s); stop reasons ({escape(mapping)} mapping): "
        f"{by or 'none found'}, {stats.no_reason:,} with none"
        + (f" ({stats.conflicting:,} whose names disagree)" if stats.conflicting else "")
        + "."
    )
    if stats.without_clip:
        console.print(f"{stats.without_clip:,} item(s) hold no video clip and are not recordings.")
    if stats.unfiled:
        console.print(
            f"{stats.unfiled:,} item(s) of an unknown officer are written with none "
            "(unassigned footage)."
        )
    for signal in ("trigger_off", "tag"):
        names = [(n, c) for (s, n), c in stats.unmapped.most_common() if s == signal]
        if names:
            shown = ", ".join(f"{escape(n)} ({c:,})" for n, c in names[:8])
            more = f" and {len(names) - 8:,} more" if len(names) > 8 else ""
            console.print(f"{SIGNAL_WORDS[signal].capitalize()} with no mapping: {shown}{more}.")
    if other is not None:
        excluded = (
            f"; {stats.other_excluded:,} with errors left out (run `onrecord check "
            f"{escape(str(other))}`)"
            if stats.other_excluded
            else ""
        )
        console.print(
            f"From {escape(str(other))}: {stats.other_read:,} recording(s) read, "
            f"{stats.other_kept:,} kept, {stats.other_replaced:,} replaced by the vault's "
            f"items{excluded}."
        )


SIGNAL_WORDS = {"trigger_off": "trigger-off reasons", "tag": "tags", "category": "categories"}


@app.command("serve")
def serve(
    url: DbOption,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Serve the checkout HTTP API until interrupted (Ctrl-C); its OpenAPI document is at
    /openapi.json (open it in any OpenAPI viewer; there is no interactive docs page, which
    would load its code from a CDN)."""
    import uvicorn

    from onrecord.fleet.api import create_app

    console = make_console()
    with database_errors(console):
        application = create_app(url)
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    console.print(
        f"Checkout API on [bold]{base}/[/]; its OpenAPI document is {base}/openapi.json. "
        "Ctrl-C stops it."
    )
    if not any(
        t.revoked_at is None for t in list_tokens(application.state.checkout_service.engine)
    ):
        console.print(
            "No API token is active yet, so every request will be refused: make one per kiosk "
            "with `onrecord fleet token add NAME --station S --db URL`."
        )
    console.file.flush()  # seen at once even when the output is a pipe or a log file
    uvicorn.run(application, host=host, port=port, log_level="warning")


token_app = typer.Typer(
    help="API tokens of the checkout API (`fleet serve`): one per kiosk, for its stations.",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


def _utc(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else ""


@token_app.command("add")
def token_add(
    name: Annotated[str, typer.Argument(help="The token's name, e.g. the kiosk's: north-desk.")],
    url: DbOption,
    station: Annotated[
        list[str] | None,
        typer.Option("--station", help="A station it acts for (repeat for more)."),
    ] = None,
    all_stations: Annotated[
        bool, typer.Option("--all-stations", help="It acts for every station.")
    ] = False,
) -> None:
    """Make an API token for a kiosk and print its secret, once: only its hash is stored."""
    console = make_console()
    engine = _current(url, console)
    try:
        new = add_token(engine, name, station or [], all_stations)
    except TokenError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    console.print(
        f"Token [bold]{name}[/] for {new.info.scope.describe()}. Give the kiosk this secret, "
        "sent as `Authorization: Bearer <secret>`; it is shown only now (the database keeps "
        "its hash), so a lost secret means a new token:"
    )
    console.print(new.secret, highlight=False, soft_wrap=True)


@token_app.command("list")
def token_list(url: DbOption) -> None:
    """List the API tokens (never their secrets): scope, made, revoked, last used."""
    console = make_console()
    engine = _current(url, console)
    t = Table(title="API tokens")
    for col in ("name", "stations", "made", "revoked", "last used"):
        t.add_column(col)
    for info in list_tokens(engine):
        scope = info.scope
        stations = "all stations" if scope.stations is None else ", ".join(sorted(scope.stations))
        t.add_row(
            escape(info.name),
            escape(stations),
            _utc(info.created_at),
            _utc(info.revoked_at),
            _utc(info.last_used_at),
        )
    console.print(t)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")], url: DbOption
) -> None:
    """Revoke an API token: from its next request on, the API refuses it (401)."""
    console = make_console()
    engine = _current(url, console)
    try:
        info = revoke_token(engine, name)
    except TokenError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    console.print(f"Token [bold]{escape(name)}[/] revoked at {_utc(info.revoked_at)}.")


@token_app.command("uses")
def token_uses(
    url: DbOption,
    name: Annotated[str | None, typer.Argument(help="Only this token's uses.")] = None,
    last: Annotated[int, typer.Option(min=1, help="How many of the latest uses.")] = 50,
) -> None:
    """The latest requests to the checkout API, newest first: token, action, answer, ids, from."""
    console = make_console()
    engine = _current(url, console)
    t = Table(title="API token uses")
    for col in ("at", "token", "action", "status", "station", "officer", "camera", "from"):
        t.add_column(col)
    for u in recent_uses(engine, name, last):
        token = (u.name or "—") + ("" if u.auth == "ok" else f" ({u.auth})")
        t.add_row(
            _utc(u.at),
            escape(token),
            escape(u.action),
            str(u.status),
            *(escape(v or "") for v in (u.station_id, u.officer_id, u.camera_id, u.address)),
        )
    console.print(t)


AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happens, ISO 8601 (no offset = the department's local time); default now.",
    ),
]


def _open(url: str, console: Console) -> CheckoutService:
    with database_errors(console):
        return CheckoutService.open(url)


def _when(text: str | None, console: Console) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        console.print(
            f"[red]--at {escape(repr(text))} is not an ISO 8601 time such as 2020-06-01T07:15[/]"
        )
        raise typer.Exit(2) from None


def _refused(console: Console, r: Refused) -> typer.Exit:
    console.print(f"[bold red]Refused[/] ({r.reason.value}): {escape(r.message)}")
    return typer.Exit(1)


@app.command("checkout")
def checkout(
    url: DbOption,
    officer: Annotated[str, typer.Option("--officer", help="Officer id (badge number).")],
    station: Annotated[str, typer.Option("--station", help="Station where the kiosk is.")],
    at: AtOption = None,
) -> None:
    """Check a camera out to an officer for their scheduled shift."""
    console = make_console()
    service = _open(url, console)
    try:
        got = service.checkout(officer.strip(), station.strip(), _when(at, console))
    except Refused as r:
        raise _refused(console, r) from None
    tz = service.timezone
    whose = "personal camera" if got.personal else "pool camera"
    console.print(
        f"[bold green]Camera {got.camera_id}[/] ({whose}, {got.charge:.0%} charged) to officer "
        f"{got.officer_id} at {got.station_id}, {local(got.at, tz)}."
    )
    if got.shift_id and got.shift_start and got.shift_end:
        console.print(
            f"Shift {got.shift_id}: {local(got.shift_start, tz)} to {local(got.shift_end, tz)}."
        )
    if got.note:
        console.print(f"[yellow]{escape(got.note)}[/]")


@app.command("checkin")
def checkin(
    url: DbOption,
    camera: Annotated[str, typer.Option("--camera", help="Camera id (serial number).")],
    station: Annotated[str, typer.Option("--station", help="Station whose dock it goes in.")],
    at: AtOption = None,
    battery_pct: Annotated[
        float | None,
        typer.Option("--battery-pct", min=0, max=100, help="Charge the dock reports, 0–100."),
    ] = None,
) -> None:
    """Dock a camera; its charge restarts from what the shift used (or what the dock reports)."""
    console = make_console()
    service = _open(url, console)
    try:
        got = service.checkin(camera.strip(), station.strip(), _when(at, console), battery_pct)
    except Refused as r:
        raise _refused(console, r) from None
    source = "reported by the dock" if got.reported else "estimated"
    who = f" from officer {got.officer_id}" if got.officer_id else ""
    console.print(
        f"[bold green]Camera {got.camera_id}[/] docked at {got.station_id}{who}, "
        f"{local(got.at, service.timezone)}; charge {got.charge:.0%} ({source})."
    )


class CorrectedEvent(StrEnum):
    checkout = "checkout"
    checkin = "checkin"


@app.command("correct")
def correct(
    url: DbOption,
    camera: Annotated[str, typer.Option("--camera", help="Camera id (serial number).")],
    event: Annotated[CorrectedEvent, typer.Option("--event", help="What was missed.")],
    at: Annotated[
        str,
        typer.Option(
            "--at", help="When it really happened, ISO 8601 (no offset = the department's time)."
        ),
    ],
    station: Annotated[str, typer.Option("--station", help="Station where it happened.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is entered afterwards.")],
    by: Annotated[str, typer.Option("--by", help="Who enters it (your name).")],
    officer: Annotated[
        str | None,
        typer.Option(
            "--officer", help="Officer who took the camera (checkout; checkin: default its holder)."
        ),
    ] = None,
    battery_pct: Annotated[
        float | None,
        typer.Option("--battery-pct", min=0, max=100, help="Charge read then, 0–100, if known."),
    ] = None,
) -> None:
    """Enter a checkout or check-in missed at the time, even before the camera's last event
    (for admins with database access; who and why are recorded). The camera's state is then
    re-derived from all its events."""
    console = make_console()
    service = _open(url, console)
    when = _when(at, console)
    if when is None:  # --at is required; _when gives None only without it
        raise typer.Exit(2)
    try:
        got = service.correct(
            camera.strip(), event.value, when, station_id=station.strip(), by=by, reason=reason,
            officer_id=officer.strip() if officer else None, battery_pct=battery_pct,
        )  # fmt: skip
    except ValueError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    except Refused as r:
        raise _refused(console, r) from None
    tz = service.timezone
    who = f" (officer {got.officer_id})" if got.officer_id else ""
    source = "estimated" if got.estimated else "read"
    console.print(
        f"[bold green]Entered[/] {got.event} of camera {got.camera_id} at {got.station_id}, "
        f"{local(got.at, tz)}{who}, charge {got.battery_pct:g}% ({source}), as a correction by "
        f"{by.strip()}: {reason.strip()}"
    )
    st = got.state
    where = (
        f"docked at {st.station_id}"
        if st.docked
        else f"out with officer {st.officer_id or '(unknown)'} from {st.station_id}"
    )
    since = f" since {local(st.since, tz)}" if st.since else ""
    console.print(
        f"Camera {got.camera_id} is now {where}{since}, charge {st.charge:.0%} then "
        f"(re-derived from its {got.events} events)."
    )
