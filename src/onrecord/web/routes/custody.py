"""The custody log in the console: its entries for custodians and auditors, and any entry's
inclusion proof as JSON (``Proof.document``, as ``onrecord vault prove`` prints it) for whoever
may see the entry — an investigator only those about items within their scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from onrecord.vault import access
from onrecord.vault.canonical import MAX_SAFE_INTEGER
from onrecord.vault.errors import VaultError
from onrecord.web import deps
from onrecord.web.deps import CUSTODY_READ, CustodyRead, Evidence, log_officer_read
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(
    routers=(api, pages), nav=(NavEntry("Custody log", "/custody-log", CUSTODY_READ, order=75),)
)

PAGE_SIZE = 100
Index = Annotated[int, Path(ge=0, le=MAX_SAFE_INTEGER, description="The entry's index.")]


@pages.get("/custody-log", response_class=HTMLResponse)
def custody_log_page(
    request: Request,
    account: CustodyRead,
    start: Annotated[int, Query(alias="from", ge=0, le=MAX_SAFE_INTEGER)] = 0,
    item: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Entries in index order from ``from`` (only those about ``item`` if given)."""
    vault = deps.vault(request)
    log_officer_read(request, account)
    page = access.log_page(vault, start=start, limit=PAGE_SIZE, item_id=item or None)
    following = page.entries[-1].index + 1 if len(page.entries) == PAGE_SIZE else None
    return render(
        request,
        "custody_log.html.j2",
        {
            "page": page,
            "start": start,
            "item": item or "",
            "following": following,
            "checkpoint_size": page.checkpoint_size,
            "vkey": vault.vkey,
            "show_item": True,
        },
    )


@api.get("/evidence/entries/{index}/proof")
def entry_proof(request: Request, index: Index, account: Evidence) -> dict[str, Any]:
    """The entry's bytes and its inclusion proof in the latest signed checkpoint (RFC 9162
    2.1.3; base64 hashes, leaf side first), with that checkpoint."""
    vault = deps.vault(request)
    exists, item_id = access.entry_item(vault, index)
    if not exists:
        raise HTTPException(404, f"there is no entry {index}")
    scope = deps.evidence_scope(account)
    if not scope.everything and (item_id is None or not access.may_see(vault, scope, item_id)):
        raise HTTPException(403, f"entry {index} is not about an item you may see")
    try:
        proof = vault.prove(index)
    except VaultError as e:
        raise HTTPException(409, str(e)) from None
    return proof.document()
