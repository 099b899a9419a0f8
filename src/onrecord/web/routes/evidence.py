"""The evidence vault's items: the search, an item's page (its record, files, player, bookmarks,
GNSS track, holds and custody timeline), playback and download by byte ranges, and a
custodian's changes to an item (categories, cases, a hold).

Every view, play and download is a custody entry, refusals too (``deps.item_access``); the
search is a read of officer-level data and goes to the access log, like the review queue.
Who may see which item is ``vault.access``; the changes are ``vault.labels`` and
``vault.holds``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from onrecord.database.accounts import Role
from onrecord.database.vault import VaultFile
from onrecord.vault import access, holds, labels, playback
from onrecord.vault.access import Search
from onrecord.vault.errors import VaultError
from onrecord.vault.items import FileRole
from onrecord.vault.log import Action
from onrecord.vault.store import StoreError
from onrecord.web import byte_ranges, deps, evidence_view
from onrecord.web.auth import Play
from onrecord.web.deps import (
    CUSTODY,
    EVIDENCE,
    FOOTAGE,
    Csrf,
    Evidence,
    ItemAccess,
    item_access,
    log_officer_read,
)
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
resource = Resource(routers=(pages,), nav=(NavEntry("Evidence", "/evidence", EVIDENCE, order=35),))

PAGE_SIZE = 50
MAX_OFFSET = 10**9
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2999, 12, 31, tzinfo=UTC)
Text = Annotated[str | None, Query(max_length=100)]
Instant = Annotated[
    str | None,
    Query(
        max_length=40,
        description="An instant such as 2026-12-01T14:00 (UTC unless it names its zone), "
        "from 1900 to 2999; empty for none.",
    ),
]
Position = Annotated[int, Path(ge=0, le=9999, description="The file's place in its item, from 0.")]

Viewed = Annotated[ItemAccess, Depends(item_access(Action.VIEW, EVIDENCE))]
Played = Annotated[ItemAccess, Depends(item_access(Action.PLAY, FOOTAGE))]
Downloaded = Annotated[ItemAccess, Depends(item_access(Action.DOWNLOAD, FOOTAGE))]
Categorised = Annotated[ItemAccess, Depends(item_access(Action.CATEGORY_SET, CUSTODY))]
Cased = Annotated[ItemAccess, Depends(item_access(Action.CASE_SET, CUSTODY))]
Held = Annotated[ItemAccess, Depends(item_access(Action.HOLD_PLACED, CUSTODY))]


def _utc(text: str | None, name: str) -> datetime | None:
    """The instant a search field gives (the form sends empty fields as empty strings)."""
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(
            422, f"{name}: {text!r} is not a date and time such as 2026-12-01T14:00"
        ) from None
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    if not EARLIEST <= at <= LATEST:
        raise HTTPException(422, f"{name}: give an instant from 1900 to 2999")
    return at.astimezone(UTC)


@pages.get("/evidence", response_class=HTMLResponse)
def search_page(
    request: Request,
    account: Evidence,
    officer: Text = None,
    camera: Text = None,
    since: Instant = None,
    until: Instant = None,
    category: Text = None,
    case: Text = None,
    station: Text = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    query = Search(
        officer=officer or None,
        camera=camera or None,
        start_from=_utc(since, "since"),
        start_to=_utc(until, "until"),
        category=category or None,
        case=case or None,
        station=station or None,
    )
    vault = deps.vault(request)
    log_officer_read(request, account)
    page = access.search(vault, deps.evidence_scope(account), query, offset=offset, limit=PAGE_SIZE)
    context = {
        "q": query,
        "form": {
            "officer": officer or "",
            "camera": camera or "",
            "since": since or "",
            "until": until or "",
            "category": category or "",
            "case": case or "",
            "station": station or "",
        },
        "page": page,
        "options": access.search_options(vault),
        "scope": deps.evidence_scope(account),
    }
    template = "evidence_rows.html.j2" if request.headers.get("HX-Request") else "evidence.html.j2"
    return render(request, template, context)


def _small(a: ItemAccess, f: VaultFile) -> bytes | None:
    """A small file's bytes, or None when it is too large to show or its bytes are gone."""
    if f.disposed or f.size > evidence_view.SMALL:
        return None
    try:
        return b"".join(a.vault.store.read(f.sha256, 0, f.size))
    except StoreError:  # verify names it; the page still shows the record
        return None


@pages.get("/evidence/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, a: Viewed) -> Response:
    found = access.item(a.vault, a.item_id)
    assert found is not None  # item_access found it
    track: evidence_view.Track | str | None = None
    bookmarks = []
    read: list[str] = []
    for f in found.files:
        if f.role == FileRole.GNSS.value and track is None:
            data = _small(a, f)
            track = "the GNSS file is too large to draw here" if data is None else None
            if data is not None:
                track = evidence_view.read_track(data)
                read.append(f.sha256)
        elif f.role == FileRole.BOOKMARK.value:
            data = _small(a, f)
            if data is not None:
                bookmarks.append(evidence_view.bookmark(f.name, found.metadata, data))
                read.append(f.sha256)
    a.vault.record(
        Action.VIEW.value,
        actor=a.account.name,
        address=a.address,
        item=a.item_id,
        details={"page": "item", "files_read": read},
    )
    may_play = a.account.role in FOOTAGE
    signer = deps.signer(request)
    players = {
        f.position: signer.play_token(Play(a.account.name, a.item_id, f.position))
        for f in found.files
        if may_play and not f.disposed and f.role == FileRole.CLIP.value
    }
    return render(
        request,
        "evidence_item.html.j2",
        {
            "d": found,
            "track": track,
            "bookmarks": bookmarks,
            "players": players,
            "may_play": may_play,
            "custodian": a.account.role is Role.CUSTODIAN,
            "size": evidence_view.SIZE,
            "checkpoint_size": found.checkpoint_size,
            "show_item": False,
        },
    )


def stream(
    request: Request, a: ItemAccess, f: VaultFile | None, disposition: str
) -> tuple[VaultFile, byte_ranges.ByteRange | None] | Response:
    """The file and the range asked of it, or the answer that refuses it (404, 410, 416)."""
    what = Action.PLAY if disposition == "inline" else Action.DOWNLOAD
    if f is None:
        deps.refuse_item(request, a.vault, a.account, what, a.item_id, 404, "no such file")
    if f.disposed:
        deps.refuse_item(
            request, a.vault, a.account, what, a.item_id, 410,
            f"the bytes of {f.name} were disposed of (custody entry {f.disposed_entry})",
        )  # fmt: skip
    try:
        wanted = byte_ranges.parse_range(request.headers.get("range"), f.size)
    except byte_ranges.Unsatisfiable as e:
        return byte_ranges.unsatisfiable(f.size, str(e))
    return f, wanted


@pages.get("/evidence/{item_id}/files/{position}/play")
def play(
    request: Request,
    a: Played,
    position: Position,
    t: Annotated[str, Query(max_length=300, description="The play token from the item's page.")],
) -> Response:
    """The file's bytes for the page's player, by ranges; the first request under a play token
    logs the ``play`` entry, later ones (buffering, seeking) nothing more."""
    claims = deps.signer(request).play_of(t)
    if claims != Play(a.account.name, a.item_id, position):
        deps.refuse_item(
            request, a.vault, a.account, Action.PLAY, a.item_id, 403,
            "this player's play token is not valid (stale or another's): reload the item's page",
        )  # fmt: skip
    answer = stream(request, a, access.file_of(a.vault, a.item_id, position), "inline")
    if isinstance(answer, Response):
        return answer
    f, wanted = answer
    playback.record_playback(
        a.vault,
        t,
        action=Action.PLAY,
        actor=a.account.name,
        address=a.address,
        item_id=a.item_id,
        details={"file": f.name, "sha256": f.sha256, "position": f.position},
    )
    return byte_ranges.serve(
        a.vault.store, f.sha256, f.size, f.media_type, wanted,
        byte_ranges.content_disposition("inline", f.name),
    )  # fmt: skip


@pages.get("/evidence/{item_id}/files/{position}/download")
def download(request: Request, a: Downloaded, position: Position) -> Response:
    """The file as an attachment (ranges serve a resumed download); each request is a
    ``download`` entry naming the bytes it sent."""
    answer = stream(request, a, access.file_of(a.vault, a.item_id, position), "attachment")
    if isinstance(answer, Response):
        return answer
    f, wanted = answer
    details: dict[str, Any] = {"file": f.name, "sha256": f.sha256, "position": f.position}
    if wanted is not None:
        details["range"] = f"{wanted.start}-{wanted.end}"
    a.vault.record(
        Action.DOWNLOAD.value, actor=a.account.name, address=a.address, item=a.item_id,
        details=details,
    )  # fmt: skip
    return byte_ranges.serve(
        a.vault.store, f.sha256, f.size, f.media_type, wanted,
        byte_ranges.content_disposition("attachment", f.name),
    )  # fmt: skip


def _split(text: str) -> list[str]:
    """A form's list: one value a line, or separated by commas."""
    return [v for line in text.splitlines() for v in line.split(",")]


Listed = Annotated[str, Form(max_length=20000)]


@pages.post("/evidence/{item_id}/categories", dependencies=[Csrf])
def set_categories(request: Request, a: Categorised, categories: Listed = "") -> Response:
    try:
        labels.set_categories(
            a.vault, a.item_id, _split(categories), actor=a.account.name, address=a.address
        )
    except VaultError as e:
        raise HTTPException(422, str(e)) from None
    return RedirectResponse(f"/evidence/{a.item_id}#labels", status_code=303)


@pages.post("/evidence/{item_id}/cases", dependencies=[Csrf])
def set_cases(request: Request, a: Cased, cases: Listed = "") -> Response:
    try:
        labels.set_cases(a.vault, a.item_id, _split(cases), actor=a.account.name, address=a.address)
    except VaultError as e:
        raise HTTPException(422, str(e)) from None
    return RedirectResponse(f"/evidence/{a.item_id}#labels", status_code=303)


@pages.post("/evidence/{item_id}/holds", dependencies=[Csrf])
def place_hold(
    request: Request, a: Held, reason: Annotated[str, Form(max_length=2000)]
) -> Response:
    try:
        holds.place_hold(
            a.vault, item_id=a.item_id, reason=reason, actor=a.account.name, address=a.address
        )
    except VaultError as e:
        raise HTTPException(422, str(e)) from None
    return RedirectResponse(f"/evidence/{a.item_id}#holds", status_code=303)
