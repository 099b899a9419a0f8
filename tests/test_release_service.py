"""Records requests over a real vault (folder store, SQLite and PostgreSQL): matching, the
status machine through the service, a release as a new vault item with its custody entries and
link, link expiry and use logged, denial, and the job runner's safety (claims, cancellation,
a run interrupted while storing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from alembic import command
from sqlalchemy import select, text, update

from onrecord.database import connection as db
from onrecord.database.fleet import Camera, DeviceEvent, Shift
from onrecord.database.release import ReleaseJob
from onrecord.database.vault import VaultItem
from onrecord.release import jobs
from onrecord.release import queue as queue_module
from onrecord.release.deadline import load_rule
from onrecord.release.errors import IllegalTransition, ReleaseError
from onrecord.release.matching import Filters
from onrecord.release.queue import InProcessQueue
from onrecord.release.redactor import RedactionChoices
from onrecord.release.service import LinkRefused, NewRequest, Releases
from onrecord.release.status import Status
from onrecord.vault.service import Vault
from release_support import copy_frames, entries, ingest_clip, make_vault, unusable
from vault_service_support import Clock

RULE = load_rule("massachusetts-66-10")
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


@pytest.fixture
def world(fleet_url: str, tmp_path: Path) -> Iterator[tuple[Releases, Clock, dict[str, str]]]:
    """A vault with four recordings: officer 1234 at T0 and T0+1h (camera CAM-1), officer 5678
    at T0 (CAM-2) and officer 1234 a day later (CAM-1)."""
    clock = Clock(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    vault = make_vault(fleet_url, tmp_path, clock)
    clips = tmp_path / "clips"
    items = {
        "a": ingest_clip(vault, clips, officer="1234", start=T0, seed=1),
        "b": ingest_clip(vault, clips, officer="1234", start=T0 + timedelta(hours=1), seed=2),
        "c": ingest_clip(vault, clips, officer="5678", start=T0, camera="CAM-2", seed=3),
        "d": ingest_clip(vault, clips, officer="1234", start=T0 + timedelta(days=1), seed=4),
    }
    yield Releases(vault), clock, items
    vault.engine.dispose()


def logged(releases: Releases, **filters: object) -> str:
    f = Filters(**filters)  # type: ignore[arg-type]
    new = NewRequest("Jane Roe, The Daily", date(2026, 11, 30), "footage of the stop", None, f)
    return releases.log_request(new, RULE, actor="clerk").id


def run_all(releases: Releases, request_id: str, redactor: object = copy_frames) -> list[str]:
    """Plan a redaction run and run its jobs in this process; returns their outcomes."""
    planned = releases.plan_redaction(request_id, RedactionChoices(), actor="clerk")
    setup = jobs.Setup(releases, redactor, "test-worker")  # type: ignore[arg-type]
    return [jobs.run(j.id, setup) for j in planned]


def test_a_request_is_logged_with_its_deadline(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, _ = world
    rid = logged(releases, officer_ids=("1234",))
    assert rid == "R-2026-0001"
    [r] = releases.requests()
    # Received Monday 30 November 2026: ten business days later is Monday 14 December.
    assert (r.status, r.due_on, r.rule_name) == (Status.RECEIVED, date(2026, 12, 14), RULE.name)
    assert logged(releases, officer_ids=("5678",)) == "R-2026-0002"
    with pytest.raises(ReleaseError, match=r"officers .* or the time range"):
        logged(releases)
    with pytest.raises(ReleaseError, match="after today"):
        releases.log_request(
            NewRequest("x", date(2026, 12, 25), "y", None, Filters(("1",))), RULE, actor="c"
        )


def test_matching_by_officer_time_and_station(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, items = world
    # 14:03 to 15:01 overlaps the recordings at 14:00-14:05 and 15:00-15:05, not the next day's.
    rid = logged(releases, officer_ids=("1234",), time_from=T0 + timedelta(minutes=3),
                 time_to=T0 + timedelta(hours=1, minutes=1))  # fmt: skip
    assert [p.item_id for p in releases.propose(rid)] == [items["a"], items["b"]]
    # Ending exactly when a recording starts is no overlap.
    rid2 = logged(releases, time_from=T0 - timedelta(hours=1), time_to=T0)
    assert releases.propose(rid2) == []
    # Station: CAM-1 was checked out at B2 before T0; CAM-2 has no checkout, but officer 5678's
    # shift was at D4; the next day's CAM-1 recording has neither (checkout over a day before).
    with releases.vault.sessions.begin() as s:
        s.add(Camera(camera_id="CAM-1", battery_hours=12, recharge_hours=4, status="in_service"))
        s.flush()
        s.add(DeviceEvent(camera_id="CAM-1", at=T0 - timedelta(hours=2), event="checkout",
                          officer_id="1234", station_id="B2"))  # fmt: skip
        s.add(Shift(shift_id="S1", officer_id="5678", start=T0 - timedelta(hours=1),
                    end=T0 + timedelta(hours=7), kind="regular", station_id="D4"))  # fmt: skip
    rid3 = logged(releases, time_from=T0 - timedelta(hours=1), time_to=T0 + timedelta(days=2),
                  station_id="B2")  # fmt: skip
    found = {p.item_id: p for p in releases.propose(rid3)}
    assert set(found) == {items["a"], items["b"], items["d"]}  # c was at D4
    assert found[items["a"]].station_id == "B2" and "camera checkout" in found[items["a"]].reasons
    assert found[items["d"]].station_id is None and "station unknown" in found[items["d"]].reasons
    rid4 = logged(releases, time_from=T0 - timedelta(hours=1), time_to=T0 + timedelta(hours=2),
                  station_id="D4")  # fmt: skip
    [p] = releases.propose(rid4)
    assert (p.item_id, p.station_id) == (items["c"], "D4") and "officer's shift" in p.reasons


def test_taking_items_and_the_status_machine(world: tuple[Releases, Clock, dict[str, str]]) -> None:
    releases, _, items = world
    rid = logged(releases, officer_ids=("1234",))
    with pytest.raises(ReleaseError, match="not among the items proposed"):
        releases.take(rid, [items["a"]], actor="clerk")
    releases.propose(rid)
    with pytest.raises(ReleaseError, match=f"{items['c']} is not among"):
        releases.take(rid, [items["c"]], actor="clerk")
    with pytest.raises(IllegalTransition, match="received and cannot become redacting"):
        releases.plan_redaction(rid, RedactionChoices(), actor="clerk")
    with pytest.raises(IllegalTransition, match="received and cannot become released"):
        releases.approve(rid, actor="clerk")
    assert releases.take(rid, [items["a"]], actor="clerk").status is Status.FOUND
    with pytest.raises(IllegalTransition, match=r"found and cannot become released.*redacting"):
        releases.approve(rid, actor="clerk")
    assert run_all(releases, rid) == ["done"]
    assert releases.request(rid).request.status is Status.REVIEW
    denied = releases.deny(rid, RULE, "26(f)", actor="counsel", note="open investigation")
    assert (denied.status, denied.exemption, denied.denied_on) == (
        Status.DENIED, "26(f)", date(2026, 12, 1)
    )  # fmt: skip
    with pytest.raises(IllegalTransition, match="is denied: an ended request does not change"):
        releases.take(rid, None, actor="clerk")
    with pytest.raises(IllegalTransition, match="an ended request"):
        releases.deny(rid, RULE, "26(c)", actor="counsel")
    history = [(h.from_status, h.to_status) for h in releases.request(rid).history]
    assert history == [
        (None, Status.RECEIVED), (Status.RECEIVED, Status.FOUND),
        (Status.FOUND, Status.REDACTING), (Status.REDACTING, Status.REVIEW),
        (Status.REVIEW, Status.DENIED),
    ]  # fmt: skip


def test_a_denial_cites_an_exemption_of_the_requests_rule(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, _ = world
    rid = logged(releases, officer_ids=("1234",))
    with pytest.raises(ReleaseError, match=r"'26\(z\)' is not an exemption .* cite one of 26\(a\)"):
        releases.deny(rid, RULE, "26(z)", actor="counsel")
    other = RULE.model_copy(update={"name": "elsewhere"})
    with pytest.raises(ReleaseError, match="logged under the rule massachusetts-66-10"):
        releases.deny(rid, other, "26(a)", actor="counsel")
    assert releases.deny(rid, RULE, "no-records", actor="counsel").status is Status.DENIED


def test_a_release_is_a_vault_item_with_entries_and_a_link(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, clock, items = world
    vault = releases.vault
    rid = logged(releases, officer_ids=("1234",), time_from=T0, time_to=T0 + timedelta(hours=2))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    assert run_all(releases, rid) == ["done", "done"]
    assert vault.verify() == []  # the outputs awaiting review are known, not stray
    made = releases.approve(rid, actor="rao", address="10.0.0.5", link_days=30)
    assert releases.request(rid).request.status is Status.RELEASED
    assert len(made.items) == 2 and len(made.link.token) >= 40
    with vault.readers() as s:
        rows = {i.id: i for i in s.scalars(select(VaultItem).where(VaultItem.id.in_(made.items)))}
    for source_id, release_id in zip((items["a"], items["b"]), made.items, strict=True):
        item = rows[release_id]
        assert item.source == "release" and item.officer_id == "1234"
        assert item.source_metadata == {"request": rid, "source_item": source_id, "run": "1"}
        got = [e["action"] for e in entries(vault, release_id)]
        assert got == ["ingest", "release published", "share created"]
        [ingest] = [e for e in entries(vault, release_id) if e["action"] == "ingest"]
        names = [f["name"] for f in ingest["details"]["files"]]  # type: ignore[index]
        assert names[0].endswith(".redacted.mp4") and names[1].endswith(".redaction.json")
        about_source = entries(vault, source_id)
        assert [e["action"] for e in about_source] == [
            "ingest",
            "redaction made",
            "release published",
        ]
        made_entry = about_source[1]["details"]
        assert (
            made_entry["request"] == rid
            and made_entry["output"]["sha256"] == ingest["details"]["files"][0]["sha256"]
        )  # type: ignore[index]
        assert about_source[2]["details"] == {"request": rid, "source_item": source_id,
                                              "release_item": release_id}  # fmt: skip
    assert vault.verify() == []
    # The link: the files of both items, each download logged before its bytes are read.
    files = releases.shared(made.link.token, address="203.0.113.9")
    assert [f.item_id for f in files] == [made.items[0]] * 2 + [made.items[1]] * 2
    clip = files[0]
    info, chunks = releases.download(
        made.link.token, clip.item_id, clip.name, address="203.0.113.9"
    )
    data = b"".join(chunks)
    assert len(data) == info.size == clip.size and data[4:8] == b"ftyp"
    [used] = [e for e in entries(vault, clip.item_id) if e["action"] == "share used"]
    assert used["outcome"] == "success" and used["source"] == "203.0.113.9"
    assert used["details"] == {"request": rid, "link": made.link.id, "file": {
        "name": clip.name, "sha256": clip.sha256, "size": clip.size}}  # fmt: skip
    # Another release's file, an unknown file: refused and logged.
    with pytest.raises(LinkRefused, match="no file"):
        releases.download(made.link.token, items["a"], clip.name)
    # Expired after 30 days: refused, and the refusal logged.
    clock.now += timedelta(days=31)
    with pytest.raises(LinkRefused, match="has expired"):
        releases.download(made.link.token, clip.item_id, clip.name)
    with pytest.raises(LinkRefused, match="not valid"):
        releases.shared("not-a-token")
    failures = [
        e for e in entries(vault) if e["action"] == "share used" and e["outcome"] == "failure"
    ]
    reasons = [e["details"]["reason"] for e in failures]  # type: ignore[index]
    assert (
        reasons[0].startswith("no file")
        and "expired at" in reasons[1]
        and reasons[2] == "unknown link"
    )
    # A new link works; a revoked one does not.
    again = releases.new_link(rid, actor="rao", days=7)
    assert len(releases.shared(again.token)) == 4
    releases.revoke_link(again.id, actor="rao")
    with pytest.raises(LinkRefused, match="was revoked"):
        releases.shared(again.token)
    with pytest.raises(IllegalTransition, match="released: an ended request"):
        releases.deny(rid, RULE, "26(a)", actor="counsel")


def test_approval_is_repeatable_after_a_crash_between_its_steps(
    world: tuple[Releases, Clock, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    releases, _, items = world
    rid = logged(releases, officer_ids=("5678",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    run_all(releases, rid)

    def crash(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database gone")

    # The items are ingested, then the publishing transaction fails: nothing is released.
    monkeypatch.setattr(Releases, "_move", crash)
    with pytest.raises(ConnectionError):
        releases.approve(rid, actor="rao")
    monkeypatch.undo()
    assert releases.request(rid).request.status is Status.REVIEW
    assert releases.request(rid).links == []
    ingested = [e["item"] for e in entries(releases.vault) if e["action"] == "ingest"]
    made = releases.approve(rid, actor="rao")
    assert made.items == [ingested[-1]]  # the item made before the crash, not a second one
    assert [e["action"] for e in entries(releases.vault, items["c"])][-1] == "release published"


def test_denial_cancels_the_run_and_deletes_its_outputs(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, _ = world
    store = releases.vault.store
    rid = logged(releases, officer_ids=("5678",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    run_all(releases, rid)
    [job] = releases.jobs(rid)
    assert store.size(job.output_sha256 or "") is not None
    releases.deny(rid, RULE, "26(c)", actor="counsel")
    [job] = releases.jobs(rid)
    assert job.status == "cancelled"
    assert store.size(job.output_sha256 or "") is None
    assert store.size(job.record_sha256 or "") is None
    assert releases.vault.verify() == []


def test_jobs_skip_what_ended_and_stop_when_cancelled(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, _ = world
    rid = logged(releases, officer_ids=("5678",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    [planned] = releases.plan_redaction(rid, RedactionChoices(), actor="clerk")
    setup = jobs.Setup(releases, copy_frames, "w1")
    assert jobs.run(planned.id, setup) == "done"
    assert jobs.run(planned.id, setup) == "skipped"  # a retry of a finished job does nothing
    [again] = releases.plan_redaction(rid, RedactionChoices(plates=True), actor="clerk")
    assert again.run == 2 and releases.jobs(rid)[1].status == "cancelled"  # run 1 replaced

    def cancel_midway(
        source: Path, target: Path, choices: RedactionChoices, progress: object
    ) -> Path:
        releases.take(rid, None, actor="clerk")  # a new choice of items cancels the run
        jobs.CHECK_EVERY = 0.0
        return copy_frames(source, target, choices, progress)  # type: ignore[arg-type]

    old = jobs.CHECK_EVERY
    try:
        assert jobs.run(again.id, jobs.Setup(releases, cancel_midway, "w1")) == "cancelled"
    finally:
        jobs.CHECK_EVERY = old
    assert releases.request(rid).request.status is Status.FOUND


def test_unusable_input_fails_the_job_with_its_reason(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, items = world
    rid = logged(releases, officer_ids=("5678",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    assert run_all(releases, rid, unusable) == ["failed"]
    [job] = releases.jobs(rid)
    assert job.status == "failed" and "past the clip's end" in (job.error or "")
    assert releases.request(rid).request.status is Status.REDACTING
    failed = entries(releases.vault, items["c"])[-1]
    assert (failed["action"], failed["outcome"]) == ("redaction made", "failure")


def test_a_run_killed_while_storing_is_replaced_by_the_next(
    world: tuple[Releases, Clock, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after naming its outputs and storing them, before marking the job done: the
    retry claims the job, redacts again, and the earlier outputs, if they differ, go."""
    releases, _, _ = world
    rid = logged(releases, officer_ids=("5678",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    [planned] = releases.plan_redaction(rid, RedactionChoices(), actor="clerk")

    def killed(*args: object) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(jobs, "_done", killed)
    with pytest.raises(SystemExit):
        jobs.run(planned.id, jobs.Setup(releases, copy_frames, "w1"))
    monkeypatch.undo()
    [first] = releases.jobs(rid)
    assert (first.status, first.attempts) == ("storing", 1)
    assert releases.vault.verify() == []  # its stored outputs are named by the job
    # Pretend the first attempt's output differed (an encoder is not bound to repeat itself).
    stray = releases.vault.store.put([b"an earlier attempt's bytes"])
    with releases.vault.sessions.begin() as s:
        s.execute(update(ReleaseJob).where(ReleaseJob.id == planned.id)
                  .values(output_sha256=stray.sha256))  # fmt: skip
    assert jobs.run(planned.id, jobs.Setup(releases, copy_frames, "w2")) == "done"
    [job] = releases.jobs(rid)
    assert (job.status, job.attempts, job.worker) == ("done", 2, "w2")
    assert releases.vault.store.size(stray.sha256) is None
    assert releases.vault.verify() == []


def test_a_stale_attempt_is_discarded(world: tuple[Releases, Clock, dict[str, str]]) -> None:
    releases, _, _ = world
    rid = logged(releases, officer_ids=("5678",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    [planned] = releases.plan_redaction(rid, RedactionChoices(), actor="clerk")

    def overtaken(source: Path, target: Path, choices: RedactionChoices, progress: object) -> Path:
        # Meanwhile the queue gave the job to another worker (this one was thought lost).
        with releases.vault.sessions.begin() as s:
            s.execute(update(ReleaseJob).where(ReleaseJob.id == planned.id)
                      .values(attempts=ReleaseJob.attempts + 1))  # fmt: skip
        return copy_frames(source, target, choices, progress)  # type: ignore[arg-type]

    assert jobs.run(planned.id, jobs.Setup(releases, overtaken, "w1")) == "superseded"
    [job] = releases.jobs(rid)
    assert job.status == "running" and job.output_sha256 is None


def test_in_process_queue_runs_jobs_with_progress(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, _ = world
    rid = logged(releases, officer_ids=("1234",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    planned = releases.plan_redaction(rid, RedactionChoices(), actor="clerk")
    queue = InProcessQueue(jobs.Setup(releases, copy_frames, "local"), workers=2)
    ids = queue.submit(planned)
    queue.close()
    states = [queue.state(ids[j.id]) for j in planned]
    assert [s.state for s in states if s] == ["finished"] * 3
    assert releases.request(rid).request.status is Status.REVIEW


def test_the_monthly_figures_come_from_the_requests(
    world: tuple[Releases, Clock, dict[str, str]],
) -> None:
    releases, _, _ = world
    for _ in range(5):
        rid = logged(releases, officer_ids=("1234",))
        releases.deny(rid, RULE, "26(f)", actor="counsel")
    figures = releases.monthly_figures()
    assert [m.month for m in figures.months] == ["2026-11", "2026-12"]
    november, december = figures.months
    assert (november.received, december.received, december.denied) == (5, 0, 5)
    assert [(r.code, r.count) for r in december.denied_by_reason] == [("26(f)", 5)]
    assert figures.reasons[0].title.startswith("G.L. c. 4")
    json.loads(figures.model_dump_json())


def test_local_jobs_without_redis_run_in_threads(
    world: tuple[Releases, Clock, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    releases, _, _ = world
    rid = logged(releases, officer_ids=("1234",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    monkeypatch.setattr(queue_module.shutil, "which", lambda name: None)
    url = releases.vault.engine.url.render_as_string(hide_password=False)
    with queue_module.local_jobs(url, "release_support:copy_frames", workers=2) as local:
        assert isinstance(local, InProcessQueue)
        local.submit(releases.plan_redaction(rid, RedactionChoices(), actor="clerk"))
        local.close()
    assert releases.request(rid).request.status is Status.REVIEW


def test_the_migration_keeps_the_items_already_in_the_vault(tmp_path: Path) -> None:
    """Upgrading a vault at 0008 with items and files to 0010 keeps them (SQLite's widened
    source check is edited in place) and then takes release items."""
    url = str(tmp_path / "old.db")
    engine = db.connect(url, create=True)
    with engine.begin() as conn:
        cfg = db.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    engine.dispose()
    clock = Clock(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    with (  # a vault made and used by the version before, at its schema
        mock.patch.object(db, "upgrade", lambda engine: None),
        mock.patch.object(db, "require_current", lambda engine: None),
    ):
        vault = make_vault(url, tmp_path, clock)
        item = ingest_clip(vault, tmp_path / "clips", officer="5678", start=T0)
    vault.engine.dispose()
    db.upgrade(db.connect(url))
    releases = Releases(Vault.open(url, clock=clock))
    assert [e["action"] for e in entries(releases.vault, item)] == ["ingest"]
    with releases.vault.readers() as s:
        assert s.execute(text("PRAGMA foreign_key_check")).all() == []
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    rid = logged(releases, officer_ids=("5678",))
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    run_all(releases, rid)
    assert len(releases.approve(rid, actor="rao").items) == 1
    assert releases.vault.verify() == []
