"""Legal holds: the list (custodians and auditors), a custodian placing one on a case and
releasing any, each with its reason and each a custody entry (``vault.holds``). A hold on one
item is placed from the item's page (``routes.evidence``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from onrecord.database.accounts import Role
from onrecord.vault import holds
from onrecord.vault.errors import VaultError
from onrecord.web import deps
from onrecord.web.deps import CUSTODY_READ, Csrf, Custody, CustodyRead, client_address
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
resource = Resource(routers=(pages,), nav=(NavEntry("Holds", "/holds", CUSTODY_READ, order=36),))

HoldId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The hold's number.")]
Reason = Annotated[str, Form(max_length=2000)]


@pages.get("/holds", response_class=HTMLResponse)
def holds_page(request: Request, account: CustodyRead) -> Response:
    vault = deps.vault(request)
    return render(
        request,
        "holds.html.j2",
        {"holds": holds.holds(vault), "custodian": account.role is Role.CUSTODIAN},
    )


@pages.post("/holds", dependencies=[Csrf])
def place_case_hold(
    request: Request,
    account: Custody,
    case: Annotated[str, Form(max_length=200)],
    reason: Reason,
) -> Response:
    """A hold on every item that names ``case``, now or later."""
    try:
        holds.place_hold(
            deps.vault(request),
            case_id=case,
            reason=reason,
            actor=account.name,
            address=client_address(request),
        )
    except VaultError as e:
        raise HTTPException(422, str(e)) from None
    return RedirectResponse("/holds", status_code=303)


@pages.post("/holds/{hold_id}/release", dependencies=[Csrf])
def release_hold(
    request: Request,
    hold_id: HoldId,
    account: Custody,
    reason: Reason,
    back: Annotated[str, Form(max_length=40, pattern=r"^/evidence/V-[0-9]{4}-[0-9]{6,9}$")] = "",
) -> Response:
    """Release a hold; back to the item's page when released from there."""
    try:
        holds.release_hold(
            deps.vault(request),
            hold_id,
            reason=reason,
            actor=account.name,
            address=client_address(request),
        )
    except holds.NoSuchHold as e:
        raise HTTPException(404, str(e)) from None
    except holds.AlreadyReleased as e:
        raise HTTPException(409, str(e)) from None
    except VaultError as e:
        raise HTTPException(422, str(e)) from None
    return RedirectResponse(f"{back}#holds" if back else "/holds", status_code=303)
