"""The requester's download link of a released records request: no account, the link's secret
in the address. The page lists the release's files; each download is a ``share used`` entry
written before any byte is read, and a link unknown, expired or revoked is refused and the refusal
logged (``Releases.shared`` and ``Releases.download``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from onrecord.release.service import LinkRefused, Releases
from onrecord.web import byte_ranges, deps
from onrecord.web.deps import ItemId, client_address
from onrecord.web.render import render
from onrecord.web.routes import Resource

pages = APIRouter(include_in_schema=False)
resource = Resource(routers=(pages,))

Token = Annotated[
    str,
    Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="The secret."),
]
FileName = Annotated[
    str, Path(min_length=1, max_length=255, pattern=r"^[^/]+$", description="The file's name.")
]


@pages.get("/release/{token}", response_class=HTMLResponse)
def release_page(request: Request, token: Token) -> Response:
    """The files the link gives, each with its size and SHA-256 and a download."""
    releases = Releases(deps.vault(request))
    try:
        files = releases.shared(token, address=client_address(request))
    except LinkRefused as e:
        raise HTTPException(404, str(e)) from None
    return render(request, "release_link.html.j2", {"files": files, "token": token})


@pages.get("/release/{token}/{item_id}/{name}")
def release_download(request: Request, token: Token, item_id: ItemId, name: FileName) -> Response:
    """One file of the release, whole, as an attachment."""
    releases = Releases(deps.vault(request))
    try:
        f, body = releases.download(token, item_id, name, address=client_address(request))
    except LinkRefused as e:
        raise HTTPException(404, str(e)) from None
    return StreamingResponse(
        body,
        media_type=f.media_type,
        headers={
            "Content-Length": str(f.size),
            "Content-Disposition": byte_ranges.content_disposition("attachment", f.name),
        },
    )
