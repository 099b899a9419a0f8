"""Share links: a custodian makes one for a prosecutor, a defence lawyer or a court, naming the
items it opens and how many days it lasts, and revokes it; its holder, with no account, opens the
share's page and plays or downloads only those items (``vault.shares``). Every use, and every
refused use of a known share, is a ``share used`` entry; a token that matches no share is a 404
and logged nowhere permanent (see ``vault.shares``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from onrecord.database.accounts import Role
from onrecord.database.vault import VaultFile
from onrecord.database.vault_access import VaultShare
from onrecord.vault import access, playback, shares
from onrecord.vault.errors import VaultError
from onrecord.vault.items import FileRole
from onrecord.vault.log import Action
from onrecord.vault.service import Vault
from onrecord.web import byte_ranges, deps
from onrecord.web.auth import Play
from onrecord.web.deps import CUSTODY_READ, Csrf, Custody, CustodyRead, ItemId, client_address
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource
from onrecord.web.routes.evidence import Position

pages = APIRouter(include_in_schema=False)
resource = Resource(routers=(pages,), nav=(NavEntry("Shares", "/shares", CUSTODY_READ, order=37),))

ShareId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The share's number.")]
Token = Annotated[
    str,
    Path(
        min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="The link's token."
    ),
]


def _shares_page(
    request: Request, account: Any, made: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "shares.html.j2",
        {
            "shares": shares.every_share(deps.vault(request)),
            "custodian": account.role is Role.CUSTODIAN,
            "roles": shares.RECIPIENT_ROLES,
            "max_days": shares.MAX_DAYS,
            "made": made,
        },
        status_code=status,
    )


@pages.get("/shares", response_class=HTMLResponse)
def shares_page(request: Request, account: CustodyRead) -> Response:
    return _shares_page(request, account)


@pages.post("/shares", dependencies=[Csrf])
def create_share(
    request: Request,
    account: Custody,
    items: Annotated[str, Form(max_length=5000)],
    recipient: Annotated[str, Form(max_length=400)],
    recipient_role: Annotated[str, Form(max_length=20)],
    days: Annotated[int, Form(ge=1, le=shares.MAX_DAYS)],
    purpose: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Make the share; its link is shown once, on the page this answers (201)."""
    named = [v for line in items.splitlines() for v in line.replace(",", " ").split()]
    try:
        made = shares.create_share(
            deps.vault(request), named, recipient=recipient, recipient_role=recipient_role,
            purpose=purpose, days=days, actor=account.name, address=client_address(request),
        )  # fmt: skip
    except VaultError as e:
        raise HTTPException(422, str(e)) from None
    link = f"{str(request.base_url).rstrip('/')}/share/{made.token}"
    return _shares_page(
        request,
        account,
        {"id": made.share_id, "link": link, "expires": made.expires_at, "named": made.items},
        201,
    )


@pages.post("/shares/{share_id}/revoke", dependencies=[Csrf])
def revoke_share(
    request: Request,
    share_id: ShareId,
    account: Custody,
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    try:
        shares.revoke(
            deps.vault(request), share_id, reason=reason, actor=account.name,
            address=client_address(request),
        )  # fmt: skip
    except shares.NoSuchShare as e:
        raise HTTPException(404, str(e)) from None
    except VaultError as e:  # revoked already, or no reason given
        raise HTTPException(409 if isinstance(e, shares.AlreadyRevoked) else 422, str(e)) from None
    return RedirectResponse("/shares", status_code=303)


@dataclass(frozen=True)
class Holder:
    """A share being used: the vault, the share, its items and who asks from where."""

    vault: Vault
    share: VaultShare
    items: tuple[str, ...]
    address: str


def holder(request: Request, token: Token) -> Holder:
    """The share of ``token`` if it may be used now: 404 for no share (not logged); 410 for an
    expired or revoked one, logged as a failed use for each item it names."""
    vault = deps.vault(request)
    share = shares.find(vault, token)
    if share is None:
        raise HTTPException(404, "this link opens nothing: check it, or ask for a new one")
    named = tuple(shares.share_items(vault, share.id))
    address = client_address(request)
    try:
        shares.check(share, vault.clock())
    except shares.ShareRefused as e:
        shares.record_use(
            vault, share, named, use="open", address=address, outcome="failure",
            details={"reason": str(e)},
        )  # fmt: skip
        raise HTTPException(410, f"{e}; ask whoever sent it for a new one") from None
    return Holder(vault, share, named, address)


Held = Annotated[Holder, Depends(holder)]


@pages.get("/share/{token}", response_class=HTMLResponse)
def share_page(request: Request, h: Held, token: Token) -> Response:
    """The items the share names, with their files, players and downloads: one ``share used``
    entry (use ``view``) per item."""
    found = [access.item(h.vault, i) for i in h.items]
    shares.record_use(h.vault, h.share, h.items, use="view", address=h.address)
    signer = deps.signer(request)
    actor = shares.actor(h.share)
    players = {
        (d.item.id, f.position): signer.play_token(Play(actor, d.item.id, f.position))
        for d in found
        if d is not None
        for f in d.files
        if not f.disposed and f.role == FileRole.CLIP.value
    }
    return render(
        request,
        "share.html.j2",
        {"share": h.share, "items": [d for d in found if d is not None], "players": players,
         "token": token},
    )  # fmt: skip


def _named(request: Request, h: Holder, item_id: str, use: str) -> None:
    """Refuse (logged) an item the share does not name."""
    if item_id not in h.items:
        known = access.exists_item(h.vault, item_id)
        shares.record_use(
            h.vault, h.share, [item_id if known else None], use=use, address=h.address,
            outcome="failure", details={"reason": "not named by this share", "asked": item_id},
        )  # fmt: skip
        raise HTTPException(403, f"this link does not open {item_id}")


def _file(h: Holder, item_id: str, position: int, use: str) -> VaultFile:
    f = access.file_of(h.vault, item_id, position)
    if f is None:
        raise HTTPException(404, "no such file")
    if f.disposed:
        shares.record_use(
            h.vault, h.share, [item_id], use=use, address=h.address, outcome="failure",
            details={"reason": "disposed of", "file": f.name},
        )  # fmt: skip
        raise HTTPException(410, f"the bytes of {f.name} were disposed of")
    return f


@pages.get("/share/{token}/{item_id}/files/{position}/play")
def share_play(
    request: Request,
    h: Held,
    item_id: ItemId,
    position: Position,
    t: Annotated[str, Query(max_length=300)],
) -> Response:
    _named(request, h, item_id, "play")
    if deps.signer(request).play_of(t) != Play(shares.actor(h.share), item_id, position):
        raise HTTPException(403, "this player's play token is not valid: reload the share's page")
    f = _file(h, item_id, position, "play")
    try:
        wanted = byte_ranges.parse_range(request.headers.get("range"), f.size)
    except byte_ranges.Unsatisfiable as e:
        return byte_ranges.unsatisfiable(f.size, str(e))
    playback.record_playback(
        h.vault, t, action=Action.SHARE_USED, actor=shares.actor(h.share), address=h.address,
        item_id=item_id,
        details={"share": h.share.id, "use": "play", "file": f.name, "sha256": f.sha256},
    )  # fmt: skip
    return byte_ranges.serve(
        h.vault.store, f.sha256, f.size, f.media_type, wanted,
        byte_ranges.content_disposition("inline", f.name),
    )  # fmt: skip


@pages.get("/share/{token}/{item_id}/files/{position}/download")
def share_download(request: Request, h: Held, item_id: ItemId, position: Position) -> Response:
    _named(request, h, item_id, "download")
    f = _file(h, item_id, position, "download")
    try:
        wanted = byte_ranges.parse_range(request.headers.get("range"), f.size)
    except byte_ranges.Unsatisfiable as e:
        return byte_ranges.unsatisfiable(f.size, str(e))
    details: dict[str, Any] = {"file": f.name, "sha256": f.sha256}
    if wanted is not None:
        details["range"] = f"{wanted.start}-{wanted.end}"
    shares.record_use(
        h.vault, h.share, [item_id], use="download", address=h.address, details=details
    )
    return byte_ranges.serve(
        h.vault.store, f.sha256, f.size, f.media_type, wanted,
        byte_ranges.content_disposition("attachment", f.name),
    )  # fmt: skip
