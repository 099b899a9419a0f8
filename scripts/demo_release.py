"""Release one redacted demo clip, as a records officer would answer a public records request
for it: log the request, take the clip that matches it, redact it with OnRecord's redaction
engine and approve the release (a new vault item, its custody entries and a download link).

    .venv/bin/python scripts/demo_release.py --db build/demo.db [--keys DIR] [--actor custodian]

Run it after ``scripts/demo_vault.py`` on the same database (``make demo`` does): the request
asks for the first clip the cameras delivered (the vault's first item), by its officer and its
times, so exactly that clip matches. It is logged under the built-in deadline rule
``massachusetts-66-10`` as received today (or, when the rule's holidays no longer cover today,
on the first of December of the last year they cover). The redaction job runs in this process,
on a thread (``release.queue.InProcessQueue``): one three-second clip takes a second or two, so
starting Redis and worker processes would cost more than the job. A second run on the same
database finds the demo request released and changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from onrecord.database.connection import DatabaseError
from onrecord.database.vault import VaultItem
from onrecord.release import jobs
from onrecord.release.deadline import DEFAULT_RULE, DeadlineRule, due_date, load_rule
from onrecord.release.errors import ReleaseError
from onrecord.release.matching import Filters
from onrecord.release.queue import InProcessQueue
from onrecord.release.redactor import DEFAULT_REDACTOR, RedactionChoices, resolve
from onrecord.release.service import NewRequest, Releases
from onrecord.release.status import Status
from onrecord.vault.errors import VaultError
from onrecord.vault.items import Source
from onrecord.vault.service import Vault
from onrecord.vault.store import StoreError

REQUESTER = "Demo City Gazette (demo)"
"""Who asks, in the demo: a second run recognises its request by this name."""


@dataclass(frozen=True)
class DemoRelease:
    """What the demo released: the request, the clip asked for and the released item."""

    request_id: str
    source_item: str
    release_item: str
    already: bool = False


def received_on(rule: DeadlineRule, now: datetime) -> date:
    """Today in the rule's zone, if the rule can give its deadline; else the first of December
    of the last year its holidays cover (a demo must not stop when the calendar runs out)."""
    today = now.astimezone(rule.zone).date()
    try:
        due_date(today, rule)
    except ReleaseError:
        return date(max(rule.holiday_years), 12, 1)
    return today


def release_demo(vault: Vault, *, actor: str = "custodian") -> DemoRelease:
    """Request, take, redact and release the vault's first delivered clip (see the module);
    ``ReleaseError`` when there is nothing to release or the redaction fails."""
    releases = Releases(vault)
    for r in releases.requests(Status.RELEASED):
        if r.requester == REQUESTER:
            jobs_done = releases.jobs(r.id)
            return DemoRelease(r.id, jobs_done[0].item_id, jobs_done[0].release_item_id or "", True)
    with vault.readers() as s:
        item = s.scalars(
            select(VaultItem).where(VaultItem.source != Source.RELEASE.value).order_by(VaultItem.id)
        ).first()
        if item is None:
            raise ReleaseError("the vault holds no clip; run scripts/demo_vault.py first")
        item_id, officer, start, end = item.id, item.officer_id, item.start, item.end
    rule = load_rule(DEFAULT_RULE)
    made = releases.log_request(
        NewRequest(
            requester=REQUESTER,
            received_on=received_on(rule, releases.now()),
            description=f"Body-worn camera footage of officer {officer} from {start:%Y-%m-%d %H:%M}"
            " UTC, with bystanders' faces blurred.",
            contact="records@gazette.demo-city.example",
            filters=Filters((officer,), start, end),
        ),
        rule,
        actor=actor,
    )
    releases.propose(made.id)
    releases.take(made.id, [item_id], actor=actor)
    planned = releases.plan_redaction(made.id, RedactionChoices(), actor=actor)
    queue = InProcessQueue(jobs.Setup(releases, resolve(DEFAULT_REDACTOR), "demo-release"), 1)
    try:
        releases.set_queue_ids(queue.submit(planned))
    finally:
        queue.close()
    failed = [j for j in releases.jobs(made.id) if j.status != "done"]
    if failed:
        raise ReleaseError(
            f"request {made.id}: the redaction of {failed[0].item_id} ended {failed[0].status}"
            f" ({failed[0].error}); see `onrecord request show {made.id}`"
        )
    released = releases.approve(made.id, actor=actor)
    return DemoRelease(made.id, item_id, released.items[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the operational database, with its vault")
    parser.add_argument("--keys", type=Path, help="the vault's keys folder (default: init's)")
    parser.add_argument("--actor", default="custodian", help="who logs and approves it")
    args = parser.parse_args(argv)
    try:
        done = release_demo(Vault.open(args.db, keys=args.keys), actor=args.actor)
    except (ReleaseError, VaultError, StoreError, DatabaseError) as e:
        print(f"✗ {e}", file=sys.stderr)
        return 2
    print(
        f"Records request {done.request_id} "
        + ("was already released" if done.already else "logged, redacted and released")
        + f": {done.source_item} (faces blurred) as {done.release_item}. In the console, sign in"
        f" as custodian and open Requests → {done.request_id} (/requests/{done.request_id});"
        f" or `onrecord request show {done.request_id} --db {args.db}`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
