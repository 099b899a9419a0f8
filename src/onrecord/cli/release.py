"""``onrecord release``: the redaction jobs under way (``status``, with a progress bar per job)
and the public figures of records requests by month (``figures``); and ``onrecord worker``, a
worker of the redaction queue. What the commands share with ``onrecord request``: opening the
releases, errors as plain messages with exit status 2, and watching jobs run.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn
from rich.table import Table

from onrecord.cli.running import DbOption, make_console
from onrecord.database import connection as db
from onrecord.release import queue as jobqueue
from onrecord.release.errors import ReleaseError
from onrecord.release.redactor import DEFAULT_REDACTOR
from onrecord.release.service import JobView, Releases
from onrecord.vault.errors import VaultError
from onrecord.vault.store import StoreError

app = typer.Typer(help="Redaction jobs and the public figures of records requests.")

KeysOption = Annotated[
    Path | None,
    typer.Option("--keys", help="The vault's keys folder on this machine (default: from init)."),
]
RedisOption = Annotated[
    str | None,
    typer.Option(
        "--redis",
        envvar="ONRECORD_REDIS",
        help="The job queue's Redis, e.g. redis://queue.example:6379/0. Without it, jobs run "
        "on local workers started for the command.",
    ),
]
RedactorOption = Annotated[
    str | None,
    typer.Option(
        "--redactor",
        envvar="ONRECORD_REDACTOR",
        help="The redactor workers run, as module:function (default: OnRecord's redaction "
        f"engine, {DEFAULT_REDACTOR}).",
    ),
]
ENDED = ("done", "failed", "cancelled")


@contextmanager
def bad_input(console: Console) -> Iterator[None]:
    """A request that cannot be done as given: its message, exit status 2."""
    try:
        yield
    except (ReleaseError, VaultError, StoreError, db.DatabaseError) as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None


def open_releases(url: str, console: Console, keys: Path | None = None) -> Releases:
    with bad_input(console):
        return Releases.open(url, keys=keys)


def actor_of(actor: str | None) -> str:
    return actor or getpass.getuser()


def redactor_of(name: str | None) -> str:
    """The redactor named on the command line, else OnRecord's redaction engine."""
    return name or DEFAULT_REDACTOR


def watch(
    releases: Releases,
    queue: jobqueue.JobQueue | None,
    jobs: Sequence[JobView],
    console: Console,
    *,
    until_done: bool = True,
) -> list[JobView]:
    """A progress bar per job, from the database (status) and the queue (frames done), until
    every job has ended (or once, when not ``until_done``); returns the jobs as they ended."""
    ids = {j.id for j in jobs}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[state]}"), console=console, transient=False,
    ) as bar:  # fmt: skip
        tasks: dict[int, TaskID] = {}
        while True:
            current = [j for j in releases.jobs(jobs[0].request_id) if j.id in ids]
            for j in current:
                if j.id not in tasks:
                    label = f"{j.item_id} {escape(j.source_name)}"
                    tasks[j.id] = bar.add_task(label, total=None, state="")
                state = queue.state(j.queue_job_id) if queue and j.queue_job_id else None
                total = state.total if state and state.total else None
                done = state.done if state and state.done is not None else 0
                words = j.status if j.status != "running" or not state else state.phase or j.status
                if j.status in ENDED:
                    total = done = total or 1
                if j.error:
                    words = f"{j.status}: {j.error}"
                bar.update(tasks[j.id], total=total, completed=done, state=escape(words or ""))
            if not until_done or all(j.status in ENDED for j in current):
                return current
            time.sleep(0.5)


@app.command("status")
def status(
    url: DbOption,
    request: Annotated[str | None, typer.Argument(help="A request's id (default: all).")] = None,
    redis: RedisOption = None,
    watch_: Annotated[
        bool, typer.Option("--watch", help="Keep showing progress until the jobs end.")
    ] = False,
) -> None:
    """The redaction jobs under way (of REQUEST): a progress bar each, with frames done when
    --redis reaches the queue the workers use."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        queue = jobqueue.RedisQueue(jobqueue.connect(redis)) if redis else None
        jobs = releases.jobs(request, active_only=request is None)
    if not jobs:
        console.print(
            "No redaction jobs" + (f" for {escape(request)}." if request else " under way.")
        )
        return
    newest: dict[str, int] = {}
    for j in jobs:
        newest.setdefault(j.request_id, j.run)
    current = [j for j in jobs if j.run == newest[j.request_id]]
    with bad_input(console):
        for request_id in dict.fromkeys(j.request_id for j in current):
            console.print(f"[bold]{request_id}[/]")
            mine = [j for j in current if j.request_id == request_id]
            watch(releases, queue, mine, console, until_done=watch_)


@app.command("figures")
def figures(url: DbOption) -> None:
    """The public dashboard's figures of records requests by month, as JSON: received,
    released, denied (by exemption) and the median days to release, small counts withheld."""
    console = make_console()
    releases = open_releases(url, console)
    with bad_input(console):
        made = releases.monthly_figures(through=releases.now().date())
    console.print_json(made.model_dump_json())


def worker(
    redis: Annotated[
        str,
        typer.Option("--redis", envvar="ONRECORD_REDIS", help="The job queue's Redis URL."),
    ],
    url: DbOption,
    redactor: RedactorOption = None,
    keys: KeysOption = None,
    burst: Annotated[bool, typer.Option("--burst", help="Stop when the queue is empty.")] = False,
    heartbeat: Annotated[
        int,
        typer.Option(
            "--heartbeat",
            help="Seconds between a busy worker's signs of life; one silent for three and five "
            "seconds more is taken for lost and its job retried.",
        ),
    ] = jobqueue.HEARTBEAT,
    scratch: Annotated[
        Path | None,
        typer.Option("--scratch", help="Folder for the clips being redacted (default: /tmp)."),
    ] = None,
) -> None:
    """Run redaction jobs from the queue until stopped (Ctrl-C: after the job under way; twice:
    at once, the job left to be retried). Start as many as the machines allow."""
    console = make_console()
    with bad_input(console):
        name = redactor_of(redactor)
        console.print(f"Worker on {escape(redis)}, redactor {escape(name)}; Ctrl-C to stop.")
        jobqueue.run_worker(
            redis, url, name, keys=keys, burst=burst, heartbeat=heartbeat, scratch=scratch
        )


def job_table(jobs: Sequence[JobView]) -> Table:
    table = Table("job", "run", "item", "clip", "status", "attempts", "worker", "output")
    for j in jobs:
        table.add_row(
            str(j.id), str(j.run), j.item_id, escape(j.source_name),
            escape(j.status + (f": {j.error}" if j.error else "")), str(j.attempts),
            escape(j.worker or ""), (j.output_sha256 or "")[:12],
        )  # fmt: skip
    return table
