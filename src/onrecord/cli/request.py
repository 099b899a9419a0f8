"""``onrecord request``: records requests for footage — log one (new), list and show them, find
the vault items that answer one (match), redact them on the job queue (redact), and approve the
release or deny it (approve, deny); another download link for a released one (link).

Exit status: 0 when done; 2 when the request cannot be done as given (the message says why):
a request in a status that does not allow it, an unknown item or exemption, a bad date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from onrecord.cli.release import (
    KeysOption,
    RedactorOption,
    RedisOption,
    actor_of,
    bad_input,
    job_table,
    open_releases,
    redactor_of,
    watch,
)
from onrecord.cli.running import ActorOption, DbOption, make_console
from onrecord.release import queue as jobqueue
from onrecord.release.deadline import DEFAULT_RULE, business_days_left, load_rule
from onrecord.release.errors import ReleaseError
from onrecord.release.matching import Filters
from onrecord.release.redactor import RedactionChoices, Style
from onrecord.release.service import LINK_DAYS, NewRequest, RequestView
from onrecord.release.status import Status

app = typer.Typer(
    help="Records requests for footage: log, match, redact, approve or deny.",
    no_args_is_help=True,
)

IdArg = Annotated[str, typer.Argument(help="The request's id, e.g. R-2026-0001.")]
RuleOption = Annotated[
    str,
    typer.Option("--rule", help="The deadline rule: a built-in name or a YAML file."),
]


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ReleaseError(
            f"{option} {text!r} is not a date and time like 2026-11-30T14:00-05:00"
        ) from None
    if at.tzinfo is None:
        raise ReleaseError(
            f"{option} {text!r} has no time zone; add Z (UTC) or an offset such as -05:00"
        )
    return at


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReleaseError(f"{option} {text!r} is not a date like 2026-12-01") from None


def _deadline(r: RequestView, now: datetime) -> str:
    """The due date, with the business days left (or past) in the rule's calendar."""
    if r.status in (Status.RELEASED, Status.DENIED):
        return str(r.due_on)
    try:
        rule = load_rule(r.rule_name)
        left = business_days_left(now.astimezone(rule.zone).date(), r.due_on, rule)
    except ReleaseError:  # a department's own rule file, not found by name: the date alone
        return str(r.due_on)
    if left < 0:
        return f"{r.due_on} ([red]{-left} business day(s) late[/])"
    return f"{r.due_on} ({left} business day(s) left)"


@app.command("new")
def new(
    url: DbOption,
    requester: Annotated[str, typer.Option("--requester", help="Who asks (a person or body).")],
    received: Annotated[str, typer.Option("--received", help="The day it arrived, YYYY-MM-DD.")],
    description: Annotated[
        str, typer.Option("--description", help="What is asked, in the requester's words.")
    ],
    contact: Annotated[
        str | None, typer.Option("--contact", help="How to reach the requester.")
    ] = None,
    officer: Annotated[
        list[str] | None, typer.Option("--officer", help="An officer asked about (repeat).")
    ] = None,
    time_from: Annotated[
        str | None, typer.Option("--from", help="Start of the time asked about, with a zone.")
    ] = None,
    time_to: Annotated[
        str | None, typer.Option("--to", help="End of the time asked about, with a zone.")
    ] = None,
    station: Annotated[
        str | None, typer.Option("--station", help="The station or district asked about.")
    ] = None,
    rule: RuleOption = DEFAULT_RULE,
    actor: ActorOption = None,
) -> None:
    """Log a request; its deadline comes from the rule (business days after receipt)."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        deadline_rule = load_rule(rule)
        filters = Filters(
            tuple(officer or ()), _instant(time_from, "--from"), _instant(time_to, "--to"), station
        )
        made = releases.log_request(
            NewRequest(requester, _day(received, "--received"), description, contact, filters),
            deadline_rule,
            actor=actor_of(actor),
        )
    console.print(
        f"Request [bold]{made.id}[/] logged; the response is due by [bold]{made.due_on}[/] "
        f"({deadline_rule.response.business_days} business days, "
        f"{escape(deadline_rule.response.citation)})."
    )


@app.command("list")
def list_requests(
    url: DbOption,
    status: Annotated[
        Status | None, typer.Option("--status", help="Only requests with this status.")
    ] = None,
) -> None:
    """The requests, oldest first, with their deadlines."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        rows = releases.requests(status)
    now = releases.now()
    table = Table("request", "received", "due", "status", "requester", "asked")
    for r in rows:
        asked = r.description if len(r.description) <= 60 else r.description[:59] + "…"
        table.add_row(r.id, str(r.received_on), _deadline(r, now), r.status.value,
                      escape(r.requester), escape(asked))  # fmt: skip
    console.print(table)


@app.command("show")
def show(url: DbOption, request: IdArg) -> None:
    """One request: what was asked, its deadline and status, the items proposed and taken,
    the redaction jobs, its history and its links."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        d = releases.request(request)
    r = d.request
    f = r.filters
    contact = f" ({escape(r.contact)})" if r.contact else ""
    console.print(f"[bold]{r.id}[/] from {escape(r.requester)}{contact}, received {r.received_on}")
    console.print(f"Asked: {escape(r.description)}")
    asked = [
        f"officers {', '.join(f.officer_ids)}" if f.officer_ids else "",
        f"from {f.time_from.isoformat()}" if f.time_from else "",
        f"to {f.time_to.isoformat()}" if f.time_to else "",
        f"station {f.station_id}" if f.station_id else "",
    ]
    console.print(f"Filters: {escape('; '.join(a for a in asked if a))}")
    console.print(f"Due: {_deadline(r, releases.now())} under {escape(r.rule_name)}")
    outcome = ""
    if r.status is Status.DENIED:
        outcome = f": {escape(r.exemption or '')} ({escape(r.exemption_citation or '')})"
        outcome += f" — {escape(r.decision_note)}" if r.decision_note else ""
    if r.status is Status.RELEASED:
        outcome = f" on {r.released_on}"
    console.print(f"Status: [bold]{r.status.value}[/]{outcome}")
    if d.candidates:
        table = Table("item", "officer", "camera", "start", "end", "taken", "why", title="Items")
        for c in d.candidates:
            table.add_row(c.item_id, escape(c.officer_id), escape(c.camera_id),
                          c.start.isoformat(), c.end.isoformat(), "yes" if c.taken else "",
                          escape(c.reasons))  # fmt: skip
        console.print(table)
    if d.jobs:
        console.print(job_table(d.jobs))
    history = Table("at", "from", "to", "by", "note", title="History")
    for h in d.history:
        history.add_row(h.at.isoformat(timespec="seconds"), h.from_status or "", h.to_status,
                        escape(h.actor), escape(h.note or ""))  # fmt: skip
    console.print(history)
    for link_id, expires, revoked in d.links:
        state = f"revoked {revoked.isoformat()}" if revoked else f"expires {expires.isoformat()}"
        console.print(f"Link {link_id}: {state}")


@app.command("match")
def match(
    url: DbOption,
    request: IdArg,
    take: Annotated[
        list[str] | None,
        typer.Option("--take", help="Take this proposed item as answering the request (repeat)."),
    ] = None,
    take_all: Annotated[bool, typer.Option("--take-all", help="Take every proposed item.")] = False,
    actor: ActorOption = None,
) -> None:
    """Propose the vault items that match the request (officer, time overlap, station where
    known); with --take or --take-all, take them as the footage that answers it."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        if take and take_all:
            raise ReleaseError("give --take ITEM… or --take-all, not both")
        proposals = releases.propose(request)
        if take or take_all:
            releases.take(request, None if take_all else take, actor=actor_of(actor))
        detail = releases.request(request)
    table = Table("item", "officer", "start", "end", "station", "taken", "why")
    found = {p.item_id for p in proposals}
    for c in detail.candidates:
        if c.item_id in found:
            table.add_row(c.item_id, escape(c.officer_id), c.start.isoformat(),
                          c.end.isoformat(), escape(c.station_id or "unknown"),
                          "yes" if c.taken else "", escape(c.reasons))  # fmt: skip
    console.print(table)
    console.print(
        f"{len(proposals)} item(s) proposed; request {request} is {detail.request.status.value}."
    )


@app.command("redact")
def redact(
    url: DbOption,
    request: IdArg,
    faces: Annotated[bool, typer.Option("--faces/--no-faces", help="Cover faces.")] = True,
    plates: Annotated[bool, typer.Option("--plates", help="Cover licence plates.")] = False,
    style: Annotated[Style, typer.Option("--style", help="How covered regions look.")] = Style.BLUR,
    mute: Annotated[
        list[str] | None,
        typer.Option("--mute", help="Silence a range of every clip, START-END (repeat)."),
    ] = None,
    boxes: Annotated[
        Path | None, typer.Option("--boxes", help="A reviewer's boxes file (regions to cover).")
    ] = None,
    redis: RedisOption = None,
    redactor: RedactorOption = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Local workers, when no --redis is given.")
    ] = 1,
    wait: Annotated[
        bool,
        typer.Option("--wait/--no-wait", help="With --redis: show progress until the jobs end."),
    ] = False,
    keys: KeysOption = None,
    actor: ActorOption = None,
) -> None:
    """Redact the request's taken items, one job per clip: on the queue at --redis for its
    workers, or (without --redis) on local workers started for this command, which waits."""
    console = make_console()
    releases = open_releases(url, console, keys)
    with bad_input(console):
        try:
            choices = RedactionChoices(
                faces=faces, plates=plates, style=style,
                mutes=tuple(mute or ()), boxes=boxes.read_text(encoding="utf-8") if boxes else None,
            )  # fmt: skip
        except ValidationError as e:
            raise ReleaseError("; ".join(f"--{'.'.join(map(str, err['loc']))}: {err['msg']}"
                                         for err in e.errors())) from None  # fmt: skip
        except (OSError, UnicodeDecodeError) as e:
            raise ReleaseError(f"--boxes {boxes}: cannot be read: {e}") from None
        name = None if redis else redactor_of(redactor)
        queue = jobqueue.RedisQueue(jobqueue.connect(redis)) if redis else None
        planned = releases.plan_redaction(request, choices, actor=actor_of(actor))
        console.print(f"{len(planned)} clip(s) of {request} to redact (run {planned[0].run}).")
        if queue is not None:
            releases.set_queue_ids(queue.submit(planned))
            if not wait:
                console.print(
                    f"Queued; follow them with `onrecord release status {request} --watch`."
                )
                return
            ended = watch(releases, queue, planned, console)
        else:
            with jobqueue.local_jobs(url, name or "", workers=workers, keys=keys) as local:
                releases.set_queue_ids(local.submit(planned))
                ended = watch(releases, local, planned, console)
    failed = [j for j in ended if j.status != "done"]
    state = releases.request(request).request.status.value
    if failed:
        console.print(
            f"[red]✗[/] {len(failed)} clip(s) not redacted; request {request} is {state}."
        )
        raise typer.Exit(1)
    console.print(
        f"All clips redacted; request {request} is {state}: review, then approve or deny."
    )


@app.command("approve")
def approve(
    url: DbOption,
    request: IdArg,
    link_days: Annotated[
        int, typer.Option("--link-days", help="How long the requester's link works.")
    ] = LINK_DAYS,
    keys: KeysOption = None,
    actor: ActorOption = None,
) -> None:
    """Release a request in review: the redacted items into the vault, their custody entries,
    and a download link for the requester (shown once)."""
    console = make_console()
    releases = open_releases(url, console, keys)
    with bad_input(console):
        made = releases.approve(request, actor=actor_of(actor), link_days=link_days)
    console.print(f"Request [bold]{made.request_id}[/] released as {', '.join(made.items)}.")
    console.print(
        f"Download link {made.link.id} for the requester, valid until "
        f"{made.link.expires_at.astimezone(UTC).isoformat(timespec='minutes')} (shown once):"
    )
    console.print(made.link.token, highlight=False, markup=False)


@app.command("deny")
def deny(
    url: DbOption,
    request: IdArg,
    exemption: Annotated[
        str, typer.Option("--exemption", help="The exemption cited, by its code in the rule.")
    ],
    note: Annotated[
        str | None, typer.Option("--note", help="Why it applies, for the record.")
    ] = None,
    rule: RuleOption = DEFAULT_RULE,
    actor: ActorOption = None,
) -> None:
    """Deny a request, citing an exemption of the rule it was logged under."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        denied = releases.deny(
            request, load_rule(rule), exemption, actor=actor_of(actor), note=note
        )
    console.print(
        f"Request [bold]{denied.id}[/] denied under {escape(denied.exemption_citation or '')}."
    )


@app.command("link")
def link(
    url: DbOption,
    request: IdArg,
    days: Annotated[int, typer.Option("--days", help="How long the link works.")] = LINK_DAYS,
    actor: ActorOption = None,
) -> None:
    """Another download link for a released request (shown once)."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        made = releases.new_link(request, actor=actor_of(actor), days=days)
    console.print(
        f"Download link {made.id}, valid until {made.expires_at.isoformat(timespec='minutes')}:"
    )
    console.print(made.token, highlight=False, markup=False)
