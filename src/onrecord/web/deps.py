"""What every route module asks of the request, in one place: who may see what (the role
groups and the dependencies that admit them), the CSRF check, the access log of officer-level
reads, and the app's state (settings, database, loaded results, the checkout service, the
navigation…).

Route modules take their roles from here (``account: Aggregates``) and reach the app's state
through these getters (``deps.results(request)``), never through ``request.app.state``: the
attributes ``create_app`` sets are named once, here.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, NoReturn

from fastapi import Depends, FastAPI, HTTPException, Path, Request
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.accounts import Role
from onrecord.database.vault import VaultSettings
from onrecord.fleet.service import CheckoutService
from onrecord.vault import access
from onrecord.vault.access import EVERYTHING, Scope
from onrecord.vault.log import Action
from onrecord.vault.service import Vault
from onrecord.vault.store import BlobStore
from onrecord.web import account_store
from onrecord.web.account_store import Account
from onrecord.web.auth import CSRF_FIELD, CSRF_HEADER, Signer
from onrecord.web.fleet_status import PlanResults
from onrecord.web.redaction_jobs import RedactionJobs
from onrecord.web.results import Results
from onrecord.web.routes import NavEntry
from onrecord.web.settings import Network, Settings

# Who may see what: each page and endpoint admits one of these groups.
ALL_ROLES = tuple(Role)
AGGREGATES = (Role.ADMIN, Role.MANAGER, Role.SUPERVISOR, Role.AUDITOR)
OFFICER_LEVEL = (Role.SUPERVISOR, Role.AUDITOR)
OVERSIGHT = (Role.ADMIN, Role.AUDITOR)
FLEET = (Role.MANAGER, Role.ADMIN, Role.AUDITOR)  # the manager runs it, the others read
KIOSK = (Role.MANAGER,)  # checks cameras out and in
ADMIN = (Role.ADMIN,)  # accounts and department policies
AUDITOR = (Role.AUDITOR,)  # per-officer rates
# The evidence vault (docs/vault.md, "The vault in the console"):
EVIDENCE = (Role.CUSTODIAN, Role.INVESTIGATOR, Role.AUDITOR)  # find items, read their records
FOOTAGE = (Role.CUSTODIAN, Role.INVESTIGATOR)  # play and download
CUSTODY = (Role.CUSTODIAN,)  # holds, categories and cases, shares
CUSTODY_READ = (Role.CUSTODIAN, Role.AUDITOR)  # the custody log, holds, shares, disposition


# The app's state, as create_app sets it.


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def engine(request: Request) -> Engine:
    """The operational database (accounts, access log, policies, fleet)."""
    value: Engine = request.app.state.engine
    return value


def results(request: Request) -> Results:
    """The audit loaded at start."""
    value: Results = request.app.state.results
    return value


def plan(request: Request) -> PlanResults | None:
    """The fleet plan's figures, if the console was given ``--plan``."""
    value: PlanResults | None = request.app.state.plan
    return value


def checkout_service(request: Request) -> CheckoutService:
    """The checkout service; the mounted checkout API finds it under the same name."""
    value: CheckoutService = request.app.state.checkout_service
    return value


def vault(request: Request) -> Vault:
    """The evidence vault in the operational database, opened when first asked for (so a vault
    made after the console started is found); 404 while the database holds none."""
    opened = vault_if_any(request)
    if opened is None:
        raise HTTPException(
            404,
            "this console's database holds no evidence vault; an administrator creates it "
            "with `onrecord vault init --db URL --store LOCATION --origin NAME`",
        )
    return opened


def vault_if_any(request: Request) -> Vault | None:
    """The evidence vault, or None while the database holds none (pages that only add to
    what they show when there is one)."""
    return app_vault(request.app)


def app_vault(app: FastAPI) -> Vault | None:
    """:func:`vault_if_any` of an application, for work outside a request (its start-up)."""
    opened: Vault | None = app.state.vault
    if opened is not None:
        return opened
    found_engine: Engine = app.state.engine
    with Session(found_engine.execution_options(**db.READ_ONLY)) as s:
        found = s.scalar(select(VaultSettings))
    if found is None:
        return None
    store: BlobStore | None = app.state.vault_store
    opened = Vault(found_engine, store, found, keys=app.state.settings.vault_keys)
    app.state.vault = opened
    return opened


def redaction(request: Request) -> RedactionJobs:
    """The console's redaction queue (``web.redaction_jobs``)."""
    value: RedactionJobs = request.app.state.redaction
    return value


def evidence_scope(account: Account) -> Scope:
    """The vault's items ``account`` may see: every item for a custodian or an auditor, an
    investigator's station's and cases' for an investigator, none for anyone else."""
    if account.role in (Role.CUSTODIAN, Role.AUDITOR):
        return EVERYTHING
    if account.role is Role.INVESTIGATOR:
        return Scope(False, account.station_id, frozenset(account.cases))
    return Scope(False)


def signer(request: Request) -> Signer:
    value: Signer = request.app.state.signer
    return value


def nav(request: Request) -> tuple[NavEntry, ...]:
    """Every resource's navigation entries, in order (``routes.navigation``)."""
    value: tuple[NavEntry, ...] = request.app.state.nav
    return value


# Who is asking, and may they.


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def _hop(text: str) -> str:
    """One X-Forwarded-For entry as an address: ``1.2.3.4:5678`` and ``[::1]:80`` lose their
    port; an address is written the standard way; anything else is kept as given."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text[:64]


def client_address(request: Request) -> str:
    """Who is asking: the socket's peer, unless the peer is one of the settings' trusted proxies;
    then X-Forwarded-For is read from the right (each proxy appends the peer it saw), past every
    trusted proxy, to the first address that is not one. Addresses a client wrote into the header
    itself are further left, so never reached."""
    address = request.client.host if request.client else "unknown"
    proxies = settings(request).proxy_networks
    if not proxies or not _trusted(address, proxies):
        return address
    hops = [
        h
        for value in request.headers.getlist("x-forwarded-for")
        for h in value.split(",")
        if h.strip()
    ]
    while hops and _trusted(address, proxies):
        address = _hop(hops.pop())
    return address


def current_account(request: Request) -> Account | None:
    """The signed-in account, or None for the anonymous public; looked up once per request
    (the access dependency and the page renderer both ask)."""
    if hasattr(request.state, "account"):
        known: Account | None = request.state.account
        return known
    token = signer(request).session_token(request)
    account = None
    if token is not None:
        hours = settings(request).session_hours
        account = account_store.session_account(engine(request), token, hours * 3600)
    request.state.account = account
    return account


def require(*roles: Role) -> Callable[..., Account]:
    """A dependency admitting only ``roles``: 401 for the anonymous, 403 for other roles."""

    def dependency(
        account: Annotated[Account | None, Depends(current_account)],
    ) -> Account:
        if account is None:
            raise HTTPException(401, "sign in to see this page")
        if account.role not in roles:
            raise HTTPException(
                403,
                f"the {account.role.value} role may not see this; it is for "
                f"{', '.join(r.value for r in roles)}",
            )
        return account

    return dependency


Signed = Annotated[Account, Depends(require(*ALL_ROLES))]
Aggregates = Annotated[Account, Depends(require(*AGGREGATES))]
OfficerLevel = Annotated[Account, Depends(require(*OFFICER_LEVEL))]
Oversight = Annotated[Account, Depends(require(*OVERSIGHT))]
Fleet = Annotated[Account, Depends(require(*FLEET))]
Kiosk = Annotated[Account, Depends(require(*KIOSK))]
Admin = Annotated[Account, Depends(require(*ADMIN))]
Auditor = Annotated[Account, Depends(require(*AUDITOR))]
Evidence = Annotated[Account, Depends(require(*EVIDENCE))]
Custody = Annotated[Account, Depends(require(*CUSTODY))]
CustodyRead = Annotated[Account, Depends(require(*CUSTODY_READ))]


async def check_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request whose token does not match the cookie's."""
    expected = signer(request).csrf_token(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "the form's security token is missing or stale; reload the page")


async def check_csrf_unless_read(request: Request) -> None:
    """:func:`check_csrf` for every method but GET and HEAD (for a router mixing both)."""
    if request.method not in ("GET", "HEAD"):
        await check_csrf(request)


Csrf = Depends(check_csrf)
"""For a route that changes something: ``dependencies=[Csrf]``."""


def log_officer_read(request: Request, account: Account) -> None:
    """Record who read officer-level data, what (path and query) and when."""
    what = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    account_store.log_access(engine(request), account, what, client_address(request))


ITEM_ID = r"^V-[0-9]{4}-[0-9]{6,9}$"
ItemId = Annotated[
    str, Path(pattern=ITEM_ID, max_length=20, description="A vault id, e.g. V-2026-000001.")
]


@dataclass(frozen=True)
class ItemAccess:
    """An item someone may act on: who, the vault and the item's id."""

    account: Account
    vault: Vault
    item_id: str
    address: str


def refuse_item(
    request: Request, v: Vault, account: Account, what: Action, item_id: str | None, status: int,
    reason: str,
) -> NoReturn:  # fmt: skip
    """Log the refusal as a failed ``what`` on ``item_id`` (CJIS 5.4.1.1: refused accesses
    too), then answer ``status`` with ``reason``."""
    v.record_failure(
        what.value,
        actor=account.name,
        address=client_address(request),
        item=item_id,
        details={"reason": reason, "path": request.url.path},
    )
    raise HTTPException(status, reason)


def item_access(what: Action, roles: tuple[Role, ...]) -> Callable[..., ItemAccess]:
    """A dependency admitting ``roles`` to an item within their scope (``evidence_scope``):
    401 for the anonymous (not logged: no one to name); for an account, a refused role (403),
    no such item (404) or an item outside their scope (403) is a failed ``what`` entry in the
    custody log, naming the item when it exists."""

    def dependency(
        request: Request,
        item_id: ItemId,
        account: Annotated[Account | None, Depends(current_account)],
    ) -> ItemAccess:
        if account is None:
            raise HTTPException(401, "sign in to see this page")
        v = vault(request)
        known = access.exists_item(v, item_id)
        where = item_id if known else None
        if account.role not in roles:
            refuse_item(
                request, v, account, what, where, 403,
                f"the {account.role.value} role may not {what.value} evidence; it is for "
                f"{', '.join(r.value for r in roles)}",
            )  # fmt: skip
        if not known:
            refuse_item(request, v, account, what, None, 404, f"there is no item {item_id}")
        if not access.may_see(v, evidence_scope(account), item_id):
            refuse_item(
                request, v, account, what, item_id, 403,
                f"item {item_id} is not of an officer of your station nor of a case you are "
                "assigned",
            )  # fmt: skip
        return ItemAccess(account, v, item_id, client_address(request))

    return dependency
