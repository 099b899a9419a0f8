"""Records requests in the console, for the custodian (the evidence custodian is the records
officer: the same role holds the footage, its holds and its shares): the list with deadlines,
logging a request, finding and taking the items that answer it, redacting them on the console's
job queue (``web.redaction_jobs``) with the progress polled by htmx, the review (each redacted
clip beside its original, its tracks accepted or rejected one by one: ``release.review``; a box
drawn on a frame: ``release.review_box``; mutes set on the audio's waveform:
``release.review_audio``), and approving (the requester's link shown once) or denying. An
auditor reads the same pages, without players or forms.

Every change goes through ``release.service.Releases``; a move the request's status does not
allow, or input it refuses, is the request's page again with the service's message. Reading a
request is a read of officer-level data (the access log); playing the original is the evidence
pages' own playback (``/evidence/…/play``, a custody entry), playing a redacted clip before
release is a ``play`` entry on its source item, and each frame shown for drawing a box is a
``view`` entry on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from onrecord.database.accounts import Role
from onrecord.redaction import Drawn, InputError, parse_range, parse_time
from onrecord.release import review, review_audio, review_box
from onrecord.release.deadline import (
    DEFAULT_RULE,
    DeadlineRule,
    builtin_rules,
    business_days_left,
    load_rule,
)
from onrecord.release.errors import IllegalTransition, ReleaseError
from onrecord.release.matching import Filters
from onrecord.release.redactor import RedactionChoices, Style
from onrecord.release.service import (
    ACTIVE_JOBS,
    LINK_DAYS,
    JobView,
    NewRequest,
    Releases,
    RequestDetail,
    RequestView,
    output_names,
)
from onrecord.release.status import Status
from onrecord.vault import access, playback
from onrecord.vault.log import Action
from onrecord.vault.service import Vault
from onrecord.web import byte_ranges, deps
from onrecord.web.account_store import Account
from onrecord.web.auth import Play
from onrecord.web.deps import (
    CUSTODY_READ,
    FOOTAGE,
    Csrf,
    Custody,
    CustodyRead,
    client_address,
    log_officer_read,
)
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
resource = Resource(
    routers=(pages,), nav=(NavEntry("Requests", "/requests", CUSTODY_READ, order=38),)
)

REQUEST_ID = r"^R-[0-9]{4}-[0-9]{4,6}$"
RequestId = Annotated[
    str, Path(pattern=REQUEST_ID, max_length=20, description="A request's id, e.g. R-2026-0001.")
]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A redaction job's number.")]
TrackId = Annotated[int, Path(ge=0, le=2**31 - 1, description="A track's id in its record.")]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=20_000)]
POLL_SECONDS = 2
FORM_FIELDS = ("requester", "received", "description", "rule", "contact", "officers",
               "time_from", "time_to", "station")  # fmt: skip


def _releases(request: Request) -> Releases:
    return Releases(deps.vault(request))


@cache
def _rule(name: str) -> DeadlineRule | None:
    """A built-in rule by name (a department's own rule file is read by the CLI only: the
    console never opens a path a form names); parsed once, not once a row of the list."""
    return load_rule(name) if name in builtin_rules() else None


def deadline(r: RequestView, today_of: datetime) -> dict[str, Any]:
    """The due date with the business days left (negative: late) in the rule's calendar; None
    for an ended request or a rule the console does not ship."""
    rule = _rule(r.rule_name)
    left = None
    if rule is not None and r.status not in (Status.RELEASED, Status.DENIED):
        left = business_days_left(today_of.astimezone(rule.zone).date(), r.due_on, rule)
    return {"due": r.due_on, "left": left}


def _list_page(
    request: Request,
    account: Account,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    releases = _releases(request)
    rows = releases.requests()
    now = releases.now()
    return render(
        request,
        "requests.html.j2",
        {
            "rows": [(r, deadline(r, now)) for r in reversed(rows)],
            "custodian": account.role is Role.CUSTODIAN,
            "rules": builtin_rules(),
            "default_rule": DEFAULT_RULE,
            "form": {field: "" for field in FORM_FIELDS} | (form or {}),
            "error": error,
            "today": now.date().isoformat(),
        },
        status_code=status,
    )


@pages.get("/requests", response_class=HTMLResponse)
def list_page(request: Request, account: CustodyRead) -> Response:
    return _list_page(request, account)


def _local(text: str, what: str, rule: DeadlineRule) -> datetime | None:
    """A form's date and time (no zone: the rule's) as an instant."""
    if not text.strip():
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReleaseError(
            f"{what} {text!r} is not a date and time such as 2026-11-30T14:00"
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=rule.zone)


def _words(text: str) -> tuple[str, ...]:
    """A form's list: separated by commas, spaces or lines."""
    return tuple(v for v in text.replace(",", " ").split() if v)


@pages.post("/requests", dependencies=[Csrf])
def new_request(
    request: Request,
    account: Custody,
    requester: Short,
    received: Annotated[str, Form(max_length=20)],
    description: Long,
    rule: Annotated[str, Form(max_length=100)] = DEFAULT_RULE,
    contact: Annotated[str, Form(max_length=500)] = "",
    officers: Annotated[str, Form(max_length=2000)] = "",
    time_from: Annotated[str, Form(max_length=40)] = "",
    time_to: Annotated[str, Form(max_length=40)] = "",
    station: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Log the request and open its page; a refused field is the list again, the form kept."""
    form = {
        "requester": requester, "received": received, "description": description, "rule": rule,
        "contact": contact, "officers": officers, "time_from": time_from, "time_to": time_to,
        "station": station,
    }  # fmt: skip
    try:
        found = _rule(rule)
        if found is None:
            raise ReleaseError(f"rule {rule!r}: choose one of {', '.join(builtin_rules())}")
        try:
            day = date.fromisoformat(received.strip())
        except ValueError:
            raise ReleaseError(f"received {received!r} is not a date such as 2026-12-01") from None
        filters = Filters(
            _words(officers),
            _local(time_from, "from", found),
            _local(time_to, "to", found),
            station.strip() or None,
        )
        made = _releases(request).log_request(
            NewRequest(requester, day, description, contact.strip() or None, filters),
            found,
            actor=account.name,
        )
    except ReleaseError as e:
        return _list_page(request, account, form=form, error=str(e), status=422)
    return RedirectResponse(f"/requests/{made.id}", status_code=303)


def _players(request: Request, account: Account, d: RequestDetail) -> dict[str, Any]:
    """For the review: each done clip of the newest run, with a play token for its redacted
    output (custodians) and for its original (roles that may play that item)."""
    if not d.jobs or account.role is not Role.CUSTODIAN:
        return {"clips": [], "originals": False}
    vault = deps.vault(request)
    signer = deps.signer(request)
    run = max(j.run for j in d.jobs)
    scope = deps.evidence_scope(account)
    may_play = account.role in FOOTAGE
    clips = []
    for j in d.jobs:
        if j.run != run or j.status != "done":
            continue
        original = None
        if may_play and access.may_see(vault, scope, j.item_id):
            original = signer.play_token(Play(account.name, j.item_id, j.file_position))
        redacted = signer.play_token(Play(account.name, _job_key(j.id), j.file_position))
        clips.append(
            {"job": j, "name": output_names(j.source_name)[0], "redacted": redacted,
             "original": original, "review": _review(vault, d, j, original is not None)}
        )  # fmt: skip
    return {"clips": clips, "originals": may_play}


def _review(vault: Vault, d: RequestDetail, job: JobView, original: bool) -> dict[str, Any] | None:
    """What the review of a clip edits, from its redaction record: its tracks, each with the
    frames it covers, its picture's size, its mutes and its audio's waveform (from the
    original if ``original``: the viewer may see it); None when there is nothing to edit
    (released, or another redactor's record)."""
    if d.request.status is not Status.REVIEW:
        return None
    releases = Releases(vault)
    try:
        record = review.record_of(releases, d.request.id, job.id)
    except ReleaseError:
        return None
    wave, unreadable = None, None
    try:
        wave = review_audio.waveform(releases, d.request.id, job.id, original=original)
    except ReleaseError as e:
        unreadable = str(e)
    rows = []
    for t in record.tracks:
        frames = [b[0] for b in t.boxes]
        first, last = (min(frames), max(frames)) if frames else (None, None)
        rows.append({"track": t, "frames": len(frames), "first": first, "last": last})
    mutes = " ".join(f"{a:g}-{b:g}" for a, b in record.mutes)
    return {"tracks": rows, "video": record.video, "mutes": mutes, "muted": record.mutes,
            "wave": wave, "unreadable": unreadable}  # fmt: skip


def _job_key(job_id: int) -> str:
    """What a redacted clip's play token names in place of an item id (never a vault id, so
    the token plays nothing on the evidence pages)."""
    return f"redaction-job-{job_id}"


def _request_page(
    request: Request,
    account: Account,
    request_id: str,
    *,
    error: str | None = None,
    released: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    releases = _releases(request)
    try:
        d = releases.request(request_id)
    except ReleaseError as e:
        raise HTTPException(404, str(e)) from None
    log_officer_read(request, account)
    rule = _rule(d.request.rule_name)
    redaction = deps.redaction(request)
    custodian = account.role is Role.CUSTODIAN
    return render(
        request,
        "request.html.j2",
        {
            "d": d,
            "r": d.request,
            "deadline": deadline(d.request, releases.now()),
            "custodian": custodian,
            "exemptions": rule.exemptions if rule is not None else None,
            "no_redactor": redaction.missing(),
            "styles": list(Style),
            "link_days": LINK_DAYS,
            "jobs": _job_rows(request, d),
            "poll": POLL_SECONDS,
            "error": error,
            "released": released,
            **_players(request, account, d),
        },
        status_code=status,
    )


def _job_rows(request: Request, d: RequestDetail) -> dict[str, Any]:
    """The newest run's jobs with their queue progress, and whether any is still to finish."""
    if not d.jobs:
        return {"rows": [], "active": False, "run": None}
    run = max(j.run for j in d.jobs)
    redaction = deps.redaction(request)
    rows = [(j, redaction.state(j.queue_job_id)) for j in d.jobs if j.run == run]
    active = any(j.status in ACTIVE_JOBS for j, _ in rows)
    return {"rows": rows, "active": active, "run": run}


@pages.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, account: CustodyRead, request_id: RequestId) -> Response:
    return _request_page(request, account, request_id)


@pages.get("/requests/{request_id}/jobs", response_class=HTMLResponse)
def jobs_fragment(request: Request, account: CustodyRead, request_id: RequestId) -> Response:
    """The redaction jobs' progress, which the page polls while they run; once the request has
    left ``redacting`` (all done: in review), htmx is told to reload the whole page."""
    try:
        d = _releases(request).request(request_id)
    except ReleaseError as e:
        raise HTTPException(404, str(e)) from None
    if request.headers.get("HX-Request") and d.request.status is not Status.REDACTING:
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(
        request,
        "request_jobs.html.j2",
        {"r": d.request, "jobs": _job_rows(request, d), "poll": POLL_SECONDS},
    )


def _act(
    request: Request, account: Account, request_id: str, anchor: str, change: Callable[[], object]
) -> Response:
    """Run a change through the service: back to the request's page at ``anchor``, or the page
    with the service's message (409 for a move the status does not allow, 422 otherwise)."""
    try:
        change()
    except ReleaseError as e:
        return _refused(request, account, request_id, e)
    return RedirectResponse(f"/requests/{request_id}#{anchor}", status_code=303)


def _refused(request: Request, account: Account, request_id: str, e: ReleaseError) -> Response:
    """The request's page with the service's message: 409 for a move the status does not
    allow, 422 for anything else refused."""
    status = 409 if isinstance(e, IllegalTransition) else 422
    return _request_page(request, account, request_id, error=str(e), status=status)


@pages.post("/requests/{request_id}/propose", dependencies=[Csrf])
def propose(request: Request, account: Custody, request_id: RequestId) -> Response:
    """Find the vault items that match the request's filters."""
    return _act(request, account, request_id, "items",
                lambda: _releases(request).propose(request_id))  # fmt: skip


@pages.post("/requests/{request_id}/take", dependencies=[Csrf])
async def take(request: Request, account: Custody, request_id: RequestId) -> Response:
    """Take the items ticked (``item`` fields, repeated) as the footage that answers it."""
    form = await request.form()
    items = [v for v in form.getlist("item") if isinstance(v, str) and len(v) <= 20]
    if not items:
        return _request_page(
            request, account, request_id, status=422,
            error="tick at least one item to take (or deny the request as no-records)",
        )  # fmt: skip
    return _act(request, account, request_id, "items",
                lambda: _releases(request).take(request_id, items, actor=account.name))  # fmt: skip


@pages.post("/requests/{request_id}/redact", dependencies=[Csrf])
def redact(
    request: Request,
    account: Custody,
    request_id: RequestId,
    style: Annotated[str, Form(max_length=20)] = Style.BLUR.value,
    faces: Annotated[bool, Form()] = False,
    plates: Annotated[bool, Form()] = False,
    mutes: Annotated[str, Form(max_length=5000)] = "",
    boxes: Annotated[str, Form(max_length=1_000_000)] = "",
) -> Response:
    """Plan a redaction run of the taken items and put its jobs on the console's queue."""

    def start() -> None:
        try:
            choices = RedactionChoices.model_validate(
                {"faces": faces, "plates": plates, "style": style, "mutes": _words(mutes),
                 "boxes": boxes.strip() or None}
            )  # fmt: skip
        except ValidationError as e:
            raise ReleaseError(
                "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            ) from None
        vault = deps.vault(request)
        queue = deps.redaction(request).queue(vault)  # refused before anything is planned
        releases = Releases(vault)
        planned = releases.plan_redaction(request_id, choices, actor=account.name)
        releases.set_queue_ids(queue.submit(planned))

    return _act(request, account, request_id, "jobs", start)


@pages.post("/requests/{request_id}/approve", dependencies=[Csrf])
def approve(
    request: Request,
    account: Custody,
    request_id: RequestId,
    link_days: Annotated[int, Form(ge=1, le=365)] = LINK_DAYS,
) -> Response:
    """Release the request; its page then shows the requester's link, this once."""
    try:
        made = _releases(request).approve(
            request_id, actor=account.name, address=client_address(request), link_days=link_days
        )
    except ReleaseError as e:
        return _refused(request, account, request_id, e)
    link = f"{str(request.base_url).rstrip('/')}/release/{made.link.token}"
    shown = {"link": link, "expires": made.link.expires_at, "items": made.items}
    return _request_page(request, account, request_id, released=shown)


@pages.post("/requests/{request_id}/deny", dependencies=[Csrf])
def deny(
    request: Request,
    account: Custody,
    request_id: RequestId,
    exemption: Annotated[str, Form(max_length=100)],
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Deny the request, citing an exemption of the rule it was logged under."""

    def decide() -> None:
        releases = _releases(request)
        name = releases.request(request_id).request.rule_name
        rule = _rule(name)
        if rule is None:
            raise ReleaseError(
                f"request {request_id} was logged under the department's own rule {name!r}; "
                f"deny it with `onrecord request deny {request_id} --rule FILE`"
            )
        releases.deny(request_id, rule, exemption, actor=account.name, note=note.strip() or None)

    return _act(request, account, request_id, "decision", decide)


@pages.post("/requests/{request_id}/jobs/{job_id}/tracks/{track_id}", dependencies=[Csrf])
def decide_track(
    request: Request,
    account: Custody,
    request_id: RequestId,
    job_id: JobId,
    track_id: TrackId,
    accepted: Annotated[bool, Form()],
) -> Response:
    """Accept or reject one track of a redacted clip under review; the clip is rendered again
    with the edited record before the page comes back (``release.review``: no detection, so
    about as long as the clip plays), and the decision is a ``redaction made`` entry."""
    return _act(request, account, request_id, f"review-{job_id}",
                lambda: review.decide_track(_releases(request), request_id, job_id, track_id,
                                            accepted, actor=account.name,
                                            address=client_address(request)))  # fmt: skip


@pages.get("/requests/{request_id}/jobs/{job_id}/play")
def play_redacted(
    request: Request,
    account: Custody,
    request_id: RequestId,
    job_id: JobId,
    t: Annotated[str, Query(max_length=300, description="The play token from the request page.")],
) -> Response:
    """A redacted clip awaiting review, by ranges; the first request under a play token is a
    ``play`` entry on its source item naming the job and the redacted bytes."""
    vault = deps.vault(request)
    try:
        found = [j for j in Releases(vault).jobs(request_id) if j.id == job_id]
    except ReleaseError as e:
        raise HTTPException(404, str(e)) from None
    job: JobView | None = found[0] if found else None
    if job is None or job.status != "done" or job.output_sha256 is None:
        raise HTTPException(404, f"request {request_id} has no finished redaction {job_id}")
    address = client_address(request)
    if deps.signer(request).play_of(t) != Play(account.name, _job_key(job.id), job.file_position):
        deps.refuse_item(
            request, vault, account, Action.PLAY, job.item_id, 403,
            "this player's play token is not valid (stale or another's): reload the request's "
            "page",
        )  # fmt: skip
    size = vault.store.size(job.output_sha256)
    if size is None:
        raise HTTPException(410, f"the redacted clip of job {job_id} is gone; redact again")
    try:
        wanted = byte_ranges.parse_range(request.headers.get("range"), size)
    except byte_ranges.Unsatisfiable as e:
        return byte_ranges.unsatisfiable(size, str(e))
    name = output_names(job.source_name)[0]
    playback.record_playback(
        vault, t, action=Action.PLAY, actor=account.name, address=address, item_id=job.item_id,
        details={"file": name, "sha256": job.output_sha256, "request": request_id,
                 "redaction_job": job.id, "redacted": True},
    )  # fmt: skip
    return byte_ranges.serve(
        vault.store, job.output_sha256, size, "video/mp4", wanted,
        byte_ranges.content_disposition("inline", name),
    )  # fmt: skip


def _original(request: Request, account: Account, item_id: str) -> bool:
    """Whether ``account`` sees the original of ``item_id`` (as the review page decides who is
    given its player): a role that plays footage, with the item in its scope."""
    scope = deps.evidence_scope(account)
    return account.role in FOOTAGE and access.may_see(deps.vault(request), scope, item_id)


def _seconds(text: str, what: str) -> float:
    try:
        return parse_time(text)
    except InputError as e:
        raise ReleaseError(f"{what}: {e}") from None


@pages.get("/requests/{request_id}/jobs/{job_id}/frame")
def frame(
    request: Request,
    account: Custody,
    request_id: RequestId,
    job_id: JobId,
    at: Annotated[str, Query(max_length=40, description="A time: seconds or m:ss.")] = "0",
) -> Response:
    """The frame shown at ``at`` of a clip under review, as a JPEG picture: the original to a
    role that may see it, else the redacted clip's; a ``view`` entry of the source item. Its
    number and time are in the ``X-Frame`` and ``X-Frame-Time`` headers."""
    releases = _releases(request)
    try:
        job = review.under_review(releases, request_id, job_id)
        shown = review_box.frame(
            releases, request_id, job_id, _seconds(at, "at"),
            original=_original(request, account, job.item_id), actor=account.name,
            address=client_address(request),
        )  # fmt: skip
    except ReleaseError as e:
        return Response(str(e), status_code=422, media_type="text/plain; charset=utf-8")
    return Response(
        shown.jpeg,
        media_type="image/jpeg",
        headers={"X-Frame": str(shown.frame), "X-Frame-Time": f"{shown.seconds:.3f}",
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@pages.post("/requests/{request_id}/jobs/{job_id}/boxes", dependencies=[Csrf])
def add_box(
    request: Request,
    account: Custody,
    request_id: RequestId,
    job_id: JobId,
    at: Annotated[str, Form(max_length=40)],
    x: Annotated[int, Form(ge=-(2**20), le=2**20)],
    y: Annotated[int, Form(ge=-(2**20), le=2**20)],
    w: Annotated[int, Form(ge=0, le=2**20)],
    h: Annotated[int, Form(ge=0, le=2**20)],
    mode: Annotated[str, Form(pattern="^(follow|fixed)$")] = "follow",
    until: Annotated[str, Form(max_length=40)] = "",
    track: Annotated[str, Form(max_length=12)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add a box drawn on a frame (or adjust a track from that frame) and render the clip again
    (``release.review_box``: only the box's frames are looked at, no detection)."""

    def change() -> None:
        if track.strip() and not track.strip().isdigit():
            raise ReleaseError(f"track {track!r}: choose a track by its number, or a new box")
        drawn = Drawn(
            _seconds(at, "at"), x, y, w, h, follow=mode == "follow",
            until=_seconds(until, "until") if until.strip() else None,
            track=int(track) if track.strip() else None, label=label.strip() or None,
        )  # fmt: skip
        review_box.add_box(_releases(request), request_id, job_id, drawn, actor=account.name,
                           address=client_address(request))  # fmt: skip

    return _act(request, account, request_id, f"review-{job_id}", change)


@pages.post("/requests/{request_id}/jobs/{job_id}/mutes", dependencies=[Csrf])
def set_mutes(
    request: Request,
    account: Custody,
    request_id: RequestId,
    job_id: JobId,
    mutes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Silence these ranges (START-END each, separated by spaces; in place of those before)
    and write the clip again: its video copied, its audio encoded again."""

    def change() -> None:
        try:
            ranges = tuple(parse_range(m) for m in _words(mutes))
        except InputError as e:
            raise ReleaseError(str(e)) from None
        review_audio.set_mutes(_releases(request), request_id, job_id, ranges,
                               actor=account.name, address=client_address(request))  # fmt: skip

    return _act(request, account, request_id, f"review-{job_id}", change)
